"""Multibase base58btc and Ed25519 Multikey encoding, and SHA-256 `digestMultibase` values."""

import hashlib

import pytest

from credentials.vc.multibase import (
    MultibaseError,
    decode_base58btc,
    decode_ed25519_public_key,
    decode_sha256_digest,
    encode_base58btc,
    encode_ed25519_public_key,
    encode_sha256_digest,
)

# 1EdTech's Open Badges test key (standards digest §5).
PUBLIC_HEX = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
MULTIKEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


def test_an_ed25519_public_key_encodes_to_its_published_multikey_and_back():
    raw = bytes.fromhex(PUBLIC_HEX)

    assert encode_ed25519_public_key(raw) == MULTIKEY
    assert decode_ed25519_public_key(MULTIKEY) == raw


@pytest.mark.parametrize(
    ("data", "encoded"),
    [(b"", "z"), (b"\x00", "z1"), (b"\x00\x00\x01", "z112"), (b"hello", "zCn8eVZg")],
)
def test_base58btc_keeps_leading_zero_bytes(data, encoded):
    assert encode_base58btc(data) == encoded
    assert decode_base58btc(encoded) == data


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("u6MkjZRZ", "must start with 'z'"),
        ("z0OIl", "Not valid base58btc"),
        (encode_base58btc(b"\xec\x01" + b"\x01" * 32), "not 0xed01"),
        (encode_base58btc(b"\xed\x01" + b"\x01" * 31), "32 bytes, not 31"),
    ],
)
def test_anything_but_an_ed25519_multikey_is_refused(value, message):
    with pytest.raises(MultibaseError, match=message):
        decode_ed25519_public_key(value)


def test_a_public_key_of_the_wrong_length_is_not_encoded():
    with pytest.raises(MultibaseError, match="32 bytes, not 33"):
        encode_ed25519_public_key(b"\x01" * 33)


# The SHA-256 of no bytes as a multihash in base64url, as other implementations write it
# (it is the hash that starts many did:ion documents, for one).
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
EMPTY_DIGEST_MULTIBASE = "uEiDjsMRCmPwcFJr79MiZb7kkJ65B5GSbk0yklZkbeFK4VQ"


def test_a_sha256_digest_encodes_as_a_base64url_multihash_and_back():
    assert encode_sha256_digest(EMPTY_SHA256) == EMPTY_DIGEST_MULTIBASE
    assert decode_sha256_digest(EMPTY_DIGEST_MULTIBASE) == EMPTY_SHA256


def test_a_base58btc_digest_is_read_too():
    value = encode_base58btc(b"\x12\x20" + bytes.fromhex(EMPTY_SHA256))
    assert decode_sha256_digest(value) == EMPTY_SHA256


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("uEiDjsMRCmPwcFJr79MiZb7kkJ65B5GSbk0yklZkbeFK4V", "Not valid base64url"),
        ("uEiD+sMRCmPwcFJr79MiZb7kkJ65B5GSbk0yklZkbeFK4VQ", "Not valid base64url"),
        ("mEiDjsMRCmPwcFJr79MiZb7kkJ65B5GSbk0yklZkbeFK4VQ", "must start with 'z'"),
        ("", "must start with 'z'"),
        ("uERDjsMRCmPwcFJr79MiZb7kkJ65B5GSbk0yklZkbeFK4VQ", "not 0x1220"),
        ("uEiDjsMRCmPwcFJr79MiZb7kkJ65B5GSbk0yklZkbeFK4", "not 0x1220"),
    ],
)
def test_anything_but_a_sha256_multihash_is_refused(value, message):
    with pytest.raises(MultibaseError, match=message):
        decode_sha256_digest(value)
