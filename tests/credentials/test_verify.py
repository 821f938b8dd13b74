"""The verify box: a pasted credential link or identifier leads to the credential's page."""

import uuid

import pytest

from tests.credentials.conftest import issue
from tests.factories import MicroCredentialFactory, UserFactory


@pytest.fixture
def credential(db):
    return issue(UserFactory(), MicroCredentialFactory())


def check(client, text):
    return client.get("/verify/", {"credential": text})


@pytest.mark.parametrize(
    "pasted",
    [
        "http://testserver/c/{id}/",
        "http://127.0.0.1:8000/c/{id}",
        "  testserver/c/{id}/  ",
        "/c/{id}/",
        "{id}",
        "{hex}",
        "{upper}",
    ],
)
def test_a_link_or_identifier_of_ours_leads_to_the_credential(client, credential, pasted):
    public_id = credential.public_id
    text = pasted.format(id=public_id, hex=public_id.hex, upper=str(public_id).upper())
    response = check(client, text)
    assert response.status_code == 302
    assert response.url == f"/c/{public_id}/"


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        (
            "https://badges.example.net/c/{id}/",
            "This link is to badges.example.net, not to Unbundled",
        ),
        ("http://testserver/p/someone/", "This link is not to a credential&#x27;s page"),
        (
            "application:1",
            "That is neither a link to a credential nor a credential&#x27;s identifier",
        ),
        ("{other}", "No credential here has this identifier."),
        ("x" * 501, "Ensure this value has at most 500 characters"),
        ("\ufffd/c/", "not to Unbundled"),
        ("\x00/c/", "Null characters are not allowed."),
        ("http://[::1/c/", "This link is not to a credential&#x27;s page"),
    ],
)
def test_anything_else_is_a_clear_form_error(client, credential, pasted, message):
    text = pasted.format(id=credential.public_id, other=uuid.uuid4())
    response = check(client, text)
    assert response.status_code == 200
    assert message in response.text
    assert 'class="field field-invalid"' in response.text


def test_the_award_reference_is_not_an_identifier(client, credential):
    response = check(client, credential.award_reference)
    assert response.status_code == 200
    assert "neither a link to a credential nor a credential&#x27;s identifier" in response.text


def test_the_page_shows_an_empty_box_first(client, db):
    response = client.get("/verify/")
    assert "<h1>Check a credential</h1>" in response.text
    assert 'name="credential"' in response.text
    assert "field-invalid" not in response.text


def test_the_home_page_has_the_box_for_visitors(client, db):
    page = client.get("/").text
    assert 'action="/verify/"' in page
    assert 'name="credential"' in page


def test_a_deactivated_holders_credential_is_not_found(client, credential):
    credential.learner.is_active = False
    credential.learner.save()
    response = check(client, str(credential.public_id))
    assert "No credential here has this identifier." in response.text
