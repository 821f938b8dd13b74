"""What credentials does when its events are recorded: tell the people concerned (holders
of credentials issued and revoked, people invited to join an issuer), and keep the cached
public pages current.

Notifications run inside the transaction that recorded the event (Phase.IN_TRANSACTION), so
their notification row, the e-mail outbox, commits with the change and is e-mailed only after
commit. A reaction that fails is logged and undone alone (portfolio.events); the change stands.
The public pages' cache is told after commit (Phase.AFTER_COMMIT): told earlier, a request
between the two could cache the page as it was before the change, under the new version.

Cached PDFs (credentials.transcripts) are named by what they show, so a changed transcript is
never served from the cache anyway; dropping the holder's documents after commit, when a
credential is issued, revoked, hidden or shown, also removes a copy that still lists a revoked
or hidden credential at once, rather than when the cache expires it.
A revocation re-signs the credential's status list after commit, so the served list has its
bit set at once (credentials.vc.status_list; a read would re-sign a stale list anyway).
Subscribed from CredentialsConfig.ready().
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.urls import reverse
from django.utils.translation import gettext as _

from credentials import notification_kinds, page_cache, tasks, transcripts
from credentials.models import ContactRequest, IssuedCredential, IssuerInvitation
from credentials.permissions import INVITATION_ROLES, hash_invitation_token
from credentials.vc import status_list as status_lists
from credentials.verbs import (
    CONTACT_REQUEST_REPLIED,
    CONTACT_REQUEST_SENT,
    CREDENTIAL_ISSUED,
    CREDENTIAL_REVOKED,
    CREDENTIAL_SIGNED,
    CREDENTIAL_VISIBILITY_SET,
    INVITATION_SENT,
    MICRO_CREDENTIAL_PUBLISHED,
    MICRO_CREDENTIAL_RETIRED,
    MICRO_CREDENTIAL_UPDATED,
    ContactRequestSent,
    CredentialIssued,
    CredentialRevoked,
    InvitationSent,
)
from portfolio import verbs as portfolio_verbs
from portfolio.events import NoPayload, Phase, subscribe, subscribe_batch_form
from portfolio.models import Event, User
from portfolio.services.notifications import Note, notify, notify_address, notify_each

logger = logging.getLogger(__name__)


def _target_id(event: Event) -> int:
    if event.target_id is None:
        raise ValueError(f"{event.verb} event {event.pk} names no target.")
    return event.target_id


def _credential(event: Event) -> IssuedCredential:
    # The row the service just wrote, in the same transaction: one query, with what the
    # notifications name.
    return IssuedCredential.objects.select_related("learner", "issuer", "micro_credential").get(
        pk=_target_id(event)
    )


def tell_holder_of_issue(event: Event, payload: CredentialIssued) -> None:
    credential = _credential(event)
    notify(
        recipients=[credential.learner],
        kind=notification_kinds.CREDENTIAL_ISSUED,
        subject=_("You have earned %(title)s") % {"title": payload.title},
        link=reverse("credentials:credential-detail", args=[credential.public_id]),
        context={"title": payload.title, "issuer": credential.issuer.name},
    )


def tell_holders_of_issue(events: list[tuple[Event, CredentialIssued]]) -> None:
    """tell_holder_of_issue for many events: one query for their credentials, one insert."""
    credentials = IssuedCredential.objects.select_related("learner", "issuer").in_bulk(
        [_target_id(event) for event, _payload in events]
    )
    notify_each(
        kind=notification_kinds.CREDENTIAL_ISSUED,
        notes=[
            Note(
                recipient=(credential := credentials[_target_id(event)]).learner,
                subject=_("You have earned %(title)s") % {"title": payload.title},
                link=reverse("credentials:credential-detail", args=[credential.public_id]),
                context={"title": payload.title, "issuer": credential.issuer.name},
            )
            for event, payload in events
        ],
    )


def tell_holder_of_revocation(event: Event, payload: CredentialRevoked) -> None:
    credential = _credential(event)
    title = credential.micro_credential.title
    notify(
        recipients=[credential.learner],
        kind=notification_kinds.CREDENTIAL_REVOKED,
        subject=_("%(title)s has been revoked") % {"title": title},
        link=reverse("credentials:credential-detail", args=[credential.public_id]),
        context={"title": title, "issuer": credential.issuer.name, "reason": payload.reason},
    )


def tell_invitee(event: Event, payload: InvitationSent) -> None:
    """Tell the invited address, once per sending (a renewal is told again).

    An account with the address and the invited role is told in its inbox and by e-mail, and
    accepts on the site. An address with no account is e-mailed a sign-up link: its token is
    made here, with the e-mail that carries it, and only its hash is kept on the invitation
    (the outbox forgets the link once sent). An account of another role is told nothing: the
    invitation waits until its role is changed.
    """
    invitation = IssuerInvitation.objects.select_related("issuer", "invited_by").get(
        pk=_target_id(event)
    )
    inviter = invitation.invited_by
    role_label = str(IssuerInvitation.Role(payload.role).label).lower()
    subject = _("%(issuer)s invites you to join them as %(role)s") % {
        "issuer": invitation.issuer.name,
        "role": role_label,
    }
    context = {
        "issuer": invitation.issuer.name,
        "role": role_label,
        "inviter": (inviter.get_full_name() or inviter.email) if inviter else "",
        "expires_on": payload.expires_at.date().isoformat(),
    }
    dedupe_key = f"issuer-invitation:{invitation.pk}:{payload.expires_at.isoformat()}"
    if User.objects.filter(email__iexact=payload.email).exists():
        notify(
            recipients=User.objects.filter(
                email__iexact=payload.email, role=INVITATION_ROLES[payload.role], is_active=True
            ),
            kind=notification_kinds.ISSUER_INVITATION,
            subject=subject,
            link=reverse("credentials:invitation-list"),
            context=context,
            dedupe_key=dedupe_key,
        )
        return
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_invitation_token(token)
    invitation.save(update_fields=["token_hash"])
    notify_address(
        address=payload.email,
        kind=notification_kinds.ISSUER_INVITATION_SIGNUP,
        subject=subject,
        link=reverse("credentials:invitation-signup", args=[token]),
        context=context,
        dedupe_key=dedupe_key,
    )


def forget_owners_pdfs(event: Event, payload: object) -> None:
    if event.owner_id is not None:
        transcripts.forget_learner_pdfs(learner_id=event.owner_id)


def forget_owners_pdfs_of(events: list[tuple[Event, object]]) -> None:
    for owner_id in {event.owner_id for event, _payload in events}:
        if owner_id is not None:
            transcripts.forget_learner_pdfs(learner_id=owner_id)


def _contact_request(event: Event) -> ContactRequest:
    return ContactRequest.objects.select_related("employer", "learner__profile").get(
        pk=_target_id(event)
    )


def tell_learner_of_contact_request(event: Event, payload: ContactRequestSent) -> None:
    contact_request = _contact_request(event)
    employer = contact_request.employer
    # Who wrote, by name and organisation only: the employer's address is not shown to the
    # learner until they reply (ContactRequest).
    notify(
        recipients=[contact_request.learner],
        kind=notification_kinds.CONTACT_REQUEST_RECEIVED,
        subject=_("%(organisation)s would like to get in touch: %(subject)s")
        % {"organisation": payload.organisation, "subject": payload.subject},
        link=reverse("credentials:contact-request-detail", args=[contact_request.pk]),
        context={
            "sender": employer.get_full_name(),
            "organisation": contact_request.organisation,
            "subject": contact_request.subject,
            "body": contact_request.body,
        },
    )


def tell_employer_of_reply(event: Event, payload: NoPayload) -> None:
    contact_request = _contact_request(event)
    name = contact_request.learner.profile.display_name
    # The reply is relayed from the site: the learner's address is never in it.
    notify(
        recipients=[contact_request.employer],
        kind=notification_kinds.CONTACT_REQUEST_REPLIED,
        subject=_("%(name)s replied to “%(subject)s”")
        % {"name": name, "subject": contact_request.subject},
        link=reverse("credentials:contact-request-detail", args=[contact_request.pk]),
        context={"name": name, "subject": contact_request.subject, "reply": contact_request.reply},
    )


def subscribe_notifications() -> None:
    subscribe(CONTACT_REQUEST_SENT, tell_learner_of_contact_request, phase=Phase.IN_TRANSACTION)
    subscribe(CONTACT_REQUEST_REPLIED, tell_employer_of_reply, phase=Phase.IN_TRANSACTION)
    subscribe(CREDENTIAL_ISSUED, tell_holder_of_issue, phase=Phase.IN_TRANSACTION)
    subscribe_batch_form(tell_holder_of_issue, tell_holders_of_issue)
    subscribe(CREDENTIAL_REVOKED, tell_holder_of_revocation, phase=Phase.IN_TRANSACTION)
    subscribe(INVITATION_SENT, tell_invitee, phase=Phase.IN_TRANSACTION)


def forget_owners_page(event: Event, payload: object) -> None:
    if event.owner_id is not None:
        page_cache.forget_pages(user_ids=[event.owner_id])


def forget_owners_pages(events: list[tuple[Event, object]]) -> None:
    page_cache.forget_pages(
        user_ids=list({event.owner_id for event, _payload in events if event.owner_id is not None})
    )


def forget_holders_pages(event: Event, payload: object) -> None:
    holders = (
        IssuedCredential.objects.filter(micro_credential_id=_target_id(event))
        .values_list("learner_id", flat=True)
        .distinct()
    )
    page_cache.forget_pages(user_ids=list(holders))


def subscribe_page_cache() -> None:
    # Events about one learner's things that change what their pages show. (Saves that
    # record no event, in the admin, are followed too: credentials.page_signals.)
    for event_type in (
        portfolio_verbs.PROFILE_UPDATED,
        portfolio_verbs.PROFILE_AVATAR_CHANGED,
        portfolio_verbs.PROFILE_AVATAR_REMOVED,
        portfolio_verbs.PORTFOLIO_CURATED,
        portfolio_verbs.EVIDENCE_UPDATED,
        portfolio_verbs.EVIDENCE_DELETED,
        portfolio_verbs.EVIDENCE_UNPUBLISHED,
        portfolio_verbs.USER_DEACTIVATED,
        portfolio_verbs.USER_REACTIVATED,
        CREDENTIAL_ISSUED,
        CREDENTIAL_REVOKED,
        CREDENTIAL_VISIBILITY_SET,
    ):
        subscribe(event_type, forget_owners_page, phase=Phase.AFTER_COMMIT)  # type: ignore[misc]  # every payload will do
    subscribe_batch_form(forget_owners_page, forget_owners_pages)
    # A micro-credential's status changes every holder's page.
    subscribe(MICRO_CREDENTIAL_PUBLISHED, forget_holders_pages, phase=Phase.AFTER_COMMIT)
    subscribe(MICRO_CREDENTIAL_RETIRED, forget_holders_pages, phase=Phase.AFTER_COMMIT)
    # Its title and skills show on every holder's page too.
    subscribe(MICRO_CREDENTIAL_UPDATED, forget_holders_pages, phase=Phase.AFTER_COMMIT)


def subscribe_transcript_cache() -> None:
    # After commit, for the same reason as the pages.
    subscribe(CREDENTIAL_ISSUED, forget_owners_pdfs, phase=Phase.AFTER_COMMIT)
    subscribe(CREDENTIAL_REVOKED, forget_owners_pdfs, phase=Phase.AFTER_COMMIT)
    subscribe(CREDENTIAL_VISIBILITY_SET, forget_owners_pdfs, phase=Phase.AFTER_COMMIT)
    subscribe_batch_form(forget_owners_pdfs, forget_owners_pdfs_of)


def re_sign_status_list(event: Event, payload: CredentialRevoked) -> None:
    status_list_id = (
        IssuedCredential.objects.filter(pk=_target_id(event))
        .values_list("status_list_id", flat=True)
        .get()
    )
    try:
        status_lists.sign_status_list(status_list_id)
    except status_lists.SIGNING_UNAVAILABLE as error:
        # The list is served as unavailable (503) until the issuer can sign; the stored
        # copy, without this bit, is never served as current.
        logger.warning("Status list %s not re-signed after a revocation: %s", status_list_id, error)


def subscribe_status_lists() -> None:
    # After commit: signed inside the revoking transaction, the list would be read (and
    # the revocation's bit set) before it is committed, and another signer could then store
    # an older state over it.
    subscribe(CREDENTIAL_REVOKED, re_sign_status_list, phase=Phase.AFTER_COMMIT)


_signing_deferred: ContextVar[bool] = ContextVar("signing_deferred", default=False)


@contextmanager
def signing_deferred() -> Iterator[None]:
    """Within the block, issuing queues no signing: the caller signs afterwards.

    For the demo loader, which moves credentials' dates back after issuing them: what is
    signed must carry the final dates.
    """
    token = _signing_deferred.set(True)
    try:
        yield
    finally:
        _signing_deferred.reset(token)


def queue_signing(event: Event, payload: CredentialIssued) -> None:
    # After commit, so the worker finds the credential; a broker that is away is logged
    # (portfolio.events) and `manage.py sign_credentials` signs what was missed.
    if not _signing_deferred.get():
        tasks.sign_credential.delay(credential_id=_target_id(event))


def queue_signings(events: list[tuple[Event, CredentialIssued]]) -> None:
    for event, payload in events:
        queue_signing(event, payload)


def subscribe_signing() -> None:
    subscribe(CREDENTIAL_ISSUED, queue_signing, phase=Phase.AFTER_COMMIT)
    subscribe_batch_form(queue_signing, queue_signings)
    # The signed document adds a download link to the holder's pages.
    subscribe(CREDENTIAL_SIGNED, forget_owners_page, phase=Phase.AFTER_COMMIT)
