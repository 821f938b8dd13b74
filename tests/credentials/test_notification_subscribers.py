import logging
from datetime import timedelta

from django.core import mail

from credentials import subscribers
from credentials.notification_kinds import CREDENTIAL_ISSUED, CREDENTIAL_REVOKED
from credentials.services import invite_to_issuer
from credentials.verbs import InvitationSent
from portfolio.models import Event, Notification
from tests.credentials.conftest import issue, revoke
from tests.factories import IssuerFactory, UserFactory


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


def test_an_invitation_is_told_by_its_subscriber_and_a_failure_leaves_the_invitation(
    db, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    issuer = IssuerFactory(name="Issuer B")
    staff = UserFactory(email="staff@b.example.org", issuer_staff=True)
    issuer.staff.add(staff)

    def refuse(**kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(subscribers, "notify_address", refuse)
    with (
        caplog.at_level(logging.ERROR, logger="portfolio.events"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invitation = invite_to_issuer(
            issuer_id=issuer.pk, email="newcomer@c.example.org", role="assessor", by=staff
        )

    invitation.refresh_from_db()
    assert (invitation.email, invitation.accepted_at) == ("newcomer@c.example.org", None)
    assert Event.objects.filter(verb="issuer.invitation_sent", target_id=invitation.pk).count() == 1
    # The reaction's own writes went with it: no outbox row, and no token for a link never sent.
    assert not Notification.objects.exists()
    assert invitation.token_hash is None
    assert mail.outbox == []
    [record] = [r for r in caplog.records if "tell_invitee" in r.getMessage()]
    assert "issuer.invitation_sent" in record.getMessage()

    # Inviting again, with the outbox working, sends the link.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        invite_to_issuer(
            issuer_id=issuer.pk, email="newcomer@c.example.org", role="assessor", by=staff
        )
    [message] = mail.outbox
    assert message.to == ["newcomer@c.example.org"]
    assert "/invitations/" in message.body
    invitation.refresh_from_db()
    assert invitation.token_hash is not None


def test_the_invitation_names_its_inviter_and_is_sent_without_one(
    db, django_capture_on_commit_callbacks
):
    issuer = IssuerFactory(name="Issuer B")
    staff = UserFactory(email="staff@b.example.org", issuer_staff=True, first_name="Ada")
    issuer.staff.add(staff)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite_to_issuer(
            issuer_id=issuer.pk, email="newcomer@c.example.org", role="assessor", by=staff
        )
    [message] = mail.outbox
    assert "Ada" in message.body

    # An invitation whose inviter's account is gone is still told, naming nobody.
    mail.outbox.clear()
    invitation.invited_by = None
    invitation.save()
    event = Event.objects.get(verb="issuer.invitation_sent", target_id=invitation.pk)
    later = invitation.expires_at + timedelta(days=1)  # a new sending, not deduplicated
    with django_capture_on_commit_callbacks(execute=True):
        subscribers.tell_invitee(
            event,
            InvitationSent(
                email="newcomer@c.example.org", role="assessor", expires_at=later, is_renewal=True
            ),
        )
    [message] = mail.outbox
    assert message.to == ["newcomer@c.example.org"]
    assert " of Issuer B invites you to join Issuer B as assessor" in message.body
    assert "Ada" not in message.body
