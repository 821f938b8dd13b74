"""Open Badges 2.0 hosted verification: an Assertion, BadgeClass and Issuer per credential.

For backpacks and importers that predate Open Badges 3.0. Each object is JSON at a stable URL
of this site, and `verification: {type: hosted}` tells a verifier to trust only what it
fetches from there (standards digest §3). The Assertion names its holder by a salted SHA-256
of their e-mail address; its salt comes from the credential and the site's secret key, so the
same credential always shows the same hash without any salt being stored. A revoked
credential's Assertion answers 410 Gone with `revoked: true` and the reason, as the
specification asks of hosted badges; an expired one says when it expired (`expires`).

Nothing here processes JSON-LD: the documents are plain JSON naming the Open Badges 2.0
context, so no copy of that context is needed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.urls import reverse
from django.utils.crypto import salted_hmac

from credentials.models import IssuedCredential, Issuer, MicroCredential
from credentials.vc.canonical import JsonValue
from credentials.vc.open_badges import (
    _alignment,
    _file_url,
    absolute_url,
    credential_url,
    hash_identity,
)
from credentials.vc.proofs import format_created

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
# What the hosted objects are served as; the specification's examples and validators accept
# JSON-LD or plain JSON.
OB2_MEDIA_TYPE = "application/ld+json"


def assertion_url(credential: IssuedCredential) -> str:
    return absolute_url(reverse("credentials:ob2-assertion", args=[credential.public_id]))


def badge_class_url(micro_credential_id: int) -> str:
    return absolute_url(reverse("credentials:ob2-badge-class", args=[micro_credential_id]))


def issuer_url(issuer_slug: str) -> str:
    return absolute_url(reverse("credentials:ob2-issuer", args=[issuer_slug]))


def recipient_salt(credential: IssuedCredential) -> str:
    """A salt that is the same on every fetch of the credential and unguessable before it."""
    return salted_hmac(
        "credentials.ob2.recipient", str(credential.public_id), algorithm="sha256"
    ).hexdigest()[:32]


@dataclass(frozen=True)
class HostedAssertion:
    """An Assertion to serve: its document, and the HTTP status it is served with."""

    document: dict[str, JsonValue]
    status: int


def build_assertion(credential: IssuedCredential) -> HostedAssertion:
    """The Assertion of `credential` (its learner, issuer and micro-credential loaded)."""
    url = assertion_url(credential)
    if credential.revoked_at is not None:
        # 410 Gone with only what says so: a revoked badge keeps nothing else to show.
        return HostedAssertion(
            document={
                "@context": OB2_CONTEXT,
                "type": "Assertion",
                "id": url,
                "revoked": True,
                "revocationReason": credential.revocation_reason,
            },
            status=410,
        )
    salt = recipient_salt(credential)
    document: dict[str, JsonValue] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": url,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": salt,
            "identity": hash_identity(credential.learner.email.strip().lower(), salt),
        },
        "badge": badge_class_url(credential.micro_credential_id),
        "verification": {"type": "hosted"},
        "issuedOn": format_created(credential.issued_at),
        # The credential's page shows its evidence and rubric results, live.
        "evidence": credential_url(credential),
        "image": absolute_url(reverse("credentials:ob2-baked-png", args=[credential.public_id])),
    }
    if credential.expires_at is not None:
        document["expires"] = format_created(credential.expires_at)
    return HostedAssertion(document=document, status=200)


def build_badge_class(
    micro_credential: MicroCredential, *, generated_image: bytes
) -> dict[str, JsonValue]:
    """The BadgeClass of `micro_credential` (its issuer loaded, skills with frameworks prefetched).

    `generated_image` is the PNG shown for a micro-credential without a badge image: Open
    Badges 2.0 requires an image, and a data URL needs no further address.
    """
    page = absolute_url(
        reverse("credentials:micro-credential-detail", args=[micro_credential.slug])
    )
    if micro_credential.badge_image:
        image = _file_url(micro_credential.badge_image)
    else:
        image = "data:image/png;base64," + base64.b64encode(generated_image).decode("ascii")
    document: dict[str, JsonValue] = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(micro_credential.pk),
        "name": micro_credential.title,
        "description": micro_credential.description or micro_credential.summary,
        "image": image,
        "criteria": {"id": page, "narrative": micro_credential.criteria},
        "issuer": issuer_url(micro_credential.issuer.slug),
    }
    skills = sorted(micro_credential.skills.all(), key=lambda skill: (skill.name, skill.pk))
    if skills:
        # Open Badges 2.0's AlignmentObject is 3.0's Alignment without its type.
        document["alignment"] = [
            {key: value for key, value in _alignment(skill).items() if key != "type"}
            for skill in skills
        ]
        document["tags"] = [skill.name for skill in skills]
    return document


def build_issuer(issuer: Issuer) -> dict[str, JsonValue]:
    """The Issuer profile; validators and backpacks expect name, url and email."""
    document: dict[str, JsonValue] = {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": issuer_url(issuer.slug),
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.description:
        document["description"] = issuer.description
    if issuer.logo:
        document["image"] = _file_url(issuer.logo)
    return document
