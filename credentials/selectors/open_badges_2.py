"""What the Open Badges 2.0 hosted objects are built from (credentials.vc.open_badges_2).

The same access as the pages they stand for: an Assertion exists wherever its credential's
page does (a 404 for a deactivated holder's, except to the issuer's staff), a BadgeClass for
every micro-credential with a page (not drafts), an Issuer for every issuer (as its DID
document does).
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Prefetch
from django.http import Http404

from credentials.models import IssuedCredential, Issuer, MicroCredential
from credentials.permissions import visible_credentials, visible_micro_credentials
from portfolio.models import Skill
from portfolio.permissions import AnyUser


def get_assertion_credential(*, public_id: UUID, viewer: AnyUser) -> IssuedCredential:
    """The credential behind an Assertion, with its holder and micro-credential. One query."""
    try:
        return (
            visible_credentials(viewer)
            .select_related("learner", "micro_credential")
            .get(public_id=public_id)
        )
    except IssuedCredential.DoesNotExist:
        raise Http404("No such assertion.") from None


def get_badge_class_micro_credential(*, pk: int) -> MicroCredential:
    """A micro-credential with its issuer and skills (their frameworks). Two queries."""
    try:
        return (
            visible_micro_credentials()
            .select_related("issuer")
            .prefetch_related(
                Prefetch("skills", queryset=Skill.objects.select_related("framework"))
            )
            .get(pk=pk)
        )
    except MicroCredential.DoesNotExist:
        raise Http404("No such badge class.") from None


def get_issuer(*, slug: str) -> Issuer:
    try:
        return Issuer.objects.get(slug=slug)
    except Issuer.DoesNotExist:
        raise Http404("No such issuer.") from None
