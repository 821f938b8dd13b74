from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Issuer(models.Model):
    """An organisation that defines micro-credentials and signs what it issues."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    url = models.URLField(max_length=500)
    email = models.EmailField()
    description = models.TextField(blank=True)
    # The Council Recommendation on micro-credentials (2022/C 243/02, Annex I) asks every
    # micro-credential to state its provider's country or region.
    country = models.CharField(
        _("country or region"),
        max_length=100,
        blank=True,
        help_text=_("Where the organisation is based, as its credentials state it."),
    )
    logo = models.ImageField(upload_to="issuers/", blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="issuers",
        help_text=_("Issuer staff who may revoke."),
    )
    # The assessors this organisation works with: the only people its micro-credentials can
    # be assigned to. Someone from outside joins by accepting an IssuerInvitation.
    assessors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assessing_for_issuers",
        help_text=_("Assessors its micro-credentials can be assigned to."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IssuerInvitation(models.Model):
    """An offer to join an issuer as staff or as an assessor, which the invitee accepts.

    Issuer staff never pick people from other organisations in the admin: they invite an
    e-mail address, and whoever holds an account with that address and the matching role
    accepts (credentials.services.accept_invitation). An address with no account is e-mailed
    a sign-up link instead, whose token accepts the invitation as the account is made
    (credentials.services.sign_up_by_invitation).
    """

    class Role(models.TextChoices):
        STAFF = "staff", _("Issuer staff")
        ASSESSOR = "assessor", _("Assessor")

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The SHA-256 of the sign-up link's token, never the token itself: a copy of the database
    # lets nobody sign up in the invitee's place. Set only while the address has no account;
    # each sending mints a new token, so only the latest e-mail's link works.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["email", "accepted_at"], name="invitation_email_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["staff", "assessor"]), name="invitation_role_valid"
            ),
            # Inviting again renews the open invitation rather than adding a second one.
            models.UniqueConstraint(
                fields=["issuer", "email", "role"],
                condition=Q(accepted_at__isnull=True),
                name="invitation_one_open_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.issuer} ({self.get_role_display()})"


class MicroCredentialQuerySet(models.QuerySet["MicroCredential"]):
    def published(self) -> MicroCredentialQuerySet:
        return self.filter(status=MicroCredential.Status.PUBLISHED)


class MicroCredential(models.Model):
    """The definition of a credential (an OB 3.0 Achievement): what it certifies and how."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    class Level(models.TextChoices):
        FOUNDATIONAL = "foundational", _("Foundational")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    # The elements below are those of the Council Recommendation on micro-credentials
    # (2022/C 243/02, Annex I), which employers and admissions offices read a credential for.

    class EqfLevel(models.IntegerChoices):
        LEVEL_1 = 1, _("EQF level 1")
        LEVEL_2 = 2, _("EQF level 2")
        LEVEL_3 = 3, _("EQF level 3")
        LEVEL_4 = 4, _("EQF level 4")
        LEVEL_5 = 5, _("EQF level 5")
        LEVEL_6 = 6, _("EQF level 6")
        LEVEL_7 = 7, _("EQF level 7")
        LEVEL_8 = 8, _("EQF level 8")

    class AssessmentType(models.TextChoices):
        PORTFOLIO = "portfolio", _("Portfolio of evidence, assessed against a rubric")
        TEST = "test", _("Test or examination")
        APPLICATION = "application", _("Application of a skill (practical demonstration)")
        PROJECT = "project", _("Project")
        ORAL = "oral", _("Oral examination or interview")
        PRIOR_LEARNING = "prior_learning", _("Recognition of prior learning")

    class Participation(models.TextChoices):
        ONLINE = "online", _("Online")
        ON_SITE = "on_site", _("On site")
        BLENDED = "blended", _("Blended (online and on site)")
        WORK_EXPERIENCE = "work_experience", _("Work experience")
        VOLUNTEERING = "volunteering", _("Volunteering")

    class Supervision(models.TextChoices):
        NOT_STATED = "", _("Not stated")
        UNSUPERVISED = "unsupervised", _("Unsupervised, no identity verification")
        SUPERVISED = "supervised", _("Supervised, no identity verification")
        SUPERVISED_ONLINE_ID = (
            "supervised_online_id",
            _("Supervised online, with identity verification"),
        )
        SUPERVISED_ON_SITE_ID = (
            "supervised_on_site_id",
            _("Supervised on site, with identity verification"),
        )

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="micro_credentials")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    summary = models.CharField(_("short description"), max_length=300)
    description = models.TextField(_("long description"), help_text=_("Markdown."))
    criteria = models.TextField(_("criteria"), help_text=_("Markdown: what a learner must show."))
    evidence_expected = models.TextField(
        _("evidence expected"), blank=True, help_text=_("Markdown.")
    )
    skills = models.ManyToManyField("portfolio.Skill", blank=True, related_name="micro_credentials")
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.FOUNDATIONAL)
    estimated_hours = models.PositiveSmallIntegerField(
        _("notional workload in hours"),
        validators=[MinValueValidator(1)],
        help_text=_("The hours a typical learner needs to reach the learning outcomes."),
    )
    learning_outcomes = models.TextField(
        _("learning outcomes"),
        help_text=_(
            "Markdown: what a holder knows, understands and is able to do, one outcome per "
            "list item."
        ),
    )
    ects_credits = models.DecimalField(
        _("ECTS credits"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        # A micro-credential is smaller than a year of full-time study, which is 60 credits.
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("60"))],
        help_text=_("Only if you award ECTS credits for it, e.g. 1.5. Leave empty otherwise."),
    )
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF level"),
        choices=EqfLevel.choices,
        null=True,
        blank=True,
        help_text=_("The European Qualifications Framework level, where you state one."),
    )
    national_framework_level = models.CharField(
        _("national framework level"),
        max_length=150,
        blank=True,
        help_text=_("A national qualifications framework and level, e.g. “NFQ level 6”."),
    )
    assessment_type = models.CharField(
        _("type of assessment"), max_length=20, choices=AssessmentType.choices
    )
    participation = models.CharField(
        _("form of participation"), max_length=20, choices=Participation.choices
    )
    quality_assurance = models.CharField(
        _("type of quality assurance"),
        max_length=300,
        help_text=_("Who assures the quality of this micro-credential, and how."),
    )
    prerequisites = models.TextField(
        _("prerequisites"), blank=True, help_text=_("Markdown; leave empty if there are none.")
    )
    supervision = models.CharField(
        _("supervision and identity verification during assessment"),
        max_length=30,
        choices=Supervision.choices,
        blank=True,
        default=Supervision.NOT_STATED,
    )
    grading = models.CharField(
        _("grade or rubric outcome"),
        max_length=300,
        blank=True,
        help_text=_(
            "How the result is stated, e.g. “Pass, with the rubric level reached on each criterion”."
        ),
    )
    stacks_towards = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stackable_parts",
        verbose_name=_("stacks towards"),
        help_text=_(
            "The larger credential this one counts towards; leave empty if it stands alone."
        ),
    )
    badge_image = models.ImageField(upload_to="badges/", blank=True, help_text=_("Square PNG."))
    validity_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Leave empty for credentials that never expire.")
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    assessors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assessable_micro_credentials",
        help_text=_("Assessors who may review applications for this micro-credential."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MicroCredentialQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status", "title"], name="microcred_status_title_idx"),
            models.Index(fields=["status", "level"], name="microcred_status_level_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "retired"]),
                name="microcred_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(level__in=["foundational", "intermediate", "advanced"]),
                name="microcred_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(eqf_level__isnull=True) | Q(eqf_level__gte=1, eqf_level__lte=8),
                name="microcred_eqf_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(ects_credits__isnull=True) | Q(ects_credits__gt=0),
                name="microcred_ects_positive",
            ),
            models.CheckConstraint(
                condition=~Q(stacks_towards=models.F("pk")),
                name="microcred_not_stacked_on_itself",
            ),
            # Empty: a micro-credential written before these elements existed, not yet
            # completed by its issuer; pages say "not stated".
            models.CheckConstraint(
                condition=Q(
                    assessment_type__in=[
                        "",
                        "portfolio",
                        "test",
                        "application",
                        "project",
                        "oral",
                        "prior_learning",
                    ]
                ),
                name="microcred_assessment_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    participation__in=[
                        "",
                        "online",
                        "on_site",
                        "blended",
                        "work_experience",
                        "volunteering",
                    ]
                ),
                name="microcred_participation_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    supervision__in=[
                        "",
                        "unsupervised",
                        "supervised",
                        "supervised_online_id",
                        "supervised_on_site_id",
                    ]
                ),
                name="microcred_supervision_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # A chain of stacking that comes back to this micro-credential would say each one
        # counts towards itself; the loop is short, so walking it is cheap.
        direct = self.stacks_towards
        if direct is None:
            return
        if direct.pk == self.pk:
            raise ValidationError(
                {"stacks_towards": _("A micro-credential cannot stack towards itself.")}
            )
        # A new micro-credential has no pk yet, and no chain can lead back to it.
        seen = {self.pk}
        target: MicroCredential | None = direct
        while target is not None:
            if target.pk in seen:
                raise ValidationError(
                    {
                        "stacks_towards": _(
                            "%(title)s already counts towards this micro-credential; stacking "
                            "cannot go round in a circle."
                        )
                        % {"title": direct.title}
                    }
                )
            seen.add(target.pk)
            target = target.stacks_towards


class RubricCriterion(models.Model):
    micro_credential = models.ForeignKey(
        MicroCredential, on_delete=models.CASCADE, related_name="criteria_set"
    )
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField()
    required_level = models.ForeignKey(
        "RubricLevel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The lowest level that passes this criterion."),
    )

    class Meta:
        ordering = ["position"]
        verbose_name_plural = "rubric criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["micro_credential", "position"], name="criterion_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # The pass mark must be one of this criterion's own levels, wherever it is edited.
        if self.required_level is not None and self.required_level.criterion_id != self.pk:
            raise ValidationError(
                {"required_level": _("Choose one of this criterion's own levels.")}
            )


class RubricLevel(models.Model):
    """A performance level of one criterion; a higher position is a better performance."""

    criterion = models.ForeignKey(RubricCriterion, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "position"], name="level_unique_position")
        ]

    def __str__(self) -> str:
        return self.name


# Bitstring Status List's minimum length (standards digest §4.1): a list this long hides which
# credential a status fetch is about among at least this many.
STATUS_LIST_MIN_SIZE = 131_072


class StatusList(models.Model):
    """One of an issuer's status lists for a purpose: one bit per credential it issued.

    Published as a signed W3C Bitstring Status List credential (credentials.vc.status_list),
    where a set bit says that the credential at that index is revoked. Each list has `size`
    bits (at least 131,072). Indexes are handed out under a lock on the open list's row
    (credentials.services.issue_credential) in an order that looks random: the n-th index is
    a keyed permutation of n (credentials.vc.status_list.permuted_index), so no index is ever
    handed out twice, even if a credential were deleted. A list that is full is closed and a
    successor opened; there is one open list per issuer and purpose. Lists made before random
    allocation (indexes in order, no permutation key) were closed when it came, and stay
    published for the credentials they hold.
    """

    class Purpose(models.TextChoices):
        # Bitstring Status List's statusPurpose; "suspension" may follow.
        REVOCATION = "revocation", _("Revocation")

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="status_lists")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    # 1, 2, … per issuer and purpose; part of the list's URL.
    number = models.PositiveIntegerField(default=1)
    size = models.PositiveIntegerField(default=STATUS_LIST_MIN_SIZE)
    # How many indexes were handed out (the next one is the permutation of this count).
    allocated = models.PositiveIntegerField(default=0)
    # The permutation's secret, hex; empty for a list from before random allocation.
    permutation_key = models.CharField(max_length=64, blank=True, editable=False)
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The signed list credential as last published, byte for byte, and the SHA-256 of the
    # bitstring it encodes: it is served while the bits are unchanged and re-signed otherwise.
    signed_document = models.TextField(blank=True, editable=False)
    signed_bits_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "purpose", "number"], name="status_list_number_unique"
            ),
            models.UniqueConstraint(
                fields=["issuer", "purpose"],
                condition=Q(is_open=True),
                name="status_list_one_open_per_issuer_purpose",
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=["revocation"]), name="status_list_purpose_valid"
            ),
            models.CheckConstraint(
                condition=Q(size__gte=STATUS_LIST_MIN_SIZE), name="status_list_size_minimum"
            ),
            models.CheckConstraint(
                condition=Q(allocated__lte=models.F("size")), name="status_list_allocated_fits"
            ),
            # Only a list with a permutation key hands out indexes.
            models.CheckConstraint(
                condition=Q(is_open=False) | ~Q(permutation_key=""),
                name="status_list_open_has_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} ({self.get_purpose_display()} {self.number})"

    @property
    def is_full(self) -> bool:
        return self.allocated >= self.size


class SigningKey(models.Model):
    """An Ed25519 key that an issuer, or the site itself (no issuer), signs credentials with.

    The newest key that is not retired signs; rotating retires it and makes the next one
    (credentials.services.rotate_signing_key). Retired keys stay published in the DID
    document, so what they signed still verifies. The private key is stored only encrypted
    (credentials.vc.keys); nothing in this model, its str() or the admin shows it in clear.
    """

    issuer = models.ForeignKey(
        Issuer, on_delete=models.PROTECT, null=True, blank=True, related_name="signing_keys"
    )
    # The fragment of its verification method in a did:web document: "key-1", "key-2", …
    key_id = models.CharField(max_length=40)
    # The public key as a Multikey ("z6Mk…"), exactly as the DID document publishes it.
    public_key_multibase = models.CharField(max_length=64, unique=True)
    private_key_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # The site's own keys have no issuer; Coalesce makes them one owner too.
            models.UniqueConstraint(
                Coalesce("issuer", Value(0)), "key_id", name="signing_key_id_unique_per_owner"
            ),
            # Exactly one key signs at a time: rotation retires the old one first.
            models.UniqueConstraint(
                Coalesce("issuer", Value(0)),
                condition=Q(retired_at__isnull=True),
                name="signing_key_one_active_per_owner",
            ),
        ]

    def __str__(self) -> str:
        owner = self.issuer.name if self.issuer is not None else "the site"
        state = "retired" if self.retired_at is not None else "active"
        return f"{owner}: {self.key_id} ({state})"

    def __repr__(self) -> str:
        return f"<SigningKey {self.pk} {self.key_id} {self.public_key_multibase}>"


class IssuedCredentialQuerySet(models.QuerySet["IssuedCredential"]):
    def valid_at(self, when: datetime) -> IssuedCredentialQuerySet:
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=when)
        )

    def shown_publicly(self) -> IssuedCredentialQuerySet:
        return self.filter(is_shown_publicly=True)


class IssuedCredential(models.Model):
    """An awarded credential: what an OB 3.0 OpenBadgeCredential is built from.

    Validity is derived (revoked, expired or valid) from revoked_at and expires_at at read
    time: nothing flips a flag on a schedule.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    micro_credential = models.ForeignKey(
        MicroCredential, on_delete=models.PROTECT, related_name="issued"
    )
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="issued")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credentials_earned"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Makes issuing idempotent: the caller names the event that awards the credential
    # (e.g. "application:42") and the unique index guarantees one credential per event.
    award_reference = models.CharField(max_length=100, unique=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    evidence_snapshot = models.JSONField(default=list, blank=True)
    rubric_results = models.JSONField(default=list, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.TextField(blank=True)
    is_shown_publicly = models.BooleanField(_("show on my public page"), default=True)
    # This credential's bit in its issuer's revocation list, handed out when it is issued
    # (credentials.services.issue_credential); the signed credential points at it.
    status_list = models.ForeignKey(
        StatusList, on_delete=models.PROTECT, related_name="credentials"
    )
    status_list_index = models.PositiveIntegerField()

    objects = IssuedCredentialQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["learner", "-issued_at"], name="credential_learner_recent_idx"),
            models.Index(fields=["micro_credential", "learner"], name="credential_mc_learner_idx"),
            models.Index(fields=["expires_at"], name="credential_expires_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="credential_revocation_has_reason",
            ),
            # One credential per bit: two sharing one would be revoked together.
            models.UniqueConstraint(
                fields=["status_list", "status_list_index"], name="credential_unique_status_bit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.micro_credential} — {self.learner}"

    def status_at(self, when: datetime) -> IssuedCredential.Status:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= when:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def status(self) -> IssuedCredential.Status:
        return self.status_at(timezone.now())


class CredentialDocument(models.Model):
    """An issued credential as a document in one format, kept exactly as it was issued.

    The document is text, not JSON: PostgreSQL's jsonb reorders keys and drops whitespace,
    and a signed document must come back byte for byte for its signature to verify.
    """

    class Format(models.TextChoices):
        OPEN_BADGES_3_0 = "ob3", _("Open Badges 3.0")
        OPEN_BADGES_2_0 = "ob2", _("Open Badges 2.0")
        CLR_2_0 = "clr2", _("Comprehensive Learner Record 2.0")

    credential = models.ForeignKey(
        IssuedCredential, on_delete=models.PROTECT, related_name="documents"
    )
    format = models.CharField(max_length=10, choices=Format.choices)
    content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "format"], name="credential_document_one_per_format"
            ),
            models.CheckConstraint(
                condition=Q(format__in=["ob3", "ob2", "clr2"]),
                name="credential_document_format_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credential} ({self.get_format_display()})"


class ShareLink(models.Model):
    """A secret address that shows a learner's page, public or not, until it expires.

    For a learner who keeps their profile private but wants one employer to see it: whoever
    holds the link sees the page as the public would if it were public, until expires_at or
    until the learner revokes it (credentials.services.create_share_link, revoke_share_link).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    # Who the learner made it for, so they can tell their links apart ("Acme recruiting").
    label = models.CharField(_("label"), max_length=120)
    # The SHA-256 of the link's token, never the token itself (as IssuerInvitation): a copy
    # of the database opens nobody's page. The token is shown once, when the link is made.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="share_link_owner_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="share_link_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return self.label

    def is_open_at(self, when: datetime) -> bool:
        return self.revoked_at is None and when < self.expires_at


# The employers' directory keeps its search document in a module of its own.
from credentials.directory.models import (  # noqa: E402, F401
    DirectoryCredential,
    DirectoryEntry,
    DirectorySkill,
)


class ContactRequestQuerySet(models.QuerySet["ContactRequest"]):
    def open(self) -> ContactRequestQuerySet:
        return self.filter(status=ContactRequest.Status.OPEN)


class ContactRequest(models.Model):
    """A short message an employer sends a learner from their public page.

    Neither side sees the other's e-mail address while the request is open: the message
    reaches the learner through their inbox and an e-mail from the site. If the learner
    replies, the reply reaches the employer the same way, still without the learner's
    address (they can put whatever contact details they choose in it), and the learner's
    page of the request then shows the employer's address, since the learner chose to
    answer. Declining closes the request without telling the employer anything but that.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        REPLIED = "replied", _("Replied")
        DECLINED = "declined", _("Declined")

    SUBJECT_MAX_LENGTH = 120
    BODY_MAX_LENGTH = 2000
    ORGANISATION_MAX_LENGTH = 120
    REPLY_MAX_LENGTH = 2000

    employer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_requests_sent"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="contact_requests_received",
    )
    organisation = models.CharField(_("organisation"), max_length=ORGANISATION_MAX_LENGTH)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    body = models.TextField(_("message"), max_length=BODY_MAX_LENGTH)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    reply = models.TextField(_("reply"), max_length=REPLY_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = ContactRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The employer's list and the rate limit's count of the last day.
            models.Index(fields=["employer", "-created_at"], name="contact_employer_recent_idx"),
            models.Index(fields=["learner", "-created_at"], name="contact_learner_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "replied", "declined"]),
                name="contact_status_valid",
            ),
            # One request waiting per employer and learner: asking again before an answer
            # is pressing, not contacting.
            models.UniqueConstraint(
                fields=["employer", "learner"],
                condition=Q(status="open"),
                name="contact_one_open_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(status="replied", answered_at__isnull=False) & ~Q(reply="")
                | Q(status="declined", answered_at__isnull=False, reply="")
                | Q(status="open", answered_at__isnull=True, reply=""),
                name="contact_answer_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class SavedSearch(models.Model):
    """An employer's directory search, kept by its query string, e-mailed daily as a digest.

    The query string is normalised (credentials.saved_searches.normalise_query), so the same
    search saved twice is the same text. The digest lists only profiles that match now and
    were not matching at the previous run (SavedSearchMatch), never the same profile again
    while it keeps matching.
    """

    NAME_MAX_LENGTH = 80
    QUERY_MAX_LENGTH = 2000

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    query = models.CharField(max_length=QUERY_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Set by the unsubscribe link or the dashboard: no more digests, the search stays saved.
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # When the last digest was written to the outbox; at most one a day.
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="saved_search_owner_idx"),
        ]
        constraints = [
            # Saving the same search again would send the same digest twice.
            models.UniqueConstraint(fields=["owner", "query"], name="saved_search_unique_query"),
        ]

    def __str__(self) -> str:
        return self.name


class SavedSearchMatch(models.Model):
    """A profile that matched the saved search at its last run (or when it was saved).

    The digest tells the owner about matches with no row here; a profile that stops matching
    loses its row, so it is news again if it matches again (a newly gained skill).
    """

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches")
    profile = models.ForeignKey(
        "portfolio.LearnerProfile", on_delete=models.CASCADE, related_name="+"
    )
    matched_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "profile"], name="saved_search_match_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.saved_search_id}:{self.profile_id}"


class BulkIssuance(models.Model):
    """A batch of credentials of one micro-credential that issuer staff issue at once.

    Its rows (BulkIssuanceRow) carry each learner's state, so the task that works through
    them (credentials.tasks.issue_bulk_credentials) resumes where a crashed or retried run
    stopped: a row is marked issued in the same transaction that issues its credential.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Issuing")
        FINISHED = "finished", _("Finished")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="bulk_issuances")
    micro_credential = models.ForeignKey(
        MicroCredential, on_delete=models.PROTECT, related_name="bulk_issuances"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # When a run last committed a chunk (or the batch was made): the sweep re-enqueues an
    # unfinished batch that has not moved for a while (its task lost with the broker).
    progressed_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["status", "progressed_at"], name="bulk_issuance_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "finished"]),
                name="bulk_issuance_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.micro_credential}, {self.total} learners"


class BulkIssuanceRow(models.Model):
    """One learner of a bulk issuance: waiting, issued (with its credential) or skipped."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ISSUED = "issued", _("Issued")
        SKIPPED = "skipped", _("Skipped")

    batch = models.ForeignKey(BulkIssuance, on_delete=models.CASCADE, related_name="rows")
    # The row's line in the uploaded list, as the issuer knows it.
    line = models.PositiveIntegerField()
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    credential = models.OneToOneField(
        IssuedCredential, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why a row was skipped when its turn came (e.g. the learner was awarded it meanwhile).
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["batch", "state", "line"], name="bulk_row_batch_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["batch", "learner"], name="bulk_row_one_per_learner"),
            models.UniqueConstraint(fields=["batch", "line"], name="bulk_row_one_per_line"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "issued", "skipped"]),
                name="bulk_row_state_valid",
            ),
            # An issued row names its credential; no other row does.
            models.CheckConstraint(
                condition=Q(state="issued", credential__isnull=False)
                | (~Q(state="issued") & Q(credential__isnull=True)),
                name="bulk_row_issued_has_credential",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} line {self.line}"
