from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from credentials import tasks
from credentials.models import IssuedCredential
from credentials.notification_kinds import CREDENTIAL_EXPIRING
from credentials.services import remind_expiring_credentials
from portfolio.models import Notification
from tests.credentials.conftest import NOW, issue, revoke
from tests.factories import MicroCredentialFactory, UserFactory


@pytest.mark.parametrize(
    ("issued_at", "validity_months", "expires_at"),
    [
        # Within one year.
        (datetime(2026, 3, 1, 12, tzinfo=UTC), 1, datetime(2026, 4, 1, 12, tzinfo=UTC)),
        # Across a year end: the year carries.
        (datetime(2026, 11, 15, 9, tzinfo=UTC), 3, datetime(2027, 2, 15, 9, tzinfo=UTC)),
        (datetime(2026, 12, 10, 9, tzinfo=UTC), 1, datetime(2027, 1, 10, 9, tzinfo=UTC)),
        # Landing on December must not carry into the next year.
        (datetime(2026, 1, 10, 9, tzinfo=UTC), 11, datetime(2026, 12, 10, 9, tzinfo=UTC)),
        (datetime(2025, 12, 10, 9, tzinfo=UTC), 12, datetime(2026, 12, 10, 9, tzinfo=UTC)),
        (datetime(2026, 6, 30, 9, tzinfo=UTC), 30, datetime(2028, 12, 30, 9, tzinfo=UTC)),
        # Month ends clamp to the target month's last day.
        (datetime(2026, 1, 31, 9, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, tzinfo=UTC)),
        (datetime(2028, 1, 31, 9, tzinfo=UTC), 1, datetime(2028, 2, 29, 9, tzinfo=UTC)),
        (datetime(2026, 8, 31, 9, tzinfo=UTC), 1, datetime(2026, 9, 30, 9, tzinfo=UTC)),
        (datetime(2027, 12, 31, 9, tzinfo=UTC), 2, datetime(2028, 2, 29, 9, tzinfo=UTC)),
        (datetime(2026, 10, 31, 9, tzinfo=UTC), 4, datetime(2027, 2, 28, 9, tzinfo=UTC)),
        (datetime(2026, 2, 28, 9, tzinfo=UTC), 24, datetime(2028, 2, 28, 9, tzinfo=UTC)),
    ],
)
def test_expiry_is_the_validity_period_after_issue(
    learner, issuer, issued_at, validity_months, expires_at
):
    definition = MicroCredentialFactory(issuer=issuer, validity_months=validity_months)
    credential = issue(learner, definition, issued_at=issued_at)
    assert credential.expires_at == expires_at
    credential.refresh_from_db()
    assert credential.expires_at == expires_at


def test_a_definition_without_validity_issues_credentials_that_never_expire(learner, issuer):
    definition = MicroCredentialFactory(issuer=issuer, validity_months=None)
    credential = issue(learner, definition)
    assert credential.expires_at is None
    assert credential.status_at(NOW + timedelta(days=365 * 50)) == IssuedCredential.Status.VALID


def test_a_credential_expires_at_exactly_its_expiry_moment(learner, micro_credential):
    credential = issue(learner, micro_credential)
    expires_at = credential.expires_at
    assert expires_at == datetime(2028, 3, 1, 12, tzinfo=UTC)
    assert (
        credential.status_at(expires_at - timedelta(microseconds=1))
        == IssuedCredential.Status.VALID
    )
    assert credential.status_at(expires_at) == IssuedCredential.Status.EXPIRED
    assert (
        credential.status_at(expires_at + timedelta(microseconds=1))
        == IssuedCredential.Status.EXPIRED
    )


def test_the_valid_at_filter_agrees_with_status_at_on_the_boundary(learner, micro_credential):
    credential = issue(learner, micro_credential)
    expires_at = credential.expires_at
    just_before = expires_at - timedelta(microseconds=1)
    valid = IssuedCredential.objects.valid_at
    assert list(valid(just_before)) == [credential]
    assert list(valid(expires_at)) == []


def test_revoked_wins_over_valid_and_expired(learner, micro_credential):
    credential = revoke(issue(learner, micro_credential))
    assert credential.status_at(NOW) == IssuedCredential.Status.REVOKED
    assert (
        credential.status_at(credential.expires_at + timedelta(days=1))
        == IssuedCredential.Status.REVOKED
    )
    assert list(IssuedCredential.objects.valid_at(NOW)) == []


# --- the daily expiry reminder ---------------------------------------------------------


@pytest.fixture
def one_month(issuer):
    return MicroCredentialFactory(issuer=issuer, title="SQL Basics", validity_months=1)


def test_holders_are_reminded_once_of_a_credential_expiring_within_the_window(
    learner, one_month, settings, django_capture_on_commit_callbacks
):
    settings.CREDENTIAL_EXPIRY_REMINDER_DAYS = 30
    credential = issue(learner, one_month, issued_at=NOW - timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_expiring_credentials(now=NOW) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_expiring_credentials(now=NOW) == 0
        assert remind_expiring_credentials(now=NOW + timedelta(days=5)) == 0
    reminder = Notification.objects.get(recipient=learner, kind=CREDENTIAL_EXPIRING)
    assert reminder.subject == "SQL Basics expires soon"
    assert reminder.link == f"/c/{credential.public_id}/"
    assert reminder.context["expires_on"] == credential.expires_at.date().isoformat()
    expiring_mail = [m for m in mail.outbox if m.subject == "SQL Basics expires soon"]
    assert [m.to for m in expiring_mail] == [[learner.email]]


def test_each_expiring_credential_gets_its_own_reminder(learner, other_learner, one_month):
    mine = issue(learner, one_month, issued_at=NOW - timedelta(days=20))
    theirs = issue(other_learner, one_month, issued_at=NOW - timedelta(days=25))
    assert remind_expiring_credentials(now=NOW) == 2
    reminded = Notification.objects.filter(kind=CREDENTIAL_EXPIRING)
    assert sorted(reminded.values_list("link", flat=True)) == sorted(
        [f"/c/{mine.public_id}/", f"/c/{theirs.public_id}/"]
    )


def test_a_renewed_credential_is_reminded_again(learner, one_month):
    issue(learner, one_month, issued_at=NOW - timedelta(days=20))
    assert remind_expiring_credentials(now=NOW) == 1
    # A month later the first one has expired; a second one is issued and nears its own end.
    later = NOW + timedelta(days=30)
    issue(learner, one_month, issued_at=later - timedelta(days=20))
    assert remind_expiring_credentials(now=later) == 1
    assert Notification.objects.filter(kind=CREDENTIAL_EXPIRING).count() == 2


def test_only_valid_credentials_inside_the_window_are_reminded(
    learner, micro_credential, one_month, settings
):
    settings.CREDENTIAL_EXPIRY_REMINDER_DAYS = 30
    # Expires exactly at the end of the window (the last moment counts), then a minute after.
    at_window_end = issue(learner, one_month, issued_at=NOW - timedelta(days=5))
    after_window = issue(learner, one_month, issued_at=NOW - timedelta(days=5))
    IssuedCredential.objects.filter(pk=at_window_end.pk).update(expires_at=NOW + timedelta(days=30))
    IssuedCredential.objects.filter(pk=after_window.pk).update(
        expires_at=NOW + timedelta(days=30, minutes=1)
    )
    # Already expired, revoked, or years away.
    issue(learner, one_month, issued_at=NOW - timedelta(days=40))
    revoke(issue(learner, one_month, issued_at=NOW - timedelta(days=20)))
    issue(learner, micro_credential)
    assert remind_expiring_credentials(now=NOW) == 1
    [reminder] = Notification.objects.filter(kind=CREDENTIAL_EXPIRING)
    assert reminder.link == f"/c/{at_window_end.public_id}/"


def test_the_daily_task_reminds_at_the_current_time(learner, one_month):
    issue(learner, one_month, issued_at=NOW - timedelta(days=20))
    other = UserFactory()
    issue(other, one_month, issued_at=NOW - timedelta(days=40))
    assert tasks.remind_expiring_credentials() == 1
    assert tasks.remind_expiring_credentials() == 0
    assert Notification.objects.filter(kind=CREDENTIAL_EXPIRING).count() == 1
