"""Who may see, change, claim and review applications, and open their frozen evidence.

The fetchers return the application with everything the user may do with it
(ApplicationAccess), decided here once: views and templates read its flags and never test
statuses or roles themselves, and the services check the same predicates again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from assessments.models import Application, SubmittedEvidence
from assessments.transitions import SUBMITTABLE
from credentials.models import MicroCredential
from portfolio.models import User
from portfolio.permissions import AnyUser, is_assessor, is_issuer_staff, is_learner


def can_apply(user: AnyUser) -> bool:
    """Applying for micro-credentials (and the pages that list one's applications)."""
    return is_learner(user)


def can_use_review_queue(user: AnyUser) -> bool:
    """The review queue: assessors only (issuer staff oversee applications in the admin)."""
    return is_assessor(user)


def _is_applicant(user: AnyUser, application: Application) -> bool:
    return user.is_authenticated and application.learner_id == user.pk


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


def can_edit_application(user: AnyUser, application: Application) -> bool:
    """Change the answers and (re)submit: the learner's own, while a draft or sent back."""
    if not _is_applicant(user, application):
        return False
    # Once submitted, the answers are frozen until an assessor asks for changes.
    return application.status in SUBMITTABLE


def can_withdraw_application(user: AnyUser, application: Application) -> bool:
    """Take the application back: the learner's own, at any time before a decision."""
    if not _is_applicant(user, application):
        return False
    return application.status in Application.OPEN_STATUSES


def _can_claim_given(user: AnyUser, application: Application, *, is_assigned: bool) -> bool:
    if not is_assessor(user) or not is_assigned:
        return False
    # Never one's own work, whatever roles a person has held.
    if application.learner_id == user.pk:
        return False
    return application.status in Application.QUEUE_STATUSES


def can_claim(user: AnyUser, application: Application) -> bool:
    return _can_claim_given(user, application, is_assigned=_is_assigned(user, application))


def can_release(user: AnyUser, application: Application) -> bool:
    # Only the assessor holding the claim gives it back, while it is in review.
    if not user.is_authenticated:
        return False
    return application.status == Application.Status.IN_REVIEW and application.assessor_id == user.pk


def can_review(user: AnyUser, application: Application) -> bool:
    if application.learner_id == user.pk:
        return False
    # Only the assessor holding the claim decides, while it is in review.
    return application.status == Application.Status.IN_REVIEW and application.assessor_id == user.pk


@dataclass(frozen=True)
class ApplicationAccess:
    """An application the user may see, with what they may do with it."""

    application: Application
    is_applicant: bool
    can_edit: bool
    can_withdraw: bool
    can_claim: bool
    can_release: bool
    can_review: bool

    @property
    def can_submit(self) -> bool:
        # Submitting is the last step of editing: the same rule, and the service's checks.
        return self.can_edit

    # Where the application stands, as the pages ask it: the status is read here and nowhere
    # else (templates and views ask these, never compare statuses themselves).

    @property
    def is_open(self) -> bool:
        """Neither decided nor withdrawn."""
        return self.application.status in Application.OPEN_STATUSES

    @property
    def is_draft(self) -> bool:
        """Never submitted: only the learner sees it."""
        return self.application.status == Application.Status.DRAFT

    @property
    def has_changes_requested(self) -> bool:
        """Sent back by the assessor: the learner answers the feedback and submits again."""
        return self.application.status == Application.Status.CHANGES_REQUESTED

    @property
    def is_awaiting_review(self) -> bool:
        """In the queue, waiting for an assigned assessor to claim it."""
        return self.application.status in Application.QUEUE_STATUSES

    @property
    def is_in_review(self) -> bool:
        """Claimed by an assessor, who decides on it."""
        return self.application.status == Application.Status.IN_REVIEW

    @property
    def is_rejected(self) -> bool:
        return self.application.status == Application.Status.REJECTED

    @property
    def has_credential(self) -> bool:
        """Approved, with the credential it was awarded (the page links to it)."""
        return (
            self.application.status == Application.Status.APPROVED
            and self.application.credential_id is not None
        )


def _build_access(
    user: AnyUser, application: Application, *, is_assigned: bool
) -> ApplicationAccess:
    return ApplicationAccess(
        application=application,
        is_applicant=_is_applicant(user, application),
        can_edit=can_edit_application(user, application),
        can_withdraw=can_withdraw_application(user, application),
        can_claim=_can_claim_given(user, application, is_assigned=is_assigned),
        can_release=can_release(user, application),
        can_review=can_review(user, application),
    )


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


def get_application_for(user: AnyUser, pk: int) -> ApplicationAccess:
    """The application if the user may see it, with what they may do; Http404 otherwise.

    One query: whether the user is among the micro-credential's assessors (the one fact
    the rules need beyond the row) is read with it.
    """
    applications = visible_applications(user).select_related(
        "micro_credential__issuer", "learner__profile"
    )
    if isinstance(user, User) and is_assessor(user):
        assigned = MicroCredential.assessors.through.objects.filter(
            microcredential_id=OuterRef("micro_credential_id"), user_id=user.pk
        )
        applications = applications.annotate(viewer_is_assigned=Exists(assigned))
    try:
        application = applications.get(pk=pk)
    except Application.DoesNotExist:
        raise Http404("No such application.") from None
    is_assigned = bool(getattr(application, "viewer_is_assigned", False))
    return _build_access(user, application, is_assigned=is_assigned)


def get_own_application_for(user: AnyUser, pk: int) -> ApplicationAccess:
    """The learner's own application, with what they may do; Http404 for anyone else's."""
    if not can_apply(user):
        raise Http404("No such application.")
    try:
        application = Application.objects.select_related("micro_credential__issuer").get(
            pk=pk, learner_id=user.pk
        )
    except Application.DoesNotExist:
        raise Http404("No such application.") from None
    # An assessor's rights never apply to one's own application.
    return _build_access(user, application, is_assigned=False)


def get_own_applications_for(
    user: AnyUser, applications: Iterable[Application]
) -> list[ApplicationAccess]:
    """The user's own applications among `applications`, each with what they may do.

    For a page of applications already fetched (list_applications_for_learner): no query of
    its own. Anyone else's application is left out.
    """
    return [
        _build_access(user, application, is_assigned=False)
        for application in applications
        if _is_applicant(user, application)
    ]


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


def list_assessor_users(application: Application) -> QuerySet[User]:
    """The assessors to tell about a (re)submission: assigned, active, not the learner."""
    return application.micro_credential.assessors.filter(
        is_active=True, role=User.Role.ASSESSOR
    ).exclude(pk=application.learner_id)
