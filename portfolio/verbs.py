"""The events portfolio's services record, and the payload each one carries.

The row already says who, which object, whose and when (portfolio.events); a payload holds
only what the log would otherwise lose, such as a deleted item's title.
"""

from __future__ import annotations

from dataclasses import dataclass

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


EVIDENCE_CREATED = declare_event("evidence.created", EvidenceCreated)
EVIDENCE_UPDATED = declare_event("evidence.updated", EvidenceUpdated)
EVIDENCE_DELETED = declare_event("evidence.deleted", EvidenceDeleted)
PORTFOLIO_CURATED = declare_event("portfolio.curated", PortfolioCurated)
PROFILE_CREATED = declare_event("profile.created", ProfileCreated)
PROFILE_UPDATED = declare_event("profile.updated", ProfileUpdated)
PROFILE_AVATAR_CHANGED = declare_event("profile.avatar_changed", NoPayload)
PROFILE_AVATAR_REMOVED = declare_event("profile.avatar_removed", NoPayload)
NOTIFICATIONS_READ = declare_event("notifications.read", NotificationsRead)
EMAIL_PREFERENCES_SET = declare_event("notifications.email_preferences_set", EmailPreferencesSet)
FAILED_EMAILS_RESENT = declare_event("notifications.failed_emails_resent", FailedEmailsResent)
SKILLS_IMPORTED = declare_event("skills.imported", SkillsImported)
USER_ROLE_CHANGED = declare_event("user.role_changed", RoleChanged)
# Recorded for the admin's users only (staff and superusers): see record_admin_login.
USER_LOGGED_IN = declare_event("user.logged_in", NoPayload)
