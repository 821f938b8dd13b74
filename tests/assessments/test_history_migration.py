"""The data migration that folds each application's history (ApplicationEvent) into the event
log, as the events its transitions record today, and back."""

from datetime import UTC, datetime

BEFORE = [("assessments", "0001_initial"), ("portfolio", "0008_event_log")]
AFTER = [("assessments", "0002_history_into_event_log")]

T = [datetime(2026, 1, day, 9, 30, tzinfo=UTC) for day in range(1, 8)]


def _history_before(migration_executor):
    """Two applications' histories as the old table held them; returns what to expect."""
    migration_executor.migrate(BEFORE)
    apps = migration_executor.loader.project_state(BEFORE).apps
    User = apps.get_model("portfolio", "User")
    Issuer = apps.get_model("credentials", "Issuer")
    MicroCredential = apps.get_model("credentials", "MicroCredential")
    Application = apps.get_model("assessments", "Application")
    ApplicationEvent = apps.get_model("assessments", "ApplicationEvent")
    # Keep the times given here rather than now, as the old rows' were.
    ApplicationEvent._meta.get_field("created_at").auto_now_add = False

    issuer = Issuer.objects.create(
        name="Issuer", slug="issuer", url="https://example.org", email="x@example.org"
    )
    micro_credential = MicroCredential.objects.create(
        issuer=issuer,
        title="Data",
        slug="data",
        summary="-",
        description="-",
        criteria="-",
        estimated_hours=1,
    )
    learner = User.objects.create(email="learner@example.org", role="learner")
    assessor = User.objects.create(email="assessor@example.org", role="assessor")
    approved = Application.objects.create(
        learner=learner, micro_credential=micro_credential, status="approved", round=2
    )
    withdrawn = Application.objects.create(
        learner=learner, micro_credential=micro_credential, status="withdrawn", round=1
    )
    steps = [
        (approved, learner, "draft", "submitted", "", "application.submitted"),
        (approved, assessor, "submitted", "in_review", "", "application.claimed"),
        (approved, assessor, "in_review", "submitted", "", "application.released"),
        (approved, assessor, "submitted", "in_review", "", "application.claimed"),
        (
            approved,
            assessor,
            "in_review",
            "changes_requested",
            "Cite.",
            "application.changes_requested",
        ),
        (approved, learner, "changes_requested", "resubmitted", "", "application.submitted"),
        (approved, None, "resubmitted", "withdrawn", "Closed.", "application.withdrawn"),
    ]
    expected = []
    for (application, actor, from_status, to_status, comment, verb), when in zip(
        steps, T, strict=True
    ):
        ApplicationEvent.objects.create(
            application=application,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            comment=comment,
            created_at=when,
        )
        expected.append(
            (
                verb,
                actor.pk if actor else None,
                actor.email if actor else "",
                application.pk,
                learner.pk,
                f"issuer:{issuer.pk}",
                {"from_status": from_status, "to_status": to_status, "comment": comment},
                when,
            )
        )
    ApplicationEvent.objects.create(
        application=withdrawn,
        actor=learner,
        from_status="draft",
        to_status="withdrawn",
        created_at=T[0],
    )
    return expected, withdrawn, learner


def test_each_history_row_becomes_the_event_its_transition_records(migration_executor):
    expected, withdrawn, learner = _history_before(migration_executor)

    migration_executor.loader.build_graph()
    migration_executor.migrate(AFTER)
    apps = migration_executor.loader.project_state(AFTER).apps
    Event = apps.get_model("portfolio", "Event")

    events = Event.objects.filter(target_type="assessments.application")
    assert [
        (
            e.verb,
            e.actor_id,
            e.actor_label,
            e.target_id,
            e.owner_id,
            e.scope,
            e.payload,
            e.created_at,
        )
        for e in events.exclude(target_id=withdrawn.pk).order_by("created_at", "pk")
    ] == expected
    [draft_withdrawn] = events.filter(target_id=withdrawn.pk)
    assert (draft_withdrawn.verb, draft_withdrawn.owner_id, draft_withdrawn.payload) == (
        "application.withdrawn",
        learner.pk,
        {"from_status": "draft", "to_status": "withdrawn", "comment": ""},
    )


def test_reversing_puts_the_history_back_and_takes_it_out_of_the_log(migration_executor):
    expected, withdrawn, _learner = _history_before(migration_executor)
    # All the way: the old table is dropped, then made again (empty) on the way back.
    migration_executor.loader.build_graph()
    migration_executor.migrate(migration_executor.loader.graph.leaf_nodes())

    migration_executor.loader.build_graph()
    migration_executor.migrate(BEFORE)
    apps = migration_executor.loader.project_state(BEFORE).apps
    ApplicationEvent = apps.get_model("assessments", "ApplicationEvent")
    Event = apps.get_model("portfolio", "Event")

    assert not Event.objects.exists()
    rows = ApplicationEvent.objects.exclude(application_id=withdrawn.pk).order_by("created_at")
    assert [
        (
            row.actor_id,
            row.application_id,
            row.from_status,
            row.to_status,
            row.comment,
            row.created_at,
        )
        for row in rows
    ] == [
        (actor, target, payload["from_status"], payload["to_status"], payload["comment"], when)
        for _verb, actor, _label, target, _owner, _scope, payload, when in expected
    ]
    assert ApplicationEvent.objects.filter(application_id=withdrawn.pk).count() == 1
