"""How credentials' events read in the activity log (registered in CredentialsConfig.ready())."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse

from credentials.models import (
    ContactRequest,
    IssuedCredential,
    IssuerInvitation,
    MicroCredential,
    SavedSearch,
    ShareLink,
    SigningKey,
)
from credentials.permissions import (
    managed_issuers,
    visible_contact_requests,
    visible_credentials,
    visible_micro_credentials,
    visible_saved_searches,
)
from credentials.saved_searches import search_url
from credentials.verbs import issuer_scope
from portfolio.activity import TargetLink
from portfolio.models import User
from portfolio.permissions import is_issuer_staff


def list_issuer_scopes(user: User) -> list[str]:
    """Issuer staff read the events of the organisations they work for."""
    if not is_issuer_staff(user):
        return []
    return [issuer_scope(pk) for pk in managed_issuers(user).values_list("pk", flat=True)]


def describe_credentials(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """A credential by its micro-credential's title, linked to its page where it has one."""
    credentials = IssuedCredential.objects.filter(pk__in=ids).select_related("micro_credential")
    openable = set(visible_credentials(reader).filter(pk__in=ids).values_list("pk", flat=True))
    return {
        credential.pk: TargetLink(
            name=credential.micro_credential.title,
            url=reverse("credentials:credential-detail", args=[credential.public_id])
            if credential.pk in openable
            else "",
        )
        for credential in credentials
    }


def describe_micro_credentials(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """A micro-credential by its title, linked to its page where it has one (not a draft)."""
    openable = set(visible_micro_credentials().filter(pk__in=ids).values_list("pk", flat=True))
    return {
        micro_credential.pk: TargetLink(
            name=micro_credential.title,
            url=reverse("credentials:micro-credential-detail", args=[micro_credential.slug])
            if micro_credential.pk in openable
            else "",
        )
        for micro_credential in MicroCredential.objects.filter(pk__in=ids).only(
            "pk", "title", "slug"
        )
    }


def describe_invitations(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """An invitation by its issuer and who it was for (read in the admin, not linked)."""
    invitations = IssuerInvitation.objects.filter(pk__in=ids).select_related("issuer")
    return {
        invitation.pk: TargetLink(name=f"{invitation.issuer.name} ({invitation.email})")
        for invitation in invitations
    }


def describe_share_links(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """A share link by its label, linked to the share links page for its owner only."""
    links = ShareLink.objects.filter(pk__in=ids).only("pk", "label", "owner_id")
    return {
        link.pk: TargetLink(
            name=link.label,
            url=reverse("credentials:share-links") if link.owner_id == reader.pk else "",
        )
        for link in links
    }


def describe_contact_requests(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """A contact request by its subject, linked for the employer and learner it is between."""
    openable = set(visible_contact_requests(reader).filter(pk__in=ids).values_list("pk", flat=True))
    return {
        contact_request.pk: TargetLink(
            name=contact_request.subject,
            url=reverse("credentials:contact-request-detail", args=[contact_request.pk])
            if contact_request.pk in openable
            else "",
        )
        for contact_request in ContactRequest.objects.filter(pk__in=ids).only("pk", "subject")
    }


def describe_signing_keys(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """A signing key by its owner and number, linked to the DID document that publishes it."""
    keys = SigningKey.objects.filter(pk__in=ids).select_related("issuer")
    return {
        key.pk: TargetLink(
            name=f"{key.issuer.name if key.issuer else settings.SITE_NAME} {key.key_id}",
            url=reverse("credentials:issuer-did", args=[key.issuer.slug])
            if key.issuer
            else reverse("credentials:site-did"),
        )
        for key in keys
    }


def describe_saved_searches(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """A saved search by its name, linked to its directory page for its owner only."""
    own = set(visible_saved_searches(reader).filter(pk__in=ids).values_list("pk", flat=True))
    return {
        saved_search.pk: TargetLink(
            name=saved_search.name, url=search_url(saved_search) if saved_search.pk in own else ""
        )
        for saved_search in SavedSearch.objects.filter(pk__in=ids).only("pk", "name", "query")
    }
