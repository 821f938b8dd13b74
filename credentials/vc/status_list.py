"""Revocation by W3C Bitstring Status List v1.0 (standards digest §4.1).

Every issued credential has a bit in one of its issuer's status lists (models.StatusList);
a set bit means revoked. This module:

- allocates: `permuted_index(key, n, size)` is the n-th index a list hands out, a keyed
  pseudo-random permutation of 0…size-1 (a Feistel network over the smallest even number of
  bits that covers the size, cycle-walked into range), so indexes look random, as the
  specification asks, and never repeat, by construction;
- describes a credential's bit: `status_entry(credential)`, the `BitstringStatusListEntry`
  for its `credentialStatus`;
- encodes: `encode_bitstring` / `decode_bitstring` (GZIP, then multibase base64url, "u");
  bit 0 is the most significant bit of byte 0;
- publishes: `published_status_list(status_list)`, the signed `BitstringStatusListCredential`
  as JSON text. The signed copy is stored on the list with the SHA-256 of the bits it
  encodes and served while the bits are unchanged; when a credential is revoked the
  subscriber re-signs at once (credentials.subscribers), and a read that finds the bits
  changed re-signs too, so a stale list is never served;
- checks: `check_status(document)` reads a credential's revocation entry and, for a list
  of this site only (nothing is fetched from other hosts), verifies the list's proof and
  reads the bit.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from credentials.models import STATUS_LIST_MIN_SIZE, IssuedCredential, StatusList
from credentials.vc.canonical import JsonValue
from credentials.vc.contexts import VC_V2
from credentials.vc.identity import NoSigningKey, resolve_verification_method, signer_for
from credentials.vc.keys import PrivateKeyUnreadable, SigningSecretMissing
from credentials.vc.proofs import format_created, verify

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
MULTIBASE_BASE64URL = "u"
URL_NAME = "credentials:status-list"
# A decoded list larger than this is refused rather than inflated (a gzip bomb).
MAX_DECODED_BYTES = 16 * 1024 * 1024
FEISTEL_ROUNDS = 4
# zlib's window bits for the GZIP format (16 + the largest window).
GZIP_WBITS = 16 + zlib.MAX_WBITS
# Why an issuer's list cannot be signed now: no key, no secret, or a key the secret cannot open.
SIGNING_UNAVAILABLE = (NoSigningKey, SigningSecretMissing, PrivateKeyUnreadable)


class StatusListError(ValueError):
    """An encodedList that is not GZIP in multibase base64url, or is too large."""


# --- Allocation -----------------------------------------------------------------------------


def new_permutation_key() -> str:
    return secrets.token_hex(32)


@lru_cache(maxsize=64)
def _round_tables(key: str, half_bits: int) -> tuple[tuple[int, ...], ...]:
    # Each round's function maps a half (at most 2**half_bits values) to a half; tabulated
    # once per list, so a permutation costs a few lookups.
    secret = bytes.fromhex(key)
    mask = (1 << half_bits) - 1
    return tuple(
        tuple(
            int.from_bytes(
                hmac.digest(secret, bytes([round_]) + value.to_bytes(4, "big"), "sha256")[:4],
                "big",
            )
            & mask
            for value in range(1 << half_bits)
        )
        for round_ in range(FEISTEL_ROUNDS)
    )


def permuted_index(key: str, n: int, size: int) -> int:
    """The n-th index (0 ≤ n < size) a list with this key hands out: a bijection of range(size)."""
    if not 0 <= n < size:
        raise ValueError(f"{n} is not an allocation number of a list of {size} bits.")
    half_bits = max(1, ((size - 1).bit_length() + 1) // 2)
    mask = (1 << half_bits) - 1
    tables = _round_tables(key, half_bits)
    value = n
    while True:
        left, right = value >> half_bits, value & mask
        for table in tables:
            left, right = right, left ^ table[right]
        value = (left << half_bits) | right
        # Cycle-walking: the permutation of the covering domain, applied until it lands in
        # range, is a permutation of the range.
        if value < size:
            return value


# --- Encoding -------------------------------------------------------------------------------


def bitstring(size: int, set_indexes: Iterable[int]) -> bytes:
    """`size` bits (whole bytes), those at `set_indexes` set; bit 0 is byte 0's top bit."""
    bits = bytearray((size + 7) // 8)
    for index in set_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def encode_bitstring(bits: bytes) -> str:
    """encodedList: GZIP, then base64url without padding, with the multibase prefix "u".

    zlib's own GZIP wrapper at its default level, as the reference JavaScript (pako) writes
    it: no timestamp, so equal bits encode equally (the specification's example list is
    reproduced byte for byte).
    """
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, GZIP_WBITS)
    compressed = compressor.compress(bits) + compressor.flush()
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bitstring(encoded: str) -> bytes:
    """The bits of an encodedList; StatusListError if it is not one."""
    if not encoded.startswith(MULTIBASE_BASE64URL):
        raise StatusListError("The encodedList is not multibase base64url (no 'u' prefix).")
    body = encoded[1:]
    try:
        compressed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as error:
        raise StatusListError(f"The encodedList is not base64url: {error}") from error
    inflater = zlib.decompressobj(wbits=GZIP_WBITS)
    try:
        bits = inflater.decompress(compressed, MAX_DECODED_BYTES)
    except zlib.error as error:
        raise StatusListError(f"The encodedList is not GZIP data: {error}") from error
    if inflater.unconsumed_tail:
        raise StatusListError("The encodedList decodes to more than this site accepts.")
    if not inflater.eof:
        raise StatusListError("The encodedList's GZIP data is truncated.")
    return bits


# --- A credential's entry, and its list's URL -----------------------------------------------


def status_list_url(status_list: StatusList) -> str:
    """The stable, absolute URL the list credential is served at (and its `id`)."""
    path = reverse(
        URL_NAME, args=[status_list.issuer.slug, status_list.purpose, status_list.number]
    )
    return settings.SITE_URL.rstrip("/") + path


def status_entry(credential: IssuedCredential) -> dict[str, JsonValue]:
    """The `BitstringStatusListEntry` for the credential's `credentialStatus`."""
    status_list = credential.status_list
    url = status_list_url(status_list)
    return {
        "id": f"{url}#{credential.status_list_index}",
        "type": ENTRY_TYPE,
        "statusPurpose": status_list.purpose,
        "statusListIndex": str(credential.status_list_index),
        "statusListCredential": url,
    }


# --- Publishing -----------------------------------------------------------------------------


def current_bits(status_list: StatusList) -> bytes:
    revoked = IssuedCredential.objects.filter(
        status_list=status_list, revoked_at__isnull=False
    ).values_list("status_list_index", flat=True)
    return bitstring(status_list.size, revoked)


def list_credential(status_list: StatusList, bits: bytes, issuer_did: str) -> dict[str, JsonValue]:
    """The unsigned BitstringStatusListCredential for these bits."""
    url = status_list_url(status_list)
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer_did,
        "validFrom": format_created(timezone.now()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": LIST_TYPE,
            "statusPurpose": status_list.purpose,
            "encodedList": encode_bitstring(bits),
        },
    }


def published_status_list(status_list: StatusList) -> str:
    """The signed list credential, as JSON text: the stored copy if its bits are current.

    Otherwise signs the current bits with the issuer's key, under a lock on the list (so
    two signers never store an older state over a newer one), and stores the result.
    Raises identity.NoSigningKey, keys.SigningSecretMissing or keys.PrivateKeyUnreadable
    when the issuer's key cannot sign.
    """
    digest = hashlib.sha256(current_bits(status_list)).hexdigest()
    if status_list.signed_document and status_list.signed_bits_sha256 == digest:
        return status_list.signed_document
    return sign_status_list(status_list.pk)


def sign_status_list(status_list_id: int) -> str:
    """Re-sign the list's current bits and store the signed copy (see published_status_list)."""
    with transaction.atomic():
        status_list = (
            StatusList.objects.select_for_update().select_related("issuer").get(pk=status_list_id)
        )
        # Read after the lock: a revocation committed before it is in these bits.
        bits = current_bits(status_list)
        digest = hashlib.sha256(bits).hexdigest()
        if status_list.signed_document and status_list.signed_bits_sha256 == digest:
            return status_list.signed_document
        signer = signer_for(status_list.issuer)
        signed = signer.sign(list_credential(status_list, bits, signer.issuer_did))
        status_list.signed_document = json.dumps(signed, indent=2, ensure_ascii=False)
        status_list.signed_bits_sha256 = digest
        status_list.save(update_fields=["signed_document", "signed_bits_sha256"])
        return status_list.signed_document


# --- Checking a credential's status ---------------------------------------------------------


class StatusOutcome(StrEnum):
    """What check_status found; stable values, for programs and templates."""

    NOT_REVOKED = "not_revoked"  # the list verified and the bit is clear
    REVOKED = "revoked"  # the list verified and the bit is set
    NO_STATUS = "no_status"  # the credential has no revocation BitstringStatusListEntry
    REMOTE = "remote"  # the list is on another host; nothing is fetched from there
    UNAVAILABLE = "unavailable"  # our list, but there is no such list or it cannot be signed
    INVALID = "invalid"  # a malformed entry, or a list that fails verification or decoding


@dataclass(frozen=True)
class StatusCheck:
    outcome: StatusOutcome
    # For people: what was found and why.
    reason: str
    status_list_credential: str | None = None
    index: int | None = None


def _revocation_entry(document: Mapping[str, object]) -> Mapping[str, object] | None:
    status = document.get("credentialStatus")
    entries = status if isinstance(status, list) else [status]
    for entry in entries:
        if (
            isinstance(entry, Mapping)
            and entry.get("type") == ENTRY_TYPE
            and entry.get("statusPurpose") == StatusList.Purpose.REVOCATION
        ):
            return entry
    return None


def _is_on_this_site(url: str) -> bool:
    site, target = urlsplit(settings.SITE_URL), urlsplit(url)
    return (target.scheme, target.netloc.lower()) == (site.scheme, site.netloc.lower())


def _our_status_list(url: str) -> StatusList | None:
    """The list behind a URL on this site; None if there is none."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    if match.view_name != URL_NAME:
        return None
    return (
        StatusList.objects.select_related("issuer")
        .filter(
            issuer__slug=match.kwargs["slug"],
            purpose=match.kwargs["purpose"],
            number=match.kwargs["number"],
        )
        .first()
    )


def _issuer_id(document: Mapping[str, object]) -> object:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def check_status(document: Mapping[str, object]) -> StatusCheck:
    """The credential's revocation status, from its BitstringStatusListEntry; never raises.

    Only lists served by this site are read (from the database, as they would be served);
    a list on another host is reported as REMOTE, never fetched.
    """
    entry = _revocation_entry(document)
    if entry is None:
        return StatusCheck(
            StatusOutcome.NO_STATUS, "The credential has no revocation status list entry."
        )
    url = entry.get("statusListCredential")
    raw_index = entry.get("statusListIndex")
    if not isinstance(url, str) or not isinstance(raw_index, str) or not raw_index.isdigit():
        return StatusCheck(
            StatusOutcome.INVALID,
            "The status entry needs a statusListCredential URL and a statusListIndex "
            "that is a string of digits.",
        )
    index = int(raw_index)
    if not _is_on_this_site(url):
        return StatusCheck(
            StatusOutcome.REMOTE,
            f"The status list {url} is on another site; this site does not fetch it, so "
            "revocation could not be checked here.",
            url,
            index,
        )
    status_list = _our_status_list(url)
    if status_list is None:
        return StatusCheck(
            StatusOutcome.UNAVAILABLE, f"There is no status list at {url}.", url, index
        )
    try:
        signed = json.loads(published_status_list(status_list))
    except SIGNING_UNAVAILABLE as error:
        return StatusCheck(
            StatusOutcome.UNAVAILABLE,
            f"The status list {url} cannot be signed right now: {error}",
            url,
            index,
        )
    return _read_list(document, signed, url, index)


def _read_list(
    document: Mapping[str, object], signed: dict[str, JsonValue], url: str, index: int
) -> StatusCheck:
    result = verify(signed, resolve_key=resolve_verification_method)
    if not result.verified:
        return StatusCheck(
            StatusOutcome.INVALID,
            f"The status list's proof does not verify: {result.reason}",
            url,
            index,
        )
    if signed.get("issuer") != _issuer_id(document):
        return StatusCheck(
            StatusOutcome.INVALID,
            "The status list was issued by someone other than the credential's issuer.",
            url,
            index,
        )
    subject = signed.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("statusPurpose") != "revocation":
        return StatusCheck(
            StatusOutcome.INVALID, "The status list is not a revocation list.", url, index
        )
    encoded = subject.get("encodedList")
    try:
        bits = decode_bitstring(encoded if isinstance(encoded, str) else "")
    except StatusListError as error:
        return StatusCheck(StatusOutcome.INVALID, str(error), url, index)
    if len(bits) * 8 < STATUS_LIST_MIN_SIZE:
        return StatusCheck(
            StatusOutcome.INVALID,
            "The status list is shorter than the 131,072 entries the specification requires.",
            url,
            index,
        )
    if index >= len(bits) * 8:
        return StatusCheck(
            StatusOutcome.INVALID, f"Index {index} is outside the status list.", url, index
        )
    if bit_is_set(bits, index):
        return StatusCheck(StatusOutcome.REVOKED, "The issuer has revoked it.", url, index)
    return StatusCheck(StatusOutcome.NOT_REVOKED, "The issuer has not revoked it.", url, index)
