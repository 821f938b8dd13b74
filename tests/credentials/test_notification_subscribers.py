import logging

from django.core import mail

from credentials import subscribers
from credentials.notification_kinds import CREDENTIAL_ISSUED, CREDENTIAL_REVOKED
from portfolio.models import Event, Notification
from tests.credentials.conftest import issue, revoke


def test_a_failing_subscriber_leaves_the_revocation_and_its_event_and_is_logged(
    learner, micro_credential, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    credential = issue(learner, micro_credential)

    def refuse(**kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(subscribers, "notify", refuse)
    with (
        caplog.at_level(logging.ERROR, logger="portfolio.events"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        revoke(credential, reason="Issued in error.")

    credential.refresh_from_db()
    assert credential.revoked_at is not None
    assert credential.revocation_reason == "Issued in error."
    assert Event.objects.filter(verb="credential.revoked", target_id=credential.pk).count() == 1
    # Only the reaction was lost: the notice of the issue stands, none of the revocation.
    kinds = set(Notification.objects.filter(recipient=learner).values_list("kind", flat=True))
    assert kinds == {CREDENTIAL_ISSUED}
    assert CREDENTIAL_REVOKED not in kinds
    assert not [m for m in mail.outbox if "has been revoked" in m.subject]
    [record] = [r for r in caplog.records if "tell_holder_of_revocation" in r.getMessage()]
    assert "credential.revoked" in record.getMessage()
    assert record.exc_info is not None
    assert "the outbox is broken" in str(record.exc_info[1])
