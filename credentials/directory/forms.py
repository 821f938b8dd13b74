"""The directory's search form: a query string in, DirectoryFilters and a cursor out.

Anything a URL can carry, of any length or encoding, ends as a form error naming the
field, never as a failed query: values are checked for shape before any is looked up.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from credentials.directory.search import Cursor, CursorError, DirectoryFilters, SortOrder
from credentials.models import Issuer, MicroCredential
from portfolio.models import Skill

if TYPE_CHECKING:
    _IssuerChoiceField = forms.ModelChoiceField[Issuer]
    _MicroCredentialChoiceField = forms.ModelChoiceField[MicroCredential]
    _SkillsChoiceField = forms.ModelMultipleChoiceField[Skill]
else:
    # Generic only in django-stubs; at run time they cannot be subscripted.
    _IssuerChoiceField = _MicroCredentialChoiceField = forms.ModelChoiceField
    _SkillsChoiceField = forms.ModelMultipleChoiceField

MAX_SKILLS = 10
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,120}$")


class SkillSlugsField(_SkillsChoiceField):
    """Several skills by slug; each must hold. Shape and number are checked before lookup."""

    def clean(self, value: Any) -> QuerySet[Skill]:
        values = value or []
        if not isinstance(values, list | tuple):
            values = [values]
        if len(values) > MAX_SKILLS:
            raise ValidationError(
                _("Choose at most %(max)d skills.") % {"max": MAX_SKILLS}, code="too_many"
            )
        for slug in values:
            if not isinstance(slug, str) or not _SLUG.match(slug):
                raise ValidationError(
                    _("“%(value)s” is not a skill of the catalogue.") % {"value": str(slug)[:60]},
                    code="invalid_choice",
                )
        return super().clean(list(dict.fromkeys(values)))


class SlugChoiceField(_IssuerChoiceField):
    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or not _SLUG.match(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class MicroCredentialSlugField(_MicroCredentialChoiceField):
    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or not _SLUG.match(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": _("Name, skill or credential")}),
    )
    skill = SkillSlugsField(
        label=_("Skills (each must hold)"),
        required=False,
        queryset=Skill.objects.none(),
        to_field_name="slug",
        error_messages={"invalid_choice": _("“%(value)s” is not a skill of the catalogue.")},
    )
    verified = forms.BooleanField(
        label=_("Verified skills only"),
        required=False,
        help_text=_(
            "Count only skills backed by a valid credential, not skills claimed on evidence."
        ),
    )
    issuer = SlugChoiceField(
        label=_("Issuer"),
        required=False,
        queryset=Issuer.objects.none(),
        to_field_name="slug",
        empty_label=_("Any issuer"),
        error_messages={"invalid_choice": _("Choose one of the issuers listed.")},
    )
    micro_credential = MicroCredentialSlugField(
        label=_("Micro-credential"),
        required=False,
        queryset=MicroCredential.objects.none(),
        to_field_name="slug",
        empty_label=_("Any micro-credential"),
        error_messages={"invalid_choice": _("Choose one of the micro-credentials listed.")},
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", _("Any level")), *MicroCredential.Level.choices],
    )
    location = forms.CharField(label=_("Location"), required=False, max_length=120)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            (SortOrder.RELEVANCE.value, _("Relevance")),
            (SortOrder.RECENT.value, _("Most recently credentialed")),
        ],
    )
    after = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)
    before = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        skills: QuerySet[Skill],
        issuers: QuerySet[Issuer],
        micro_credentials: QuerySet[MicroCredential],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("skill", skills),
            ("issuer", issuers),
            ("micro_credential", micro_credentials),
        ):
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = queryset

    def clean_after(self) -> Cursor | None:
        return self._cursor_of(self.cleaned_data["after"])

    def clean_before(self) -> Cursor | None:
        return self._cursor_of(self.cleaned_data["before"])

    @staticmethod
    def _cursor_of(text: str) -> Cursor | None:
        if not text:
            return None
        try:
            return Cursor.decode(text)
        except CursorError:
            raise ValidationError(
                _("This page link is broken; start again from the first page."), code="cursor"
            ) from None

    def filters(self) -> DirectoryFilters:
        """The cleaned search; call after is_valid(). Invalid fields count as not given."""
        data = self.cleaned_data
        return DirectoryFilters(
            query=data.get("q") or "",
            skills=tuple(data.get("skill") or ()),
            issuer=data.get("issuer"),
            micro_credential=data.get("micro_credential"),
            level=data.get("level") or "",
            location=(data.get("location") or "").strip(),
            verified_only=bool(data.get("verified")),
            sort=SortOrder(data.get("sort") or SortOrder.RELEVANCE),
        )

    def cursor(self) -> Cursor | None:
        """Where the page starts: after this row (the "Next" links)."""
        cursor: Cursor | None = self.cleaned_data.get("after")
        return cursor

    def before_cursor(self) -> Cursor | None:
        """Where the page ends: before this row (the "Previous" links)."""
        cursor: Cursor | None = self.cleaned_data.get("before")
        return cursor


class DirectoryQuickSearchForm(forms.Form):
    """The search box of the home page and the employer's dashboard; it opens /directory/."""

    q = forms.CharField(
        label=_("Find people by skill, name or credential"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": _("e.g. data visualisation")}),
    )
