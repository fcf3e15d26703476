"""Strict deterministic CBOR decoding (RFC 8949 §4.2.1): every rejection class, with its byte."""

from __future__ import annotations

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anxinma import cbor
from anxinma.errors import CborError

from .fuzz.harness import deterministic  # the test-only RFC 8949 §4.2.1 encoder, independent of cbor2

values = st.recursive(
    st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.binary(max_size=40)
    | st.text(max_size=20)
    | st.booleans()
    | st.none(),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.integers(min_value=-24, max_value=23) | st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)


@given(values)
def test_round_trip_of_deterministic_encodings(value: object) -> None:
    encoded = cbor.encode(value)
    assert cbor.decode(encoded, max_depth=16, max_items=1000) == value


@pytest.mark.parametrize(
    ("hex_bytes", "offset", "words"),
    [
        ("1817", 0, "shortest form"),  # 23 in two bytes
        ("190017", 0, "shortest form"),
        ("1a0000ffff", 0, "shortest form"),
        ("1b00000000ffffffff", 0, "shortest form"),
        ("9f01ff", 0, "indefinite"),
        ("5f41ff", 0, "indefinite"),
        ("bf0101ff", 0, "indefinite"),
        ("a201020103", 3, "duplicate map key"),
        ("a202010102", 3, "out-of-order map key"),
        ("a2200101 01".replace(" ", ""), 3, "out-of-order"),  # -1 (0x20) before 1 (0x01)
        ("d24100", 0, "tag 18"),
        ("c11a5f000000", 0, "tag 1"),
        ("f93c00", 0, "floating-point"),
        ("fb3ff0000000000000", 0, "floating-point"),
        ("f7", 0, "simple"),  # undefined
        ("f820", 0, "simple"),
        ("0102", 1, "trailing"),
        ("8201", 2, "end of data"),
        ("1a0001", 0, "end of data"),
        ("43616263 64".replace(" ", "")[:6], 0, "runs past"),
        ("62c328", 1, "invalid UTF-8"),
        ("1c", 0, "reserved"),
        ("a1820102 01".replace(" ", ""), 1, "map keys"),
        ("a1f501", 1, "map keys"),
    ],
)
def test_rejections_name_the_byte(hex_bytes: str, offset: int, words: str) -> None:
    with pytest.raises(CborError) as info:
        cbor.decode(bytes.fromhex(hex_bytes))
    assert info.value.offset == offset, str(info.value)
    assert words in str(info.value)


def test_depth_limit() -> None:
    nested = b"\x81" * 5 + b"\x00"
    assert cbor.decode(nested, max_depth=5) == [[[[[0]]]]]
    with pytest.raises(CborError, match="nesting deeper than 4"):
        cbor.decode(nested, max_depth=4)


def test_ten_thousand_deep_is_refused_without_recursion_error() -> None:
    with pytest.raises(CborError, match="nesting"):
        cbor.decode(b"\x81" * 10_000 + b"\x00")


def test_item_limit_and_huge_declared_lengths() -> None:
    with pytest.raises(CborError, match="too many"):
        cbor.decode(cbor.encode(list(range(100))), max_items=64)
    with pytest.raises(CborError, match="too many"):
        cbor.decode(b"\x9b" + (2**63).to_bytes(8, "big"))
    with pytest.raises(CborError, match="runs past"):
        cbor.decode(b"\x5a\xff\xff\xff\xff")


def test_cbor2_canonical_order_agrees_with_rfc8949_for_our_keys() -> None:
    claims = {k: 0 for k in range(-24, 24)}
    assert cbor.decode(cbor2.dumps(claims, canonical=True), max_items=200) == claims


@given(st.binary(max_size=64))
def test_arbitrary_bytes_decode_or_raise_cborerror(data: bytes) -> None:
    try:
        value = cbor.decode(data)
    except CborError:
        return
    assert deterministic(value) == data  # whatever is accepted is the deterministic encoding


@given(values)
def test_our_encoder_is_rfc8949_deterministic_for_one_byte_keys(value: object) -> None:
    assert cbor.encode(value) == deterministic(value)


def _strict_only(data: bytes, **limits: int) -> object:
    reader = cbor._Reader(data, limits.get("max_depth", 4), limits.get("max_items", 64))
    value = reader.item(0)
    if reader.pos != len(data):
        raise CborError(reader.pos, "trailing")
    return value


def _outcome(fn: object, data: bytes) -> tuple[str, object]:
    try:
        return ("ok", fn(data))  # type: ignore[operator]
    except CborError:
        return ("error", None)


@settings(max_examples=400)
@given(st.one_of(st.binary(max_size=80), values.map(cbor.encode), values.map(cbor2.dumps)))
def test_fast_path_accepts_exactly_what_the_strict_reader_accepts(data: bytes) -> None:
    fast, strict = _outcome(cbor.decode, data), _outcome(_strict_only, data)
    assert fast[0] == strict[0]
    assert fast[1] == strict[1]
    if fast[0] == "ok":
        assert type(fast[1]) is type(strict[1])


@pytest.mark.parametrize(
    "hex_bytes",
    [
        "c249010000000000000000",  # bignum 2**64 (tag 2): cbor2 reads an int; we refuse tags
        "a101c249010000000000000000",  # {1: bignum 2**64}: a flat map of "ints", one a tagged bignum
        "a120c349010000000000000000",  # {-1: bignum -2**64 - 1} (tag 3)
        "a2201818 01".replace(" ", "") + "00",  # {-1: 24, 1: 0}: unsorted under §4.2.1
        "a22000181800",  # {-1: 0, 24: 0}: cbor2's length-first order, not bytewise
        "c074323032362d31312d32375431303a30303a30305a",  # tag 0 date string
        "d9010283010203",  # tag 258 set
    ],
)
def test_fast_path_never_widens_acceptance(hex_bytes: str) -> None:
    data = bytes.fromhex(hex_bytes)
    assert _outcome(cbor.decode, data) == _outcome(_strict_only, data)


# -- the COSE_Sign1 fast path (cose._issued_shape) agrees with the strict parse --------


def _parse_outcome(message: bytes, *, fast: bool) -> tuple[str, object]:
    from anxinma import cose

    try:
        if fast:
            return ("ok", cose.parse_sign1(message))
        original = cose._issued_shape
        cose._issued_shape = lambda _m: None  # type: ignore[assignment]
        try:
            return ("ok", cose.parse_sign1(message))
        finally:
            cose._issued_shape = original
    except cose.CoseError as exc:
        return ("error", exc.reason)


def test_issued_layout_fast_path_equals_the_strict_parse(code: str) -> None:
    from anxinma import cose
    from anxinma.transport import from_text

    message = from_text(code)
    assert cose._issued_shape(message) is not None  # the reference code takes the fast path
    variants = [message]
    for i in range(len(message)):
        for bit in (0x01, 0x80):
            variants.append(message[:i] + bytes([message[i] ^ bit]) + message[i + 1 :])
        variants.append(message[:i] + message[i + 1 :])
    for variant in variants:
        fast, strict = _parse_outcome(variant, fast=True), _parse_outcome(variant, fast=False)
        assert fast == strict, variant.hex()
