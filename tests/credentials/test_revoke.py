import pytest
from django.core import mail

from credentials.models import IssuedCredential
from credentials.notification_kinds import CREDENTIAL_REVOKED
from portfolio.models import Notification
from portfolio.notification_kinds import list_kinds_for_role
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
    assert '<h1 class="credential-status-word">REVOKED</h1>' in response.text
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


def test_revoking_tells_the_holder_in_the_inbox_and_by_email_with_the_reason(
    client, credential, learner, staff_of_issuer, django_capture_on_commit_callbacks
):
    Notification.objects.all().delete()  # the "you have earned" one from issuing
    client.force_login(staff_of_issuer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(revoke_url(credential), {"reason": "The evidence was not the learner's own."})

    [note] = Notification.objects.filter(recipient=learner)
    assert note.kind == CREDENTIAL_REVOKED
    assert note.subject == "Data Storytelling has been revoked"
    assert note.link == f"/c/{credential.public_id}/"
    assert note.email_state == Notification.EmailState.SENT

    [message] = mail.outbox
    assert message.to == [learner.email]
    assert message.subject == "Data Storytelling has been revoked"
    assert "Northfield Institute has revoked your Data Storytelling credential." in message.body
    assert "The evidence was not the learner's own." in message.body
    assert f"http://127.0.0.1:8000/c/{credential.public_id}/" in message.body
    html = message.alternatives[0][0]
    assert "The evidence was not the learner&#x27;s own." in html

    client.force_login(learner)
    inbox = client.get("/notifications/").text
    assert f'<a href="/c/{credential.public_id}/">Data Storytelling has been revoked</a>' in inbox
    assert "<strong>Reason:</strong> The evidence was not the learner&#x27;s own." in inbox


def test_a_refused_revocation_tells_nobody(client, credential, staff_of_issuer):
    revoke(credential, reason="First time.")
    Notification.objects.all().delete()
    client.force_login(staff_of_issuer)
    response = client.post(revoke_url(credential), {"reason": "Second time."}, follow=True)
    assert "This credential was already revoked." in response.text
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_holder_who_turned_revocation_emails_off_is_still_told_in_the_inbox(
    client, credential, learner, staff_of_issuer, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    settings_page = client.get("/me/email-settings/").text
    assert '<label for="id_credential_revoked">Credential revoked</label>' in settings_page
    kept = [k for k in list_kinds_for_role("learner") if k != "credential_revoked"]
    client.post("/me/email-settings/", dict.fromkeys(kept, "on"))
    Notification.objects.all().delete()  # the "you have earned" one from issuing

    with django_capture_on_commit_callbacks(execute=True):
        revoke(credential, reason="Plagiarised.")

    [note] = Notification.objects.filter(recipient=learner)
    assert (note.kind, note.email_state) == (
        CREDENTIAL_REVOKED,
        Notification.EmailState.SKIPPED,
    )
    assert mail.outbox == []
