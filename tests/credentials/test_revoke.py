import pytest

from credentials.models import IssuedCredential
from tests.credentials.conftest import issue, revoke
from tests.factories import IssuerFactory, UserFactory

REASON_REQUIRED = "Give a reason for revoking: it is shown with the credential."


@pytest.fixture
def credential(learner, micro_credential):
    return issue(learner, micro_credential)


def revoke_url(credential):
    return f"/c/{credential.public_id}/revoke/"


def staff_of_another_issuer():
    user = UserFactory(issuer_staff=True)
    IssuerFactory().staff.add(user)
    return user


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff of the issuer", 200),
        ("staff of another issuer", 404),
        ("assessor", 404),
        ("learner holder", 404),
        ("employer", 404),
    ],
)
def test_only_staff_of_the_issuer_may_open_the_page(
    client, credential, staff_of_issuer, assessor, learner, employer, who, status
):
    user = {
        "staff of the issuer": staff_of_issuer,
        "staff of another issuer": staff_of_another_issuer(),
        "assessor": assessor,
        "learner holder": learner,
        "employer": employer,
    }[who]
    client.force_login(user)
    response = client.get(revoke_url(credential))
    assert response.status_code == status
    if status == 200:
        assert "<h1>Revoke a credential</h1>" in response.text
        assert '<textarea name="reason"' in response.text


def test_anonymous_visitors_are_sent_to_log_in(client, credential):
    response = client.get(revoke_url(credential))
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next=/c/{credential.public_id}/revoke/"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff of another issuer", 404),
        ("assessor", 404),
        ("learner holder", 404),
        ("anonymous", 302),
    ],
)
def test_nobody_else_can_revoke_by_posting(client, credential, assessor, learner, who, status):
    user = {
        "staff of another issuer": staff_of_another_issuer(),
        "assessor": assessor,
        "learner holder": learner,
        "anonymous": None,
    }[who]
    if user is not None:
        client.force_login(user)
    response = client.post(revoke_url(credential), {"reason": "Because."})
    assert response.status_code == status
    credential.refresh_from_db()
    assert credential.revoked_at is None


def test_an_unknown_credential_is_404(client, staff_of_issuer):
    client.force_login(staff_of_issuer)
    assert client.get("/c/00000000-0000-0000-0000-000000000000/revoke/").status_code == 404


def test_staff_revoke_with_a_reason_and_the_page_then_says_so(client, credential, staff_of_issuer):
    client.force_login(staff_of_issuer)
    response = client.post(
        revoke_url(credential),
        {"reason": "  The evidence was not the learner's own.  "},
        follow=True,
    )
    assert response.redirect_chain == [(f"/c/{credential.public_id}/", 302)]
    assert (
        "The credential has been revoked. Its public page now says so, with your reason."
        in response.text
    )
    assert '<p class="credential-status-word">REVOKED</p>' in response.text
    assert "<strong>Reason:</strong> The evidence was not the learner&#x27;s own.</p>" in (
        response.text
    )
    credential.refresh_from_db()
    assert credential.revocation_reason == "The evidence was not the learner's own."
    assert credential.revoked_by == staff_of_issuer
    assert credential.status == IssuedCredential.Status.REVOKED


@pytest.mark.parametrize("reason", ["", "   \n  "])
def test_a_reason_is_required(client, credential, staff_of_issuer, reason):
    client.force_login(staff_of_issuer)
    response = client.post(revoke_url(credential), {"reason": reason})
    assert response.status_code == 200
    assert f'<ul class="errorlist" id="id_reason_error"><li>{REASON_REQUIRED}</li></ul>' in (
        response.text
    )
    credential.refresh_from_db()
    assert credential.revoked_at is None


def test_an_already_revoked_credential_cannot_be_revoked_again(client, credential, staff_of_issuer):
    revoke(credential, reason="First time.")
    client.force_login(staff_of_issuer)
    page = client.get(revoke_url(credential))
    assert "This credential was already revoked on 1 March 2026." in page.text
    assert '<textarea name="reason"' not in page.text

    response = client.post(revoke_url(credential), {"reason": "Second time."}, follow=True)
    assert "This credential was already revoked." in response.text
    credential.refresh_from_db()
    assert credential.revocation_reason == "First time."


def test_a_revoked_credential_leaves_the_public_page(client, credential, learner, staff_of_issuer):
    learner.profile.is_public = True
    learner.profile.save()
    profile_url = f"/p/{learner.profile.slug}/"
    assert "Data Storytelling" in client.get(profile_url).text
    client.force_login(staff_of_issuer)
    client.post(revoke_url(credential), {"reason": "Plagiarised."})
    assert "Data Storytelling" not in client.get(profile_url).text
