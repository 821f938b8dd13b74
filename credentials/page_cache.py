"""The cache of anonymous views of public pages (/p/<slug>/), kept current by events.

A visitor without an account gets the page from the cache, rendered once per version of
the learner's public content. The version is a token in the cache that credentials'
subscribers replace whenever an event changes what the page shows (credentials.subscribers),
so a change reaches the page at its next request; the entry is also keyed by the profile's
updated_at (edits made in the admin) and lives no longer than MAX_AGE nor past the moment a
shown credential expires. Whether the page may be seen at all is never cached: the view
reads the profile on every request, so making it private or deactivating the account takes
it down at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache

from portfolio.models import LearnerProfile

MAX_AGE_SECONDS = 15 * 60


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    etag: str
    # The learner's version the page was rendered at: stale once the version moves on.
    version: str


@dataclass(frozen=True)
class Lookup:
    page: CachedPage | None
    # The version current when looked up: a page rendered now is stored under it, so a
    # change made while it renders leaves it stale rather than fresh.
    version: str


def _version_key(user_id: int) -> str:
    return f"public-page-version:{user_id}"


def _page_key(profile: LearnerProfile, origin: str) -> str:
    stamp = profile.updated_at.timestamp()
    # The origin is part of the page (canonical and Open Graph URLs are absolute).
    origin_hash = hashlib.sha256(origin.encode()).hexdigest()[:16]
    return f"public-page:{profile.user_id}:{stamp}:{origin_hash}"


def get_page(profile: LearnerProfile, *, origin: str) -> Lookup:
    """The cached anonymous page for this profile's current version, if there is one.

    One round trip to the cache for a hit: the version and the page are read together.
    """
    version_key = _version_key(profile.user_id)
    found = cache.get_many([version_key, _page_key(profile, origin)])
    version = found.get(version_key)
    if not isinstance(version, str):
        # add(), not set(): two first requests at once agree on one version.
        cache.add(version_key, secrets.token_hex(8), timeout=None)
        return Lookup(page=None, version=cache.get(version_key, ""))
    page = found.get(_page_key(profile, origin))
    if isinstance(page, CachedPage) and page.version == version:
        return Lookup(page=page, version=version)
    return Lookup(page=None, version=version)


def store_page(
    profile: LearnerProfile,
    *,
    origin: str,
    version: str,
    content: bytes,
    now: datetime,
    changes_at: datetime | None,
) -> CachedPage:
    """Keep a rendered page until the next change, the page's own next change, or MAX_AGE."""
    page = CachedPage(
        content=content,
        etag=f'"{hashlib.sha256(content).hexdigest()[:32]}"',
        version=version,
    )
    timeout = MAX_AGE_SECONDS
    if changes_at is not None:
        timeout = max(0, min(timeout, int((changes_at - now).total_seconds())))
    if timeout > 0:
        cache.set(_page_key(profile, origin), page, timeout=timeout)
    return page


def forget_pages(*, user_ids: list[int]) -> None:
    """Make every cached public page of these learners stale."""
    cache.set_many({_version_key(pk): secrets.token_hex(8) for pk in user_ids}, timeout=None)
