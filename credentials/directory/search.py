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
from functools import partial

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast

from credentials.directory.documents import SEARCH_CONFIG
from credentials.directory.models import DirectoryCredential, DirectoryEntry, DirectorySkill
from credentials.models import Issuer, MicroCredential
from portfolio.models import LearnerProfile, Skill
from portfolio.permissions import public_profiles

PAGE_SIZE = 20
FACETS_SHOWN = 12
# No search counts or ranks every match, so a skill held by a third of 100,000 learners
# costs about what a rare one does (benchmarks/directory.py). It reads the ids of at most
# MATCHES_COUNTED + 1 matches, the most recently credentialed first: below that the number
# is exact, past it the page says "1,000+ profiles", and relevance ranks those matches only
# (the page says so, and the most-recent sort still pages through all of them). The facets
# count the skills and issuers of the first FACET_SAMPLE of those ids: exact below it, past
# it a lower bound shown with a "+". Exact counts would read every match three times (the
# number, the skills, the issuers) on every page; precomputed counts could not follow the
# words and filters of a search; a bounded sample keeps what the facets are for (what to
# narrow by next) at a fixed cost, and the facets are the dearest part (ten skill rows and
# five credentials per match), hence the smaller sample.
MATCHES_COUNTED = 1000
FACET_SAMPLE = 200
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
    # Counted among the first FACET_SAMPLE matches of more: at least `count`.
    is_lower_bound: bool = False


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
    # How many profiles match, counted up to MATCHES_COUNTED; capped: at least that many.
    match_count: int = 0
    match_count_is_capped: bool = False
    # The cursor of the previous page (search again `before` it); None on the first.
    previous_cursor: Cursor | None = None
    # Ranked by relevance among the MATCHES_COUNTED most recently credentialed matches only.
    ranks_a_sample: bool = False


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
    if filters.skills and connection.vendor == "postgresql":
        # Every chosen skill at once, through the GIN index (with the words', in one bitmap);
        # the Exists below then decides, for those few, whether each is shown now.
        entries = entries.filter(skill_ids__contains=[skill.pk for skill in filters.skills])
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


def _search_query(query: str) -> SearchQuery:
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def _with_words(entries: QuerySet[DirectoryEntry], query: str) -> QuerySet[DirectoryEntry]:
    """Entries having the words: full-text on PostgreSQL; on SQLite, each word in the text."""
    if connection.vendor == "postgresql":
        return entries.filter(search_vector=_search_query(query))
    for word in query.split()[:MAX_QUERY_WORDS]:
        entries = entries.filter(document__icontains=word)
    return entries


def _sample(entries: QuerySet[DirectoryEntry]) -> list[int]:
    """The ids of up to MATCHES_COUNTED + 1 matches, the most recently credentialed first.

    In the order of directory_recent_idx: where matches are many, PostgreSQL walks that index
    and stops at the limit; where they are few, it finds them through the words' and skills'
    GIN indexes and sorts those few. Never a count or a rank of every match.
    """
    return list(
        entries.order_by(*_order(ranked=False, backwards=False)).values_list("pk", flat=True)[
            : MATCHES_COUNTED + 1
        ]
    )


def _exact(rank: SearchRank | TrigramWordSimilarity) -> Cast:
    # Both are PostgreSQL reals, sent as their shortest decimal text, which reads back as a
    # slightly different double: a cursor holding it would repeat or skip rows. As double
    # precision the value survives the round trip exactly.
    return Cast(rank, FloatField())


def _beyond(
    entries: QuerySet[DirectoryEntry], cursor: Cursor, *, ranked: bool, backwards: bool
) -> QuerySet[DirectoryEntry]:
    """The rows shown after the cursor's row in the sort's order, or before it (backwards)."""
    if ranked != (cursor.kind == "r"):
        raise CursorError(cursor.encode())
    # Newest (or best) first: later rows hold smaller keys, earlier rows greater ones.
    past = "gt" if backwards else "lt"
    if isinstance(cursor.value, float):
        return entries.filter(
            Q(**{f"rank__{past}": cursor.value})
            | Q(rank=cursor.value, **{f"pk__{past}": cursor.entry_id})
        )
    if isinstance(cursor.value, datetime):
        dated = Q(**{f"latest_credential_at__{past}": cursor.value}) | Q(
            latest_credential_at=cursor.value, **{f"pk__{past}": cursor.entry_id}
        )
        # Profiles without a credential come last: after every dated row, never before one.
        return entries.filter(dated if backwards else dated | Q(latest_credential_at__isnull=True))
    if backwards:
        return entries.filter(
            Q(latest_credential_at__isnull=False)
            | Q(latest_credential_at__isnull=True, pk__gt=cursor.entry_id)
        )
    return entries.filter(latest_credential_at__isnull=True, pk__lt=cursor.entry_id)


def _order(*, ranked: bool, backwards: bool) -> list[OrderBy]:
    """The sort's order (rank or latest credential, then id, newest first), or its reverse.

    Both read an index in one direction or the other (directory_recent_idx for the
    dates), so a page costs its own rows whichever way it is fetched.
    """
    if ranked:
        if backwards:
            return [F("rank").asc(), F("pk").asc()]
        return [F("rank").desc(), F("pk").desc()]
    if backwards:
        return [F("latest_credential_at").asc(nulls_first=True), F("pk").asc()]
    return [F("latest_credential_at").desc(nulls_last=True), F("pk").desc()]


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
    before: Cursor | None = None,
    page_size: int = PAGE_SIZE,
) -> DirectoryPage:
    """One page of profiles matching every filter, with the number of matches and facets.

    `after` asks for the page that follows a row, `before` for the one that precedes it;
    a `before` that reaches the start gives the first page. Raises CursorError for a cursor
    of another sort order, or for both at once. A constant number of queries whatever the
    page size and the number of matches: a sample of the matches, the page, its skills, its
    credentials and the two facets over the sample (and a second sample by near spelling
    when no profile has the words; and, for a `before` that reaches the start, the first
    page).
    """
    if after is not None and before is not None:
        raise CursorError(after.encode())
    entries = _filtered(filters, now)
    rank: Cast | None = None
    is_fuzzy = False
    if filters.query and connection.vendor != "postgresql":
        entries = _with_words(entries, filters.query)
    elif filters.query:
        words = _search_query(filters.query)
        by_words = _with_words(entries, filters.query)
        sample = _sample(by_words)
        if sample:
            entries, rank = by_words, _exact(SearchRank(F("search_vector"), words))
        else:
            # A typo ("pyhton") matches no word; the GIN trigram index finds near spellings.
            entries = entries.filter(document__trigram_word_similar=filters.query)
            rank = _exact(TrigramWordSimilarity(filters.query, "document"))
            is_fuzzy = True
    if not filters.query or is_fuzzy or connection.vendor != "postgresql":
        sample = _sample(entries)
    is_capped = len(sample) > MATCHES_COUNTED
    sample = sample[:MATCHES_COUNTED]
    ranked = rank is not None and filters.sort == SortOrder.RELEVANCE
    if ranked:
        # Relevance ranks the sample, not every match: past MATCHES_COUNTED matches, the most
        # recently credentialed MATCHES_COUNTED of them, the most relevant first (the page says
        # so and offers the other sort, which pages through them all).
        entries = DirectoryEntry.objects.filter(pk__in=sample).annotate(rank=rank)
    facets_sampled = len(sample) > FACET_SAMPLE
    shown = _shown_skill(filters, now)
    previous: Cursor | None = None
    next_cursor: Cursor | None = None
    fetch = partial(_page_rows, ranked=ranked, shown=shown, now=now, limit=page_size + 1)
    if before is not None:
        rows = fetch(_beyond(entries, before, ranked=ranked, backwards=True), backwards=True)
        if len(rows) > page_size:
            rows = rows[:page_size]
            rows.reverse()
            previous = _cursor_of(rows[0], ranked=ranked)
        else:
            # Fewer than a page before it: the first page, which starts where they do.
            before = None
    if before is None:
        page_entries = (
            entries if after is None else _beyond(entries, after, ranked=ranked, backwards=False)
        )
        rows = fetch(page_entries, backwards=False)
        if len(rows) > page_size:
            rows = rows[:page_size]
            next_cursor = _cursor_of(rows[-1], ranked=ranked)
        if after is not None and rows:
            previous = _cursor_of(rows[0], ranked=ranked)
    elif rows:
        # A page reached backwards has at least the row it was reached from after it.
        next_cursor = _cursor_of(rows[-1], ranked=ranked)
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
        next_cursor=next_cursor,
        skill_facets=_skill_facets(sample[:FACET_SAMPLE], shown, is_capped=facets_sampled),
        issuer_facets=_issuer_facets(sample[:FACET_SAMPLE], now, is_capped=facets_sampled),
        is_fuzzy=is_fuzzy,
        match_count=len(sample),
        match_count_is_capped=is_capped,
        previous_cursor=previous,
        ranks_a_sample=ranked and is_capped,
    )


def _page_rows(
    entries: QuerySet[DirectoryEntry],
    *,
    ranked: bool,
    backwards: bool,
    shown: Q,
    now: datetime,
    limit: int,
) -> list[DirectoryEntry]:
    order = _order(ranked=ranked, backwards=backwards)
    if "rank" in entries.query.annotations:
        # Rank the sample's entries alone, then join the page's profiles: ranked with them,
        # PostgreSQL would join every sampled row to its profile before sorting.
        page = entries.order_by(*order).values("pk")[:limit]
        rank = entries.query.annotations["rank"]
        entries = DirectoryEntry.objects.filter(pk__in=page).annotate(rank=rank)
    return list(
        entries.order_by(*order)
        .defer("document", "skill_text", "credential_text", "search_vector", "skill_ids")
        .select_related("profile")
        .prefetch_related(
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
        )[:limit]
    )


def _is_verified(row: DirectorySkill, now: datetime) -> bool:
    return row.is_verified and (row.verified_until is None or row.verified_until > now)


def _skill_facets(sample: list[int], shown: Q, *, is_capped: bool) -> list[Facet]:
    if not sample:
        return []
    rows = (
        DirectorySkill.objects.filter(shown, entry__in=sample)
        .values("skill__slug", "skill__name")
        # One row per entry and skill (directory_skill_unique), so a plain count is distinct.
        .annotate(count=Count("entry"))
        .order_by("-count", "skill__name")[:FACETS_SHOWN]
    )
    return [
        Facet(
            slug=r["skill__slug"], name=r["skill__name"], count=r["count"], is_lower_bound=is_capped
        )
        for r in rows
    ]


def _issuer_facets(sample: list[int], now: datetime, *, is_capped: bool) -> list[Facet]:
    if not sample:
        return []
    rows = (
        DirectoryCredential.objects.filter(_valid_credential(now), entry__in=sample)
        .values("issuer__slug", "issuer__name")
        .annotate(count=Count("entry", distinct=True))
        .order_by("-count", "issuer__name")[:FACETS_SHOWN]
    )
    return [
        Facet(
            slug=r["issuer__slug"],
            name=r["issuer__name"],
            count=r["count"],
            is_lower_bound=is_capped,
        )
        for r in rows
    ]


def matching_entries(filters: DirectoryFilters, *, now: datetime) -> QuerySet[DirectoryEntry]:
    """Every entry matching the filters, unordered and unpaged: what a saved search compares
    from one day to the next.

    Words match exactly only: the near spellings a page falls back to when nothing matches
    would come and go as exact matches appear, and turn up in a digest as news.
    """
    entries = _filtered(filters, now)
    if not filters.query:
        return entries
    return _with_words(entries, filters.query)
