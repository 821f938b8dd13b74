"""/directory/ at scale: previous pages, and counts capped at a sample of the matches."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from credentials.directory import search
from credentials.directory.documents import rebuild_directory
from credentials.directory.search import Cursor, DirectoryFilters, SortOrder, search_directory
from tests.concurrency import requires_postgresql
from tests.credentials.conftest import NOW, issue
from tests.credentials.test_directory import names, person
from tests.factories import IssuerFactory, MicroCredentialFactory, SkillFactory

URL = reverse("credentials:directory")


@pytest.fixture
def public_directory(settings):
    settings.DIRECTORY_IS_PUBLIC = True


@pytest.fixture
def seven(db):
    """Seven listed people: four credentialed (two on one day), three without credentials."""
    skill = SkillFactory(name="Welding", slug="welding")
    micro_credential = MicroCredentialFactory(issuer=IssuerFactory(name="Forge College"))
    micro_credential.skills.set([skill])
    users = [person(f"Person {n}", headline="welding " * (1 + n % 3)) for n in range(7)]
    for n, user in enumerate(users[:4]):
        issue(user, micro_credential, issued_at=NOW - timedelta(days=min(n, 2)))
    rebuild_directory()
    return users


def _walk_forward(filters):
    pages, cursor = [], None
    for _ in range(10):
        page = search_directory(filters, now=NOW, after=cursor, page_size=2)
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return pages
    raise AssertionError("more pages than people")


def _shown(page):
    return [r.profile.display_name for r in page.results]


@pytest.mark.parametrize("sort", [SortOrder.RECENT, SortOrder.RELEVANCE])
def test_previous_pages_retrace_the_next_pages(seven, sort):
    # With words, relevance ranks on PostgreSQL; elsewhere (and without words) by date.
    filters = DirectoryFilters(query="welding", sort=sort)
    forward = _walk_forward(filters)
    assert [len(page.results) for page in forward] == [2, 2, 2, 1]
    assert forward[0].previous_cursor is None
    assert forward[-1].next_cursor is None
    # Back from the last page, one page at a time, to the first.
    page = forward[-1]
    for expected in reversed(forward[:-1]):
        page = search_directory(filters, now=NOW, before=page.previous_cursor, page_size=2)
        assert _shown(page) == _shown(expected)
        assert page.next_cursor == expected.next_cursor
    assert page.previous_cursor is None


def test_a_previous_page_short_of_a_full_page_is_the_first_page(seven):
    filters = DirectoryFilters(sort=SortOrder.RECENT)
    whole = search_directory(filters, now=NOW, page_size=50)
    # Before the second row there is only one row: the first page starts at the start.
    second = whole.results[1].profile
    cursor = search_directory(filters, now=NOW, page_size=1).next_cursor
    assert cursor is not None
    assert cursor.entry_id == whole.results[0].profile.pk
    page = search_directory(
        filters,
        now=NOW,
        before=Cursor(kind=cursor.kind, value=_date_of(second), entry_id=second.pk),
        page_size=3,
    )
    assert _shown(page) == _shown(whole)[:3]
    assert page.previous_cursor is None
    assert page.next_cursor is not None


def _date_of(profile):
    return profile.directory_entry.latest_credential_at


def test_both_cursors_at_once_are_refused(seven):
    cursor = search_directory(DirectoryFilters(), now=NOW, page_size=2).next_cursor
    with pytest.raises(search.CursorError):
        search_directory(DirectoryFilters(), now=NOW, after=cursor, before=cursor)


def _links(html):
    nav = html[html.index('<nav class="pagination"') :]
    nav = nav[: nav.index("</nav>")]
    return {
        rel: href.replace("&amp;", "&")
        for href, rel in re.findall(r'href="([^"]+)" rel="(\w+)"', nav)
    }


def test_previous_and_next_links_are_bookmarkable(client, public_directory, seven, monkeypatch):
    monkeypatch.setattr("credentials.views.directory.search_directory", _pages_of_three)
    first = client.get(URL, {"sort": "recent"})
    assert len(names(first.text)) == 3
    assert set(_links(first.text)) == {"next"}
    assert "First page" not in first.text
    second = client.get(URL + _links(first.text)["next"])
    assert set(_links(second.text)) == {"next", "prev"}
    assert "sort=recent" in _links(second.text)["prev"]
    assert "after=" not in _links(second.text)["prev"]
    last = client.get(URL + _links(second.text)["next"])
    assert len(names(last.text)) == 1
    assert set(_links(last.text)) == {"prev"}
    assert "First page" in last.text
    back = client.get(URL + _links(last.text)["prev"])
    assert names(back.text) == names(second.text)
    back_again = client.get(URL + _links(back.text)["prev"])
    assert names(back_again.text) == names(first.text)
    assert set(_links(back_again.text)) == {"next"}
    assert "First page" not in back_again.text
    assert _links(back_again.text)["next"] == _links(first.text)["next"]


def _pages_of_three(filters, **kwargs):
    return search_directory(filters, page_size=3, **kwargs)


def test_a_broken_previous_link_is_a_form_error(client, public_directory, seven):
    response = client.get(URL, {"before": "t-not-a-date~3"})
    assert response.status_code == 200
    assert "This page link is broken" in response.text
    assert names(response.text) == []
    both = client.get(URL, {"before": "n~3", "after": "n~4"})
    assert both.status_code == 200
    assert "This page link is broken" in both.text


def test_counts_are_exact_up_to_the_sample(client, public_directory, seven, monkeypatch):
    monkeypatch.setattr(search, "MATCHES_COUNTED", 7)
    monkeypatch.setattr(search, "FACET_SAMPLE", 7)
    page = search_directory(DirectoryFilters(), now=NOW)
    assert (page.match_count, page.match_count_is_capped) == (7, False)
    assert [(f.name, f.count, f.is_lower_bound) for f in page.skill_facets] == [
        ("Welding", 4, False)
    ]
    text = client.get(URL).text
    assert "7 profiles" in text
    assert 'Welding</a> <span class="muted">(4)</span>' in text


def test_counts_past_the_sample_are_lower_bounds(client, public_directory, seven, monkeypatch):
    monkeypatch.setattr(search, "MATCHES_COUNTED", 5)
    monkeypatch.setattr(search, "FACET_SAMPLE", 3)
    page = search_directory(DirectoryFilters(), now=NOW)
    # Five of the seven were counted: the count says "at least", and so do the facets, which
    # count the three most recently credentialed (Person 0, 1 and 3: all hold the skill).
    assert (page.match_count, page.match_count_is_capped) == (5, True)
    [welding] = page.skill_facets
    assert (welding.count, welding.is_lower_bound) == (3, True)
    [forge] = page.issuer_facets
    assert (forge.name, forge.count, forge.is_lower_bound) == ("Forge College", 3, True)
    # The page itself is not sampled: all seven are listed.
    assert len(search_directory(DirectoryFilters(), now=NOW, page_size=50).results) == 7
    text = client.get(URL).text
    assert "5+ profiles" in text
    assert f'Welding</a> <span class="muted">({welding.count}+)</span>' in text


def test_counts_past_the_sample_show_thousands(client, public_directory, seven, monkeypatch):
    monkeypatch.setattr(
        "credentials.views.directory.search_directory",
        lambda *args, **kwargs: _with_count(search_directory(*args, **kwargs), 1000),
    )
    assert "1,000+ profiles" in client.get(URL).text


def _with_count(page, count):
    from dataclasses import replace

    return replace(page, match_count=count, match_count_is_capped=True)


def test_no_match_counts_nothing(seven, django_assert_num_queries):
    # Nothing to sample: no facet queries.
    with django_assert_num_queries(2):
        page = search_directory(DirectoryFilters(location="Atlantis"), now=NOW)
    assert (page.match_count, page.skill_facets, page.issuer_facets) == (0, [], [])


@requires_postgresql
def test_the_sample_is_read_once_and_only_it_is_ranked_on_postgresql(seven):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        search_directory(DirectoryFilters(query="welding"), now=NOW)
    sample = [q["sql"] for q in queries if "LIMIT 1001" in q["sql"]]
    assert len(sample) == 1
    assert "ts_rank" not in sample[0]
    assert '"latest_credential_at" DESC NULLS LAST' in sample[0]
    # The page ranks the sampled ids only: it neither matches the words again nor ranks more.
    page_query = [q["sql"] for q in queries if "LIMIT 21" in q["sql"]]
    assert len(page_query) == 1
    assert "ts_rank" in page_query[0]
    assert "@@" not in page_query[0]
    assert '"profile_id" IN (' in page_query[0]


@requires_postgresql
def test_relevance_past_the_sample_ranks_the_most_recent_matches(
    client, public_directory, seven, monkeypatch
):
    monkeypatch.setattr(search, "MATCHES_COUNTED", 3)
    page = search_directory(DirectoryFilters(query="welding"), now=NOW, page_size=50)
    assert page.ranks_a_sample
    # The three most recently credentialed of the seven (Person 0, 1, then 3, whose tie with
    # Person 2 the id breaks), by rank: Person 1 says "welding" twice, 3 and 0 once each.
    # Person 2, who says it three times, is past the sample.
    assert _shown(page) == ["Person 1", "Person 3", "Person 0"]
    text = client.get(URL, {"q": "welding"}).text
    assert "Ranked by relevance among the 3 most recently credentialed matches" in text
    assert 'href="?q=welding&amp;sort=recent"' in text
    recent = search_directory(
        DirectoryFilters(query="welding", sort=SortOrder.RECENT), now=NOW, page_size=50
    )
    assert not recent.ranks_a_sample
    assert len(recent.results) == 7
    assert "Ranked by relevance" not in client.get(URL, {"q": "welding", "sort": "recent"}).text


def test_the_entry_keeps_its_skill_ids_for_the_index(seven):
    from credentials.directory.models import DirectoryEntry
    from portfolio.models import Skill

    welding = Skill.objects.get(slug="welding")
    assert DirectoryEntry.objects.get(profile__user=seven[0]).skill_ids == [welding.pk]
    assert DirectoryEntry.objects.get(profile__user=seven[6]).skill_ids == []
    assert _shown(search_directory(DirectoryFilters(skills=(welding,)), now=NOW)) == [
        "Person 0",
        "Person 1",
        "Person 3",
        "Person 2",
    ]
