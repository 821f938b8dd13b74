"""The row lock every application service starts with."""

from __future__ import annotations

from assessments.models import Application


def lock_application(application_id: int) -> Application:
    """Lock the application row for the calling service's transaction, and read it."""
    return (
        Application.objects.select_for_update()
        .select_related("micro_credential__issuer")
        .get(pk=application_id)
    )
