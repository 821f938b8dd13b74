"""Django admin for issuers: organisations, micro-credentials with their rubrics, and the
credentials they issued.

Issuer staff who are not superusers see only their own organisations' rows
(IssuerScopedAdminMixin, from credentials.permissions.managed_issuers). Issued
credentials are read-only here: revoking needs a reason and goes through the revoke page,
which calls credentials.services.revoke_credential.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import ForeignKey, ManyToManyField, Q, QuerySet, TextField
from django.forms import ModelChoiceField, ModelMultipleChoiceField, Textarea
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from credentials import permissions, services
from credentials.exceptions import CredentialError
from credentials.forms import (
    IssuerInvitationAdminForm,
    MicroCredentialAdminForm,
    RubricCriterionAdminForm,
)
from credentials.models import (
    CredentialDocument,
    IssuedCredential,
    Issuer,
    IssuerInvitation,
    MicroCredential,
    RubricCriterion,
    RubricLevel,
)
from credentials.vc.identity import NoSigningKey, active_key
from portfolio.models import User
from portfolio.permissions import AnyUser
from portfolio.refusals import show_as_message

if TYPE_CHECKING:
    # django-stubs makes these generic; Django's own classes are not subscriptable at run time.
    _IssuerAdminBase = admin.ModelAdmin[Issuer]
    _MicroCredentialAdminBase = admin.ModelAdmin[MicroCredential]
    _CriterionAdminBase = admin.ModelAdmin[RubricCriterion]
    _IssuedAdminBase = admin.ModelAdmin[IssuedCredential]
    _InvitationAdminBase = admin.ModelAdmin[IssuerInvitation]
    _CriterionInlineBase = admin.TabularInline[RubricCriterion, MicroCredential]
    _LevelInlineBase = admin.TabularInline[RubricLevel, RubricCriterion]
else:
    _IssuerAdminBase = _MicroCredentialAdminBase = _CriterionAdminBase = _IssuedAdminBase = (
        _InvitationAdminBase
    ) = admin.ModelAdmin
    _CriterionInlineBase = _LevelInlineBase = admin.TabularInline


if TYPE_CHECKING:
    _ScopedBase = admin.ModelAdmin[Any]
else:
    _ScopedBase = object


# What a foreign key to each of these may choose from: only what the user manages.
_SCOPED_CHOICES: dict[str, Callable[[AnyUser], QuerySet[Any]]] = {
    "issuer": permissions.managed_issuers,
    "micro_credential": permissions.managed_micro_credentials,
    # The form then keeps it to the micro-credential's own issuer.
    "stacks_towards": permissions.managed_micro_credentials,
}


class IssuerScopedAdminMixin(_ScopedBase):
    """Rows, and the choices of foreign keys, narrowed to the issuers the user manages.

    `issuer_path` is the lookup from the model to its issuer ("pk" for the issuer itself).
    Superusers manage every issuer, so they see everything (credentials.permissions).
    """

    issuer_path: ClassVar[str] = "issuer"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        managed = permissions.managed_issuers(request.user)
        return super().get_queryset(request).filter(**{f"{self.issuer_path}__in": managed})

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        choices = _SCOPED_CHOICES.get(db_field.name)
        if choices is not None:
            kwargs["queryset"] = choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Issuer)
class IssuerAdmin(IssuerScopedAdminMixin, _IssuerAdminBase):
    list_display = ("name", "slug", "url", "email")
    search_fields = ("name", "slug", "email")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("staff", "assessors")
    readonly_fields = ("created_at",)
    issuer_path = "pk"

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        # Issuer staff can remove their own people here; adding someone new is an
        # invitation (IssuerInvitationAdmin), so no other organisation's people are listed.
        if db_field.name == "staff":
            kwargs["queryset"] = permissions.people_choosable_for(
                request.user, role=User.Role.ISSUER_STAFF
            )
        if db_field.name == "assessors":
            kwargs["queryset"] = permissions.people_choosable_for(
                request.user, role=User.Role.ASSESSOR
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RubricCriterionInline(_CriterionInlineBase):
    """The rubric's criteria; each one's levels are edited on the criterion's own page.

    Django's admin has no nested inlines, so every row links to that page.
    """

    model = RubricCriterion
    form = RubricCriterionAdminForm
    fields = ("position", "title", "description", "required_level")
    ordering = ("position",)
    extra = 1
    show_change_link = True


@admin.register(MicroCredential)
class MicroCredentialAdmin(IssuerScopedAdminMixin, _MicroCredentialAdminBase):
    form = MicroCredentialAdminForm
    inlines = (RubricCriterionInline,)
    list_display = ("title", "issuer", "level", "status")
    list_filter = ("status", "level", "issuer")
    list_select_related = ("issuer",)
    search_fields = ("title", "slug", "summary", "skills__name")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("skills", "assessors")
    # The status changes only through the publish and retire actions, which call the
    # services (checked, and recorded as events); a new micro-credential starts as a draft.
    readonly_fields = ("status", "created_at", "updated_at")
    actions = ("publish_selected", "retire_selected")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "issuer",
                    "status",
                    "validity_months",
                    "badge_image",
                )
            },
        ),
        (
            _("What it certifies"),
            {
                "fields": (
                    "summary",
                    "description",
                    "learning_outcomes",
                    "criteria",
                    "evidence_expected",
                    "prerequisites",
                )
            },
        ),
        (
            # The elements of the Council Recommendation on micro-credentials (2022/C 243/02,
            # Annex I) that the fields above do not already state.
            _("As the EU recommendation on micro-credentials asks"),
            {
                "fields": (
                    "level",
                    "eqf_level",
                    "national_framework_level",
                    "estimated_hours",
                    "ects_credits",
                    "assessment_type",
                    "supervision",
                    "grading",
                    "participation",
                    "quality_assurance",
                    "stacks_towards",
                )
            },
        ),
        (_("Skills and assessors"), {"fields": ("skills", "assessors")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        # Only the issuer's own assessors can be assigned (the form checks which issuer);
        # anyone else is invited to the issuer first.
        if db_field.name == "assessors":
            kwargs["queryset"] = permissions.people_choosable_for(
                request.user, role=User.Role.ASSESSOR
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: MicroCredential, form: Any, change: bool
    ) -> None:
        if not change:
            # A new micro-credential is a draft: nobody holds it or finds it yet.
            super().save_model(request, obj, form, change)
            return
        if not isinstance(request.user, User):
            raise PermissionDenied
        # Through the service, inside the admin's transaction: the event it records brings
        # the holders' directory entries and public pages up to date once the skills and
        # rubric (saved next, by save_related) are committed with it.
        services.update_micro_credential(
            micro_credential=obj, by=request.user, changed_fields=form.changed_data
        )

    def view_on_site(self, obj: MicroCredential) -> str:
        return reverse("credentials:micro-credential-detail", args=[obj.slug])

    @admin.action(description=_("Publish the selected micro-credentials"), permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[MicroCredential]) -> None:
        self._change_status(
            request, queryset, services.publish_micro_credential, str(_("Published: %(titles)s."))
        )

    @admin.action(description=_("Retire the selected micro-credentials"), permissions=["change"])
    def retire_selected(self, request: HttpRequest, queryset: QuerySet[MicroCredential]) -> None:
        self._change_status(
            request, queryset, services.retire_micro_credential, str(_("Retired: %(titles)s."))
        )

    def _change_status(
        self,
        request: HttpRequest,
        queryset: QuerySet[MicroCredential],
        service: Callable[..., MicroCredential],
        done: str,
    ) -> None:
        if not isinstance(request.user, User):
            raise PermissionDenied
        changed = []
        # One service call each: every change is checked and recorded on its own, and one
        # refusal leaves the others done.
        for micro_credential in queryset.order_by("title"):
            try:
                service(micro_credential_id=micro_credential.pk, by=request.user)
            except CredentialError as refused:
                show_as_message(request, refused)
            else:
                changed.append(micro_credential.title)
        if changed:
            messages.success(request, done % {"titles": ", ".join(changed)})


class RubricLevelInline(_LevelInlineBase):
    model = RubricLevel
    fields = ("position", "name", "description")
    ordering = ("position",)
    extra = 1
    formfield_overrides = {TextField: {"widget": Textarea(attrs={"rows": 2})}}


@admin.register(RubricCriterion)
class RubricCriterionAdmin(IssuerScopedAdminMixin, _CriterionAdminBase):
    form = RubricCriterionAdminForm
    inlines = (RubricLevelInline,)
    fields = ("micro_credential", "position", "title", "description", "required_level")
    list_display = ("title", "micro_credential", "position", "required_level")
    list_select_related = ("micro_credential", "required_level")
    list_filter = ("micro_credential__issuer",)
    search_fields = ("title", "micro_credential__title")
    ordering = ("micro_credential__title", "position")
    issuer_path = "micro_credential__issuer"

    def get_readonly_fields(
        self, request: HttpRequest, obj: RubricCriterion | None = None
    ) -> list[str] | tuple[Any, ...]:
        # Moving a criterion to another micro-credential would strand its applications'
        # answers and scores, which point at it.
        return ("micro_credential",) if obj is not None else ()


class CredentialStatusFilter(admin.SimpleListFilter):
    """Valid, expired or revoked: derived from the dates, as the model derives it."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(status.value, str(status.label)) for status in IssuedCredential.Status]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        now = timezone.now()
        not_expired = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        if self.value() == IssuedCredential.Status.VALID:
            return queryset.filter(not_expired, revoked_at__isnull=True)
        if self.value() == IssuedCredential.Status.EXPIRED:
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == IssuedCredential.Status.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(IssuedCredential)
class IssuedCredentialAdmin(IssuerScopedAdminMixin, _IssuedAdminBase):
    """Read-only: credentials are issued by approving an application and revoked, with a
    reason, on the revoke page."""

    list_display = ("micro_credential", "learner", "issued_at", "status_label", "links")
    list_select_related = ("micro_credential", "learner", "issuer")
    list_filter = (CredentialStatusFilter, "issuer")
    search_fields = ("learner__email", "micro_credential__title", "=public_id")
    date_hierarchy = "issued_at"
    fields = (
        "public_id",
        "micro_credential",
        "issuer",
        "learner",
        "assessor",
        "award_reference",
        "issued_at",
        "expires_at",
        "status_label",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
        "is_shown_publicly",
        "evidence_snapshot",
        "rubric_results",
        "signed_document",
        "links",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: IssuedCredential | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: IssuedCredential | None = None
    ) -> bool:
        return False

    @admin.display(description=_("status"))
    def status_label(self, credential: IssuedCredential) -> str:
        return str(credential.status.label)

    @admin.display(description=_("signed document"))
    def signed_document(self, credential: IssuedCredential) -> str:
        # Until it is signed, the credential is not offered as verifiable: say why.
        if credential.documents.filter(format=CredentialDocument.Format.OPEN_BADGES_3_0).exists():
            url = reverse("credentials:credential-document", args=[credential.public_id])
            return format_html('Signed (Open Badges 3.0). <a href="{}">Download</a>', url)
        try:
            active_key(credential.issuer)
        except NoSigningKey as error:
            return f"Not signed, so not verifiable: {error} Then `manage.py sign_credentials` signs it."
        return (
            "Not signed yet, so not verifiable: signing is queued after issue; "
            "`manage.py sign_credentials` signs it now (and says why if it cannot)."
        )

    @admin.display(description=_("links"))
    def links(self, credential: IssuedCredential) -> str:
        page = reverse("credentials:credential-detail", args=[credential.public_id])
        if credential.revoked_at is not None:
            return format_html('<a href="{}">Public page</a>', page)
        revoke = reverse("credentials:credential-revoke", args=[credential.public_id])
        return format_html('<a href="{}">Public page</a> · <a href="{}">Revoke…</a>', page, revoke)


@admin.register(IssuerInvitation)
class IssuerInvitationAdmin(IssuerScopedAdminMixin, _InvitationAdminBase):
    """Invite someone to join an issuer; they accept on the site (credentials.views.invitations).

    Invitations are written by credentials.services.invite_to_issuer, never saved directly,
    and cannot be edited; deleting an open one withdraws it.
    """

    form = IssuerInvitationAdminForm
    list_display = ("email", "issuer", "role", "invited_by", "created_at", "state")
    list_filter = ("role", "issuer")
    list_select_related = ("issuer", "invited_by")
    search_fields = ("email",)
    fields = ("issuer", "email", "role")

    def has_change_permission(
        self, request: HttpRequest, obj: IssuerInvitation | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: IssuerInvitation, form: Any, change: bool
    ) -> None:
        # The form has checked the issuer and membership; the service checks again, inside
        # the admin's transaction, and a refusal there (a race) rolls it back and is shown
        # on the add page by portfolio.refusals.RefusalMiddleware.
        if not isinstance(request.user, User):
            raise PermissionDenied
        invitation = services.invite_to_issuer(
            issuer_id=obj.issuer_id, email=obj.email, role=obj.role, by=request.user
        )
        obj.pk = invitation.pk

    @admin.display(description=_("state"))
    def state(self, invitation: IssuerInvitation) -> str:
        if invitation.accepted_at is not None:
            return str(_("Accepted"))
        if invitation.expires_at <= timezone.now():
            return str(_("Expired"))
        return str(_("Open"))
