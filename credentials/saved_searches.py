"""Saved directory searches: their query strings, their unsubscribe links and their matches.

A saved search is kept as the directory's own query string, normalised, so it opens as a
bookmark would and runs again through the same form (credentials.directory.forms) and the
same search (credentials.directory.search.matching_entries) as the page. The services that
write saved searches and send their digests are in credentials.services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.core import signing
from django.http import QueryDict
from django.urls import reverse

from credentials.directory.forms import DirectorySearchForm
from credentials.directory.search import DirectoryFilters, SortOrder, matching_entries
from credentials.models import SavedSearch
from credentials.permissions import visible_micro_credentials
from credentials.selectors.catalogue import list_catalogue_issuers
from portfolio.models import Skill

# The e-mailed unsubscribe link says which search it stops; it works without signing in for
# this long after the digest that carried it.
UNSUBSCRIBE_SALT = "credentials.saved-search.unsubscribe"
UNSUBSCRIBE_LINK_MAX_AGE = timedelta(days=180)


def directory_search_form(data: QueryDict) -> DirectorySearchForm:
    """The directory's search form bound to a query, with the choices the page offers."""
    return DirectorySearchForm(
        data,
        skills=Skill.objects.only("id", "name", "slug").order_by("name"),
        issuers=list_catalogue_issuers(),
        micro_credentials=visible_micro_credentials().order_by("title"),
    )


def normalise_query(filters: DirectoryFilters) -> str:
    """The query string of a search, in one spelling: the same search saved twice is the
    same text. Skills are sorted (each must hold, so their order says nothing), defaults and
    the page cursor are left out."""
    pairs: list[tuple[str, str]] = []
    if filters.query:
        pairs.append(("q", " ".join(filters.query.split())))
    pairs += [("skill", slug) for slug in sorted(skill.slug for skill in filters.skills)]
    if filters.verified_only:
        pairs.append(("verified", "on"))
    if filters.issuer is not None:
        pairs.append(("issuer", filters.issuer.slug))
    if filters.micro_credential is not None:
        pairs.append(("micro_credential", filters.micro_credential.slug))
    if filters.level:
        pairs.append(("level", filters.level))
    if filters.location:
        pairs.append(("location", filters.location))
    if filters.sort != SortOrder.RELEVANCE:
        pairs.append(("sort", filters.sort.value))
    return urlencode(pairs)


def filters_of(query: str) -> DirectoryFilters | None:
    """The filters a saved query string stands for; None if it no longer holds (a skill or
    issuer it names has gone), which must not widen into a search for everyone."""
    form = directory_search_form(QueryDict(query))
    if not form.is_valid():
        return None
    return form.filters()


def suggest_name(filters: DirectoryFilters) -> str:
    """A name for the search, from what it asks for: the words, skills and place."""
    parts = [filters.query] if filters.query else []
    parts += [skill.name for skill in filters.skills]
    if filters.micro_credential is not None:
        parts.append(filters.micro_credential.title)
    elif filters.issuer is not None:
        parts.append(filters.issuer.name)
    if filters.location:
        parts.append(f"in {filters.location}")
    name = ", ".join(parts) or "Everyone in the directory"
    if filters.verified_only:
        name += " (verified)"
    return name[: SavedSearch.NAME_MAX_LENGTH]


def directory_url(query: str) -> str:
    """The directory page of a query string (a path); re-encoded, so any text is safe."""
    directory = reverse("credentials:directory")
    encoded = QueryDict(query).urlencode()
    return f"{directory}?{encoded}" if encoded else directory


def search_url(saved_search: SavedSearch) -> str:
    """The directory page of the saved search (a path)."""
    return directory_url(saved_search.query)


def matching_profile_ids(filters: DirectoryFilters, *, now: datetime) -> set[int]:
    """The profiles the search finds now, every one of them: one query."""
    return set(matching_entries(filters, now=now).values_list("profile_id", flat=True))


# --- The unsubscribe link -------------------------------------------------------------------


def make_unsubscribe_token(saved_search: SavedSearch) -> str:
    # The owner is signed too: on SQLite a deleted search's id may be given to a new one.
    return signing.dumps({"s": saved_search.pk, "o": saved_search.owner_id}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_path(saved_search: SavedSearch) -> str:
    return reverse(
        "credentials:saved-search-unsubscribe", args=[make_unsubscribe_token(saved_search)]
    )


class UnsubscribeLinkError(Exception):
    """An unsubscribe link that is not one of ours (or was altered), or is too old."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class UnsubscribeLink:
    saved_search_id: int
    owner_id: int


def read_unsubscribe_token(token: str) -> UnsubscribeLink:
    """What a link's token names. Raises UnsubscribeLinkError for a bad or expired one."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise UnsubscribeLinkError(expired=True) from None
    except signing.BadSignature:
        raise UnsubscribeLinkError(expired=False) from None
    if not isinstance(data, dict):
        raise UnsubscribeLinkError(expired=False)
    saved_search_id, owner_id = data.get("s"), data.get("o")
    if not isinstance(saved_search_id, int) or not isinstance(owner_id, int):
        raise UnsubscribeLinkError(expired=False)
    return UnsubscribeLink(saved_search_id=saved_search_id, owner_id=owner_id)
