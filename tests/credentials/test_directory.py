"""/directory/: who may search, what a search finds, and how bad input is answered."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from credentials.directory.documents import rebuild_directory
from credentials.directory.search import (
    Cursor,
    DirectoryFilters,
    SortOrder,
    search_directory,
)
from portfolio.models import LearnerProfile
from tests.concurrency import requires_postgresql
from tests.credentials.conftest import NOW, issue
from tests.factories import (
    EvidenceItemFactory,
    IssuerFactory,
    LearnerProfileFactory,
    MicroCredentialFactory,
    SkillFactory,
    UserFactory,
)

URL = reverse("credentials:directory")


def person(name, *, headline="", location="", public=True, **kwargs):
    user = UserFactory(with_profile=False)
    LearnerProfileFactory(
        user=user,
        display_name=name,
        headline=headline,
        location=location,
        is_public=public,
        **kwargs,
    )
    return user


def names(html):
    return re.findall(r'<h3><a href="/p/[^/]+/">([^<]+)</a></h3>', html)


@pytest.fixture
def world(db):
    python = SkillFactory(name="Python scripting", slug="python-scripting")
    charts = SkillFactory(name="Data visualisation", slug="data-visualisation")
    north = IssuerFactory(name="Northfield Institute", slug="northfield")
    south = IssuerFactory(name="Southbank College", slug="southbank")
    scripting = MicroCredentialFactory(
        issuer=north,
        title="Scripting Essentials",
        slug="scripting",
        level="intermediate",
        validity_months=24,
    )
    scripting.skills.set([python])
    storytelling = MicroCredentialFactory(
        issuer=south,
        title="Data Storytelling",
        slug="storytelling",
        level="foundational",
        validity_months=24,
    )
    storytelling.skills.set([charts])
    ada = person("Ada Byron", headline="Analyst", location="Leeds, UK")
    issue(ada, scripting, issued_at=NOW - timedelta(days=3))
    issue(ada, storytelling, issued_at=NOW - timedelta(days=30))
    grace = person("Grace Hopper", location="Arlington")
    issue(grace, scripting, issued_at=NOW - timedelta(days=1))
    EvidenceItemFactory(owner=grace, is_public=True).skills.set([charts])
    alan = person("Alan Turing")
    EvidenceItemFactory(owner=alan, is_public=True).skills.set([python])
    person("Private Person", public=False)
    rebuild_directory()
    return {"python": python, "charts": charts, "north": north, "south": south}


@pytest.fixture
def public_directory(settings):
    settings.DIRECTORY_IS_PUBLIC = True


@pytest.fixture
def closed_directory(settings):
    settings.DIRECTORY_IS_PUBLIC = False


def test_an_employer_searches_by_two_skills(client, employer, world, closed_directory):
    client.force_login(employer)
    response = client.get(URL, {"skill": ["python-scripting", "data-visualisation"]})
    # Ada holds both verified; Grace has Python verified and charts claimed on evidence.
    assert names(response.text) == ["Grace Hopper", "Ada Byron"]
    verified = client.get(
        URL, {"skill": ["python-scripting", "data-visualisation"], "verified": "on"}
    )
    assert names(verified.text) == ["Ada Byron"]


def test_results_mark_verified_and_claimed_skills(client, public_directory, world):
    text = client.get(URL, {"q": "Grace"}).text
    card = text[text.index("Grace Hopper") :]
    verified = card[card.index("Verified skills") : card.index("Claimed skills")]
    claimed = card[card.index("Claimed skills") : card.index("</li>\n", card.index("Claimed"))]
    assert "Python scripting" in verified
    assert "Data visualisation" in claimed
    assert "Data visualisation" not in verified


def test_anonymous_visitors_search_when_the_directory_is_public(client, public_directory, world):
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response.text) == ["Grace Hopper", "Ada Byron", "Alan Turing"]
    assert "Private Person" not in response.text


def test_anonymous_visitors_are_sent_to_log_in_when_it_is_not(client, closed_directory, world):
    response = client.get(URL, {"q": "Ada"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=/directory/%3Fq%3DAda" in response["Location"]


def test_other_roles_are_refused_when_it_is_not_public(client, learner, closed_directory, world):
    client.force_login(learner)
    assert client.get(URL).status_code == 403
    assert b"Directory" not in client.get(reverse("dashboard")).content.split(b"<main")[0]


def test_filters_combine_with_and(world):
    both = DirectoryFilters(issuer=world["north"], level="foundational")
    # Ada holds a Northfield credential and a foundational one (from Southbank): each
    # filter holds on its own credential.
    assert [r.profile.display_name for r in search_directory(both, now=NOW).results] == [
        "Ada Byron"
    ]
    located = DirectoryFilters(issuer=world["north"], location="leeds")
    assert [r.profile.display_name for r in search_directory(located, now=NOW).results] == [
        "Ada Byron"
    ]
    nobody = DirectoryFilters(issuer=world["south"], location="arlington")
    assert search_directory(nobody, now=NOW).results == []


def test_an_expired_credential_no_longer_verifies_its_skills(world):
    later = NOW + timedelta(days=24 * 31)
    page = search_directory(DirectoryFilters(skills=(world["python"],)), now=later)
    # Both credentials have expired (24 months); only Alan's claim on evidence remains.
    assert [r.profile.display_name for r in page.results] == ["Alan Turing"]
    assert search_directory(DirectoryFilters(verified_only=True), now=later).results == []


def test_free_text_finds_names_skills_and_credential_titles(world):
    def found(query):
        page = search_directory(DirectoryFilters(query=query), now=NOW)
        return sorted(r.profile.display_name for r in page.results)

    assert found("hopper") == ["Grace Hopper"]
    assert found("storytelling") == ["Ada Byron"]
    assert found("scripting") == ["Ada Byron", "Alan Turing", "Grace Hopper"]
    assert found("analyst") == ["Ada Byron"]
    assert found("private") == []


@requires_postgresql
def test_a_misspelt_word_finds_near_spellings_on_postgresql(world):
    page = search_directory(DirectoryFilters(query="Hoper"), now=NOW)
    assert page.is_fuzzy is True
    assert [r.profile.display_name for r in page.results] == ["Grace Hopper"]
    exact = search_directory(DirectoryFilters(query="Hopper"), now=NOW)
    assert exact.is_fuzzy is False


def test_most_recently_credentialed_first_then_the_rest(world):
    page = search_directory(DirectoryFilters(sort=SortOrder.RECENT), now=NOW)
    assert [r.profile.display_name for r in page.results] == [
        "Grace Hopper",
        "Ada Byron",
        "Alan Turing",
    ]


def test_keyset_pages_neither_repeat_nor_skip(db):
    for n in range(7):
        person(f"Person {n}")
    micro_credential = MicroCredentialFactory()
    for n, user in enumerate(LearnerProfile.objects.order_by("pk")[:4]):
        # Two share a date, so the id breaks the tie.
        issue(user.user, micro_credential, issued_at=NOW - timedelta(days=min(n, 2)))
    rebuild_directory()
    seen, cursor = [], None
    for _ in range(10):
        page = search_directory(DirectoryFilters(), now=NOW, after=cursor, page_size=2)
        seen += [r.profile.display_name for r in page.results]
        cursor = page.next_cursor
        if cursor is None:
            break
    whole = search_directory(DirectoryFilters(), now=NOW, page_size=50)
    assert seen == [r.profile.display_name for r in whole.results]
    assert len(seen) == 7


def test_next_page_link_carries_the_search_and_a_cursor(client, public_directory, world):
    response = client.get(URL, {"q": "scripting", "sort": "recent"})
    assert names(response.text) == ["Grace Hopper", "Ada Byron", "Alan Turing"]
    # Three results fit one page; ask for pages of one through the function instead.
    page = search_directory(
        DirectoryFilters(query="scripting", sort=SortOrder.RECENT), now=NOW, page_size=1
    )
    cursor = page.next_cursor.encode()
    second = client.get(URL, {"q": "scripting", "sort": "recent", "after": cursor})
    assert names(second.text) == ["Ada Byron", "Alan Turing"]
    assert "First page" in second.text


def test_facets_count_profiles_and_link_to_narrower_searches(client, public_directory, world):
    text = client.get(URL, {"skill": "python-scripting"}).text
    facets = text[text.index("Narrow the search") : text.index("results-heading")]
    # Python is chosen already; of its three holders, two show data visualisation.
    assert 'Data visualisation</a> <span class="muted">(2)</span>' in facets
    assert "?skill=python-scripting&amp;skill=data-visualisation" in facets
    assert 'Northfield Institute</a> <span class="muted">(2)</span>' in facets
    assert 'Southbank College</a> <span class="muted">(1)</span>' in facets


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"skill": "no-such-skill"}, "skill", "is not a skill of the catalogue"),
        ({"skill": "bad slug!"}, "skill", "is not a skill of the catalogue"),
        ({"skill": [f"s{n}" for n in range(11)]}, "skill", "Choose at most 10 skills."),
        ({"issuer": "nobody"}, "issuer", "Choose one of the issuers listed."),
        ({"issuer": "\x00"}, "issuer", "Choose one of the issuers listed."),
        (
            {"micro_credential": "x" * 500},
            "micro_credential",
            "Choose one of the micro-credentials",
        ),
        ({"level": "expert"}, "level", "Select a valid choice."),
        ({"q": "x" * 201}, "q", "at most 200 characters"),
        ({"q": "nul\x00byte"}, "q", "Null characters are not allowed."),
        # Not UTF-8 at all: Django replaces what it cannot decode, and the search runs.
        ("location=%ff%fe&q=%c3", None, None),
        ({"sort": "random"}, "sort", "Select a valid choice."),
        ({"after": "garbage"}, "after", "This page link is broken"),
        ({"after": "r1.5~12"}, "after", "This page link is broken"),
        ({"after": "tnot-a-date~3"}, "after", "This page link is broken"),
        ({"after": "rnan~3"}, "after", "This page link is broken"),
        ({"after": "n~99999999999999999999"}, "after", "This page link is broken"),
    ],
)
def test_bad_input_is_a_form_error_never_a_500(
    client, public_directory, world, params, field, message
):
    # A string is sent as it is, bytes that are not UTF-8 included.
    query = params if isinstance(params, str) else urlencode(params, doseq=True)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    if message is None:
        assert response.context["form"].errors == {}
        assert "No public profile matches your search." in response.text
        return
    assert message in response.text
    assert response.context["form"].errors[field]
    assert names(response.text) == []


def test_unicode_and_long_words_are_searched_not_refused(client, public_directory, world):
    response = client.get(URL, {"q": "Zoë 日本語 " + "a" * 150})
    assert response.status_code == 200
    assert response.context["form"].errors == {}
    assert "No public profile matches your search." in response.text


def test_results_page_queries_do_not_grow_with_results(
    client, public_directory, django_assert_num_queries, db
):
    skill = SkillFactory()
    micro_credential = MicroCredentialFactory()
    micro_credential.skills.set([skill, SkillFactory()])

    def add_people(count):
        for _ in range(count):
            user = person(f"Holder {LearnerProfile.objects.count()}")
            issue(user, micro_credential)
            EvidenceItemFactory(owner=user, is_public=True).skills.set([SkillFactory()])
        rebuild_directory()

    add_people(2)
    with django_assert_num_queries(10):
        response = client.get(URL, {"skill": skill.slug})
    assert len(names(response.text)) == 2
    add_people(6)
    # An anonymous request: the chosen skill, the page, its skills and its credentials, the
    # sample of matches, two facets over it and the form's three lists of choices, whatever
    # the number of results.
    with django_assert_num_queries(10):
        response = client.get(URL, {"skill": skill.slug})
    assert len(names(response.text)) == 8


def test_a_saved_search_runs_again_from_its_query_string(world):
    from django.http import QueryDict

    from credentials.directory.forms import DirectorySearchForm
    from credentials.models import Issuer, MicroCredential
    from portfolio.models import Skill

    form = DirectorySearchForm(
        QueryDict("skill=python-scripting&issuer=northfield&sort=recent"),
        skills=Skill.objects.all(),
        issuers=Issuer.objects.all(),
        micro_credentials=MicroCredential.objects.all(),
    )
    assert form.is_valid(), form.errors
    filters = form.filters()
    assert filters == DirectoryFilters(
        skills=(world["python"],), issuer=world["north"], sort=SortOrder.RECENT
    )
    page = search_directory(filters, now=NOW)
    assert [r.profile.display_name for r in page.results] == ["Grace Hopper", "Ada Byron"]


def test_cursors_round_trip():
    for cursor in [
        Cursor(kind="r", value=0.1 + 0.2, entry_id=5),
        Cursor(kind="t", value=NOW, entry_id=7),
        Cursor(kind="n", value=None, entry_id=9),
    ]:
        assert Cursor.decode(cursor.encode()) == cursor


@requires_postgresql
def test_relevance_pages_follow_the_rank_without_repeats_on_postgresql(db):
    for n in range(6):
        # More mentions of the word rank higher; two pairs tie, and the id breaks the tie.
        person(f"Person {n}", headline=" ".join(["welding"] * (1 + n // 2)))
    person("Someone else", headline="Carpentry")
    rebuild_directory()
    filters = DirectoryFilters(query="welding")
    seen, cursor = [], None
    for _ in range(10):
        page = search_directory(filters, now=NOW, after=cursor, page_size=1)
        seen += [r.profile.display_name for r in page.results]
        cursor = page.next_cursor
        if cursor is None:
            break
    whole = search_directory(filters, now=NOW, page_size=50)
    assert seen == [r.profile.display_name for r in whole.results]
    assert sorted(seen) == [f"Person {n}" for n in range(6)]
    assert seen[:2] == ["Person 5", "Person 4"]


@requires_postgresql
def test_the_search_indexes_are_gin_on_postgresql(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'directory_%%'"
        )
        indexes = dict(cursor.fetchall())
    assert "USING gin (search_vector)" in indexes["directory_search_idx"]
    assert "gin_trgm_ops" in indexes["directory_trigram_idx"]
    assert "gin_trgm_ops" in indexes["directory_location_idx"]
    assert "latest_credential_at DESC NULLS LAST" in indexes["directory_recent_idx"]


@pytest.mark.parametrize("is_public", [True, False])
def test_who_may_search_the_directory(db, settings, is_public):
    from django.contrib.auth.models import AnonymousUser

    from credentials.permissions import can_search_directory

    settings.DIRECTORY_IS_PUBLIC = is_public
    people = {
        "anonymous": AnonymousUser(),
        "learner": UserFactory(),
        "assessor": UserFactory(assessor=True),
        "issuer staff": UserFactory(issuer_staff=True),
        "employer": UserFactory(employer=True),
        "deactivated employer": UserFactory(employer=True, is_active=False),
    }
    allowed = {name for name, user in people.items() if can_search_directory(user)}
    if is_public:
        assert allowed == set(people)
    else:
        assert allowed == {"employer"}
