"""Invitations to join an issuer, as the invited user sees them."""

from __future__ import annotations

from credentials.permissions import (
    visible_invitations,
)
from portfolio.models import User


def count_open_invitations(*, user: User) -> int:
    """How many invitations to join an issuer wait for this user: one COUNT query at most.

    An account made after the invitation was sent was never told about it; the dashboard
    shows the count, so the invitation is found anyway.
    """
    return visible_invitations(user).count()
