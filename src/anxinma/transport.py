"""Text form of a credential: ``AXM1:`` + base45 of the COSE_Sign1 (spec §9).

Everything in the text is in the QR alphanumeric set, so a QR symbol encodes it
in alphanumeric mode at 5.5 bits per character.  No compression: a 170-byte
payload that is 40 % signature gains nothing from zlib (spec §9.2).

Size caps (spec §7.3): a credential is at most :data:`MAX_MESSAGE_BYTES` bytes,
which a version 11 QR symbol at error level M holds after the prefix with two
bytes to spare; longer text is refused before any decoding (after the prefix
check, so an oversized code of another version still reads as
``unsupported_version``).
"""

from __future__ import annotations

from .base45 import b45decode, b45encode
from .errors import AnxinmaError

__all__ = ["MAX_MESSAGE_BYTES", "MAX_TEXT_CHARS", "PREFIX", "TransportError", "from_text", "to_text"]

PREFIX = "AXM1:"
#: The issuance cap (spec §7.3): a version 11-M symbol holds 366 alphanumeric
#: characters, 361 after the prefix, i.e. 240 bytes of base45; the cap is kept
#: 2 bytes below that, so every issued code fits 11-M with room to spare.
MAX_MESSAGE_BYTES = 238
MAX_TEXT_CHARS = len(PREFIX) + 357


class TransportError(AnxinmaError, ValueError):
    """Text is not an anxinma code; ``reason`` is ``malformed`` or ``unsupported_version``."""

    code = "invalid_text"

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def to_text(message: bytes) -> str:
    """The text form of a COSE_Sign1 message."""
    return PREFIX + b45encode(message)


def from_text(text: str) -> bytes:
    """The COSE_Sign1 bytes inside ``text``; raise :class:`TransportError`.

    The text must be exactly ``AXM1:`` + base45.  Nothing is stripped: the
    space is a base45 digit (RFC 9285 §4), so a code may legitimately end in
    one; callers that read lines remove the line ending themselves.
    """
    if not text.startswith(PREFIX):
        raise TransportError(*_prefix_problem(text[:16]))
    if len(text) > MAX_TEXT_CHARS:
        raise TransportError("malformed", f"text is {len(text)} characters; the limit is {MAX_TEXT_CHARS}")
    try:
        return b45decode(text[len(PREFIX) :])
    except AnxinmaError as exc:
        raise TransportError("malformed", f"base45 after the prefix, {exc}") from None


def _prefix_problem(text: str) -> tuple[str, str]:
    head, sep, _ = text.partition(":")
    if sep and head.startswith("AXM") and head[3:].isdigit():
        return (
            "unsupported_version",
            f"prefix {head}: is a version this library does not read (it reads {PREFIX})",
        )
    return "malformed", f"not an anxinma code: it does not start with {PREFIX}"
