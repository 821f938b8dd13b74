"""Who may see, claim and review applications, and open their frozen evidence."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from assessments.models import Application, SubmittedEvidence
from portfolio.models import User
from portfolio.permissions import AnyUser, is_assessor, is_issuer_staff, is_learner


def _is_assigned(user: AnyUser, application: Application) -> bool:
    return application.micro_credential.assessors.filter(pk=user.pk).exists()


def can_view_application(user: AnyUser, application: Application) -> bool:
    # The learner always sees their own application.
    if user.is_authenticated and application.learner_id == user.pk:
        return True
    # Drafts are the learner's private working copy.
    if application.status == Application.Status.DRAFT:
        return False
    if is_assessor(user):
        # A learner who withdraws before a decision takes the work back: assessors, even the
        # one who held the claim, no longer see it or its frozen evidence. (Issuer staff keep
        # the record, as they keep every application of their organisation.)
        if application.status == Application.Status.WITHDRAWN:
            return False
        # Assessors see submitted applications of the micro-credentials they are assigned to.
        if _is_assigned(user, application):
            return True
    # Issuer staff oversee the applications for their own organisation's credentials.
    return (
        is_issuer_staff(user)
        and application.micro_credential.issuer.staff.filter(pk=user.pk).exists()
    )


def can_claim(user: AnyUser, application: Application) -> bool:
    if not is_assessor(user) or not _is_assigned(user, application):
        return False
    # Never one's own work, whatever roles a person has held.
    if application.learner_id == user.pk:
        return False
    return application.status in Application.QUEUE_STATUSES


def can_review(user: AnyUser, application: Application) -> bool:
    if application.learner_id == user.pk:
        return False
    # Only the assessor holding the claim decides, while it is in review.
    return application.status == Application.Status.IN_REVIEW and application.assessor_id == user.pk


def visible_applications(user: AnyUser) -> QuerySet[Application]:
    """The QuerySet form of can_view_application."""
    if not user.is_authenticated:
        return Application.objects.none()
    own = Q(learner_id=user.pk)
    submitted = ~Q(status=Application.Status.DRAFT)
    if is_assessor(user):
        withdrawn = Q(status=Application.Status.WITHDRAWN)
        return Application.objects.filter(
            own | (submitted & ~withdrawn & Q(micro_credential__assessors=user))
        ).distinct()
    if is_issuer_staff(user):
        return Application.objects.filter(
            own | (submitted & Q(micro_credential__issuer__staff=user))
        ).distinct()
    return Application.objects.filter(own)


def get_application_for(user: AnyUser, pk: int) -> Application:
    """The application if the user may see it; Http404 otherwise."""
    try:
        return (
            visible_applications(user)
            .select_related("micro_credential__issuer", "learner__profile")
            .get(pk=pk)
        )
    except Application.DoesNotExist:
        raise Http404("No such application.") from None


def get_own_application_for(user: AnyUser, pk: int) -> Application:
    """The learner's own application; Http404 for anyone else's."""
    if not is_learner(user):
        raise Http404("No such application.")
    try:
        return Application.objects.select_related("micro_credential__issuer").get(
            pk=pk, learner_id=user.pk
        )
    except Application.DoesNotExist:
        raise Http404("No such application.") from None


def get_submitted_evidence_for(user: AnyUser, pk: int) -> SubmittedEvidence:
    """Frozen evidence, for exactly the people who may see its application; Http404 otherwise."""
    try:
        evidence = SubmittedEvidence.objects.select_related(
            "application__micro_credential__issuer"
        ).get(pk=pk)
    except SubmittedEvidence.DoesNotExist:
        raise Http404("No such evidence.") from None
    if not can_view_application(user, evidence.application):
        raise Http404("No such evidence.")
    return evidence


def assessor_users_for(application: Application) -> QuerySet[User]:
    """The assessors to tell about a (re)submission: assigned, active, not the learner."""
    return application.micro_credential.assessors.filter(
        is_active=True, role=User.Role.ASSESSOR
    ).exclude(pk=application.learner_id)
