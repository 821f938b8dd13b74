from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        # Declares the app's verbs, so the activity page can list every kind of event.
        from assessments import verbs  # noqa: F401
        from assessments.activity import describe_applications
        from portfolio.activity import register_target

        register_target("assessments.application", describe_applications)

        # What this app adds to portfolio's inbox, and who it tells about its own events;
        # portfolio never imports it.
        from assessments.notification_kinds import register_notification_kinds
        from assessments.subscribers import subscribe_notifications

        register_notification_kinds()
        subscribe_notifications()
