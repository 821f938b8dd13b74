"""Contact requests as the employer who sent them and the learner who received them see them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from credentials.models import ContactRequest
from credentials.permissions import can_contact, visible_contact_requests
from portfolio.models import LearnerProfile, User
from portfolio.permissions import AnyUser


def list_contact_requests(*, user: User) -> QuerySet[ContactRequest]:
    """The requests the user sent or received, newest first, with both people's names.

    Two tables joined in one query, whatever the number of requests.
    """
    return visible_contact_requests(user).select_related("learner__profile", "employer")


def count_open_contact_requests(*, user: User) -> int:
    """How many of the user's requests wait for an answer: one COUNT query."""
    return visible_contact_requests(user).filter(status=ContactRequest.Status.OPEN).count()


@dataclass(frozen=True)
class ContactButton:
    """What a learner's public page offers the viewer about contacting them."""

    can_contact: bool
    # The viewer's request still waiting for this learner's answer, if any.
    open_request: ContactRequest | None


NO_CONTACT_BUTTON = ContactButton(can_contact=False, open_request=None)


def get_contact_button(
    *, viewer: AnyUser, profile: LearnerProfile, via_share_link: bool = False
) -> ContactButton:
    """The contact button of a public page: no query unless the viewer is an employer.

    `via_share_link`: the page was opened through a share link the caller has checked.
    """
    if not can_contact(viewer, profile, via_share_link=via_share_link):
        return NO_CONTACT_BUTTON
    open_request = (
        ContactRequest.objects.open().filter(employer_id=viewer.pk, learner=profile.user_id).first()
    )
    return ContactButton(can_contact=open_request is None, open_request=open_request)
