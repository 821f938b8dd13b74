from django.db import transaction

from assessments.notification_kinds import APPLICATION_WAITING
from portfolio.models import Notification
from portfolio.services import notifications
from tests.concurrency import requires_postgresql, wait_until_blocked
from tests.factories import UserFactory

KIND = APPLICATION_WAITING


def notify(recipients, dedupe_key):
    return notifications.notify(
        recipients=recipients,
        kind=KIND,
        subject="Waiting for review: Data Storytelling",
        link="/review/",
        context={"title": "Data Storytelling", "learner": "Amara Okafor", "days": 8},
        dedupe_key=dedupe_key,
    )


def test_one_dedupe_key_records_the_event_once_for_each_recipient(learner, other_learner):
    created = notify([learner, other_learner], "application-waiting:7:1")
    assert sorted(n.recipient_id for n in created) == sorted([learner.pk, other_learner.pk])
    assert notify([learner, other_learner], "application-waiting:7:1") == []
    assert Notification.objects.filter(recipient=learner).count() == 1
    assert Notification.objects.filter(recipient=other_learner).count() == 1


def test_a_recipient_added_later_still_gets_an_event_the_others_already_have(
    learner, other_learner
):
    [first] = notify([learner], "application-waiting:7:1")
    [added] = notify([learner, other_learner], "application-waiting:7:1")
    assert first.recipient == learner
    assert added.recipient == other_learner
    assert Notification.objects.count() == 2


@requires_postgresql
def test_losing_a_dedupe_race_skips_that_recipient_and_carries_on(racer):
    raced, next_in_line = UserFactory(), UserFactory()
    with transaction.atomic():
        # This transaction records the event for `raced` first and does not commit yet, so
        # the racing call's existence check misses it and its insert waits on the unique index.
        [won] = notify([raced], "credential-expiring:3")

        def racing_call():
            with transaction.atomic():
                created = notify([raced, next_in_line], "credential-expiring:3")
                # The caller's transaction must still be usable after the lost race.
                return created, Notification.objects.filter(recipient=raced).count()

        outcome = racer.start(racing_call)
        wait_until_blocked(1)
    created, seen_by_loser = outcome.result(timeout=30)
    assert [n.recipient_id for n in created] == [next_in_line.pk]
    assert seen_by_loser == 1
    assert list(Notification.objects.filter(recipient=raced).values_list("pk", flat=True)) == [
        won.pk
    ]
    assert Notification.objects.filter(recipient=next_in_line).count() == 1
