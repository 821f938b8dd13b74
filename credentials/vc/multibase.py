"""Multibase base58btc values and Ed25519 Multikeys (W3C Controlled Identifiers, Multikey).

A base58btc multibase value is "z" followed by the base58 (Bitcoin alphabet) encoding of its
bytes. An Ed25519 public key as a Multikey prefixes the 32 raw key bytes with its multicodec
header 0xed 0x01 first, so every one of them starts "z6Mk" (standards digest §5).
"""

from __future__ import annotations

import base64
import re

import base58

BASE58BTC_PREFIX = "z"
ED25519_PUBLIC_KEY_HEADER = b"\xed\x01"
ED25519_PUBLIC_KEY_LENGTH = 32


class MultibaseError(ValueError):
    """A value that is not the multibase or Multikey the caller expected."""


def encode_base58btc(data: bytes) -> str:
    return BASE58BTC_PREFIX + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: str) -> bytes:
    """The bytes of a "z…" value; raises MultibaseError for another base or a bad digit."""
    if not value.startswith(BASE58BTC_PREFIX):
        raise MultibaseError(
            f"Not a base58btc multibase value (it must start with 'z'): {value[:12]!r}"
        )
    try:
        return base58.b58decode(value[len(BASE58BTC_PREFIX) :])
    except ValueError as error:
        raise MultibaseError(f"Not valid base58btc: {error}") from None


def encode_ed25519_public_key(raw: bytes) -> str:
    """The publicKeyMultibase ("z6Mk…") of a raw 32-byte Ed25519 public key."""
    if len(raw) != ED25519_PUBLIC_KEY_LENGTH:
        raise MultibaseError(f"An Ed25519 public key has 32 bytes, not {len(raw)}.")
    return encode_base58btc(ED25519_PUBLIC_KEY_HEADER + raw)


def decode_ed25519_public_key(value: str) -> bytes:
    """The raw 32 bytes of an Ed25519 publicKeyMultibase; MultibaseError for anything else."""
    data = decode_base58btc(value)
    if not data.startswith(ED25519_PUBLIC_KEY_HEADER):
        raise MultibaseError("Not an Ed25519 Multikey (its multicodec header is not 0xed01).")
    raw = data[len(ED25519_PUBLIC_KEY_HEADER) :]
    if len(raw) != ED25519_PUBLIC_KEY_LENGTH:
        raise MultibaseError(f"An Ed25519 public key has 32 bytes, not {len(raw)}.")
    return raw


# --- Digests (VC Data Model 2.0 §5.3, `digestMultibase`) ------------------------------
# A multihash: the sha2-256 code 0x12, the digest length 0x20, then the 32 digest bytes. We
# write base64url without padding ("u"), the encoding of the Data Integrity spec's examples,
# and read base58btc ("z") too: W3C Controlled Identifiers allows exactly those two.

BASE64URL_PREFIX = "u"
SHA256_MULTIHASH_HEADER = b"\x12\x20"
SHA256_LENGTH = 32
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def encode_sha256_digest(hex_digest: str) -> str:
    """The `digestMultibase` ("uEiB…") of a hex SHA-256 digest."""
    raw = bytes.fromhex(hex_digest)
    if len(raw) != SHA256_LENGTH:
        raise MultibaseError(f"A SHA-256 digest has 32 bytes, not {len(raw)}.")
    encoded = base64.urlsafe_b64encode(SHA256_MULTIHASH_HEADER + raw).rstrip(b"=")
    return BASE64URL_PREFIX + encoded.decode("ascii")


def decode_sha256_digest(value: str) -> str:
    """The hex SHA-256 of a `digestMultibase` value; MultibaseError for anything else."""
    if value.startswith(BASE64URL_PREFIX):
        body = value[len(BASE64URL_PREFIX) :]
        if not _BASE64URL.fullmatch(body):
            raise MultibaseError("Not valid base64url.")
        try:
            data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except ValueError:
            # A length no base64 text can have (one character over a multiple of four).
            raise MultibaseError("Not valid base64url.") from None
    else:
        data = decode_base58btc(value)
    if not data.startswith(SHA256_MULTIHASH_HEADER) or len(data) != 2 + SHA256_LENGTH:
        raise MultibaseError("Not a SHA-256 multihash (its header is not 0x1220).")
    return data[len(SHA256_MULTIHASH_HEADER) :].hex()
