"""Forms for the evidence library: one per kind, checking shape only.

Field names match the arguments of portfolio.services.evidence, whose refusals are keyed by
them, so a view can attach a service's ValidationError to the right field. No form saves
anything: the views pass cleaned data to the services.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from itertools import groupby
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.formats import date_format

from portfolio.models import EvidenceItem, Skill, User
from portfolio.services.evidence import LINK_SCHEMES, check_upload_fits_kind, link_error_message
from portfolio.uploads import (
    ALLOWED_FILES_TEXT,
    ALLOWED_IMAGES_TEXT,
    IMAGE_FORMATS,
    format_size_limit,
    inspect_upload,
    read_upload,
)

if TYPE_CHECKING:
    from django.forms.models import ModelChoiceIteratorValue

    _SkillIterator = ModelChoiceIterator[Skill]
    _SkillChoices = forms.ModelMultipleChoiceField[Skill]
else:
    # Django's classes are not subscriptable at run time; only the type checker needs it.
    _SkillIterator = ModelChoiceIterator
    _SkillChoices = forms.ModelMultipleChoiceField

_IMAGE_ACCEPT = ",".join(content_type for content_type, _ext, _label in IMAGE_FORMATS.values())
# A hint for the browser's file picker only; the content decides what is accepted.
_FILE_ACCEPT = ".pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,.txt,.md,.csv," + _IMAGE_ACCEPT


class _GroupedSkillIterator(_SkillIterator):
    """Skills as option groups, one per framework, in one query."""

    def __iter__(self) -> Iterator[tuple[str, list[tuple[ModelChoiceIteratorValue, str]]]]:  # type: ignore[override]  # Django accepts grouped choices here
        queryset = self.queryset.select_related("framework").order_by("framework__name", "name")
        for framework, skills in groupby(queryset, key=lambda skill: skill.framework):
            yield framework.name, [self.choice(skill) for skill in skills]


class SkillsField(_SkillChoices):
    iterator = _GroupedSkillIterator


def _skills_field() -> SkillsField:
    return SkillsField(
        queryset=Skill.objects.all(),
        required=False,
        label="Skills shown by this work",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-groups"}),
    )


# Dates are written as the rest of the site shows them ("14 March 2026"). A browser's date
# picker would show the visitor's system format instead (03/14/2026 in a US English browser),
# so the field is text; ISO and day/month/year numbers are accepted too.
DATE_INPUT_FORMATS = ["%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]


class SiteDateInput(forms.DateInput):
    def __init__(self) -> None:
        super().__init__(attrs={"autocomplete": "off", "inputmode": "text"})

    def format_value(self, value: object) -> str | None:
        if isinstance(value, date):
            return date_format(value, "j F Y")
        return super().format_value(value)


class EvidenceForm(forms.Form):
    """What every kind of evidence has."""

    title = forms.CharField(max_length=200, label="Title")
    description = forms.CharField(
        max_length=5000,
        required=False,
        label="Description",
        help_text="What the work was, and your part in it.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    work_done_on = forms.DateField(
        required=False,
        label="Date of the work",
        help_text="For example, 14 March 2026.",
        input_formats=DATE_INPUT_FORMATS,
        widget=SiteDateInput(),
        error_messages={"invalid": "Enter a date such as 14 March 2026."},
    )

    field_order = ["title", "upload", "url", "body", "description", "work_done_on", "skills"]

    def __init__(self, *args: object, creating: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # passed straight through
        self.fields["skills"] = _skills_field()
        if creating:
            # A new token each time the add form is rendered; sending the same page twice
            # sends the same token, and create_evidence makes one item per token.
            self.fields["submission_token"] = forms.UUIDField(
                widget=forms.HiddenInput,
                required=False,
                initial=uuid.uuid4,
                error_messages={
                    "invalid": "This form was not one we sent. Reload the page and add the "
                    "evidence again."
                },
            )
        self.order_fields(self.field_order)


class UploadEvidenceForm(EvidenceForm):
    """File and image evidence. On edit the upload is optional: without one the file stays."""

    upload = forms.FileField(widget=forms.FileInput)

    def __init__(
        self,
        *args: object,
        kind: str,
        replacing: bool = False,
        creating: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, creating=creating, **kwargs)
        self.kind = kind
        limit = format_size_limit(settings.MAX_UPLOAD_BYTES)
        field = self.fields["upload"]
        field.required = not replacing
        # static/js/upload-limit.js refuses a larger file before the form is sent.
        field.widget.attrs["data-max-bytes"] = str(settings.MAX_UPLOAD_BYTES)
        field.widget.attrs["data-limit-text"] = limit
        if kind == EvidenceItem.Kind.IMAGE:
            field.label = "Replace the image" if replacing else "Image"
            field.help_text = (
                f"{ALLOWED_IMAGES_TEXT}, up to {limit}. "
                "Location and camera details are removed before it is stored."
            )
            field.widget.attrs["accept"] = _IMAGE_ACCEPT
        else:
            field.label = "Replace the file" if replacing else "File"
            field.help_text = (
                f"{ALLOWED_FILES_TEXT}, or an image ({ALLOWED_IMAGES_TEXT}); up to {limit}."
            )
            field.widget.attrs["accept"] = _FILE_ACCEPT
        if replacing:
            field.help_text += " Leave empty to keep the current file."

    def clean_upload(self) -> UploadedFile[bytes] | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data["upload"]
        if upload is None:
            return None
        inspected = inspect_upload(read_upload(upload), original_name=upload.name or "")
        check_upload_fits_kind(kind=self.kind, inspected=inspected)
        return upload


class _WebLinkField(forms.URLField):
    # Replaces Django's default validator (which also allows ftp:) so one clear message shows.
    default_validators = [URLValidator(schemes=list(LINK_SCHEMES))]

    def run_validators(self, value: str | None) -> None:
        try:
            super().run_validators(value)
        except forms.ValidationError:
            raise forms.ValidationError(link_error_message(), code="invalid") from None


class LinkEvidenceForm(EvidenceForm):
    url = _WebLinkField(
        max_length=2000,
        label="Link",
        assume_scheme="https",
        help_text="The web address of the work: a repository, an article, a video.",
    )


class ReflectionEvidenceForm(EvidenceForm):
    body = forms.CharField(
        max_length=50_000,
        label="Reflection",
        strip=False,
        help_text=(
            "Plain text or Markdown: **bold**, *italic*, lists, [links](https://example.org) "
            "and tables."
        ),
        widget=forms.Textarea(attrs={"rows": 14}),
    )


def build_evidence_form(
    kind: str,
    *,
    item: EvidenceItem | None = None,
    data: object = None,
    files: object = None,
) -> EvidenceForm:
    """The form for a kind of evidence, bound to the request data and filled from the item."""
    initial: dict[str, object] | None = None
    if item is not None:
        initial = {
            "title": item.title,
            "description": item.description,
            "work_done_on": item.work_done_on,
            "skills": [skill.pk for skill in item.skills.all()],
            "url": item.url,
            "body": item.body,
        }
    creating = item is None
    if kind in {EvidenceItem.Kind.FILE, EvidenceItem.Kind.IMAGE}:
        return UploadEvidenceForm(
            data, files, initial=initial, kind=kind, replacing=not creating, creating=creating
        )
    if kind == EvidenceItem.Kind.LINK:
        return LinkEvidenceForm(data, files, initial=initial, creating=creating)
    return ReflectionEvidenceForm(data, files, initial=initial, creating=creating)


class EvidenceFilterForm(forms.Form):
    """The evidence list's filters, read from the query string."""

    kind = forms.ChoiceField(
        required=False,
        label="Kind",
        choices=[("", "All kinds"), *EvidenceItem.Kind.choices],
    )
    skill = forms.ModelChoiceField(
        queryset=Skill.objects.none(),
        required=False,
        label="Skill",
        to_field_name="slug",
        empty_label="All skills",
    )

    def __init__(self, *args: object, owner: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # passed straight through
        field = self.fields["skill"]
        if isinstance(field, forms.ModelChoiceField):
            # Only skills the learner has tagged: a filter that can only come back empty helps no one.
            field.queryset = list_owner_skills(owner)


def list_owner_skills(owner: User) -> QuerySet[Skill]:
    return (
        Skill.objects.filter(evidence_items__owner=owner).distinct().only("id", "name", "slug")
    ).order_by("name")
