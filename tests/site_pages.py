"""Every page of the site, as concrete URLs over the demo data, for checks that must cover them all.

``demo_page_urls()`` builds one or more URLs for each page (each kind of evidence, each
application, each credential, every admin list and form), so a check that walks them sees every
template in every state the demo holds. ``NOT_PAGES`` names the URL patterns that never answer
with HTML of ours (POST-only actions, file downloads, the API); ``unlisted_url_names()`` finds a
new URL pattern that is in neither list, so adding a page without covering it fails a test.
"""

from collections.abc import Iterator
from datetime import timedelta

from django.contrib import admin
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments.models import Application
from credentials.models import (
    BulkIssuance,
    BulkIssuanceRow,
    ContactRequest,
    IssuedCredential,
    Issuer,
    IssuerInvitation,
    MicroCredential,
    SavedSearch,
    ShareLink,
)
from credentials.permissions import hash_invitation_token, hash_share_token
from credentials.saved_searches import unsubscribe_path
from portfolio.models import EvidenceItem, LearnerProfile, User

# The sign-up link of the invitation that add_invitation_to_sign_up() makes; a real link's
# token exists only in the e-mail, so the walks make one whose token they know.
INVITATION_TOKEN = "an-open-invitation-for-the-page-walks"
# The demo learner's share links that add_share_links() makes: one open, one revoked.
SHARE_LINK_TOKEN = "an-open-share-link-for-the-page-walks"
REVOKED_SHARE_LINK_TOKEN = "a-revoked-share-link-for-the-page-walks"

# Pages that answer with something other than an HTML page of ours on a GET.
NOT_PAGES = {
    "portfolio:notifications-read",
    "portfolio:evidence-file",
    "portfolio:evidence-thumbnail",
    "credentials:invitation-accept",
    "credentials:share-link-revoke",
    "credentials:contact-request-decline",
    "credentials:saved-search-delete",
    "assessments:application-start",
    "assessments:application-submit",
    "assessments:claim",
    "assessments:release",
    "assessments:submitted-evidence-file",
    "assessments:submitted-evidence-thumbnail",
    "api:evidence-list",
    "api:evidence-detail",
    # The verifier's API, POST only (tests/credentials/test_verify_documents.py).
    "credentials-api:verify",
    # PDF documents (tests/credentials/test_transcripts.py and test_certificate.py).
    "credentials:public-transcript",
    "credentials:my-transcript",
    "credentials:credential-certificate",
    # DID documents, JSON (tests/credentials/test_did_documents.py).
    "credentials:site-did",
    "credentials:issuer-did",
    # Signed status lists, JSON (tests/credentials/test_status_list_serving.py).
    "credentials:status-list",
    # The signed credential and our JSON-LD context, JSON (tests/credentials/test_open_badges.py).
    "credentials:credential-document",
    # The same credential as a VC-JWT (tests/credentials/test_vc_jwt.py).
    "credentials:credential-jwt",
    # The learner's signed CLR 2.0 record, JSON (tests/credentials/test_learner_record.py).
    "credentials:my-learner-record",
    "credentials:context-micro-credential",
    # Baked badge images, PNG and SVG (tests/credentials/test_baked_badges.py).
    "credentials:credential-baked-png",
    "credentials:credential-baked-svg",
    # Open Badges 2.0 hosted objects, JSON, and their baked PNG (tests/credentials/test_open_badges_2.py).
    "credentials:ob2-assertion",
    "credentials:ob2-baked-png",
    "credentials:ob2-badge-class",
    "credentials:ob2-issuer",
    # allauth steps that need a code or key sent by e-mail first.
    "account_confirm_email",
    "account_reset_password_from_key",
    "account_confirm_login_code",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "account_reauthenticate",
    "account_set_password",
    "account_reset_password_from_key_done",
}


def _url_names(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin is covered model by model below
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_names(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}"


def all_url_names() -> set[str]:
    return set(_url_names(get_resolver().url_patterns))


def _admin_urls(superuser: User) -> Iterator[tuple[str, str]]:
    # The forms each admin offers a superuser; some models have no add or delete on purpose.
    request = RequestFactory().get("/")
    request.user = superuser
    yield "admin:index", reverse("admin:index")
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        yield f"{prefix}_changelist", reverse(f"{prefix}_changelist")
        if model_admin.has_add_permission(request):
            yield f"{prefix}_add", reverse(f"{prefix}_add")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield f"{prefix}_change", reverse(f"{prefix}_change", args=[first.pk])
            yield f"{prefix}_history", reverse(f"{prefix}_history", args=[first.pk])
            if model_admin.has_delete_permission(request, first):
                yield f"{prefix}_delete", reverse(f"{prefix}_delete", args=[first.pk])


def add_invitation_to_sign_up() -> IssuerInvitation:
    """An open invitation to an address without an account, its link's token INVITATION_TOKEN."""
    return IssuerInvitation.objects.create(
        issuer=Issuer.objects.order_by("pk")[0],
        email="invited.newcomer@example.com",
        role=IssuerInvitation.Role.ASSESSOR,
        expires_at=timezone.now() + timedelta(days=14),
        token_hash=hash_invitation_token(INVITATION_TOKEN),
    )


def add_share_links() -> str:
    """The demo learner's share links (SHARE_LINK_TOKEN open, the other revoked); their slug."""
    learner = User.objects.get(email="learner@example.com")
    now = timezone.now()
    for token, revoked_at in [(SHARE_LINK_TOKEN, None), (REVOKED_SHARE_LINK_TOKEN, now)]:
        ShareLink.objects.create(
            owner=learner,
            label="For the page walks",
            token_hash=hash_share_token(token),
            expires_at=now + timedelta(days=7),
            revoked_at=revoked_at,
        )
    return learner.profile.slug


def add_bulk_issuance() -> BulkIssuance:
    """A finished batch of the demo issuer, its one row skipped, for its page.

    Finished, so its page stays still while the walks check it (an unfinished one follows
    the batch with a script: tests/credentials/test_bulk_issuance_pages.py)."""
    micro_credential = MicroCredential.objects.filter(
        issuer__staff__email="issuer@example.com", status=MicroCredential.Status.PUBLISHED
    ).order_by("pk")[0]
    now = timezone.now()
    batch = BulkIssuance.objects.create(
        issuer=micro_credential.issuer,
        micro_credential=micro_credential,
        created_by=User.objects.get(email="issuer@example.com"),
        created_at=now,
        progressed_at=now,
        finished_at=now,
        status=BulkIssuance.Status.FINISHED,
        total=1,
    )
    learner = (
        User.objects.filter(role=User.Role.LEARNER)
        .exclude(credentials_earned__micro_credential=micro_credential)
        .order_by("pk")[0]
    )
    BulkIssuanceRow.objects.create(
        batch=batch,
        line=1,
        learner=learner,
        state=BulkIssuanceRow.State.SKIPPED,
        note="Already held when issued.",
    )
    return batch


def demo_page_urls(superuser: User) -> list[tuple[str, str]]:
    """(URL name, path) for every page, over the demo data (``load_demo`` must have run).

    One object per state where the state changes the page (an application per status, a
    profile public and private), so the walk stays short enough to repeat for every role.
    """
    urls: list[tuple[str, str]] = [
        ("home", reverse("home")),
        ("account_logout", reverse("account_logout")),
        ("dashboard", reverse("dashboard")),
        ("not-found", "/no-such-page/"),
        ("portfolio:profile-edit", reverse("portfolio:profile-edit")),
        ("portfolio:portfolio-curate", reverse("portfolio:portfolio-curate")),
        ("portfolio:email-settings", reverse("portfolio:email-settings")),
        ("portfolio:notification-list", reverse("portfolio:notification-list")),
        ("portfolio:activity", reverse("portfolio:activity")),
        (
            "portfolio:activity",
            f"{reverse('portfolio:activity')}?verb=application.submitted&since=1+January+2020",
        ),
        ("portfolio:activity", f"{reverse('portfolio:activity')}?since=not+a+date"),
        ("portfolio:evidence-list", reverse("portfolio:evidence-list")),
        ("credentials:catalogue", reverse("credentials:catalogue")),
        ("credentials:directory", reverse("credentials:directory")),
        # A search with results and facets, one that finds nobody, and one with errors.
        ("credentials:directory", f"{reverse('credentials:directory')}?q=data&sort=recent"),
        ("credentials:directory", f"{reverse('credentials:directory')}?q=zzzz-nobody"),
        ("credentials:directory", f"{reverse('credentials:directory')}?skill=nope&after=x"),
        # The demo employer's search, offered for saving (a 404 for everyone else).
        (
            "credentials:saved-search-new",
            f"{reverse('credentials:saved-search-new')}?skill=data-visualisation&verified=on",
        ),
        # A digest's unsubscribe link that does not work (its 400 page).
        (
            "credentials:saved-search-unsubscribe",
            reverse("credentials:saved-search-unsubscribe", args=["not-a-signed-token"]),
        ),
        ("credentials:my-credentials", reverse("credentials:my-credentials")),
        ("credentials:invitation-list", reverse("credentials:invitation-list")),
        ("credentials:share-links", reverse("credentials:share-links")),
        # Needs add_invitation_to_sign_up(); and a link that does not work.
        (
            "credentials:invitation-signup",
            reverse("credentials:invitation-signup", args=[INVITATION_TOKEN]),
        ),
        (
            "credentials:invitation-signup",
            reverse("credentials:invitation-signup", args=["no-such-token"]),
        ),
        ("credentials:contact-request-list", reverse("credentials:contact-request-list")),
        ("credentials:verify", reverse("credentials:verify")),
        ("credentials:verify", f"{reverse('credentials:verify')}?credential=not+ours"),
        ("assessments:application-list", reverse("assessments:application-list")),
        ("assessments:queue", reverse("assessments:queue")),
    ]
    account_pages = [
        "account_login",
        "account_signup",
        "account_inactive",
        "account_email",
        "account_email_verification_sent",
        "account_change_password",
        "account_reset_password",
        "account_reset_password_done",
    ]
    urls += [(name, reverse(name)) for name in account_pages]
    urls += [
        ("portfolio:evidence-create", reverse("portfolio:evidence-create", args=[kind]))
        for kind in EvidenceItem.Kind.values
    ]
    for kind in EvidenceItem.Kind.values:
        item = EvidenceItem.objects.filter(kind=kind).order_by("pk").first()
        if item is not None:
            for name in ["evidence-detail", "evidence-edit", "evidence-delete"]:
                urls.append((f"portfolio:{name}", reverse(f"portfolio:{name}", args=[item.pk])))
    profiles = [
        profile
        for is_public in (True, False)
        if (profile := LearnerProfile.objects.filter(is_public=is_public).order_by("pk").first())
    ]
    for slug in [profile.slug for profile in profiles]:
        urls.append(
            ("credentials:public-portfolio", reverse("credentials:public-portfolio", args=[slug]))
        )
        urls.append(
            (
                "credentials:contact-request-new",
                reverse("credentials:contact-request-new", args=[slug]),
            )
        )
    # Needs add_share_links(): an open link, a revoked one (410) and one that never was (404).
    learner_slug = User.objects.get(email="learner@example.com").profile.slug
    for token in [SHARE_LINK_TOKEN, REVOKED_SHARE_LINK_TOKEN, "no-such-token"]:
        for name in ["credentials:shared-portfolio", "credentials:shared-contact-request-new"]:
            urls.append((name, reverse(name, args=[learner_slug, token])))
    # The demo employer's saved search: its digest's unsubscribe link asks for confirmation.
    for saved_search in SavedSearch.objects.order_by("pk")[:1]:
        urls.append(("credentials:saved-search-unsubscribe", unsubscribe_path(saved_search)))
    for pk in ContactRequest.objects.order_by("pk").values_list("pk", flat=True)[:1]:
        urls.append(
            (
                "credentials:contact-request-detail",
                reverse("credentials:contact-request-detail", args=[pk]),
            )
        )
    for slug in MicroCredential.objects.order_by("pk").values_list("slug", flat=True):
        urls.append(
            (
                "credentials:micro-credential-detail",
                reverse("credentials:micro-credential-detail", args=[slug]),
            )
        )
    # Issuing in bulk: the list's form (its issuer's staff only), and, with add_bulk_issuance(),
    # a batch's progress page.
    for slug in (
        MicroCredential.objects.filter(status=MicroCredential.Status.PUBLISHED)
        .order_by("pk")
        .values_list("slug", flat=True)[:1]
    ):
        urls.append(
            ("credentials:bulk-issuance-new", reverse("credentials:bulk-issuance-new", args=[slug]))
        )
    for batch_id in BulkIssuance.objects.order_by("pk").values_list("public_id", flat=True):
        urls.append(
            (
                "credentials:bulk-issuance-detail",
                reverse("credentials:bulk-issuance-detail", args=[batch_id]),
            )
        )
    for public_id in IssuedCredential.objects.order_by("pk").values_list("public_id", flat=True):
        for name in ["credential-detail", "credential-file-check", "credential-revoke"]:
            urls.append((f"credentials:{name}", reverse(f"credentials:{name}", args=[public_id])))
    applications = [
        application
        for status in Application.Status.values
        if (application := Application.objects.filter(status=status).order_by("pk").first())
    ]
    for pk in [application.pk for application in applications]:
        for name in ["application-detail", "application-edit", "application-withdraw", "review"]:
            urls.append((f"assessments:{name}", reverse(f"assessments:{name}", args=[pk])))
    urls += list(_admin_urls(superuser))
    return urls


def unlisted_url_names(pages: list[tuple[str, str]]) -> set[str]:
    """URL names that are neither among ``pages`` nor in ``NOT_PAGES``."""
    covered = {name for name, _ in pages}
    return {name for name in all_url_names() if name not in covered | NOT_PAGES}
