"""The one exception hierarchy of anxinma.

Exceptions are for *misuse* (an invalid worker record handed to the issuer, a
naive datetime, an unreadable key file).  A bad *credential* is never an
exception: :func:`anxinma.verify` returns a failed :class:`~anxinma.Verification`.

Every error carries a stable short ``code`` (a string that never changes between
releases) so that callers and the CLI can branch on it without parsing messages.
"""

from __future__ import annotations

from .safetext import shown

__all__ = [
    "AnxinmaError",
    "Base45Error",
    "CborError",
    "CredentialTooLargeError",
    "KeyFormatError",
    "RecordError",
    "UsageError",
]


class AnxinmaError(Exception):
    """Base class of every error anxinma raises on purpose."""

    code = "anxinma_error"


class RecordError(AnxinmaError, ValueError):
    """A worker record (or a model value) is invalid.

    ``field`` names the record field at fault, ``label`` its integer claim label
    (see :class:`anxinma.Claim`) when the field is carried in the code.  A field
    name that came from input (an unknown key) is kept as
    :func:`anxinma.safetext.shown` shows it: non-printables escaped, at most 40
    characters.  ``message`` is the message without the field.
    """

    code = "invalid_record"

    def __init__(self, field: str, message: str, *, label: int | None = None) -> None:
        self.field = field = shown(field)
        self.message = message
        self.label = label
        where = f"{field} (label {label})" if label is not None else field
        super().__init__(f"{where}: {message}")


class Base45Error(AnxinmaError, ValueError):
    """Text is not valid base45 (RFC 9285 §4.2); ``position`` is the 0-based character index."""

    code = "invalid_base45"

    def __init__(self, position: int, message: str) -> None:
        self.position = position
        super().__init__(f"character {position}: {message}")


class CborError(AnxinmaError, ValueError):
    """Bytes are not strict deterministic CBOR (RFC 8949 §4.2); ``offset`` is the byte index."""

    code = "invalid_cbor"

    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        super().__init__(f"byte {offset}: {message}")


class CredentialTooLargeError(AnxinmaError, ValueError):
    """The signed credential would not fit the largest QR symbol the spec allows."""

    code = "credential_too_large"


class KeyFormatError(AnxinmaError, ValueError):
    """A key is not an Ed25519 key in the expected PEM form."""

    code = "invalid_key"


class UsageError(AnxinmaError, ValueError):
    """An API was called with arguments it cannot accept (e.g. a naive datetime)."""

    code = "usage_error"
