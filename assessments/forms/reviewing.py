"""Forms for the assessor's pages: the queue's filters and the review decision.

They check shape only (a level chosen from the criterion's own scale, a known decision);
whether the decision is allowed is the services' call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms
from django.forms import BoundField

from assessments.models import Review
from assessments.selectors import CredentialQueueCount
from assessments.services.reviewing import ScoreInput
from credentials.models import RubricCriterion, RubricLevel

WAITING_CHOICES = [
    ("", "Any time"),
    ("1", "More than 1 day"),
    ("3", "More than 3 days"),
    ("7", "More than a week"),
    ("14", "More than 2 weeks"),
    ("30", "More than 30 days"),
]


class QueueFilterForm(forms.Form):
    """GET filters of the queue; the micro-credential choices are the assessor's own."""

    waiting = forms.TypedChoiceField(
        label="Waiting", choices=WAITING_CHOICES, coerce=int, required=False, empty_value=None
    )

    def __init__(
        self, data: Mapping[str, object] | None = None, *, counts: Sequence[CredentialQueueCount]
    ) -> None:
        super().__init__(data)
        self.fields["micro_credential"] = forms.TypedChoiceField(
            label="Micro-credential",
            choices=[
                ("", "All micro-credentials"),
                *((str(row.micro_credential_id), f"{row.title} ({row.waiting})") for row in counts),
            ],
            coerce=int,
            required=False,
            empty_value=None,
        )
        self.order_fields(["micro_credential", "waiting"])


def _label_level(criterion: RubricCriterion, level: RubricLevel) -> str:
    if level.pk == criterion.required_level_id:
        return f"{level.name} (required to pass)"
    return level.name


class ReviewForm(forms.Form):
    """A level and an optional comment per criterion, overall feedback and the decision."""

    feedback = forms.CharField(
        label="Feedback for the learner",
        help_text="Required when you request changes or reject.",
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=Review.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision."},
    )

    def __init__(
        self, data: Mapping[str, object] | None = None, *, criteria: Sequence[RubricCriterion]
    ) -> None:
        super().__init__(data)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[_name_level_field(criterion)] = forms.TypedChoiceField(
                label=f"Level for “{criterion.title}”",
                choices=[
                    (level.pk, _label_level(criterion, level)) for level in criterion.levels.all()
                ],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose a level for “{criterion.title}”."},
            )
            self.fields[_name_comment_field(criterion)] = forms.CharField(
                label=f"Comment on “{criterion.title}” (optional)",
                max_length=5_000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def get_criterion_fields(self, criterion: RubricCriterion) -> tuple[BoundField, BoundField]:
        """The level and comment fields of one criterion, for laying out beside its evidence."""
        return self[_name_level_field(criterion)], self[_name_comment_field(criterion)]

    def collect_scores(self) -> dict[int, ScoreInput]:
        """The cleaned levels and comments in the shape the review services take."""
        return {
            criterion.pk: ScoreInput(
                level_id=self.cleaned_data[_name_level_field(criterion)],
                comment=self.cleaned_data[_name_comment_field(criterion)],
            )
            for criterion in self.criteria
        }


def _name_level_field(criterion: RubricCriterion) -> str:
    return f"level_{criterion.pk}"


def _name_comment_field(criterion: RubricCriterion) -> str:
    return f"comment_{criterion.pk}"
