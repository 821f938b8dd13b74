import re

import pytest
from django.urls import reverse

from assessments.models import SubmittedEvidence
from assessments.services import applying, reviewing
from tests.assessments.conftest import scores_at
from tests.factories import EvidenceItemFactory, MicroCredentialFactory


def url(name, application):
    return reverse(f"assessments:application-{name}", args=[application.pk])


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def send_back(application, assessor, feedback, comment="Noted."):
    """Claim the application and request changes, every criterion at the lowest level."""
    reviewing.claim_application(application_id=application.pk, by=assessor)
    scores = {
        criterion_id: reviewing.ScoreInput(level_id=score.level_id, comment=comment)
        for criterion_id, score in scores_at(application.micro_credential, 1).items()
    }
    reviewing.request_changes(
        application_id=application.pk, by=assessor, scores=scores, feedback=feedback
    )


def build_application(learner, assessor, *, criteria, items, rounds):
    """An application sent back `rounds` times, each criterion linked to `items` evidence
    items (images and reflections alternating)."""
    micro_credential = MicroCredentialFactory(
        rubric=[f"Criterion {n}" for n in range(1, criteria + 1)], assessors=[assessor]
    )
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    for criterion in micro_credential.criteria_set.all():
        linked = [
            EvidenceItemFactory(
                owner=learner, title=f"{criterion.title} item {n}", image=n % 2 == 0
            )
            for n in range(items)
        ]
        applying.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement=f"How I meet {criterion.title}.",
            self_assessed_level_id=criterion.required_level_id,
            evidence_item_ids=[item.pk for item in linked],
        )
    for n in range(1, rounds + 1):
        applying.submit_application(application_id=application.pk, by=learner)
        send_back(application, assessor, feedback=f"Feedback for round {n}.")
    application.refresh_from_db()
    return application


# --- Detail


def test_detail_shows_the_history_with_who_when_and_comments(
    signed_in, in_review, assessor, micro_credential
):
    reviewing.request_changes(
        application_id=in_review.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Say who the audience was.",
    )

    page = signed_in.get(url("detail", in_review)).text

    steps = re.findall(
        r'history-who">([^<]+)</span>\s*<span class="history-move">([^<]+) → <strong>([^<]+)<',
        page,
    )
    assert steps == [
        ("You", "Draft", "Submitted"),
        ("Assessor", "Submitted", "In review"),
        ("Assessor", "In review", "Changes requested"),
    ]
    assert '<blockquote class="history-comment">Say who the audience was.</blockquote>' in page


def test_detail_shows_each_reviews_feedback_and_levels(signed_in, learner, assessor):
    application = build_application(learner, assessor, criteria=2, items=1, rounds=2)

    page = signed_in.get(url("detail", application)).text

    assert page.index("Round 2: changes requested") < page.index("Round 1: changes requested")
    assert "Feedback for round 1." in page
    assert "Feedback for round 2." in page
    assert (
        page.count(
            '<tr><th scope="row">Criterion 1</th><td data-label="Level">Not yet</td>'
            '<td data-label="Comment">Noted.</td></tr>'
        )
        == 2
    )


def test_detail_shows_the_frozen_evidence_not_the_library(signed_in, learner, assessor):
    application = build_application(learner, assessor, criteria=1, items=2, rounds=1)
    for item in learner.evidence_items.all():
        item.title = "Renamed later"
        item.save()

    page = signed_in.get(url("detail", application)).text

    assert "Criterion 1 item 0" in page
    assert "Criterion 1 item 1" in page
    assert "Renamed later" not in page
    image = SubmittedEvidence.objects.get(application=application, kind="image")
    assert reverse("assessments:submitted-evidence-thumbnail", args=[image.pk]) in page
    assert reverse("assessments:submitted-evidence-file", args=[image.pk]) in page


def test_detail_of_an_approved_application_links_to_the_credential(
    signed_in, in_review, assessor, micro_credential
):
    reviewing.approve_application(
        application_id=in_review.pk,
        by=assessor,
        scores=scores_at(micro_credential, 3),
        feedback="Excellent work.",
    )
    in_review.refresh_from_db()

    page = signed_in.get(url("detail", in_review)).text

    credential_url = reverse("credentials:credential-detail", args=[in_review.credential.public_id])
    assert f'href="{credential_url}">View your credential</a>' in page
    assert "Round 1: approved" in page
    assert "Excellent work." in page
    assert url("withdraw", in_review) not in page
    assert url("edit", in_review) not in page
    assert url("submit", in_review) not in page


def test_detail_of_a_draft_offers_to_continue_it(signed_in, draft):
    page = signed_in.get(url("detail", draft)).text

    assert f'href="{url("edit", draft)}">Continue your draft</a>' in page
    assert f'action="{url("submit", draft)}"' in page
    assert f'href="{url("withdraw", draft)}">Withdraw</a>' in page
    assert "What you submitted" not in page
    assert "This application is a draft: only you can see it." in page


def test_detail_of_an_application_sent_back_offers_to_make_the_changes(
    signed_in, submitted, assessor
):
    send_back(submitted, assessor, feedback="Label the axes.")

    page = signed_in.get(url("detail", submitted)).text

    assert f'href="{url("edit", submitted)}">Make the changes</a>' in page
    assert ">Submit again</button>" in page
    assert "The assessor asked for changes." in page
    assert "Continue your draft" not in page


def test_detail_says_whether_it_waits_for_an_assessor_or_is_being_reviewed(
    signed_in, submitted, assessor
):
    waiting = signed_in.get(url("detail", submitted)).text
    reviewing.claim_application(application_id=submitted.pk, by=assessor)
    reviewed = signed_in.get(url("detail", submitted)).text

    assert "Waiting for an assessor to take it into review." in waiting
    assert "An assessor is reviewing your application." not in waiting
    assert "An assessor is reviewing your application." in reviewed
    assert "Waiting for an assessor" not in reviewed
    assert url("edit", submitted) not in waiting + reviewed


# --- List


def test_list_shows_the_learners_applications_latest_activity_first(
    signed_in, learner, other_learner, assessor, draft
):
    older = build_application(learner, assessor, criteria=1, items=1, rounds=1)
    newer = applying.start_application(
        by=learner, micro_credential_id=MicroCredentialFactory(title="Newest one").pk
    )
    applying.start_application(
        by=other_learner, micro_credential_id=MicroCredentialFactory(title="Not mine").pk
    )

    response = signed_in.get(reverse("assessments:application-list"))

    assert list(response.context["page_obj"].object_list) == [newer, older, draft]
    page = response.text
    assert "Not mine" not in page
    assert f'href="{url("edit", newer)}">Continue your draft</a>' in page
    assert f'href="{url("edit", older)}">Make the requested changes</a>' in page


def test_list_says_what_happens_next_for_submitted_and_approved(
    signed_in, in_review, assessor, micro_credential, learner
):
    reviewing.approve_application(
        application_id=in_review.pk, by=assessor, scores=scores_at(micro_credential, 2)
    )
    in_review.refresh_from_db()
    waiting = build_application(learner, assessor, criteria=1, items=1, rounds=0)
    applying.submit_application(application_id=waiting.pk, by=learner)

    page = signed_in.get(reverse("assessments:application-list")).text

    credential_url = reverse("credentials:credential-detail", args=[in_review.credential.public_id])
    assert f'href="{credential_url}">View your credential</a>' in page
    assert "Waiting for an assessor" in page


def test_list_says_what_happens_next_in_review_rejected_and_withdrawn(
    signed_in, in_review, assessor, micro_credential, learner
):
    being_reviewed = build_application(learner, assessor, criteria=1, items=1, rounds=0)
    applying.submit_application(application_id=being_reviewed.pk, by=learner)
    reviewing.claim_application(application_id=being_reviewed.pk, by=assessor)
    reviewing.reject_application(
        application_id=in_review.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Not yet.",
    )
    withdrawn = build_application(learner, assessor, criteria=1, items=1, rounds=0)
    applying.withdraw_application(application_id=withdrawn.pk, by=learner)

    page = signed_in.get(reverse("assessments:application-list")).text

    next_steps = re.findall(r'data-label="Next step">\s*(.*?)\s*</td>', page, re.S)
    assert next_steps == [
        '<span class="muted">None</span>',
        f'<a href="{url("detail", in_review)}">Read the feedback</a>',
        '<span class="muted">Being reviewed</span>',
    ]
    assert url("edit", withdrawn) not in page


def test_list_with_no_applications_points_to_the_catalogue(signed_in):
    page = signed_in.get(reverse("assessments:application-list")).text

    assert "You have not applied for a micro-credential yet." in page
    assert f'href="{reverse("credentials:catalogue")}">Find one to apply for</a>' in page


@pytest.mark.parametrize("who", ["assessor", "employer", "issuer_staff"])
def test_list_is_only_for_learners(client, request, who, learner):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("assessments:application-list")).status_code == 404
    client.force_login(learner)
    assert client.get(reverse("assessments:application-list")).status_code == 200


def test_list_asks_anonymous_visitors_to_log_in(client, db):
    response = client.get(reverse("assessments:application-list"))

    assert response["Location"] == f"{reverse('account_login')}?next=/applications/"


# --- Query counts stay flat as criteria, evidence and history grow


# Session, user and the header's unread count, then each page's own reads (the edit page
# also checks that the learner has a name to submit under).
@pytest.mark.parametrize(("name", "budget"), [("edit", 11), ("detail", 9)])
def test_page_query_count_does_not_grow(
    signed_in, learner, assessor, name, budget, django_assert_max_num_queries
):
    small = build_application(learner, assessor, criteria=2, items=2, rounds=1)
    large = build_application(learner, assessor, criteria=6, items=6, rounds=3)

    with django_assert_max_num_queries(budget):
        small_page = signed_in.get(url(name, small)).text
    with django_assert_max_num_queries(budget):
        large_page = signed_in.get(url(name, large)).text

    assert "Criterion 2 item 1" in small_page
    assert "Criterion 6 item 5" in large_page


def test_list_query_count_does_not_grow(
    signed_in, learner, assessor, django_assert_max_num_queries
):
    for _ in range(2):
        build_application(learner, assessor, criteria=1, items=1, rounds=0)
    with django_assert_max_num_queries(5):
        response = signed_in.get(reverse("assessments:application-list"))
    assert len(response.context["page_obj"].object_list) == 2

    for _ in range(4):
        build_application(learner, assessor, criteria=1, items=1, rounds=0)
    with django_assert_max_num_queries(5):
        response = signed_in.get(reverse("assessments:application-list"))
    assert len(response.context["page_obj"].object_list) == 6
