"""Every state-changing assessments service records exactly one event of its own, about the
application, with the right actor, owner and scope (the issue 7 walk of every service,
tests/test_events_recorded.py, takes these scenarios over once it is on main)."""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import services as assessments
from assessments.models import Application
from portfolio.events import declared_event
from portfolio.models import Event, User
from tests.factories import EvidenceItemFactory, MicroCredentialFactory, UserFactory


@dataclass
class Case:
    run: Callable[[], object]
    verb: str
    actor: User | None
    # The application, or None when it is the service's result.
    application: Application | None
    learner: User
    scope: str
    # Verbs that the services it calls may record of their own (approving issues a
    # credential, and issue_credential records that).
    also: tuple[str, ...] = field(default=())


def _cast():
    learner = UserFactory(email="learner@example.com")
    assessor = UserFactory(email="assessor@example.com", assessor=True)
    micro_credential = MicroCredentialFactory(assessors=[assessor])
    return learner, assessor, micro_credential, f"issuer:{micro_credential.issuer_id}"


def _draft(learner, micro_credential):
    application = assessments.start_application(
        learner=learner, micro_credential_id=micro_credential.pk
    )
    for criterion in micro_credential.criteria_set.all():
        item = EvidenceItemFactory(owner=learner, link=True)
        assessments.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="How I meet it.",
            self_assessed_level_id=None,
            evidence_item_ids=[item.pk],
        )
    return application


def _submitted(learner, micro_credential):
    application = _draft(learner, micro_credential)
    return assessments.submit_application(application_id=application.pk, by=learner)


def _in_review(learner, assessor, micro_credential):
    application = _submitted(learner, micro_credential)
    return assessments.claim_application(application_id=application.pk, by=assessor)


def _scores(micro_credential):
    return {
        criterion.pk: assessments.ScoreInput(level_id=criterion.required_level_id)
        for criterion in micro_credential.criteria_set.all()
    }


def start():
    learner, _assessor, micro_credential, scope = _cast()
    return Case(
        lambda: assessments.start_application(
            learner=learner, micro_credential_id=micro_credential.pk
        ),
        "application.started",
        learner,
        None,
        learner,
        scope,
    )


def save():
    learner, _assessor, micro_credential, scope = _cast()
    application = assessments.start_application(
        learner=learner, micro_credential_id=micro_credential.pk
    )
    item = EvidenceItemFactory(owner=learner, link=True)
    return Case(
        lambda: assessments.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=micro_credential.criteria_set.first().pk,
            statement="How I meet it.",
            self_assessed_level_id=None,
            evidence_item_ids=[item.pk],
        ),
        "application.response_saved",
        learner,
        application,
        learner,
        scope,
    )


def submit():
    learner, _assessor, micro_credential, scope = _cast()
    application = _draft(learner, micro_credential)
    return Case(
        lambda: assessments.submit_application(application_id=application.pk, by=learner),
        "application.submitted",
        learner,
        application,
        learner,
        scope,
    )


def withdraw():
    learner, _assessor, micro_credential, scope = _cast()
    application = _draft(learner, micro_credential)
    return Case(
        lambda: assessments.withdraw_application(application_id=application.pk, by=learner),
        "application.withdrawn",
        learner,
        application,
        learner,
        scope,
    )


def claim():
    learner, assessor, micro_credential, scope = _cast()
    application = _submitted(learner, micro_credential)
    return Case(
        lambda: assessments.claim_application(application_id=application.pk, by=assessor),
        "application.claimed",
        assessor,
        application,
        learner,
        scope,
    )


def release():
    learner, assessor, micro_credential, scope = _cast()
    application = _in_review(learner, assessor, micro_credential)
    return Case(
        lambda: assessments.release_application(application_id=application.pk, by=assessor),
        "application.released",
        assessor,
        application,
        learner,
        scope,
    )


def request_changes():
    learner, assessor, micro_credential, scope = _cast()
    application = _in_review(learner, assessor, micro_credential)
    return Case(
        lambda: assessments.request_changes(
            application_id=application.pk,
            by=assessor,
            scores=_scores(micro_credential),
            feedback="Say more.",
        ),
        "application.changes_requested",
        assessor,
        application,
        learner,
        scope,
    )


def reject():
    learner, assessor, micro_credential, scope = _cast()
    application = _in_review(learner, assessor, micro_credential)
    return Case(
        lambda: assessments.reject_application(
            application_id=application.pk,
            by=assessor,
            scores=_scores(micro_credential),
            feedback="Not this time.",
        ),
        "application.rejected",
        assessor,
        application,
        learner,
        scope,
    )


def approve():
    learner, assessor, micro_credential, scope = _cast()
    application = _in_review(learner, assessor, micro_credential)
    return Case(
        lambda: assessments.approve_application(
            application_id=application.pk, by=assessor, scores=_scores(micro_credential)
        ),
        "application.approved",
        assessor,
        application,
        learner,
        scope,
        also=("credential.issued",),
    )


def flag_waiting():
    learner, _assessor, micro_credential, scope = _cast()
    micro_credential.issuer.staff.add(UserFactory(email="issuer@example.com", issuer_staff=True))
    application = _submitted(learner, micro_credential)
    return Case(
        lambda: assessments.flag_waiting_applications(now=timezone.now() + timedelta(days=30)),
        "application.waiting_flagged",
        None,
        application,
        learner,
        scope,
    )


SCENARIOS = {
    assessments.start_application: start,
    assessments.save_response: save,
    assessments.submit_application: submit,
    assessments.withdraw_application: withdraw,
    assessments.claim_application: claim,
    assessments.release_application: release,
    assessments.request_changes: request_changes,
    assessments.reject_application: reject,
    assessments.approve_application: approve,
    assessments.flag_waiting_applications: flag_waiting,
}


@pytest.mark.parametrize("service", list(SCENARIOS), ids=lambda service: service.__name__)
def test_a_service_records_its_one_event_about_the_application(db, service):
    case = SCENARIOS[service]()
    before = set(Event.objects.values_list("pk", flat=True))

    result = case.run()

    new = list(Event.objects.exclude(pk__in=before).order_by("pk"))
    assert [e.verb for e in new if e.verb not in case.also] == [case.verb]
    [event] = [e for e in new if e.verb == case.verb]
    application = case.application or result
    assert (event.target_type, event.target_id) == ("assessments.application", application.pk)
    assert (event.actor, event.owner, event.scope) == (case.actor, case.learner, case.scope)
    assert event.actor_label == (case.actor.email if case.actor else "")
    declared = declared_event(event.verb)
    assert isinstance(declared.decode(event.payload), declared.payload_type)


def test_the_scenarios_cover_every_public_assessments_service():
    public = {
        function
        for name, function in inspect.getmembers(assessments, inspect.isfunction)
        if function.__module__ == assessments.__name__ and not name.startswith("_")
    }
    assert public == set(SCENARIOS)
