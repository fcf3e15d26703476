"""Signed documents: the envelope shared by trust lists, status lists and directories (spec §15.1).

A document is an untagged COSE_Sign1 (EdDSA) whose protected header is
``{1: -8, 4: kid, 16: typ}`` and whose payload is a CWT claims set with ``iat``
and, except for status lists, ``exp``.  The ``typ`` keeps the kinds apart: a
credential, a trust list, a status list and a directory can never be taken for
one another.  Loading a document never trusts it before its signature is
checked against a key of the right *role* (spec §15.5); failures raise
:class:`DocumentError` with a stable :class:`DocumentReason`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import cbor
from .cose import CoseError, Sign1, parse_sign1, sign1, verify_signature
from .errors import AnxinmaError, UsageError
from .keys import kid_of
from .model import checked_now
from .state import MAX_SEQUENCE

__all__ = ["DocumentError", "DocumentReason", "open_document", "sign_document"]

_UTC = dt.UTC
#: The largest clock leeway a verifier accepts (spec §10.3): one day.
MAX_LEEWAY = 86_400


class DocumentReason(StrEnum):
    """Why a signed document was refused (spec §15.6).  Values never change."""

    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    WRONG_TYPE = "wrong_type"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    UNKNOWN_KEY = "unknown_key"
    ROLE_MISMATCH = "role_mismatch"
    SIGNATURE_INVALID = "signature_invalid"
    KEY_COMPROMISED = "key_compromised"
    KEY_RETIRED = "key_retired"
    ISSUED_OUTSIDE_KEY_WINDOW = "issued_outside_key_window"
    WRONG_ISSUER = "wrong_issuer"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    ROLLBACK = "rollback"


class DocumentError(AnxinmaError, ValueError):
    """A trust list, status list or directory was refused; see ``reason``."""

    code = "invalid_document"

    def __init__(self, reason: DocumentReason, message: str) -> None:
        self.reason = reason
        super().__init__(f"{reason.value}: {message}")


@dataclass(frozen=True, slots=True)
class Opened:
    """A parsed document whose signature is not yet checked."""

    message: Sign1
    claims: Mapping[Any, Any]

    @property
    def kid(self) -> bytes:
        """The signer's key id."""
        return self.message.kid

    def check_signature(self, key: Ed25519PublicKey) -> None:
        """Raise ``signature_invalid`` unless ``key`` signed this document."""
        if not verify_signature(self.message, key):
            raise DocumentError(DocumentReason.SIGNATURE_INVALID, "the signature does not verify")


def sign_document(claims: Mapping[int, Any], key: Ed25519PrivateKey, *, typ: str) -> bytes:
    """Encode ``claims`` deterministically and sign them as a ``typ`` document."""
    return sign1(cbor.encode(dict(claims)), key, kid_of(key), typ=typ)


def open_document(data: bytes, *, typ: str, max_bytes: int, max_items: int, max_depth: int = 4) -> Opened:
    """Parse a ``typ`` document (signature unchecked) within the given caps."""
    if not isinstance(data, bytes):
        raise DocumentError(DocumentReason.MALFORMED, f"a document is bytes, not {type(data).__name__}")
    if len(data) > max_bytes:
        raise DocumentError(DocumentReason.TOO_LARGE, f"{len(data)} bytes; the limit is {max_bytes}")
    try:
        message = parse_sign1(data, typ=typ)
        claims = cbor.decode(message.payload, max_depth=max_depth, max_items=max_items)
    except CoseError as exc:
        raise DocumentError(DocumentReason(exc.reason), str(exc)) from None
    except AnxinmaError as exc:
        raise DocumentError(DocumentReason.MALFORMED, f"claims: {exc}") from None
    if not isinstance(claims, dict):
        raise DocumentError(DocumentReason.MALFORMED, "the claims set must be a map")
    return Opened(message, claims)


def moment(claims: Mapping[Any, Any], label: int, name: str, *, required: bool = True) -> dt.datetime | None:
    """A NumericDate claim as an aware datetime (RFC 8392 §2): an unsigned integer below 2^32."""
    value = claims.get(label)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**32:
        raise DocumentError(DocumentReason.MALFORMED, f"{name} (label {label}) must be a NumericDate")
    return dt.datetime.fromtimestamp(value, _UTC)


def lifetime(claims: Mapping[Any, Any], iat: int, exp: int) -> tuple[dt.datetime, dt.datetime]:
    """``iat`` and ``exp`` of a document; ``exp`` must be later than ``iat`` (spec §15.1)."""
    issued = moment(claims, iat, "iat")
    expires = moment(claims, exp, "exp")
    assert issued is not None and expires is not None
    if expires <= issued:
        raise bad(f"exp (label {exp}) must be later than iat (label {iat})")
    return issued, expires


def sequence_number(value: Any, where: str) -> int:
    """A trust-list or directory sequence: an integer 0..2^53 - 1 (spec §15.2)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SEQUENCE:
        raise bad(f"{where} must be an integer in 0..2^53 - 1")
    return value


def sequence_number_for_signing(value: object) -> None:
    """Refuse to sign a sequence outside 0..2^53 - 1 (spec §15.2)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SEQUENCE:
        raise UsageError("a sequence is an integer in 0..2^53 - 1 (spec §15.2)")


def check_not_older(found: int, held: int | None, what: str) -> None:
    """Refuse a document older than the verifier state remembers (spec §15.7); equal is fine."""
    if held is not None and found < held:
        raise DocumentError(DocumentReason.ROLLBACK, f"{what} {found} is older than the {held} already held")


def loading_now(now: object, leeway: object) -> dt.datetime:
    """Check a loader's ``now`` (spec §5.3 range) and ``leeway`` (0..86,400 s); raise UsageError."""
    if isinstance(leeway, bool) or not isinstance(leeway, int) or not 0 <= leeway <= MAX_LEEWAY:
        raise UsageError(f"leeway must be an integer number of seconds in 0..{MAX_LEEWAY}")
    return checked_now(now)


def check_window(issued: dt.datetime, expires: dt.datetime | None, *, now: dt.datetime, leeway: int) -> None:
    """Refuse a document issued in the future (beyond ``leeway``) or expired (spec §15.1)."""
    if issued > now + dt.timedelta(seconds=leeway):
        raise DocumentError(DocumentReason.NOT_YET_VALID, f"issued at {issued.isoformat()}, in the future")
    if expires is not None and now >= expires:
        raise DocumentError(DocumentReason.EXPIRED, f"expired at {expires.isoformat()}")


def seconds(moment_: dt.datetime) -> int:
    """A datetime as a NumericDate, 0..2^32 - 1 (spec §5.3); raise UsageError outside."""
    value = int(moment_.timestamp())
    if not 0 <= value <= 2**32 - 1:
        raise UsageError(f"{moment_.isoformat()} is outside the range of a NumericDate (spec §5.3)")
    return value


def signable_lifetime(issued: dt.datetime, expires: dt.datetime) -> None:
    """Refuse to sign a document whose ``exp`` is not later than its ``iat`` (spec §15.1)."""
    if expires <= issued:
        raise UsageError("a document's expiry must be later than its issuance time (spec §15.1)")


def bad(message: str) -> DocumentError:
    """A ``malformed`` document error."""
    return DocumentError(DocumentReason.MALFORMED, message)
