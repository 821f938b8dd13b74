"""Every page of ours, for every role that can see it, on the demo data.

Each page is loaded at 320 CSS px (WCAG 1.4.10 reflow: a 1280 px window zoomed to 400%) and
at 1280 px. At both widths axe-core's WCAG 2.2 AA rules must find no serious or critical
violation and every control's focus ring must stand out 3:1 from what is behind it; at 320 px
nothing may scroll sideways and headings never skip a level (the heading order does not
change with the width). The harness (tests/browser/conftest.py) also fails the test on any
console error or CSP violation on any of these pages.

The walk first checks that it is complete: every URL pattern of ours (Django's admin aside)
must be walked by some role, or be named in NOT_PAGES with the reason it is not a page.
"""

import re
from dataclasses import dataclass
from uuid import uuid4

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from playwright.sync_api import expect

from assessments.models import Application
from assessments.services import reviewing
from credentials.models import (
    BulkIssuance,
    ContactRequest,
    CredentialDocument,
    IssuedCredential,
    Issuer,
    MicroCredential,
    SavedSearch,
)
from credentials.saved_searches import unsubscribe_path
from credentials.services import invite_to_issuer
from portfolio.models import EvidenceItem, LearnerProfile, User
from tests.browser.accessibility import (
    axe_problems,
    focus_problems,
    heading_problems,
    reflow_problems,
)
from tests.factories import UserFactory
from tests.site_pages import (
    INVITATION_TOKEN,
    SHARE_LINK_TOKEN,
    add_bulk_issuance,
    add_invitation_to_sign_up,
    add_share_links,
)

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
WIDE = {"width": 1280, "height": 800}
VIEWPORTS = [NARROW, WIDE]
ROLES = ["anonymous", "learner", "assessor", "invited assessor", "employer", "issuer"]
DEMO_EMAIL = {
    "learner": "learner@example.com",
    "assessor": "assessor@example.com",
    "invited assessor": "invited.assessor@example.com",
    "employer": "employer@example.com",
    "issuer": "issuer@example.com",
}
# Views of ours that are not pages, and why the walk does not load them.
NOT_PAGES = {
    "favicon.ico": "a redirect to the icon",
    "portfolio:notifications-read": "POST only",
    "portfolio:evidence-file": "serves the uploaded file itself",
    "portfolio:evidence-thumbnail": "serves an image",
    "assessments:application-start": "POST only",
    "credentials:invitation-accept": "POST only",
    "credentials:share-link-revoke": "POST only",
    "credentials:contact-request-decline": "POST only",
    "credentials:saved-search-delete": "POST only",
    "assessments:application-submit": "POST only",
    "assessments:claim": "POST only",
    "assessments:release": "POST only",
    "assessments:submitted-evidence-file": "serves the frozen file itself",
    "assessments:submitted-evidence-thumbnail": "serves an image",
    "api:evidence-list": "JSON API",
    "api:evidence-detail": "JSON API",
    "credentials-api:verify": "JSON API, POST only (its page is /verify/, walked, and checked "
    "with a result by test_a_verified_document_s_steps_reflow_and_pass_axe)",
    "credentials:public-transcript": "a PDF document",
    "credentials:my-transcript": "a PDF document",
    "credentials:credential-certificate": "a PDF document",
    "credentials:site-did": "a DID document (JSON)",
    "credentials:issuer-did": "a DID document (JSON)",
    "credentials:status-list": "a signed status list credential (JSON)",
    "credentials:credential-document": "a signed credential (JSON)",
    "credentials:credential-baked-png": "a baked badge image (PNG)",
    "credentials:credential-baked-svg": "a baked badge image (SVG)",
    "credentials:credential-jwt": "a signed credential (VC-JWT)",
    "credentials:my-learner-record": "a signed learner record (JSON)",
    "credentials:ob2-assertion": "an Open Badges 2.0 assertion (JSON)",
    "credentials:ob2-baked-png": "a baked Open Badges 2.0 badge image (PNG)",
    "credentials:ob2-badge-class": "an Open Badges 2.0 badge class (JSON)",
    "credentials:ob2-issuer": "an Open Badges 2.0 issuer profile (JSON)",
    "credentials:context-micro-credential": "a JSON-LD context",
    "account_inactive": "only shown to a deactivated account right after it signs in",
    "account_reauthenticate": "only reached from a sensitive action of a signed-in user",
    "account_request_reauthentication_code": "login by code is switched off",
    "account_confirm_reauthentication_code": "login by code is switched off",
    "account_confirm_login_code": "login by code is switched off",
    "account_set_password": "only for accounts without a password (social sign-in is off)",
    "account_reset_password_from_key_done": "only after a password reset from a mailed link",
}


@dataclass(frozen=True)
class Visit:
    role: str
    path: str


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)
    assessor = User.objects.get(email=DEMO_EMAIL["assessor"])
    waiting = Application.objects.filter(status=Application.Status.SUBMITTED).order_by("pk")
    # One application under review by the assessor, so the review page shows its scoring form.
    reviewing.claim_application(application_id=waiting[0].pk, by=assessor)
    # An open invitation, so the invitee's list of invitations has something to show.
    issuer = Issuer.objects.order_by("pk")[0]
    staff = UserFactory(email="plain.staff@example.com", issuer_staff=True)
    issuer.staff.add(staff)
    invitee = UserFactory(email=DEMO_EMAIL["invited assessor"], assessor=True)
    invite_to_issuer(issuer_id=issuer.pk, email=invitee.email, role="assessor", by=staff)
    # And one to an address without an account, whose sign-up link the walk follows.
    add_invitation_to_sign_up()
    # An open share link, whose page the anonymous walk opens.
    add_share_links()
    # A batch being issued in bulk, whose progress page the issuer opens.
    add_bulk_issuance()
    return waiting


def _one_per(items, key):
    """The first item of each kind (by ``key``): pages that render the same way are walked once."""
    return list({key(item): item for item in reversed(items)}.values())


def _visits() -> list[Visit]:
    learner = User.objects.get(email=DEMO_EMAIL["learner"])
    assessor = User.objects.get(email=DEMO_EMAIL["assessor"])
    profile_slug = learner.profile.slug
    micro_credentials = list(MicroCredential.objects.order_by("pk"))
    credentials = list(IssuedCredential.objects.filter(learner=learner).order_by("pk"))
    # Valid, expired, revoked, and one whose micro-credential is retired.
    credential_pages = [
        f"/c/{credential.public_id}/"
        for credential in _one_per(credentials, lambda c: (c.status, c.micro_credential.status))
    ]
    evidence = list(EvidenceItem.objects.filter(owner=learner).order_by("pk"))
    one_of_each_kind = _one_per(evidence, lambda item: item.kind)
    applications = list(Application.objects.filter(learner=learner).order_by("pk"))
    one_of_each_status = _one_per(applications, lambda application: application.status)
    open_statuses = {Application.Status.DRAFT, Application.Status.CHANGES_REQUESTED}
    reviewable = Application.objects.filter(
        micro_credential__assessors=assessor,
        status__in=[Application.Status.IN_REVIEW, Application.Status.SUBMITTED],
    ).order_by("-status", "pk")[:2]

    contact_slugs = list(
        LearnerProfile.objects.filter(is_public=True, accepts_contact_requests=True)
        .exclude(user=learner)
        .order_by("pk")
        .values_list("slug", flat=True)[:1]
    )
    public_pages = [
        "/",
        "/credentials/",
        "/credentials/?q=data",
        # Open to every visitor as the demo has it (DIRECTORY_IS_PUBLIC, set by the test).
        "/directory/",
        "/directory/?skill=data-visualisation&verified=on",
        "/directory/?skill=nope&after=x",
        "/verify/",
        "/verify/?credential=https%3A%2F%2Felsewhere.example.net%2Fc%2F1%2F",
        f"/p/{profile_slug}/",
        # Every rubric: their shapes differ, and so does their width on a phone.
        *(f"/credentials/{micro_credential.slug}/" for micro_credential in micro_credentials),
        *credential_pages,
        # Checking a file against a credential: the form (the result is in test_file_check).
        *(f"/c/{credential.public_id}/check-file/" for credential in credentials[:1]),
        *(f"/evidence/{item.pk}/" for item in evidence if item.is_public),
    ]
    anonymous_only = [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
        "/accounts/confirm-email/not-a-real-key/",
        f"/accounts/password/reset/key/1-{uuid4().hex}/",
        # An invitation's sign-up form (signed in, it is refused).
        reverse("credentials:invitation-signup", args=[INVITATION_TOKEN]),
        # The learner's page through a share link (a revoked link's 410 page is in the CSP
        # walk, tests/config/test_csp_every_page.py: this walk expects 200s).
        reverse("credentials:shared-portfolio", args=[profile_slug, SHARE_LINK_TOKEN]),
        # A digest's unsubscribe link opens without signing in, and asks before it acts.
        *(unsubscribe_path(saved_search) for saved_search in SavedSearch.objects.order_by("pk")),
    ]
    signed_in = [
        "/dashboard/",
        "/notifications/",
        "/me/email-settings/",
        "/me/activity/",
        "/me/activity/?since=not+a+date",
        "/me/invitations/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/logout/",
        "/credentials/",
        "/directory/?q=data",
        f"/credentials/{micro_credentials[0].slug}/",
        f"/p/{profile_slug}/",
        *credential_pages,
    ]
    # The demo employer's request to the demo learner, which both of them can open.
    contact_requests = [
        f"/me/contact-requests/{pk}/"
        for pk in ContactRequest.objects.filter(learner=learner).values_list("pk", flat=True)[:1]
    ]
    learner_pages = [
        *signed_in,
        "/me/contact-requests/",
        *contact_requests,
        # Held, open to apply for, and retired: each shows the learner something else.
        *(f"/credentials/{micro_credential.slug}/" for micro_credential in micro_credentials),
        "/me/profile/",
        "/me/portfolio/",
        "/me/credentials/",
        "/me/share-links/",
        "/evidence/",
        *(f"/evidence/new/{kind}/" for kind in EvidenceItem.Kind.values),
        *(f"/evidence/{item.pk}/" for item in one_of_each_kind),
        *(f"/evidence/{item.pk}/edit/" for item in one_of_each_kind),
        f"/evidence/{evidence[0].pk}/delete/",
        "/applications/",
        *(f"/applications/{application.pk}/" for application in one_of_each_status),
        *(
            f"/applications/{application.pk}/edit/"
            for application in one_of_each_status
            if application.status in open_statuses
        ),
        *[
            f"/applications/{application.pk}/withdraw/"
            for application in one_of_each_status
            if application.status in open_statuses
        ][:1],
    ]
    assessor_pages = [
        *signed_in,
        "/review/",
        "/review/?micro_credential=0",
        # One claimed by the assessor (the scoring form) and one still waiting.
        *(f"/review/{application.pk}/" for application in reviewable),
    ]
    issuer_pages = [
        *signed_in,
        *(f"/c/{credential.public_id}/revoke/" for credential in credentials[:1]),
        # Issuing in bulk: the list's form, and a batch's progress page.
        *[
            f"/credentials/{micro_credential.slug}/issue-in-bulk/"
            for micro_credential in micro_credentials
            if micro_credential.status == MicroCredential.Status.PUBLISHED
        ][:1],
        *(f"/issuing/bulk/{batch.public_id}/" for batch in BulkIssuance.objects.all()),
    ]
    pages = {
        "anonymous": public_pages + anonymous_only,
        "learner": learner_pages,
        "assessor": assessor_pages,
        "invited assessor": ["/dashboard/", "/me/invitations/"],
        "employer": [
            *signed_in,
            "/me/contact-requests/",
            *contact_requests,
            # Another learner's page (the demo learner has the employer's request already).
            *(f"/p/{slug}/" for slug in contact_slugs),
            *(f"/p/{slug}/contact/" for slug in [profile_slug, *contact_slugs]),
            # Saving a search (the demo employer has one saved: the dashboard lists it).
            "/directory/saved/new/?skill=data-visualisation&verified=on",
            # The learner's page and its contact form through a share link, as given out.
            reverse("credentials:shared-portfolio", args=[profile_slug, SHARE_LINK_TOKEN]),
            reverse(
                "credentials:shared-contact-request-new", args=[profile_slug, SHARE_LINK_TOKEN]
            ),
        ],
        "issuer": issuer_pages,
    }
    return [Visit(role, path) for role, paths in pages.items() for path in dict.fromkeys(paths)]


def _sign_in(context, live_server, role: str) -> None:
    if role == "anonymous":
        return
    client = Client()
    client.force_login(User.objects.get(email=DEMO_EMAIL[role]))
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": session.key, "value": session.value, "url": live_server.url}])


def _check(page, viewport: dict[str, int]) -> list[str]:
    page.set_viewport_size(viewport)
    problems = axe_problems(page) + focus_problems(page)
    if viewport is NARROW:
        problems += reflow_problems(page) + heading_problems(page)
    return problems


def _route_names(patterns, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # Django's own admin, not pages of ours.
            inner = pattern.namespace or namespace
            names |= _route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name is None:
                names.add(str(pattern.pattern))
            else:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def _check_the_walk_covers_every_page(visits: list[Visit]) -> None:
    walked = {resolve(re.sub(r"\?.*", "", visit.path)).view_name for visit in visits}
    ours = _route_names(get_resolver("config.urls").url_patterns) - {r"^media/(?P<path>.*)$"}
    assert walked & set(NOT_PAGES) == set(), "a page listed as not a page is walked"
    missing = ours - walked - set(NOT_PAGES)
    assert missing == set(), f"pages no role walks: {sorted(missing)}"
    assert {"credentials:credential-detail", "assessments:review", "home"} <= walked


def test_every_page_for_every_role_reflows_and_passes_axe(demo, live_server, new_page, settings):
    # One test for all roles: loading the demo data takes longer than a role's walk.
    # The directory's pages are walked as the demo shows them, open to every visitor, also
    # when the run's environment (PostgreSQL in CI) is the production profile's.
    settings.DIRECTORY_IS_PUBLIC = True
    visits = _visits()
    _check_the_walk_covers_every_page(visits)
    report = []
    for role in ROLES:
        page = new_page()
        _sign_in(page.context, live_server, role)
        for visit in (visit for visit in visits if visit.role == role):
            response = page.goto(live_server.url + visit.path)
            assert response is not None
            assert response.status == 200, f"{visit.path} answered {response.status} to {role}"
            # A redirect (to the login page, say) would mean this page was never checked.
            assert page.url == live_server.url + visit.path, f"{visit.path} went to {page.url}"
            expect(page.locator("main#main")).to_be_visible()
            for viewport in VIEWPORTS:
                report += [
                    f"{role} {visit.path} at {viewport['width']}px: {problem}"
                    for problem in _check(page, viewport)
                ]
    assert not report, f"{len(report)} problems:\n" + "\n".join(report)


def test_a_verified_document_s_steps_reflow_and_pass_axe(demo, live_server, new_page):
    # /verify/'s result is the answer to a POST, which the walk above never makes: paste a
    # demo credential (its JSON) and a broken one, with no JavaScript needed to submit.
    document = CredentialDocument.objects.filter(format="ob3").order_by("pk")[0].content
    page = new_page()
    report = []
    for pasted, verdict in ((document, "Result: Valid"), ("{not json", "Result: Malformed")):
        page.goto(live_server.url + "/verify/")
        page.get_by_label("Paste the credential (JSON)").fill(pasted)
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name=verdict)).to_be_visible()
        for viewport in VIEWPORTS:
            report += [
                f"/verify/ ({verdict}) at {viewport['width']}px: {problem}"
                for problem in _check(page, viewport)
            ]
    assert not report, f"{len(report)} problems:\n" + "\n".join(report)
