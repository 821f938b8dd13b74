"""Who signs: the site's and issuers' DIDs, their DID documents, and resolving our own keys.

Identifiers (standards digest §5), from settings.SITE_URL and settings.DID_METHOD:

- did:web (the default): the site is `did:web:<host>` (a port is percent-encoded:
  `did:web:127.0.0.1%3A8000`), its document at /.well-known/did.json; an issuer is
  `did:web:<host>:issuers:<slug>`, its document at /issuers/<slug>/did.json. Each lists every
  key the owner ever had, retired ones too, as a Multikey verification method `<did>#key-<n>`,
  all of them under assertionMethod as absolute DID URLs (1EdTech's verifier accepts nothing
  else), so credentials signed before a rotation keep verifying.
- did:key (UNBUNDLED_DID_METHOD=key, for an installation without a stable domain): the owner
  is `did:key:<its current key>`, which needs no document and resolves offline; a rotation
  therefore changes the issuer's identifier for what it signs from then on.

For builders of credentials:

    signer = signer_for(issuer)            # NoSigningKey if it has none yet
    credential["issuer"] = {"id": signer.issuer_did, "type": ["Profile"], "name": issuer.name}
    signed = signer.sign(credential)       # eddsa-rdfc-2022 proof by its current key

and for verifiers: proofs.verify(document, resolve_key=resolve_verification_method).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from credentials.models import Issuer, SigningKey
from credentials.vc.canonical import JsonValue
from credentials.vc.contexts import DID_V1, MULTIKEY_V1
from credentials.vc.keys import decrypt_private_key, public_key_from_multibase
from credentials.vc.multibase import MultibaseError
from credentials.vc.proofs import ResolvedKey
from credentials.vc.proofs import sign as sign_document

ISSUERS_PATH_SEGMENT = "issuers"


class NoSigningKey(Exception):
    """The issuer (or the site) has no active signing key: `manage.py signing_keys generate`."""


def site_did_web() -> str:
    """`did:web:<host>` for settings.SITE_URL; a port is percent-encoded, as did:web requires."""
    netloc = urlsplit(settings.SITE_URL).netloc.rsplit("@", 1)[-1].lower()
    return f"did:web:{quote(netloc, safe='')}"


def issuer_did_web(issuer: Issuer) -> str:
    return f"{site_did_web()}:{ISSUERS_PATH_SEGMENT}:{issuer.slug}"


def did_key(key: SigningKey) -> str:
    return f"did:key:{key.public_key_multibase}"


def owner_did(issuer: Issuer | None, key: SigningKey) -> str:
    """The identifier that `key` signs as, for `issuer` (None: the site)."""
    if settings.DID_METHOD == "key":
        return did_key(key)
    return issuer_did_web(issuer) if issuer is not None else site_did_web()


def verification_method_id(issuer: Issuer | None, key: SigningKey) -> str:
    """The absolute DID URL of `key`, as proofs name it and assertionMethod lists it."""
    if settings.DID_METHOD == "key":
        return f"{did_key(key)}#{key.public_key_multibase}"
    return f"{owner_did(issuer, key)}#{key.key_id}"


def active_key(issuer: Issuer | None) -> SigningKey:
    """The key that signs for `issuer` (None: the site) now; NoSigningKey if there is none."""
    key = SigningKey.objects.filter(issuer=issuer, retired_at__isnull=True).first()
    if key is None:
        owner = f"the issuer {issuer.slug}" if issuer is not None else "the site"
        raise NoSigningKey(
            f"{owner} has no signing key yet; make one with "
            f"`manage.py signing_keys generate {issuer.slug if issuer else '--site'}`."
        )
    return key


@dataclass(frozen=True)
class Signer:
    """An owner's current key, ready to sign: its DID, its verification method, its key."""

    key: SigningKey
    issuer_did: str
    verification_method: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def sign(
        self, document: Mapping[str, JsonValue], *, created: datetime | None = None
    ) -> dict[str, JsonValue]:
        """proofs.sign with this key; see there for what it raises."""
        return sign_document(
            document,
            private_key=self.private_key,
            verification_method=self.verification_method,
            created=created,
        )


def signer_for(issuer: Issuer | None) -> Signer:
    """A Signer for `issuer`'s active key (None: the site's).

    Raises NoSigningKey without one, keys.SigningSecretMissing without a secret to decrypt
    it, and keys.PrivateKeyUnreadable if the configured secrets do not open it.
    """
    key = active_key(issuer)
    return Signer(
        key=key,
        issuer_did=owner_did(issuer, key),
        verification_method=verification_method_id(issuer, key),
        private_key=decrypt_private_key(key.private_key_encrypted),
    )


def did_document(issuer: Issuer | None) -> dict[str, JsonValue]:
    """The did:web document of `issuer` (None: the site), listing every key it ever had."""
    did = issuer_did_web(issuer) if issuer is not None else site_did_web()
    keys = SigningKey.objects.filter(issuer=issuer).order_by("created_at", "pk")
    methods: list[JsonValue] = []
    method_ids: list[JsonValue] = []
    for key in keys:
        method_id = f"{did}#{key.key_id}"
        method_ids.append(method_id)
        methods.append(
            {
                "id": method_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key_multibase,
            }
        )
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": method_ids,
    }


def _resolve_did_key(did: str, fragment: str) -> ResolvedKey | None:
    multibase = did.removeprefix("did:key:")
    try:
        public_key = public_key_from_multibase(multibase)
    except (MultibaseError, ValueError):
        return None
    # A did:key document has exactly one method, `<did>#<multibase>`, under assertionMethod.
    return ResolvedKey(public_key, controller=did, is_assertion_method=fragment == multibase)


def _resolve_our_did_web(did: str, fragment: str) -> ResolvedKey | None:
    site = site_did_web()
    if did == site:
        keys = SigningKey.objects.filter(issuer__isnull=True)
    elif did.startswith(f"{site}:{ISSUERS_PATH_SEGMENT}:"):
        slug = did.removeprefix(f"{site}:{ISSUERS_PATH_SEGMENT}:")
        keys = SigningKey.objects.filter(issuer__slug=slug)
    else:
        return None
    key = keys.filter(key_id=fragment).first()
    if key is None:
        return None
    # Every published key, retired or not, is under assertionMethod (did_document).
    return ResolvedKey(
        public_key_from_multibase(key.public_key_multibase),
        controller=did,
        is_assertion_method=True,
    )


def resolve_verification_method(method_id: str) -> ResolvedKey | None:
    """The key behind a DID URL: any did:key, or a did:web of this site; None otherwise.

    Nothing is fetched: a did:web on another host is not resolved (None), and the
    verification step says the key could not be found here.
    """
    did, separator, fragment = method_id.partition("#")
    if not separator or not fragment:
        return None
    if did.startswith("did:key:"):
        return _resolve_did_key(did, fragment)
    if did.startswith("did:web:"):
        return _resolve_our_did_web(did, fragment)
    return None
