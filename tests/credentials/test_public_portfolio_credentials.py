import re

import pytest
from django.core.cache import cache

from credentials.services import set_credential_visibility
from tests.credentials.conftest import NOW, issue, revoke
from tests.factories import EvidenceItemFactory, MicroCredentialFactory, SkillFactory

URL = "/p/public-learner/"


def credential_section(html):
    start = html.index('<h2 id="credentials-heading">Credentials</h2>')
    return html[start : html.index("</section>", start)]


def shown_titles(html):
    return re.findall(r'<a href="/c/[0-9a-f-]+/">([^<]+)</a>', credential_section(html))


def earn(learner, title, **kwargs):
    return issue(learner, MicroCredentialFactory(title=title, validity_months=12), **kwargs)


def test_valid_credentials_come_first_then_expired_ones(client, public_learner):
    earn(public_learner, "Expired Long Ago", issued_at=NOW.replace(year=2023))
    earn(public_learner, "Valid Older", issued_at=NOW.replace(month=1))
    earn(public_learner, "Expired Recently", issued_at=NOW.replace(year=2025, month=2))
    earn(public_learner, "Valid Newest")
    text = client.get(URL).text
    assert shown_titles(text) == [
        "Valid Newest",
        "Valid Older",
        "Expired Recently",
        "Expired Long Ago",
    ]


def test_each_credential_shows_its_status_issuer_and_date(client, public_learner):
    valid = earn(public_learner, "Valid One")
    earn(public_learner, "Expired One", issued_at=NOW.replace(year=2024))
    section = credential_section(client.get(URL).text)
    assert f'<a href="/c/{valid.public_id}/">Valid One</a>' in section
    assert f'<p class="small muted badge-issuer">{valid.issuer.name}</p>' in section
    assert (
        '<span class="pill pill-valid">Valid</span> '
        'Issued <time datetime="2026-03-01">1 March 2026</time></p>'
    ) in section
    assert (
        '<span class="pill pill-expired">Expired</span> '
        'Issued <time datetime="2024-03-01">1 March 2024</time>, '
        'expired <time datetime="2025-03-01">1 March 2025</time></p>'
    ) in section


def test_revoked_hidden_and_other_peoples_credentials_are_not_shown(
    client, public_learner, other_learner
):
    earn(public_learner, "Shown")
    revoke(earn(public_learner, "Revoked"))
    hidden = earn(public_learner, "Hidden")
    set_credential_visibility(credential_id=hidden.pk, by=public_learner, is_shown_publicly=False)
    earn(other_learner, "Not Theirs")
    assert shown_titles(client.get(URL).text) == ["Shown"]


def test_no_credentials_means_no_section(client, public_learner):
    text = client.get(URL).text
    assert "credentials-heading" not in text
    assert "Public Learner has not shared any evidence yet." in text


def test_a_private_profile_stays_404_whatever_its_credentials(
    client, public_learner, django_capture_on_commit_callbacks
):
    earn(public_learner, "Shown")
    assert "Shown" in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=True):
        public_learner.profile.is_public = False
        public_learner.profile.save()
    assert client.get(URL).status_code == 404


def test_the_owner_is_offered_the_credential_switches(client, public_learner):
    client.force_login(public_learner)
    assert '<a href="/me/credentials/">Choose credentials</a>' in client.get(URL).text


@pytest.fixture
def skills(db):
    return [SkillFactory(name="Data cleaning"), SkillFactory(name="Charting")]


def add_evidence_and_credentials(owner, count, skills, start=0):
    for n in range(start, start + count):
        item = EvidenceItemFactory(owner=owner, title=f"Item {n}", public=True, public_position=n)
        item.skills.set(skills)
        earn(owner, f"Credential {n:02d}", issued_at=NOW.replace(day=1 + n % 28))


def test_query_count_does_not_grow_with_items_or_credentials(
    client, public_learner, skills, django_assert_num_queries
):
    add_evidence_and_credentials(public_learner, 3, skills)
    # The profile, the items, their skills, the credentials and their skills.
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert len(shown_titles(response.text)) == 3
    add_evidence_and_credentials(public_learner, 6, skills, start=3)
    # Made without the services, so no event told the cache.
    cache.clear()
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert len(shown_titles(response.text)) == 9
