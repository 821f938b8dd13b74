from celery import shared_task

from credentials import services, transcripts


@shared_task
def remind_expiring_credentials() -> int:
    return services.remind_expiring_credentials()


# Rendering is idempotent (credentials.transcripts), so a message whose worker died is
# delivered again rather than lost.
@shared_task(acks_late=True)
def render_transcript(*, learner_id: int, page_size: str, tell_learner: bool) -> str:
    return transcripts.render_transcript_for_learner(
        learner_id=learner_id, page_size=page_size, tell_learner=tell_learner
    )


# Idempotent within a day (credentials.services.send_saved_search_digests), so a message
# whose worker died is delivered again rather than lost.
@shared_task(acks_late=True)
def send_saved_search_digests() -> int:
    return services.send_saved_search_digests()
