"""Multibase base58btc and Ed25519 Multikey encoding."""

import pytest

from credentials.vc.multibase import (
    MultibaseError,
    decode_base58btc,
    decode_ed25519_public_key,
    encode_base58btc,
    encode_ed25519_public_key,
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
