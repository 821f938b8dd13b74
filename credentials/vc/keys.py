"""Ed25519 key pairs, and their private halves encrypted at rest.

A private key is stored only as a Fernet token (AES-128-CBC with HMAC-SHA256) of its 32 raw
bytes, under a key derived (HKDF-SHA256) from settings.SIGNING_SECRET, so a copy of the
database alone signs nothing. Decrypted keys live only in memory, for the one signature that
needs them, and are never logged or shown (SigningKey has no field that holds them in clear,
and the admin does not list the model).

Where the secret comes from: UNBUNDLED_SIGNING_SECRET in a deployment, which must set it
(SigningSecretMissing otherwise); in the embedded profile without it, a random secret made
on first use in settings.SIGNING_SECRET_FILE (var/signing-secret). Rotating the secret: set
the new one, list the old one in UNBUNDLED_SIGNING_SECRET_FALLBACKS; keys stored under it
still decrypt.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from credentials.vc.multibase import decode_ed25519_public_key, encode_ed25519_public_key

MINIMUM_SECRET_LENGTH = 32
# Binds derived keys to this use: the same secret used for anything else derives other keys.
_HKDF_INFO = b"unbundled signing-key encryption v1"


class SigningSecretMissing(ImproperlyConfigured):
    """No secret to encrypt or decrypt signing keys with; nothing can be signed."""


class PrivateKeyUnreadable(Exception):
    """A stored private key that none of the configured secrets decrypts."""


def _secret_from_file(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once keep whichever secret was written first.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secret)
    return secret


def signing_secrets() -> list[str]:
    """The current secret first, then the fallbacks; SigningSecretMissing if there is none."""
    secret: str = settings.SIGNING_SECRET
    secret_file: Path | None = settings.SIGNING_SECRET_FILE
    if not secret and secret_file is not None:
        secret = _secret_from_file(Path(secret_file))
    if not secret:
        raise SigningSecretMissing(
            "Set UNBUNDLED_SIGNING_SECRET (at least 32 characters, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`): issuers' signing "
            "keys are encrypted with it, and nothing can be signed without it."
        )
    if len(secret) < MINIMUM_SECRET_LENGTH:
        raise SigningSecretMissing("UNBUNDLED_SIGNING_SECRET must be at least 32 characters.")
    return [secret, *settings.SIGNING_SECRET_FALLBACKS]


def _fernet(secret: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _cipher() -> MultiFernet:
    return MultiFernet([_fernet(secret) for secret in signing_secrets()])


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def encrypt_private_key(private_key: Ed25519PrivateKey) -> str:
    """The Fernet token (ASCII) to store for `private_key`; SigningSecretMissing without a secret."""
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return _cipher().encrypt(raw).decode("ascii")


def decrypt_private_key(token: str) -> Ed25519PrivateKey:
    """The key a stored token holds; PrivateKeyUnreadable if no configured secret opens it."""
    try:
        raw = _cipher().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        raise PrivateKeyUnreadable(
            "The signing key cannot be decrypted with UNBUNDLED_SIGNING_SECRET or its fallbacks."
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return encode_ed25519_public_key(raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """The key of a "z6Mk…" value; MultibaseError if it is not an Ed25519 Multikey."""
    return Ed25519PublicKey.from_public_bytes(decode_ed25519_public_key(value))
