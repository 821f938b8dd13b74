"""Writes to issued credentials: issuing and revoking."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from credentials import notification_kinds, saved_searches
from credentials.exceptions import (
    ContactNotAllowed,
    CredentialError,
    InvitationNotAllowed,
    IssuanceNotAllowed,
    PublicationNotAllowed,
    RevocationNotAllowed,
    SavedSearchNotAllowed,
    ShareLinkNotAllowed,
    SigningKeyNotAllowed,
)
from credentials.models import (
    ContactRequest,
    CredentialDocument,
    IssuedCredential,
    Issuer,
    IssuerInvitation,
    MicroCredential,
    SavedSearch,
    SavedSearchMatch,
    ShareLink,
    SigningKey,
    StatusList,
)
from credentials.permissions import (
    INVITATION_ROLES,
    can_answer_contact_request,
    can_change_micro_credential,
    can_choose_visibility,
    can_contact,
    can_issue,
    can_manage_issuer,
    can_manage_signing_keys,
    can_publish_or_retire,
    can_revoke,
    can_save_searches,
    can_send_contact_requests,
    hash_invitation_token,
    hash_share_token,
    visible_invitations,
)
from credentials.public import ShareLinkGone, get_shared_profile
from credentials.records import (
    EvidenceRecord,
    RubricResultRecord,
    dump_evidence,
    dump_rubric_results,
)
from credentials.vc import status_list as status_lists
from credentials.vc.identity import signer_for
from credentials.vc.keys import (
    SigningSecretMissing,
    encrypt_private_key,
    generate_private_key,
    public_key_multibase,
)
from credentials.vc.open_badges import build_open_badge_credential, serialize_document
from credentials.verbs import (
    CONTACT_REQUEST_DECLINED,
    CONTACT_REQUEST_REPLIED,
    CONTACT_REQUEST_SENT,
    CREDENTIAL_EXPIRY_REMINDED,
    CREDENTIAL_ISSUED,
    CREDENTIAL_REVOKED,
    CREDENTIAL_SIGNED,
    CREDENTIAL_VISIBILITY_SET,
    INVITATION_ACCEPTED,
    INVITATION_SENT,
    MICRO_CREDENTIAL_PUBLISHED,
    MICRO_CREDENTIAL_RETIRED,
    MICRO_CREDENTIAL_UPDATED,
    SAVED_SEARCH_DELETED,
    SAVED_SEARCH_DIGEST_SENT,
    SAVED_SEARCH_SAVED,
    SAVED_SEARCH_UNSUBSCRIBED,
    SHARE_LINK_CREATED,
    SHARE_LINK_REVOKED,
    SIGNING_KEY_GENERATED,
    SIGNING_KEY_ROTATED,
    ContactRequestSent,
    CredentialExpiryReminded,
    CredentialIssued,
    CredentialRevoked,
    CredentialSigned,
    CredentialVisibilitySet,
    InvitationAccepted,
    InvitationSent,
    MicroCredentialStatusChanged,
    MicroCredentialUpdated,
    SavedSearchDigestSent,
    SavedSearchSaved,
    ShareLinkCreated,
    ShareLinkRevoked,
    SigningKeyMade,
    issuer_scope,
)
from portfolio.events import EventType, NoPayload, record_event
from portfolio.models import LearnerProfile, Notification, User
from portfolio.permissions import can_keep_portfolio
from portfolio.services.notifications import notify

logger = logging.getLogger(__name__)


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    # Clamp to the month's last day (31 January + 1 month = 28/29 February).
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover


def _open_status_list(issuer_id: int) -> StatusList:
    """The issuer's open revocation list, locked; opened on first use and when one is full.

    A full list is closed and its successor (the next number) opened in the same
    transaction. Concurrent issues for the issuer queue on the open list's lock; one that
    was waiting for a list closed meanwhile finds no open list, meets the successor on the
    one-open-list index, and then reads it and queues for its lock, as the first issues for
    an issuer do.
    """
    purpose = StatusList.Purpose.REVOCATION
    lists = StatusList.objects.select_for_update().filter(
        issuer_id=issuer_id, purpose=purpose, is_open=True
    )
    status_list = lists.first()
    if status_list is not None and not status_list.is_full:
        return status_list
    if status_list is not None:
        status_list.is_open = False
        status_list.save(update_fields=["is_open"])
    last = StatusList.objects.filter(issuer_id=issuer_id, purpose=purpose).order_by("-number")
    number = (last.values_list("number", flat=True).first() or 0) + 1
    try:
        with transaction.atomic():
            return StatusList.objects.create(
                issuer_id=issuer_id,
                purpose=purpose,
                number=number,
                permutation_key=status_lists.new_permutation_key(),
            )
    except IntegrityError:
        # Another issue opened it first; wait for its lock like any other issue.
        return lists.get()


def _allocate_status_bit(issuer_id: int) -> tuple[StatusList, int]:
    """A random, never-used index in the issuer's open revocation list.

    Runs inside the caller's transaction and keeps the list's row locked until it commits:
    issuing for one issuer is serialised. The index is the list's permutation of how many it
    handed out before (credentials.vc.status_list.permuted_index), so no two credentials
    get the same index; an index rolled back with a failed issue, never held by any
    credential, is handed out next.
    """
    [bit] = _allocate_status_bits(issuer_id, 1)
    return bit


def _allocate_status_bits(issuer_id: int, count: int) -> list[tuple[StatusList, int]]:
    """`count` bits as _allocate_status_bit hands them out, with one write per list used.

    For bulk issuance: the open list is locked and advanced once for the whole count, and a
    list that fills up part way is closed and the rest taken from its successor.
    """
    bits: list[tuple[StatusList, int]] = []
    while len(bits) < count:
        status_list = _open_status_list(issuer_id)
        take = min(count - len(bits), status_list.size - status_list.allocated)
        bits.extend(
            (
                status_list,
                status_lists.permuted_index(
                    status_list.permutation_key, status_list.allocated + n, status_list.size
                ),
            )
            for n in range(take)
        )
        status_list.allocated += take
        status_list.save(update_fields=["allocated"])
    return bits


def issue_credential(
    *,
    by: User,
    learner_id: int,
    micro_credential_id: int,
    award_reference: str,
    assessor_id: int | None,
    evidence: Sequence[EvidenceRecord],
    rubric_results: Sequence[RubricResultRecord],
    issued_at: datetime | None = None,
) -> IssuedCredential:
    """Award a micro-credential to a learner; idempotent per award_reference.

    Raises IssuanceNotAllowed unless `by` may award it (permissions.can_issue). A second
    call with the same award_reference returns the credential the first one made, so a
    retried or double-clicked approval never issues two. Expiry is fixed at issue from the
    definition's validity period. The learner is told (credentials.subscribers). Not
    durable: approving an application issues inside the approval's transaction.
    """
    micro_credential = MicroCredential.objects.select_related("issuer").get(pk=micro_credential_id)
    if not can_issue(by, micro_credential):
        raise IssuanceNotAllowed(
            _("Only %(issuer)s's staff or an assessor assigned to %(title)s can award it.")
            % {"issuer": micro_credential.issuer.name, "title": micro_credential.title},
            code="credential.not_issuer",
            status=HTTPStatus.FORBIDDEN,
        )
    existing = IssuedCredential.objects.filter(award_reference=award_reference).first()
    if existing is not None:
        return existing
    learner = User.objects.get(pk=learner_id)
    issued_at = issued_at or timezone.now()
    months = micro_credential.validity_months
    try:
        with transaction.atomic():
            status_list, status_list_index = _allocate_status_bit(micro_credential.issuer_id)
            credential = IssuedCredential.objects.create(
                status_list=status_list,
                status_list_index=status_list_index,
                learner=learner,
                micro_credential=micro_credential,
                issuer_id=micro_credential.issuer_id,
                assessor_id=assessor_id,
                award_reference=award_reference,
                issued_at=issued_at,
                expires_at=_add_months(issued_at, months) if months else None,
                evidence_snapshot=dump_evidence(evidence),
                rubric_results=dump_rubric_results(rubric_results),
            )
            record_event(
                CREDENTIAL_ISSUED,
                by=by,
                target=credential,
                owner=learner,
                scope=issuer_scope(micro_credential.issuer_id),
                payload=CredentialIssued(
                    micro_credential_id=micro_credential.pk,
                    title=micro_credential.title,
                    award_reference=award_reference,
                    expires_at=credential.expires_at,
                ),
            )
    except IntegrityError:
        # A concurrent call won the race for this award_reference: return its credential.
        return IssuedCredential.objects.get(award_reference=award_reference)
    return credential


@transaction.atomic(durable=True)
def revoke_credential(*, credential_id: int, by: User, reason: str) -> IssuedCredential:
    """Revoke a credential, keeping it visible as revoked with the reason.

    Raises RevocationNotAllowed if the user is not staff of the issuer, the reason is empty
    or the credential is already revoked. The holder is told (credentials.subscribers), in-app
    and by e-mail after commit, with the reason.
    """
    credential = (
        IssuedCredential.objects.select_for_update()
        .select_related("issuer", "learner", "micro_credential")
        .get(pk=credential_id)
    )
    if not can_revoke(by, credential):
        raise RevocationNotAllowed(
            _("Only staff of the issuing organisation can revoke this credential."),
            code="credential.not_issuer_staff",
            status=HTTPStatus.FORBIDDEN,
        )
    if credential.revoked_at is not None:
        raise RevocationNotAllowed(
            _("This credential was already revoked."),
            code="credential.already_revoked",
            status=HTTPStatus.CONFLICT,
        )
    if not reason.strip():
        raise RevocationNotAllowed(
            _("Give a reason for revoking: it is shown with the credential."),
            code="credential.reason_missing",
            field="reason",
        )
    credential.revoked_at = timezone.now()
    credential.revoked_by = by
    credential.revocation_reason = reason.strip()
    credential.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    record_event(
        CREDENTIAL_REVOKED,
        by=by,
        target=credential,
        owner=credential.learner,
        scope=issuer_scope(credential.issuer_id),
        payload=CredentialRevoked(reason=credential.revocation_reason),
    )
    return credential


@transaction.atomic(durable=True)
def set_credential_visibility(
    *, credential_id: int, by: User, is_shown_publicly: bool
) -> IssuedCredential:
    """Choose whether a credential shows on its holder's public page.

    Raises CredentialError for anyone but the holder. Idempotent: choosing what is already
    chosen changes nothing and records no event.
    """
    credential = IssuedCredential.objects.select_for_update().filter(pk=credential_id).first()
    # Someone else's credential and a missing one get the same answer.
    if credential is None or not can_choose_visibility(by, credential):
        raise CredentialError(
            _("Only the holder can choose where a credential shows."),
            code="credential.not_holder",
            status=HTTPStatus.FORBIDDEN,
        )
    if credential.is_shown_publicly == is_shown_publicly:
        return credential
    credential.is_shown_publicly = is_shown_publicly
    credential.save(update_fields=["is_shown_publicly"])
    # `by` is the holder: the query above found the credential only for them.
    record_event(
        CREDENTIAL_VISIBILITY_SET,
        by=by,
        target=credential,
        owner=by,
        scope=issuer_scope(credential.issuer_id),
        payload=CredentialVisibilitySet(is_shown_publicly=is_shown_publicly),
    )
    return credential


# A share link is for one application round, not a standing publication.
SHARE_LINK_MAX_DAYS = 90


@dataclass(frozen=True)
class CreatedShareLink:
    """A new share link and its token, which exists nowhere else: show it once."""

    share_link: ShareLink
    token: str


@transaction.atomic(durable=True)
def create_share_link(
    *, by: User, label: str, expires_at: datetime, now: datetime | None = None
) -> CreatedShareLink:
    """Make a secret link to the learner's page that works until expires_at.

    Only a hash of the token is stored. Raises ShareLinkNotAllowed (403) for anyone who
    keeps no portfolio, and about "label" or "expires_at" for an empty label or an expiry
    not in the next SHARE_LINK_MAX_DAYS days. Not idempotent: each call makes a new link.
    """
    now = now or timezone.now()
    if not can_keep_portfolio(by):
        raise ShareLinkNotAllowed(
            _("Only learners have a page to share."),
            code="share_link.not_learner",
            status=HTTPStatus.FORBIDDEN,
        )
    label = label.strip()
    if not label:
        raise ShareLinkNotAllowed(
            _("Say who the link is for, so you can tell your links apart."),
            code="share_link.label_missing",
            field="label",
        )
    if not now < expires_at <= now + timedelta(days=SHARE_LINK_MAX_DAYS):
        raise ShareLinkNotAllowed(
            _("Choose an expiry date within the next %(days)d days.")
            % {"days": SHARE_LINK_MAX_DAYS},
            code="share_link.expiry_out_of_range",
            field="expires_at",
        )
    token = secrets.token_urlsafe(24)
    share_link = ShareLink.objects.create(
        owner=by, label=label[:120], token_hash=hash_share_token(token), expires_at=expires_at
    )
    record_event(
        SHARE_LINK_CREATED,
        by=by,
        target=share_link,
        owner=by,
        payload=ShareLinkCreated(label=share_link.label, expires_at=expires_at),
    )
    return CreatedShareLink(share_link=share_link, token=token)


@transaction.atomic(durable=True)
def revoke_share_link(*, share_link_id: int, by: User) -> ShareLink:
    """Stop a share link working, at once.

    Raises ShareLinkNotAllowed (404) for a link that is not the user's own, so other
    people's links are never confirmed to exist. Idempotent: revoking a revoked link
    changes nothing and records no event.
    """
    share_link = (
        ShareLink.objects.select_for_update().filter(pk=share_link_id, owner_id=by.pk).first()
    )
    if share_link is None:
        raise ShareLinkNotAllowed(
            _("There is no such share link."),
            code="share_link.not_found",
            status=HTTPStatus.NOT_FOUND,
        )
    if share_link.revoked_at is not None:
        return share_link
    share_link.revoked_at = timezone.now()
    share_link.save(update_fields=["revoked_at"])
    record_event(
        SHARE_LINK_REVOKED,
        by=by,
        target=share_link,
        owner=by,
        payload=ShareLinkRevoked(label=share_link.label),
    )
    return share_link


def remind_expiring_credentials(*, now: datetime | None = None) -> int:
    """Tell holders of valid credentials expiring within the reminder window; once each.

    The dedupe key makes the daily run idempotent: a credential is never reminded twice.
    Records one event per reminded credential. Returns how many reminders were recorded.
    """
    now = now or timezone.now()
    window_end = now + timedelta(days=settings.CREDENTIAL_EXPIRY_REMINDER_DAYS)
    expiring = (
        IssuedCredential.objects.valid_at(now)
        .filter(expires_at__lte=window_end)
        .select_related("learner", "micro_credential")
        .order_by("expires_at")
    )
    sent = 0
    for credential in expiring:
        with transaction.atomic():
            reminders = len(
                notify(
                    recipients=[credential.learner],
                    kind=notification_kinds.CREDENTIAL_EXPIRING,
                    subject=_("%(title)s expires soon")
                    % {"title": credential.micro_credential.title},
                    link=reverse("credentials:credential-detail", args=[credential.public_id]),
                    context={
                        "title": credential.micro_credential.title,
                        "expires_on": credential.expires_at.date().isoformat()
                        if credential.expires_at
                        else "",
                    },
                    dedupe_key=f"credential-expiring:{credential.pk}",
                )
            )
            if reminders:
                record_event(
                    CREDENTIAL_EXPIRY_REMINDED,
                    by=None,
                    target=credential,
                    owner=credential.learner,
                    scope=issuer_scope(credential.issuer_id),
                    payload=CredentialExpiryReminded(expires_at=credential.expires_at),
                )
            sent += reminders
    return sent


# --- Joining an issuer ---------------------------------------------------------------

INVITATION_VALID_FOR = timedelta(days=14)


def _members(issuer: Issuer, role: str) -> QuerySet[User]:
    return (issuer.staff if role == IssuerInvitation.Role.STAFF else issuer.assessors).all()


# Not durable: the admin calls it inside its own transaction; the notice is still only
# e-mailed after the outermost commit.
@transaction.atomic
def invite_to_issuer(*, issuer_id: int, email: str, role: str, by: User) -> IssuerInvitation:
    """Invite an e-mail address to join an issuer as staff or assessor.

    Inviting the same address for the same role again renews the open invitation (one per
    person, by a unique constraint), and the invitee is told again: each sending records
    issuer.invitation_sent, and credentials.subscribers tells them in the same transaction
    (an account of the matching role in its inbox and by e-mail, an address with no account
    by an e-mailed sign-up link, whose token makes the account with the invited role and
    accepts: sign_up_by_invitation). A renewal's new link replaces the old one, which stops
    working here. The inviter is never told which, so an invitation reveals nothing about
    who has an account. Raises InvitationNotAllowed if `by` does not manage the issuer, or
    the person is already one of its members.
    """
    issuer = Issuer.objects.select_for_update().get(pk=issuer_id)
    if not can_manage_issuer(by, issuer):
        raise InvitationNotAllowed(
            _("You can only invite people to your own organisation."),
            code="invitation.not_issuer_manager",
            status=HTTPStatus.FORBIDDEN,
        )
    email = email.strip().lower()
    if _members(issuer, role).filter(email__iexact=email).exists():
        raise InvitationNotAllowed(
            _("%(email)s is already one of %(issuer)s's %(role)s.")
            % {"email": email, "issuer": issuer.name, "role": _role_plural(role)},
            code="invitation.already_member",
            field="email",
            status=HTTPStatus.CONFLICT,
        )
    expires_at = timezone.now() + INVITATION_VALID_FOR
    invitation, created = IssuerInvitation.objects.get_or_create(
        issuer=issuer,
        email=email,
        role=role,
        accepted_at__isnull=True,
        defaults={"invited_by": by, "expires_at": expires_at},
    )
    if not created:
        invitation.invited_by, invitation.expires_at = by, expires_at
        # The link sent before stops working; the reaction to this sending makes a new one.
        invitation.token_hash = None
        invitation.save(update_fields=["invited_by", "expires_at", "token_hash"])
    record_event(
        INVITATION_SENT,
        by=by,
        target=invitation,
        scope=issuer_scope(issuer.pk),
        payload=InvitationSent(
            email=email, role=str(role), expires_at=expires_at, is_renewal=not created
        ),
    )
    return invitation


def _role_plural(role: str) -> str:
    return str(_("staff")) if role == IssuerInvitation.Role.STAFF else str(_("assessors"))


@transaction.atomic(durable=True)
def accept_invitation(*, invitation_id: int, by: User) -> IssuerInvitation:
    """Join the invitation's issuer; only the invitee may, while it is open.

    Accepting staff membership also opens the admin to them (is_staff). Raises
    InvitationNotAllowed for an invitation that is not open to `by` (someone else's, expired,
    or accepted a moment ago in another tab); views fetch through get_invitation_for first,
    so other people's invitations are a 404 there.
    """
    invitation = (
        visible_invitations(by)
        .select_for_update()
        .select_related("issuer")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise InvitationNotAllowed(
            _("This invitation is no longer open."),
            code="invitation.not_open",
            status=HTTPStatus.CONFLICT,
        )
    _join(invitation, by)
    return invitation


@transaction.atomic(durable=True)
def sign_up_by_invitation(*, token: str, create_account: Callable[[], User]) -> User:
    """Make the invitee's account and accept the invitation its sign-up link names, at once.

    create_account makes the account (allauth's sign-up, in this transaction): it must have
    the invited address and role, or nothing is kept. Either both happen or neither does: an
    account is never left without the membership it was made for, and a token is used once.
    Raises InvitationNotAllowed if the token names no open invitation (withdrawn, replaced,
    expired or used, perhaps a moment ago in another tab).
    """
    invitation = (
        IssuerInvitation.objects.select_for_update()
        .select_related("issuer")
        .filter(
            token_hash=hash_invitation_token(token),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if invitation is None:
        raise InvitationNotAllowed(
            _("This invitation is no longer open."),
            code="invitation.not_open",
            status=HTTPStatus.CONFLICT,
        )
    user = create_account()
    if user.email.lower() != invitation.email or user.role != INVITATION_ROLES[invitation.role]:
        # The sign-up form fixes both; anything else is a bug, and must not join anyone.
        raise InvitationNotAllowed(
            _("This invitation is for another account."),
            code="invitation.wrong_account",
            status=HTTPStatus.FORBIDDEN,
        )
    _join(invitation, user)
    return user


def _join(invitation: IssuerInvitation, user: User) -> None:
    issuer = invitation.issuer
    if invitation.role == IssuerInvitation.Role.STAFF:
        issuer.staff.add(user)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    else:
        issuer.assessors.add(user)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    # The person who joined owns the event: it is about them.
    record_event(
        INVITATION_ACCEPTED,
        by=user,
        target=invitation,
        owner=user,
        scope=issuer_scope(issuer.pk),
        payload=InvitationAccepted(role=invitation.role),
    )


# --- Publishing and retiring micro-credentials -----------------------------------------


def _lock_for_status_change(micro_credential_id: int, by: User) -> MicroCredential:
    micro_credential = (
        MicroCredential.objects.select_for_update()
        .select_related("issuer")
        .get(pk=micro_credential_id)
    )
    if not can_publish_or_retire(by, micro_credential):
        raise PublicationNotAllowed(
            _("Only %(issuer)s's staff can publish or retire %(title)s.")
            % {"issuer": micro_credential.issuer.name, "title": micro_credential.title},
            code="micro_credential.not_issuer_staff",
            status=HTTPStatus.FORBIDDEN,
        )
    return micro_credential


def _set_status(
    micro_credential: MicroCredential,
    *,
    to: MicroCredential.Status,
    by: User,
    event_type: EventType[MicroCredentialStatusChanged],
) -> MicroCredential:
    previous_status = micro_credential.status
    micro_credential.status = to
    micro_credential.save(update_fields=["status", "updated_at"])
    record_event(
        event_type,
        by=by,
        target=micro_credential,
        scope=issuer_scope(micro_credential.issuer_id),
        payload=MicroCredentialStatusChanged(
            title=micro_credential.title, previous_status=previous_status
        ),
    )
    return micro_credential


@transaction.atomic(durable=True)
def publish_micro_credential(*, micro_credential_id: int, by: User) -> MicroCredential:
    """Open a draft micro-credential for applications, or reopen a retired one.

    Its page and catalogue entry appear at once. Raises PublicationNotAllowed if `by` does
    not manage its issuer (permissions.can_publish_or_retire) or it is already published.
    Records micro_credential.published.
    """
    micro_credential = _lock_for_status_change(micro_credential_id, by)
    if micro_credential.status == MicroCredential.Status.PUBLISHED:
        raise PublicationNotAllowed(
            _("%(title)s is already published.") % {"title": micro_credential.title},
            code="micro_credential.already_published",
            status=HTTPStatus.CONFLICT,
        )
    return _set_status(
        micro_credential,
        to=MicroCredential.Status.PUBLISHED,
        by=by,
        event_type=MICRO_CREDENTIAL_PUBLISHED,
    )


@transaction.atomic(durable=True)
def retire_micro_credential(*, micro_credential_id: int, by: User) -> MicroCredential:
    """Stop offering a published micro-credential; what was issued stays as it is.

    Learners can no longer start or submit applications for it; credentials already issued
    keep their status and their page, which says the micro-credential is retired. Raises
    PublicationNotAllowed if `by` does not manage its issuer, or it is not published: a
    draft was never public, and retiring it would show it for the first time. Records
    micro_credential.retired.
    """
    micro_credential = _lock_for_status_change(micro_credential_id, by)
    if micro_credential.status != MicroCredential.Status.PUBLISHED:
        raise PublicationNotAllowed(
            _("Only a published micro-credential can be retired; %(title)s is %(status)s.")
            % {
                "title": micro_credential.title,
                "status": MicroCredential.Status(micro_credential.status).label.lower(),
            },
            code="micro_credential.not_published",
            status=HTTPStatus.CONFLICT,
        )
    return _set_status(
        micro_credential,
        to=MicroCredential.Status.RETIRED,
        by=by,
        event_type=MICRO_CREDENTIAL_RETIRED,
    )


# The status changes only through publishing and retiring; an edit never writes it, so an
# edit saved from a page loaded before a concurrent publish cannot undo it.
_NOT_EDITED = {"id", "status", "created_at"}


@transaction.atomic
def update_micro_credential(
    *, micro_credential: MicroCredential, by: User, changed_fields: Sequence[str]
) -> MicroCredential:
    """Save an edit of a micro-credential, given with its new values set, and record it.

    Called by the admin, whose form has set the fields on `micro_credential` and saves its
    skills and rubric inside the same transaction (the admin's own, so this one joins it
    rather than being durable). `changed_fields` names what the form changed, skills
    included; the holders' directory entries and public pages follow after commit
    (subscribers). Raises PublicationNotAllowed (403) unless `by` manages both the issuer it
    had and the one it now names. Records micro_credential.updated, or nothing if nothing
    changed.
    """
    stored = (
        MicroCredential.objects.select_for_update()
        .select_related("issuer")
        .get(pk=micro_credential.pk)
    )
    for version in (stored, micro_credential):
        if not can_change_micro_credential(by, version):
            raise PublicationNotAllowed(
                _("Only %(issuer)s's staff can change %(title)s.")
                % {"issuer": version.issuer.name, "title": stored.title},
                code="micro_credential.not_issuer_staff",
                status=HTTPStatus.FORBIDDEN,
            )
    micro_credential.status = stored.status
    micro_credential.save(
        update_fields=[
            field.name
            for field in MicroCredential._meta.concrete_fields
            if field.name not in _NOT_EDITED
        ]
    )
    if changed_fields:
        record_event(
            MICRO_CREDENTIAL_UPDATED,
            by=by,
            target=micro_credential,
            scope=issuer_scope(micro_credential.issuer_id),
            payload=MicroCredentialUpdated(
                title=micro_credential.title, changed_fields=tuple(changed_fields)
            ),
        )
    return micro_credential


# --- Contact requests ------------------------------------------------------------------

CONTACT_RATE_WINDOW = timedelta(days=1)


def _required_text(value: str, *, field: str, label: str, max_length: int) -> str:
    text = value.strip()
    if not text:
        raise ContactNotAllowed(
            _("Write a %(label)s.") % {"label": label}, code=f"contact.{field}_missing", field=field
        )
    if len(text) > max_length:
        raise ContactNotAllowed(
            _("Keep the %(label)s to %(max)s characters; this one has %(length)s.")
            % {"label": label, "max": max_length, "length": len(text)},
            code=f"contact.{field}_too_long",
            field=field,
        )
    return text


def _share_link_opens(profile: LearnerProfile, share_token: str | None) -> bool:
    if share_token is None:
        return False
    try:
        get_shared_profile(slug=profile.slug, token=share_token, now=timezone.now())
    except (Http404, ShareLinkGone):
        return False
    return True


@transaction.atomic(durable=True)
def send_contact_request(
    *,
    by: User,
    profile_id: int,
    organisation: str,
    subject: str,
    body: str,
    share_token: str | None = None,
) -> ContactRequest:
    """Send a learner a short message from their public page; the learner is told.

    `share_token` is the token of the share link the employer opened the page through,
    which lets them write to a private profile while the link is open. Raises
    ContactNotAllowed: 403 for anyone but an active employer; 404 for a profile that is not
    public (nor opened by an open share link of its learner) or whose learner turned requests
    off (the page the message comes from does not exist for them); 409 while the employer's previous request to this learner awaits
    an answer; 429 once the employer has sent CONTACT_REQUESTS_PER_DAY in the last 24 hours;
    400 for an empty or overlong field. The learner's inbox row and e-mail are written in the
    same transaction (credentials.subscribers), so a mail outage delays but loses nothing.
    """
    if not can_send_contact_requests(by):
        raise ContactNotAllowed(
            _("Only employers can contact learners."),
            code="contact.not_employer",
            status=HTTPStatus.FORBIDDEN,
        )
    organisation = _required_text(
        organisation,
        field="organisation",
        label=str(_("organisation")),
        max_length=ContactRequest.ORGANISATION_MAX_LENGTH,
    )
    subject = _required_text(
        subject,
        field="subject",
        label=str(_("subject")),
        max_length=ContactRequest.SUBJECT_MAX_LENGTH,
    )
    body = _required_text(
        body, field="body", label=str(_("message")), max_length=ContactRequest.BODY_MAX_LENGTH
    )
    # The employer's row is the lock that serialises their sending, so two requests sent at
    # once cannot both pass the count below.
    User.objects.select_for_update().filter(pk=by.pk).first()
    profile = LearnerProfile.objects.select_related("user").filter(pk=profile_id).first()
    if profile is None or not can_contact(
        by, profile, via_share_link=_share_link_opens(profile, share_token)
    ):
        raise ContactNotAllowed(
            _("This learner does not take contact requests."),
            code="contact.not_accepted",
            status=HTTPStatus.NOT_FOUND,
        )
    waiting = ContactRequest.objects.open().filter(employer=by, learner=profile.user).first()
    if waiting is not None:
        raise ContactNotAllowed(
            _(
                "You wrote to %(name)s on %(date)s and they have not answered yet; you can write "
                "again once they reply or decline."
            )
            % {"name": profile.display_name, "date": waiting.created_at.date().isoformat()},
            code="contact.already_open",
            status=HTTPStatus.CONFLICT,
        )
    now = timezone.now()
    recent = list(
        ContactRequest.objects.filter(employer=by, created_at__gt=now - CONTACT_RATE_WINDOW)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    limit = settings.CONTACT_REQUESTS_PER_DAY
    if limit < 1:
        raise ContactNotAllowed(
            _("Contact requests are switched off on this site."),
            code="contact.switched_off",
            status=HTTPStatus.FORBIDDEN,
        )
    if len(recent) >= limit:
        next_at = recent[len(recent) - limit] + CONTACT_RATE_WINDOW
        raise ContactNotAllowed(
            _(
                "You have sent %(limit)s contact requests in the last 24 hours, the most allowed. "
                "You can send the next one after %(time)s UTC."
            )
            % {"limit": limit, "time": next_at.strftime("%Y-%m-%d %H:%M")},
            code="contact.rate_limited",
            status=HTTPStatus.TOO_MANY_REQUESTS,
        )
    contact_request = ContactRequest.objects.create(
        employer=by,
        learner=profile.user,
        organisation=organisation,
        subject=subject,
        body=body,
        created_at=now,
    )
    # No owner: the learner would read this event in their activity log, where an employer
    # without a name is shown by e-mail address, which they may not see before replying.
    # The learner has the request itself, in their inbox and at its own page.
    record_event(
        CONTACT_REQUEST_SENT,
        by=by,
        target=contact_request,
        payload=ContactRequestSent(organisation=organisation, subject=subject),
    )
    return contact_request


def _open_request_to_answer(contact_request_id: int, by: User) -> ContactRequest:
    contact_request = (
        ContactRequest.objects.select_for_update().filter(pk=contact_request_id).first()
    )
    if contact_request is None or contact_request.learner_id != by.pk:
        raise ContactNotAllowed(
            _("Only the learner written to can answer this request."),
            code="contact.not_recipient",
            status=HTTPStatus.FORBIDDEN,
        )
    if not can_answer_contact_request(by, contact_request):
        raise ContactNotAllowed(
            _("You have already answered this request."),
            code="contact.already_answered",
            status=HTTPStatus.CONFLICT,
        )
    return contact_request


@transaction.atomic(durable=True)
def reply_to_contact_request(*, contact_request_id: int, by: User, reply: str) -> ContactRequest:
    """Answer an employer's request; the reply reaches them in their inbox and by e-mail.

    The learner's e-mail address is not sent: the reply comes from the site, and carries
    only what the learner wrote. Raises ContactNotAllowed for anyone but the learner (403),
    a request already answered (409) or an empty or overlong reply (400).
    """
    contact_request = _open_request_to_answer(contact_request_id, by)
    contact_request.reply = _required_text(
        reply, field="reply", label=str(_("reply")), max_length=ContactRequest.REPLY_MAX_LENGTH
    )
    contact_request.status = ContactRequest.Status.REPLIED
    contact_request.answered_at = timezone.now()
    contact_request.save(update_fields=["reply", "status", "answered_at"])
    record_event(
        CONTACT_REQUEST_REPLIED,
        by=by,
        target=contact_request,
        owner=by,
        payload=NoPayload(),
    )
    return contact_request


@transaction.atomic(durable=True)
def decline_contact_request(*, contact_request_id: int, by: User) -> ContactRequest:
    """Close an employer's request without replying; the employer sees it declined.

    Nobody is e-mailed. Raises ContactNotAllowed for anyone but the learner (403) or a
    request already answered (409).
    """
    contact_request = _open_request_to_answer(contact_request_id, by)
    contact_request.status = ContactRequest.Status.DECLINED
    contact_request.answered_at = timezone.now()
    contact_request.save(update_fields=["status", "answered_at"])
    record_event(
        CONTACT_REQUEST_DECLINED,
        by=by,
        target=contact_request,
        owner=by,
        payload=NoPayload(),
    )
    return contact_request


# --- Signing keys ---------------------------------------------------------------------------


def _lock_signing_keys(
    issuer_id: int | None, by: User | None
) -> tuple[Issuer | None, SigningKey | None]:
    """Lock the owner's keys; return the owner and its active key. Refuses an actor who may not."""
    issuer = Issuer.objects.select_for_update().get(pk=issuer_id) if issuer_id is not None else None
    if by is not None and not can_manage_signing_keys(by, issuer):
        raise SigningKeyNotAllowed(
            _("Only whoever manages an issuer can change its signing key."),
            code="signing_key.not_allowed",
            status=HTTPStatus.FORBIDDEN,
        )
    # The site's keys have no issuer row to lock: lock its key rows instead (the unique
    # constraint on active keys settles two first keys made at once).
    keys = SigningKey.objects.select_for_update().filter(issuer=issuer).order_by("created_at", "pk")
    active = next((key for key in keys if key.retired_at is None), None)
    return issuer, active


def _make_signing_key(issuer: Issuer | None) -> SigningKey:
    private_key = generate_private_key()
    try:
        encrypted = encrypt_private_key(private_key)
    except SigningSecretMissing as error:
        raise SigningKeyNotAllowed(
            str(error), code="signing_key.no_secret", status=HTTPStatus.CONFLICT
        ) from None
    number = SigningKey.objects.filter(issuer=issuer).count() + 1
    return SigningKey.objects.create(
        issuer=issuer,
        key_id=f"key-{number}",
        public_key_multibase=public_key_multibase(private_key.public_key()),
        private_key_encrypted=encrypted,
    )


def _record_signing_key(
    event_type: EventType[SigningKeyMade], key: SigningKey, *, by: User | None, retired: str
) -> None:
    record_event(
        event_type,
        by=by,
        target=key,
        scope=issuer_scope(key.issuer_id) if key.issuer_id is not None else "",
        payload=SigningKeyMade(
            key_id=key.key_id,
            public_key_multibase=key.public_key_multibase,
            retired_key_id=retired,
        ),
    )


@transaction.atomic(durable=True)
def generate_signing_key(*, issuer_id: int | None, by: User | None) -> SigningKey:
    """Give an issuer (issuer_id=None: the site) its Ed25519 signing key.

    Idempotent: an owner that already has an active key keeps it, and nothing is recorded
    (rotate_signing_key replaces one). by=None is the system (`manage.py signing_keys`).
    The private key is stored only encrypted (credentials.vc.keys). Raises
    SigningKeyNotAllowed if `by` may not manage the owner's keys, or if no signing secret is
    configured.
    """
    issuer, active = _lock_signing_keys(issuer_id, by)
    if active is not None:
        return active
    key = _make_signing_key(issuer)
    _record_signing_key(SIGNING_KEY_GENERATED, key, by=by, retired="")
    return key


@transaction.atomic(durable=True)
def rotate_signing_key(*, issuer_id: int | None, by: User | None) -> SigningKey:
    """Retire the owner's active key and make the next one, which signs from now on.

    The retired key stays in the owner's DID document, so what it signed still verifies.
    An owner without a key gets its first one (recorded as a rotation from nothing). Raises
    SigningKeyNotAllowed as generate_signing_key does.
    """
    issuer, active = _lock_signing_keys(issuer_id, by)
    retired = ""
    if active is not None:
        active.retired_at = timezone.now()
        active.save(update_fields=["retired_at"])
        retired = active.key_id
    key = _make_signing_key(issuer)
    _record_signing_key(SIGNING_KEY_ROTATED, key, by=by, retired=retired)
    return key


# --- Saved searches --------------------------------------------------------------------------

# How many saved searches one employer may keep, and how many new matches a digest lists
# (the rest are counted, with a link to the search).
SAVED_SEARCHES_PER_EMPLOYER = 20
DIGEST_LISTED = 10


def _refuse_saved_search(
    message: str,
    *,
    code: str,
    field: str | None = None,
    status: HTTPStatus = HTTPStatus.BAD_REQUEST,
) -> SavedSearchNotAllowed:
    return SavedSearchNotAllowed(message, code=f"saved_search.{code}", field=field, status=status)


@transaction.atomic(durable=True)
def save_search(*, by: User, name: str, query: str) -> SavedSearch:
    """Keep a directory search, e-mailed to the employer daily when new profiles match it.

    The query string is checked by the directory's own form and stored normalised; the
    profiles it finds now are recorded as known, so the first digest lists only newcomers.
    Raises SavedSearchNotAllowed: 403 for anyone but an active employer; 400 for an empty or
    overlong name or a search the form refuses; 409 for a search already saved or once the
    employer keeps SAVED_SEARCHES_PER_EMPLOYER.
    """
    if not can_save_searches(by):
        raise _refuse_saved_search(
            _("Only employers can save searches."),
            code="not_employer",
            status=HTTPStatus.FORBIDDEN,
        )
    name = " ".join(name.split())
    if not name:
        raise _refuse_saved_search(_("Give the search a name."), code="name_missing", field="name")
    if len(name) > SavedSearch.NAME_MAX_LENGTH:
        raise _refuse_saved_search(
            _("Keep the name to %(max)s characters; this one has %(length)s.")
            % {"max": SavedSearch.NAME_MAX_LENGTH, "length": len(name)},
            code="name_too_long",
            field="name",
        )
    filters = (
        saved_searches.filters_of(query) if len(query) <= SavedSearch.QUERY_MAX_LENGTH else None
    )
    if filters is None:
        raise _refuse_saved_search(
            _("This search cannot be saved: correct it in the directory first."),
            code="invalid_query",
            field="query",
        )
    normalised = saved_searches.normalise_query(filters)
    # The employer's row serialises their saving, so two saves at once cannot both pass the
    # count below.
    User.objects.select_for_update().filter(pk=by.pk).first()
    existing = SavedSearch.objects.filter(owner=by, query=normalised).first()
    if existing is not None:
        raise _refuse_saved_search(
            _("You saved this search already, as “%(name)s”.") % {"name": existing.name},
            code="already_saved",
            status=HTTPStatus.CONFLICT,
        )
    if SavedSearch.objects.filter(owner=by).count() >= SAVED_SEARCHES_PER_EMPLOYER:
        raise _refuse_saved_search(
            _(
                "You keep %(max)s saved searches, the most allowed. Delete one from your "
                "dashboard to save this one."
            )
            % {"max": SAVED_SEARCHES_PER_EMPLOYER},
            code="too_many",
            status=HTTPStatus.CONFLICT,
        )
    now = timezone.now()
    saved_search = SavedSearch.objects.create(owner=by, name=name, query=normalised, created_at=now)
    SavedSearchMatch.objects.bulk_create(
        SavedSearchMatch(saved_search=saved_search, profile_id=profile_id, matched_at=now)
        for profile_id in saved_searches.matching_profile_ids(filters, now=now)
    )
    record_event(
        SAVED_SEARCH_SAVED,
        by=by,
        target=saved_search,
        owner=by,
        payload=SavedSearchSaved(name=name, query=normalised),
    )
    return saved_search


def _own_saved_search(saved_search_id: int, by: User) -> SavedSearch:
    saved_search = SavedSearch.objects.select_for_update().filter(pk=saved_search_id).first()
    if saved_search is None or saved_search.owner_id != by.pk or not can_save_searches(by):
        raise _refuse_saved_search(
            _("There is no such saved search."), code="not_found", status=HTTPStatus.NOT_FOUND
        )
    return saved_search


@transaction.atomic(durable=True)
def delete_saved_search(*, saved_search_id: int, by: User) -> None:
    """Delete one of the employer's saved searches; no digest is sent for it any more.

    Raises SavedSearchNotAllowed (404) for a search that is not theirs or no longer exists,
    so deleting twice is refused rather than recorded twice.
    """
    saved_search = _own_saved_search(saved_search_id, by)
    record_event(
        SAVED_SEARCH_DELETED,
        by=by,
        target=saved_search,
        owner=by,
        payload=SavedSearchSaved(name=saved_search.name, query=saved_search.query),
    )
    saved_search.delete()


@transaction.atomic(durable=True)
def unsubscribe_saved_search(*, saved_search_id: int, by: User) -> SavedSearch:
    """Stop the daily e-mail of one of the employer's saved searches; the search stays saved.

    `by` is the owner: signed in, or holding the signed link of one of the search's digests.
    Idempotent: a search already unsubscribed is returned as it is, and no event is recorded
    again. Raises SavedSearchNotAllowed (404) for a search that is not theirs.
    """
    saved_search = _own_saved_search(saved_search_id, by)
    if saved_search.unsubscribed_at is not None:
        return saved_search
    saved_search.unsubscribed_at = timezone.now()
    saved_search.save(update_fields=["unsubscribed_at"])
    record_event(
        SAVED_SEARCH_UNSUBSCRIBED, by=by, target=saved_search, owner=by, payload=NoPayload()
    )
    return saved_search


def send_saved_search_digests(*, now: datetime | None = None) -> int:
    """E-mail each subscribed saved search's new matches: the daily beat task's work.

    Each search is handled in a transaction of its own, so one search's failure keeps
    nobody else's digest. Idempotent within a day: a search that had its digest today (by
    last_digest_at, and by the outbox's dedupe key) is left until tomorrow, with whatever
    matched since kept for that digest. Records one event per digest sent; returns how many.
    """
    now = now or timezone.now()
    due = list(
        SavedSearch.objects.filter(unsubscribed_at__isnull=True, owner__is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for saved_search_id in due:
        try:
            sent += _send_saved_search_digest(saved_search_id, now=now)
        except DatabaseError:
            # Its transaction rolled back whole: tomorrow's run tries it again.
            logger.exception("The digest of saved search %s failed", saved_search_id)
    return sent


@transaction.atomic(durable=True)
def _send_saved_search_digest(saved_search_id: int, *, now: datetime) -> int:
    saved_search = (
        SavedSearch.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(pk=saved_search_id, unsubscribed_at__isnull=True)
        .first()
    )
    if saved_search is None or not can_save_searches(saved_search.owner):
        return 0
    today = timezone.localdate(now)
    last = saved_search.last_digest_at
    if last is not None and timezone.localdate(last) >= today:
        return 0
    filters = saved_searches.filters_of(saved_search.query)
    if filters is None:
        # A skill, issuer or micro-credential it names is gone: running the rest would widen
        # the search, so it waits (the employer sees it on their dashboard).
        logger.warning("Saved search %s no longer holds: %s", saved_search.pk, saved_search.query)
        return 0
    current = saved_searches.matching_profile_ids(filters, now=now)
    known = set(saved_search.matches.values_list("profile_id", flat=True))
    new = current - known
    saved_search.matches.filter(profile_id__in=known - current).delete()
    SavedSearchMatch.objects.bulk_create(
        SavedSearchMatch(saved_search=saved_search, profile_id=profile_id, matched_at=now)
        for profile_id in new
    )
    if not new:
        return 0
    listed = list(
        LearnerProfile.objects.filter(pk__in=new)
        .select_related("directory_entry")
        .order_by(F("directory_entry__latest_credential_at").desc(nulls_last=True), "-pk")
        .only("pk", "slug", "display_name", "headline", "directory_entry__latest_credential_at")[
            :DIGEST_LISTED
        ]
    )
    count = len(new)
    link = saved_searches.search_url(saved_search)
    if len(link) > (Notification._meta.get_field("link").max_length or 0):
        # A long search's address does not fit the outbox row; the dashboard lists it.
        link = reverse("dashboard")
    sent = notify(
        recipients=[saved_search.owner],
        kind=notification_kinds.SAVED_SEARCH_DIGEST,
        subject=ngettext(
            "%(count)s new match for “%(name)s”", "%(count)s new matches for “%(name)s”", count
        )
        % {"count": count, "name": saved_search.name},
        link=link,
        context={
            "name": saved_search.name,
            "count": count,
            "more": count - len(listed),
            "profiles": [
                {
                    "name": profile.display_name,
                    "headline": profile.headline,
                    "path": reverse("credentials:public-portfolio", args=[profile.slug]),
                }
                for profile in listed
            ],
            "list_unsubscribe": saved_searches.unsubscribe_path(saved_search),
        },
        dedupe_key=f"saved-search-digest:{saved_search.pk}:{today.isoformat()}",
    )
    if not sent:
        # The outbox has today's digest already (the dedupe key): roll back, keep the news.
        transaction.set_rollback(True)
        return 0
    saved_search.last_digest_at = now
    saved_search.save(update_fields=["last_digest_at"])
    record_event(
        SAVED_SEARCH_DIGEST_SENT,
        by=None,
        target=saved_search,
        owner=saved_search.owner,
        payload=SavedSearchDigestSent(new_matches=count),
    )
    return 1


@transaction.atomic(durable=True)
def sign_credential(*, credential_id: int) -> CredentialDocument:
    """Sign the credential as an Open Badges 3.0 document and keep it, as its ob3 document.

    Idempotent: a credential already signed keeps its document, byte for byte, and nothing is
    recorded; concurrent calls wait on the credential's row, so one signs. The system signs
    (the event has no actor). Raises NoSigningKey when the issuer has no key yet, and
    keys.SigningSecretMissing / PrivateKeyUnreadable when its key cannot be opened: nothing
    is stored then, and `manage.py sign_credentials` signs it once the key is there.
    """
    credential = (
        IssuedCredential.objects.select_for_update(of=("self",))
        .select_related("issuer", "learner")
        .get(pk=credential_id)
    )
    existing = CredentialDocument.objects.filter(
        credential=credential, format=CredentialDocument.Format.OPEN_BADGES_3_0
    ).first()
    if existing is not None:
        return existing
    signer = signer_for(credential.issuer)
    signed = signer.sign(build_open_badge_credential(credential, issuer_id=signer.issuer_did))
    document = CredentialDocument.objects.create(
        credential=credential,
        format=CredentialDocument.Format.OPEN_BADGES_3_0,
        content=serialize_document(signed),
    )
    record_event(
        CREDENTIAL_SIGNED,
        by=None,
        target=credential,
        owner=credential.learner,
        scope=issuer_scope(credential.issuer_id),
        payload=CredentialSigned(
            format=CredentialDocument.Format.OPEN_BADGES_3_0,
            verification_method=signer.verification_method,
        ),
    )
    return document
