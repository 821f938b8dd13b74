from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portfolio.storage import private_storage


class ApplicationQuerySet(models.QuerySet["Application"]):
    def open(self) -> ApplicationQuerySet:
        return self.filter(status__in=Application.OPEN_STATUSES)

    def awaiting_review(self) -> ApplicationQuerySet:
        return self.filter(status__in=Application.QUEUE_STATUSES)


class Application(models.Model):
    """A learner's application for one micro-credential, carried through review."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = ("draft", "submitted", "in_review", "changes_requested", "resubmitted")
    QUEUE_STATUSES = ("submitted", "resubmitted")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    micro_credential = models.ForeignKey(
        "credentials.MicroCredential", on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Each submission opens a new round; evidence and statements are frozen per round.
    round = models.PositiveSmallIntegerField(default=0)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_applications",
    )
    credential = models.OneToOneField(
        "credentials.IssuedCredential",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="application_queue_idx"),
            models.Index(
                fields=["micro_credential", "status", "submitted_at"],
                name="application_mc_queue_idx",
            ),
            models.Index(fields=["learner", "-updated_at"], name="application_learner_idx"),
            models.Index(fields=["assessor", "status"], name="application_assessor_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "micro_credential"],
                condition=Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "in_review",
                        "changes_requested",
                        "resubmitted",
                    ]
                ),
                name="application_one_open_per_learner",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "in_review",
                        "changes_requested",
                        "resubmitted",
                        "approved",
                        "rejected",
                        "withdrawn",
                    ]
                ),
                name="application_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} → {self.micro_credential}"


class CriterionResponse(models.Model):
    """The learner's working answer for one rubric criterion, editable while a draft."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="responses")
    criterion = models.ForeignKey(
        "credentials.RubricCriterion", on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField(blank=True, max_length=10_000)
    self_assessed_level = models.ForeignKey(
        "credentials.RubricLevel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence_items = models.ManyToManyField("portfolio.EvidenceItem", blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"], name="response_unique_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} / {self.criterion}"


class SubmittedEvidence(models.Model):
    """A frozen copy of one evidence item as it stood when a round was submitted.

    We snapshot rather than block deletion: learners keep full control of their library,
    while the assessor (and the credential) always see exactly what was submitted. The
    stored file is copied once per distinct content (fingerprint), not once per round.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="submitted_evidence"
    )
    round = models.PositiveSmallIntegerField()
    source_item = models.ForeignKey(
        "portfolio.EvidenceItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fingerprint = models.CharField(max_length=64)
    kind = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    work_done_on = models.DateField(null=True, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    body = models.TextField(blank=True)
    file = models.FileField(
        storage=private_storage, upload_to="submitted/", blank=True, max_length=255
    )
    thumbnail = models.ImageField(
        storage=private_storage, upload_to="submitted/", blank=True, max_length=255
    )
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    skill_names = models.JSONField(default=list, blank=True)
    # Hex SHA-256 of `file` as frozen, so anyone holding the file can check it against the
    # credential that cites it. Blank for evidence without a file.
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["application", "round"], name="submitted_evidence_round_idx")
        ]

    def __str__(self) -> str:
        return f"{self.title} (round {self.round})"


class SubmittedStatement(models.Model):
    """The learner's statement for one criterion in one round, linked to frozen evidence."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="submitted_statements"
    )
    round = models.PositiveSmallIntegerField()
    criterion = models.ForeignKey(
        "credentials.RubricCriterion", on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField(blank=True)
    self_assessed_level = models.ForeignKey(
        "credentials.RubricLevel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence = models.ManyToManyField(SubmittedEvidence, blank=True, related_name="statements")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "round", "criterion"],
                name="statement_unique_round_criterion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion} (round {self.round})"


class Review(models.Model):
    """An assessor's decision on one round, with a level per criterion."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REQUEST_CHANGES = "request_changes", _("Request changes")
        REJECT = "reject", _("Reject")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveSmallIntegerField()
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    feedback = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "round"], name="review_one_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} (round {self.round})"


class CriterionScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        "credentials.RubricCriterion", on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey("credentials.RubricLevel", on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_unique_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.level}"
