"""Writing the directory's search document, one profile at a time.

Called after commit by the subscribers (credentials.directory.subscribers) for every event
that changes what a profile's entry holds, and for all profiles by
`manage.py rebuild_directory`. Not a service: it records no event, being only a copy of
what the events already recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import Prefetch, TextField, Value
from django.utils import timezone

from credentials.directory.cache import bump_after_commit
from credentials.directory.models import DirectoryCredential, DirectoryEntry, DirectorySkill
from credentials.public import listable_credentials
from portfolio.models import LearnerProfile, Skill
from portfolio.selectors import list_public_evidence

# The text search configuration of both the document and the query (search.py).
SEARCH_CONFIG = "english"


def refresh_directory_entry(
    *, profile_id: int, now: datetime | None = None
) -> DirectoryEntry | None:
    """Rewrite a profile's directory entry from what the profile holds now.

    Idempotent; None if the profile no longer exists. The entry is written whether or not
    the profile is public or listed: search reads those live, so a profile that becomes
    public needs nothing more than its own update event.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Two refreshes of one profile (two requests committing at once) take turns.
        profile = (
            LearnerProfile.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=profile_id)
            .first()
        )
        if profile is None:
            return None
        # Cached searches go stale when this commits: never later than the entry itself.
        bump_after_commit()
        claimed = {
            skill.pk: skill
            for item in list_public_evidence(owner=profile.user)
            for skill in item.skills.all()
        }
        credentials = list(
            listable_credentials()
            .filter(learner_id=profile.user_id)
            .select_related("micro_credential")
            .prefetch_related(
                Prefetch(
                    "micro_credential__skills", queryset=Skill.objects.only("id", "name", "slug")
                )
            )
            .order_by("-issued_at", "-pk")
        )
        verified: dict[int, datetime | None] = {}
        skills = dict(claimed)
        for credential in credentials:
            if credential.expires_at is not None and credential.expires_at <= now:
                continue
            for skill in credential.micro_credential.skills.all():
                skills[skill.pk] = skill
                # The latest expiry wins; a credential that never expires (None) beats all.
                if skill.pk in verified:
                    until = verified[skill.pk]
                    if until is not None and (
                        credential.expires_at is None or credential.expires_at > until
                    ):
                        verified[skill.pk] = credential.expires_at
                else:
                    verified[skill.pk] = credential.expires_at
        skill_text = "\n".join(sorted(skill.name for skill in skills.values()))
        credential_text = "\n".join(
            dict.fromkeys(credential.micro_credential.title for credential in credentials)
        )
        entry, _created = DirectoryEntry.objects.update_or_create(
            profile=profile,
            defaults={
                "document": "\n".join(
                    part
                    for part in (
                        profile.display_name,
                        profile.headline,
                        profile.location,
                        profile.bio,
                        skill_text,
                        credential_text,
                    )
                    if part
                ),
                "skill_text": skill_text,
                "skill_ids": sorted(skills),
                "credential_text": credential_text,
                "location_key": profile.location.casefold().strip(),
                "latest_credential_at": credentials[0].issued_at if credentials else None,
                "refreshed_at": now,
            },
        )
        entry.skills.all().delete()
        DirectorySkill.objects.bulk_create(
            DirectorySkill(
                entry=entry,
                skill_id=skill_id,
                is_claimed=skill_id in claimed,
                is_verified=skill_id in verified,
                verified_until=verified.get(skill_id),
            )
            for skill_id in skills
        )
        entry.credentials.all().delete()
        DirectoryCredential.objects.bulk_create(
            DirectoryCredential(
                entry=entry,
                credential=credential,
                issuer_id=credential.issuer_id,
                micro_credential=credential.micro_credential,
                level=credential.micro_credential.level,
                issued_at=credential.issued_at,
                expires_at=credential.expires_at,
            )
            for credential in credentials
        )
        if connection.vendor == "postgresql":
            _write_search_vector(entry, profile)
    return entry


def _weighted(text: str, weight: str) -> SearchVector:
    return SearchVector(Value(text, output_field=TextField()), weight=weight, config=SEARCH_CONFIG)


def _write_search_vector(entry: DirectoryEntry, profile: LearnerProfile) -> None:
    # A name outranks a skill or a title, which outrank words in a bio.
    vector = (
        _weighted(profile.display_name, "A")
        + _weighted(f"{profile.headline}\n{entry.skill_text}\n{entry.credential_text}", "B")
        + _weighted(f"{profile.location}\n{profile.bio}", "C")
    )
    DirectoryEntry.objects.filter(pk=entry.pk).update(search_vector=vector)


def profile_ids_of_learners(learner_ids: Iterable[int | None]) -> list[int]:
    """The profiles of these learners (users), for events that name the learner."""
    ids = {learner_id for learner_id in learner_ids if learner_id is not None}
    return list(LearnerProfile.objects.filter(user_id__in=ids).values_list("pk", flat=True))


def rebuild_directory() -> int:
    """Refresh every profile's entry, e.g. on first deploy; returns how many were written."""
    now = timezone.now()
    count = 0
    for profile_id in LearnerProfile.objects.order_by("pk").values_list("pk", flat=True).iterator():
        if refresh_directory_entry(profile_id=profile_id, now=now) is not None:
            count += 1
    return count
