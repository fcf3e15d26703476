"""Base45 encoding (RFC 9285).

The alphabet is exactly the 45-character QR alphanumeric set (RFC 9285 §4), so
the text form of a credential is encoded by a QR symbol in alphanumeric mode.
Two bytes become three characters, a final odd byte two (RFC 9285 §4.2).
Decoding is strict: characters outside the alphabet, a dangling single character
and groups whose value does not fit the byte count are refused with a
:class:`~anxinma.errors.Base45Error` naming the character position.
"""

from __future__ import annotations

from functools import cache

from .errors import Base45Error

__all__ = ["ALPHABET", "b45decode", "b45encode"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# ASCII byte -> digit value, 255 for bytes outside the alphabet.
_DIGITS = bytes(ALPHABET.find(chr(b)) % 256 if chr(b) in ALPHABET else 255 for b in range(256))


def b45encode(data: bytes) -> str:
    """Encode ``data`` as base45 text (RFC 9285 §4.2).

    The arithmetic runs on whole strings at once, like :func:`b45decode`: each
    16-bit group (a final odd byte on its own) sits in a 40-bit lane of one big
    integer, and its three digits ``n % 45``, ``n // 45 % 45`` and ``n // 2025``
    come from two lane-wise divisions by 45, each a multiplication by
    ``2**22 // 45 + 1``, a shift by 22 and a mask (exact for ``n < 2**17``; a
    test checks every 16-bit value).  No table: a credential's 85 groups cost a
    few big-integer operations, wherever in memory their values would have been.
    """
    if len(data) <= _BLOCK:
        return _encode(data)
    return "".join(_encode(data[start : start + _BLOCK]) for start in range(0, len(data), _BLOCK))


_BLOCK = 512  # bytes per call of _encode (even): the big-integer products stay small
_TO_ALPHABET = bytes.maketrans(bytes(range(45)), ALPHABET.encode("ascii"))
_BY_45 = (1 << 22) // 45 + 1  # n * _BY_45 >> 22 == n // 45 for 0 <= n < 2**17


@cache
def _lanes(groups: int) -> tuple[int, bytearray]:
    """The lane mask (the low 11 bits of each 40-bit lane: n // 45 < 2**11) and empty lanes."""
    return int.from_bytes(b"\x00\x00\x00\x07\xff" * groups, "big"), bytearray(5 * groups)


def _encode(data: bytes) -> str:
    pairs, odd = divmod(len(data), 2)
    groups = pairs + odd
    mask, empty = _lanes(groups)
    lanes = empty[:]
    end = len(lanes) - 5 * odd
    lanes[3:end:5] = data[0 : 2 * pairs : 2]  # each group big-endian in its lane's last two bytes
    lanes[4:end:5] = data[1 : 2 * pairs : 2]
    if odd:
        lanes[-1] = data[-1]
    n = int.from_bytes(lanes, "big")
    q = (n * _BY_45 >> 22) & mask  # n // 45 in every lane
    q2 = (q * _BY_45 >> 22) & mask  # n // 2025
    size = 5 * groups
    out = bytearray(3 * groups)
    out[0::3] = (n - 45 * q).to_bytes(size, "big")[4::5]
    out[1::3] = (q - 45 * q2).to_bytes(size, "big")[4::5]
    out[2::3] = q2.to_bytes(size, "big")[4::5]
    if odd:
        del out[-1]  # a final byte is two characters
    return out.translate(_TO_ALPHABET).decode("ascii")


def _shown(char: str) -> str:
    """A character for a message: ``'a'``; a byte that was not UTF-8 text (a lone surrogate
    U+DC80..U+DCFF, as Python's ``surrogateescape`` holds it) as ``byte 0xFF``."""
    if "\udc80" <= char <= "\udcff":
        return f"byte 0x{ord(char) - 0xDC00:02X}"
    return repr(char)


def b45decode(text: str) -> bytes:
    """Decode base45 ``text`` (RFC 9285 §4.2); raise :class:`Base45Error` on bad input.

    The arithmetic runs on whole strings at once: each group's digits sit in
    24-bit slots of a 120-bit lane of one big integer, ``d0 + d1 * 2**24 + d2 *
    2**48``; one multiplication by ``2025 + 45 * 2**24 + 2**48`` puts ``d0 + 45*d1
    + 2025*d2`` in the middle slot of every lane, with no carry between slots.
    """
    if not text.isascii():
        pos = next(i for i, c in enumerate(text) if not c.isascii())
        raise Base45Error(pos, f"{_shown(text[pos])} is not in the base45 alphabet")
    digits = text.encode("ascii").translate(_DIGITS)
    if 255 in digits:
        pos = digits.index(255)
        raise Base45Error(pos, f"{_shown(text[pos])} is not in the base45 alphabet")
    if len(digits) % 3 == 1:
        raise Base45Error(len(text) - 1, "dangling single character (length is 1 mod 3)")
    return _combine(text, digits)


def _combine(text: str, digits: bytes) -> bytes:
    groups, odd = divmod(len(digits), 3)
    if odd:
        digits += b"\x00"
        groups += 1
    lanes = bytearray(15 * groups)  # five 24-bit slots a group, most significant first
    lanes[14::15] = digits[0::3]  # slot 0: d0
    lanes[11::15] = digits[1::3]  # slot 1: d1
    lanes[8::15] = digits[2::3]  # slot 2: d2
    # Slot 2 of the product: d0*1 + d1*45 + d2*2025 (< 2**17); the other slots stay below 2**24.
    raw = (int.from_bytes(lanes, "big") * _BY_SLOTS).to_bytes(15 * groups, "big")
    if any(raw[6::15]):  # the value's bits 16 and up: above 65535
        _raise_overflow(text, raw)
    out = bytearray(2 * groups)
    out[0::2] = raw[7::15]
    out[1::2] = raw[8::15]
    if odd:
        if out[-2]:
            n = int.from_bytes(out[-2:], "big")
            raise Base45Error(len(text) - 2, f"final pair {text[-2:]!r} is {n}, above 255")
        return bytes(out[:-2]) + out[-1:]
    return bytes(out)


_BY_SLOTS = 2025 + (45 << 24) + (1 << 48)


def _raise_overflow(text: str, raw: bytes) -> None:
    group = next(i for i, b in enumerate(raw[6::15]) if b)
    n = int.from_bytes(raw[15 * group + 6 : 15 * group + 9], "big")
    pos = 3 * group
    raise Base45Error(pos, f"group {text[pos : pos + 3]!r} is {n}, above 65535")
