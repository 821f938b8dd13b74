"""The directory's rendered searches, kept until the directory or the catalogue changes.

A search is the same for every searcher (it has no user in it), so the part of the page it
decides (the filter form with its long option lists, the facets, the results and the page
links) is rendered once per *normalised query string* and kept under two versions:

- the directory's version, replaced after commit whenever an entry is refreshed
  (`refresh_directory_entry`), and whenever a profile or an account is saved (making a
  profile private or opting it out records an event that refreshes its entry; an account
  deactivated in the admin records none, so the saves are followed too, after commit);
- the catalogue's version (`credentials.page_cache`), replaced when a skill, an issuer or a
  micro-credential changes: the form's option lists and the names in the results.

So a profile made private, deactivated or opted out leaves the cached searches in the same
after-commit step that refreshes its entry, never later. What changes with time alone (a
credential expiring turns a verified skill into nothing) reaches the searches within
MAX_AGE_SECONDS. Per-user parts (the employer's "Save this search" form with its CSRF
token, the page around it) are rendered per request, outside the cached part.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import QueryDict

from credentials import page_cache

MAX_AGE_SECONDS = 60
_DIRECTORY_VERSION_KEY = "directory-version"


@dataclass(frozen=True)
class CachedSearch:
    # The rendered part before and after the per-user "Save this search" form.
    head: str
    tail: str
    # The fields of the "Save this search" form for this search ("" if it may not be saved):
    # the form's CSRF token is added per request.
    save_form_fields: str
    etag: str
    version: str


@dataclass(frozen=True)
class SearchLookup:
    search: CachedSearch | None
    # The versions current when looked up: a search rendered now is stored under them, so
    # a change committed while it renders leaves it stale rather than fresh.
    version: str


def search_key(params: QueryDict) -> str:
    """One key per query string, whatever the order of its parameters.

    Every parameter counts, not only the search's: the page's links carry them all.
    """
    parts = sorted(params.lists())
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"directory-search:{digest}"


def get_search(key: str) -> SearchLookup:
    """The cached search for the current versions, if there is one: one cache round trip."""
    version_keys = [_DIRECTORY_VERSION_KEY, page_cache.CATALOGUE_VERSION_KEY]
    search, version = page_cache.read_versioned(version_keys, key)
    if isinstance(search, CachedSearch) and search.version == version:
        return SearchLookup(search=search, version=version)
    return SearchLookup(search=None, version=version)


def store_search(
    key: str, *, version: str, head: str, tail: str, save_form_fields: str
) -> CachedSearch:
    digest = hashlib.sha256(f"{head}\0{tail}\0{save_form_fields}".encode()).hexdigest()[:32]
    search = CachedSearch(
        head=head, tail=tail, save_form_fields=save_form_fields, etag=digest, version=version
    )
    cache.set(key, search, timeout=MAX_AGE_SECONDS)
    return search


def bump_directory_version() -> None:
    """Make every cached search stale. Call after the change has committed."""
    cache.set(_DIRECTORY_VERSION_KEY, secrets.token_hex(8), timeout=None)


def bump_after_commit(*args: Any, **kwargs: Any) -> None:
    """For a change being made: bump now, and again once the current transaction commits.

    The bump after commit is the one that counts: a search rendered between the two (still
    seeing the state before the change) is stored under a version that the second bump
    makes stale. The first serves code that reads the change in the same transaction
    before it commits (management commands in one transaction, and tests).
    """
    bump_directory_version()
    transaction.on_commit(bump_directory_version)
