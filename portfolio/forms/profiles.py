"""Forms for the learner's profile and portfolio curation: they check shape only.

Whether a slug is free and whether an item belongs to the learner is state, checked by
portfolio.services.profiles and portfolio.services.curation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portfolio.forms.ids import IdField
from portfolio.models import CredentialGrouping, EvidenceItem, LearnerProfile
from portfolio.services.profiles import check_profile_link, check_slug_shape
from portfolio.uploads import ALLOWED_IMAGES_TEXT, format_size_limit


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=120)
    headline = forms.CharField(
        label=_("Headline"),
        max_length=160,
        required=False,
        help_text=_("One line under your name, e.g. “Junior data analyst”."),
    )
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    bio = forms.CharField(
        label=_("Bio"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Plain text; line breaks are kept."),
    )
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
        help_text=_("A %(images)s image; it is resized to at most 512 pixels a side.")
        % {"images": ALLOWED_IMAGES_TEXT},
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)
    slug = forms.CharField(
        label=_("Public address"),
        max_length=80,
        help_text=_(
            "Your public page lives at /p/<address>/. Lowercase letters, numbers and hyphens."
        ),
    )
    is_public = forms.BooleanField(
        label=_("Profile is public"),
        required=False,
        help_text=_(
            "When on, anyone with the address can see your profile and the evidence you chose to show."
        ),
    )
    in_directory = forms.BooleanField(
        label=_("List me in the employers' directory"),
        required=False,
        help_text=_(
            "While your profile is public, employers can find it by skill. Turn this off to "
            "keep your page public only to people you give the address to."
        ),
    )
    is_indexable = forms.BooleanField(
        label=_("Let search engines list my public page"),
        required=False,
        help_text=_(
            "Off: your page asks search engines not to index it, so only people you give the "
            "address to find it."
        ),
    )
    website_url = forms.URLField(
        label=_("Website"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Shown on your public page, e.g. https://example.org/"),
    )
    linkedin_url = forms.URLField(
        label=_("LinkedIn profile"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("e.g. https://www.linkedin.com/in/your-name/"),
    )
    github_url = forms.URLField(
        label=_("GitHub profile"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("e.g. https://github.com/your-name"),
    )
    group_credentials_by = forms.ChoiceField(
        label=_("Group my credentials"),
        choices=CredentialGrouping.choices,
        initial=CredentialGrouping.ISSUER,
        # A form posted without it (an older page, a script) keeps the default grouping.
        required=False,
        help_text=_("How your public page lists your credentials."),
    )
    transcript_is_public = forms.BooleanField(
        label=_("Transcript is public"),
        required=False,
        help_text=_(
            "When on, and your profile is public, anyone can download a PDF transcript of the "
            "valid credentials your public page shows, from /p/<address>/transcript.pdf."
        ),
    )
    accepts_contact_requests = forms.BooleanField(
        label=_("Employers may contact me"),
        required=False,
        help_text=_(
            "Signed-in employers can send you a short message from your public page; you get it "
            "in your inbox and by e-mail and choose whether to reply. Your e-mail address is "
            "never shown to them."
        ),
    )

    def __init__(self, *args: Any, profile: LearnerProfile, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "display_name": profile.display_name,
                "headline": profile.headline,
                "location": profile.location,
                "bio": profile.bio,
                "slug": profile.slug,
                "is_public": profile.is_public,
                "in_directory": profile.in_directory,
                "is_indexable": profile.is_indexable,
                "website_url": profile.website_url,
                "linkedin_url": profile.linkedin_url,
                "github_url": profile.github_url,
                "group_credentials_by": profile.group_credentials_by,
                "transcript_is_public": profile.transcript_is_public,
                "accepts_contact_requests": profile.accepts_contact_requests,
            },
        )
        super().__init__(*args, **kwargs)
        # static/js/upload-limit.js refuses a larger file before the form is sent.
        avatar = self.fields["avatar"].widget.attrs
        avatar["data-max-bytes"] = str(settings.MAX_UPLOAD_BYTES)
        avatar["data-limit-text"] = format_size_limit(settings.MAX_UPLOAD_BYTES)
        if not profile.avatar:
            # Nothing to remove: the checkbox would only confuse.
            del self.fields["remove_avatar"]

    def clean_slug(self) -> str:
        # Addresses are compared lowercase; accept "Amara-Okafor" as the learner meant it.
        slug: str = self.cleaned_data["slug"].strip().lower()
        check_slug_shape(slug)
        return slug

    def clean_group_credentials_by(self) -> str:
        return str(self.cleaned_data["group_credentials_by"] or CredentialGrouping.ISSUER)

    def clean_website_url(self) -> str:
        return check_profile_link(self.cleaned_data["website_url"], site="website")

    def clean_linkedin_url(self) -> str:
        return check_profile_link(self.cleaned_data["linkedin_url"], site="linkedin")

    def clean_github_url(self) -> str:
        return check_profile_link(self.cleaned_data["github_url"], site="github")

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.cleaned_data.get("avatar") and self.cleaned_data.get("remove_avatar"):
            raise ValidationError(
                _("Choose a new avatar or remove the current one, not both."), code="both"
            )
        return cleaned


class CurationRowForm(forms.Form):
    """One row of the curation table: an item, whether it shows, and where."""

    item_id = IdField(widget=forms.HiddenInput)
    is_public = forms.BooleanField(label=_("Show on public page"), required=False)
    position = forms.IntegerField(
        label=_("Position"),
        required=False,
        min_value=1,
        max_value=9999,
        widget=forms.NumberInput(attrs={"class": "position-input"}),
    )

    def __init__(self, *args: Any, item: EvidenceItem | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        if item is not None:
            # The table's column headers are the visible labels; these name the row too.
            self.fields["is_public"].widget.attrs["aria-label"] = _(
                "Show “%(title)s” on the public page"
            ) % {"title": item.title}
            self.fields["position"].widget.attrs["aria-label"] = _("Position of “%(title)s”") % {
                "title": item.title
            }


if TYPE_CHECKING:
    _RowFormSet = forms.BaseFormSet[CurationRowForm]
else:
    # BaseFormSet is generic only in django-stubs; at run time it cannot be subscripted.
    _RowFormSet = forms.BaseFormSet


class CurationFormSet(_RowFormSet):
    """The curation table, one CurationRowForm per item of the learner's library."""

    # What formset_factory would set, written out so the type checker sees this class.
    form = CurationRowForm
    extra = 0
    min_num = 0
    max_num = 5000
    absolute_max = 5000
    can_order = False
    can_delete = False
    can_delete_extra = False
    validate_min = False
    validate_max = False
    renderer = None

    def __init__(self, *args: Any, items: list[EvidenceItem] | None = None, **kwargs: Any) -> None:
        self.items = items or []
        if not kwargs.get("data"):
            kwargs.setdefault(
                "initial",
                [
                    {
                        "item_id": item.pk,
                        "is_public": item.is_public,
                        "position": item.public_position if item.is_public else None,
                    }
                    for item in self.items
                ],
            )
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        # Rows follow the page's order; a library that changed in between is caught by the
        # service, which checks every submitted id.
        if index is not None and index < len(self.items):
            kwargs["item"] = self.items[index]
        return kwargs

    def public_ids_in_order(self) -> list[int]:
        """The ticked items, by position; unnumbered ones follow, in the table's order."""
        rows = [
            (form.cleaned_data.get("position"), index, form.cleaned_data["item_id"])
            for index, form in enumerate(self.forms)
            if form.cleaned_data.get("is_public")
        ]
        rows.sort(key=lambda row: (row[0] is None, row[0] or 0, row[1]))
        return [item_id for _position, _index, item_id in rows]
