"""Saved directory searches as their owner sees them on the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from credentials.permissions import visible_saved_searches
from credentials.saved_searches import search_url
from portfolio.models import User


@dataclass(frozen=True)
class SavedSearchRow:
    pk: int
    name: str
    # The directory page of the search.
    url: str
    created_at: datetime
    last_digest_at: datetime | None
    is_subscribed: bool


def list_saved_searches(*, user: User) -> list[SavedSearchRow]:
    """The user's saved searches, newest first: one query, whatever their number."""
    return [
        SavedSearchRow(
            pk=saved_search.pk,
            name=saved_search.name,
            url=search_url(saved_search),
            created_at=saved_search.created_at,
            last_digest_at=saved_search.last_digest_at,
            is_subscribed=saved_search.unsubscribed_at is None,
        )
        for saved_search in visible_saved_searches(user).only(
            "pk", "name", "query", "created_at", "last_digest_at", "unsubscribed_at"
        )
    ]
