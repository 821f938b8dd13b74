"""Each issuer's revocation lists, and the random index every credential gets in one when issued."""

import itertools
from concurrent.futures import Future

import pytest
from django.db import IntegrityError, transaction

from credentials.models import STATUS_LIST_MIN_SIZE, IssuedCredential, StatusList
from credentials.services import issue_credential
from credentials.vc.status_list import permuted_index
from tests.concurrency import requires_postgresql, wait_until_blocked
from tests.credentials.conftest import issue, staff_member
from tests.factories import MicroCredentialFactory, UserFactory

# Fixed keys, so what the permutation does is the same on every run.
KEY = "00" * 31 + "01"
OTHER_KEY = "ab" * 32


def allocation_order(status_list):
    """The learners' e-mails and indexes, in the order the credentials were issued."""
    return list(
        status_list.credentials.order_by("pk").values_list("learner__email", "status_list_index")
    )


def expected(status_list, count, start=0):
    return [
        permuted_index(status_list.permutation_key, n, status_list.size)
        for n in range(start, start + count)
    ]


def test_the_first_credential_opens_its_issuers_revocation_list(micro_credential):
    credential = issue(UserFactory(email="first@example.com"), micro_credential)
    status_list = StatusList.objects.get()
    assert status_list.issuer == micro_credential.issuer
    assert status_list.purpose == StatusList.Purpose.REVOCATION
    assert (status_list.number, status_list.size, status_list.is_open) == (1, 131_072, True)
    assert len(status_list.permutation_key) == 64
    assert status_list.allocated == 1
    assert credential.status_list == status_list
    assert credential.status_list_index == expected(status_list, 1)[0]


def test_indexes_within_an_issuers_list_follow_its_permutation(micro_credential):
    another_of_the_same_issuer = MicroCredentialFactory(issuer=micro_credential.issuer)
    issue(UserFactory(email="a@example.com"), micro_credential)
    issue(UserFactory(email="b@example.com"), another_of_the_same_issuer)
    issue(UserFactory(email="c@example.com"), micro_credential)
    status_list = StatusList.objects.get(issuer=micro_credential.issuer)
    assert allocation_order(status_list) == list(
        zip(
            ["a@example.com", "b@example.com", "c@example.com"],
            expected(status_list, 3),
            strict=True,
        )
    )
    assert status_list.allocated == 3


def test_every_issuer_has_its_own_list_and_its_own_permutation(micro_credential):
    elsewhere = MicroCredentialFactory()
    issue(UserFactory(email="here@example.com"), micro_credential)
    issue(UserFactory(email="there@example.com"), elsewhere)
    here = StatusList.objects.get(issuer=micro_credential.issuer)
    there = StatusList.objects.get(issuer=elsewhere.issuer)
    assert here.permutation_key != there.permutation_key
    assert allocation_order(here) == [("here@example.com", expected(here, 1)[0])]
    assert allocation_order(there) == [("there@example.com", expected(there, 1)[0])]


def test_the_permutation_hands_out_every_index_of_a_list_once():
    indexes = [permuted_index(KEY, n, STATUS_LIST_MIN_SIZE) for n in range(STATUS_LIST_MIN_SIZE)]
    assert sorted(indexes) == list(range(STATUS_LIST_MIN_SIZE))


def test_the_permutation_is_not_sequential_and_spreads_over_the_list():
    first = [permuted_index(KEY, n, STATUS_LIST_MIN_SIZE) for n in range(2000)]
    neighbours = sum(1 for a, b in itertools.pairwise(first) if abs(a - b) <= 8)
    assert neighbours < 5  # in order, all 1,999 would be
    # Issued one after another, the first 2,000 land all over the list, not at its start.
    eighths = {index * 8 // STATUS_LIST_MIN_SIZE for index in first}
    assert eighths == set(range(8))
    assert 0.4 < sum(first) / len(first) / STATUS_LIST_MIN_SIZE < 0.6
    # Another key, another order.
    other = [permuted_index(OTHER_KEY, n, STATUS_LIST_MIN_SIZE) for n in range(2000)]
    assert sum(a == b for a, b in zip(first, other, strict=True)) < 5


def test_the_permutation_covers_a_size_that_is_not_a_power_of_two():
    size = STATUS_LIST_MIN_SIZE + 8 * 3
    assert sorted(permuted_index(KEY, n, size) for n in range(size)) == list(range(size))
    with pytest.raises(ValueError, match="not an allocation number"):
        permuted_index(KEY, size, size)


def test_a_full_list_is_closed_and_its_successor_opened(micro_credential):
    issue(UserFactory(email="first@example.com"), micro_credential)
    first = StatusList.objects.get()
    StatusList.objects.filter(pk=first.pk).update(allocated=first.size - 1)

    last_bit = issue(UserFactory(email="last@example.com"), micro_credential)
    next_list = issue(UserFactory(email="next@example.com"), micro_credential)

    first.refresh_from_db()
    assert (first.allocated, first.is_open) == (first.size, False)
    assert last_bit.status_list == first
    assert last_bit.status_list_index == permuted_index(
        first.permutation_key, first.size - 1, first.size
    )
    successor = next_list.status_list
    assert (successor.number, successor.is_open, successor.allocated) == (2, True, 1)
    assert successor.permutation_key != first.permutation_key
    assert next_list.status_list_index == expected(successor, 1)[0]


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
    assert StatusList.objects.get().allocated == 1


def test_two_credentials_cannot_share_a_bit(micro_credential):
    first = issue(UserFactory(), micro_credential)
    second = issue(UserFactory(), micro_credential)
    with pytest.raises(IntegrityError), transaction.atomic():
        IssuedCredential.objects.filter(pk=second.pk).update(
            status_list_index=first.status_list_index
        )
    second.refresh_from_db()
    assert second.status_list_index != first.status_list_index


def test_an_issuer_has_one_open_list_per_purpose(micro_credential):
    issue(UserFactory(), micro_credential)
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusList.objects.create(
            issuer=micro_credential.issuer, purpose="revocation", number=2, permutation_key=KEY
        )
    # A closed one may sit beside it, under another number.
    StatusList.objects.create(
        issuer=micro_credential.issuer, purpose="revocation", number=2, is_open=False
    )
    assert StatusList.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"size": STATUS_LIST_MIN_SIZE - 8}, "status_list_size_minimum"),
        ({"allocated": STATUS_LIST_MIN_SIZE + 1}, "status_list_allocated_fits"),
        ({"permutation_key": ""}, "status_list_open_has_key"),
        # SQLite names the columns, PostgreSQL the constraint.
        ({"number": 1}, "status_list_number_unique|statuslist.number"),
    ],
)
def test_a_list_keeps_its_shape(issuer, fields, constraint):
    StatusList.objects.create(issuer=issuer, purpose="revocation", number=1, is_open=False)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        StatusList.objects.create(
            issuer=issuer, purpose="revocation", **({"number": 2, "permutation_key": KEY} | fields)
        )
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


def results(futures: list[Future]) -> list[IssuedCredential]:
    return [future.result(timeout=30) for future in futures]


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
    credentials = results(futures)
    status_list = StatusList.objects.get()
    assert sorted(c.status_list_index for c in credentials) == sorted(
        expected(status_list, 2, start=1)
    )
    assert status_list.allocated == 3


@requires_postgresql
def test_the_first_issues_for_an_issuer_meet_on_its_list_and_share_it(racer, micro_credential):
    staff = staff_member(micro_credential.issuer)
    learners = learners_for("ab")
    with transaction.atomic():
        # An issue opening the list, not yet committed: both others find no open list, try to
        # open one and wait on the one-open-list index, then read this one and queue for it.
        StatusList.objects.create(
            issuer=micro_credential.issuer, purpose="revocation", permutation_key=KEY
        )
        futures = [
            award_in_thread(racer, micro_credential, staff, learner, reference)
            for reference, learner in learners.items()
        ]
        wait_until_blocked(2)
    credentials = results(futures)
    status_list = StatusList.objects.get()
    assert {c.status_list_id for c in credentials} == {status_list.pk}
    assert sorted(c.status_list_index for c in credentials) == sorted(expected(status_list, 2))
    assert status_list.allocated == 2


@requires_postgresql
def test_issues_waiting_on_a_list_that_fills_meet_in_its_successor(racer, micro_credential):
    staff = staff_member(micro_credential.issuer)
    issue(UserFactory(), micro_credential)
    first = StatusList.objects.get()
    learners = learners_for("ab")
    with transaction.atomic():
        # The list's last bit being handed out: both issues wait on it; the first to get it
        # finds it full and opens the successor, the other finds it closed and joins it.
        locked = StatusList.objects.select_for_update().get(pk=first.pk)
        futures = [
            award_in_thread(racer, micro_credential, staff, learner, reference)
            for reference, learner in learners.items()
        ]
        wait_until_blocked(2)
        locked.allocated = locked.size
        locked.save(update_fields=["allocated"])
    credentials = results(futures)
    successor = StatusList.objects.get(number=2)
    assert StatusList.objects.get(number=1).is_open is False
    assert {c.status_list_id for c in credentials} == {successor.pk}
    assert sorted(c.status_list_index for c in credentials) == sorted(expected(successor, 2))
    assert successor.allocated == 2
    assert StatusList.objects.count() == 2


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
    # The loser's allocation went back with its savepoint; its index, never held by any
    # credential, is handed out next.
    status_list = StatusList.objects.get()
    assert status_list.allocated == 2
    assert first.status_list_index == expected(status_list, 1, start=1)[0]
