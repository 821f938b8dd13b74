from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from assessments.models import Application
from assessments.permissions import can_claim
from assessments.selectors import list_history
from assessments.services import applying, reviewing
from portfolio.models import User
from tests.assessments.conftest import scores_at
from tests.factories import EvidenceItemFactory, MicroCredentialFactory, UserFactory

QUEUE_URL = reverse("assessments:queue")


def submit(micro_credential, *, learner=None, name=None, days_ago=0, hours_ago=1):
    """A learner applies with one reflection per criterion and submits, some time ago."""
    if learner is None:
        learner = UserFactory()
    if name is not None:
        learner.profile.display_name = name
        learner.profile.save(update_fields=["display_name"])
    moment = timezone.now() - timedelta(days=days_ago, hours=hours_ago)
    with time_machine.travel(moment, tick=False):
        application = applying.start_application(
            by=learner, micro_credential_id=micro_credential.pk
        )
        for criterion in micro_credential.criteria_set.all():
            item = EvidenceItemFactory(owner=learner, title=f"{criterion.title} evidence")
            applying.save_response(
                application_id=application.pk,
                by=learner,
                criterion_id=criterion.pk,
                statement=f"How I meet {criterion.title}.",
                self_assessed_level_id=criterion.required_level_id,
                evidence_item_ids=[item.pk],
            )
        return applying.submit_application(application_id=application.pk, by=learner)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def queued(response):
    return [row.application for row in response.context["rows"]]


@pytest.fixture
def signed_in(client, assessor):
    client.force_login(assessor)
    return client


@pytest.fixture
def other_credential(assessor):
    return MicroCredentialFactory(title="Spreadsheet Modelling", assessors=[assessor])


# --- What the queue shows


def test_queue_shows_submitted_applications_for_assigned_credentials_oldest_first(
    signed_in, assessor, micro_credential, other_assessor
):
    newer = submit(micro_credential, name="Newer Learner", days_ago=1)
    older = submit(micro_credential, name="Older Learner", days_ago=4)
    unassigned = MicroCredentialFactory(title="Not Mine To Assess")
    submit(unassigned, name="Elsewhere Learner", days_ago=9)
    claimed = submit(micro_credential, name="Claimed Learner", days_ago=6)
    reviewing.claim_application(application_id=claimed.pk, by=other_assessor)
    draft = applying.start_application(by=UserFactory(), micro_credential_id=micro_credential.pk)

    response = signed_in.get(QUEUE_URL)

    assert queued(response) == [older, newer]
    assert "Older Learner" in response.text
    assert "Newer Learner" in response.text
    assert "Elsewhere Learner" not in response.text
    assert "Not Mine To Assess" not in response.text
    assert "Claimed Learner" not in response.text
    assert draft not in queued(response)


def test_each_row_has_learner_credential_waiting_time_round_and_claim_button(
    signed_in, micro_credential
):
    application = submit(micro_credential, name="Ada Example", days_ago=3)

    response = signed_in.get(QUEUE_URL)

    assert "Ada Example" in response.text
    assert micro_credential.title in response.text
    assert "waiting 3 days" in response.text
    claim_url = reverse("assessments:claim", args=[application.pk])
    assert f'<form method="post" action="{claim_url}"' in response.text
    assert "Resubmitted</span>" not in response.text


def test_an_application_submitted_today_waits_less_than_a_day(signed_in, micro_credential):
    submit(micro_credential, hours_ago=2)
    response = signed_in.get(QUEUE_URL)
    assert "waiting less than a day" in response.text


def test_resubmissions_are_marked_and_counted(signed_in, assessor, micro_credential):
    learner = UserFactory()
    first = submit(micro_credential, learner=learner, name="Back Again", days_ago=5)
    reviewing.claim_application(application_id=first.pk, by=assessor)
    reviewing.request_changes(
        application_id=first.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Say who the audience was.",
    )
    applying.submit_application(application_id=first.pk, by=learner)
    submit(micro_credential, name="First Timer", days_ago=1)

    response = signed_in.get(QUEUE_URL)

    assert response.context["counts"].resubmitted == 1
    assert response.context["counts"].total == 2
    assert '<span class="pill status-pill status-resubmitted">Resubmitted</span>' in response.text


def test_the_assessors_own_application_is_never_in_their_queue(client, micro_credential):
    # Someone who applied as a learner and later became an assessor of the same credential.
    person = UserFactory(email="switcher@example.com")
    own = submit(micro_credential, learner=person, name="Switcher Person")
    person.role = User.Role.ASSESSOR
    person.save(update_fields=["role"])
    micro_credential.assessors.add(person)
    someone_else = submit(micro_credential, name="Someone Else")
    client.force_login(person)

    response = client.get(QUEUE_URL)

    assert queued(response) == [someone_else]
    assert response.context["counts"].total == 1
    assert own.pk not in [a.pk for a in queued(response)]


# --- Filters and counts


def test_filter_by_micro_credential(signed_in, micro_credential, other_credential):
    ours = submit(micro_credential, name="Storyteller")
    theirs = submit(other_credential, name="Modeller")

    response = signed_in.get(QUEUE_URL, {"micro_credential": other_credential.pk})

    assert queued(response) == [theirs]
    assert ours not in queued(response)
    assert response.context["is_filtered"] is True
    assert "1 application matches your filters." in response.text


def test_filter_by_waiting_time(signed_in, micro_credential):
    long_wait = submit(micro_credential, name="Long Wait", days_ago=8)
    submit(micro_credential, name="Short Wait", days_ago=2)

    response = signed_in.get(QUEUE_URL, {"waiting": "7"})

    assert queued(response) == [long_wait]
    assert "Short Wait" not in response.text


def test_an_unknown_filter_value_is_reported_and_ignored(signed_in, micro_credential):
    unassigned = MicroCredentialFactory()
    application = submit(micro_credential)

    response = signed_in.get(QUEUE_URL, {"micro_credential": unassigned.pk, "waiting": "abc"})

    assert queued(response) == [application]
    errors = response.context["filters"].errors
    assert "micro_credential" in errors
    assert "waiting" in errors


def test_counts_per_micro_credential(signed_in, micro_credential, other_credential):
    submit(micro_credential)
    submit(micro_credential)
    submit(other_credential)

    response = signed_in.get(QUEUE_URL)

    counts = response.context["counts"]
    assert counts.total == 3
    assert counts.resubmitted == 0
    assert {(row.title, row.waiting) for row in counts.per_credential} == {
        (micro_credential.title, 2),
        ("Spreadsheet Modelling", 1),
    }
    assert f"{micro_credential.title} (2)" in response.text
    assert "Spreadsheet Modelling (1)" in response.text


def test_my_reviews_in_progress_are_listed_separately(signed_in, assessor, micro_credential):
    mine = submit(micro_credential, name="In My Hands")
    waiting = submit(micro_credential, name="Still Waiting")
    reviewing.claim_application(application_id=mine.pk, by=assessor)

    response = signed_in.get(QUEUE_URL)

    assert response.context["in_progress"] == [mine]
    assert queued(response) == [waiting]
    assert "My reviews in progress" in response.text
    assert f'href="{reverse("assessments:review", args=[mine.pk])}">Continue review' in (
        response.text
    )


def test_an_empty_queue_says_so(signed_in, micro_credential):
    response = signed_in.get(QUEUE_URL)
    assert "Nothing is waiting for review." in response.text
    assert "My reviews in progress" not in response.text


@pytest.mark.parametrize("role", ["learner", "employer", "issuer_staff"])
def test_only_assessors_have_a_queue(client, db, role):
    client.force_login(UserFactory(role=role))
    assert client.get(QUEUE_URL).status_code == 404
    client.force_login(UserFactory(assessor=True))
    assert client.get(QUEUE_URL).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(QUEUE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Claiming and releasing


def test_claim_takes_the_application_into_review(signed_in, assessor, micro_credential):
    application = submit(micro_credential, name="Grace Example")

    response = signed_in.post(reverse("assessments:claim", args=[application.pk]), follow=True)

    assert response.redirect_chain == [(reverse("assessments:review", args=[application.pk]), 302)]
    assert messages_of(response) == [
        f"You claimed the application from Grace Example for “{micro_credential.title}”. "
        "Other assessors no longer see it in their queues."
    ]
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW
    assert application.assessor == assessor


def test_a_claimed_application_leaves_other_assessors_queues(
    client, assessor, other_assessor, micro_credential
):
    application = submit(micro_credential)
    client.force_login(assessor)
    client.post(reverse("assessments:claim", args=[application.pk]))

    client.force_login(other_assessor)
    response = client.get(QUEUE_URL)

    assert queued(response) == []
    assert response.context["counts"].total == 0


def test_claim_by_an_unassigned_assessor_is_a_404(client, micro_credential, other_credential):
    application = submit(micro_credential)
    # An assessor assigned elsewhere, who can claim their own micro-credential's applications.
    outsider = UserFactory(assessor=True)
    other_credential.assessors.add(outsider)
    theirs = submit(other_credential)
    client.force_login(outsider)

    response = client.post(reverse("assessments:claim", args=[application.pk]))

    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.assessor is None
    assert client.post(reverse("assessments:claim", args=[theirs.pk])).status_code == 302
    theirs.refresh_from_db()
    assert theirs.assessor == outsider


def test_claim_of_a_draft_is_a_404_even_for_an_assigned_assessor(
    signed_in, learner, assessor, micro_credential
):
    draft = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    submitted = submit(micro_credential)

    assert signed_in.post(reverse("assessments:claim", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT
    assert signed_in.post(reverse("assessments:claim", args=[submitted.pk])).status_code == 302
    submitted.refresh_from_db()
    assert submitted.assessor == assessor


def test_release_by_an_unassigned_assessor_is_a_404(client, assessor, micro_credential):
    application = submit(micro_credential)
    reviewing.claim_application(application_id=application.pk, by=assessor)
    outsider = UserFactory(assessor=True)
    client.force_login(outsider)

    response = client.post(reverse("assessments:release", args=[application.pk]))

    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW
    assert application.assessor == assessor
    # The claiming assessor releases it through the same URL.
    client.force_login(assessor)
    assert client.post(reverse("assessments:release", args=[application.pk])).status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_claim_of_an_application_someone_else_just_claimed_is_refused(
    client, assessor, other_assessor, micro_credential
):
    application = submit(micro_credential)
    reviewing.claim_application(application_id=application.pk, by=other_assessor)
    client.force_login(assessor)

    response = client.post(reverse("assessments:claim", args=[application.pk]), follow=True)

    assert response.redirect_chain == [(QUEUE_URL, 302)]
    assert messages_of(response) == ["Another assessor has already claimed this application."]
    application.refresh_from_db()
    assert application.assessor == other_assessor


def test_claim_of_ones_own_application_is_refused(client, micro_credential):
    person = UserFactory()
    application = submit(micro_credential, learner=person)
    person.role = User.Role.ASSESSOR
    person.save(update_fields=["role"])
    micro_credential.assessors.add(person)
    client.force_login(person)

    response = client.post(reverse("assessments:claim", args=[application.pk]), follow=True)

    assert messages_of(response) == ["You cannot review your own application."]
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_the_claim_permission_refuses_ones_own_application(micro_credential, assessor):
    person = UserFactory()
    application = submit(micro_credential, learner=person)
    person.role = User.Role.ASSESSOR
    person.save(update_fields=["role"])
    micro_credential.assessors.add(person)

    # An assigned assessor, a queued application: only authorship stands in the way.
    assert can_claim(assessor, application)
    assert not can_claim(person, application)


def test_claim_needs_a_post(signed_in, micro_credential):
    application = submit(micro_credential)
    response = signed_in.get(reverse("assessments:claim", args=[application.pk]))
    assert response.status_code == 405
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_claim_of_an_unknown_application_is_a_404(signed_in):
    assert signed_in.post(reverse("assessments:claim", args=[999_999])).status_code == 404


def test_learners_cannot_claim(client, learner, micro_credential):
    application = submit(micro_credential)
    client.force_login(learner)
    assert client.post(reverse("assessments:claim", args=[application.pk])).status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_release_puts_the_application_back_in_the_queue(
    client, assessor, other_assessor, micro_credential
):
    application = submit(micro_credential, name="Released Learner")
    reviewing.claim_application(application_id=application.pk, by=assessor)
    client.force_login(assessor)

    response = client.post(reverse("assessments:release", args=[application.pk]), follow=True)

    assert response.redirect_chain == [(QUEUE_URL, 302)]
    assert messages_of(response) == [
        f"You released the application from Released Learner for “{micro_credential.title}”. "
        "It is back in the queue."
    ]
    assert queued(response) == [application]
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.assessor is None
    last = list_history(application=application)[-1]
    assert (last.from_status, last.to_status, last.actor) == (
        Application.Status.IN_REVIEW,
        Application.Status.SUBMITTED,
        assessor,
    )
    client.force_login(other_assessor)
    assert queued(client.get(QUEUE_URL)) == [application]


def test_only_the_claiming_assessor_can_release(client, assessor, other_assessor, micro_credential):
    application = submit(micro_credential)
    reviewing.claim_application(application_id=application.pk, by=assessor)
    client.force_login(other_assessor)

    response = client.post(reverse("assessments:release", args=[application.pk]), follow=True)

    assert messages_of(response) == [
        "Only the assessor who claimed this application can release it."
    ]
    application.refresh_from_db()
    assert application.assessor == assessor


# --- Queries


def test_queue_query_count_does_not_grow_with_the_queue(
    client, assessor, micro_credential, other_credential, django_assert_max_num_queries
):
    client.force_login(assessor)

    def add(n):
        for index in range(n):
            application = submit(micro_credential if index % 2 else other_credential)
            if index % 3 == 0:
                # A review in progress too, so that list grows as well.
                reviewing.claim_application(application_id=application.pk, by=assessor)

    add(3)
    with django_assert_max_num_queries(9) as small:
        response = client.get(QUEUE_URL)
    assert len(queued(response)) + len(response.context["in_progress"]) == 3

    add(6)
    with django_assert_max_num_queries(9) as large:
        response = client.get(QUEUE_URL)
    assert len(queued(response)) + len(response.context["in_progress"]) == 9
    assert len(large.captured_queries) == len(small.captured_queries)
