"""Forms for the catalogue, the learner's credentials, revocation and the issuer's admin.

They check shape only; whether a user may revoke or change a credential is decided by
credentials.services.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from credentials import bulk_issuance
from credentials.models import (
    ContactRequest,
    Issuer,
    IssuerInvitation,
    MicroCredential,
    RubricCriterion,
    RubricLevel,
    SavedSearch,
)
from credentials.validators import BADGE_MIN_SIDE, validate_badge_image
from credentials.vc.baking import BakingError
from credentials.vc.verification import credential_from_file, describe_size, max_input_bytes
from portfolio.forms.ids import IdField
from portfolio.models import User

if TYPE_CHECKING:
    _MicroCredentialFormBase = forms.ModelForm[MicroCredential]
    _CriterionFormBase = forms.ModelForm[RubricCriterion]
    _InvitationFormBase = forms.ModelForm[IssuerInvitation]
    _IssuerChoiceField = forms.ModelChoiceField[Issuer]
    _LevelChoiceField = forms.ModelChoiceField[RubricLevel]
else:
    # Django's form classes are generic only in django-stubs; at run time they cannot be
    # subscripted.
    _MicroCredentialFormBase = _CriterionFormBase = _InvitationFormBase = forms.ModelForm
    _IssuerChoiceField = _LevelChoiceField = forms.ModelChoiceField


class ShareLinkForm(forms.Form):
    """A new share link: who it is for and the last day it works."""

    label = forms.CharField(
        label=_("Who is it for?"),
        max_length=120,
        help_text=_("Only you see this, e.g. “Acme Ltd, data analyst application”."),
    )
    expires_on = forms.DateField(
        label=_("Works until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day the link works, at most 90 days from today."),
    )


class ShareLinkRevokeForm(forms.Form):
    share_link = IdField(widget=forms.HiddenInput)


REVOKE_REASON_REQUIRED = _("Give a reason for revoking: it is shown with the credential.")


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Title or skill")}),
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", _("Any level")), *MicroCredential.Level.choices],
    )
    issuer = _IssuerChoiceField(
        label=_("Issuer"),
        required=False,
        queryset=Issuer.objects.none(),
        to_field_name="slug",
        empty_label=_("Any issuer"),
    )

    def __init__(self, *args: Any, issuers: QuerySet[Issuer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        issuer_field = self.fields["issuer"]
        if isinstance(issuer_field, forms.ModelChoiceField):
            issuer_field.queryset = issuers


class VisibilityForm(forms.Form):
    """One switch on /me/credentials/: show or hide one credential on the public page."""

    credential = forms.UUIDField(widget=forms.HiddenInput)
    is_shown_publicly = forms.BooleanField(required=False, widget=forms.HiddenInput)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Shown on the credential's public page, to the holder and to anyone who checks it."
        ),
        error_messages={"required": REVOKE_REASON_REQUIRED},
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(REVOKE_REASON_REQUIRED, code="required")
        return reason


class MicroCredentialAdminForm(_MicroCredentialFormBase):
    # A plain FileField, not an ImageField: the badge validator gives the precise reasons,
    # where ImageField would answer every refusal with one generic message first.
    badge_image = forms.FileField(
        label=_("Badge image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
        help_text=_("A square PNG, at least %(side)dx%(side)d pixels, up to 2 MB.")
        % {"side": BADGE_MIN_SIDE},
    )

    class Meta:
        model = MicroCredential
        # The status is changed by credentials.services.publish_micro_credential and
        # retire_micro_credential (the admin's actions), never by saving the form.
        exclude = ("status",)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        issuer = cleaned.get("issuer")
        assessors = cleaned.get("assessors")
        stacks_towards = cleaned.get("stacks_towards")
        if (
            isinstance(issuer, Issuer)
            and isinstance(stacks_towards, MicroCredential)
            and stacks_towards.issuer_id != issuer.pk
        ):
            # Only the awarding body can say what counts towards its own credentials.
            self.add_error(
                "stacks_towards",
                _("Choose one of %(issuer)s's own micro-credentials.") % {"issuer": issuer.name},
            )
        if isinstance(issuer, Issuer) and assessors is not None:
            # Whoever edits, the assessors of a micro-credential are its issuer's own.
            own = set(issuer.assessors.values_list("pk", flat=True))
            outsiders = sorted(user.email for user in assessors if user.pk not in own)
            if outsiders:
                self.add_error(
                    "assessors",
                    _(
                        "Not assessors of %(issuer)s: %(emails)s. Invite them to the issuer "
                        "first (Issuer invitations)."
                    )
                    % {"issuer": issuer.name, "emails": ", ".join(outsiders)},
                )
        return cleaned

    def clean_badge_image(self) -> object:
        value = self.cleaned_data.get("badge_image")
        if not isinstance(value, UploadedFile):
            # Unchanged (the stored file), cleared (False) or never set (None).
            return value
        # Stored re-encoded (no metadata, nothing hidden after the image data) and under a
        # random name, as evidence images are.
        badge = validate_badge_image(value)
        return ContentFile(badge.content, name=f"{uuid.uuid4().hex}.png")


class RubricCriterionAdminForm(_CriterionFormBase):
    """A criterion, whose required level can only be one of its own levels."""

    required_level = _LevelChoiceField(
        label=_("Required level"),
        queryset=RubricLevel.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("Choose one of this criterion's own levels as the required level.")
        },
    )

    class Meta:
        model = RubricCriterion
        fields = ("micro_credential", "position", "title", "description", "required_level")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("required_level")
        if not isinstance(field, forms.ModelChoiceField):
            return
        if self.instance._state.adding:
            field.help_text = _(
                "Save the criterion and add its levels first, then choose the level that passes."
            )
        else:
            field.queryset = RubricLevel.objects.filter(criterion=self.instance)
            field.help_text = _("The lowest level that passes this criterion.")

    def clean_required_level(self) -> RubricLevel | None:
        level: RubricLevel | None = self.cleaned_data.get("required_level")
        # The choices already hold only this criterion's levels; checking again keeps the
        # rule true whatever the queryset becomes.
        if level is not None and level.criterion_id != self.instance.pk:
            raise ValidationError(
                _("Choose one of this criterion's own levels as the required level."),
                code="foreign_level",
            )
        return level


class IssuerInvitationAdminForm(_InvitationFormBase):
    """Who to invite to which issuer, as what; credentials.services.invite_to_issuer sends it."""

    class Meta:
        model = IssuerInvitation
        fields = ("issuer", "email", "role")
        help_texts = {
            "email": _(
                "They accept on the site, signed in with this address and an account of the "
                "matching role; they are told in their inbox and by e-mail. An address without "
                "an account is e-mailed a link to sign up, which joins them as they do."
            )
        }

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        return email.strip().lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        issuer, email, role = cleaned.get("issuer"), cleaned.get("email"), cleaned.get("role")
        if isinstance(issuer, Issuer) and email and role:
            members = issuer.staff if role == IssuerInvitation.Role.STAFF else issuer.assessors
            if members.filter(email__iexact=email).exists():
                raise ValidationError(
                    _("%(email)s is already a member of %(issuer)s in this role.")
                    % {"email": email, "issuer": issuer.name}
                )
        return cleaned


class ContactRequestForm(forms.Form):
    """An employer's message to a learner; the service checks who may send it, and when."""

    organisation = forms.CharField(
        label=_("Your organisation"),
        max_length=ContactRequest.ORGANISATION_MAX_LENGTH,
        help_text=_("Shown to the learner with your name."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=ContactRequest.SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Message"),
        max_length=ContactRequest.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Up to %(max)s characters. Say who you are and why you are writing; the learner "
            "chooses whether to reply."
        )
        % {"max": ContactRequest.BODY_MAX_LENGTH},
    )


class ContactReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Your reply"),
        max_length=ContactRequest.REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Sent to the employer from %(site)s, without your e-mail address: include any contact "
            "details you want them to have."
        ),
    )

    def __init__(self, *args: Any, site_name: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reply"]
        field.help_text = str(field.help_text) % {"site": site_name}


class VerifyForm(forms.Form):
    """A credential link or identifier pasted to check; the view finds the credential."""

    credential = forms.CharField(
        label=_("Credential link or identifier"),
        max_length=500,
        widget=forms.TextInput(
            attrs={"placeholder": "https://…/c/…/", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=_("Paste the link to a credential's page, or the identifier at the end of it."),
    )


class FileCheckForm(forms.Form):
    """A file to compare with the evidence files a credential lists; kept only to hash it.

    No size check of its own: every upload is cut off at MAX_UPLOAD_BYTES as it streams in
    (config.upload_handlers), and no evidence file is larger.
    """

    file = forms.FileField(
        label=_("File"),
        help_text=_("The file is compared by its SHA-256 digest and is not kept."),
    )


class CredentialDocumentForm(forms.Form):
    """A credential to verify: pasted as JSON, or a JSON file; exactly one of the two.

    Only the size is checked here (VERIFY_MAX_BYTES); what the content is, the verifier says
    step by step (credentials.vc.verification), so a bad credential is a result, not an error.
    """

    document = forms.CharField(
        label=_("Paste the credential (JSON)"),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off", "class": "mono"}
        ),
        help_text=_("The whole credential, from { to }."),
    )
    file = forms.FileField(
        label=_("Or upload the credential file"),
        required=False,
        help_text=_("A .json file, or a baked badge image (PNG or SVG) with the credential in it."),
    )

    # What the uploaded file holds (clean_file): its JSON, or the credential baked in it.
    _file_content: str | bytes = b""

    def clean_document(self) -> str:
        document: str = self.cleaned_data["document"]
        self._check_size(len(document.encode("utf-8", "surrogatepass")))
        return document

    def clean_file(self) -> UploadedFile[bytes] | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data["file"]
        if upload is not None:
            self._check_size(upload.size or 0)
            try:
                self._file_content = credential_from_file(b"".join(upload.chunks()))
            except BakingError as error:
                raise ValidationError(str(error), code="not_baked") from error
        return upload

    def _check_size(self, size: int) -> None:
        limit = max_input_bytes()
        if size > limit:
            raise ValidationError(
                _("This credential is %(size)s; the verifier reads up to %(limit)s.")
                % {"size": describe_size(size), "limit": describe_size(limit)},
                code="too_large",
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        has_text = bool(cleaned.get("document", "").strip())
        has_file = cleaned.get("file") is not None
        if has_text == has_file:
            raise ValidationError(
                _("Paste a credential or choose its file (one of the two)."), code="one_input"
            )
        return cleaned

    def credential_content(self) -> str | bytes:
        """What to verify, once valid: the pasted text, or the file's bytes."""
        if self.cleaned_data.get("file") is not None:
            return self._file_content
        text: str = self.cleaned_data["document"]
        return text


class SavedSearchForm(forms.Form):
    """Save the directory search in `query` (its query string) under a name."""

    name = forms.CharField(
        label=_("Name this search"),
        max_length=SavedSearch.NAME_MAX_LENGTH,
        help_text=_("Once a day you get an e-mail listing the people who newly match it."),
    )
    # The directory page's query string; the service checks it with the directory's form.
    query = forms.CharField(
        required=False, max_length=SavedSearch.QUERY_MAX_LENGTH, widget=forms.HiddenInput
    )


class BulkIssuanceForm(forms.Form):
    """A list of learners to award a micro-credential to: a CSV file or pasted addresses.

    Checked whole before anything is issued (credentials.bulk_issuance.check_learner_list):
    the rows that cannot be issued are in `row_errors`, and the form is then invalid.
    """

    learner_file = forms.FileField(
        label=_("CSV file"),
        required=False,
        help_text=_(
            "One learner per row, their account's e-mail address in the first column (a "
            "header row is fine); UTF-8, up to 5,000 rows and 512 KB."
        ),
    )
    addresses = forms.CharField(
        label=_("Or paste addresses"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One e-mail address per line."),
    )

    def __init__(self, *args: Any, micro_credential: MicroCredential, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.micro_credential = micro_credential
        self.row_errors: list[bulk_issuance.RowError] = []
        self.learners: list[tuple[int, User]] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload: UploadedFile[bytes] | None = cleaned.get("learner_file")
        pasted: str = cleaned.get("addresses") or ""
        if self.errors:
            return cleaned
        if (upload is None) == (not pasted.strip()):
            raise ValidationError(_("Upload a CSV file or paste addresses (one of the two)."))
        if upload is not None:
            if upload.size is not None and upload.size > bulk_issuance.MAX_FILE_BYTES:
                raise ValidationError(
                    _("The file is %(size)s KB; a list may be at most %(limit)s KB.")
                    % {"size": upload.size // 1024, "limit": bulk_issuance.MAX_FILE_BYTES // 1024}
                )
            text = bulk_issuance.decode_learner_file(upload.read(bulk_issuance.MAX_FILE_BYTES + 1))
        else:
            text = pasted
        checked = bulk_issuance.check_learner_list(text, micro_credential=self.micro_credential)
        self.row_errors, self.learners = checked.errors, checked.learners
        if checked.errors:
            raise ValidationError(
                _(
                    "%(count)s of %(total)s rows cannot be issued, so nothing was issued. "
                    "Correct or remove them and send the list again."
                )
                % {
                    "count": len(checked.errors),
                    "total": len(checked.errors) + len(checked.learners),
                }
            )
        return cleaned
