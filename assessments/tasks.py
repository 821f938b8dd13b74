from celery import shared_task

from assessments import services


@shared_task
def flag_waiting_applications() -> int:
    return services.flag_waiting_applications()
