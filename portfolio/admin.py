"""Django admin for the portfolio: users and roles, profiles, the skills catalogue, evidence.

Every changelist selects its related rows up front, so a page costs the same number of
queries however many rows it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portfolio.models import (
    Event,
    EvidenceItem,
    LearnerProfile,
    Notification,
    Skill,
    SkillFramework,
    User,
)
from portfolio.permissions import can_edit_skills_catalogue, can_keep_portfolio
from portfolio.services.accounts import (
    change_role,
    create_user,
    set_staff_status,
    set_superuser_status,
    set_user_active,
)
from portfolio.services.curation import unpublish_evidence
from portfolio.services.notifications import resend_failed_emails
from portfolio.services.profiles import ensure_profile

if TYPE_CHECKING:
    # django-stubs makes these classes generic, but Django's own are not subscriptable at run
    # time (nothing calls django_stubs_ext.monkeypatch()), so only the type checker sees the
    # parameters.
    _UserAdminBase = DjangoUserAdmin[User]
    _UserChangeFormBase = UserChangeForm[User]
    _ProfileAdminBase = admin.ModelAdmin[LearnerProfile]
    _FrameworkAdminBase = admin.ModelAdmin[SkillFramework]
    _SkillAdminBase = admin.ModelAdmin[Skill]
    _EvidenceAdminBase = admin.ModelAdmin[EvidenceItem]
    _NotificationAdminBase = admin.ModelAdmin[Notification]
    _EventAdminBase = admin.ModelAdmin[Event]
else:
    _UserAdminBase = DjangoUserAdmin
    _UserChangeFormBase = UserChangeForm
    _ProfileAdminBase = _FrameworkAdminBase = _SkillAdminBase = _EvidenceAdminBase = (
        _NotificationAdminBase
    ) = _EventAdminBase = admin.ModelAdmin


def _clean_email(email: str, user: User) -> str:
    # allauth stores and looks up addresses in lower case, so two accounts differing only in
    # case would make logins ambiguous.
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError(_("A user with this e-mail address already exists."))
    return email


class UserCreationForm(AdminUserCreationForm[User]):
    class Meta:
        model = User
        fields = ("email", "role")
        field_classes: dict[str, type] = {}

    def clean_email(self) -> str:
        return _clean_email(self.cleaned_data["email"], self.instance)


class UserEditForm(_UserChangeFormBase):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return _clean_email(self.cleaned_data["email"], self.instance)


@admin.register(User)
class UserAdmin(_UserAdminBase):
    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Role and permissions"),
            {
                "fields": (
                    "role",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "role", "is_staff", "is_active", "date_joined")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # The admin lets only signed-in staff in; a refusal of any service below rolls the
        # whole form back (it runs in the admin's transaction) and is shown by
        # portfolio.refusals.RefusalMiddleware.
        if not isinstance(request.user, User):
            raise PermissionDenied
        by = request.user
        if change:
            self._save_changed_user(request, obj, form, by=by)
        else:
            self._create_user(obj, form, by=by)
        # Learners made here get the same private profile that sign-up gives them.
        if can_keep_portfolio(obj):
            ensure_profile(user=obj, by=by)

    def _create_user(self, obj: User, form: Any, *, by: User) -> None:
        data = form.cleaned_data
        password = data["password1"] if data.get("set_usable_password") else None
        created = create_user(by=by, email=obj.email, role=obj.role, password=password)
        # The admin goes on with the form's instance (its log entry, the redirect).
        obj.pk, obj.password = created.pk, created.password
        obj._state.adding, obj._state.db = False, created._state.db

    def _save_changed_user(self, request: HttpRequest, obj: User, form: Any, *, by: User) -> None:
        # These change through portfolio.services.accounts, which records who changed them;
        # the form saves everything else.
        changed = {
            name: getattr(obj, name)
            for name in ("role", "is_active", "is_staff", "is_superuser")
            if name in form.changed_data
        }
        for name in changed:
            setattr(obj, name, form.initial[name])
        super().save_model(request, obj, form, True)
        if "role" in changed:
            obj.role = change_role(by=by, user_id=obj.pk, role=changed["role"]).role
        if "is_active" in changed:
            obj.is_active = set_user_active(
                by=by, user_id=obj.pk, is_active=changed["is_active"]
            ).is_active
        if "is_staff" in changed:
            obj.is_staff = set_staff_status(
                by=by, user_id=obj.pk, is_staff=changed["is_staff"]
            ).is_staff
        if "is_superuser" in changed:
            obj.is_superuser = set_superuser_status(
                by=by, user_id=obj.pk, is_superuser=changed["is_superuser"]
            ).is_superuser


@admin.register(LearnerProfile)
class LearnerProfileAdmin(_ProfileAdminBase):
    list_display = ("display_name", "slug", "user", "is_public", "updated_at")
    list_filter = ("is_public",)
    list_select_related = ("user",)
    search_fields = ("display_name", "slug", "user__email")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")


class SkillsCatalogueEditing:
    """Read-only for everyone but the catalogue's owners (portfolio.permissions)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_edit_skills_catalogue(request.user)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return can_edit_skills_catalogue(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return can_edit_skills_catalogue(request.user)


@admin.register(SkillFramework)
class SkillFrameworkAdmin(SkillsCatalogueEditing, _FrameworkAdminBase):
    list_display = ("name", "slug", "publisher", "skills_link")
    search_fields = ("name", "slug", "publisher")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("skills_link",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[SkillFramework]:
        return super().get_queryset(request).annotate(skill_count=Count("skills"))

    # A framework can hold thousands of skills (ESCO has over 13,000), far too many for an
    # inline: link to the Skill changelist filtered to this framework instead.
    @admin.display(description=_("skills"), ordering="skill_count")
    def skills_link(self, framework: SkillFramework) -> str:
        if framework._state.adding:  # the add form has no skills to link to yet
            return "-"
        count = getattr(framework, "skill_count", None)
        if count is None:
            count = framework.skills.count()
        url = reverse("admin:portfolio_skill_changelist")
        return format_html(
            '<a href="{}?framework__id__exact={}">{} skills</a>', url, framework.pk, count
        )


@admin.register(Skill)
class SkillAdmin(SkillsCatalogueEditing, _SkillAdminBase):
    list_display = ("name", "code", "framework", "uri")
    list_filter = ("framework",)
    list_select_related = ("framework",)
    search_fields = ("name", "code")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)


@admin.register(EvidenceItem)
class EvidenceItemAdmin(_EvidenceAdminBase):
    """Read-mostly: staff can take an item off a public page, nothing else.

    Evidence is added, edited and deleted only by its owner through portfolio.services.evidence,
    which checks uploads and removes stored files; the admin never writes files, so adding and
    deleting are off here.
    """

    list_display = ("title", "owner", "kind", "is_public", "created_at")
    list_filter = ("kind", "is_public")
    list_select_related = ("owner",)
    search_fields = ("title", "owner__email")
    date_hierarchy = "created_at"
    fields = (
        "owner",
        "kind",
        "title",
        "description",
        "work_done_on",
        "skill_names",
        "stored_file",
        "url",
        "body",
        "is_public",
        "public_position",
        "created_at",
        "updated_at",
    )
    readonly_fields = tuple(name for name in fields if name != "is_public")

    def get_readonly_fields(
        self, request: HttpRequest, obj: EvidenceItem | None = None
    ) -> tuple[str, ...]:
        # Showing an item is its owner's choice: staff can only untick a public one.
        if obj is None or not obj.is_public:
            return self.fields
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: EvidenceItem, form: Any, change: bool) -> None:
        # is_public is the only field the form can change, and only to False.
        if "is_public" not in form.changed_data or obj.is_public:
            return
        if not isinstance(request.user, User):  # the admin lets only signed-in staff in
            raise PermissionDenied
        unpublish_evidence(by=request.user, item_id=obj.pk)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EvidenceItem | None = None) -> bool:
        return False

    @admin.display(description=_("skills"))
    def skill_names(self, item: EvidenceItem) -> str:
        return ", ".join(skill.name for skill in item.skills.all()) or "-"

    # Shown as text, never as a link: evidence files have no public URL and are served only
    # by the permission-checking views.
    @admin.display(description=_("file"))
    def stored_file(self, item: EvidenceItem) -> str:
        if not item.file:
            return "-"
        size = filesizeformat(item.file_size) if item.file_size is not None else "?"
        thumbnail = ", with thumbnail" if item.thumbnail else ""
        return f"{item.original_filename} ({item.content_type}, {size}{thumbnail})"


@admin.register(Notification)
class NotificationAdmin(_NotificationAdminBase):
    """The e-mail outbox, read-only: staff find e-mails that failed and send them again.

    Rows are written only by portfolio.services.notifications; the one change allowed here
    is the resend action, which goes through that service.
    """

    list_display = (
        "subject",
        "addressee",
        "kind",
        "created_at",
        "email_state",
        "email_attempts",
        "last_email_error",
    )
    list_filter = ("email_state", "kind")
    list_select_related = ("recipient",)
    search_fields = ("subject", "recipient__email", "to_address")
    date_hierarchy = "created_at"
    actions = ("resend_email",)
    fields = (
        "recipient",
        "to_address",
        "kind",
        "subject",
        "link",
        "created_at",
        "read_at",
        "email_state",
        "email_attempts",
        "emailed_at",
        "next_attempt_at",
        "sending_until",
        "give_up_at",
        "last_email_error",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("to"), ordering="recipient__email")
    def addressee(self, notification: Notification) -> str:
        # An invitation to sign up goes to an address that has no account yet.
        if notification.recipient is not None:
            return notification.recipient.email
        return notification.to_address

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    @admin.action(description=_("Send the e-mail again (failed ones only)"), permissions=["change"])
    def resend_email(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        if not isinstance(request.user, User):  # the admin lets only signed-in staff in
            raise PermissionDenied
        queued = resend_failed_emails(notification_ids=selected, by=request.user)
        skipped = len(selected) - queued
        self.message_user(
            request,
            ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", queued)
            % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected e-mail was not failed and was left alone.",
                    "%(count)d selected e-mails were not failed and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(Event)
class EventAdmin(_EventAdminBase):
    """The audit log, for site administrators only, and read-only for them too.

    Rows are written only by portfolio.events.record_event; nobody edits or deletes one.
    """

    list_display = ("created_at", "verb", "actor_label", "target_type", "target_id", "scope")
    list_filter = ("verb",)
    search_fields = ("verb", "actor_label", "scope")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "verb",
        "actor",
        "actor_label",
        "target_type",
        "target_id",
        "owner",
        "scope",
        "payload",
    )
    readonly_fields = fields
    list_select_related = ("actor", "owner")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False
