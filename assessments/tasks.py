from celery import shared_task

from assessments.services import periodic


@shared_task
def flag_waiting_applications() -> int:
    return periodic.flag_waiting_applications()
