"""A tiny base45 decoder written from RFC 9285 alone, for the independent cross-check.

It shares no code with ``anxinma.base45`` (which works on whole strings with big
integers): this one walks the text three characters at a time, exactly as
RFC 9285 §4.2 describes the encoding, and undoes it.  Standard library only.
"""

from __future__ import annotations

# RFC 9285 §4 Table 1: the value of each character is its index here.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {char: value for value, char in enumerate(ALPHABET)}


class Base45DecodeError(ValueError):
    """The text is not base45 (RFC 9285 §4.2)."""


def _values(chunk: str, start: int) -> list[int]:
    try:
        return [_VALUE[char] for char in chunk]
    except KeyError as exc:
        raise Base45DecodeError(f"character {exc.args[0]!r} near position {start} is not base45") from None


def decode(text: str) -> bytes:
    """Decode base45 ``text``: each 3 characters c d e give n = c + 45*d + 45*45*e,
    written as 2 bytes (n <= 65535); a final 2 characters c d give 1 byte (n <= 255)."""
    if len(text) % 3 == 1:
        raise Base45DecodeError(f"length {len(text)} leaves a single dangling character")
    out = bytearray()
    for start in range(0, len(text), 3):
        digits = _values(text[start : start + 3], start)
        n = sum(d * 45**i for i, d in enumerate(digits))
        width = len(digits) - 1  # 3 characters -> 2 bytes, 2 characters -> 1 byte
        if n >= 256**width:
            raise Base45DecodeError(f"group at position {start} has value {n}, too large for {width} byte(s)")
        out += n.to_bytes(width, "big")
    return bytes(out)
