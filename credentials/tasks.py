from celery import shared_task

from credentials import services


@shared_task
def remind_expiring_credentials() -> int:
    return services.remind_expiring_credentials()
