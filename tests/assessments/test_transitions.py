from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from assessments import notification_kinds
from assessments.exceptions import ApplicationNotAllowed, ReviewNotAllowed, TransitionNotAllowed
from assessments.models import Application, SubmittedEvidence
from assessments.selectors import list_history
from assessments.services import applying, periodic, reviewing
from credentials.models import IssuedCredential
from portfolio.models import Event, Notification
from portfolio.storage import private_storage
from tests.assessments.conftest import scores_at
from tests.factories import EvidenceItemFactory, MicroCredentialFactory, UserFactory


def history(application):
    return [(step.from_status, step.to_status) for step in list_history(application=application)]


# --- starting and drafting ----------------------------------------------------------


def test_start_creates_a_draft_with_one_response_per_criterion(learner, micro_credential):
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    assert application.status == Application.Status.DRAFT
    assert application.responses.count() == 2


def test_cannot_apply_for_an_unpublished_micro_credential(learner):
    draft_definition = MicroCredentialFactory(status="draft")
    with pytest.raises(ApplicationNotAllowed, match="not open for applications"):
        applying.start_application(by=learner, micro_credential_id=draft_definition.pk)
    assert not Application.objects.exists()


def test_one_open_application_per_learner_and_credential(draft, learner, micro_credential):
    with pytest.raises(ApplicationNotAllowed, match="already have an open application"):
        applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    assert Application.objects.count() == 1


def test_holder_of_a_valid_credential_cannot_apply_again(
    in_review, assessor, learner, micro_credential
):
    reviewing.approve_application(
        application_id=in_review.pk, by=assessor, scores=scores_at(micro_credential, 2)
    )
    with pytest.raises(ApplicationNotAllowed, match="already hold a valid credential"):
        applying.start_application(by=learner, micro_credential_id=micro_credential.pk)


def test_only_learners_can_apply(employer, micro_credential):
    with pytest.raises(ApplicationNotAllowed, match="Only learners can apply"):
        applying.start_application(by=employer, micro_credential_id=micro_credential.pk)


def test_evidence_must_come_from_the_learners_own_library(draft, learner, other_learner):
    foreign = EvidenceItemFactory(owner=other_learner)
    criterion = draft.micro_credential.criteria_set.first()
    with pytest.raises(ApplicationNotAllowed, match="your own library"):
        applying.save_response(
            application_id=draft.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="x",
            self_assessed_level_id=None,
            evidence_item_ids=[foreign.pk],
        )


def test_self_assessment_must_use_the_criterions_own_levels(draft, learner):
    first, second = draft.micro_credential.criteria_set.all()
    with pytest.raises(ApplicationNotAllowed, match="this criterion's rubric"):
        applying.save_response(
            application_id=draft.pk,
            by=learner,
            criterion_id=first.pk,
            statement="x",
            self_assessed_level_id=second.levels.first().pk,
            evidence_item_ids=[],
        )


def test_a_statement_for_another_micro_credentials_criterion_is_refused(draft, learner):
    elsewhere = MicroCredentialFactory().criteria_set.first()
    mine = draft.micro_credential.criteria_set.first()
    with pytest.raises(ApplicationNotAllowed, match="not part of this micro-credential"):
        applying.save_response(
            application_id=draft.pk,
            by=learner,
            criterion_id=elsewhere.pk,
            statement="Written for the wrong rubric.",
            self_assessed_level_id=None,
            evidence_item_ids=[],
        )
    assert draft.responses.get(criterion=mine).statement == f"How I meet {mine.title}."
    assert not draft.responses.filter(statement="Written for the wrong rubric.").exists()


def test_incomplete_application_cannot_be_submitted(learner, micro_credential):
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    with pytest.raises(ApplicationNotAllowed, match="Still to do: Clarity, Use of evidence"):
        applying.submit_application(application_id=application.pk, by=learner)
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert application.round == 0


# --- submitting and freezing ----------------------------------------------------------


def test_submit_freezes_evidence_records_history_and_notifies_assessors(
    submitted, assessor, learner
):
    assert submitted.status == Application.Status.SUBMITTED
    assert submitted.round == 1
    assert history(submitted) == [(Application.Status.DRAFT, Application.Status.SUBMITTED)]
    assert SubmittedEvidence.objects.filter(application=submitted, round=1).count() == 2
    note = Notification.objects.get(recipient=assessor)
    assert note.kind == notification_kinds.APPLICATION_SUBMITTED
    assert [m.to for m in mail.outbox] == [[assessor.email]]
    assert mail.outbox[0].subject == f"New application: {submitted.micro_credential.title}"


def test_assessors_inbox_tells_a_resubmission_from_a_new_application(
    in_review, assessor, learner, micro_credential
):
    reviewing.request_changes(
        application_id=in_review.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Say who the audience was.",
    )
    applying.submit_application(application_id=in_review.pk, by=learner)
    subjects = list(
        Notification.objects.filter(
            recipient=assessor, kind=notification_kinds.APPLICATION_SUBMITTED
        )
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    title = micro_credential.title
    assert subjects == [f"New application: {title}", f"Resubmitted for review: {title}"]


def test_a_resubmission_shares_the_frozen_copy_of_an_unchanged_file(
    learner, assessor, micro_credential
):
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    report = EvidenceItemFactory(owner=learner, pdf=True, title="Report")
    for criterion in micro_credential.criteria_set.all():
        applying.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="Shown in the report.",
            self_assessed_level_id=criterion.required_level_id,
            evidence_item_ids=[report.pk],
        )
    applying.submit_application(application_id=application.pk, by=learner)
    reviewing.claim_application(application_id=application.pk, by=assessor)
    reviewing.request_changes(
        application_id=application.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Say more in the statements.",
    )
    applying.submit_application(application_id=application.pk, by=learner)

    first, second = SubmittedEvidence.objects.filter(application=application).order_by("round")
    assert (first.round, second.round) == (1, 2)
    assert first.file.name != report.file.name  # frozen apart from the library's copy
    assert second.file.name == first.file.name  # the same content is not stored twice


def test_frozen_evidence_survives_edits_and_deletion_in_the_library(submitted, learner):
    frozen = SubmittedEvidence.objects.filter(application=submitted).order_by("pk")
    titles_before = [e.title for e in frozen]
    for item in learner.evidence_items.all():
        item.title = "Rewritten later"
        item.save()
    learner.evidence_items.all().delete()
    refreshed = list(frozen.all())
    assert [e.title for e in refreshed] == titles_before
    assert all(e.source_item_id is None for e in refreshed)


def test_frozen_file_is_a_copy_not_the_library_file(
    learner, micro_credential, django_capture_on_commit_callbacks
):
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    image = EvidenceItemFactory(owner=learner, image=True)
    for criterion in micro_credential.criteria_set.all():
        applying.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="Shown in the photo.",
            self_assessed_level_id=None,
            evidence_item_ids=[image.pk],
        )
    applying.submit_application(application_id=application.pk, by=learner)
    frozen = SubmittedEvidence.objects.get(application=application)
    assert frozen.file.name != image.file.name
    assert frozen.file.read() == image.file.read()
    assert frozen.thumbnail.name
    assert frozen.thumbnail.name != image.thumbnail.name


# --- claiming -------------------------------------------------------------------------


def test_claim_moves_to_review_and_tells_the_learner(in_review, assessor, learner):
    assert in_review.status == Application.Status.IN_REVIEW
    assert in_review.assessor == assessor
    assert history(in_review)[-1] == (Application.Status.SUBMITTED, Application.Status.IN_REVIEW)
    assert mail.outbox[-1].to == [learner.email]
    assert (
        mail.outbox[-1].subject
        == f"Your application for {in_review.micro_credential.title} is in review"
    )


def test_second_assessor_cannot_claim_a_claimed_application(in_review, other_assessor):
    with pytest.raises(ReviewNotAllowed, match="Another assessor has already claimed"):
        reviewing.claim_application(application_id=in_review.pk, by=other_assessor)


def test_unassigned_assessor_cannot_claim(submitted):
    stranger = UserFactory(assessor=True)
    with pytest.raises(ReviewNotAllowed, match="not assigned to assess"):
        reviewing.claim_application(application_id=submitted.pk, by=stranger)


def test_assessor_cannot_claim_own_application(submitted, learner):
    # A learner who later became an assessor for the same micro-credential.
    learner.role = learner.Role.ASSESSOR
    learner.save()
    submitted.micro_credential.assessors.add(learner)
    with pytest.raises(ReviewNotAllowed, match="cannot review your own application"):
        reviewing.claim_application(application_id=submitted.pk, by=learner)


def test_release_returns_the_application_to_the_queue(in_review, assessor):
    released = reviewing.release_application(application_id=in_review.pk, by=assessor)
    assert released.status == Application.Status.SUBMITTED
    assert released.assessor is None


def test_only_the_claiming_assessor_can_release(in_review, other_assessor):
    with pytest.raises(ReviewNotAllowed, match="Only the assessor who claimed"):
        reviewing.release_application(application_id=in_review.pk, by=other_assessor)


# --- deciding -------------------------------------------------------------------------


def test_request_changes_needs_feedback(in_review, assessor, micro_credential):
    with pytest.raises(
        ReviewNotAllowed, match="Write feedback for the learner when you request changes"
    ):
        reviewing.request_changes(
            application_id=in_review.pk,
            by=assessor,
            scores=scores_at(micro_credential, 1),
            feedback="  ",
        )


def test_reject_needs_feedback(in_review, assessor, micro_credential):
    with pytest.raises(
        ReviewNotAllowed, match="Write feedback for the learner when you reject an application"
    ):
        reviewing.reject_application(
            application_id=in_review.pk,
            by=assessor,
            scores=scores_at(micro_credential, 1),
            feedback="",
        )


def test_every_criterion_needs_a_level(in_review, assessor, micro_credential):
    scores = scores_at(micro_credential, 2)
    scores.popitem()
    with pytest.raises(ReviewNotAllowed, match="Choose a level for every criterion"):
        reviewing.approve_application(application_id=in_review.pk, by=assessor, scores=scores)


def test_a_level_of_another_criterion_does_not_count(in_review, assessor, micro_credential):
    first, second = micro_credential.criteria_set.order_by("position")
    scores = scores_at(micro_credential, 2)
    scores[second.pk] = scores[first.pk]  # the first criterion's level, given to the second
    with pytest.raises(
        ReviewNotAllowed, match=rf"Choose a level for every criterion \(missing: {second.title}\)"
    ):
        reviewing.approve_application(application_id=in_review.pk, by=assessor, scores=scores)
    in_review.refresh_from_db()
    assert in_review.status == Application.Status.IN_REVIEW


def test_approval_needs_every_criterion_at_its_required_level(
    in_review, assessor, micro_credential
):
    with pytest.raises(ReviewNotAllowed, match="Below it: Clarity, Use of evidence"):
        reviewing.approve_application(
            application_id=in_review.pk, by=assessor, scores=scores_at(micro_credential, 1)
        )
    in_review.refresh_from_db()
    assert in_review.status == Application.Status.IN_REVIEW
    assert not IssuedCredential.objects.exists()
    assert not in_review.reviews.exists()


def test_approval_issues_the_credential_in_the_same_step(
    in_review, assessor, learner, micro_credential
):
    approved = reviewing.approve_application(
        application_id=in_review.pk,
        by=assessor,
        scores=scores_at(micro_credential, 3),
        feedback="Excellent.",
    )
    credential = approved.credential
    assert approved.status == Application.Status.APPROVED
    assert credential.learner == learner
    assert credential.assessor == assessor
    assert credential.issuer == micro_credential.issuer
    assert [r["level"] for r in credential.rubric_results] == ["Exceeds", "Exceeds"]
    assert len(credential.evidence_snapshot) == 2
    assert credential.expires_at is None


def test_approval_records_typed_results_that_read_back(in_review, assessor, micro_credential):
    from credentials.records import load_evidence, load_rubric_results

    credential = reviewing.approve_application(
        application_id=in_review.pk, by=assessor, scores=scores_at(micro_credential, 3)
    ).credential
    credential.refresh_from_db()
    results = load_rubric_results(credential.rubric_results)
    assert [(r.criterion, r.level, r.required_level, r.comment) for r in results] == [
        ("Clarity", "Exceeds", "Meets", "Noted."),
        ("Use of evidence", "Exceeds", "Meets", "Noted."),
    ]
    frozen = in_review.submitted_evidence.filter(round=1).order_by("pk")
    assert [
        (e.submitted_evidence_id, e.title, e.library_item_id)
        for e in load_evidence(credential.evidence_snapshot)
    ] == [(e.pk, e.title, e.source_item_id) for e in frozen]
    # The library items they were copied from, which the credential's page links to.
    assert all(e.source_item_id is not None for e in frozen)


def test_an_assessor_unassigned_after_claiming_cannot_approve(
    in_review, assessor, micro_credential
):
    micro_credential.assessors.remove(assessor)
    with pytest.raises(ReviewNotAllowed) as refused:
        reviewing.approve_application(
            application_id=in_review.pk, by=assessor, scores=scores_at(micro_credential, 3)
        )
    assert refused.value.message == (
        f"Only {micro_credential.issuer.name}'s staff or an assessor assigned to "
        f"{micro_credential.title} can award it."
    )
    in_review.refresh_from_db()
    assert in_review.status == Application.Status.IN_REVIEW
    assert not IssuedCredential.objects.exists()
    assert not in_review.reviews.exists()


def test_double_approval_issues_one_credential(in_review, assessor, micro_credential):
    scores = scores_at(micro_credential, 2)
    first = reviewing.approve_application(application_id=in_review.pk, by=assessor, scores=scores)
    second = reviewing.approve_application(application_id=in_review.pk, by=assessor, scores=scores)
    assert first.credential_id == second.credential_id
    assert IssuedCredential.objects.count() == 1
    assert [step.to_status for step in list_history(application=in_review)].count(
        Application.Status.APPROVED
    ) == 1


def test_repeated_approval_by_another_assessor_is_refused(
    in_review, assessor, other_assessor, micro_credential
):
    scores = scores_at(micro_credential, 2)
    reviewing.approve_application(application_id=in_review.pk, by=assessor, scores=scores)
    with pytest.raises(TransitionNotAllowed):
        reviewing.approve_application(application_id=in_review.pk, by=other_assessor, scores=scores)
    assert IssuedCredential.objects.count() == 1


def test_expiry_comes_from_the_validity_period(learner, assessor):
    definition = MicroCredentialFactory(assessors=[assessor], validity_months=12)
    from credentials.services import issue_credential

    with time_machine.travel("2026-01-31 10:00Z"):
        credential = issue_credential(
            by=assessor,
            learner_id=learner.pk,
            micro_credential_id=definition.pk,
            award_reference="test:1",
            assessor_id=assessor.pk,
            evidence=[],
            rubric_results=[],
        )
    assert credential.expires_at.isoformat() == "2027-01-31T10:00:00+00:00"
    with time_machine.travel("2027-02-01 00:00Z"):
        assert credential.status == IssuedCredential.Status.EXPIRED


def test_changes_requested_then_resubmitted_keeps_unchanged_evidence(
    in_review, assessor, learner, micro_credential, django_capture_on_commit_callbacks
):
    reviewing.request_changes(
        application_id=in_review.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="More detail.",
    )
    changed = learner.evidence_items.order_by("pk").first()
    changed.description = "Now with more detail."
    changed.save()
    with django_capture_on_commit_callbacks(execute=True):
        resubmitted = applying.submit_application(application_id=in_review.pk, by=learner)
    assert resubmitted.status == Application.Status.RESUBMITTED
    assert resubmitted.round == 2
    assert history(resubmitted)[-2:] == [
        (Application.Status.IN_REVIEW, Application.Status.CHANGES_REQUESTED),
        (Application.Status.CHANGES_REQUESTED, Application.Status.RESUBMITTED),
    ]
    round_one = {
        e.source_item_id: e.fingerprint for e in resubmitted.submitted_evidence.filter(round=1)
    }
    round_two = {
        e.source_item_id: e.fingerprint for e in resubmitted.submitted_evidence.filter(round=2)
    }
    assert round_one.keys() == round_two.keys()
    differing = [pk for pk in round_one if round_one[pk] != round_two[pk]]
    assert differing == [changed.pk]
    assert mail.outbox[-1].subject == f"Resubmitted for review: {micro_credential.title}"


def test_rejection_is_final_and_tells_the_learner(in_review, assessor, learner, micro_credential):
    reviewing.reject_application(
        application_id=in_review.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Not yet.",
    )
    in_review.refresh_from_db()
    assert in_review.status == Application.Status.REJECTED
    assert in_review.decided_at is not None
    assert Notification.objects.filter(
        recipient=learner, kind=notification_kinds.APPLICATION_REJECTED
    ).exists()


def test_learner_can_withdraw_before_a_decision(submitted, learner):
    withdrawn = applying.withdraw_application(
        application_id=submitted.pk, by=learner, comment="Not ready."
    )
    assert withdrawn.status == Application.Status.WITHDRAWN
    last = list_history(application=submitted)[-1]
    assert (last.to_status, last.comment, last.actor) == (
        Application.Status.WITHDRAWN,
        "Not ready.",
        learner,
    )


def test_only_the_learner_can_withdraw(submitted, other_learner):
    with pytest.raises(ApplicationNotAllowed, match="Only the learner who started"):
        applying.withdraw_application(application_id=submitted.pk, by=other_learner)


# --- every illegal transition ---------------------------------------------------------


def _move_to(status, application, learner, assessor, micro_credential):
    """Drive a submitted application to `status` through the services."""
    if status == Application.Status.SUBMITTED:
        return
    if status == Application.Status.WITHDRAWN:
        applying.withdraw_application(application_id=application.pk, by=learner)
        return
    reviewing.claim_application(application_id=application.pk, by=assessor)
    if status == Application.Status.IN_REVIEW:
        return
    scores = scores_at(micro_credential, 2)
    if status == Application.Status.APPROVED:
        reviewing.approve_application(application_id=application.pk, by=assessor, scores=scores)
    elif status == Application.Status.REJECTED:
        reviewing.reject_application(
            application_id=application.pk, by=assessor, scores=scores, feedback="No."
        )
    elif status in {Application.Status.CHANGES_REQUESTED, Application.Status.RESUBMITTED}:
        reviewing.request_changes(
            application_id=application.pk, by=assessor, scores=scores, feedback="More."
        )
        if status == Application.Status.RESUBMITTED:
            applying.submit_application(application_id=application.pk, by=learner)


ACTIONS = {
    "submit": lambda app, learner, assessor, micro_credential: applying.submit_application(
        application_id=app.pk, by=learner
    ),
    "withdraw": lambda app, learner, assessor, micro_credential: applying.withdraw_application(
        application_id=app.pk, by=learner
    ),
    "claim": lambda app, learner, assessor, micro_credential: reviewing.claim_application(
        application_id=app.pk, by=assessor
    ),
    "release": lambda app, learner, assessor, micro_credential: reviewing.release_application(
        application_id=app.pk, by=assessor
    ),
    "request_changes": lambda app, learner, assessor, micro_credential: reviewing.request_changes(
        application_id=app.pk, by=assessor, scores=scores_at(micro_credential, 2), feedback="x"
    ),
    "reject": lambda app, learner, assessor, micro_credential: reviewing.reject_application(
        application_id=app.pk, by=assessor, scores=scores_at(micro_credential, 2), feedback="x"
    ),
    "approve": lambda app, learner, assessor, micro_credential: reviewing.approve_application(
        application_id=app.pk, by=assessor, scores=scores_at(micro_credential, 2)
    ),
}

LEGAL = {
    Application.Status.SUBMITTED: {"withdraw", "claim"},
    Application.Status.IN_REVIEW: {"withdraw", "release", "request_changes", "reject", "approve"},
    Application.Status.CHANGES_REQUESTED: {"submit", "withdraw"},
    Application.Status.RESUBMITTED: {"withdraw", "claim"},
    # Approving again is the idempotent no-op, tested above.
    Application.Status.APPROVED: {"approve"},
    Application.Status.REJECTED: set(),
    Application.Status.WITHDRAWN: set(),
}

ILLEGAL = [
    (status, action) for status, legal in LEGAL.items() for action in ACTIONS if action not in legal
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_illegal_transitions_raise_and_change_nothing(
    status, action, submitted, learner, assessor, micro_credential
):
    _move_to(status, submitted, learner, assessor, micro_credential)
    submitted.refresh_from_db()
    before = (
        submitted.status,
        submitted.round,
        submitted.assessor_id,
        Event.objects.count(),
    )
    with pytest.raises((TransitionNotAllowed, ReviewNotAllowed, ApplicationNotAllowed)):
        ACTIONS[action](submitted, learner, assessor, micro_credential)
    submitted.refresh_from_db()
    assert (
        submitted.status,
        submitted.round,
        submitted.assessor_id,
        Event.objects.count(),
    ) == before


def test_transition_error_names_both_states(submitted, learner):
    applying.withdraw_application(application_id=submitted.pk, by=learner)
    with pytest.raises(TransitionNotAllowed) as refused:
        applying.submit_application(application_id=submitted.pk, by=learner)
    assert refused.value.message == "An application that is withdrawn cannot become submitted."
    # Programs read the code, which stays put when the wording changes; 409: the state says no.
    assert (refused.value.code, refused.value.status) == ("application.not_submittable", 409)


# --- periodic jobs --------------------------------------------------------------------


def test_waiting_applications_are_flagged_to_issuer_staff_once(submitted, issuer_staff, settings):
    settings.APPLICATION_WAITING_DAYS = 5
    submitted.micro_credential.issuer.staff.add(issuer_staff)
    later = timezone.now() + timedelta(days=6)
    assert periodic.flag_waiting_applications(now=later) == 1
    assert periodic.flag_waiting_applications(now=later) == 0
    note = Notification.objects.get(recipient=issuer_staff)
    assert note.kind == notification_kinds.APPLICATION_WAITING
    assert note.context["days"] == 6


def test_fresh_applications_are_not_flagged(submitted, issuer_staff):
    submitted.micro_credential.issuer.staff.add(issuer_staff)
    assert periodic.flag_waiting_applications() == 0


def test_nobody_reviews_their_own_application_even_holding_its_claim(in_review, assessor, learner):
    from assessments.permissions import can_review

    assert can_review(assessor, in_review)
    # No service lets a learner claim their own work; the rule holds even if the data says
    # otherwise (a claim edited by hand, an account whose role changed).
    in_review.assessor = learner
    in_review.save(update_fields=["assessor"])
    assert not can_review(learner, in_review)
    assert not can_review(assessor, in_review)


def test_a_submitted_application_cannot_be_edited(submitted, learner):
    criterion = submitted.micro_credential.criteria_set.first()
    with pytest.raises(ApplicationNotAllowed, match=r"^An application that is submitted cannot"):
        applying.save_response(
            application_id=submitted.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="Changed after submitting.",
            self_assessed_level_id=None,
            evidence_item_ids=[],
        )
    assert (
        submitted.responses.get(criterion=criterion).statement == f"How I meet {criterion.title}."
    )


def test_a_submission_that_fails_while_freezing_leaves_no_copied_file(draft, learner, monkeypatch):
    from assessments.models import SubmittedStatement
    from tests.portfolio.test_evidence_services import stored_names

    criterion = draft.micro_credential.criteria_set.first()
    report = EvidenceItemFactory(owner=learner, pdf=True, title="Report with a file")
    applying.save_response(
        application_id=draft.pk,
        by=learner,
        criterion_id=criterion.pk,
        statement="The report shows it.",
        self_assessed_level_id=criterion.required_level_id,
        evidence_item_ids=[report.pk],
    )
    before = stored_names()

    def failing_create(**fields):
        # The evidence has been copied by now; the statements come after it.
        assert stored_names() != before
        raise RuntimeError("the database went away")

    monkeypatch.setattr(SubmittedStatement.objects, "create", failing_create)
    with pytest.raises(RuntimeError, match="the database went away"):
        applying.submit_application(application_id=draft.pk, by=learner)

    assert stored_names() == before
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT
    assert not SubmittedEvidence.objects.filter(application=draft).exists()
    assert private_storage().exists(report.file.name)
