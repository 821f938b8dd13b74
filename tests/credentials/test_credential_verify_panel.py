"""The Verify panel of a credential's page: the verifier's steps on the stored document."""

from datetime import timedelta

import pytest

from credentials.services import generate_signing_key, sign_credential
from credentials.vc.status_list import published_status_list
from tests.credentials.conftest import NOW, issue, revoke
from tests.factories import UserFactory

PANEL = '<h2 id="verify-heading">Verify</h2>'
PASSED = 'class="verification-step verification-step-passed"'


@pytest.fixture
def holder(db):
    return UserFactory()


@pytest.fixture
def credential(holder, micro_credential):
    credential = issue(holder, micro_credential)
    generate_signing_key(issuer_id=credential.issuer_id, by=None)
    sign_credential(credential_id=credential.pk)
    # Its status list signed, as it is once anyone has read it: the steady state.
    published_status_list(credential.status_list)
    return credential


def url(credential):
    return f"/c/{credential.public_id}/"


def panel(text):
    return text[text.index(PANEL) :]


def test_the_panel_shows_every_step_passed_and_when(client, credential):
    text = panel(client.get(url(credential)).text)

    assert "Valid." in text
    assert text.count(PASSED) == 7
    assert "The signature matches: signed with did:web:" in text
    assert 'Checked <time datetime="2026-03-01T12:00:00+00:00">1 March 2026, 12:00 UTC</time>' in (
        text
    )


def test_a_revoked_credential_s_panel_says_revoked(
    client, credential, django_capture_on_commit_callbacks
):
    assert "Valid." in panel(client.get(url(credential)).text)
    with django_capture_on_commit_callbacks(execute=True):
        revoke(credential)

    text = panel(client.get(url(credential)).text)

    assert "Revoked." in text
    assert "Valid." not in text
    assert 'class="verification-step verification-step-failed"' in text


def test_an_expired_credential_s_panel_says_expired(client, credential, time_machine):
    client.get(url(credential))
    time_machine.move_to(credential.expires_at + timedelta(minutes=1), tick=False)

    text = panel(client.get(url(credential)).text)

    assert "Expired." in text
    assert "Expired: it was valid until" in text


def test_an_unsigned_credential_s_panel_says_there_is_nothing_to_verify(client, micro_credential):
    credential = issue(UserFactory(), micro_credential)

    text = panel(client.get(url(credential)).text)

    assert "no signed Open Badges 3.0 document yet" in text
    assert PASSED not in text


def test_the_checks_run_once_per_status_not_per_request(
    client, credential, time_machine, django_assert_num_queries
):
    # The first render: the page's three, then the panel's: the document, its key, the
    # status list and its bits, the issuer.
    with django_assert_num_queries(8):
        first = client.get(url(credential)).text
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    # A visitor's next request is the cached page: no query.
    with django_assert_num_queries(0):
        cached = client.get(url(credential)).text
    # The panel says when its checks ran; the page's status line says it was checked now.
    assert panel(cached) == panel(first)
    assert 'Checked just now: <time datetime="2026-03-01T12:05:00+00:00">' in cached


def test_a_signed_in_viewer_s_page_does_not_rerun_the_checks(
    client, holder, credential, django_assert_num_queries
):
    client.force_login(holder)
    # The page's queries, and the panel's the first time only.
    with django_assert_num_queries(11):
        client.get(url(credential))
    with django_assert_num_queries(5) as queries:
        text = client.get(url(credential)).text
    assert "Valid." in panel(text)
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "credentials_statuslist" not in sql
    assert 'credentials_credentialdocument"."content"' not in sql
