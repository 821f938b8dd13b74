"""Bulk issuance: issuer staff award one micro-credential to a list of learners at once.

For a cohort that passed an exam, or recognition of prior learning: the staff member uploads
a CSV of the learners' e-mail addresses (or pastes them). `check_learner_list` reads it and
says, row by row, what is wrong before anything is issued; `start_bulk_issuance` records the
batch with one row per learner and enqueues `credentials.tasks.issue_bulk_credentials`.

The task works through the batch in chunks (`issue_bulk_chunk`), one transaction each: the
chunk's revocation bits are taken from the issuer's open status list at once, its
credentials, signed documents and row states written together, and each credential's
`credential.issued` and `credential.signed` events recorded as single issuance records them
(so each learner is told, and their pages refreshed). A worker killed mid-chunk rolls the
whole chunk back, so a retried or redelivered task resumes at the first waiting row and
nothing is issued twice; each credential's award reference names its row, and the unique
index on it is the last guard. A batch whose task was lost (a broker away) is enqueued again
by the beat sweep `resume_bulk_issuances`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from http import HTTPStatus

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from credentials.exceptions import IssuanceNotAllowed
from credentials.models import (
    BulkIssuance,
    BulkIssuanceRow,
    CredentialDocument,
    IssuedCredential,
    MicroCredential,
)
from credentials.permissions import can_bulk_issue
from credentials.services import _add_months, _allocate_status_bits, _open_status_list
from credentials.subscribers import signing_deferred
from credentials.vc.identity import Signer, signer_for
from credentials.vc.open_badges import (
    AchievementSource,
    build_open_badge_credential,
    load_achievement_source,
    serialize_document,
)
from credentials.vc.status_list import SIGNING_UNAVAILABLE
from credentials.verbs import (
    BULK_ISSUANCE_FINISHED,
    BULK_ISSUANCE_STARTED,
    CREDENTIAL_ISSUED,
    CREDENTIAL_SIGNED,
    BulkIssuanceFinished,
    BulkIssuanceStarted,
    CredentialIssued,
    CredentialSigned,
    issuer_scope,
)
from portfolio.events import EventRecord, reactions_together, record_event, record_events
from portfolio.models import User

# Rows issued per transaction: large enough that a chunk's fixed queries are a small share
# of its work, small enough that the issuer's status list is not locked for long.
CHUNK_SIZE = 100
MAX_ROWS = 5000
MAX_FILE_BYTES = 512 * 1024
# An unfinished batch that has not moved for this long has lost its task.
STALLED_AFTER = timedelta(minutes=10)
EMAIL_HEADERS = {"email", "e-mail", "email address", "e-mail address"}


@dataclass(frozen=True)
class RowError:
    line: int
    value: str
    message: str


@dataclass(frozen=True)
class LearnerList:
    """A checked list: the learners in file order with their lines, and what is wrong."""

    learners: list[tuple[int, User]]
    errors: list[RowError]


def decode_learner_file(data: bytes) -> str:
    """The text of an uploaded list; ValidationError if it is too large or not UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is %(size)s KB; a list may be at most %(limit)s KB.")
            % {"size": len(data) // 1024, "limit": MAX_FILE_BYTES // 1024},
            code="too_large",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _(
                "The file is not UTF-8 text (byte %(position)s). Save the spreadsheet as "
                "“CSV UTF-8” and upload it again."
            )
            % {"position": error.start + 1},
            code="encoding",
        ) from None


def _addresses(text: str) -> list[tuple[int, str]]:
    """Each non-empty row's first cell, with its line number; a header row is left out."""
    if "\x00" in text:
        raise ValidationError(_("The file is not a CSV file (it holds binary data)."))
    rows: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for cells in reader:
            value = cells[0].strip() if cells else ""
            if not value:
                continue
            if not rows and value.lower() in EMAIL_HEADERS:
                continue
            rows.append((reader.line_num, value))
            if len(rows) > MAX_ROWS:
                raise ValidationError(
                    _("The list has more than %(limit)s rows: split it into several batches.")
                    % {"limit": MAX_ROWS},
                    code="too_many_rows",
                )
    except csv.Error as error:
        raise ValidationError(
            _("The file could not be read as CSV at line %(line)s: %(error)s")
            % {"line": reader.line_num, "error": error},
            code="csv",
        ) from None
    if not rows:
        raise ValidationError(_("The list has no e-mail addresses."), code="empty")
    return rows


def check_learner_list(text: str, *, micro_credential: MicroCredential) -> LearnerList:
    """The learners a list names, and every row that cannot be issued, with why.

    Raises ValidationError for a list that cannot be read at all (binary, malformed CSV,
    empty, too many rows). A fixed number of queries, however long the list.
    """
    rows = _addresses(text)
    errors: list[RowError] = []
    valid: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for line, value in rows:
        try:
            validate_email(value)
        except ValidationError:
            errors.append(RowError(line, value, _("This is not an e-mail address.")))
            continue
        key = value.lower()
        if key in first_line:
            errors.append(
                RowError(line, value, _("Repeats line %(line)s.") % {"line": first_line[key]})
            )
            continue
        first_line[key] = line
        valid.append((line, key))
    keys = [key for _line, key in valid]
    learners = {
        user.email_key: user
        for user in User.objects.annotate(email_key=Lower("email")).filter(
            email_key__in=keys, role=User.Role.LEARNER, is_active=True
        )
    }
    holders = set(
        IssuedCredential.objects.filter(
            micro_credential=micro_credential,
            learner__in=learners.values(),
            revoked_at__isnull=True,
        ).values_list("learner_id", flat=True)
    )
    waiting = set(
        BulkIssuanceRow.objects.filter(
            batch__micro_credential=micro_credential,
            learner__in=learners.values(),
            state=BulkIssuanceRow.State.PENDING,
        ).values_list("learner_id", flat=True)
    )
    found: list[tuple[int, User]] = []
    for line, key in valid:
        user = learners.get(key)
        value = next(value for row_line, value in rows if row_line == line)
        if user is None:
            errors.append(RowError(line, value, _("No active learner account has this address.")))
        elif user.pk in holders:
            errors.append(RowError(line, value, _("This learner already holds it.")))
        elif user.pk in waiting:
            errors.append(RowError(line, value, _("This learner is in a batch still issuing it.")))
        else:
            found.append((line, user))
    errors.sort(key=lambda error: error.line)
    return LearnerList(learners=found, errors=errors)


def _refuse(by: User, micro_credential: MicroCredential) -> IssuanceNotAllowed:
    return IssuanceNotAllowed(
        _("Only %(issuer)s's staff can issue %(title)s in bulk, while it is published.")
        % {"issuer": micro_credential.issuer.name, "title": micro_credential.title},
        code="credential.not_bulk_issuer",
        status=HTTPStatus.FORBIDDEN,
    )


@transaction.atomic(durable=True)
def start_bulk_issuance(
    *, micro_credential_id: int, learners: Sequence[tuple[int, User]], by: User
) -> BulkIssuance:
    """Record a batch of (line, learner) to issue, and enqueue its task after commit.

    Raises IssuanceNotAllowed unless `by` may issue the micro-credential in bulk
    (permissions.can_bulk_issue), or for an empty list. Rows are checked again when their
    turn comes: one whose learner has meanwhile been awarded it is skipped, with a note.
    """
    from credentials import tasks  # tasks imports this module

    micro_credential = MicroCredential.objects.select_related("issuer").get(pk=micro_credential_id)
    if not can_bulk_issue(by, micro_credential):
        raise _refuse(by, micro_credential)
    if not learners:
        raise IssuanceNotAllowed(_("The list has no learners to issue to."), code="bulk.empty")
    now = timezone.now()
    batch = BulkIssuance.objects.create(
        issuer_id=micro_credential.issuer_id,
        micro_credential=micro_credential,
        created_by=by,
        created_at=now,
        progressed_at=now,
        total=len(learners),
    )
    BulkIssuanceRow.objects.bulk_create(
        BulkIssuanceRow(batch=batch, line=line, learner=learner) for line, learner in learners
    )
    record_event(
        BULK_ISSUANCE_STARTED,
        by=by,
        target=batch,
        scope=issuer_scope(micro_credential.issuer_id),
        payload=BulkIssuanceStarted(
            micro_credential_id=micro_credential.pk,
            title=micro_credential.title,
            rows=len(learners),
        ),
    )
    # robust: a broker that is away leaves the batch queued; the sweep enqueues it again.
    transaction.on_commit(
        partial(tasks.issue_bulk_credentials.delay, batch_id=batch.pk), robust=True
    )
    return batch


def bulk_signer(batch_id: int) -> Signer | None:
    """The batch issuer's signer, read once per run; None while it cannot sign.

    Credentials issued without a signer are signed later by `manage.py sign_credentials`,
    as single issuance leaves them.
    """
    issuer = BulkIssuance.objects.select_related("issuer").get(pk=batch_id).issuer
    try:
        return signer_for(issuer)
    except SIGNING_UNAVAILABLE:
        return None


@transaction.atomic(durable=True)
def issue_bulk_chunk(*, batch_id: int, signer: Signer | None, size: int = CHUNK_SIZE) -> int:
    """Issue (and sign, with a signer) the batch's next `size` waiting rows, in one transaction.

    Returns how many rows still wait. Idempotent: the batch row is locked and the waiting
    rows read under that lock, so two runs of one batch never take the same rows, and a
    chunk that rolls back leaves its rows waiting for the next run. The last chunk finishes
    the batch (and records `bulk_issuance.finished`); a finished batch returns 0.
    """
    batch = (
        BulkIssuance.objects.select_for_update(of=("self",))
        .select_related("created_by")
        .get(pk=batch_id)
    )
    if batch.status == BulkIssuance.Status.FINISHED:
        return 0
    source = load_achievement_source(batch.micro_credential_id)
    micro_credential = source.micro_credential
    issuer = micro_credential.issuer
    by = batch.created_by
    pending = batch.rows.filter(state=BulkIssuanceRow.State.PENDING)
    rows = list(pending.select_related("learner").order_by("line")[:size])
    if by is None or not can_bulk_issue(by, micro_credential):
        # Its author left the issuer's staff, or it was retired meanwhile: nothing more is
        # issued in their name.
        note = _("Not issued: it is no longer published, or the batch's author left the staff.")
        pending.update(state=BulkIssuanceRow.State.SKIPPED, note=note)
        return _finish(batch)
    # The list's lock first: a concurrent batch for the same learner waits here, and then
    # sees the credential this one issued.
    _open_status_list(issuer.pk)
    holders = set(
        IssuedCredential.objects.filter(
            micro_credential=micro_credential,
            learner_id__in=[row.learner_id for row in rows],
            revoked_at__isnull=True,
        ).values_list("learner_id", flat=True)
    )
    to_issue: list[BulkIssuanceRow] = []
    for row in rows:
        if not row.learner.is_active:
            row.state, row.note = BulkIssuanceRow.State.SKIPPED, _("The account is deactivated.")
        elif row.learner_id in holders:
            row.state, row.note = BulkIssuanceRow.State.SKIPPED, _("Already held when issued.")
        else:
            to_issue.append(row)
    now = timezone.now()
    months = micro_credential.validity_months
    credentials = [
        IssuedCredential(
            status_list=status_list,
            status_list_index=index,
            learner=row.learner,
            micro_credential=micro_credential,
            issuer=issuer,
            award_reference=f"bulk:{batch.public_id}:{row.pk}",
            issued_at=now,
            expires_at=_add_months(now, months) if months else None,
        )
        for row, (status_list, index) in zip(
            to_issue, _allocate_status_bits(issuer.pk, len(to_issue)), strict=True
        )
    ]
    for credential in credentials:
        # The list's issuer is this one: saves a query per credential's status entry.
        credential.status_list.issuer = issuer
    IssuedCredential.objects.bulk_create(credentials)
    documents = _sign(credentials, signer, source) if signer is not None else []
    # Signing is done here, so the issued events' subscriber must not queue it again.
    with signing_deferred(), reactions_together():
        record_events(
            CREDENTIAL_ISSUED,
            by=by,
            scope=issuer_scope(issuer.pk),
            events=[
                EventRecord(
                    credential,
                    credential.learner,
                    CredentialIssued(
                        micro_credential_id=micro_credential.pk,
                        title=micro_credential.title,
                        award_reference=credential.award_reference,
                        expires_at=credential.expires_at,
                    ),
                )
                for credential in credentials
            ],
        )
        if signer is not None and documents:
            record_events(
                CREDENTIAL_SIGNED,
                by=None,
                scope=issuer_scope(issuer.pk),
                events=[
                    EventRecord(
                        document.credential,
                        document.credential.learner,
                        CredentialSigned(
                            format=CredentialDocument.Format.OPEN_BADGES_3_0,
                            verification_method=signer.verification_method,
                        ),
                    )
                    for document in documents
                ],
            )
    for row, credential in zip(to_issue, credentials, strict=True):
        row.state, row.credential = BulkIssuanceRow.State.ISSUED, credential
    BulkIssuanceRow.objects.bulk_update(rows, ["state", "credential", "note"])
    batch.status, batch.progressed_at = BulkIssuance.Status.RUNNING, now
    batch.save(update_fields=["status", "progressed_at"])
    if len(rows) < size or not pending.exists():
        return _finish(batch)
    return pending.count()


def _sign(
    credentials: Sequence[IssuedCredential], signer: Signer, source: AchievementSource
) -> list[CredentialDocument]:
    documents = [
        CredentialDocument(
            credential=credential,
            format=CredentialDocument.Format.OPEN_BADGES_3_0,
            content=serialize_document(
                signer.sign(
                    build_open_badge_credential(
                        credential, issuer_id=signer.issuer_did, source=source
                    )
                )
            ),
        )
        for credential in credentials
    ]
    CredentialDocument.objects.bulk_create(documents)
    return documents


def _finish(batch: BulkIssuance) -> int:
    counts = batch.rows.aggregate(
        issued=Count("pk", filter=Q(state=BulkIssuanceRow.State.ISSUED)),
        skipped=Count("pk", filter=Q(state=BulkIssuanceRow.State.SKIPPED)),
    )
    now = timezone.now()
    batch.status, batch.finished_at, batch.progressed_at = BulkIssuance.Status.FINISHED, now, now
    batch.save(update_fields=["status", "finished_at", "progressed_at"])
    record_event(
        BULK_ISSUANCE_FINISHED,
        by=None,
        target=batch,
        scope=issuer_scope(batch.issuer_id),
        payload=BulkIssuanceFinished(issued=counts["issued"], skipped=counts["skipped"]),
    )
    return 0


def issue_bulk_credentials(*, batch_id: int, chunk_size: int | None = None) -> int:
    """Work through a batch chunk by chunk (CHUNK_SIZE rows unless told) until no row waits;
    returns the rows still waiting (0). Safe to run again, and concurrently: see
    issue_bulk_chunk."""
    chunk_size = chunk_size or CHUNK_SIZE
    signer = bulk_signer(batch_id)
    while issue_bulk_chunk(batch_id=batch_id, signer=signer, size=chunk_size):
        pass
    return 0


def resume_bulk_issuances() -> int:
    """Enqueue again every unfinished batch that has not moved for STALLED_AFTER.

    For a task lost with the broker or a worker that died without redelivery; a batch whose
    task is only slow is enqueued twice, which is harmless (issue_bulk_chunk). Returns how
    many were enqueued.
    """
    from credentials import tasks

    cutoff = timezone.now() - STALLED_AFTER
    stalled = list(
        BulkIssuance.objects.exclude(status=BulkIssuance.Status.FINISHED)
        .filter(progressed_at__lt=cutoff)
        .values_list("pk", flat=True)
    )
    for batch_id in stalled:
        tasks.issue_bulk_credentials.delay(batch_id=batch_id)
    return len(stalled)


@dataclass(frozen=True)
class BulkProgress:
    """What the progress page shows of a batch."""

    batch: BulkIssuance
    issued: int
    skipped: int
    waiting: int
    signed: int
    skipped_rows: list[BulkIssuanceRow]

    @property
    def done(self) -> int:
        return self.issued + self.skipped

    @property
    def percent(self) -> int:
        return 100 if self.batch.total == 0 else self.done * 100 // self.batch.total

    @property
    def is_finished(self) -> bool:
        return self.batch.status == BulkIssuance.Status.FINISHED


def get_bulk_progress(batch: BulkIssuance) -> BulkProgress:
    """The batch's counts and its skipped rows (with their learners): three queries."""
    counts = batch.rows.aggregate(
        issued=Count("pk", filter=Q(state=BulkIssuanceRow.State.ISSUED)),
        skipped=Count("pk", filter=Q(state=BulkIssuanceRow.State.SKIPPED)),
        waiting=Count("pk", filter=Q(state=BulkIssuanceRow.State.PENDING)),
        signed=Count(
            "pk",
            filter=Q(credential__documents__format=CredentialDocument.Format.OPEN_BADGES_3_0),
        ),
    )
    skipped_rows = list(
        batch.rows.filter(state=BulkIssuanceRow.State.SKIPPED)
        .select_related("learner")
        .order_by("line")
    )
    return BulkProgress(batch=batch, skipped_rows=skipped_rows, **counts)
