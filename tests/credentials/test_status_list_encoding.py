"""encodedList: GZIP, multibase base64url, bit 0 the most significant bit of byte 0."""

import base64
import gzip

import pytest

from credentials.vc.status_list import (
    MAX_DECODED_BYTES,
    StatusListError,
    bit_is_set,
    bitstring,
    decode_bitstring,
    encode_bitstring,
)

# The encodedList of the example BitstringStatusListCredential in W3C Bitstring Status List
# v1.0: 131,072 bits, none set.
SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def multibase(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_the_specifications_example_decodes_to_an_empty_list_of_the_minimum_length():
    assert decode_bitstring(SPEC_EXAMPLE) == bytes(16_384)


def test_an_empty_list_encodes_exactly_as_the_specifications_example():
    assert encode_bitstring(bitstring(131_072, [])) == SPEC_EXAMPLE


def test_bit_zero_is_the_most_significant_bit_of_the_first_byte():
    bits = bitstring(131_072, [0, 9, 131_071])
    assert bits[:2] == bytes([0b1000_0000, 0b0100_0000])
    assert bits[-1] == 0b0000_0001
    assert [bit_is_set(bits, i) for i in (0, 1, 8, 9, 131_070, 131_071)] == [
        True,
        False,
        False,
        True,
        False,
        True,
    ]


def test_a_list_survives_the_round_trip_and_is_gzip_in_base64url():
    bits = bitstring(131_072, [3, 4_096, 77_777, 131_071])
    encoded = encode_bitstring(bits)
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert set(encoded[1:]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    # Any GZIP reader reads it.
    assert gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "==")) == bits
    assert decode_bitstring(encoded) == bits


def test_a_list_encoded_by_another_gzip_writer_decodes():
    bits = bitstring(131_072, [12, 345])
    assert decode_bitstring(multibase(gzip.compress(bits, mtime=1_700_000_000))) == bits


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        (SPEC_EXAMPLE[1:], "no 'u' prefix"),
        ("z" + SPEC_EXAMPLE[1:], "no 'u' prefix"),
        ("", "no 'u' prefix"),
        ("u!!!!", "not base64url"),
        (multibase(b"not gzip at all"), "not GZIP"),
        (multibase(gzip.compress(bytes(16_384), mtime=0)[:20]), "truncated"),
    ],
)
def test_what_is_not_an_encoded_list_is_refused(encoded, message):
    with pytest.raises(StatusListError, match=message):
        decode_bitstring(encoded)


def test_a_gzip_bomb_is_refused_before_it_is_inflated():
    bomb = multibase(gzip.compress(bytes(MAX_DECODED_BYTES + 1), mtime=0))
    assert len(bomb) < 40_000
    with pytest.raises(StatusListError, match="more than this site accepts"):
        decode_bitstring(bomb)
