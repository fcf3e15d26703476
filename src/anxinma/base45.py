"""Base45 encoding (RFC 9285).

The alphabet is exactly the 45-character QR alphanumeric set (RFC 9285 §4), so
the text form of a credential is encoded by a QR symbol in alphanumeric mode.
Two bytes become three characters, a final odd byte two (RFC 9285 §4.2).
Decoding is strict: characters outside the alphabet, a dangling single character
and groups whose value does not fit the byte count are refused with a
:class:`~anxinma.errors.Base45Error` naming the character position.
"""

from __future__ import annotations

import struct
from functools import cache

from .errors import Base45Error

__all__ = ["ALPHABET", "b45decode", "b45encode"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# ASCII byte -> digit value, 255 for bytes outside the alphabet.
_DIGITS = bytes(ALPHABET.find(chr(b)) % 256 if chr(b) in ALPHABET else 255 for b in range(256))


@cache
def _triples() -> tuple[str, ...]:
    """Every 16-bit value as its three characters, least significant first (RFC 9285 §4.2)."""
    a = ALPHABET
    return tuple(a[n % 45] + a[n // 45 % 45] + a[n // 2025] for n in range(65536))


def b45encode(data: bytes) -> str:
    """Encode ``data`` as base45 text (RFC 9285 §4.2)."""
    table = _triples()
    pairs = len(data) // 2
    head = "".join(map(table.__getitem__, struct.unpack(f">{pairs}H", data[: 2 * pairs])))
    if len(data) % 2:
        return head + table[data[-1]][:2]
    return head


def b45decode(text: str) -> bytes:
    """Decode base45 ``text`` (RFC 9285 §4.2); raise :class:`Base45Error` on bad input.

    The arithmetic runs on whole strings at once: the digits of each group are
    spread into 32-bit lanes of three big integers, which are combined as
    ``d0 + 45*d1 + 2025*d2`` without carries between lanes.
    """
    if not text.isascii():
        pos = next(i for i, c in enumerate(text) if not c.isascii())
        raise Base45Error(pos, f"{text[pos]!r} is not in the base45 alphabet")
    digits = text.encode("ascii").translate(_DIGITS)
    if 255 in digits:
        pos = digits.index(255)
        raise Base45Error(pos, f"{text[pos]!r} is not in the base45 alphabet")
    if len(digits) % 3 == 1:
        raise Base45Error(len(text) - 1, "dangling single character (length is 1 mod 3)")
    return _combine(text, digits)


def _combine(text: str, digits: bytes) -> bytes:
    groups, odd = divmod(len(digits), 3)
    if odd:
        digits += b"\x00"
        groups += 1
    lanes = [bytearray(4 * groups) for _ in range(3)]
    for k in range(3):
        lanes[k][3::4] = digits[k::3]
    total = (
        int.from_bytes(lanes[0], "big")
        + 45 * int.from_bytes(lanes[1], "big")
        + 2025 * int.from_bytes(lanes[2], "big")
    )
    raw = total.to_bytes(4 * groups, "big")
    if any(raw[1::4]):
        _raise_overflow(text, raw)
    out = bytearray(2 * groups)
    out[0::2] = raw[2::4]
    out[1::2] = raw[3::4]
    if odd:
        if out[-2]:
            n = int.from_bytes(out[-2:], "big")
            raise Base45Error(len(text) - 2, f"final pair {text[-2:]!r} is {n}, above 255")
        return bytes(out[:-2]) + out[-1:]
    return bytes(out)


def _raise_overflow(text: str, raw: bytes) -> None:
    group = next(i for i, b in enumerate(raw[1::4]) if b)
    n = int.from_bytes(raw[4 * group : 4 * group + 4], "big")
    pos = 3 * group
    raise Base45Error(pos, f"group {text[pos : pos + 3]!r} is {n}, above 65535")
