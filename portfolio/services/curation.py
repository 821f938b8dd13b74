"""Choosing which evidence shows on the public portfolio, and in which order."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus

from django.db import transaction
from django.utils.translation import gettext as _

from portfolio.errors import CurationError
from portfolio.events import record_event
from portfolio.models import EvidenceItem, User
from portfolio.permissions import can_unpublish_evidence
from portfolio.verbs import (
    EVIDENCE_UNPUBLISHED,
    PORTFOLIO_CURATED,
    EvidenceUnpublished,
    PortfolioCurated,
)


@transaction.atomic(durable=True)
def curate_portfolio(*, by: User, public_item_ids_in_order: Sequence[int]) -> list[EvidenceItem]:
    """Make exactly these of the learner's items public, in this order; hide all the others.

    Public items get positions 1..n in the given order. Raises CurationError, changing
    nothing, if an id is repeated or is not one of the owner's items (another learner's
    item and a missing one get the same message, so existence never leaks). Idempotent:
    a call that changes nothing records no event. Runs at most three queries whatever the
    library's size: one locking read, one bulk update and the event. Returns the public
    items in their new order.
    """
    if len(set(public_item_ids_in_order)) != len(public_item_ids_in_order):
        raise CurationError(
            _("Each item can appear only once on your public page."), code="portfolio.item_repeated"
        )
    items = {
        item.pk: item
        for item in EvidenceItem.objects.select_for_update()
        .filter(owner=by)
        .only("pk", "owner_id", "title", "kind", "is_public", "public_position")
    }
    if any(pk not in items for pk in public_item_ids_in_order):
        raise CurationError(
            _("Some of the chosen items are not in your evidence library, so nothing was changed."),
            code="portfolio.item_not_owned",
        )
    wanted = {pk: position for position, pk in enumerate(public_item_ids_in_order, start=1)}
    changed = []
    for item in items.values():
        is_public, position = (True, wanted[item.pk]) if item.pk in wanted else (False, 0)
        if (item.is_public, item.public_position) != (is_public, position):
            item.is_public, item.public_position = is_public, position
            changed.append(item)
    # bulk_update skips auto_now on purpose: reordering the page is not editing the item.
    EvidenceItem.objects.bulk_update(changed, ["is_public", "public_position"], batch_size=500)
    if changed:
        # The event is about the whole page, whose owner stands for it.
        record_event(
            PORTFOLIO_CURATED,
            by=by,
            target=by,
            owner=by,
            payload=PortfolioCurated(public_item_ids=tuple(public_item_ids_in_order)),
        )
    return [items[pk] for pk in public_item_ids_in_order]


# Joins the caller's transaction: the admin saves the item's form in a transaction of its own.
@transaction.atomic
def unpublish_evidence(*, by: User, item_id: int) -> EvidenceItem:
    """Take someone's evidence item off their public portfolio (a site administrator's
    moderation, from the admin); the rest of their page keeps its order.

    Only ever hides: showing an item is its owner's choice (curate_portfolio). An item that
    is not public changes nothing and records nothing. Raises CurationError for someone who
    may not (permissions.can_unpublish_evidence).
    """
    if not can_unpublish_evidence(by):
        raise CurationError(
            _("Only site administrators can take evidence off someone's public page."),
            code="portfolio.cannot_unpublish",
            status=HTTPStatus.FORBIDDEN,
        )
    item = EvidenceItem.objects.select_for_update().select_related("owner").get(pk=item_id)
    if not item.is_public:
        return item
    item.is_public, item.public_position = False, 0
    # Like curating, not editing the item: its updated_at stays.
    EvidenceItem.objects.filter(pk=item.pk).update(is_public=False, public_position=0)
    record_event(
        EVIDENCE_UNPUBLISHED,
        by=by,
        target=item,
        owner=item.owner,
        payload=EvidenceUnpublished(title=item.title),
    )
    return item
