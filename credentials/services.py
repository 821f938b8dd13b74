"""Writes to issued credentials: issuing and revoking."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from credentials.exceptions import CredentialError, RevocationNotAllowed
from credentials.models import IssuedCredential, MicroCredential
from credentials.permissions import can_revoke
from portfolio.models import Notification, User
from portfolio.services.notifications import notify


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


def issue_credential(
    *,
    learner: User,
    micro_credential: MicroCredential,
    award_reference: str,
    assessor: User | None,
    evidence_snapshot: Sequence[dict[str, object]],
    rubric_results: Sequence[dict[str, object]],
    issued_at: datetime | None = None,
) -> IssuedCredential:
    """Award a micro-credential; idempotent per award_reference.

    A second call with the same award_reference returns the credential the first one made,
    so a retried or double-clicked approval never issues two. Expiry is fixed at issue from
    the definition's validity period. Notifies the learner after commit.
    """
    existing = IssuedCredential.objects.filter(award_reference=award_reference).first()
    if existing is not None:
        return existing
    issued_at = issued_at or timezone.now()
    months = micro_credential.validity_months
    try:
        with transaction.atomic():
            credential = IssuedCredential.objects.create(
                learner=learner,
                micro_credential=micro_credential,
                issuer_id=micro_credential.issuer_id,
                assessor=assessor,
                award_reference=award_reference,
                issued_at=issued_at,
                expires_at=_add_months(issued_at, months) if months else None,
                evidence_snapshot=list(evidence_snapshot),
                rubric_results=list(rubric_results),
            )
    except IntegrityError:
        # A concurrent call won the race for this award_reference: return its credential.
        return IssuedCredential.objects.get(award_reference=award_reference)
    notify(
        recipients=[learner],
        kind=Notification.Kind.CREDENTIAL_ISSUED,
        subject=_("You have earned %(title)s") % {"title": micro_credential.title},
        link=reverse("credentials:credential-detail", args=[credential.public_id]),
        context={"title": micro_credential.title, "issuer": micro_credential.issuer.name},
    )
    return credential


@transaction.atomic(durable=True)
def revoke_credential(*, credential_id: int, by: User, reason: str) -> IssuedCredential:
    """Revoke a credential, keeping it visible as revoked with the reason.

    Raises RevocationNotAllowed if the user is not staff of the issuer, the reason is empty
    or the credential is already revoked. Tells the holder, in-app and by e-mail after commit,
    with the reason.
    """
    credential = (
        IssuedCredential.objects.select_for_update()
        .select_related("issuer", "learner", "micro_credential")
        .get(pk=credential_id)
    )
    if not can_revoke(by, credential):
        raise RevocationNotAllowed(
            _("Only staff of the issuing organisation can revoke this credential.")
        )
    if credential.revoked_at is not None:
        raise RevocationNotAllowed(_("This credential was already revoked."))
    if not reason.strip():
        raise RevocationNotAllowed(
            _("Give a reason for revoking: it is shown with the credential.")
        )
    credential.revoked_at = timezone.now()
    credential.revoked_by = by
    credential.revocation_reason = reason.strip()
    credential.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    title = credential.micro_credential.title
    notify(
        recipients=[credential.learner],
        kind=Notification.Kind.CREDENTIAL_REVOKED,
        subject=_("%(title)s has been revoked") % {"title": title},
        link=reverse("credentials:credential-detail", args=[credential.public_id]),
        context={
            "title": title,
            "issuer": credential.issuer.name,
            "reason": credential.revocation_reason,
        },
    )
    return credential


@transaction.atomic(durable=True)
def set_credential_visibility(
    *, credential_id: int, by: User, is_shown_publicly: bool
) -> IssuedCredential:
    """Choose whether a credential shows on its holder's public page.

    Raises CredentialError for anyone but the holder.
    """
    credential = (
        IssuedCredential.objects.select_for_update().filter(pk=credential_id, learner=by).first()
    )
    if credential is None:
        raise CredentialError(_("Only the holder can choose where a credential shows."))
    credential.is_shown_publicly = is_shown_publicly
    credential.save(update_fields=["is_shown_publicly"])
    return credential


def remind_expiring_credentials(*, now: datetime | None = None) -> int:
    """Tell holders of valid credentials expiring within the reminder window; once each.

    The dedupe key makes the daily run idempotent: a credential is never reminded twice.
    Returns how many reminders were recorded.
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
            sent += len(
                notify(
                    recipients=[credential.learner],
                    kind=Notification.Kind.CREDENTIAL_EXPIRING,
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
    return sent
