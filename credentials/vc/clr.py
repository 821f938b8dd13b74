"""A learner's whole record as a 1EdTech Comprehensive Learner Record 2.0 `ClrCredential`.

    signed = sign_learner_record(learner=user)   # NoSigningKey while the site has no key

What goes where (standards digest §2):

- The site itself issues it (its did:web, `manage.py signing_keys generate --site`): the record
  asserts that the credentials in it belong to one person, which only the site that holds
  their accounts can say. Each credential inside keeps its own issuer and proof.
- `credentialSubject` is a `ClrSubject` naming the holder as each credential does, by a salted
  SHA-256 of their e-mail address; its `verifiableCredential` lists their signed Open Badges
  3.0 credentials exactly as issued (parsed from the stored CredentialDocument, proofs
  intact), so each still verifies alone (credentials.selectors.learner_records says which).
- `association`: the one relation between micro-credentials the models hold is
  MicroCredential.stacks_towards, an `isPartOf` from the smaller achievement to the larger,
  given where the learner holds both. Prerequisites are free text, not a relation, so no
  `precedes` is given.
- `partial` is true while some of the learner's credentials are not signed yet.

A record is signed afresh for each download (with a new `urn:uuid` id), never stored: it is
the learner's current record, and revocations since the last one leave it at once.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from credentials.selectors.learner_records import RecordEntry, get_learner_record
from credentials.vc.canonical import JsonValue
from credentials.vc.contexts import CLR_V2P0_2_0_1, OB_V3P0_3_0_3, OB_V3P0_EXTENSIONS, VC_V2
from credentials.vc.identity import signer_for
from credentials.vc.open_badges import SCHEMA_VALIDATOR_TYPE, hash_identity
from credentials.vc.proofs import format_created
from portfolio.models import User

CLR_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)
# CASE's "the origin is included, physically or logically, in the destination".
STACKS_TOWARDS = "isPartOf"


class EmptyRecordError(ValueError):
    """The learner has no signed credential to put in a record (CLR 2.0 requires one)."""


def _achievement_id(document: dict[str, JsonValue]) -> str | None:
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    achievement_id = achievement.get("id") if isinstance(achievement, dict) else None
    return achievement_id if isinstance(achievement_id, str) else None


def _associations(
    entries: Sequence[RecordEntry], documents: Sequence[dict[str, JsonValue]]
) -> list[JsonValue]:
    # Ids as each credential states its achievement, so they match what is inside.
    achievement_ids: dict[int, str] = {}
    for entry, document in zip(entries, documents, strict=True):
        achievement_id = _achievement_id(document)
        if achievement_id is not None:
            achievement_ids.setdefault(entry.micro_credential_id, achievement_id)
    pairs: set[tuple[str, str]] = set()
    for entry in entries:
        if entry.stacks_towards_id is None:
            continue
        source = achievement_ids.get(entry.micro_credential_id)
        target = achievement_ids.get(entry.stacks_towards_id)
        if source is not None and target is not None:
            pairs.add((source, target))
    return [
        {
            "type": "Association",
            "associationType": STACKS_TOWARDS,
            "sourceId": source,
            "targetId": target,
        }
        for source, target in sorted(pairs)
    ]


def build_clr_credential(
    *,
    entries: Sequence[RecordEntry],
    issuer_id: str,
    holder_email: str,
    partial: bool,
    now: datetime,
    salt: str | None = None,
) -> dict[str, JsonValue]:
    """The unsigned ClrCredential holding `entries`, issued by `issuer_id` (the site's DID).

    `salt` for the holder's hashed e-mail: random unless given (tests pin it). Raises
    EmptyRecordError without entries.
    """
    if not entries:
        raise EmptyRecordError("There is no signed credential to put in the record.")
    documents: list[dict[str, JsonValue]] = [json.loads(entry.content) for entry in entries]
    salt = salt if salt is not None else secrets.token_hex(16)
    subject: dict[str, JsonValue] = {
        "type": ["ClrSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": hash_identity(holder_email.strip().lower(), salt),
                "salt": salt,
            }
        ],
        "verifiableCredential": list[JsonValue](documents),
    }
    associations = _associations(entries, documents)
    if associations:
        subject["association"] = associations
    issued = format_created(now)
    return {
        "@context": [VC_V2, CLR_V2P0_2_0_1, OB_V3P0_3_0_3, OB_V3P0_EXTENSIONS],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {
            "id": issuer_id,
            "type": ["Profile"],
            "name": settings.SITE_NAME,
            "url": settings.SITE_URL,
        },
        "validFrom": issued,
        "awardedDate": issued,
        "name": f"Learner record from {settings.SITE_NAME}",
        "description": (
            f"The {len(documents)} credentials issued to the holder through "
            f"{settings.SITE_NAME} that were not revoked on {now.date().isoformat()}, "
            "each as its issuer signed it."
        ),
        "partial": partial,
        "credentialSubject": subject,
        "credentialSchema": [{"id": CLR_SCHEMA_URL, "type": SCHEMA_VALIDATOR_TYPE}],
    }


def sign_learner_record(*, learner: User, now: datetime | None = None) -> dict[str, JsonValue]:
    """The learner's record as a ClrCredential signed by the site's current key.

    Raises EmptyRecordError when they have no signed credential that is not revoked, and
    what identity.signer_for raises when the site's key is missing or cannot be opened.
    Two queries (the record, the site's key), whatever the number of credentials.
    """
    record = get_learner_record(learner=learner)
    if not record.entries:
        raise EmptyRecordError("There is no signed credential to put in the record.")
    signer = signer_for(None)
    now = now or timezone.now()
    document = build_clr_credential(
        entries=record.entries,
        issuer_id=signer.issuer_did,
        holder_email=learner.email,
        partial=record.unsigned_count > 0,
        now=now,
    )
    return signer.sign(document, created=now)
