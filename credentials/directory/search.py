"""Searching the directory: a pure function of the cleaned filters, the time and a cursor.

`search_directory` takes no request, so a saved search can run again from its query string
(forms.DirectorySearchForm turns one into DirectoryFilters). Pages are keyset pages: each
page asks for the rows after the last one shown, by the sort's own key and the profile id,
never an OFFSET that reads every earlier row again.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import Count, Exists, F, FloatField, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Cast

from credentials.directory.documents import SEARCH_CONFIG
from credentials.directory.models import DirectoryCredential, DirectoryEntry, DirectorySkill
from credentials.models import Issuer, MicroCredential
from portfolio.models import LearnerProfile, Skill
from portfolio.permissions import public_profiles

PAGE_SIZE = 20
FACETS_SHOWN = 12
# SQLite's match: each word of the query must appear; more words than this are ignored.
MAX_QUERY_WORDS = 8


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    RECENT = "recent"


@dataclass(frozen=True)
class DirectoryFilters:
    """A search as the form cleaned it; every filter must hold (AND)."""

    query: str = ""
    # Each of these skills must be shown by the profile (verified, or claimed too unless
    # verified_only).
    skills: tuple[Skill, ...] = ()
    issuer: Issuer | None = None
    micro_credential: MicroCredential | None = None
    level: str = ""
    # Part of the profile's location, any case.
    location: str = ""
    # Only skills backed by a valid credential count; without skills, only profiles that
    # have one.
    verified_only: bool = False
    sort: SortOrder = SortOrder.RELEVANCE


class CursorError(ValueError):
    """A page cursor that this search did not make."""


_CURSOR = re.compile(r"^(?P<kind>[rtn])(?P<value>[^~]{0,40})~(?P<id>[1-9][0-9]{0,18})$")


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's sort key and id.

    kind "r" carries a relevance rank, "t" a latest credential date, "n" no date (profiles
    without credentials, which come last).
    """

    kind: str
    value: float | datetime | None
    entry_id: int

    def encode(self) -> str:
        if isinstance(self.value, datetime):
            value = self.value.isoformat()
        elif self.value is None:
            value = ""
        else:
            value = repr(self.value)
        return f"{self.kind}{value}~{self.entry_id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises CursorError for anything encode() did not write."""
        match = _CURSOR.match(text)
        if match is None:
            raise CursorError(text)
        kind, raw, entry_id = match["kind"], match["value"], int(match["id"])
        if entry_id > 2**63 - 1:
            raise CursorError(text)
        value: float | datetime | None
        try:
            if kind == "r":
                value = float(raw)
                if not math.isfinite(value):
                    raise CursorError(text)
            elif kind == "t":
                value = datetime.fromisoformat(raw)
                if value.tzinfo is None:
                    raise CursorError(text)
            else:
                if raw:
                    raise CursorError(text)
                value = None
        except ValueError:
            raise CursorError(text) from None
        return cls(kind=kind, value=value, entry_id=entry_id)


@dataclass(frozen=True)
class Facet:
    """A skill or issuer that narrowing to would leave `count` profiles."""

    slug: str
    name: str
    count: int


@dataclass(frozen=True)
class DirectoryResult:
    profile: LearnerProfile
    verified_skills: list[Skill]
    claimed_skills: list[Skill]
    # Titles of the profile's valid listed credentials, newest first.
    credential_titles: list[str]


@dataclass(frozen=True)
class DirectoryPage:
    results: list[DirectoryResult]
    # The cursor of the next page; None on the last.
    next_cursor: Cursor | None
    skill_facets: list[Facet]
    issuer_facets: list[Facet]
    # No profile matched the words themselves, so these are near spellings (PostgreSQL).
    is_fuzzy: bool


def verified_at(now: datetime) -> Q:
    """A DirectorySkill row backed by a credential still valid at `now`."""
    return Q(is_verified=True) & (Q(verified_until__isnull=True) | Q(verified_until__gt=now))


def _shown_skill(filters: DirectoryFilters, now: datetime) -> Q:
    return verified_at(now) if filters.verified_only else verified_at(now) | Q(is_claimed=True)


def _valid_credential(now: datetime) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


def listed_entries() -> QuerySet[DirectoryEntry]:
    """Entries of the profiles the directory may show: public, active, not opted out.

    Read from the profile at every search, not from the document: an account deactivated
    in the admin records no event.
    """
    return DirectoryEntry.objects.filter(
        profile__in=public_profiles().filter(in_directory=True).values("pk")
    )


def _filtered(filters: DirectoryFilters, now: datetime) -> QuerySet[DirectoryEntry]:
    entries = listed_entries()
    shown = _shown_skill(filters, now)
    for skill in filters.skills:
        entries = entries.filter(
            Exists(DirectorySkill.objects.filter(shown, entry=OuterRef("pk"), skill=skill))
        )
    if filters.verified_only and not filters.skills:
        entries = entries.filter(
            Exists(DirectorySkill.objects.filter(verified_at(now), entry=OuterRef("pk")))
        )
    credential_filters: list[Q] = []
    if filters.issuer is not None:
        credential_filters.append(Q(issuer=filters.issuer))
    if filters.micro_credential is not None:
        credential_filters.append(Q(micro_credential=filters.micro_credential))
    if filters.level:
        credential_filters.append(Q(level=filters.level))
    for condition in credential_filters:
        # Each condition on its own: an issuer and a level may be met by two credentials.
        entries = entries.filter(
            Exists(
                DirectoryCredential.objects.filter(
                    condition, _valid_credential(now), entry=OuterRef("pk")
                )
            )
        )
    if filters.location:
        entries = entries.filter(location_key__contains=filters.location.casefold())
    return entries


def _matched(
    entries: QuerySet[DirectoryEntry], query: str
) -> tuple[QuerySet[DirectoryEntry], bool]:
    """Entries matching the words, annotated with their rank; and whether by near spelling."""
    if connection.vendor != "postgresql":
        for word in query.split()[:MAX_QUERY_WORDS]:
            entries = entries.filter(document__icontains=word)
        return entries.annotate(rank=Value(0.0, output_field=FloatField())), False
    words = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    by_words = entries.filter(search_vector=words)
    if by_words.exists():
        return by_words.annotate(rank=_exact(SearchRank(F("search_vector"), words))), False
    # A typo ("pyhton") matches no word; the GIN trigram index finds near spellings.
    near = entries.filter(document__trigram_word_similar=query)
    return near.annotate(rank=_exact(TrigramWordSimilarity(query, "document"))), True


def _exact(rank: SearchRank | TrigramWordSimilarity) -> Cast:
    # Both are PostgreSQL reals, sent as their shortest decimal text, which reads back as a
    # slightly different double: a cursor holding it would repeat or skip rows. As double
    # precision the value survives the round trip exactly.
    return Cast(rank, FloatField())


def _ranks(filters: DirectoryFilters) -> bool:
    return (
        filters.sort == SortOrder.RELEVANCE
        and bool(filters.query)
        and connection.vendor == "postgresql"
    )


def _after(
    entries: QuerySet[DirectoryEntry], cursor: Cursor, *, ranked: bool
) -> QuerySet[DirectoryEntry]:
    if ranked != (cursor.kind == "r"):
        raise CursorError(cursor.encode())
    if isinstance(cursor.value, float):
        return entries.filter(
            Q(rank__lt=cursor.value) | Q(rank=cursor.value, pk__lt=cursor.entry_id)
        )
    if isinstance(cursor.value, datetime):
        return entries.filter(
            Q(latest_credential_at__lt=cursor.value)
            | Q(latest_credential_at=cursor.value, pk__lt=cursor.entry_id)
            | Q(latest_credential_at__isnull=True)
        )
    return entries.filter(latest_credential_at__isnull=True, pk__lt=cursor.entry_id)


def _cursor_of(entry: DirectoryEntry, *, ranked: bool) -> Cursor:
    if ranked:
        return Cursor(kind="r", value=float(entry.rank), entry_id=entry.pk)  # type: ignore[attr-defined]  # annotated by _matched
    if entry.latest_credential_at is None:
        return Cursor(kind="n", value=None, entry_id=entry.pk)
    return Cursor(kind="t", value=entry.latest_credential_at, entry_id=entry.pk)


def search_directory(
    filters: DirectoryFilters,
    *,
    now: datetime,
    after: Cursor | None = None,
    page_size: int = PAGE_SIZE,
) -> DirectoryPage:
    """One page of profiles matching every filter, with facet counts over all the matches.

    Raises CursorError for a cursor of another sort order. A constant number of queries
    whatever the page size: the page, its skills, its credentials and the two facets
    (and, with words on PostgreSQL, whether any profile matches them exactly).
    """
    entries = _filtered(filters, now)
    is_fuzzy = False
    if filters.query:
        entries, is_fuzzy = _matched(entries, filters.query)
    ranked = _ranks(filters)
    matching = entries
    if after is not None:
        entries = _after(entries, after, ranked=ranked)
    if ranked:
        entries = entries.order_by(F("rank").desc(), "-pk")
    else:
        entries = entries.order_by(F("latest_credential_at").desc(nulls_last=True), "-pk")
    shown = _shown_skill(filters, now)
    rows = list(
        entries.select_related("profile").prefetch_related(
            Prefetch(
                "skills",
                queryset=DirectorySkill.objects.filter(shown)
                .select_related("skill")
                .order_by("skill__name", "pk"),
            ),
            Prefetch(
                "credentials",
                queryset=DirectoryCredential.objects.filter(_valid_credential(now))
                .select_related("micro_credential")
                .order_by("-issued_at", "-pk"),
            ),
        )[: page_size + 1]
    )
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    results = []
    for entry in rows:
        skills = list(entry.skills.all())
        verified = [row.skill for row in skills if _is_verified(row, now)]
        results.append(
            DirectoryResult(
                profile=entry.profile,
                verified_skills=verified,
                claimed_skills=[row.skill for row in skills if not _is_verified(row, now)],
                credential_titles=list(
                    dict.fromkeys(row.micro_credential.title for row in entry.credentials.all())
                ),
            )
        )
    return DirectoryPage(
        results=results,
        next_cursor=_cursor_of(rows[-1], ranked=ranked) if has_more else None,
        skill_facets=_skill_facets(matching, shown),
        issuer_facets=_issuer_facets(matching, now),
        is_fuzzy=is_fuzzy,
    )


def _is_verified(row: DirectorySkill, now: datetime) -> bool:
    return row.is_verified and (row.verified_until is None or row.verified_until > now)


def _skill_facets(matching: QuerySet[DirectoryEntry], shown: Q) -> list[Facet]:
    rows = (
        DirectorySkill.objects.filter(shown, entry__in=matching.values("pk"))
        .values("skill__slug", "skill__name")
        # One row per entry and skill (directory_skill_unique), so a plain count is distinct.
        .annotate(count=Count("entry"))
        .order_by("-count", "skill__name")[:FACETS_SHOWN]
    )
    return [Facet(slug=r["skill__slug"], name=r["skill__name"], count=r["count"]) for r in rows]


def _issuer_facets(matching: QuerySet[DirectoryEntry], now: datetime) -> list[Facet]:
    rows = (
        DirectoryCredential.objects.filter(_valid_credential(now), entry__in=matching.values("pk"))
        .values("issuer__slug", "issuer__name")
        .annotate(count=Count("entry", distinct=True))
        .order_by("-count", "issuer__name")[:FACETS_SHOWN]
    )
    return [Facet(slug=r["issuer__slug"], name=r["issuer__name"], count=r["count"]) for r in rows]


def matching_entries(filters: DirectoryFilters, *, now: datetime) -> QuerySet[DirectoryEntry]:
    """Every entry matching the filters, unordered and unpaged: what a saved search compares
    from one day to the next.

    Words match exactly only: the near spellings a page falls back to when nothing matches
    would come and go as exact matches appear, and turn up in a digest as news.
    """
    entries = _filtered(filters, now)
    if not filters.query:
        return entries
    matched, is_fuzzy = _matched(entries, filters.query)
    return entries.none() if is_fuzzy else matched
