"""Every service that changes state owns its transaction (transaction.atomic(durable=True)).

Its work is committed when it returns, so the e-mails and tasks it queues on commit go out
and its row locks are held for exactly its own work. Calling it inside someone else's
transaction is a programming error that Django refuses before the service does anything.

The exceptions are the services the Django admin calls from its save: the admin runs each
save in a transaction of its own, so these join it (plain transaction.atomic), and what the
admin saves after them (a micro-credential's skills and rubric) commits or fails with them.
"""

import pytest
from django.db import transaction

from assessments.services import applying, reviewing
from credentials import bulk_issuance
from credentials import services as credentials
from portfolio.models import Event
from portfolio.services import curation, evidence, notifications, skills
from tests.factories import EvidenceItemFactory, UserFactory
from tests.test_events_recorded import SCENARIOS

SERVICES_OWNING_THEIR_TRANSACTION = [
    applying.start_application,
    applying.save_response,
    applying.submit_application,
    applying.withdraw_application,
    reviewing.claim_application,
    reviewing.release_application,
    reviewing.request_changes,
    reviewing.reject_application,
    reviewing.approve_application,
    credentials.revoke_credential,
    credentials.sign_up_by_invitation,
    credentials.set_credential_visibility,
    credentials.publish_micro_credential,
    credentials.retire_micro_credential,
    credentials.create_share_link,
    credentials.revoke_share_link,
    credentials.send_contact_request,
    credentials.reply_to_contact_request,
    credentials.decline_contact_request,
    credentials.generate_signing_key,
    credentials.rotate_signing_key,
    credentials.save_search,
    credentials.delete_saved_search,
    credentials.unsubscribe_saved_search,
    credentials.sign_credential,
    bulk_issuance.start_bulk_issuance,
    bulk_issuance.issue_bulk_chunk,
    curation.curate_portfolio,
    evidence.delete_evidence,
    notifications.resend_failed_emails,
    notifications.mark_read,
    notifications.set_email_preferences,
    skills.import_skills_csv,
]


@pytest.mark.parametrize(
    "service", SERVICES_OWNING_THEIR_TRANSACTION, ids=lambda service: service.__name__
)
def test_a_service_refuses_to_run_inside_another_transaction(db, service):
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable atomic block"):
        # No arguments: the refusal comes before the service reads any.
        service()


SERVICES_JOINING_THE_ADMINS_TRANSACTION = [
    credentials.invite_to_issuer,
    credentials.update_micro_credential,
]


class AdminSaveFailed(Exception):
    pass


@pytest.mark.parametrize(
    "service", SERVICES_JOINING_THE_ADMINS_TRANSACTION, ids=lambda service: service.__name__
)
def test_an_admin_service_joins_the_admins_transaction(db, service):
    case = SCENARIOS[service]()
    before = Event.objects.count()
    recorded = []

    def admin_save():
        # The admin's save, failing after the service returned: its writes must go too.
        with transaction.atomic():
            case.run()
            recorded.append(Event.objects.filter(verb=case.verb).count())
            raise AdminSaveFailed

    with pytest.raises(AdminSaveFailed):
        admin_save()
    assert recorded == [1]
    assert Event.objects.count() == before
    assert not Event.objects.filter(verb=case.verb).exists()


def test_evidence_edits_own_their_transaction_after_checking_the_upload(db):
    # create_evidence and update_evidence process an upload before their durable block, so
    # they cannot refuse before reading arguments; with real ones they refuse all the same.
    learner = UserFactory(email="learner@example.com")
    item = EvidenceItemFactory(owner=learner, title="Before")
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable atomic block"):
        evidence.update_evidence(item_id=item.pk, by=learner, title="After", body="Still here.")
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable atomic block"):
        evidence.create_evidence(by=learner, kind="link", title="Site", url="https://example.org")
    item.refresh_from_db()
    assert item.title == "Before"
