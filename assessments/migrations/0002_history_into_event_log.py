# The application history moves into the event log: each ApplicationEvent row becomes the
# portfolio.Event its transition records today (assessments.verbs), with the same actor, time
# and comment, owned by the learner and scoped to the issuer. 0003 then drops the old table.
# Reversing copies the transitions back and removes them from the log.

from django.db import migrations

APPLICATION = "assessments.application"
QUEUE = {"submitted", "resubmitted"}
VERB_BY_TARGET_STATUS = {
    "in_review": "application.claimed",
    "changes_requested": "application.changes_requested",
    "approved": "application.approved",
    "rejected": "application.rejected",
    "withdrawn": "application.withdrawn",
}


def verb_for(from_status, to_status):
    if to_status in QUEUE:
        # Back to the queue from review is a released claim; from the learner's side, a
        # (re)submission.
        return "application.released" if from_status == "in_review" else "application.submitted"
    return VERB_BY_TARGET_STATUS[to_status]


def copy_into_log(apps, schema_editor):
    ApplicationEvent = apps.get_model("assessments", "ApplicationEvent")
    Event = apps.get_model("portfolio", "Event")
    rows = (
        ApplicationEvent.objects.select_related("actor", "application__micro_credential")
        .order_by("created_at", "pk")
        .iterator(chunk_size=1000)
    )
    batch = []
    for row in rows:
        batch.append(
            Event(
                verb=verb_for(row.from_status, row.to_status),
                actor_id=row.actor_id,
                actor_label=row.actor.email if row.actor is not None else "",
                target_type=APPLICATION,
                target_id=row.application_id,
                owner_id=row.application.learner_id,
                scope=f"issuer:{row.application.micro_credential.issuer_id}",
                payload={
                    "from_status": row.from_status,
                    "to_status": row.to_status,
                    "comment": row.comment,
                },
                created_at=row.created_at,
            )
        )
        if len(batch) == 1000:
            Event.objects.bulk_create(batch)
            batch = []
    Event.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    ApplicationEvent = apps.get_model("assessments", "ApplicationEvent")
    Event = apps.get_model("portfolio", "Event")
    # This historical class is the migration's own: keep each row's time rather than now.
    ApplicationEvent._meta.get_field("created_at").auto_now_add = False
    verbs = {"application.submitted", "application.released", *VERB_BY_TARGET_STATUS.values()}
    transitions = Event.objects.filter(target_type=APPLICATION, verb__in=verbs)
    # The log holds every transition, including those copied in by copy_into_log if the old
    # table was never dropped: replace rather than add to it.
    ApplicationEvent.objects.all().delete()
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            application_id=event.target_id,
            actor_id=event.actor_id,
            from_status=event.payload["from_status"],
            to_status=event.payload["to_status"],
            comment=event.payload.get("comment", ""),
            created_at=event.created_at,
        )
        for event in transitions.order_by("created_at", "pk").iterator(chunk_size=1000)
    )
    # The historical model's manager is a plain one: the append-only rule is the live model's.
    transitions.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("portfolio", "0008_event_log"),
    ]

    operations = [
        migrations.RunPython(copy_into_log, copy_back),
    ]
