"""Base45 (RFC 9285): round trips, the RFC's examples and every error class."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anxinma.base45 import ALPHABET, b45decode, b45encode
from anxinma.errors import Base45Error


@given(st.binary(max_size=300))
def test_round_trip(data: bytes) -> None:
    text = b45encode(data)
    assert set(text) <= set(ALPHABET)
    assert len(text) == 3 * (len(data) // 2) + 2 * (len(data) % 2)
    assert b45decode(text) == data


@pytest.mark.parametrize(
    ("raw", "text"),
    [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"), (b"ietf!", "QED8WEX0")],
)
def test_rfc9285_examples(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


def test_alphabet_is_the_qr_alphanumeric_set() -> None:
    assert ALPHABET == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("GGW", 0, "above 65535"),  # RFC 9285 §6: 65536 is invalid
        ("BB8GGW", 3, "above 65535"),
        ("BB8A", 3, "dangling"),
        ("BB8:Y", 3, "above 255"),
        ("BB8b", 3, "not in the base45 alphabet"),
        ("BB8é0", 3, "not in the base45 alphabet"),
    ],
)
def test_errors_name_the_position(text: str, position: int, words: str) -> None:
    with pytest.raises(Base45Error) as info:
        b45decode(text)
    assert info.value.position == position
    assert words in str(info.value)
    assert info.value.code == "invalid_base45"


@given(st.text(max_size=40))
def test_arbitrary_text_decodes_or_raises_base45error(text: str) -> None:
    try:
        data = b45decode(text)
    except Base45Error:
        return
    assert b45encode(data) == text


def _reference(data: bytes) -> str:
    """RFC 9285 §4.2 pair by pair, as the RFC writes it."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [ALPHABET[n % 45], ALPHABET[n // 45 % 45], ALPHABET[n // 2025]]
    if len(data) % 2:
        out += [ALPHABET[data[-1] % 45], ALPHABET[data[-1] // 45]]
    return "".join(out)


def test_the_encoder_gives_every_16_bit_value_its_three_characters() -> None:
    every = b"".join(n.to_bytes(2, "big") for n in range(65536))  # 131,072 bytes: many blocks
    assert b45encode(every) == _reference(every)
    assert b45encode(every + b"\xff") == _reference(every + b"\xff")
    for n in range(1, 1030):  # every length around the block size, odd and even
        data = bytes((7 * i + n) % 256 for i in range(n))
        assert b45encode(data) == _reference(data)
