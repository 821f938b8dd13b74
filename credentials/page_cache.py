"""The cache of pages anonymous visitors see, kept current by events and saves.

Three kinds of page are kept: a learner's public page (/p/<slug>/), a credential's page
(/c/<id>/) and the catalogue of micro-credentials (/credentials/). A visitor without an
account gets the page from the cache, rendered once per *version* of what it shows, and a hit
reads nothing from the database. A version is a token in the cache, read in the same round
trip as the page, that is replaced whenever something the page shows, or who may see it,
changes:

- each public page's (by slug) and each credential page's, replaced together for a learner
  when an event changes what their pages show (credentials.subscribers) and when their
  account, profile or one of their credentials is saved without one, in the admin
  (credentials.page_signals): a profile made private, an account deactivated or a credential
  revoked reaches its pages at their next request;
- the catalogue's version, replaced when an issuer, a micro-credential, its rubric or a skill
  is saved or deleted (credentials.catalogue_signals; they are edited in the admin, which
  records no events).

What changes with time alone is worked out on every hit: a credential's page keeps what its
status was worked out from, and a public page lives no longer than the next change of what
it shows (a credential expiring). A page also lives no longer than MAX_AGE, the bound for
changes that pass by events and signals alike (a QuerySet.update() in a shell).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from django.core.cache import cache

from credentials.models import IssuedCredential
from portfolio.models import LearnerProfile

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


def _page_version_key(slug: str) -> str:
    # By slug, as the request names the page: a hit needs nothing else to find its version.
    return f"public-page-version:{slug}"


def _page_key(slug: str, origin: str) -> str:
    return f"public-page:{slug}:{_origin_hash(origin)}"


def get_page(*, slug: str, origin: str) -> Lookup:
    """The cached anonymous page at this slug for its current version, in one round trip.

    The version is the slug's own (replaced whenever its learner's pages are forgotten, and
    when their account or profile is saved, the slug they leave included) and the
    catalogue's, so a hit reads nothing from the database.
    """
    return _look_up([_page_version_key(slug), _CATALOGUE_VERSION_KEY], _page_key(slug, origin))


def store_page(
    *,
    slug: str,
    origin: str,
    version: str,
    content: bytes,
    now: datetime,
    changes_at: datetime | None,
) -> CachedPage:
    return _store(
        _page_key(slug, origin), version=version, content=content, now=now, changes_at=changes_at
    )


# --- A credential's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class CachedCredentialPage:
    content: bytes
    version: str
    # What the status shown was worked out from, so a hit can tell whether it still holds: a
    # credential expires with time alone, with no event and no change to its row.
    status: str
    revoked_at: datetime | None
    expires_at: datetime | None

    def still_shows_status_at(self, when: datetime) -> bool:
        current = IssuedCredential(revoked_at=self.revoked_at, expires_at=self.expires_at)
        return bool(current.status_at(when) == self.status)


@dataclass(frozen=True)
class CredentialLookup:
    page: CachedCredentialPage | None
    version: str


def _credential_version_key(public_id: UUID) -> str:
    return f"credential-page-version:{public_id}"


def _credential_page_key(public_id: UUID, origin: str) -> str:
    return f"credential-page:{public_id}:{_origin_hash(origin)}"


def get_credential_page(*, public_id: UUID, origin: str) -> CredentialLookup:
    """The anonymous page of a credential as cached for its current version, in one round trip.

    The version is the credential's own (replaced whenever its holder's pages are forgotten,
    and when its row, its holder's account or profile is saved) and the catalogue's, so a hit
    reads nothing from the database: who may see it (its holder's account active) and what it
    says change only through those.
    """
    page, version = read_versioned(
        [_credential_version_key(public_id), _CATALOGUE_VERSION_KEY],
        _credential_page_key(public_id, origin),
    )
    if isinstance(page, CachedCredentialPage) and page.version == version:
        return CredentialLookup(page=page, version=version)
    return CredentialLookup(page=None, version=version)


def store_credential_page(
    *,
    public_id: UUID,
    origin: str,
    version: str,
    content: bytes,
    status: str,
    revoked_at: datetime | None,
    expires_at: datetime | None,
) -> None:
    page = CachedCredentialPage(
        content=content,
        version=version,
        status=status,
        revoked_at=revoked_at,
        expires_at=expires_at,
    )
    cache.set(_credential_page_key(public_id, origin), page, timeout=MAX_AGE_SECONDS)


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
    if not user_ids:
        return
    slugs = LearnerProfile.objects.filter(user_id__in=user_ids).values_list("slug", flat=True)
    credentials = IssuedCredential.objects.filter(learner_id__in=user_ids).values_list(
        "public_id", flat=True
    )
    keys = [_page_version_key(slug) for slug in slugs]
    keys += [_credential_version_key(public_id) for public_id in credentials]
    cache.set_many({key: secrets.token_hex(8) for key in keys}, timeout=None)


def forget_page_at(*, slug: str) -> None:
    """Make the cached page at this slug stale: one its learner is leaving for another."""
    cache.set(_page_version_key(slug), secrets.token_hex(8), timeout=None)


def forget_credential_page(*, public_id: UUID) -> None:
    cache.set(_credential_version_key(public_id), secrets.token_hex(8), timeout=None)


def forget_catalogue() -> None:
    """Make every cached page that shows the catalogue's issuers, micro-credentials or
    skills stale: the catalogue, every credential's page and every public page."""
    cache.set(_CATALOGUE_VERSION_KEY, secrets.token_hex(8), timeout=None)
