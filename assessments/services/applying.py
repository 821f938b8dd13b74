"""The learner's side of an application: start, answer, submit, withdraw."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.exceptions import ApplicationNotAllowed
from assessments.models import Application, CriterionResponse
from assessments.services.locking import lock_application
from assessments.services.snapshots import freeze_round
from assessments.transitions import (
    SUBMITTABLE,
    ensure_transition,
    record_transition,
    refuse_transition,
)
from assessments.verbs import (
    APPLICATION_RESPONSE_SAVED,
    APPLICATION_STARTED,
    APPLICATION_SUBMITTED,
    APPLICATION_WITHDRAWN,
    ApplicationStarted,
    ResponseSaved,
)
from credentials.models import IssuedCredential, MicroCredential, RubricLevel
from credentials.permissions import is_open_for_applications
from credentials.verbs import issuer_scope
from portfolio.events import record_event
from portfolio.models import EvidenceItem, User
from portfolio.permissions import is_learner
from portfolio.selectors import has_display_name


def _ensure_owner(application: Application, by: User) -> None:
    if application.learner_id != by.pk:
        raise ApplicationNotAllowed(
            _("Only the learner who started this application can change it."),
            code="application.not_applicant",
            status=HTTPStatus.FORBIDDEN,
        )


def _refuse_second_application(micro_credential: MicroCredential) -> ApplicationNotAllowed:
    return ApplicationNotAllowed(
        _("You already have an open application for %(title)s.")
        % {"title": micro_credential.title},
        code="application.already_open",
        status=HTTPStatus.CONFLICT,
    )


@transaction.atomic(durable=True)
def start_application(*, micro_credential_id: int, by: User) -> Application:
    """Open a draft application with an empty answer per rubric criterion.

    Raises ApplicationNotAllowed if `by` is not a learner, the micro-credential is not
    published, or `by` already has an open application for it or holds a valid credential
    for it.
    """
    micro_credential = MicroCredential.objects.select_for_update().get(pk=micro_credential_id)
    if not is_learner(by):
        raise ApplicationNotAllowed(
            _("Only learners can apply for micro-credentials."),
            code="application.not_learner",
            status=HTTPStatus.FORBIDDEN,
        )
    if not is_open_for_applications(micro_credential):
        raise ApplicationNotAllowed(
            _("This micro-credential is not open for applications."),
            code="micro_credential.not_open",
            status=HTTPStatus.CONFLICT,
        )
    if (
        IssuedCredential.objects.valid_at(timezone.now())
        .filter(learner=by, micro_credential=micro_credential)
        .exists()
    ):
        raise ApplicationNotAllowed(
            _("You already hold a valid credential for %(title)s.")
            % {"title": micro_credential.title},
            code="application.credential_held",
            status=HTTPStatus.CONFLICT,
        )
    if Application.objects.open().filter(learner=by, micro_credential=micro_credential).exists():
        raise _refuse_second_application(micro_credential)
    try:
        with transaction.atomic():
            application = Application.objects.create(learner=by, micro_credential=micro_credential)
    except IntegrityError:
        # The partial unique index caught a concurrent start.
        raise _refuse_second_application(micro_credential) from None
    CriterionResponse.objects.bulk_create(
        CriterionResponse(application=application, criterion=criterion)
        for criterion in micro_credential.criteria_set.all()
    )
    record_event(
        APPLICATION_STARTED,
        by=by,
        target=application,
        owner=by,
        scope=issuer_scope(micro_credential.issuer_id),
        payload=ApplicationStarted(
            micro_credential_id=micro_credential.pk, title=micro_credential.title
        ),
    )
    return application


@transaction.atomic(durable=True)
def save_response(
    *,
    application_id: int,
    by: User,
    criterion_id: int,
    statement: str,
    self_assessed_level_id: int | None,
    evidence_item_ids: Sequence[int],
) -> CriterionResponse:
    """Save the learner's statement, self-assessment and evidence for one criterion.

    Allowed only while the application is a draft or has changes requested. Evidence must
    come from the learner's own library and the level from the criterion's own scale.
    """
    application = lock_application(application_id)
    _ensure_owner(application, by)
    if application.status not in SUBMITTABLE:
        raise ApplicationNotAllowed(
            _("An application that is %(status)s cannot be edited.")
            % {"status": Application.Status(application.status).label.lower()},
            code="application.not_editable",
            status=HTTPStatus.CONFLICT,
        )
    try:
        response = CriterionResponse.objects.get(application=application, criterion_id=criterion_id)
    except CriterionResponse.DoesNotExist:
        raise ApplicationNotAllowed(
            _("That criterion is not part of this micro-credential."),
            code="application.unknown_criterion",
        ) from None
    if (
        self_assessed_level_id is not None
        and not RubricLevel.objects.filter(
            pk=self_assessed_level_id, criterion_id=criterion_id
        ).exists()
    ):
        raise ApplicationNotAllowed(
            _("Choose a level from this criterion's rubric."),
            code="application.unknown_level",
            field="self_assessed_level_id",
        )
    wanted = set(evidence_item_ids)
    owned = set(EvidenceItem.objects.filter(owner=by, pk__in=wanted).values_list("pk", flat=True))
    if owned != wanted:
        raise ApplicationNotAllowed(
            _("Evidence can only come from your own library."),
            code="application.evidence_not_owned",
            field="evidence_item_ids",
        )
    response.statement = statement.strip()
    response.self_assessed_level_id = self_assessed_level_id
    response.save(update_fields=["statement", "self_assessed_level"])
    response.evidence_items.set(owned)
    Application.objects.filter(pk=application.pk).update(updated_at=timezone.now())
    # `by` is the learner (_ensure_owner).
    record_event(
        APPLICATION_RESPONSE_SAVED,
        by=by,
        target=application,
        owner=by,
        scope=issuer_scope(application.micro_credential.issuer_id),
        payload=ResponseSaved(criterion_id=criterion_id, evidence_item_ids=tuple(sorted(owned))),
    )
    return response


@transaction.atomic(durable=True)
def submit_application(*, application_id: int, by: User) -> Application:
    """Submit a draft, or resubmit after changes were requested, freezing its evidence.

    The learner needs a display name, and every criterion a statement and at least one piece
    of evidence. The evidence as it
    stands now is copied into the round's snapshot, so later edits or deletions in the
    library change nothing the assessor sees. The assigned assessors are told
    (assessments.subscribers).
    """
    application = lock_application(application_id)
    _ensure_owner(application, by)
    target = (
        Application.Status.RESUBMITTED
        if application.status == Application.Status.CHANGES_REQUESTED
        else Application.Status.SUBMITTED
    )
    if application.status not in SUBMITTABLE:
        raise refuse_transition(application, target, code="application.not_submittable")
    if not is_open_for_applications(application.micro_credential):
        raise ApplicationNotAllowed(
            _("This micro-credential is no longer open for applications."),
            code="micro_credential.not_open",
            status=HTTPStatus.CONFLICT,
        )
    if not has_display_name(learner=application.learner):
        # A credential is awarded to this name: never to an e-mail address or a blank.
        raise ApplicationNotAllowed(
            _(
                "Add your name to your profile before you submit: it is the name a credential "
                "is awarded to."
            ),
            code="application.name_missing",
            status=HTTPStatus.CONFLICT,
        )
    responses = list(
        application.responses.select_related("criterion")
        .prefetch_related("evidence_items__skills")
        .order_by("criterion__position")
    )
    incomplete = [
        response.criterion.title
        for response in responses
        if not response.statement or not response.evidence_items.all()
    ]
    if incomplete:
        raise ApplicationNotAllowed(
            _(
                "Each criterion needs a statement and at least one piece of evidence. Still to do: %(list)s."
            )
            % {"list": ", ".join(incomplete)},
            code="application.incomplete",
            status=HTTPStatus.CONFLICT,
        )
    ensure_transition(application, target)
    now = timezone.now()
    application.round += 1
    application.submitted_at = now
    application.first_submitted_at = application.first_submitted_at or now
    application.assessor = None
    freeze_round(application, responses)
    record_transition(
        application,
        to=target,
        by=by,
        event_type=APPLICATION_SUBMITTED,
        update_fields=["round", "submitted_at", "first_submitted_at", "assessor"],
    )
    return application


@transaction.atomic(durable=True)
def withdraw_application(*, application_id: int, by: User, comment: str = "") -> Application:
    """Withdraw an application before a decision (learner only)."""
    application = lock_application(application_id)
    _ensure_owner(application, by)
    record_transition(
        application,
        to=Application.Status.WITHDRAWN,
        by=by,
        event_type=APPLICATION_WITHDRAWN,
        comment=comment,
    )
    return application
