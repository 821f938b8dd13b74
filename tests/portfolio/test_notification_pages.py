import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from assessments.notification_kinds import APPLICATION_CLAIMED, APPLICATION_SUBMITTED
from config.context_processors import unread_notifications
from credentials.notification_kinds import CREDENTIAL_ISSUED, ISSUER_INVITATION
from portfolio.models import EmailPreference, Notification
from portfolio.notification_kinds import get_notification_kind, list_kinds_for_role
from portfolio.selectors import count_unread_notifications
from portfolio.services import notifications
from tests.factories import UserFactory

INBOX = "/notifications/"
MARK_READ = "/notifications/read/"
EMAIL_SETTINGS = "/me/email-settings/"
LEARNER_KINDS = list_kinds_for_role("learner")


def note_for(user, subject, *, kind=CREDENTIAL_ISSUED, read=False):
    return Notification.objects.create(
        recipient=user,
        kind=kind,
        subject=subject,
        link="/c/abc/",
        read_at=timezone.now() if read else None,
    )


def backdate(note, minutes):
    # created_at is auto_now_add, so create() ignores it; set it afterwards.
    Notification.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def inbox_items(html):
    """(subject, is_unread) for each item, in page order."""
    items = re.findall(r'<li class="notification( notification-unread)?">(.*?)</li>', html, re.S)
    return [
        (re.search(r'<a href="[^"]*">([^<]*)</a>', body).group(1), bool(unread))
        for unread, body in items
    ]


def badge(html):
    found = re.search(r'<span class="badge" aria-hidden="true">(\d+)</span>', html)
    return found and int(found.group(1))


# --- Inbox ------------------------------------------------------------------------------


def test_inbox_needs_login(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={INBOX}"


@time_machine.travel(datetime(2026, 5, 4, 9, 30, tzinfo=UTC), tick=False)
def test_inbox_lists_only_the_users_own_notifications_newest_first(client, learner, other_learner):
    older = note_for(learner, "Your application for Data Storytelling is in review")
    backdate(older, 90)
    note_for(learner, "You have earned Data Storytelling", read=True)
    note_for(other_learner, "Someone else's news")
    client.force_login(learner)

    response = client.get(INBOX)

    assert inbox_items(response.text) == [
        ("You have earned Data Storytelling", False),
        ("Your application for Data Storytelling is in review", True),
    ]
    assert "Someone else" not in response.text
    assert "1 unread notification." in response.text
    assert re.findall(r"<time [^>]*>([^<]*)</time>", response.text) == ["now", "an hour ago"]
    assert '<a href="/c/abc/">You have earned Data Storytelling</a>' in response.text


def test_inbox_shows_every_role_its_notifications(client, assessor):
    note_for(assessor, "New application: Data Storytelling", kind=APPLICATION_SUBMITTED)
    client.force_login(assessor)
    response = client.get(INBOX)
    assert inbox_items(response.text) == [("New application: Data Storytelling", True)]
    assert "Application submitted for review ·" in response.text


def test_empty_inbox_says_so(client, employer):
    client.force_login(employer)
    response = client.get(INBOX)
    assert "No notifications yet." in response.text
    assert "You are all caught up." in response.text
    assert "Mark all as read" not in response.text


def test_inbox_is_paginated(client, learner):
    for n in range(25):
        note = note_for(learner, f"Notification {n:02d}")
        backdate(note, 25 - n)
    client.force_login(learner)

    first = client.get(INBOX)
    second = client.get(INBOX, {"page": 2})

    assert [s for s, _ in inbox_items(first.text)][:2] == ["Notification 24", "Notification 23"]
    assert len(inbox_items(first.text)) == 20
    assert [s for s, _ in inbox_items(second.text)] == [
        f"Notification {n:02d}" for n in range(4, -1, -1)
    ]
    assert "Page 2 of 2" in second.text


def test_inbox_query_count_does_not_grow_with_notifications(
    client, learner, django_assert_max_num_queries
):
    for n in range(3):
        note_for(learner, f"Notification {n}")
    client.force_login(learner)
    with django_assert_max_num_queries(6) as few:
        client.get(INBOX)
    for n in range(6):
        note_for(learner, f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(INBOX)
    assert len(inbox_items(response.text)) == 9


# --- Unread count in the header -----------------------------------------------------------


def test_header_shows_the_unread_count(client, learner, other_learner):
    note_for(learner, "One")
    note_for(learner, "Two")
    note_for(learner, "Read already", read=True)
    note_for(other_learner, "Not mine")
    client.force_login(learner)
    response = client.get("/dashboard/")
    assert badge(response.text) == 2
    assert "(2 unread)" in response.text


def test_header_has_no_badge_when_everything_is_read(client, learner):
    note_for(learner, "Read already", read=True)
    client.force_login(learner)
    response = client.get("/dashboard/")
    assert f'href="{INBOX}">Inbox</a>' in response.text
    assert badge(response.text) is None


def test_anonymous_visitors_get_no_inbox_link(client):
    response = client.get("/")
    assert response.status_code == 200
    # The header is there, with what an anonymous visitor gets instead.
    assert '<a href="/accounts/login/">Log in</a>' in response.text
    assert "Inbox" not in response.text


def test_unread_count_costs_one_query(learner, django_assert_num_queries):
    note_for(learner, "One")
    request = RequestFactory().get("/")
    request.user = learner
    with django_assert_num_queries(1):
        assert unread_notifications(request) == {"unread_notification_count": 1}


def test_unread_count_is_of_the_users_own_unread_notifications_only(learner):
    assert count_unread_notifications(user=learner) == 0
    note_for(learner, "One")
    note_for(learner, "Two")
    note_for(UserFactory(), "Someone else's")
    note_for(learner, "Read", read=True)

    assert count_unread_notifications(user=learner) == 2


def test_unread_count_costs_nothing_for_anonymous_visitors(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_notifications(request) == {}


# --- Marking read -------------------------------------------------------------------------


def test_mark_one_notification_read(client, learner):
    first = note_for(learner, "First")
    second = note_for(learner, "Second")
    client.force_login(learner)

    response = client.post(MARK_READ, {"notification": first.pk, "page": 1}, follow=True)

    assert response.redirect_chain == [(INBOX, 302)]
    assert "Marked 1 notification as read." in response.text
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert badge(response.text) == 1


def test_mark_all_read(client, learner, other_learner):
    note_for(learner, "First")
    note_for(learner, "Second")
    theirs = note_for(other_learner, "Theirs")
    client.force_login(learner)

    response = client.post(MARK_READ, follow=True)

    assert "Marked 2 notifications as read." in response.text
    assert not Notification.objects.filter(recipient=learner, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert badge(response.text) is None


def test_cannot_mark_someone_elses_notification_read(client, learner, other_learner):
    theirs = note_for(other_learner, "Theirs")
    client.force_login(learner)

    response = client.post(MARK_READ, {"notification": theirs.pk}, follow=True)

    assert "There was nothing unread to mark." in response.text
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_returns_to_the_same_page(client, learner):
    note = note_for(learner, "Old one")
    client.force_login(learner)
    response = client.post(MARK_READ, {"notification": note.pk, "page": 2})
    assert response.url == f"{INBOX}?page=2"


def test_marking_read_rejects_a_malformed_id(client, learner):
    note_for(learner, "Keep me unread")
    client.force_login(learner)
    response = client.post(MARK_READ, {"notification": "abc"}, follow=True)
    assert "Nothing was marked as read: that is not a notification." in response.text
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_marking_read_needs_post(client, learner):
    client.force_login(learner)
    assert client.get(MARK_READ).status_code == 405


def test_inbox_offers_a_mark_read_button_per_unread_item(client, learner):
    unread = note_for(learner, "Unread one")
    note_for(learner, "Read one", read=True)
    client.force_login(learner)
    response = client.get(INBOX)
    buttons = re.findall(r'name="notification" value="(\d+)"', response.text)
    assert buttons == [str(unread.pk)]
    assert "Mark all as read" in response.text


# --- E-mail settings ----------------------------------------------------------------------


def test_email_settings_offer_every_kind_a_learner_receives_ticked_by_default(client, learner):
    client.force_login(learner)
    response = client.get(EMAIL_SETTINGS)
    learner_kinds = [
        "application_claimed",
        "changes_requested",
        "application_rejected",
        "credential_issued",
        "credential_expiring",
        "credential_revoked",
        "transcript_ready",
        "contact_request_received",
    ]
    assert re.findall(r'<input type="checkbox" name="(\w+)"', response.text) == learner_kinds
    for kind in learner_kinds:
        label = get_notification_kind(kind).label
        assert f'<label for="id_{kind}">{label}</label>' in response.text
        assert re.search(rf'<input type="checkbox" name="{kind}"[^>]* checked', response.text)
    assert "One of your credentials will expire within 30 days." in response.text
    assert "In-app notifications are always kept" in response.text
    # Kinds only other roles receive are not offered.
    assert "Application waiting for review" not in response.text
    assert "Application submitted for review" not in response.text


@pytest.mark.parametrize(
    ("role_fixture", "kinds", "help_text"),
    [
        (
            "assessor",
            ["application_submitted", "issuer_invitation"],
            "A learner submits or resubmits an application for a micro-credential you assess.",
        ),
        (
            "issuer_staff",
            ["application_waiting", "issuer_invitation"],
            "An application to your organisation has waited more than 7 days for review.",
        ),
    ],
)
def test_email_settings_offer_only_the_kinds_the_role_receives(
    client, request, role_fixture, kinds, help_text
):
    client.force_login(request.getfixturevalue(role_fixture))
    response = client.get(EMAIL_SETTINGS)
    assert re.findall(r'<input type="checkbox" name="(\w+)"', response.text) == kinds
    assert help_text in response.text
    assert "Credential issued" not in response.text


def test_an_employer_chooses_whether_replies_and_saved_search_digests_are_emailed(client, employer):
    client.force_login(employer)
    response = client.get(EMAIL_SETTINGS)
    assert "<h1>E-mail settings</h1>" in response.text
    assert re.findall(r'<input type="checkbox" name="(\w+)"', response.text) == [
        "contact_request_replied",
        "saved_search_digest",
    ]
    assert "A learner you wrote to replies." in response.text
    assert "the people who newly match one of your saved directory searches" in response.text
    assert "Nothing on Unbundled sends e-mail to your account" not in response.text


def test_saving_leaves_kinds_of_other_roles_alone(client, assessor):
    client.force_login(assessor)
    client.post(EMAIL_SETTINGS, {})
    off = EmailPreference.objects.filter(user=assessor, is_enabled=False)
    assert set(off.values_list("kind", flat=True)) == {
        APPLICATION_SUBMITTED,
        ISSUER_INVITATION,
    }


def test_saving_email_settings_turns_unticked_kinds_off(client, learner):
    client.force_login(learner)
    ticked = [k for k in LEARNER_KINDS if k != APPLICATION_CLAIMED]

    response = client.post(EMAIL_SETTINGS, dict.fromkeys(ticked, "on"), follow=True)

    assert response.redirect_chain == [(EMAIL_SETTINGS, 302)]
    assert (
        "Your e-mail settings are saved. Every notification still appears in your inbox."
        in response.text
    )
    off = EmailPreference.objects.filter(user=learner, is_enabled=False)
    assert list(off.values_list("kind", flat=True)) == [APPLICATION_CLAIMED]
    assert not re.search(
        r'<input type="checkbox" name="application_claimed"[^>]* checked', response.text
    )
    assert re.search(r'<input type="checkbox" name="changes_requested"[^>]* checked', response.text)


def test_a_turned_off_kind_is_kept_in_the_inbox_but_not_emailed(
    client, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    ticked = [k for k in LEARNER_KINDS if k != APPLICATION_CLAIMED]
    client.post(EMAIL_SETTINGS, dict.fromkeys(ticked, "on"))

    with django_capture_on_commit_callbacks(execute=True):
        [claimed] = notifications.notify(
            recipients=[learner],
            kind=APPLICATION_CLAIMED,
            subject="Your application for Data Storytelling is in review",
            link="/applications/1/",
            context={"title": "Data Storytelling"},
        )
        [issued] = notifications.notify(
            recipients=[learner],
            kind=CREDENTIAL_ISSUED,
            subject="You have earned Data Storytelling",
            link="/c/abc/",
            context={"title": "Data Storytelling", "issuer": "Example Institute"},
        )

    claimed.refresh_from_db()
    issued.refresh_from_db()
    assert claimed.email_state == Notification.EmailState.SKIPPED
    assert issued.email_state == Notification.EmailState.SENT
    assert [m.subject for m in mail.outbox] == ["You have earned Data Storytelling"]
    assert sorted(inbox_items(client.get(INBOX).text)) == [
        ("You have earned Data Storytelling", True),
        ("Your application for Data Storytelling is in review", True),
    ]


def test_email_settings_need_login(client):
    response = client.get(EMAIL_SETTINGS)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={EMAIL_SETTINGS}"
