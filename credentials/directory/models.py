"""The directory's search document: one entry per learner profile, with its skills and credentials.

Written only by credentials.directory.documents.refresh_directory_entry. What changes with
time alone (a credential expiring) is stored as dates and decided at search time; what
changes without an event (an account deactivated in the admin) is read from the profile.
"""

from __future__ import annotations

from typing import Any  # the signatures Index's stubs give create_sql and remove_sql

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.ddl_references import Statement
from django.db.models import Q


class PostgresOnly(models.Index):
    """An index built on PostgreSQL only; elsewhere an empty partial index of the same name.

    SQLite has no GIN and no NULLS LAST in an index, and matches with a plain scan, but the
    schema editor runs a statement for every declared index, so the stand-in keeps the
    migration state the same on both.
    """

    def _stand_in(self, model: type[models.Model]) -> models.Index:
        return models.Index(fields=[model._meta.pk.name], name=self.name, condition=Q(pk__lt=0))

    def create_sql(
        self,
        model: type[models.Model],
        schema_editor: BaseDatabaseSchemaEditor,
        using: str = "",
        **kwargs: Any,
    ) -> Statement:
        if schema_editor.connection.vendor != "postgresql":
            return self._stand_in(model).create_sql(model, schema_editor)
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(
        self, model: type[models.Model], schema_editor: BaseDatabaseSchemaEditor, **kwargs: Any
    ) -> str:
        if schema_editor.connection.vendor != "postgresql":
            return self._stand_in(model).remove_sql(model, schema_editor)
        return super().remove_sql(model, schema_editor, **kwargs)


class PostgresGinIndex(PostgresOnly, GinIndex):
    pass


class DirectoryEntry(models.Model):
    """A profile as the directory searches it: its text, and when it was last credentialed."""

    profile = models.OneToOneField(
        "portfolio.LearnerProfile",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="directory_entry",
    )
    # Name, headline, bio, skill names and credential titles, for the trigram fallback and
    # SQLite's match; the weighted search_vector is made from the same text on PostgreSQL.
    document = models.TextField(blank=True)
    skill_text = models.TextField(blank=True)
    credential_text = models.TextField(blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    # The ids of the skills in `skills` (claimed, or verified at the time of writing): a
    # superset of those shown at any later time, so that on PostgreSQL the GIN index finds
    # the profiles holding every chosen skill at once (with the words' index, in one bitmap)
    # before the exact test on their DirectorySkill rows. Unread elsewhere.
    skill_ids = models.JSONField(default=list, blank=True)
    # The location, case-folded, for the location filter.
    location_key = models.CharField(max_length=120, blank=True)
    # Newest issue date of a listed credential (valid or expired); null for none.
    latest_credential_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "directory entries"
        indexes = [
            PostgresGinIndex(fields=["search_vector"], name="directory_search_idx"),
            PostgresGinIndex(
                fields=["document"], opclasses=["gin_trgm_ops"], name="directory_trigram_idx"
            ),
            PostgresGinIndex(
                fields=["location_key"], opclasses=["gin_trgm_ops"], name="directory_location_idx"
            ),
            PostgresGinIndex(
                fields=["skill_ids"], opclasses=["jsonb_path_ops"], name="directory_skill_ids_idx"
            ),
            # Keyset pages of "most recently credentialed".
            PostgresOnly(
                models.F("latest_credential_at").desc(nulls_last=True),
                models.F("profile").desc(),
                name="directory_recent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Directory entry of profile {self.profile_id}"


class DirectorySkill(models.Model):
    """A skill a profile shows: claimed on public evidence, verified by listed credentials."""

    entry = models.ForeignKey(DirectoryEntry, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey("portfolio.Skill", on_delete=models.CASCADE, related_name="+")
    is_claimed = models.BooleanField(default=False)
    # Backed by a listed, unrevoked credential that had not expired when the entry was
    # written: verified until verified_until (null: a credential that never expires).
    is_verified = models.BooleanField(default=False)
    verified_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "skill"], name="directory_skill_unique"),
            models.CheckConstraint(
                condition=Q(is_claimed=True) | Q(is_verified=True),
                name="directory_skill_claimed_or_verified",
            ),
        ]
        indexes = [
            models.Index(fields=["skill", "entry"], name="directory_skill_entry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id} of {self.entry_id}"


class DirectoryCredential(models.Model):
    """A credential listed publicly, as the directory's filters and facets read it."""

    entry = models.ForeignKey(DirectoryEntry, on_delete=models.CASCADE, related_name="credentials")
    credential = models.OneToOneField(
        "credentials.IssuedCredential", on_delete=models.CASCADE, related_name="+"
    )
    issuer = models.ForeignKey("credentials.Issuer", on_delete=models.CASCADE, related_name="+")
    micro_credential = models.ForeignKey(
        "credentials.MicroCredential", on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(max_length=20)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["issuer", "entry"], name="directory_cred_issuer_idx"),
            models.Index(fields=["micro_credential", "entry"], name="directory_cred_mc_idx"),
            models.Index(fields=["level", "entry"], name="directory_cred_level_idx"),
            models.Index(fields=["entry", "expires_at"], name="directory_cred_entry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.credential_id} in {self.entry_id}"
