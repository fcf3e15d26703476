"""The data model: what a worker record says and what a credential carries.

:class:`Worker` is the issuer's input (it holds the full citizen ID number);
:class:`Credential` is what a code carries and a verifier decodes (the ID number
only as an :class:`IdHint`).  Both share the fields of :class:`Profile`, and
every value is checked when an object is built, so an invalid model object
cannot exist: construction raises :class:`~anxinma.errors.RecordError` naming
the field and its claim label.  Rules live in spec/anxinma-v1.md §4.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields
from enum import StrEnum

from . import gbcodes
from .errors import RecordError, UsageError
from .names import NAME_MAX, issuance_name_problem, name_problem
from .registry import Claim

__all__ = [
    "CST",
    "NAME_MAX",
    "BackgroundCheck",
    "BackgroundResult",
    "Credential",
    "IdHint",
    "Profile",
    "Rating",
    "Service",
    "StatusRef",
    "Worker",
    "checked_now",
    "end_of_day",
    "epoch_seconds",
]

#: China Standard Time: every calendar date in a record is a date in UTC+08:00.
CST = dt.timezone(dt.timedelta(hours=8), "CST")
CARD_NO_MAX = 12
TRAINING_HOURS_MAX = 65535
#: The longest a credential may be valid, exp - iat (spec §11.1); bounds backdating (spec/security.md T2).
MAX_VALID_DAYS = 5 * 366
RATING_COUNT_MAX = 1_000_000
DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)
_CARD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: The largest NumericDate anxinma writes or reads (spec §5.3): 2106-02-07T06:28:15Z.
MAX_SECONDS = 2**32 - 1
_EPOCH = dt.datetime(1970, 1, 1)
_SECOND = dt.timedelta(seconds=1)


class Service(StrEnum):
    """The fixed service vocabulary (spec §4.3); bit ``i`` of the services claim is member ``i``."""

    HOUSEKEEPING = "housekeeping"
    INFANT_CARE = "infant_care"
    MATERNITY_CARE = "maternity_care"
    ELDERLY_CARE = "elderly_care"
    PATIENT_CARE = "patient_care"
    CLEANING = "cleaning"
    COOKING = "cooking"
    HOME_APPLIANCE_REPAIR = "home_appliance_repair"

    @property
    def bit(self) -> int:
        """This service's bit in the services claim."""
        return _SERVICE_BITS[self]

    @property
    def label_zh(self) -> str:
        """The Chinese name shown on cards and verifier screens."""
        return _SERVICE_ZH[self]


_SERVICE_BITS = {service: 1 << n for n, service in enumerate(Service)}
_SERVICE_ZH = {
    Service.HOUSEKEEPING: "家务服务",
    Service.INFANT_CARE: "育婴服务",
    Service.MATERNITY_CARE: "母婴护理",
    Service.ELDERLY_CARE: "养老护理",
    Service.PATIENT_CARE: "病患陪护",
    Service.CLEANING: "保洁服务",
    Service.COOKING: "烹饪服务",
    Service.HOME_APPLIANCE_REPAIR: "家电维修",
}


class BackgroundResult(StrEnum):
    """Outcome of the police background check."""

    CLEAR = "clear"
    FLAGGED = "flagged"


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in China Standard Time (spec §4.4).

    "Valid until D" means valid through 23:59:59+08:00 on D, so a document is
    expired at ``now`` exactly when ``now >= end_of_day(D)``.
    """
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CST)


def epoch_seconds(moment: dt.datetime) -> int:
    """Whole seconds since 1970-01-01T00:00:00Z (rounded down) of an aware ``moment``, for any
    ``datetime`` value, ``datetime.min`` and ``max`` included (never an OverflowError)."""
    try:
        return math.floor(moment.timestamp())  # exact to the microsecond far beyond 2**32 seconds
    except (OverflowError, ValueError):  # near datetime.min/max: on naive values and timedeltas
        offset = moment.utcoffset()
        assert offset is not None
        return (moment.replace(tzinfo=None) - _EPOCH - offset) // _SECOND


def checked_now(now: object) -> dt.datetime:
    """``now`` if it is an aware datetime inside the format's range, else :class:`UsageError` (spec §5.3).

    The range is 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z (its whole seconds
    in 0..2^32 - 1): outside it no timestamp of a code or document can be
    compared or written.
    """
    if not isinstance(now, dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise UsageError("now must be a timezone-aware datetime (the core never reads the clock)")
    if not 0 <= epoch_seconds(now) <= MAX_SECONDS:
        raise UsageError(
            f"now {now.isoformat()} is outside 1970-01-01T00:00:00Z .. 2106-02-07T06:28:15Z, "
            "the range of the format's timestamps (spec §5.3)"
        )
    return now


def _fail(label: Claim, message: str, field: str | None = None) -> RecordError:
    return RecordError(field or label.field, message, label=int(label))


def _check_date(value: object, label: Claim, field: str | None = None) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _fail(label, "must be a calendar date (YYYY-MM-DD)", field)
    if not DATE_MIN <= value <= DATE_MAX:
        raise _fail(label, f"{value.isoformat()} is outside {DATE_MIN}..{DATE_MAX}", field)


def _check_moment(value: object, label: Claim) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise _fail(label, "must be a timezone-aware datetime")


def _check_int(value: object, label: Claim, low: int, high: int, field: str | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(label, "must be an integer", field)
    if not low <= value <= high:
        raise _fail(label, f"{value} is outside {low}..{high}", field)


@dataclass(frozen=True, slots=True)
class BackgroundCheck:
    """A police background check and the day it was made."""

    result: BackgroundResult
    checked_on: dt.date

    def __post_init__(self) -> None:
        if not isinstance(self.result, BackgroundResult):
            raise _fail(Claim.IDENTITY, "result must be 'clear' or 'flagged'", "background_check.result")
        _check_date(self.checked_on, Claim.BACKGROUND_CHECKED_ON, "background_check.checked_on")


@dataclass(frozen=True, slots=True)
class Rating:
    """Customer rating: an average from 0.0 to 5.0 in tenths, and how many ratings."""

    average: float
    count: int

    def __post_init__(self) -> None:
        avg = self.average
        if not isinstance(avg, (int, float)) or isinstance(avg, bool):
            raise _fail(Claim.RATING, "must be a number", "rating.average")
        if not 0 <= avg <= 5 or abs(avg * 10 - round(avg * 10)) > 1e-9:
            raise _fail(Claim.RATING, f"{avg} is not 0.0..5.0 in steps of 0.1", "rating.average")
        _check_int(self.count, Claim.RATING, 0, RATING_COUNT_MAX, "rating.count")

    @property
    def tenths(self) -> int:
        """The average in tenths (4.8 -> 48), as carried in the code."""
        return round(self.average * 10)


@dataclass(frozen=True, slots=True)
class IdHint:
    """What a code says about the citizen ID number (spec §6): its first six
    digits (shown in the mask) and a 10-bit salted check value."""

    region: str
    check: int

    def __post_init__(self) -> None:
        if not (len(self.region) == 6 and self.region.isascii() and self.region.isdigit()):
            raise _fail(Claim.ID_REGION, "must be 6 digits", "id_region")
        _check_int(self.check, Claim.IDENTITY, 0, 1023, "id_check")

    @property
    def mask(self) -> str:
        """The masked ID number for display, e.g. ``330203************``."""
        return self.region + "*" * 12


@dataclass(frozen=True, slots=True)
class StatusRef:
    """Where a credential's status lives: status list id and index (spec §5.2)."""

    list_id: int
    index: int

    def __post_init__(self) -> None:
        _check_int(self.list_id, Claim.STATUS, 0, 255, "status.list_id")
        _check_int(self.index, Claim.STATUS, 0, (1 << 24) - 1, "status.index")


@dataclass(frozen=True, kw_only=True, slots=True)
class Profile:
    """Fields shared by a worker record and the credential issued from it."""

    name: str
    card_no: str
    enterprise_uscc: str
    region: str
    services: frozenset[Service]
    identity_verified: bool
    background_check: BackgroundCheck | None = None
    health_exam_valid_until: dt.date | None = None
    insurance_valid_until: dt.date | None = None
    training_hours: int | None = None
    credit_score: int | None = None
    rating: Rating | None = None

    def __post_init__(self) -> None:
        _check_name(self.name)
        _check_card_no(self.card_no)
        _check_code(self.enterprise_uscc, Claim.ENTERPRISE, gbcodes.uscc_problem)
        _check_code(self.region, Claim.REGION, gbcodes.region_problem)
        _check_services(self.services)
        if not isinstance(self.identity_verified, bool):
            raise _fail(Claim.IDENTITY, "must be true or false", "identity_verified")
        self._check_optional()

    def _check_optional(self) -> None:
        if self.background_check is not None and not isinstance(self.background_check, BackgroundCheck):
            raise _fail(Claim.BACKGROUND_CHECKED_ON, "must be a BackgroundCheck")
        for label, day in (
            (Claim.HEALTH_EXAM_VALID_UNTIL, self.health_exam_valid_until),
            (Claim.INSURANCE_VALID_UNTIL, self.insurance_valid_until),
        ):
            if day is not None:
                _check_date(day, label)
        if self.training_hours is not None:
            _check_int(self.training_hours, Claim.TRAINING_HOURS, 0, TRAINING_HOURS_MAX)
        if self.credit_score is not None:
            _check_int(self.credit_score, Claim.CREDIT_SCORE, 0, 100)
        if self.rating is not None and not isinstance(self.rating, Rating):
            raise _fail(Claim.RATING, "must be a Rating")


def _check_name(name: object) -> None:
    """The verifier subset of the name rule (spec §4.2.2): table-free, the same on every host."""
    problem = name_problem(name)
    if problem is not None:
        raise _fail(Claim.NAME, problem)


def _check_card_no(card_no: object) -> None:
    if not isinstance(card_no, str) or not 1 <= len(card_no) <= CARD_NO_MAX:
        raise _fail(Claim.CARD_NO, f"must be 1..{CARD_NO_MAX} characters")
    if not set(card_no) <= _CARD_CHARS:
        raise _fail(Claim.CARD_NO, "must be digits and capital letters A-Z only")


def _check_code(value: object, label: Claim, problem: object) -> None:
    if not isinstance(value, str):
        raise _fail(label, "must be a string")
    reason = problem(value)  # type: ignore[operator]
    if reason is not None:
        raise _fail(label, reason)


def _check_services(services: object) -> None:
    if not isinstance(services, frozenset) or not services:
        raise _fail(Claim.SERVICES, "must be a non-empty set of services")
    if not all(isinstance(s, Service) for s in services):
        raise _fail(Claim.SERVICES, "must contain only Service members")


@dataclass(frozen=True, kw_only=True, slots=True)
class Worker(Profile):
    """A worker record as the issuer holds it, with the full citizen ID number.

    Its name must pass the full name rule of spec §4.2.1 (issuance), stricter
    than the verifier subset a :class:`Credential` is held to.

    The ID number is left out of ``repr()`` so that it does not end up in logs.
    """

    id_number: str = field(repr=False)

    def __post_init__(self) -> None:
        Profile.__post_init__(self)
        problem = issuance_name_problem(self.name)  # the full rule of spec §4.2.1: an issuer's input
        if problem is not None:
            raise _fail(Claim.NAME, problem)
        reason = (
            gbcodes.id_number_problem(self.id_number)
            if isinstance(self.id_number, str)
            else "must be a string"
        )
        if reason is not None:
            raise RecordError("id_number", reason)


@dataclass(frozen=True, kw_only=True, slots=True)
class Credential(Profile):
    """What a verified code carries (spec §5): the profile, an ID hint, validity."""

    id_hint: IdHint
    issued_at: dt.datetime
    expires_at: dt.datetime
    not_before: dt.datetime | None = None
    status: StatusRef | None = None

    def __post_init__(self) -> None:
        Profile.__post_init__(self)
        self._check_own()

    def _check_own(self) -> None:
        if not isinstance(self.id_hint, IdHint):
            raise RecordError("id_hint", "must be an IdHint")
        for label, moment in ((Claim.IAT, self.issued_at), (Claim.EXP, self.expires_at)):
            _check_moment(moment, label)
        if self.not_before is not None:
            _check_moment(self.not_before, Claim.NBF)
        if self.expires_at <= self.issued_at:
            raise _fail(Claim.EXP, "must be later than iat")
        if self.expires_at - self.issued_at > dt.timedelta(days=MAX_VALID_DAYS):
            raise _fail(Claim.EXP, f"must be at most {MAX_VALID_DAYS} days after iat")
        if self.status is not None and not isinstance(self.status, StatusRef):
            raise _fail(Claim.STATUS, "must be a StatusRef")

    @classmethod
    def from_worker(
        cls,
        worker: Worker,
        *,
        id_hint: IdHint,
        issued_at: dt.datetime,
        expires_at: dt.datetime,
        status: StatusRef | None = None,
    ) -> Credential:
        """The credential for a (frozen, already checked) ``worker``: the profile fields
        are copied without re-running the profile checks; the rest is checked."""
        cred = object.__new__(cls)
        for name in _PROFILE_FIELDS:
            object.__setattr__(cred, name, getattr(worker, name))
        for name, value in (("id_hint", id_hint), ("issued_at", issued_at), ("expires_at", expires_at)):
            object.__setattr__(cred, name, value)
        object.__setattr__(cred, "not_before", None)
        object.__setattr__(cred, "status", status)
        cred._check_own()
        return cred

    @property
    def id_mask(self) -> str:
        """The masked citizen ID number for display."""
        return self.id_hint.mask


#: The fields a worker record and its credential share, in declaration order.
_PROFILE_FIELDS = tuple(f.name for f in fields(Profile))
