"""How the API answers a service's refusal: the one place that decides it.

A DomainError becomes `{"code": ..., "detail": ...}` (and `"field"` when the refusal is
about one input) with the error's own status (400, 403 or 409). Everything else gets DRF's
usual answer. Pages map the same errors in portfolio.refusals.
"""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from portfolio.errors import DomainError


def handle_api_exception(exc: Exception, context: Mapping[str, object]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: refusals in our shape, the rest as DRF answers them."""
    if not isinstance(exc, DomainError):
        return exception_handler(exc, dict(context))
    data = {"code": exc.code, "detail": exc.message}
    if exc.field is not None:
        data["field"] = exc.field
    # As DRF does for its own errors: a refusal rolls back an ATOMIC_REQUESTS transaction.
    set_rollback()
    return Response(data, status=exc.status)
