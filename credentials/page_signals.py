"""Cached pages follow saves that record no event.

The services' events forget a learner's cached pages (credentials.subscribers); an account
deactivated, a profile edited or a credential revoked in the admin records none. A hit on a
cached page reads nothing from the database, so these saves must reach it: each forgets its
learner's pages once the transaction commits (and a profile leaving a slug, the page there). What passes by both, a
QuerySet.update() in a shell, waits for page_cache.MAX_AGE_SECONDS.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from credentials import page_cache
from credentials.models import IssuedCredential
from portfolio.models import LearnerProfile, User


def _forget_after_commit(user_id: int) -> None:
    transaction.on_commit(lambda: page_cache.forget_pages(user_ids=[user_id]))


def _account_saved(sender: type[User], instance: User, **kwargs: Any) -> None:
    # A sign-in saves last_login alone, which no page shows.
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return
    _forget_after_commit(instance.pk)


def _profile_saved(sender: type[LearnerProfile], instance: LearnerProfile, **kwargs: Any) -> None:
    _forget_after_commit(instance.user_id)


def _profile_saving(sender: type[LearnerProfile], instance: LearnerProfile, **kwargs: Any) -> None:
    # The page at the slug it leaves must go too; after the save, nothing names it. A new
    # profile leaves none.
    if instance._state.adding:
        return
    leaving = (
        LearnerProfile.objects.filter(pk=instance.pk)
        .exclude(slug=instance.slug)
        .values_list("slug", flat=True)
        .first()
    )
    if leaving is not None:
        transaction.on_commit(lambda: page_cache.forget_page_at(slug=leaving))


def _credential_saved(
    sender: type[IssuedCredential], instance: IssuedCredential, **kwargs: Any
) -> None:
    _forget_after_commit(instance.learner_id)


# Deleted rows are named by what they held: after the delete, no query finds their pages.
def _profile_deleted(sender: type[LearnerProfile], instance: LearnerProfile, **kwargs: Any) -> None:
    slug = instance.slug
    transaction.on_commit(lambda: page_cache.forget_page_at(slug=slug))


def _credential_deleted(
    sender: type[IssuedCredential], instance: IssuedCredential, **kwargs: Any
) -> None:
    public_id = instance.public_id
    transaction.on_commit(lambda: page_cache.forget_credential_page(public_id=public_id))


def connect_page_signals() -> None:
    # An account's delete deletes its profile and credentials first, which forget their pages.
    post_save.connect(_account_saved, sender=User, dispatch_uid="pages-account")
    pre_save.connect(_profile_saving, sender=LearnerProfile, dispatch_uid="pages-slug-left")
    post_save.connect(_profile_saved, sender=LearnerProfile, dispatch_uid="pages-profile")
    post_delete.connect(_profile_deleted, sender=LearnerProfile, dispatch_uid="pages-profile-gone")
    post_save.connect(_credential_saved, sender=IssuedCredential, dispatch_uid="pages-credential")
    post_delete.connect(
        _credential_deleted, sender=IssuedCredential, dispatch_uid="pages-credential-gone"
    )
