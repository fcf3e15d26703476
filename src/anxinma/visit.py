"""Visit records: what a household's device says about one visit (spec/visit-v1.md).

After a verdict the household may confirm the worker's entry (确认入户) and,
after the service, rate it (1-5 stars and fixed tags) or complain (fixed
categories).  The device records that as a *visit record*: an untagged
COSE_Sign1 (EdDSA/Ed25519, strict deterministic CBOR, spec §8 and §12 of
anxinma-v1) with protected header ``{1: -8, 4: kid, 16:
"application/anxinma-visit+cwt"}``, signed by a key the device made for
itself.  The claims name the credential by its id (never the worker's ID
number), carry the device's raw public key (so an issuer can check a device
it has never seen), and say nothing about the household: no name, no
address, no free text.

This module is pure: :func:`sign_visit` builds a record (the page does the
same with WebCrypto; Python signs for tests and vectors), :func:`open_visit`
checks one against ``now`` (passed in) and returns a :class:`Visit` or raises
:class:`VisitError` with a stable :class:`VisitReason`.  What needs the
issuer's records (is the credential known? was the record seen before?) is
the server's part (:mod:`anxinma.server`), specified in spec/visit-v1.md §6.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import cbor
from .cose import CoseError, Sign1, parse_sign1, sign1, verify_signature
from .errors import AnxinmaError, UsageError
from .keys import kid_of, public_key_problem, raw_public_key
from .model import CST, Rating
from .registry import VisitClaim
from .verify import Color

__all__ = [
    "DEFAULT_MAX_AGE",
    "MAX_RECORD_BYTES",
    "VISIT_TYPE",
    "Complaint",
    "Evaluation",
    "Tag",
    "Visit",
    "VisitError",
    "VisitReason",
    "open_visit",
    "rating_summary",
    "record_digest",
    "sign_visit",
    "visit_as_dict",
]

#: The media type in protected header label 16 (RFC 9596).
VISIT_TYPE = "application/anxinma-visit+cwt"
#: A record longer than this is refused (``too_large``) before it is parsed.
MAX_RECORD_BYTES = 1024
#: Data items (claims set) and nesting depth a record may use.
MAX_ITEMS = 32
MAX_DEPTH = 1
#: Seconds a record's times may lie in the future of the receiver's clock.
DEFAULT_LEEWAY = 300
#: How old a scan may be when its record arrives (a phone offline for weeks).
DEFAULT_MAX_AGE = dt.timedelta(days=30)
#: At most this many reason codes, and this many characters in all.
MAX_REASONS = 24
MAX_REASONS_CHARS = 480

_ID_BYTES = 16
_CRED_BYTES = 8
_ISSUER = re.compile(r"[a-z0-9][a-z0-9-]{0,31}\Z")
_REASON = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")
_U32 = 2**32


class VisitReason(StrEnum):
    """Why a visit record was refused (spec/visit-v1.md §5, §6).  Values never change.

    The first six are decided by :func:`open_visit` from the record alone; the
    others by the issuer's endpoint, which knows its credentials and what it
    stored before.
    """

    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    WRONG_TYPE = "wrong_type"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    SIGNATURE_INVALID = "signature_invalid"
    OUT_OF_WINDOW = "out_of_window"
    UNKNOWN_CREDENTIAL = "unknown_credential"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"

    @property
    def retryable(self) -> bool:
        """Whether sending the same record later may succeed (only ``rate_limited``)."""
        return self is VisitReason.RATE_LIMITED


class VisitError(AnxinmaError, ValueError):
    """A visit record was refused; ``reason`` is a :class:`VisitReason`."""

    code = "invalid_visit"

    def __init__(self, reason: VisitReason, message: str) -> None:
        self.reason = reason
        super().__init__(f"{reason.value}: {message}")


class Tag(StrEnum):
    """What a household may praise (spec/visit-v1.md §3.2); bit *i* of claim -10."""

    PUNCTUAL = "punctual"
    PROFESSIONAL = "professional"
    POLITE = "polite"
    TIDY = "tidy"
    CAREFUL = "careful"
    COMMUNICATIVE = "communicative"

    @property
    def bit(self) -> int:
        """The bit number of this tag."""
        return _TAGS.index(self)

    @property
    def label_zh(self) -> str:
        """What the page shows."""
        return _TAG_ZH[self]


_TAGS = tuple(Tag)
_TAG_ZH = {
    Tag.PUNCTUAL: "准时",
    Tag.PROFESSIONAL: "专业",
    Tag.POLITE: "礼貌",
    Tag.TIDY: "整洁",
    Tag.CAREFUL: "细心",
    Tag.COMMUNICATIVE: "沟通好",
}


class Complaint(StrEnum):
    """What a household may complain about (spec/visit-v1.md §3.3); bit *i* of claim -11."""

    SERVICE_QUALITY = "service_quality"
    LATENESS = "lateness"
    ATTITUDE = "attitude"
    PROPERTY = "property"
    SAFETY = "safety"
    IDENTITY = "identity"
    FEES = "fees"
    OTHER = "other"

    @property
    def bit(self) -> int:
        """The bit number of this category."""
        return _COMPLAINTS.index(self)

    @property
    def label_zh(self) -> str:
        """What the page and the reports show."""
        return _COMPLAINT_ZH[self]


_COMPLAINTS = tuple(Complaint)
_COMPLAINT_ZH = {
    Complaint.SERVICE_QUALITY: "服务质量",
    Complaint.LATENESS: "迟到爽约",
    Complaint.ATTITUDE: "态度恶劣",
    Complaint.PROPERTY: "财物损失",
    Complaint.SAFETY: "人身安全",
    Complaint.IDENTITY: "人证不符",
    Complaint.FEES: "乱收费",
    Complaint.OTHER: "其他",
}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """1 to 5 stars and a set of tags (spec/visit-v1.md §3.2)."""

    stars: int
    tags: frozenset[Tag] = frozenset()

    def __post_init__(self) -> None:
        if isinstance(self.stars, bool) or not isinstance(self.stars, int) or not 1 <= self.stars <= 5:
            raise UsageError("stars must be an integer 1..5")
        if not all(isinstance(t, Tag) for t in self.tags):
            raise UsageError("tags must be Tag values")


@dataclass(frozen=True, slots=True)
class Visit:
    """A visit record's content (spec/visit-v1.md §3).

    ``entered_at`` is when the household confirmed the worker's entry (确认入户);
    a record carries an entry, an evaluation (which needs the entry) or a
    complaint, never an evaluation and a complaint together.  ``made_at`` is
    when the device signed the record.
    """

    record_id: bytes
    device_key: bytes
    credential_id: bytes
    color: Color
    reasons: tuple[str, ...]
    scanned_at: dt.datetime
    made_at: dt.datetime
    issuer: str | None = None
    entered_at: dt.datetime | None = None
    evaluation: Evaluation | None = None
    complaint: frozenset[Complaint] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem is not None:
            raise UsageError(f"{problem[0].field} (label {int(problem[0])}): {problem[1]}")

    @property
    def device_kid(self) -> bytes:
        """The kid of the device key: SHA-256 of the raw key, first 8 bytes."""
        return hashlib.sha256(self.device_key).digest()[:8]

    @property
    def scan_day(self) -> dt.date:
        """The China-time calendar day of the scan (the day an evaluation counts for)."""
        return self.scanned_at.astimezone(CST).date()


def _problem(v: Visit) -> tuple[VisitClaim, str] | None:  # noqa: PLR0911  (one check a line)
    """The first claim of ``v`` that breaks spec/visit-v1.md §3, or ``None``: the types a
    caller may get wrong, then :func:`_rules` (which the decoder applies too)."""
    if not isinstance(v.record_id, bytes):
        return VisitClaim.RECORD_ID, f"must be {_ID_BYTES} bytes"
    if not isinstance(v.device_key, bytes) or public_key_problem(v.device_key) is not None:
        return VisitClaim.DEVICE_KEY, "must be an acceptable 32-byte Ed25519 public key"
    if not isinstance(v.credential_id, bytes):
        return VisitClaim.CREDENTIAL, f"must be {_CRED_BYTES} bytes"
    if v.issuer is not None and not isinstance(v.issuer, str):
        return VisitClaim.ISSUER, _ISSUER_RULE
    if not isinstance(v.color, Color):
        return VisitClaim.VERDICT, "must be a Color"
    times = [("scanned_at", v.scanned_at), ("made_at", v.made_at), ("entered_at", v.entered_at)]
    for name, moment in times:
        if moment is not None and not _instant(moment):
            return _claim(name), "must be a timezone-aware instant in 1970..2106, whole seconds"
    if v.evaluation is not None and not isinstance(v.evaluation, Evaluation):
        return VisitClaim.STARS, "evaluation must be an Evaluation"
    if not isinstance(v.complaint, frozenset) or not all(isinstance(c, Complaint) for c in v.complaint):
        return VisitClaim.COMPLAINT, "must be a set of Complaint values"
    entered = None if v.entered_at is None else _seconds(v.entered_at)
    scanned, made = _seconds(v.scanned_at), _seconds(v.made_at)
    return _rules(v.record_id, v.credential_id, v.issuer, v.color, v.reasons, scanned, made, entered,
                  rated=v.evaluation is not None, complained=bool(v.complaint))  # fmt: skip


_ISSUER_RULE = "must be 1..32 of a-z, 0-9 and '-', starting with a letter or digit"


def _rules(record_id: bytes, credential_id: bytes, issuer: str | None, color: Color, reasons: object,  # noqa: PLR0911
           scanned: int, made: int, entered: int | None, *, rated: bool,
           complained: bool) -> tuple[VisitClaim, str] | None:  # fmt: skip
    """spec/visit-v1.md §3.2 and §3.5 on a record's values (times in seconds): the one place
    of these rules, for a :class:`Visit` built by a caller and for one decoded."""
    if len(record_id) != _ID_BYTES:
        return VisitClaim.RECORD_ID, f"must be {_ID_BYTES} bytes"
    if len(credential_id) != _CRED_BYTES:
        return VisitClaim.CREDENTIAL, f"must be {_CRED_BYTES} bytes"
    if issuer is not None and not _ISSUER.match(issuer):
        return VisitClaim.ISSUER, _ISSUER_RULE
    reasons_problem = _reasons_problem(color, reasons)
    if reasons_problem is not None:
        return VisitClaim.REASONS, reasons_problem
    if made < scanned:
        return VisitClaim.IAT, "the record is made after the scan"
    if entered is not None and not scanned <= entered <= made:
        return VisitClaim.ENTERED_AT, "the entry is confirmed after the scan and before the record is made"
    if rated and entered is None:
        return VisitClaim.STARS, "an evaluation needs a confirmed entry (claim -8)"
    if complained and rated:
        return VisitClaim.COMPLAINT, "a record carries an evaluation or a complaint, not both"
    if entered is None and not rated and not complained:
        return VisitClaim.ENTERED_AT, "a record carries an entry, an evaluation or a complaint"
    return None


def _reasons_problem(color: Color, reasons: object) -> str | None:
    if not isinstance(reasons, tuple) or not all(isinstance(r, str) and _REASON.match(r) for r in reasons):
        return "must be reason codes ([a-z][a-z0-9_]*, at most 40 characters)"
    if (color is Color.GREEN) != (not reasons):
        return "a green verdict has no reasons; any other has at least one"
    if len(reasons) > MAX_REASONS or len(",".join(reasons)) > MAX_REASONS_CHARS:
        return f"at most {MAX_REASONS} reasons and {MAX_REASONS_CHARS} characters"
    if len(set(reasons)) != len(reasons):
        return "a reason appears twice"
    return None


def _instant(moment: object) -> bool:
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None or moment.microsecond:
        return False
    return 0 <= moment.timestamp() < _U32


def _claim(name: str) -> VisitClaim:
    return next(c for c in VisitClaim if c.field == name)


_COLORS = (Color.GREEN, Color.YELLOW, Color.RED)


# -- encoding --------------------------------------------------------------------------------


def _claims_of(v: Visit) -> dict[int, Any]:
    claims: dict[int, Any] = {
        VisitClaim.IAT: _seconds(v.made_at),
        VisitClaim.RECORD_ID: v.record_id,
        VisitClaim.DEVICE_KEY: v.device_key,
        VisitClaim.CREDENTIAL: v.credential_id,
        VisitClaim.VERDICT: _COLORS.index(v.color),
        VisitClaim.SCANNED_AT: _seconds(v.scanned_at),
    }
    if v.issuer is not None:
        claims[VisitClaim.ISSUER] = v.issuer
    if v.reasons:
        claims[VisitClaim.REASONS] = ",".join(v.reasons)
    if v.entered_at is not None:
        claims[VisitClaim.ENTERED_AT] = _seconds(v.entered_at)
    if v.evaluation is not None:
        claims[VisitClaim.STARS] = v.evaluation.stars
        if v.evaluation.tags:
            claims[VisitClaim.TAGS] = sum(1 << t.bit for t in v.evaluation.tags)
    if v.complaint:
        claims[VisitClaim.COMPLAINT] = sum(1 << c.bit for c in v.complaint)
    return {int(k): value for k, value in claims.items()}


def _seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def sign_visit(visit: Visit, key: Ed25519PrivateKey) -> bytes:
    """The signed record (untagged COSE_Sign1 bytes) of ``visit`` by the device key ``key``.

    ``key`` must be the private half of ``visit.device_key``.
    """
    if not isinstance(visit, Visit):
        raise UsageError(f"visit must be a Visit, not {type(visit).__name__}")
    if not isinstance(key, Ed25519PrivateKey) or raw_public_key(key) != visit.device_key:
        raise UsageError("key must be the Ed25519 private key of visit.device_key")
    message = sign1(cbor.encode(_claims_of(visit)), key, kid_of(key), typ=VISIT_TYPE)
    if len(message) > MAX_RECORD_BYTES:  # pragma: no cover  (the caps above keep it below)
        raise UsageError(f"the record is {len(message)} bytes; at most {MAX_RECORD_BYTES}")
    return message


def record_digest(data: bytes) -> bytes:
    """SHA-256 of a record's bytes (what an endpoint compares for idempotency)."""
    return hashlib.sha256(data).digest()


# -- decoding ----------------------------------------------------------------------------------


def open_visit(
    data: bytes,
    *,
    now: dt.datetime,
    leeway: int = DEFAULT_LEEWAY,
    max_age: dt.timedelta = DEFAULT_MAX_AGE,
) -> Visit:
    """Check a visit record received at ``now`` (spec/visit-v1.md §5); return its content.

    In order: size (``too_large``); COSE structure and type (``malformed``,
    ``wrong_type``, ``unsupported_algorithm``); the claims set and the device
    key it names, whose kid must be the header's (``malformed``); the signature
    by that key (``signature_invalid``); every other claim (``malformed``);
    the time window (``out_of_window``): made no later than ``now`` +
    ``leeway``, scanned no earlier than ``now`` - ``max_age``.
    """
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise UsageError("now must be a timezone-aware datetime (the core never reads the clock)")
    if not isinstance(data, bytes):
        raise UsageError(f"a visit record is bytes, not {type(data).__name__}")
    if len(data) > MAX_RECORD_BYTES:
        raise VisitError(VisitReason.TOO_LARGE, f"{len(data)} bytes; the limit is {MAX_RECORD_BYTES}")
    try:
        message = _visit_shape(data) or parse_sign1(data, typ=VISIT_TYPE)
        claims = cbor.decode(message.payload, max_depth=MAX_DEPTH, max_items=MAX_ITEMS)
    except CoseError as exc:
        raise VisitError(VisitReason(exc.reason), str(exc)) from None
    except AnxinmaError as exc:
        raise VisitError(VisitReason.MALFORMED, f"claims: {exc}") from None
    if not isinstance(claims, dict):
        raise _bad("the claims set must be a map")
    device = _device_key(claims, message.kid)
    if not verify_signature(message, device):
        raise VisitError(VisitReason.SIGNATURE_INVALID, "the signature does not verify with the device key")
    visit = _visit_of(claims)
    _check_window(visit, now=now, leeway=leeway, max_age=max_age)
    return visit


# The layout every conforming device writes: array(4), bstr(45) {1: -8, 4: bstr(8) kid, 16: typ},
# {}, bstr payload (1- or 2-byte length head), bstr(64) signature.
_HEAD = b"\x84\x58\x2d\xa3\x01\x27\x04\x48"
_TYP = b"\x10\x78\x1d" + VISIT_TYPE.encode()


def _visit_shape(data: bytes) -> Sign1 | None:
    """Fast path: ``data`` in exactly the layout above, read by slicing.

    Every head in that layout is in shortest form and every check of
    :func:`~anxinma.cose.parse_sign1` holds for it, so the strict parse would
    return the same :class:`~anxinma.cose.Sign1`; anything else returns
    ``None`` and is parsed strictly.
    """
    if not data.startswith(_HEAD) or data[16:48] != _TYP or data[48:49] != b"\xa0":
        return None
    head = data[49:52]
    if head[:1] == b"\x58" and len(head) > 1 and head[1] >= 24:
        n, start = head[1], 51
    elif head[:1] == b"\x59" and len(head) == 3 and (n := int.from_bytes(head[1:3], "big")) >= 256:
        start = 52
    else:
        return None
    end = start + n
    if len(data) != end + 66 or data[end : end + 2] != b"\x58\x40":
        return None
    return Sign1(data[3:48], data[8:16], data[start:end], data[end + 2 :])


def _bad(message: str) -> VisitError:
    return VisitError(VisitReason.MALFORMED, message)


def _device_key(claims: Mapping[Any, Any], kid: bytes) -> Ed25519PublicKey:
    raw = claims.get(VisitClaim.DEVICE_KEY)
    if not isinstance(raw, bytes) or public_key_problem(raw) is not None:
        raise _bad("device_key (label -2) must be an acceptable 32-byte Ed25519 public key")
    if hashlib.sha256(raw).digest()[:8] != kid:
        raise _bad("the kid (header label 4) is not the kid of device_key (label -2)")
    return Ed25519PublicKey.from_public_bytes(raw)


_KNOWN = frozenset(int(c) for c in VisitClaim)
_REQUIRED = (
    VisitClaim.IAT,
    VisitClaim.RECORD_ID,
    VisitClaim.DEVICE_KEY,
    VisitClaim.CREDENTIAL,
    VisitClaim.VERDICT,
    VisitClaim.SCANNED_AT,
)
_REQUIRED_SET = frozenset(int(c) for c in _REQUIRED)


#: Claim labels as plain integers (looked up once per claim per record; the error messages
#: name the claim through :class:`VisitClaim`).
_IAT, _RECORD_ID, _DEVICE_KEY, _CREDENTIAL, _VERDICT, _SCANNED_AT = (int(c) for c in _REQUIRED)
_ISSUER_LABEL, _REASONS_LABEL, _ENTERED_AT, _STARS, _TAGS_LABEL, _COMPLAINT = (
    int(c) for c in (VisitClaim.ISSUER, VisitClaim.REASONS, VisitClaim.ENTERED_AT, VisitClaim.STARS,
                     VisitClaim.TAGS, VisitClaim.COMPLAINT)
)  # fmt: skip
#: The slots of a Visit in the order :func:`_visit_of` fills them (their setters bypass the
#: frozen dataclass's __setattr__, which refuses every assignment).
_VISIT_SLOTS = ("record_id", "device_key", "credential_id", "color", "reasons", "scanned_at", "made_at",
                "issuer", "entered_at", "evaluation", "complaint")  # fmt: skip
_SET_VISIT = tuple(Visit.__dict__[name].__set__ for name in _VISIT_SLOTS)


def _visit_of(claims: Mapping[Any, Any]) -> Visit:
    """The :class:`Visit` of a decoded claims set (spec/visit-v1.md §5 step 6): each claim's
    type and range, then :func:`_rules`; the Visit is then made without checking it again."""
    keys = claims.keys()
    if not keys <= _KNOWN:
        unknown = sorted((k for k in claims if k not in _KNOWN), key=repr)
        raise _bad(f"claim label {unknown[0]!r} is not allowed")
    if not keys >= _REQUIRED_SET:
        missing = next(c for c in _REQUIRED if c not in claims)
        raise _bad(f"{missing.field} (label {int(missing)}) is required")
    color = _COLORS[_uint(claims, _VERDICT, 2)]
    stars = claims.get(_STARS)
    if claims.get(_TAGS_LABEL) is not None and stars is None:
        raise _bad("tags (label -10) need stars (label -9)")
    evaluation = None
    if stars is not None:
        evaluation = _evaluation(_uint(claims, _STARS, 5, low=1), _mask(claims, _TAGS_LABEL, 6))
    text = claims.get(_REASONS_LABEL)
    if text is not None and (not isinstance(text, str) or not text):
        raise _bad("reasons (label -6) must be a non-empty text string")
    record_id = _bytes(claims, _RECORD_ID)
    credential_id = _bytes(claims, _CREDENTIAL)
    scanned = _uint(claims, _SCANNED_AT, _U32 - 1)
    made = _uint(claims, _IAT, _U32 - 1)
    issuer = _text(claims, _ISSUER_LABEL)
    entered = _uint(claims, _ENTERED_AT, _U32 - 1) if _ENTERED_AT in claims else None
    complaint = _COMPLAINT_SETS[_mask(claims, _COMPLAINT, 8)]
    reasons = tuple(text.split(",")) if text else ()
    problem = _rules(record_id, credential_id, issuer, color, reasons, scanned, made, entered,
                     rated=evaluation is not None, complained=bool(complaint))  # fmt: skip
    if problem is not None:
        raise _bad(f"{problem[0].field} (label {int(problem[0])}): {problem[1]}")
    visit = object.__new__(Visit)  # every field checked above: not again in __post_init__
    for put, value in zip(_SET_VISIT, (
        record_id, claims[_DEVICE_KEY], credential_id, color, reasons, _utc(scanned), _utc(made), issuer,
        None if entered is None else _utc(entered), evaluation, complaint,
    ), strict=True):  # fmt: skip
        put(visit, value)
    return visit


def _utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


#: Every set of tags and of complaint categories by bit mask, and the evaluations made so far:
#: decoding a record builds none of them again.
_TAG_SETS = tuple(frozenset(t for t in _TAGS if m >> t.bit & 1) for m in range(1 << len(_TAGS)))
_COMPLAINT_SETS = tuple(
    frozenset(c for c in _COMPLAINTS if m >> c.bit & 1) for m in range(1 << len(_COMPLAINTS))
)
_EVALUATIONS: dict[tuple[int, int], Evaluation] = {}


def _evaluation(stars: int, tags: int) -> Evaluation:
    found = _EVALUATIONS.get((stars, tags))
    if found is None:
        found = _EVALUATIONS[(stars, tags)] = Evaluation(stars, _TAG_SETS[tags])
    return found


def _mask(claims: Mapping[Any, Any], label: int, bits: int) -> int:
    """A bit mask claim (1 .. 2^bits - 1), 0 when absent."""
    return _uint(claims, label, (1 << bits) - 1, low=1) if label in claims else 0


def _uint(claims: Mapping[Any, Any], label: int, high: int, *, low: int = 0) -> int:
    value = claims[label]
    if type(value) is not int or not low <= value <= high:
        raise _bad(f"{_name(label)} must be an integer {low}..{high}")
    return value


def _name(label: int) -> str:
    claim = VisitClaim(label)
    return f"{claim.field} (label {label})"


def _bytes(claims: Mapping[Any, Any], label: int) -> bytes:
    value = claims[label]
    if not isinstance(value, bytes):
        raise _bad(f"{_name(label)} must be a byte string")
    return value


def _text(claims: Mapping[Any, Any], label: int) -> str | None:
    value = claims.get(label)
    if value is not None and not isinstance(value, str):
        raise _bad(f"{_name(label)} must be a text string")
    return value


def _check_window(visit: Visit, *, now: dt.datetime, leeway: int, max_age: dt.timedelta) -> None:
    at = now.timestamp()  # the common case as numbers (the record's times are whole seconds)
    made, scanned = visit.made_at.timestamp(), visit.scanned_at.timestamp()
    if made <= at + leeway and scanned >= at - max_age.total_seconds():
        return
    if visit.made_at > now + dt.timedelta(seconds=leeway):
        raise VisitError(
            VisitReason.OUT_OF_WINDOW,
            f"made at {visit.made_at.isoformat()}, in the future of {now.isoformat()}",
        )
    if visit.scanned_at < now - max_age:
        raise VisitError(
            VisitReason.OUT_OF_WINDOW,
            f"scanned at {visit.scanned_at.isoformat()}, more than {max_age.days} days before"
            f" {now.isoformat()}",
        )


# -- summaries and JSON -----------------------------------------------------------------------


def rating_summary(stars: Iterable[int]) -> Rating | None:
    """The rating a code carries from the stars that count (spec/visit-v1.md §7.3): their
    number and mean in tenths, rounded half up; ``None`` when there are none.  The count is
    capped at the most a code carries (1,000,000), the mean taken over all."""
    values = list(stars)
    if not values:
        return None
    total, count = sum(values), len(values)
    tenths = (20 * total + count) // (2 * count)
    return Rating(average=tenths / 10, count=min(count, 1_000_000))


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(CST).isoformat()


def visit_as_dict(visit: Visit) -> dict[str, Any]:
    """The JSON form of a visit record (spec/visit-v1.md §4): times in ISO 8601 China time,
    absent claims as ``null``, tags and complaint categories in bit order."""
    ev = visit.evaluation
    return {
        "record_id": visit.record_id.hex(),
        "device_kid": visit.device_kid.hex(),
        "credential_id": visit.credential_id.hex(),
        "issuer": visit.issuer,
        "color": visit.color.value,
        "reasons": list(visit.reasons),
        "scanned_at": _iso(visit.scanned_at),
        "entered_at": _iso(visit.entered_at),
        "made_at": _iso(visit.made_at),
        "stars": None if ev is None else ev.stars,
        "tags": [] if ev is None else [t.value for t in _TAGS if t in ev.tags],
        "complaint": [c.value for c in _COMPLAINTS if c in visit.complaint],
    }
