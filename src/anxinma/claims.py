"""Credential <-> CWT claims set (RFC 8392 §3, spec §5).

The claims set is a CBOR map with integer labels from :class:`~anxinma.Claim`.
Values are packed to fit the QR budget (spec §7): dates are days since
1970-01-01, the card number is a bijective base-36 integer, the USCC a 10-byte
mixed-radix number without its check character, services a bit mask, and the
identity word holds the ID check value and two flags.  Every rule for turning a
value into CBOR and back lives in this module; decoding raises
:class:`~anxinma.errors.RecordError` naming the claim label at fault.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from . import gbcodes
from .errors import RecordError
from .model import (
    BackgroundCheck,
    BackgroundResult,
    Credential,
    IdHint,
    Rating,
    Service,
    StatusRef,
)
from .registry import Claim

__all__ = ["from_claims", "to_claims"]

_EPOCH = dt.date(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_UTC = dt.UTC
_VERIFIED_BIT = 1 << 10
_FLAGGED_BIT = 1 << 11
_CHECK_MASK = 0x3FF
_CARD_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_USCC_BYTES = 10
_SERVICE_BITS = tuple((s, s.bit) for s in Service)
_REQUIRED = (
    *(Claim.IAT, Claim.EXP, Claim.NAME, Claim.CARD_NO),
    *(Claim.ENTERPRISE, Claim.REGION, Claim.IDENTITY, Claim.SERVICES),
)
_KNOWN = frozenset(Claim)
_KNOWN_INTS = frozenset(int(c) for c in Claim)
_REQUIRED_SET = frozenset(int(c) for c in _REQUIRED)


# -- packing helpers (spec §5.3) ------------------------------------------------


def pack_card_no(card_no: str) -> int:
    """Bijective base-36 value of a card number (``0``=1 ... ``Z``=36)."""
    # int(_, 36) is safe here: the card number was checked to be [0-9A-Z]{1,12} (spec §4.2).
    value: int = int(card_no, 36) + (36 ** len(card_no) - 1) // 35
    return value


def unpack_card_no(value: int) -> str:
    """Inverse of :func:`pack_card_no`."""
    parts = []
    while value > 36:  # two digits at a time: value - 37 = 1296 * rest + 36 * d1 + d0
        value, pair = divmod(value - 37, 1296)
        parts.append(_CARD_PAIRS[pair])
    if value:
        parts.append(_CARD_DIGITS[value - 1])
    return "".join(reversed(parts))


_CARD_PAIRS = tuple(a + b for a in _CARD_DIGITS for b in _CARD_DIGITS)


def pack_uscc(uscc: str) -> bytes:
    """The first 17 USCC characters as a mixed-radix number in 10 bytes."""
    std = uscc[:17].translate(_TO_BASE31)
    value = (int(std[:2], 31) * 10**6 + int(std[2:8])) * 31**9 + int(std[8:17], 31)
    return value.to_bytes(_USCC_BYTES, "big")


def unpack_uscc(raw: bytes) -> str:
    """Inverse of :func:`pack_uscc`, with the check character appended."""
    value, low = divmod(int.from_bytes(raw, "big"), 31**9)
    head, mid = divmod(value, 10**6)
    if head >= 31 * 31:
        raise RecordError("enterprise_uscc", "packed value out of range", label=Claim.ENTERPRISE)
    a, low = divmod(low, 31**7)
    b, low = divmod(low, 31**5)
    c, low = divmod(low, 31**3)
    d, e = divmod(low, 31)
    first17 = _USCC2[head] + f"{mid:06d}" + _USCC2[a] + _USCC2[b] + _USCC2[c] + _USCC2[d] + _A[e]
    return first17 + gbcodes.uscc_check_char(first17)


_A = gbcodes.USCC_ALPHABET
_TO_BASE31 = str.maketrans(_A, "0123456789ABCDEFGHIJKLMNOPQRSTU")
_USCC2 = tuple(_A[i // 31] + _A[i % 31] for i in range(31**2))


def _days(day: dt.date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


def _seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


# -- encoding -------------------------------------------------------------------

# Labels as plain ints (an IntEnum member lookup costs more than the claim it names).
_EXP, _NBF, _IAT = int(Claim.EXP), int(Claim.NBF), int(Claim.IAT)
_NAME, _CARD_NO, _ENTERPRISE = int(Claim.NAME), int(Claim.CARD_NO), int(Claim.ENTERPRISE)
_REGION = int(Claim.REGION)
_IDENTITY, _ID_REGION, _SERVICES = int(Claim.IDENTITY), int(Claim.ID_REGION), int(Claim.SERVICES)
_CHECKED_ON, _HEALTH, _INSURANCE = (
    int(Claim.BACKGROUND_CHECKED_ON), int(Claim.HEALTH_EXAM_VALID_UNTIL), int(Claim.INSURANCE_VALID_UNTIL),
)  # fmt: skip
_TRAINING, _CREDIT, _RATING, _STATUS = (
    int(Claim.TRAINING_HOURS), int(Claim.CREDIT_SCORE), int(Claim.RATING), int(Claim.STATUS),
)  # fmt: skip
_BIT_OF = {s: s.bit for s in Service}


def to_claims(cred: Credential) -> dict[int, Any]:
    """The claims set of ``cred`` (spec §5), ready for deterministic encoding.

    Built in the deterministic order of its labels (RFC 8949 §4.2.1: 4, 5, 6, -1, -2, ...),
    which :func:`anxinma.cbor.encode` keeps.
    """
    claims: dict[int, Any] = {_EXP: _seconds(cred.expires_at)}
    if cred.not_before is not None:
        claims[_NBF] = _seconds(cred.not_before)
    claims[_IAT] = _seconds(cred.issued_at)
    claims[_NAME] = cred.name
    claims[_CARD_NO] = pack_card_no(cred.card_no)
    claims[_ENTERPRISE] = pack_uscc(cred.enterprise_uscc)
    claims[_REGION] = int(cred.region)
    claims[_IDENTITY] = _identity_word(cred)
    if cred.id_hint.region != cred.region:
        claims[_ID_REGION] = int(cred.id_hint.region)
    claims[_SERVICES] = sum(map(_BIT_OF.__getitem__, cred.services))
    _optional_claims(cred, claims)
    return claims


def _identity_word(cred: Credential) -> int:
    word = cred.id_hint.check
    if cred.identity_verified:
        word |= _VERIFIED_BIT
    bg = cred.background_check
    if bg is not None and bg.result is BackgroundResult.FLAGGED:
        word |= _FLAGGED_BIT
    return word


def _optional_claims(cred: Credential, out: dict[int, Any]) -> None:
    if cred.background_check is not None:
        out[_CHECKED_ON] = _days(cred.background_check.checked_on)
    if cred.health_exam_valid_until is not None:
        out[_HEALTH] = _days(cred.health_exam_valid_until)
    if cred.insurance_valid_until is not None:
        out[_INSURANCE] = _days(cred.insurance_valid_until)
    if cred.training_hours is not None:
        out[_TRAINING] = cred.training_hours
    if cred.credit_score is not None:
        out[_CREDIT] = cred.credit_score
    if cred.rating is not None:
        out[_RATING] = cred.rating.count * 64 + cred.rating.tenths
    if cred.status is not None:
        out[_STATUS] = cred.status.list_id << 24 | cred.status.index


# -- decoding -------------------------------------------------------------------


def _bad(label: Claim, message: str) -> RecordError:
    return RecordError(label.field, message, label=int(label))


#: The largest value of every integer claim (spec §5.3); NAME and ENTERPRISE are not integers.
_HIGH: dict[int, int] = {
    Claim.EXP: 0xFFFFFFFF,
    Claim.NBF: 0xFFFFFFFF,
    Claim.IAT: 0xFFFFFFFF,
    Claim.CARD_NO: 2**64 - 1,
    Claim.REGION: 999999,
    Claim.IDENTITY: 0xFFF,
    Claim.ID_REGION: 999999,
    Claim.SERVICES: (1 << len(Service)) - 1,
    Claim.BACKGROUND_CHECKED_ON: 0xFFFF,
    Claim.HEALTH_EXAM_VALID_UNTIL: 0xFFFF,
    Claim.INSURANCE_VALID_UNTIL: 0xFFFF,
    Claim.TRAINING_HOURS: 0xFFFF,
    Claim.CREDIT_SCORE: 100,
    Claim.RATING: 0xFFFFFFFF,
    Claim.STATUS: 0xFFFFFFFF,
}


def _check_values(claims: Mapping[int, Any]) -> None:
    """Every integer claim is an unsigned integer within its range (one pass)."""
    for label, value in claims.items():
        high = _HIGH.get(label)
        if high is not None and (type(value) is not int or not 0 <= value <= high):
            raise _bad(Claim(label), f"must be an unsigned integer up to {high}")


def _date(claims: Mapping[int, Any], label: int) -> dt.date | None:
    days = claims.get(label)
    return None if days is None else dt.date.fromordinal(_EPOCH_ORDINAL + days)


def _moment(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, _UTC)


def from_claims(claims: Mapping[Any, Any]) -> Credential:
    """Decode a claims set into a :class:`Credential` (spec §5); raise :class:`RecordError`."""
    _check_labels(claims)
    _check_values(claims)
    word = claims[_IDENTITY]
    region = f"{claims[_REGION]:06d}"
    nbf = claims.get(_NBF)
    return Credential.from_claim_values(
        (
            _text(claims, Claim.NAME),  # the fields of Credential, in order
            unpack_card_no(claims[_CARD_NO]),
            _uscc(claims),
            region,
            _SERVICE_SETS[claims[_SERVICES]],  # the mask is in range: _check_values
            bool(word & _VERIFIED_BIT),
            _background(claims, word),
            _date(claims, _HEALTH),
            _date(claims, _INSURANCE),
            claims.get(_TRAINING),
            claims.get(_CREDIT),
            _rating(claims.get(_RATING)),
            _id_hint(claims, region, word),
            _moment(claims[_IAT]),
            _moment(claims[_EXP]),
            None if nbf is None else _moment(nbf),
            _status(claims.get(_STATUS)),
        )
    )


def _check_labels(claims: Mapping[Any, Any]) -> None:
    if not isinstance(claims, Mapping):
        raise RecordError("claims", "the claims set must be a map")
    keys = claims.keys()
    if not keys <= _KNOWN_INTS:
        unknown = [k for k in claims if k not in _KNOWN]
        raise RecordError("claims", f"unknown claim label {unknown[0]!r}")
    if not keys >= _REQUIRED_SET:
        missing = [label for label in _REQUIRED if label not in claims]
        raise _bad(missing[0], "required claim is missing")


def _text(claims: Mapping[int, Any], label: Claim) -> str:
    value = claims[label]
    if not isinstance(value, str):
        raise _bad(label, "must be a text string")
    return value


def _uscc(claims: Mapping[int, Any]) -> str:
    raw = claims[Claim.ENTERPRISE]
    if not isinstance(raw, bytes) or len(raw) != _USCC_BYTES:
        raise _bad(Claim.ENTERPRISE, f"must be a {_USCC_BYTES}-byte string")
    return unpack_uscc(raw)


#: The set of services of every mask (a SERVICES claim is at most 255: _check_values).
_SERVICE_SETS = tuple(
    frozenset(s for s, bit in _SERVICE_BITS if mask & bit) for mask in range(1 << len(Service))
)


def _background(claims: Mapping[int, Any], word: int) -> BackgroundCheck | None:
    day = _date(claims, Claim.BACKGROUND_CHECKED_ON)
    flagged = bool(word & _FLAGGED_BIT)
    if day is None:
        if flagged:
            raise _bad(Claim.IDENTITY, "background-flagged bit set without a background check date")
        return None
    result = BackgroundResult.FLAGGED if flagged else BackgroundResult.CLEAR
    return BackgroundCheck(result, day)


def _rating(packed: int | None) -> Rating | None:
    if packed is None:
        return None
    count, tenths = divmod(packed, 64)
    if tenths > 50:
        raise _bad(Claim.RATING, f"average {tenths / 10} is above 5.0")
    return Rating(tenths / 10, count)


def _id_hint(claims: Mapping[int, Any], region: str, word: int) -> IdHint:
    if Claim.ID_REGION in claims:
        id_region = f"{claims[Claim.ID_REGION]:06d}"
        if id_region == region:
            raise _bad(Claim.ID_REGION, "must be left out when equal to the region claim")
        problem = gbcodes.region_problem(id_region)
        if problem is not None:
            raise _bad(Claim.ID_REGION, problem)
        region = id_region
    return IdHint(region, word & _CHECK_MASK)


def _status(packed: int | None) -> StatusRef | None:
    return None if packed is None else StatusRef(packed >> 24, packed & 0xFFFFFF)
