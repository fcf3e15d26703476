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
