"""Each issuer's revocation list, and the index every credential gets in it when issued."""

from concurrent.futures import Future

import pytest
from django.db import IntegrityError, transaction

from credentials.models import IssuedCredential, StatusList
from credentials.services import issue_credential
from tests.concurrency import requires_postgresql, wait_until_blocked
from tests.credentials.conftest import issue, staff_member
from tests.factories import MicroCredentialFactory, UserFactory


def bits(status_list):
    return list(
        status_list.credentials.order_by("status_list_index").values_list(
            "learner__email", "status_list_index"
        )
    )


def test_the_first_credential_opens_its_issuers_revocation_list(micro_credential):
    credential = issue(UserFactory(email="first@example.com"), micro_credential)
    status_list = StatusList.objects.get()
    assert status_list.issuer == micro_credential.issuer
    assert status_list.purpose == StatusList.Purpose.REVOCATION
    assert (credential.status_list, credential.status_list_index) == (status_list, 0)
    assert status_list.next_index == 1


def test_indexes_follow_each_other_within_an_issuers_list(micro_credential):
    another_of_the_same_issuer = MicroCredentialFactory(issuer=micro_credential.issuer)
    issue(UserFactory(email="a@example.com"), micro_credential)
    issue(UserFactory(email="b@example.com"), another_of_the_same_issuer)
    issue(UserFactory(email="c@example.com"), micro_credential)
    status_list = StatusList.objects.get(issuer=micro_credential.issuer)
    assert bits(status_list) == [("a@example.com", 0), ("b@example.com", 1), ("c@example.com", 2)]
    assert status_list.next_index == 3


def test_every_issuer_counts_in_its_own_list(micro_credential):
    elsewhere = MicroCredentialFactory()
    issue(UserFactory(email="here@example.com"), micro_credential)
    issue(UserFactory(email="there@example.com"), elsewhere)
    here = StatusList.objects.get(issuer=micro_credential.issuer)
    there = StatusList.objects.get(issuer=elsewhere.issuer)
    assert bits(here) == [("here@example.com", 0)]
    assert bits(there) == [("there@example.com", 0)]


def test_a_repeated_award_takes_no_second_index(micro_credential):
    staff = staff_member(micro_credential.issuer)
    learner = UserFactory()

    def award():
        return issue_credential(
            by=staff,
            learner_id=learner.pk,
            micro_credential_id=micro_credential.pk,
            award_reference="application:7",
            assessor_id=None,
            evidence=[],
            rubric_results=[],
        )

    assert award() == award()
    assert StatusList.objects.get().next_index == 1


def test_two_credentials_cannot_share_a_bit(micro_credential):
    first = issue(UserFactory(), micro_credential)
    second = issue(UserFactory(), micro_credential)
    with pytest.raises(IntegrityError), transaction.atomic():
        IssuedCredential.objects.filter(pk=second.pk).update(
            status_list_index=first.status_list_index
        )
    second.refresh_from_db()
    assert second.status_list_index == 1


def test_an_issuer_has_one_list_per_purpose(micro_credential):
    issue(UserFactory(), micro_credential)
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusList.objects.create(issuer=micro_credential.issuer, purpose="revocation")
    assert StatusList.objects.count() == 1


# --- Under concurrency, on PostgreSQL ---------------------------------------------------


def learners_for(references):
    # Committed before the race: the service reads its learner in the racing thread.
    return {reference: UserFactory(email=f"{reference}@example.com") for reference in references}


def award_in_thread(racer, micro_credential, staff, learner, reference):
    return racer.start(
        lambda: issue_credential(
            by=staff,
            learner_id=learner.pk,
            micro_credential_id=micro_credential.pk,
            award_reference=reference,
            assessor_id=None,
            evidence=[],
            rubric_results=[],
        )
    )


def indexes(futures: list[Future]) -> list[int]:
    return sorted(future.result(timeout=30).status_list_index for future in futures)


@requires_postgresql
def test_concurrent_issues_queue_on_the_list_and_get_distinct_indexes(racer, micro_credential):
    staff = staff_member(micro_credential.issuer)
    issue(UserFactory(), micro_credential)
    learners = learners_for("ab")
    with transaction.atomic():
        # Hold the list as an issue in progress would, so both issues are in flight at once.
        StatusList.objects.select_for_update().get(issuer=micro_credential.issuer)
        futures = [
            award_in_thread(racer, micro_credential, staff, learner, reference)
            for reference, learner in learners.items()
        ]
        wait_until_blocked(2)
    assert indexes(futures) == [1, 2]
    assert StatusList.objects.get().next_index == 3


@requires_postgresql
def test_the_first_issues_for_an_issuer_meet_on_its_list_and_share_it(racer, micro_credential):
    staff = staff_member(micro_credential.issuer)
    learners = learners_for("ab")
    with transaction.atomic():
        # An issue opening the list, not yet committed: both others find no list, try to
        # make one and wait on the unique index, then read this one and queue for its lock.
        StatusList.objects.create(issuer=micro_credential.issuer, purpose="revocation")
        futures = [
            award_in_thread(racer, micro_credential, staff, learner, reference)
            for reference, learner in learners.items()
        ]
        wait_until_blocked(2)
    assert indexes(futures) == [0, 1]
    status_list = StatusList.objects.get()
    assert status_list.next_index == 2
    assert status_list.credentials.count() == 2


@requires_postgresql
def test_two_awards_racing_for_one_reference_make_one_credential(racer, micro_credential):
    staff = staff_member(micro_credential.issuer)
    issue(UserFactory(), micro_credential)
    learner = UserFactory(email="racing-award@example.com")

    def award():
        return issue_credential(
            by=staff,
            learner_id=learner.pk,
            micro_credential_id=micro_credential.pk,
            award_reference="one-approval",
            assessor_id=None,
            evidence=[],
            rubric_results=[],
        )

    with transaction.atomic():
        # Both awards have looked for the reference and found none; both wait on the list.
        StatusList.objects.select_for_update().get(issuer=micro_credential.issuer)
        futures = [racer.start(award), racer.start(award)]
        wait_until_blocked(2)
    first, second = (future.result(timeout=30) for future in futures)

    assert first.pk == second.pk
    assert IssuedCredential.objects.filter(award_reference="one-approval").count() == 1
    # The loser's index went back with its savepoint and is handed out next.
    assert StatusList.objects.get().next_index == 2
