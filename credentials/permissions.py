"""Who may do what with issuers, micro-credentials and issued credentials."""

from __future__ import annotations

from credentials.models import IssuedCredential, MicroCredential
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
