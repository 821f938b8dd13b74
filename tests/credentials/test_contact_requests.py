"""Contact requests: an employer writes to a learner, who may reply or decline (services)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from credentials import services
from credentials.activity import describe_contact_requests
from credentials.exceptions import ContactNotAllowed
from credentials.models import ContactRequest
from portfolio.activity import TargetLink
from portfolio.models import Event, Notification
from tests.factories import LearnerProfileFactory, UserFactory

LEARNER_EMAIL = "hidden.learner@example.com"


@pytest.fixture
def learner(db):
    user = UserFactory(email=LEARNER_EMAIL, with_profile=False)
    LearnerProfileFactory(user=user, public=True, slug="sam-rivers", display_name="Sam Rivers")
    return user


@pytest.fixture
def employer(db):
    return UserFactory(
        email="recruiter@firm.example.com", employer=True, first_name="Rita", last_name="Kahn"
    )


def send(employer, learner, *, subject="A data role", body="Would you like to talk?", **kwargs):
    return services.send_contact_request(
        by=employer,
        profile_id=learner.profile.pk,
        organisation=kwargs.pop("organisation", "Firm Ltd"),
        subject=subject,
        body=body,
        **kwargs,
    )


def test_sending_tells_the_learner_in_the_inbox_and_by_email(
    employer, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = send(employer, learner)
    assert (request.status, request.learner, request.employer) == ("open", learner, employer)
    [notification] = Notification.objects.filter(recipient=learner)
    assert notification.kind == "contact_request_received"
    assert notification.subject == "Firm Ltd would like to get in touch: A data role"
    assert notification.link == f"/me/contact-requests/{request.pk}/"
    [message] = mail.outbox
    assert message.to == [LEARNER_EMAIL]
    assert message.subject == "Firm Ltd would like to get in touch: A data role"
    assert "Rita Kahn of Firm Ltd found your public portfolio" in message.body
    assert "Would you like to talk?" in message.body
    # The employer's address is not given to the learner before they reply.
    html = message.alternatives[0][0]
    for text in (message.body, html, message.subject, str(message.reply_to)):
        assert "recruiter@firm.example.com" not in text
    [event] = Event.objects.filter(verb="contact_request.sent")
    assert (event.actor, event.owner) == (employer, None)


def test_the_outbox_row_is_written_with_the_request_so_a_mail_outage_loses_nothing(
    employer, learner
):
    # No on-commit hooks run here: nothing was sent, and the row waits for the sweep.
    send(employer, learner)
    [notification] = Notification.objects.filter(recipient=learner)
    assert notification.email_state == Notification.EmailState.PENDING
    assert mail.outbox == []


def test_a_reply_reaches_the_employer_without_the_learners_address(
    employer, learner, django_capture_on_commit_callbacks
):
    request = send(employer, learner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        replied = services.reply_to_contact_request(
            contact_request_id=request.pk, by=learner, reply="  Happy to talk: call the office.  "
        )
    assert (replied.status, replied.reply) == ("replied", "Happy to talk: call the office.")
    assert replied.answered_at is not None
    [message] = mail.outbox
    assert message.to == ["recruiter@firm.example.com"]
    assert message.subject == "Sam Rivers replied to “A data role”"
    assert "Happy to talk: call the office." in message.body
    for text in (
        message.body,
        message.alternatives[0][0],
        str(message.reply_to),
        message.from_email,
    ):
        assert LEARNER_EMAIL not in text
    assert Notification.objects.get(recipient=employer).kind == "contact_request_replied"


def test_declining_closes_the_request_and_emails_nobody(
    employer, learner, django_capture_on_commit_callbacks
):
    request = send(employer, learner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        declined = services.decline_contact_request(contact_request_id=request.pk, by=learner)
    assert declined.status == "declined"
    assert mail.outbox == []
    assert Event.objects.filter(verb="contact_request.declined", actor=learner).count() == 1


def test_a_request_is_answered_once(employer, learner):
    request = send(employer, learner)
    services.decline_contact_request(contact_request_id=request.pk, by=learner)
    with pytest.raises(ContactNotAllowed) as refused:
        services.reply_to_contact_request(contact_request_id=request.pk, by=learner, reply="Hi")
    assert refused.value.code == "contact.already_answered"
    assert ContactRequest.objects.get(pk=request.pk).reply == ""


@pytest.mark.parametrize("who", ["employer", "other learner"])
def test_only_the_learner_written_to_can_answer(employer, learner, who):
    request = send(employer, learner)
    actor = employer if who == "employer" else UserFactory()
    for answer in (
        lambda: services.reply_to_contact_request(
            contact_request_id=request.pk, by=actor, reply="Hi"
        ),
        lambda: services.decline_contact_request(contact_request_id=request.pk, by=actor),
    ):
        with pytest.raises(ContactNotAllowed) as refused:
            answer()
        assert refused.value.code == "contact.not_recipient"
    assert ContactRequest.objects.get(pk=request.pk).status == "open"


@pytest.mark.parametrize("role", ["learner", "assessor", "issuer_staff"])
def test_only_employers_can_send(learner, role):
    sender = UserFactory(role=role)
    with pytest.raises(ContactNotAllowed) as refused:
        send(sender, learner)
    assert refused.value.code == "contact.not_employer"
    assert not ContactRequest.objects.exists()


def test_a_deactivated_employer_cannot_send(employer, learner):
    employer.is_active = False
    employer.save()
    with pytest.raises(ContactNotAllowed):
        send(employer, learner)
    assert not ContactRequest.objects.exists()


def test_a_learner_who_turned_requests_off_gets_none(employer, learner):
    learner.profile.accepts_contact_requests = False
    learner.profile.save()
    with pytest.raises(ContactNotAllowed) as refused:
        send(employer, learner)
    assert refused.value.code == "contact.not_accepted"
    assert refused.value.message == "This learner does not take contact requests."
    learner.profile.accepts_contact_requests = True
    learner.profile.save()
    assert send(employer, learner).status == "open"


def test_a_private_profile_cannot_be_contacted(employer, learner):
    learner.profile.is_public = False
    learner.profile.save()
    with pytest.raises(ContactNotAllowed) as refused:
        send(employer, learner)
    assert refused.value.code == "contact.not_accepted"


def test_one_open_request_per_learner(employer, learner):
    first = send(employer, learner)
    with pytest.raises(ContactNotAllowed) as refused:
        send(employer, learner, subject="Again")
    assert refused.value.code == "contact.already_open"
    today = timezone.now().date().isoformat()
    assert refused.value.message == (
        f"You wrote to Sam Rivers on {today} and they have not answered yet; you can write "
        "again once they reply or decline."
    )
    # Once answered, the employer may write again.
    services.decline_contact_request(contact_request_id=first.pk, by=learner)
    assert send(employer, learner, subject="Again").subject == "Again"
    # Another employer is not held back by the first one's request.
    assert send(UserFactory(employer=True), learner).status == "open"


def test_the_rate_limit_counts_the_last_24_hours(employer, settings):
    settings.CONTACT_REQUESTS_PER_DAY = 3
    learners = [UserFactory(with_profile=False) for _ in range(5)]
    for user in learners:
        LearnerProfileFactory(user=user, public=True)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        for user in learners[:3]:
            send(employer, user)
        with pytest.raises(ContactNotAllowed) as refused:
            send(employer, learners[3])
    assert refused.value.code == "contact.rate_limited"
    assert refused.value.status == 429
    next_time = (start + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    assert refused.value.message == (
        "You have sent 3 contact requests in the last 24 hours, the most allowed. "
        f"You can send the next one after {next_time} UTC."
    )
    assert ContactRequest.objects.filter(employer=employer).count() == 3
    # Other employers have their own allowance.
    assert send(UserFactory(employer=True), learners[3]).status == "open"
    with time_machine.travel(start + timedelta(days=1, seconds=1), tick=False):
        assert send(employer, learners[4]).status == "open"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("subject", "   ", "contact.subject_missing"),
        ("body", "", "contact.body_missing"),
        ("organisation", "\n", "contact.organisation_missing"),
        ("subject", "x" * 121, "contact.subject_too_long"),
        ("body", "x" * 2001, "contact.body_too_long"),
    ],
)
def test_fields_are_checked(employer, learner, field, value, code):
    with pytest.raises(ContactNotAllowed) as refused:
        send(employer, learner, **{field: value})
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not ContactRequest.objects.exists()


def test_the_activity_log_links_a_request_only_for_the_two_it_is_between(employer, learner):
    request = send(employer, learner)
    other_employer = UserFactory(employer=True)
    other_learner = UserFactory()
    page = f"/me/contact-requests/{request.pk}/"

    for reader, url in [
        (employer, page),
        (learner, page),
        (other_employer, ""),
        (other_learner, ""),
    ]:
        assert describe_contact_requests(reader, [request.pk]) == {
            request.pk: TargetLink(name="A data role", url=url)
        }
