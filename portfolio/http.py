from django.http import HttpRequest

from portfolio.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request type of views behind login_required: its user is never anonymous."""

    user: User
