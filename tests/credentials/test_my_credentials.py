import re

import pytest

from tests.credentials.conftest import NOW, get_counting_queries, issue, revoke
from tests.factories import MicroCredentialFactory, UserFactory

URL = "/me/credentials/"


def listed_titles(html):
    return re.findall(r'<div><a href="/c/[0-9a-f-]+/">([^<]+)</a>', html)


@pytest.fixture
def credentials(learner, micro_credential):
    valid = issue(learner, micro_credential)
    expired = issue(
        learner,
        MicroCredentialFactory(title="Spreadsheet Basics", validity_months=12),
        issued_at=NOW.replace(year=2024),
    )
    revoked = revoke(
        issue(learner, MicroCredentialFactory(title="Old Course"), issued_at=NOW.replace(year=2025))
    )
    return valid, expired, revoked


def test_login_is_required(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/me/credentials/"


@pytest.mark.parametrize("role", ["assessor", "employer", "issuer_staff"])
def test_other_roles_have_no_such_page(client, db, role, learner):
    client.force_login(UserFactory(**{role: True}))
    assert client.get(URL).status_code == 404
    client.force_login(learner)
    assert client.get(URL).status_code == 200


def test_lists_the_learners_credentials_newest_first_with_status(
    client, learner, other_learner, credentials
):
    issue(other_learner, MicroCredentialFactory(title="Someone Else's"))
    client.force_login(learner)
    text = client.get(URL).text
    assert listed_titles(text) == ["Data Storytelling", "Old Course", "Spreadsheet Basics"]
    assert "Someone Else" not in text
    assert (
        '<span class="pill pill-valid">Valid</span> <span class="small muted">until 1 Mar 2028</span>'
        in text
    )
    assert (
        '<span class="pill pill-expired">Expired</span> <span class="small muted">1 Mar 2025</span>'
        in text
    )
    assert (
        '<span class="pill pill-revoked">Revoked</span> <span class="small muted">1 Mar 2026</span>'
        in text
    )
    assert "Revoked credentials are never shown." in text


def test_an_empty_list_points_to_the_catalogue(client, learner):
    client.force_login(learner)
    text = client.get(URL).text
    assert "You have not earned a credential yet." in text
    assert '<a class="button" href="/credentials/">Browse micro-credentials</a>' in text


def test_hiding_and_showing_a_credential(client, learner, micro_credential):
    credential = issue(learner, micro_credential)
    client.force_login(learner)
    assert '<span class="pill pill-public">Shown</span>' in client.get(URL).text

    response = client.post(
        URL, {"credential": credential.public_id, "is_shown_publicly": "False"}, follow=True
    )
    assert response.redirect_chain == [(URL, 302)]
    assert "“Data Storytelling” is hidden from your public page." in response.text
    assert '<span class="pill pill-private">Hidden</span>' in response.text
    credential.refresh_from_db()
    assert credential.is_shown_publicly is False

    response = client.post(
        URL, {"credential": credential.public_id, "is_shown_publicly": "True"}, follow=True
    )
    assert "“Data Storytelling” now shows on your public page." in response.text
    credential.refresh_from_db()
    assert credential.is_shown_publicly is True


def test_the_switch_posts_the_opposite_of_the_current_choice(client, learner, micro_credential):
    credential = issue(learner, micro_credential)
    client.force_login(learner)
    text = client.get(URL).text
    assert f'<input type="hidden" name="credential" value="{credential.public_id}"' in text
    assert '<input type="hidden" name="is_shown_publicly" value="False"' in text


def test_a_learner_cannot_change_someone_elses_credential(
    client, learner, other_learner, micro_credential
):
    theirs = issue(other_learner, micro_credential)
    client.force_login(learner)
    response = client.post(URL, {"credential": theirs.public_id, "is_shown_publicly": "False"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_shown_publicly is True


def test_a_malformed_switch_is_404(client, learner):
    client.force_login(learner)
    assert client.post(URL, {"credential": "not-a-uuid"}).status_code == 404


def test_a_private_profile_is_pointed_out(client, learner, micro_credential):
    issue(learner, micro_credential)
    client.force_login(learner)
    text = client.get(URL).text
    assert (
        "Your profile is private, so your public page is hidden whatever you choose here." in text
    )


def test_query_count_does_not_grow(client, learner):
    for _ in range(2):
        issue(learner, MicroCredentialFactory(rubric=False))
    client.force_login(learner)
    few, response = get_counting_queries(client, URL)
    assert len(listed_titles(response.text)) == 2
    for _ in range(4):
        issue(learner, MicroCredentialFactory(rubric=False))
    many, response = get_counting_queries(client, URL)
    assert len(listed_titles(response.text)) == 6
    # The credentials and the profile, plus what every signed-in page costs.
    assert many == few <= 5


def test_only_the_holder_can_change_where_a_credential_shows(db, learner, other_learner, assessor):
    from credentials.exceptions import CredentialError
    from credentials.services import issue_credential, set_credential_visibility
    from tests.factories import MicroCredentialFactory

    credential = issue_credential(
        by=assessor,
        learner_id=learner.pk,
        micro_credential_id=MicroCredentialFactory(assessors=[assessor]).pk,
        award_reference="visibility",
        assessor_id=assessor.pk,
        evidence=[],
        rubric_results=[],
    )
    with pytest.raises(CredentialError):
        set_credential_visibility(
            credential_id=credential.pk, by=other_learner, is_shown_publicly=False
        )
    credential.refresh_from_db()
    assert credential.is_shown_publicly is True
