"""Multibase base58btc values and Ed25519 Multikeys (W3C Controlled Identifiers, Multikey).

A base58btc multibase value is "z" followed by the base58 (Bitcoin alphabet) encoding of its
bytes. An Ed25519 public key as a Multikey prefixes the 32 raw key bytes with its multicodec
header 0xed 0x01 first, so every one of them starts "z6Mk" (standards digest §5).
"""

from __future__ import annotations

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
