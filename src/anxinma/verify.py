"""Offline verification: text in, verdict out (spec §10).

:func:`verify` never raises on a bad code.  It returns a :class:`Verification`
with a colour, stable reason codes, the issuer's key id and, when the signature
holds, the decoded :class:`~anxinma.Credential`.  Exceptions are raised only for
misuse: a naive ``now``, a trust argument of the wrong type, a typed ID number
that is not a valid GB 11643 number.

Colour rule (spec §10.2): red if anything about authenticity or identity
fails; else yellow if the health exam or the insurance is missing or expired at
``now``; else green.

Clock rule (spec §10.3): ``iat`` and ``nbf`` may lie up to ``leeway`` seconds
(default 300) in the future of ``now``, to absorb clock skew between issuer and
verifier; ``exp`` has no leeway: a code is expired from the second ``exp`` on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import cbor, gbcodes
from .claims import from_claims
from .cose import parse_sign1, verify_signature
from .errors import AnxinmaError, UsageError
from .idcheck import id_matches, normalize_id_number
from .keys import kid_of
from .model import BackgroundResult, Credential, end_of_day
from .transport import from_text

__all__ = [
    "DEFAULT_LEEWAY",
    "Color",
    "Keyring",
    "Reason",
    "Unverified",
    "Verification",
    "decode_unverified",
    "verify",
]

#: Seconds ``iat``/``nbf`` may lie in the future of ``now`` (spec §10.3).
DEFAULT_LEEWAY = 300


class Color(StrEnum):
    """The verdict shown to the family at the door."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class Reason(StrEnum):
    """Stable reason codes (spec §10.1).  Values never change between releases."""

    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    UNKNOWN_KEY = "unknown_key"
    SIGNATURE_INVALID = "signature_invalid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    IDENTITY_UNVERIFIED = "identity_unverified"
    BACKGROUND_CHECK_FLAGGED = "background_check_flagged"
    ID_NUMBER_MISMATCH = "id_number_mismatch"
    HEALTH_EXAM_EXPIRED = "health_exam_expired"
    HEALTH_EXAM_MISSING = "health_exam_missing"
    INSURANCE_EXPIRED = "insurance_expired"
    INSURANCE_MISSING = "insurance_missing"

    @property
    def color(self) -> Color:
        """The colour this reason forces at least."""
        return Color.YELLOW if self in _YELLOW else Color.RED


_YELLOW = frozenset(
    {
        Reason.HEALTH_EXAM_EXPIRED,
        Reason.HEALTH_EXAM_MISSING,
        Reason.INSURANCE_EXPIRED,
        Reason.INSURANCE_MISSING,
    }
)


class Keyring:
    """Trusted issuer public keys, looked up by key id (spec §8.2).

    Two keys with the same 8-byte kid are refused when the keyring is built
    (spec §8.2: a kid collision is a configuration error, never resolved by
    trying both).  The trust-list issue extends trust with states and scopes.
    """

    __slots__ = ("_keys",)

    def __init__(self, keys: Iterable[Ed25519PublicKey]) -> None:
        self._keys: dict[bytes, Ed25519PublicKey] = {}
        for key in keys:
            if not isinstance(key, Ed25519PublicKey):
                raise UsageError(f"Keyring takes Ed25519 public keys, not {type(key).__name__}")
            kid = kid_of(key)
            if kid in self._keys:
                raise UsageError(f"two trusted keys share kid {kid.hex()}")
            self._keys[kid] = key

    def get(self, kid: bytes) -> Ed25519PublicKey | None:
        """The key with this kid, or ``None``."""
        return self._keys.get(kid)

    def __len__(self) -> int:
        return len(self._keys)


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict on one code.

    ``reasons`` is empty exactly when ``color`` is green.  ``credential`` is set
    only when the signature holds (so it may be set on a red verdict, e.g. an
    expired code).  ``id_match`` is ``None`` unless an ID number was typed.
    ``detail`` is one line of English for the first reason, empty when green.
    """

    color: Color
    reasons: tuple[Reason, ...]
    kid: bytes | None = None
    credential: Credential | None = None
    id_match: bool | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True for green."""
        return self.color is Color.GREEN


def _failed(reason: Reason, detail: str, kid: bytes | None = None) -> Verification:
    return Verification(Color.RED, (reason,), kid=kid, detail=detail)


def _check_now(now: object) -> dt.datetime:
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise UsageError("now must be a timezone-aware datetime (the core never reads the clock)")
    return now


def _typed_id(id_number: str | None) -> str | None:
    if id_number is None:
        return None
    typed = normalize_id_number(id_number)
    problem = gbcodes.id_number_problem(typed)
    if problem is not None:
        raise UsageError(f"id_number: {problem}")
    return typed


def _as_text(text: object) -> str:
    if isinstance(text, bytes):
        return text.decode("ascii", errors="replace")
    if not isinstance(text, str):
        raise UsageError(f"a code is text, not {type(text).__name__}")
    return text


def verify(
    text: str | bytes,
    trust: Keyring,
    *,
    now: dt.datetime,
    id_number: str | None = None,
    leeway: int = DEFAULT_LEEWAY,
) -> Verification:
    """Verify a code offline and decide its colour (spec §10).

    ``trust`` holds the issuer keys; ``now`` is the verifier's clock reading;
    ``id_number``, if given, is a number typed from the worker's ID card.
    """
    now = _check_now(now)
    typed = _typed_id(id_number)
    if not isinstance(trust, Keyring):
        raise UsageError(f"trust must be a Keyring, not {type(trust).__name__}")
    text = _as_text(text)
    try:
        msg = parse_sign1(from_text(text))
    except AnxinmaError as exc:
        return _failed(Reason(getattr(exc, "reason", Reason.MALFORMED)), str(exc))
    key = trust.get(msg.kid)
    if key is None:
        return _failed(Reason.UNKNOWN_KEY, f"no trusted key has kid {msg.kid.hex()}", msg.kid)
    if not verify_signature(msg, key):
        return _failed(Reason.SIGNATURE_INVALID, "the signature does not verify", msg.kid)
    try:
        cred = from_claims(cbor.decode(msg.payload, max_depth=1, max_items=64))
    except AnxinmaError as exc:
        return _failed(Reason.MALFORMED, f"claims: {exc}", msg.kid)
    return _assess(cred, msg.kid, now=now, typed=typed, leeway=leeway)


def _assess(
    cred: Credential, kid: bytes, *, now: dt.datetime, typed: str | None, leeway: int
) -> Verification:
    found = _time_reasons(cred, now, leeway) + _identity_reasons(cred) + _document_reasons(cred, now)
    match = None if typed is None else id_matches(cred.id_hint, cred.card_no, typed)
    if match is False:
        found.append((Reason.ID_NUMBER_MISMATCH, "the typed ID number does not match this code"))
    reasons = tuple(r for r, _ in found)
    color = max((r.color for r in reasons), key=_SEVERITY.index, default=Color.GREEN)
    detail = found[0][1] if found else ""
    return Verification(color, reasons, kid=kid, credential=cred, id_match=match, detail=detail)


_SEVERITY = (Color.GREEN, Color.YELLOW, Color.RED)
_Found = list[tuple[Reason, str]]


def _time_reasons(cred: Credential, now: dt.datetime, leeway: int) -> _Found:
    found: _Found = []
    if now >= cred.expires_at:
        found.append((Reason.EXPIRED, f"the code expired at {cred.expires_at.isoformat()}"))
    horizon = now + dt.timedelta(seconds=leeway)
    for moment in (cred.issued_at, cred.not_before):
        if moment is not None and moment > horizon:
            found.append((Reason.NOT_YET_VALID, f"the code is not valid before {moment.isoformat()}"))
            break
    return found


def _identity_reasons(cred: Credential) -> _Found:
    found: _Found = []
    if not cred.identity_verified:
        found.append((Reason.IDENTITY_UNVERIFIED, "the worker's identity was not verified"))
    bg = cred.background_check
    if bg is not None and bg.result is BackgroundResult.FLAGGED:
        found.append(
            (Reason.BACKGROUND_CHECK_FLAGGED, f"the background check of {bg.checked_on} was flagged")
        )
    return found


def _document_reasons(cred: Credential, now: dt.datetime) -> _Found:
    found: _Found = []
    for until, missing, expired, what in (
        (cred.health_exam_valid_until, Reason.HEALTH_EXAM_MISSING, Reason.HEALTH_EXAM_EXPIRED, "health exam"),
        (cred.insurance_valid_until, Reason.INSURANCE_MISSING, Reason.INSURANCE_EXPIRED, "insurance"),
    ):
        if until is None:
            found.append((missing, f"no {what} on record"))
        elif now >= end_of_day(until):
            found.append((expired, f"the {what} was valid until {until.isoformat()}"))
    return found


@dataclass(frozen=True, slots=True)
class Unverified:
    """A decoded but NOT verified code, for inspection only (:func:`decode_unverified`).

    ``claims`` is the raw claims map; ``credential`` is ``None`` when the claims
    do not form a valid credential, with the reason in ``problem``.
    """

    kid: bytes
    claims: Mapping[Any, Any]
    credential: Credential | None
    problem: str | None


def decode_unverified(text: str) -> Unverified:
    """Decode a code WITHOUT checking its signature; never use this for a verdict.

    Raises :class:`~anxinma.errors.AnxinmaError` when the text or the COSE
    structure cannot be read at all.
    """
    msg = parse_sign1(from_text(_as_text(text)))
    claims = cbor.decode(msg.payload, max_depth=1, max_items=64)
    if not isinstance(claims, dict):
        return Unverified(msg.kid, {}, None, "claims set is not a map")
    try:
        return Unverified(msg.kid, claims, from_claims(claims), None)
    except AnxinmaError as exc:
        return Unverified(msg.kid, claims, None, str(exc))
