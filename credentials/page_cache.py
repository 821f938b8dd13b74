"""The cache of pages anonymous visitors see, kept current by events.

Three kinds of page are kept: a learner's public page (/p/<slug>/), a credential's page
(/c/<id>/) and the catalogue of micro-credentials (/credentials/). A visitor without an
account gets the page from the cache, rendered once per *version* of what it shows. A
version is a token in the cache that is replaced whenever something the page shows changes:

- each learner's version, replaced by credentials' subscribers when an event changes what
  their pages show (credentials.subscribers): their public page, and the pages of their
  credentials, which name them and link to what they show;
- the catalogue's version, replaced when an issuer, a micro-credential, its rubric or a skill
  is saved or deleted (credentials.catalogue_signals; they are edited in the admin, which
  records no events).

So a change reaches the page at its next request. A page also lives no longer than MAX_AGE,
the bound for changes that pass by both (a QuerySet.update() in a shell).

Whether the page may be seen at all is never cached, nor what changes with time alone: the
views read the profile (or the credential) on every request, so making a profile private or
deactivating an account takes its pages down at once, and a credential's status (valid,
expired, revoked) is worked out from the row read at that request and is part of its key.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.cache import cache

if TYPE_CHECKING:
    from credentials.vc.verification import CredentialVerification

MAX_AGE_SECONDS = 15 * 60
_CATALOGUE_VERSION_KEY = "catalogue-version"
# Read by the directory's cached searches (credentials.directory.cache), which show the catalogue.
CATALOGUE_VERSION_KEY = _CATALOGUE_VERSION_KEY


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    etag: str
    # The versions the page was rendered at: stale once any of them moves on.
    version: str


@dataclass(frozen=True)
class Lookup:
    page: CachedPage | None
    # The versions current when looked up: a page rendered now is stored under them, so a
    # change made while it renders leaves it stale rather than fresh.
    version: str


def _version_key(user_id: int) -> str:
    return f"public-page-version:{user_id}"


def _origin_hash(origin: str) -> str:
    # The origin is part of a page (canonical and Open Graph URLs are absolute).
    return hashlib.sha256(origin.encode()).hexdigest()[:16]


def read_versioned(version_keys: list[str], key: str) -> tuple[object | None, str]:
    """The entry at ``key`` and the current versions, read together: one round trip for a hit.

    A version missing from the cache is made now, and the entry is then None: whatever was
    stored under the lost version is stale. The caller compares the entry's own version with
    the one returned, and stores what it renders under that one.
    """
    found = cache.get_many([*version_keys, key])
    missing = [name for name in version_keys if not isinstance(found.get(name), str)]
    for name in missing:
        # add(), not set(): two first requests at once agree on one version.
        cache.add(name, secrets.token_hex(8), timeout=None)
    if missing:
        found.update(cache.get_many(missing))
    version = ":".join(str(found.get(name, "")) for name in version_keys)
    return (None if missing else found.get(key)), version


def _look_up(version_keys: list[str], page_key: str) -> Lookup:
    page, version = read_versioned(version_keys, page_key)
    if isinstance(page, CachedPage) and page.version == version:
        return Lookup(page=page, version=version)
    return Lookup(page=None, version=version)


def _store(
    page_key: str,
    *,
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
        cache.set(page_key, page, timeout=timeout)
    return page


# --- A learner's public page ------------------------------------------------------------------


def _page_key(user_id: int, updated_at: datetime, origin: str) -> str:
    # Keyed by the profile's updated_at too: edits made in the admin.
    return f"public-page:{user_id}:{updated_at.timestamp()}:{_origin_hash(origin)}"


def get_page(*, user_id: int, updated_at: datetime, origin: str) -> Lookup:
    """The cached anonymous page for this profile's current version, if there is one."""
    return _look_up(
        [_version_key(user_id), _CATALOGUE_VERSION_KEY], _page_key(user_id, updated_at, origin)
    )


def store_page(
    *,
    user_id: int,
    updated_at: datetime,
    origin: str,
    version: str,
    content: bytes,
    now: datetime,
    changes_at: datetime | None,
) -> CachedPage:
    return _store(
        _page_key(user_id, updated_at, origin),
        version=version,
        content=content,
        now=now,
        changes_at=changes_at,
    )


# --- A credential's page ----------------------------------------------------------------------


def _credential_page_key(*, credential_id: int, variant: str, origin: str) -> str:
    variant_hash = hashlib.sha256(variant.encode()).hexdigest()[:16]
    return f"credential-page:{credential_id}:{variant_hash}:{_origin_hash(origin)}"


def get_credential_page(*, credential_id: int, holder_id: int, variant: str, origin: str) -> Lookup:
    """The cached anonymous page of a credential, as ``variant`` (its status, say) shows it."""
    return _look_up(
        [_version_key(holder_id), _CATALOGUE_VERSION_KEY],
        _credential_page_key(credential_id=credential_id, variant=variant, origin=origin),
    )


def store_credential_page(
    *, credential_id: int, variant: str, origin: str, version: str, content: bytes, now: datetime
) -> CachedPage:
    return _store(
        _credential_page_key(credential_id=credential_id, variant=variant, origin=origin),
        version=version,
        content=content,
        now=now,
        changes_at=None,
    )


# --- A credential's verification ----------------------------------------------------------------


def _verification_key(*, credential_id: int, variant: str) -> str:
    variant_hash = hashlib.sha256(variant.encode()).hexdigest()[:16]
    return f"credential-verification:{credential_id}:{variant_hash}"


def get_credential_verification(
    *, credential_id: int, variant: str
) -> CredentialVerification | None:
    """The Verify panel's result for this credential as ``variant`` (its status) shows it.

    Kept apart from the page, so signed-in viewers, whose pages are never cached, do not
    run the checks on every request either. The signed document never changes; what can
    change the result (revocation, expiry) changes the variant.
    """
    found = cache.get(_verification_key(credential_id=credential_id, variant=variant))
    return found if found is not None and hasattr(found, "verdict") else None


def store_credential_verification(
    *, credential_id: int, variant: str, verification: CredentialVerification
) -> None:
    cache.set(
        _verification_key(credential_id=credential_id, variant=variant),
        verification,
        timeout=MAX_AGE_SECONDS,
    )


# --- The catalogue ----------------------------------------------------------------------------


def _catalogue_page_key(*, variant: str, origin: str) -> str:
    variant_hash = hashlib.sha256(variant.encode()).hexdigest()[:16]
    return f"catalogue-page:{variant_hash}:{_origin_hash(origin)}"


def get_catalogue_page(*, variant: str, origin: str) -> Lookup:
    return _look_up([_CATALOGUE_VERSION_KEY], _catalogue_page_key(variant=variant, origin=origin))


def store_catalogue_page(
    *, variant: str, origin: str, version: str, content: bytes, now: datetime
) -> CachedPage:
    return _store(
        _catalogue_page_key(variant=variant, origin=origin),
        version=version,
        content=content,
        now=now,
        changes_at=None,
    )


# --- Changes ----------------------------------------------------------------------------------


def forget_pages(*, user_ids: list[int]) -> None:
    """Make every cached page of these learners (public page, credentials' pages) stale."""
    cache.set_many({_version_key(pk): secrets.token_hex(8) for pk in user_ids}, timeout=None)


def forget_catalogue() -> None:
    """Make every cached page that shows the catalogue's issuers, micro-credentials or
    skills stale: the catalogue, every credential's page and every public page."""
    cache.set(_CATALOGUE_VERSION_KEY, secrets.token_hex(8), timeout=None)
