from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portfolio.notification_kinds import notification_kind_choices
from portfolio.storage import (
    avatar_upload_to,
    evidence_upload_to,
    private_storage,
    thumbnail_upload_to,
)


class UserManager(DjangoUserManager["User"]):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user_with_email(
        self, email: str, password: str | None, **extra_fields: object
    ) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]  # e-mail replaces the username argument
        self, email: str, password: str | None = None, **extra_fields: object
    ) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user_with_email(email, password, **extra_fields)

    def create_superuser(  # type: ignore[override]  # e-mail replaces the username argument
        self, email: str, password: str | None = None, **extra_fields: object
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", User.Role.ISSUER_STAFF)
        return self._create_user_with_email(email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        LEARNER = "learner", _("Learner")
        ASSESSOR = "assessor", _("Assessor")
        ISSUER_STAFF = "issuer_staff", _("Issuer staff")
        EMPLOYER = "employer", _("Employer")

    username = None  # type: ignore[assignment]  # e-mail is the login
    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LEARNER)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        indexes = [models.Index(fields=["role"], name="user_role_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["learner", "assessor", "issuer_staff", "employer"]),
                name="user_role_valid",
            )
        ]

    def __str__(self) -> str:
        return self.email


class CredentialGrouping(models.TextChoices):
    """How a public page groups its credentials; the learner chooses."""

    ISSUER = "issuer", _("By issuer")
    SKILL = "skill", _("By skill")


class LearnerProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=120)
    headline = models.CharField(_("headline"), max_length=160, blank=True)
    bio = models.TextField(_("bio"), max_length=5000, blank=True)
    location = models.CharField(_("location"), max_length=120, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_upload_to, blank=True)
    slug = models.SlugField(
        _("public address"),
        max_length=80,
        unique=True,
        help_text=_("Your public page lives at /p/<address>/. Letters, numbers and hyphens."),
    )
    is_public = models.BooleanField(_("profile is public"), default=False)
    # A public profile is listed in the employers' directory unless its learner opts out;
    # the page at /p/<slug>/ stays public either way.
    in_directory = models.BooleanField(_("listed in the employers' directory"), default=True)
    # Off by default: a public page is for people given the address; being found through a
    # search engine is a further choice the learner makes.
    is_indexable = models.BooleanField(_("search engines may list the public page"), default=False)
    # Links the learner adds to their public page; http(s) only (checked by the form and
    # again where the page renders them).
    website_url = models.URLField(_("website"), max_length=500, blank=True)
    linkedin_url = models.URLField(_("LinkedIn profile"), max_length=500, blank=True)
    github_url = models.URLField(_("GitHub profile"), max_length=500, blank=True)
    group_credentials_by = models.CharField(
        _("group credentials by"),
        max_length=10,
        choices=CredentialGrouping.choices,
        default=CredentialGrouping.ISSUER,
    )
    # Only while the profile is public too: the transcript at /p/<slug>/transcript.pdf is
    # part of the public page, so it is never public on its own.
    transcript_is_public = models.BooleanField(_("transcript is public"), default=False)
    # Whether employers may send a message from the public page (credentials' contact
    # requests); the learner's e-mail address is never shown to them either way.
    accepts_contact_requests = models.BooleanField(_("employers may contact me"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["is_public", "display_name"], name="profile_public_name_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(group_credentials_by__in=["issuer", "skill"]),
                name="profile_grouping_valid",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def initials(self) -> str:
        """Up to two initials from the display name, shown where there is no avatar."""
        words = [word for word in self.display_name.split() if word[:1].isalnum()]
        return "".join(word[0] for word in words[:2]).upper() or "?"


class SkillFramework(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    framework = models.ForeignKey(SkillFramework, on_delete=models.PROTECT, related_name="skills")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    code = models.CharField(
        max_length=64, blank=True, help_text=_("Optional code within the framework.")
    )
    uri = models.URLField(
        _("external URI"),
        max_length=500,
        blank=True,
        help_text=_("e.g. an ESCO or Open Skills Network identifier."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "name"], name="skill_unique_name_per_framework"
            ),
            models.UniqueConstraint(
                fields=["framework", "code"],
                condition=~Q(code=""),
                name="skill_unique_code_per_framework",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="skill_name_idx")]

    def __str__(self) -> str:
        return self.name


class EvidenceItem(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", _("File")
        IMAGE = "image", _("Image")
        LINK = "link", _("Link")
        REFLECTION = "reflection", _("Written reflection")

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="evidence_items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    work_done_on = models.DateField(_("date of the work"), null=True, blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="evidence_items")

    # FILE and IMAGE: the stored (for images, re-encoded) file and what we learned from its content.
    file = models.FileField(
        storage=private_storage, upload_to=evidence_upload_to, blank=True, max_length=255
    )
    thumbnail = models.ImageField(
        storage=private_storage, upload_to=thumbnail_upload_to, blank=True, max_length=255
    )
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    # LINK
    url = models.URLField(_("link"), max_length=2000, blank=True)
    # REFLECTION: Markdown, sanitised when rendered.
    body = models.TextField(_("reflection"), max_length=50_000, blank=True)

    # The add-evidence form's per-render token: the same form sent twice (a double click,
    # a resend after a timeout) finds the item its first submission made.
    submission_token = models.UUIDField(null=True, blank=True, editable=False)

    # Curation: public items show on the public page in ascending position.
    is_public = models.BooleanField(_("show on my public portfolio"), default=False)
    public_position = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="evidence_owner_recent_idx"),
            models.Index(fields=["owner", "kind"], name="evidence_owner_kind_idx"),
            models.Index(
                fields=["owner", "is_public", "public_position"], name="evidence_public_order_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "submission_token"],
                condition=Q(submission_token__isnull=False),
                name="evidence_one_item_per_submission",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["file", "image", "link", "reflection"]),
                name="evidence_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["file", "image"]) | ~Q(file=""),
                name="evidence_file_kinds_have_file",
            ),
            models.CheckConstraint(
                condition=~Q(kind="link") | ~Q(url=""), name="evidence_link_has_url"
            ),
            models.CheckConstraint(
                condition=~Q(kind="reflection") | ~Q(body=""), name="evidence_reflection_has_body"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_file(self) -> bool:
        return self.kind in {self.Kind.FILE, self.Kind.IMAGE}


class Notification(models.Model):
    """One event for one user: the in-app inbox and the e-mail outbox in a single row.

    Rows are written in the same transaction as the event, so a broker outage never loses
    one; a periodic sweep e-mails whatever is still pending. A row may instead be addressed
    to an e-mail address that has no account yet (an invitation to sign up): it is outbox
    only, in nobody's inbox, and delivered with the same guarantees.
    """

    class EmailState(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent (turned off)")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # Set only on rows without a recipient: where the e-mail goes.
    to_address = models.EmailField(_("to address"), blank=True)
    # The apps that send notifications register their kinds (portfolio.notification_kinds).
    kind = models.CharField(max_length=40, choices=notification_kind_choices)
    subject = models.CharField(max_length=200)
    link = models.CharField(max_length=500, blank=True)
    context = models.JSONField(default=dict, blank=True)
    # Events that must happen once per thing (e.g. one expiry reminder per credential)
    # carry a key; the unique index makes repeats no-ops.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The outbox claim (see portfolio.services.notifications): a pending e-mail is not tried
    # before next_attempt_at, nobody else tries it while a sender holds it (sending_until),
    # and it is given up as failed once give_up_at has passed.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_until = models.DateTimeField(null=True, blank=True)
    give_up_at = models.DateTimeField(null=True, blank=True)
    last_email_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["email_state", "next_attempt_at"], name="notification_outbox_due_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(recipient__isnull=False) & Q(to_address=""))
                | (Q(recipient__isnull=True) & ~Q(to_address="")),
                name="notification_one_addressee",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class EmailPreference(models.Model):
    """A kind of e-mail a user turned off; in-app notifications are always kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_preferences")
    kind = models.CharField(max_length=40, choices=notification_kind_choices)
    is_enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_preference_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {'on' if self.is_enabled else 'off'}"


class AppendOnlyError(Exception):
    """An attempt to change or delete a recorded event: the log is append-only."""


class EventQuerySet(models.QuerySet["Event"]):
    # Bulk writes would bypass Event.save() and Event.delete(). Deleting a user still works:
    # the collector nulls actor and owner with its own update query, not with this method.
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Recorded events are never changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Recorded events are never deleted.")


class Event(models.Model):
    """Something that happened, once, to one object: the domain event and the audit log.

    Written only by portfolio.events.record_event, inside the transaction of the change it
    records; never changed or deleted afterwards.
    """

    verb = models.CharField(max_length=80)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who acted, as they were then: the log still says who after the account is deleted.
    actor_label = models.CharField(max_length=254, blank=True)
    # "app_label.model" and primary key of the object the event is about; no foreign key,
    # so the record outlives the object (a deleted evidence item keeps its deletion event).
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The learner whose things the event is about: a learner reads the events they own.
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set by the recording app (e.g. "issuer:<pk>") so an organisation's staff can read its
    # events without this app knowing what an issuer is.
    scope = models.CharField(max_length=100, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # A default rather than auto_now_add, so that a data migration folding an older history
    # into the log keeps each row's original time.
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["verb", "-created_at"], name="event_verb_recent_idx"),
            models.Index(fields=["target_type", "target_id"], name="event_target_idx"),
            models.Index(fields=["owner", "-created_at"], name="event_owner_recent_idx"),
            models.Index(fields=["scope", "-created_at"], name="event_scope_recent_idx"),
            models.Index(fields=["-created_at"], name="event_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_type="", target_id__isnull=True)
                | (~Q(target_type="") & Q(target_id__isnull=False)),
                name="event_target_whole_or_absent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_type}#{self.target_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Recorded events are never changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # forwarded as given

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Recorded events are never deleted.")
