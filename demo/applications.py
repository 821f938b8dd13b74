"""The demo's applications in every state, and their credentials, played from scenarios.

The scenarios are in demo/data/applications.toml and the queue's learners in
demo/data/learners.toml. Every application goes through the real services (start, save a
response per criterion, submit, claim, request changes, approve) and revoking through
credentials' revoke_credential, so the demo has the same history, frozen evidence, reviews and
notifications as real use. Only the clock is faked: see _backdate.

Idempotent: learners are keyed by e-mail, evidence by (owner, title), and a scenario is skipped
once its learner has what it would make (_is_played), so re-running adds nothing and leaves
alone whatever someone did while trying the demo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments.models import Application, Review
from assessments.services import applying, reviewing
from assessments.services.reviewing import ScoreInput
from credentials.models import IssuedCredential, MicroCredential, RubricCriterion
from credentials.services import revoke_credential
from demo.issuer import DemoIssuer
from demo.people import (
    DemoPeople,
    TextSink,
    ensure_demo_evidence,
    ensure_demo_profile,
    ensure_demo_user,
    write_line,
)
from demo.specs import (
    Answer,
    Approve,
    Claim,
    DemoData,
    Draft,
    RequestChanges,
    Revise,
    Scenario,
    Step,
    Submit,
)
from portfolio.events import events_recorded_at
from portfolio.models import EvidenceItem, Notification, User

# Notifications older than this are marked read, as their recipients would have by now; the
# unread counts then show only the last week's events.
READ_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class DemoApplications:
    """What the applications part of the demo made or found, for load_demo's logins table."""

    learners: list[User]  # the queue learners, not Amara


@dataclass(frozen=True)
class _Cast:
    """Who plays each part in a scenario."""

    learner: User
    assessor: User
    issuer_staff: User


# One commit for the dozen updates of a step, rather than one each.
@transaction.atomic
def _backdate(
    application: Application, *, when: datetime, since: datetime, after_notification: int
) -> None:
    """Move everything one demo step wrote from now to `when`.

    Demo back-dating: the services stamp what they write with timezone.now(), but the demo
    needs a history spread over past weeks and months (the queue sorts oldest first and
    filters by age, and one credential must have expired). So each step runs now through the
    real services, and then what it wrote moves back: this application's timestamps set since
    the step began, its review, the credential it issued or revoked, and the notifications it
    raised. (Its events, the application's history, were written at `when`: see _play.) load_demo runs alone, so nothing else writes meanwhile.
    """
    applications = Application.objects.filter(pk=application.pk)
    for field in ("created_at", "updated_at", "submitted_at", "first_submitted_at", "decided_at"):
        applications.filter(**{f"{field}__gte": since}).update(**{field: when})
    Review.objects.filter(application=application, created_at__gte=since).update(created_at=when)
    credential = (
        None
        if application.credential_id is None
        else IssuedCredential.objects.get(pk=application.credential_id)
    )
    if credential is not None and credential.issued_at >= since:
        # Keep the validity period: the expiry moves back by as much as the issue date.
        shift = credential.issued_at - when
        IssuedCredential.objects.filter(pk=credential.pk).update(
            issued_at=when,
            expires_at=credential.expires_at - shift if credential.expires_at else None,
        )
    if credential is not None and credential.revoked_at and credential.revoked_at >= since:
        IssuedCredential.objects.filter(pk=credential.pk).update(revoked_at=when)
    notifications = Notification.objects.filter(pk__gt=after_notification)
    notifications.update(created_at=when)
    if when < timezone.now() - READ_AFTER:
        notifications.filter(read_at__isnull=True).update(read_at=when)


def _last_notification_pk() -> int:
    last: int | None = Notification.objects.aggregate(last=Max("pk"))["last"]
    return last or 0


def _scores(criteria: Sequence[RubricCriterion], levels: Sequence[str]) -> dict[int, ScoreInput]:
    # A criterion added in the admin since the scenario was written gets its required level.
    return {
        criterion.pk: ScoreInput(level_id=_level_id(criterion, levels[index]))
        if index < len(levels)
        else ScoreInput(level_id=_required_level_id(criterion))
        for index, criterion in enumerate(criteria)
    }


def _required_level_id(criterion: RubricCriterion) -> int:
    if criterion.required_level_id is None:
        raise ValueError(f"The demo cannot score {criterion}: it has no required level.")
    return criterion.required_level_id


def _level_id(criterion: RubricCriterion, name: str) -> int:
    # A level renamed in the admin since the scenario was written: use the required one.
    for level in criterion.levels.all():
        if level.name == name:
            return level.pk
    return _required_level_id(criterion)


def _save_answer(
    application: Application, criterion: RubricCriterion, answer: Answer, learner: User
) -> None:
    library = dict(EvidenceItem.objects.filter(owner=learner).values_list("title", "pk"))
    applying.save_response(
        application_id=application.pk,
        by=learner,
        criterion_id=criterion.pk,
        statement=answer.statement,
        self_assessed_level_id=_level_id(criterion, answer.self_level),
        evidence_item_ids=[library[title] for title in answer.evidence],
    )


def _perform(
    step: Step,
    application: Application | None,
    micro_credential: MicroCredential,
    criteria: Sequence[RubricCriterion],
    cast: _Cast,
) -> Application:
    if isinstance(step, Draft):
        application = applying.start_application(
            by=cast.learner, micro_credential_id=micro_credential.pk
        )
        for criterion, answer in zip(criteria, step.answers, strict=False):
            _save_answer(application, criterion, answer, cast.learner)
        return application
    if application is None:
        raise ValueError("A demo scenario starts with a draft.")
    if isinstance(step, Submit):
        return applying.submit_application(application_id=application.pk, by=cast.learner)
    if isinstance(step, Claim):
        return reviewing.claim_application(application_id=application.pk, by=cast.assessor)
    if isinstance(step, RequestChanges):
        return reviewing.request_changes(
            application_id=application.pk,
            by=cast.assessor,
            scores=_scores(criteria, step.levels),
            feedback=step.feedback,
        )
    if isinstance(step, Revise):
        criterion = next(c for c in criteria if c.position == step.criterion)
        _save_answer(application, criterion, step.answer, cast.learner)
        return application
    if isinstance(step, Approve):
        return reviewing.approve_application(
            application_id=application.pk,
            by=cast.assessor,
            scores=_scores(criteria, step.levels),
            feedback=step.feedback,
        )
    if application.credential_id is None:
        raise ValueError("A demo scenario revokes only after approving.")
    revoke_credential(
        credential_id=application.credential_id, by=cast.issuer_staff, reason=step.reason
    )
    return application


def _is_played(scenario: Scenario, learner: User, micro_credential: MicroCredential) -> bool:
    """Whether the learner already has what this scenario would make."""
    if scenario.earns_credential:
        # Done once the learner holds a credential for it, whatever has happened to it since.
        return IssuedCredential.objects.filter(
            learner=learner, micro_credential=micro_credential
        ).exists()
    # Otherwise the scenario leaves an application without a credential. It is done once one
    # exists, whatever its state now (someone may have withdrawn it while trying the demo),
    # or once the learner holds a valid credential (someone may have approved it).
    return (
        Application.objects.filter(
            learner=learner, micro_credential=micro_credential, credential__isnull=True
        ).exists()
        or IssuedCredential.objects.valid_at(timezone.now())
        .filter(learner=learner, micro_credential=micro_credential)
        .exists()
    )


def _play(
    scenario: Scenario, micro_credential: MicroCredential, cast: _Cast, now: datetime
) -> None:
    criteria = list(micro_credential.criteria_set.prefetch_related("levels").order_by("position"))
    application: Application | None = None
    for step in scenario.steps:
        since, after_notification = timezone.now(), _last_notification_pk()
        when = now - timedelta(days=step.days_ago)
        # The event log is append-only: its rows are written at `when` rather than moved.
        with events_recorded_at(when):
            application = _perform(step, application, micro_credential, criteria, cast)
        _backdate(application, when=when, since=since, after_notification=after_notification)
        application.refresh_from_db()


def load_applications(
    *, data: DemoData, people: DemoPeople, issuer: DemoIssuer, stdout: TextSink
) -> DemoApplications:
    """Create (or complete) the queue's learners, the applications and credentials. Idempotent.

    Amara ends with credentials that are valid, expired and revoked (one of a since-retired
    micro-credential) and applications in draft, submitted and changes requested; ten more
    learners each have an application waiting in the demo assessor's queue.
    """
    now = timezone.now()
    ensure_demo_evidence(people.learner, data.earlier_evidence, people.skills, now.date())

    learners, new_learners, new_evidence = {}, 0, 0
    for spec in data.queue_learners:
        user, created = ensure_demo_user(spec.user)
        ensure_demo_profile(user, spec)
        learners[spec.user.email] = user
        new_learners += created
        new_evidence += ensure_demo_evidence(user, spec.evidence, people.skills, now.date())[1]
    write_line(
        stdout,
        f"Learners: {new_learners} new queue learners ({len(learners) - new_learners} already "
        f"there), {new_evidence} new evidence items.",
    )

    learners[people.learner.email] = people.learner
    played = skipped = 0
    for scenario in data.scenarios:
        learner = learners[scenario.learner]
        micro_credential = issuer.micro_credentials[scenario.micro_credential]
        # A retired micro-credential takes no applications: a scenario for it that never ran
        # (an interrupted first load) cannot run now.
        if _is_played(scenario, learner, micro_credential) or (
            micro_credential.status != MicroCredential.Status.PUBLISHED
        ):
            skipped += 1
            continue
        cast = _Cast(learner=learner, assessor=people.assessor, issuer_staff=people.issuer)
        _play(scenario, micro_credential, cast, now)
        played += 1
    write_line(stdout, f"Applications: {played} demo scenarios played ({skipped} already there).")
    return DemoApplications(learners=[learners[spec.user.email] for spec in data.queue_learners])
