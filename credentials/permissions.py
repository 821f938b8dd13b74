"""Who may do what with issuers, micro-credentials and issued credentials."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from credentials.models import IssuedCredential, Issuer, MicroCredential
from portfolio.permissions import AnyUser, is_assessor, is_issuer_staff


def can_revoke(user: AnyUser, credential: IssuedCredential) -> bool:
    # Revocation is an act of the issuing organisation, so only its own staff may do it.
    if not is_issuer_staff(user):
        return False
    return credential.issuer.staff.filter(pk=user.pk).exists()


def can_assess(user: AnyUser, micro_credential: MicroCredential) -> bool:
    # Assessors review only the micro-credentials issuer staff assigned them to.
    if not is_assessor(user):
        return False
    return micro_credential.assessors.filter(pk=user.pk).exists()


def visible_micro_credentials() -> QuerySet[MicroCredential]:
    """Micro-credentials that exist as far as the site's pages are concerned, for everyone.

    Drafts are the issuer's work in progress, edited in the admin: no page, and no action
    such as applying, may tell anyone that a draft's slug is taken. Retired ones stay
    visible, so their holders' credentials still lead somewhere.
    """
    return MicroCredential.objects.exclude(status=MicroCredential.Status.DRAFT)


def get_micro_credential_for(user: AnyUser, slug: str) -> MicroCredential:
    """A visible micro-credential; Http404 for drafts and unknown slugs alike.

    Issuer staff work on drafts in the admin, so the rule is the same for every user today;
    the user is taken so a preview for them can be added here, in one place.
    """
    try:
        return visible_micro_credentials().get(slug=slug)
    except MicroCredential.DoesNotExist:
        raise Http404("No such micro-credential.") from None


def visible_credentials(user: AnyUser) -> QuerySet[IssuedCredential]:
    """Issued credentials whose public page (/c/<id>/) exists for this user.

    A credential's page is public whatever its status, so that anyone can check it. The one
    exception is a holder whose account is deactivated: nothing of theirs stays public, so
    the page is a 404, except for the issuing organisation's own staff, who may still need
    to look it up and revoke it.
    """
    public = Q(learner__is_active=True)
    if not is_issuer_staff(user):
        return IssuedCredential.objects.filter(public)
    # A subquery rather than a join on staff, so a credential is never listed twice.
    own_issuers = Issuer.objects.filter(staff=user.pk)
    return IssuedCredential.objects.filter(public | Q(issuer__in=own_issuers))
