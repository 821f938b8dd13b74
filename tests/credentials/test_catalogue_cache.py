"""Visitors' views of the unfiltered catalogue come from a cache the catalogue's changes keep current."""

import re

import pytest

from credentials.services import publish_micro_credential
from tests.credentials.conftest import staff_member
from tests.factories import IssuerFactory, MicroCredentialFactory, SkillFactory, UserFactory

URL = "/credentials/"


def card_titles(html):
    return re.findall(r'<h2 class="card-title">\s*<a href="/credentials/[^"]+/">([^<]+)</a>', html)


@pytest.fixture
def storytelling(db):
    issuer = IssuerFactory(name="Northfield Institute", slug="northfield")
    micro_credential = MicroCredentialFactory(
        issuer=issuer, title="Data Storytelling", level="intermediate"
    )
    micro_credential.skills.set([SkillFactory(name="Charting")])
    return micro_credential


def test_a_second_visit_is_served_from_the_cache_without_a_query(
    client, storytelling, django_assert_num_queries
):
    first = client.get(URL)
    with django_assert_num_queries(0):
        second = client.get(URL)
    assert second.content == first.content
    assert card_titles(second.text) == ["Data Storytelling"]
    assert second["ETag"] == first["ETag"]
    assert second["Cache-Control"] == "no-cache"
    assert "Cookie" in second["Vary"]
    assert client.get(URL, headers={"if-none-match": first["ETag"]}).status_code == 304


def test_publishing_reaches_the_cached_catalogue(
    client, storytelling, django_capture_on_commit_callbacks
):
    draft = MicroCredentialFactory(
        issuer=storytelling.issuer, title="SQL Foundations", status="draft"
    )
    assert card_titles(client.get(URL).text) == ["Data Storytelling"]
    with django_capture_on_commit_callbacks(execute=True):
        publish_micro_credential(micro_credential_id=draft.pk, by=staff_member(storytelling.issuer))
    assert card_titles(client.get(URL).text) == ["Data Storytelling", "SQL Foundations"]


def test_admin_edits_reach_the_cached_catalogue(
    client, storytelling, django_capture_on_commit_callbacks
):
    text = client.get(URL).text
    assert "Northfield Institute" in text
    assert "Charting" in text
    with django_capture_on_commit_callbacks(execute=True):
        storytelling.issuer.name = "Southfield College"
        storytelling.issuer.save()
    assert "Southfield College" in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=True):
        storytelling.title = "Data Narratives"
        storytelling.save()
    assert card_titles(client.get(URL).text) == ["Data Narratives"]
    skill = storytelling.skills.get()
    with django_capture_on_commit_callbacks(execute=True):
        skill.name = "Charts that tell"
        skill.save()
    text = client.get(URL).text
    assert "Charts that tell" in text
    assert "Charting" not in text
    with django_capture_on_commit_callbacks(execute=True):
        storytelling.skills.clear()
    assert "Charts that tell" not in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=True):
        storytelling.status = "draft"
        storytelling.save()
    assert card_titles(client.get(URL).text) == []


@pytest.mark.parametrize(
    "query", [{"q": "data"}, {"level": "intermediate"}, {"page": "0"}, {"page": "x"}]
)
def test_searches_and_odd_pages_are_rendered_each_time(
    client, storytelling, query, django_assert_num_queries
):
    client.get(URL, query)
    # A new entry with no commit, so no change the cache was told of: only a page rendered
    # for this request shows it.
    MicroCredentialFactory(
        issuer=storytelling.issuer, title="Data Dashboards", level="intermediate"
    )
    response = client.get(URL, query)
    assert "Data Dashboards" in card_titles(response.text)
    assert "Data Storytelling" in card_titles(response.text)
    assert "ETag" not in response


def test_signed_in_visitors_get_a_page_of_their_own(client, storytelling):
    client.get(URL)
    MicroCredentialFactory(issuer=storytelling.issuer, title="Data Dashboards")
    client.force_login(UserFactory())
    assert card_titles(client.get(URL).text) == ["Data Dashboards", "Data Storytelling"]


def test_each_page_number_is_kept_apart(client, storytelling):
    for n in range(12):
        MicroCredentialFactory(issuer=storytelling.issuer, title=f"Extra {n:02d}")
    first = card_titles(client.get(URL).text)
    second = card_titles(client.get(URL, {"page": "2"}).text)
    assert len(first) == 12
    assert second == ["Extra 11"]
    assert card_titles(client.get(URL, {"page": "2"}).text) == second
    assert card_titles(client.get(URL).text) == first
