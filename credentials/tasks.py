import logging

from celery import shared_task
from django.db import DatabaseError

from credentials import bulk_issuance, services, transcripts
from credentials.directory.documents import profile_ids_of_learners, refresh_directory_entry
from credentials.vc.identity import NoSigningKey
from credentials.vc.keys import PrivateKeyUnreadable, SigningSecretMissing

logger = logging.getLogger(__name__)

# For a task whose work is idempotent: acknowledged only once it has run, so a message whose
# worker died is delivered again rather than lost, and retried with backoff while the
# database is briefly away.
idempotent_and_retried = shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)


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


# Signing is idempotent (credentials.services.sign_credential), so a message delivered twice
# signs once. A database that is briefly away is retried; an issuer without a usable key is
# not (nothing changes by waiting): `manage.py sign_credentials` signs it once the key exists.
@idempotent_and_retried
def sign_credential(*, credential_id: int) -> bool:
    try:
        services.sign_credential(credential_id=credential_id)
    except (NoSigningKey, SigningSecretMissing, PrivateKeyUnreadable) as error:
        logger.warning("Credential %s not signed: %s", credential_id, error)
        return False
    return True


# Resumable and idempotent (credentials.bulk_issuance.issue_bulk_chunk): a message whose
# worker died is delivered again and carries on at the first waiting row; a database that is
# briefly away is retried the same way.
@idempotent_and_retried
def issue_bulk_credentials(*, batch_id: int, chunk_size: int | None = None) -> int:
    return bulk_issuance.issue_bulk_credentials(batch_id=batch_id, chunk_size=chunk_size)


@shared_task
def resume_bulk_issuances() -> int:
    return bulk_issuance.resume_bulk_issuances()


# Rewriting an entry is idempotent (credentials.directory.documents), so a redelivered
# message does no harm.
@idempotent_and_retried
def refresh_directory_entries(*, learner_ids: list[int]) -> int:
    profile_ids = profile_ids_of_learners(learner_ids)
    for profile_id in profile_ids:
        refresh_directory_entry(profile_id=profile_id)
    return len(profile_ids)
