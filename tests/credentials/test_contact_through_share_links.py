"""An employer who reaches a private page through a share link can write to its learner."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from credentials import services
from credentials.exceptions import ContactNotAllowed
from credentials.models import ContactRequest
from tests.factories import LearnerProfileFactory, UserFactory

PRIVATE_PAGE = "/p/sam-rivers/"


@pytest.fixture
def learner(db):
    user = UserFactory(email="hidden.learner@example.com", with_profile=False)
    LearnerProfileFactory(user=user, is_public=False, slug="sam-rivers", display_name="Sam Rivers")
    return user


@pytest.fixture
def employer(db):
    return UserFactory(
        email="recruiter@firm.example.com", employer=True, first_name="Rita", last_name="Kahn"
    )


@pytest.fixture
def token(learner):
    created = services.create_share_link(
        by=learner, label="Firm Ltd", expires_at=timezone.now() + timedelta(days=7)
    )
    return created.token


def shared_page(token):
    return f"/p/sam-rivers/s/{token}/"


def message(**fields):
    return {"organisation": "Firm Ltd", "subject": "A data role", "body": "Shall we talk?"} | fields


def test_an_employer_with_a_share_link_sees_the_button_and_sends_a_message(
    client, employer, learner, token, django_capture_on_commit_callbacks
):
    client.force_login(employer)
    # The page is private: without the link there is no page and no form.
    assert client.get(PRIVATE_PAGE).status_code == 404
    assert client.get(f"{PRIVATE_PAGE}contact/").status_code == 404

    page = client.get(shared_page(token)).text
    form_url = f"{shared_page(token)}contact/"
    assert f'<a class="button" href="{form_url}">Contact Sam Rivers</a>' in page
    form = client.get(form_url)
    assert form.status_code == 200
    assert "<h1>Contact Sam Rivers</h1>" in form.text
    # Back to the page the employer came from, not to the private page's 404.
    assert f'<a href="{shared_page(token)}">Back to their page</a>' in form.text
    assert form["Referrer-Policy"] == "no-referrer"
    assert form["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in form["Cache-Control"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url, message())
    sent = ContactRequest.objects.get()
    assert response.status_code == 302
    assert response.url == f"/me/contact-requests/{sent.pk}/"
    assert (sent.employer, sent.learner, sent.subject) == (employer, learner, "A data role")
    assert [email.to for email in mail.outbox] == [[learner.email]]
    # The open request replaces the button on the shared page.
    page = client.get(shared_page(token)).text
    assert "Contact Sam Rivers</a>" not in page
    assert "Waiting for an answer</a>" in page


def test_no_button_or_form_when_the_learner_takes_no_requests(client, employer, learner, token):
    learner.profile.accepts_contact_requests = False
    learner.profile.save()
    client.force_login(employer)
    page = client.get(shared_page(token)).text
    assert "<h1>Sam Rivers</h1>" in page
    assert "Contact Sam Rivers" not in page
    assert client.get(f"{shared_page(token)}contact/").status_code == 404
    assert client.post(f"{shared_page(token)}contact/", message()).status_code == 404
    assert not ContactRequest.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "learner", "assessor", "issuer_staff"])
def test_only_employers_get_the_button_or_the_form(client, learner, token, role):
    if role != "anonymous":
        client.force_login(UserFactory(**({} if role == "learner" else {role: True})))
    page = client.get(shared_page(token)).text
    assert "<h1>Sam Rivers</h1>" in page
    assert "Contact Sam Rivers" not in page
    assert client.get(f"{shared_page(token)}contact/").status_code == 404


def test_a_revoked_link_opens_no_form_and_sends_nothing(client, employer, learner, token):
    services.revoke_share_link(share_link_id=learner.share_links.get().pk, by=learner)
    client.force_login(employer)
    assert client.get(f"{shared_page(token)}contact/").status_code == 410
    assert client.post(f"{shared_page(token)}contact/", message()).status_code == 410
    assert client.get("/p/sam-rivers/s/not-a-token/contact/").status_code == 404
    assert not ContactRequest.objects.exists()


def test_the_service_checks_the_link_itself(employer, learner, token):
    fields = {"by": employer, "profile_id": learner.profile.pk, **message()}
    for refused_token in [None, "not-a-token"]:
        with pytest.raises(ContactNotAllowed) as refused:
            services.send_contact_request(**fields, share_token=refused_token)
        assert refused.value.code == "contact.not_accepted"
    assert not ContactRequest.objects.exists()
    sent = services.send_contact_request(**fields, share_token=token)
    assert sent.learner == learner
