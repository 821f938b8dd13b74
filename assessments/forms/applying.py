"""Forms for the learner's side of applying: they check shape only.

Field names match the arguments of assessments.services.applying.save_response, so a view
passes the cleaned data straight through. Whether a level or an evidence item may be used is
the service's decision, not the form's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from assessments.models import CriterionResponse
from portfolio.models import EvidenceItem


class EvidenceChoiceField(forms.TypedMultipleChoiceField):
    """Evidence ids as checkboxes; any whole number passes.

    The choices only draw the checklist. Ownership is checked by save_response, which
    refuses someone else's item with its own message, so the form must not refuse it first
    with a vaguer "not one of the available choices".
    """

    def valid_value(self, value: object) -> bool:
        return True


def describe_evidence(item: EvidenceItem) -> SafeString:
    """A checklist label: a thumbnail for images (an icon otherwise), the title and the kind."""
    if item.kind == EvidenceItem.Kind.IMAGE and item.thumbnail:
        media = format_html(
            '<img class="evidence-option-thumb" src="{}" alt="" loading="lazy">',
            reverse("portfolio:evidence-thumbnail", args=[item.pk]),
        )
    else:
        # The same SVG kind icons as the evidence library, not emoji (which every platform
        # draws differently, and screen readers announce).
        media = format_html(
            '<img class="evidence-option-thumb evidence-option-icon" src="{}" alt="">',
            static(f"img/kinds/{EvidenceItem.Kind(item.kind).value}.svg"),
        )
    return format_html(
        '{}<span class="evidence-option-text"><span class="evidence-option-title">{}</span>'
        ' <span class="evidence-option-kind">{}</span></span>',
        media,
        item.title,
        item.get_kind_display(),
    )


class CriterionResponseForm(forms.Form):
    """The learner's answer to one rubric criterion; prefixed by the criterion's id."""

    statement = forms.CharField(
        label=_("Your statement"),
        required=False,
        max_length=10_000,
        help_text=_("Explain how the evidence you link shows that you meet this criterion."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(
        self,
        data: Mapping[str, object] | None = None,
        *,
        response: CriterionResponse,
        evidence: Sequence[EvidenceItem],
    ) -> None:
        super().__init__(
            data,
            prefix=f"criterion-{response.criterion_id}",
            initial={
                "statement": response.statement,
                "self_assessed_level_id": response.self_assessed_level_id,
                "evidence_item_ids": [item.pk for item in response.evidence_items.all()],
            },
        )
        self.response = response
        # Levels and evidence come prefetched by the selectors: building choices costs no query.
        self.fields["self_assessed_level_id"] = forms.TypedChoiceField(
            label=_("Your self-assessment"),
            required=False,
            coerce=int,
            empty_value=None,
            choices=[
                ("", _("Not chosen")),
                *((level.pk, level.name) for level in response.criterion.levels.all()),
            ],
            help_text=_("Optional: the level you think your work reaches."),
        )
        self.fields["evidence_item_ids"] = EvidenceChoiceField(
            label=_("Evidence for this criterion"),
            required=False,
            coerce=int,
            choices=[(item.pk, describe_evidence(item)) for item in evidence],
            widget=forms.CheckboxSelectMultiple(attrs={"class": "evidence-options"}),
            help_text="" if evidence else _("Your evidence library is empty: add evidence first."),
        )

    @property
    def is_posted(self) -> bool:
        """Whether the POST carries this criterion at all (rather than an empty answer)."""
        return self.is_bound and self.add_prefix("statement") in self.data


class WithdrawForm(forms.Form):
    comment = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        required=False,
        max_length=2000,
        help_text=_("Kept in the application's history."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
