"""Keeping the directory's entries current: after each event that changes what one holds.

After commit (Phase.AFTER_COMMIT): a refresh reads committed state and is best effort, so a
failure is logged and never reaches the request; `manage.py rebuild_directory` repairs any
entry a failure left behind. Subscribed from CredentialsConfig.ready().
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from credentials.directory.cache import bump_after_commit
from credentials.directory.documents import profile_ids_of_learners, refresh_directory_entry
from credentials.models import IssuedCredential
from credentials.verbs import (
    CREDENTIAL_ISSUED,
    CREDENTIAL_REVOKED,
    CREDENTIAL_VISIBILITY_SET,
    MICRO_CREDENTIAL_PUBLISHED,
    MICRO_CREDENTIAL_RETIRED,
    MICRO_CREDENTIAL_UPDATED,
)
from portfolio.events import Phase, subscribe, subscribe_batch_form
from portfolio.models import Event, LearnerProfile, User
from portfolio.verbs import (
    EVIDENCE_CREATED,
    EVIDENCE_DELETED,
    EVIDENCE_UPDATED,
    PORTFOLIO_CURATED,
    PROFILE_CREATED,
    PROFILE_UPDATED,
)


def refresh_owner_entry(event: Event, payload: object) -> None:
    """For events owned by the learner whose profile changes (credentials, evidence, profile)."""
    for profile_id in profile_ids_of_learners([event.owner_id]):
        refresh_directory_entry(profile_id=profile_id)


def refresh_owner_entries(events: list[tuple[Event, object]]) -> None:
    """refresh_owner_entry for many events (a bulk issuance): one task rewrites the owners'
    entries, so the transaction that recorded the events does not wait for every rewrite.
    A refused task is logged (portfolio.events); `rebuild_directory` repairs what it missed."""
    from credentials import tasks  # tasks imports the services that record these events

    owner_ids = sorted({event.owner_id for event, _payload in events if event.owner_id})
    tasks.refresh_directory_entries.delay(learner_ids=owner_ids)


def refresh_holder_entries(event: Event, payload: object) -> None:
    """For a micro-credential published, retired or changed: every holder's entry."""
    holders = IssuedCredential.objects.filter(micro_credential_id=event.target_id).values_list(
        "learner_id", flat=True
    )
    for profile_id in profile_ids_of_learners(holders.distinct()):
        refresh_directory_entry(profile_id=profile_id)


def subscribe_directory() -> None:
    # Written out one by one: each verb has its own payload type, which a handler taking
    # `object` accepts.
    subscribe(CREDENTIAL_ISSUED, refresh_owner_entry, phase=Phase.AFTER_COMMIT)
    subscribe(CREDENTIAL_REVOKED, refresh_owner_entry, phase=Phase.AFTER_COMMIT)
    subscribe(CREDENTIAL_VISIBILITY_SET, refresh_owner_entry, phase=Phase.AFTER_COMMIT)
    subscribe(PROFILE_CREATED, refresh_owner_entry, phase=Phase.AFTER_COMMIT)
    subscribe(PROFILE_UPDATED, refresh_owner_entry, phase=Phase.AFTER_COMMIT)
    subscribe(EVIDENCE_CREATED, refresh_owner_entry, phase=Phase.AFTER_COMMIT)
    subscribe(EVIDENCE_UPDATED, refresh_owner_entry, phase=Phase.AFTER_COMMIT)
    subscribe(EVIDENCE_DELETED, refresh_owner_entry, phase=Phase.AFTER_COMMIT)
    subscribe(PORTFOLIO_CURATED, refresh_owner_entry, phase=Phase.AFTER_COMMIT)
    subscribe(MICRO_CREDENTIAL_PUBLISHED, refresh_holder_entries, phase=Phase.AFTER_COMMIT)
    subscribe(MICRO_CREDENTIAL_RETIRED, refresh_holder_entries, phase=Phase.AFTER_COMMIT)
    # Its title, skills and level are in each holder's document.
    subscribe(MICRO_CREDENTIAL_UPDATED, refresh_holder_entries, phase=Phase.AFTER_COMMIT)
    subscribe_batch_form(refresh_owner_entry, refresh_owner_entries)


def _account_or_profile_saved(sender: type[object], **kwargs: object) -> None:
    # A sign-in saves the account's last_login alone, which no search shows.
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return
    bump_after_commit()


def connect_directory_signals() -> None:
    """Cached searches (credentials.directory.cache) follow saves of profiles and accounts.

    Services record events that refresh the entry, which bumps the version; an account
    deactivated or a profile edited in the admin records none, and search reads both live.
    """
    for model in (LearnerProfile, User):
        post_save.connect(
            _account_or_profile_saved, sender=model, dispatch_uid=f"directory-save-{model}"
        )
        post_delete.connect(
            _account_or_profile_saved, sender=model, dispatch_uid=f"directory-delete-{model}"
        )
