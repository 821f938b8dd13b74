"""The events portfolio's services record, and the payload each one carries.

The row already says who, which object, whose and when (portfolio.events); a payload holds
only what the log would otherwise lose, such as a deleted item's title.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portfolio.events import NoPayload, declare_event


@dataclass(frozen=True)
class EvidenceCreated:
    kind: str
    title: str


@dataclass(frozen=True)
class EvidenceUpdated:
    title: str
    file_replaced: bool


@dataclass(frozen=True)
class EvidenceDeleted:
    kind: str
    title: str


@dataclass(frozen=True)
class PortfolioCurated:
    # The public items, in their order on the page.
    public_item_ids: tuple[int, ...]


@dataclass(frozen=True)
class ProfileCreated:
    slug: str


@dataclass(frozen=True)
class ProfileUpdated:
    # Names of the fields whose value changed ("avatar" for a new or removed avatar).
    changed_fields: tuple[str, ...]
    slug: str
    is_public: bool


@dataclass(frozen=True)
class NotificationsRead:
    count: int


@dataclass(frozen=True)
class EmailPreferencesSet:
    enabled_kinds: tuple[str, ...]
    disabled_kinds: tuple[str, ...]


@dataclass(frozen=True)
class FailedEmailsResent:
    notification_ids: tuple[int, ...]


@dataclass(frozen=True)
class SkillsImported:
    created: int
    updated: int
    unchanged: int
    # Slugs of the frameworks the import created.
    frameworks_created: tuple[str, ...]


@dataclass(frozen=True)
class RoleChanged:
    from_role: str
    to_role: str


@dataclass(frozen=True)
class UserCreated:
    role: str
    # False for an account made without a password, which signs in only after a reset.
    has_password: bool


@dataclass(frozen=True)
class StaffStatusSet:
    is_staff: bool


@dataclass(frozen=True)
class SuperuserStatusSet:
    is_superuser: bool


@dataclass(frozen=True)
class EvidenceUnpublished:
    # The item may be deleted later by its owner; the log keeps what it was.
    title: str


EVIDENCE_CREATED = declare_event("evidence.created", EvidenceCreated, label=_("added evidence"))
EVIDENCE_UPDATED = declare_event("evidence.updated", EvidenceUpdated, label=_("edited evidence"))
EVIDENCE_DELETED = declare_event("evidence.deleted", EvidenceDeleted, label=_("deleted evidence"))
EVIDENCE_UNPUBLISHED = declare_event(
    "evidence.unpublished",
    EvidenceUnpublished,
    label=_("took evidence off a public portfolio"),
)
PORTFOLIO_CURATED = declare_event(
    "portfolio.curated", PortfolioCurated, label=_("chose what their public portfolio shows")
)
PROFILE_CREATED = declare_event("profile.created", ProfileCreated, label=_("created a profile"))
PROFILE_UPDATED = declare_event("profile.updated", ProfileUpdated, label=_("updated a profile"))
PROFILE_AVATAR_CHANGED = declare_event(
    "profile.avatar_changed", NoPayload, label=_("changed a profile picture")
)
PROFILE_AVATAR_REMOVED = declare_event(
    "profile.avatar_removed", NoPayload, label=_("removed a profile picture")
)
NOTIFICATIONS_READ = declare_event(
    "notifications.read", NotificationsRead, label=_("marked notifications as read")
)
EMAIL_PREFERENCES_SET = declare_event(
    "notifications.email_preferences_set",
    EmailPreferencesSet,
    label=_("changed their e-mail settings"),
)
FAILED_EMAILS_RESENT = declare_event(
    "notifications.failed_emails_resent", FailedEmailsResent, label=_("sent failed e-mails again")
)
SKILLS_IMPORTED = declare_event("skills.imported", SkillsImported, label=_("imported skills"))
USER_ROLE_CHANGED = declare_event(
    "user.role_changed", RoleChanged, label=_("changed a user's role")
)
USER_CREATED = declare_event("user.created", UserCreated, label=_("created an account"))
USER_DEACTIVATED = declare_event("user.deactivated", NoPayload, label=_("deactivated an account"))
USER_REACTIVATED = declare_event("user.reactivated", NoPayload, label=_("reactivated an account"))
USER_STAFF_STATUS_SET = declare_event(
    "user.staff_status_set", StaffStatusSet, label=_("changed a user's staff status")
)
USER_SUPERUSER_STATUS_SET = declare_event(
    "user.superuser_status_set", SuperuserStatusSet, label=_("changed a user's superuser status")
)
# Recorded for the admin's users only (staff and superusers): see record_admin_login.
USER_LOGGED_IN = declare_event("user.logged_in", NoPayload, label=_("signed in"))
