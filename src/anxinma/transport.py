"""Text form of a credential: ``AXM1:`` + base45 of the COSE_Sign1 (spec §9).

Everything in the text is in the QR alphanumeric set, so a QR symbol encodes it
in alphanumeric mode at 5.5 bits per character.  No compression: a 170-byte
payload that is 40 % signature gains nothing from zlib (spec §9.2).

Size caps (spec §7.3): a credential is at most :data:`MAX_MESSAGE_BYTES` bytes,
which a version 11 QR symbol at error level M holds after the prefix with two
bytes to spare.  Reading (spec §9.1, §10.4 steps 1-2): surrounding ASCII white
space is removed first (a canonical base45 text never ends in a space), then a
text longer than :data:`MAX_TEXT_CHARS` code points is ``malformed`` whatever its
prefix, and only then is the prefix read.
"""

from __future__ import annotations

import re

from .base45 import b45decode, b45encode
from .errors import AnxinmaError

__all__ = [
    "ASCII_WHITESPACE",
    "MAX_MESSAGE_BYTES",
    "MAX_TEXT_CHARS",
    "PREFIX",
    "TransportError",
    "from_text",
    "to_text",
]

PREFIX = "AXM1:"
#: The issuance cap (spec §7.3): a version 11-M symbol holds 366 alphanumeric
#: characters, 361 after the prefix, i.e. 240 bytes of base45; the cap is kept
#: 2 bytes below that, so every issued code fits 11-M with room to spare.
MAX_MESSAGE_BYTES = 238
MAX_TEXT_CHARS = len(PREFIX) + 357
#: What a reader removes around a code (spec §9.1): U+0009-U+000D and U+0020, nothing else.
ASCII_WHITESPACE = "\t\n\v\f\r "
_VERSIONED = re.compile(r"AXM[0-9]+:")


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
    """The COSE_Sign1 bytes inside ``text``; raise :class:`TransportError` (spec §9.1, §10.4 steps 1-3).

    Leading and trailing ASCII white space (U+0009-U+000D, U+0020) is removed;
    nothing else is.  The length cap comes before the prefix check, so an
    oversized text is ``malformed`` whatever prefix it carries.
    """
    text = text.strip(ASCII_WHITESPACE)
    if len(text) > MAX_TEXT_CHARS:
        raise TransportError("malformed", f"text is {len(text)} characters; the limit is {MAX_TEXT_CHARS}")
    if not text.startswith(PREFIX):
        raise TransportError(*_prefix_problem(text))
    try:
        return b45decode(text[len(PREFIX) :])
    except AnxinmaError as exc:
        raise TransportError("malformed", f"base45 after the prefix, {exc}") from None


def _prefix_problem(text: str) -> tuple[str, str]:
    found = _VERSIONED.match(text)
    if found is not None:
        head = found[0]
        return (
            "unsupported_version",
            f"prefix {head} is a version this library does not read (it reads {PREFIX})",
        )
    return "malformed", f"not an anxinma code: it does not start with {PREFIX}"
