"""Who sees an application and its frozen evidence: the predicate and the QuerySet filter
over one role matrix, for every stage that changes the answer."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from assessments.models import Application
from assessments.permissions import can_view_application, visible_applications
from assessments.services import applying, reviewing
from tests.factories import EvidenceItemFactory, UserFactory

ROLES = [
    "owner",
    "other_learner",
    "assigned_assessor",
    "unassigned_assessor",
    "own_issuer_staff",
    "other_issuer_staff",
    "employer",
    "anonymous",
]

# Who sees the application at each stage; everyone else must not.
SEES = {
    "draft": {"owner"},
    "submitted": {"owner", "assigned_assessor", "own_issuer_staff"},
    "in_review": {"owner", "assigned_assessor", "own_issuer_staff"},
    # Withdrawn before a decision: assessors lose access, the claiming one included.
    "withdrawn_from_queue": {"owner", "own_issuer_staff"},
    "withdrawn_in_review": {"owner", "own_issuer_staff"},
}


@pytest.fixture
def people(learner, other_learner, assessor, employer, micro_credential):
    own_staff = UserFactory(issuer_staff=True)
    micro_credential.issuer.staff.add(own_staff)
    return {
        "owner": learner,
        "other_learner": other_learner,
        "assigned_assessor": assessor,
        "unassigned_assessor": UserFactory(assessor=True),
        "own_issuer_staff": own_staff,
        "other_issuer_staff": UserFactory(issuer_staff=True),
        "employer": employer,
        "anonymous": AnonymousUser(),
    }


@pytest.fixture
def draft(learner, micro_credential):
    """A draft ready to submit, citing a stored PDF for every criterion."""
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    report = EvidenceItemFactory(owner=learner, pdf=True, title="Findings report")
    for criterion in micro_credential.criteria_set.all():
        applying.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement=f"How I meet {criterion.title}.",
            self_assessed_level_id=criterion.required_level_id,
            evidence_item_ids=[report.pk],
        )
    return application


def at_stage(stage, draft, learner, assessor):
    if stage == "draft":
        return draft
    applying.submit_application(application_id=draft.pk, by=learner)
    if stage in {"in_review", "withdrawn_in_review"}:
        reviewing.claim_application(application_id=draft.pk, by=assessor)
    if stage.startswith("withdrawn"):
        applying.withdraw_application(application_id=draft.pk, by=learner, comment="Not ready.")
    return Application.objects.get(pk=draft.pk)


@pytest.mark.parametrize("stage", list(SEES))
def test_predicate_and_queryset_agree_over_the_role_matrix(stage, draft, learner, assessor, people):
    application = at_stage(stage, draft, learner, assessor)

    seen_by = {
        role
        for role in ROLES
        if can_view_application(people[role], application)
        and visible_applications(people[role]).filter(pk=application.pk).exists()
    }
    refused_by_both = {
        role
        for role in ROLES
        if not can_view_application(people[role], application)
        and not visible_applications(people[role]).filter(pk=application.pk).exists()
    }

    assert seen_by == SEES[stage]
    assert refused_by_both == set(ROLES) - SEES[stage]


@pytest.fixture
def withdrawn_in_review(draft, learner, assessor):
    return at_stage("withdrawn_in_review", draft, learner, assessor)


def evidence_url(application):
    evidence = application.submitted_evidence.get(title="Findings report")
    return reverse("assessments:submitted-evidence-file", args=[evidence.pk])


def test_the_assessor_loses_the_review_page_and_evidence_once_withdrawn(
    client, draft, learner, assessor
):
    application = at_stage("in_review", draft, learner, assessor)
    client.force_login(assessor)
    review_url = reverse("assessments:review", args=[application.pk])
    assert client.get(review_url).status_code == 200
    assert client.get(evidence_url(application)).status_code == 200

    applying.withdraw_application(application_id=application.pk, by=learner)

    assert client.get(review_url).status_code == 404
    assert client.get(evidence_url(application)).status_code == 404
    in_progress = client.get(reverse("assessments:queue")).context["in_progress"]
    assert list(in_progress) == []


def test_the_learner_and_the_issuers_staff_still_open_withdrawn_evidence(
    client, withdrawn_in_review, learner, people
):
    for user in (learner, people["own_issuer_staff"]):
        client.force_login(user)
        response = client.get(evidence_url(withdrawn_in_review))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_assessor_sees_the_learners_next_application_but_not_the_withdrawn_one(
    client, learner, assessor, micro_credential, withdrawn_in_review
):
    # A fresh application for the same micro-credential is the assessor's to see again.
    fresh = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    for criterion in micro_credential.criteria_set.all():
        item = EvidenceItemFactory(owner=learner, title=f"New evidence for {criterion.title}")
        applying.save_response(
            application_id=fresh.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="Second try.",
            self_assessed_level_id=criterion.required_level_id,
            evidence_item_ids=[item.pk],
        )
    applying.submit_application(application_id=fresh.pk, by=learner)

    assert list(visible_applications(assessor)) == [Application.objects.get(pk=fresh.pk)]
