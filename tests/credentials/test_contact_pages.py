"""Contact request pages: the button, the form, the lists and answers, for every role."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credentials import services
from credentials.models import ContactRequest
from tests.factories import LearnerProfileFactory, UserFactory

LEARNER_EMAIL = "hidden.learner@example.com"
EMPLOYER_EMAIL = "recruiter@firm.example.com"
PAGE = "/p/sam-rivers/"
FORM = "/p/sam-rivers/contact/"


@pytest.fixture
def learner(db):
    user = UserFactory(email=LEARNER_EMAIL, with_profile=False)
    LearnerProfileFactory(user=user, public=True, slug="sam-rivers", display_name="Sam Rivers")
    return user


@pytest.fixture
def employer(db):
    return UserFactory(email=EMPLOYER_EMAIL, employer=True, first_name="Rita", last_name="Kahn")


@pytest.fixture
def sent_request(employer, learner):
    return services.send_contact_request(
        by=employer,
        profile_id=learner.profile.pk,
        organisation="Firm Ltd",
        subject="Hi",
        body="Talk?",
    )


def as_user(client, user):
    client.force_login(user)
    return client


def post_message(client, **fields):
    data = {"organisation": "Firm Ltd", "subject": "A data role", "body": "Shall we talk?"}
    return client.post(FORM, data | fields)


def test_an_employer_sees_the_button_and_sends_a_message(
    client, employer, learner, django_capture_on_commit_callbacks
):
    as_user(client, employer)
    page = client.get(PAGE).text
    assert f'<a class="button" href="{FORM}">Contact Sam Rivers</a>' in page
    assert "Signed-in employers can" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = post_message(client)
    request = ContactRequest.objects.get()
    assert response.status_code == 302
    assert response.url == f"/me/contact-requests/{request.pk}/"
    detail = client.get(response.url).text
    assert "Your message is on its way to Sam Rivers, who chooses whether to reply." in detail
    assert "Waiting for Sam Rivers to answer." in detail
    # The button becomes the state of the open request.
    page = client.get(PAGE).text
    assert "Contact Sam Rivers</a>" not in page
    assert "Waiting for an answer</a>" in page
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("role", ["anonymous", "learner", "assessor", "issuer_staff"])
def test_nobody_else_sees_the_button_or_the_form(client, learner, role):
    if role != "anonymous":
        as_user(client, UserFactory(role=role))
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "<h1>Sam Rivers</h1>" in page.text
    assert "Contact Sam Rivers" not in page.text
    assert client.get(FORM).status_code == 404
    assert post_message(client).status_code == 404
    assert not ContactRequest.objects.exists()


def test_the_owner_does_not_see_the_button_on_their_own_page(client, learner):
    as_user(client, learner)
    page = client.get(PAGE).text
    assert "This is your public page" in page
    assert "Contact Sam Rivers" not in page


def test_a_learner_who_turned_requests_off_has_no_button_and_no_form(client, employer, learner):
    learner.profile.accepts_contact_requests = False
    learner.profile.save()
    as_user(client, employer)
    page = client.get(PAGE)
    assert "<h1>Sam Rivers</h1>" in page.text
    assert "Contact Sam Rivers" not in page.text
    assert client.get(FORM).status_code == 404
    assert post_message(client).status_code == 404


def test_the_learner_turns_requests_off_on_the_profile_form(client, learner):
    as_user(client, learner)
    form = client.get("/me/profile/").text
    assert 'name="accepts_contact_requests"' in form
    assert "Employers may contact me" in form
    client.post(
        "/me/profile/",
        {"display_name": "Sam Rivers", "slug": "sam-rivers", "is_public": "on"},
    )
    learner.profile.refresh_from_db()
    assert learner.profile.is_public is True
    assert learner.profile.accepts_contact_requests is False


def test_a_private_profile_has_no_form(client, employer, learner):
    learner.profile.is_public = False
    learner.profile.save()
    as_user(client, employer)
    assert client.get(FORM).status_code == 404


def test_form_errors_are_shown_and_nothing_is_sent(client, employer, learner):
    as_user(client, employer)
    response = post_message(client, subject="", body="x" * 2001)
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert "Ensure this value has at most 2000 characters (it has 2001)." in response.text
    assert not ContactRequest.objects.exists()


def test_a_refusal_from_the_service_is_shown_on_the_form(client, employer, learner, settings):
    settings.CONTACT_REQUESTS_PER_DAY = 1
    other = UserFactory(with_profile=False)
    LearnerProfileFactory(user=other, public=True)
    services.send_contact_request(
        by=employer, profile_id=other.profile.pk, organisation="Firm", subject="Hi", body="Talk?"
    )
    as_user(client, employer)
    response = post_message(client)
    assert response.status_code == 200
    assert "You have sent 1 contact requests in the last 24 hours, the most allowed." in (
        response.text
    )
    assert not ContactRequest.objects.filter(learner=learner).exists()


def test_the_learner_replies_and_the_employer_reads_it(
    client, employer, learner, sent_request, django_capture_on_commit_callbacks
):
    url = f"/me/contact-requests/{sent_request.pk}/"
    as_user(client, learner)
    page = client.get(url).text
    assert "From Rita Kahn of Firm Ltd" in page
    assert "Reply or decline" in page
    # Not before replying: the employer's address stays theirs.
    assert EMPLOYER_EMAIL not in page
    assert "Firm Ltd" in client.get("/me/contact-requests/").text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reply": "Yes, write to me at sam@elsewhere.example.org"})
    page = client.get(url).text
    assert "Your reply has been sent." in page
    assert f'<a href="mailto:{EMPLOYER_EMAIL}">{EMPLOYER_EMAIL}</a>' in page
    client.logout()
    as_user(client, employer)
    page = client.get(url).text
    assert "Sam Rivers's reply" in page
    assert "Yes, write to me at sam@elsewhere.example.org" in page


def test_the_learner_declines(client, employer, learner, sent_request):
    as_user(client, learner)
    response = client.post(f"/me/contact-requests/{sent_request.pk}/decline/")
    assert response.url == f"/me/contact-requests/{sent_request.pk}/"
    assert "You declined this request" in client.get(response.url).text
    client.logout()
    as_user(client, employer)
    assert "Sam Rivers declined this request" in client.get(response.url).text
    dashboard = client.get("/dashboard/").text
    assert "Declined</span>" in dashboard


def test_the_learners_address_appears_nowhere_the_employer_looks(
    client, employer, learner, django_capture_on_commit_callbacks
):
    as_user(client, employer)
    with django_capture_on_commit_callbacks(execute=True):
        post_message(client)
    request = ContactRequest.objects.get()
    client.logout()
    as_user(client, learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/me/contact-requests/{request.pk}/", {"reply": "Happy to talk."})
    client.logout()
    as_user(client, employer)
    pages = [
        PAGE,
        FORM,
        "/dashboard/",
        "/me/contact-requests/",
        f"/me/contact-requests/{request.pk}/",
        "/notifications/",
        "/me/activity/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert LEARNER_EMAIL not in response.text, path
    assert "Happy to talk." in client.get(f"/me/contact-requests/{request.pk}/").text
    to_employer = [message for message in mail.outbox if message.to == [EMPLOYER_EMAIL]]
    assert len(to_employer) == 1
    for message in to_employer:
        for text in (message.subject, message.body, message.alternatives[0][0]):
            assert LEARNER_EMAIL not in text
        assert LEARNER_EMAIL not in " ".join(message.reply_to + message.cc + message.bcc)


@pytest.mark.parametrize("role", ["other employer", "other learner", "assessor", "issuer_staff"])
def test_nobody_else_can_see_or_answer_a_request(client, employer, learner, sent_request, role):
    roles = {
        "other employer": "employer",
        "other learner": "learner",
        "assessor": "assessor",
        "issuer_staff": "issuer_staff",
    }
    as_user(client, UserFactory(role=roles[role]))
    url = f"/me/contact-requests/{sent_request.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reply": "Mine now"}).status_code == 404
    assert client.post(f"{url}decline/").status_code == 404
    assert ContactRequest.objects.get(pk=sent_request.pk).status == "open"
    listing = client.get("/me/contact-requests/")
    expected = 200 if role in {"other employer", "other learner"} else 404
    assert listing.status_code == expected
    if expected == 200:
        assert "Hi</a>" not in listing.text


def test_the_employer_cannot_answer_their_own_request(client, employer, learner, sent_request):
    as_user(client, employer)
    url = f"/me/contact-requests/{sent_request.pk}/"
    assert "Reply or decline" not in client.get(url).text
    client.post(url, {"reply": "Answering myself"})
    client.post(f"{url}decline/")
    assert ContactRequest.objects.get(pk=sent_request.pk).status == "open"


def test_anonymous_visitors_are_sent_to_log_in_for_the_lists(client, employer, learner):
    response = client.get("/me/contact-requests/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_employer_dashboard_lists_sent_requests_in_constant_queries(client, employer):
    def add_requests(count):
        for _ in range(count):
            user = UserFactory(with_profile=False)
            LearnerProfileFactory(user=user, public=True)
            ContactRequest.objects.create(
                employer=employer, learner=user, organisation="Firm", subject="Role", body="Hi"
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/dashboard/").text
        return len(captured.captured_queries), page

    as_user(client, employer)
    add_requests(2)
    few, _ = queries()
    add_requests(4)
    many, page = queries()
    assert many == few
    assert page.count("Waiting for an answer</span>") == 6
    assert "Check a credential" in page


def test_an_employer_without_a_name_is_not_shown_by_address_to_the_learner(client, learner):
    nameless = UserFactory(email="no.name@firm.example.com", employer=True)
    request = services.send_contact_request(
        by=nameless,
        profile_id=learner.profile.pk,
        organisation="Firm Ltd",
        subject="Hi",
        body="Talk?",
    )
    as_user(client, learner)
    for path in [
        f"/me/contact-requests/{request.pk}/",
        "/me/contact-requests/",
        "/notifications/",
        "/me/activity/",
        "/me/activity/?actor=no.name",
    ]:
        page = client.get(path).text
        assert "no.name@firm.example.com" not in page, path
    assert "From an employer of Firm Ltd" in client.get(f"/me/contact-requests/{request.pk}/").text
