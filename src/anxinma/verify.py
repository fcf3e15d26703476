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
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import cbor, gbcodes
from .claims import from_claims
from .cose import parse_sign1, verify_signature
from .errors import AnxinmaError, UsageError
from .idcheck import id_matches, normalize_id_number
from .issuerkey import IssuerKey, KeyState, TrustedKey, bare_issuer_key
from .keys import kid_of, public_key_problem, raw_public_key
from .model import CST, MAX_LEEWAY, BackgroundResult, Credential, checked_now
from .transport import from_text

if TYPE_CHECKING:  # the documents a verifier may hold; a bare keyring needs none of their modules
    from .directory import Directory, Enterprise
    from .status import Status, StatusListToken
    from .trust import TrustedIssuer, TrustList

__all__ = [
    "DEFAULT_LEEWAY",
    "Color",
    "Keyring",
    "Policy",
    "Reason",
    "StatusCheck",
    "StatusState",
    "Unverified",
    "Verification",
    "decode_unverified",
    "verify",
]

#: Seconds ``iat``/``nbf`` may lie in the future of ``now`` (spec §10.3).
DEFAULT_LEEWAY = 300
_DEFAULT_LEEWAY = dt.timedelta(seconds=DEFAULT_LEEWAY)


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
    # Trust and revocation (spec §10.1, §15).
    ROLE_MISMATCH = "role_mismatch"
    KEY_COMPROMISED = "key_compromised"
    ISSUED_OUTSIDE_KEY_WINDOW = "issued_outside_key_window"
    ISSUER_OUT_OF_SCOPE = "issuer_out_of_scope"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    STATUS_UNKNOWN = "status_unknown"
    STATUS_INDEX_OUT_OF_RANGE = "status_index_out_of_range"
    STATUS_LIST_STALE = "status_list_stale"
    STATUS_NOT_CHECKED = "status_not_checked"
    ENTERPRISE_UNLISTED = "enterprise_unlisted"

    @property
    def color(self) -> Color:
        """The colour this reason forces under the default :class:`Policy`."""
        return DEFAULT_POLICY.color_of(self)


_YELLOW = frozenset(
    {
        Reason.HEALTH_EXAM_EXPIRED,
        Reason.HEALTH_EXAM_MISSING,
        Reason.INSURANCE_EXPIRED,
        Reason.INSURANCE_MISSING,
    }
)


@dataclass(frozen=True, slots=True)
class Policy:
    """The configurable part of the verdict (spec §10.6).

    ``max_status_age``: a status list issued longer ago than this is stale, as
    is one past its ``exp``.  ``stale_status_color``: the colour a stale list
    forces (yellow by default: the code is authentic but revocation knowledge
    is old; set red for a fail-closed verifier).  ``unchecked_status_color``:
    the colour ``status_not_checked`` forces (a code with a status entry and no
    list to check it against).  ``unlisted_enterprise_color``: the colour
    ``enterprise_unlisted`` forces (a directory is held and the code's
    enterprise is not in it).  Each of the three colours is yellow or red.
    """

    max_status_age: dt.timedelta = dt.timedelta(days=3)
    stale_status_color: Color = Color.YELLOW
    unchecked_status_color: Color = Color.YELLOW
    unlisted_enterprise_color: Color = Color.YELLOW

    def __post_init__(self) -> None:
        if not isinstance(self.max_status_age, dt.timedelta) or self.max_status_age <= dt.timedelta(0):
            raise UsageError("max_status_age must be a positive timedelta")
        for name in ("stale_status_color", "unchecked_status_color", "unlisted_enterprise_color"):
            if getattr(self, name) not in (Color.YELLOW, Color.RED):
                raise UsageError(f"{name} must be Color.YELLOW or Color.RED")

    def color_of(self, reason: Reason) -> Color:
        """The colour ``reason`` forces under this policy."""
        configured = _CONFIGURABLE.get(reason)
        if configured is not None:
            return Color(getattr(self, configured))
        return Color.YELLOW if reason in _YELLOW else Color.RED


_CONFIGURABLE = {
    Reason.STATUS_LIST_STALE: "stale_status_color",
    Reason.STATUS_NOT_CHECKED: "unchecked_status_color",
    Reason.ENTERPRISE_UNLISTED: "unlisted_enterprise_color",
}


DEFAULT_POLICY = Policy()


class StatusState(StrEnum):
    """Whether revocation status was checked (spec §10.6)."""

    CHECKED = "checked"
    NOT_CHECKED = "not_checked"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class StatusCheck:
    """What the verifier knows about revocation: state, value, list and its age."""

    state: StatusState = StatusState.NOT_CHECKED
    value: Status | None = None
    list_uri: str | None = None
    age: dt.timedelta | None = None


class Keyring:
    """Trusted issuer public keys, looked up by key id (spec §8.2).

    Two keys with the same 8-byte kid are refused when the keyring is built
    (spec §8.2: a kid collision is a configuration error, never resolved by
    trying both).  The trust-list issue extends trust with states and scopes.
    """

    __slots__ = ("_found", "_keys")

    def __init__(self, keys: Iterable[Ed25519PublicKey]) -> None:
        self._keys: dict[bytes, Ed25519PublicKey] = {}
        self._found: dict[bytes, TrustedKey] = {}
        for key in keys:
            if not isinstance(key, Ed25519PublicKey):
                raise UsageError(f"Keyring takes Ed25519 public keys, not {type(key).__name__}")
            problem = public_key_problem(raw_public_key(key))
            if problem is not None:
                raise UsageError(f"the public key {problem}")
            kid = kid_of(key)
            if kid in self._keys:
                raise UsageError(f"two trusted keys share kid {kid.hex()}")
            self._keys[kid] = key
            self._found[kid] = TrustedKey(bare_issuer_key(key), None)

    def get(self, kid: bytes) -> Ed25519PublicKey | None:
        """The key with this kid, or ``None``."""
        return self._keys.get(kid)

    def lookup(self, kid: bytes) -> TrustedKey | None:
        """The key with this kid as an always-active, unscoped issuer key."""
        return self._found.get(kid)

    def is_root(self, kid: bytes) -> bool:
        """A bare keyring knows no root keys."""
        return False

    def __len__(self) -> int:
        return len(self._keys)


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict on one code.

    ``reasons`` is empty exactly when ``color`` is green.  ``credential`` is set
    only when the signature holds (so it may be set on a red verdict, e.g. an
    expired code).  ``id_match`` is ``None`` unless an ID number was typed.
    ``detail`` is one line of English for the first reason, empty when green.
    ``issuer`` is the trust-list entry of the signer (``None`` with a bare
    keyring); ``status`` says whether and how revocation was checked;
    ``enterprise`` is the directory entry of the code's USCC (``None`` when no
    directory was given or the USCC is not in it).  What is reported from which
    step of spec §10.4: ``kid`` from step 7 on, ``credential``, ``issuer``,
    ``status`` and ``enterprise`` only from step 10.
    """

    color: Color
    reasons: tuple[Reason, ...]
    kid: bytes | None = None
    credential: Credential | None = None
    id_match: bool | None = None
    detail: str = ""
    issuer: TrustedIssuer | None = None
    status: StatusCheck = field(default_factory=StatusCheck)
    enterprise: Enterprise | None = None

    @property
    def ok(self) -> bool:
        """True for green."""
        return self.color is Color.GREEN


def _failed(reason: Reason, detail: str, kid: bytes | None = None) -> Verification:
    return Verification(Color.RED, (reason,), kid=kid, detail=detail)


def _check_leeway(leeway: object) -> int:
    if isinstance(leeway, bool) or not isinstance(leeway, int) or not 0 <= leeway <= MAX_LEEWAY:
        raise UsageError(f"leeway must be an integer number of seconds in 0..{MAX_LEEWAY}")
    return leeway


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
    trust: Keyring | TrustList,
    *,
    now: dt.datetime,
    status: Iterable[StatusListToken] = (),
    directory: Directory | None = None,
    id_number: str | None = None,
    leeway: int = DEFAULT_LEEWAY,
    policy: Policy = DEFAULT_POLICY,
) -> Verification:
    """Verify a code offline and decide its colour (spec §10).

    ``trust`` is a loaded :class:`~anxinma.TrustList` (or a bare
    :class:`Keyring` for tests and quick checks); ``status`` the status lists
    the verifier holds (as :meth:`StatusListToken.load` returned them; the newest
    of the code's list decides, spec §15.3); ``directory`` the enterprise
    directory it holds, if any (spec §15.4); ``now`` its clock reading, inside
    the format's range (spec §5.3); ``id_number``, if given, a number typed from
    the worker's ID card (spec §10.5).
    """
    now = checked_now(now)
    leeway = _check_leeway(leeway)
    typed = _typed_id(id_number)
    if not isinstance(trust, Keyring) and not _instance(trust, "anxinma.trust", "TrustList"):
        raise UsageError(f"trust must be a TrustList or a Keyring, not {type(trust).__name__}")
    if directory is not None and not _instance(directory, "anxinma.directory", "Directory"):
        raise UsageError(f"directory must be a Directory or None, not {type(directory).__name__}")
    if not isinstance(policy, Policy):
        raise UsageError(f"policy must be a Policy, not {type(policy).__name__}")
    lists = tuple(status)
    if lists and not all(_instance(t, "anxinma.status", "StatusListToken") for t in lists):
        raise UsageError("status must hold StatusListToken objects")
    text = _as_text(text)
    try:
        msg = parse_sign1(from_text(text))
    except AnxinmaError as exc:
        return _failed(Reason(getattr(exc, "reason", Reason.MALFORMED)), str(exc))
    found = trust.lookup(msg.kid)
    if found is None:
        return _unknown(trust, msg.kid)
    if not verify_signature(msg, found.key.key):
        return _failed(Reason.SIGNATURE_INVALID, "the signature does not verify", msg.kid)
    try:
        cred = from_claims(cbor.decode(msg.payload, max_depth=1, max_items=64))
    except AnxinmaError as exc:
        return _failed(Reason.MALFORMED, f"claims: {exc}", msg.kid)
    # In UTC, like every time of a decoded code: comparisons between datetimes of one tzinfo
    # read their fields directly (across zones each one asks both for their offsets).
    context = _Context(now.astimezone(dt.UTC), typed, leeway, policy, lists, directory)
    return _assess(cred, msg.kid, found, context)


def _instance(value: object, module: str, name: str) -> bool:
    """``isinstance(value, module.name)``, without importing ``module``: when it is not
    loaded, no instance of its classes can exist."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(value, getattr(loaded, name))


def _unknown(trust: Keyring | TrustList, kid: bytes) -> Verification:
    if trust.is_root(kid):
        return _failed(
            Reason.ROLE_MISMATCH, f"signed by root key {kid.hex()}; root keys sign trust lists only", kid
        )
    return _failed(Reason.UNKNOWN_KEY, f"no trusted key has kid {kid.hex()}", kid)


class _Context:
    """What step 10 needs besides the credential and its key, gathered once a call.

    Internal, never returned: a plain class with slots, not a frozen dataclass, so
    that importing this module does not generate and compile six methods nobody
    calls (cold start, bench/coldstart.py).
    """

    __slots__ = ("directory", "leeway", "lists", "now", "policy", "typed")

    def __init__(
        self,
        now: dt.datetime,
        typed: str | None,
        leeway: int,
        policy: Policy,
        lists: tuple[StatusListToken, ...],
        directory: Directory | None,
    ) -> None:
        self.now = now
        self.typed = typed
        self.leeway = leeway
        self.policy = policy
        self.lists = lists
        self.directory = directory


def _assess(cred: Credential, kid: bytes, found: TrustedKey, ctx: _Context) -> Verification:
    """Step 10 of spec §10.4: every reason that applies, in the order of the spec."""
    check, status_found = _status_reasons(cred, found.issuer, ctx)
    enterprise, enterprise_found = _enterprise_reasons(cred, ctx.directory)
    found_reasons: _Found = []
    _trust_reasons(cred, found, found_reasons)
    _time_reasons(cred, ctx.now, ctx.leeway, found_reasons)
    found_reasons += status_found
    found_reasons += enterprise_found
    _identity_reasons(cred, found_reasons)
    _document_reasons(cred, ctx.now, found_reasons)
    match = None if ctx.typed is None else id_matches(cred.id_hint, cred.card_no, ctx.typed)
    if match is False:
        found_reasons.append((Reason.ID_NUMBER_MISMATCH, "the typed ID number does not match this code"))
    if not found_reasons:
        return Verification(Color.GREEN, (), kid, cred, match, "", found.issuer, check, enterprise)
    reasons = tuple(r for r, _ in found_reasons)
    color = max((ctx.policy.color_of(r) for r in reasons), key=_SEVERITY.index)
    detail = found_reasons[0][1]
    return Verification(color, reasons, kid, cred, match, detail, found.issuer, check, enterprise)


_SEVERITY = (Color.GREEN, Color.YELLOW, Color.RED)
_NOT_CHECKED = StatusCheck()  # frozen: one instance serves every verdict that checked no status
_Found = list[tuple[Reason, str]]


def _trust_reasons(cred: Credential, found: TrustedKey, out: _Found) -> None:
    key, issuer = found.key, found.issuer
    if key.state is KeyState.COMPROMISED:
        out.append((Reason.KEY_COMPROMISED, f"key {key.kid.hex()} is marked compromised"))
    if not key.issued_within_window(cred.issued_at):
        out.append((Reason.ISSUED_OUTSIDE_KEY_WINDOW, _window_detail(cred.issued_at, key)))
    if issuer is not None and not issuer.covers(cred.region):
        out.append((Reason.ISSUER_OUT_OF_SCOPE, f"{issuer.name} may not issue for region {cred.region}"))


def _window_detail(issued: dt.datetime, key: IssuerKey) -> str:
    """Why a code is outside its key's issuing window, with the window and the fix (issue 10 item 7)."""
    kid, at = key.kid.hex(), issued.isoformat()
    if issued < key.valid_from:
        return (
            f"issued at {at}, before key {kid}'s issuing window opens at {key.valid_from.isoformat()}; "
            "if the key signed codes before it was added to the trust list, the list must open its "
            "window earlier (anxinma trust add --valid-from)"
        )
    closed = key.valid_until.isoformat() if key.valid_until is not None else "?"
    return f"issued at {at}, after key {kid}'s issuing window closed at {closed}"


def _status_reasons(
    cred: Credential, issuer: TrustedIssuer | None, ctx: _Context
) -> tuple[StatusCheck, _Found]:
    """Revocation (spec §10.6, §15.3): the newest held list of the code's issuer and list id decides."""
    ref = cred.status
    if ref is None:
        return _NOT_CHECKED, []
    token = None if issuer is None else _deciding_list(ctx.lists, issuer.id, ref.list_id, ref.index)
    if token is None:
        why = (
            "no trust list (a bare keyring never checks status)" if issuer is None else "no status list held"
        )
        return _NOT_CHECKED, [
            (Reason.STATUS_NOT_CHECKED, f"revocation was not checked: {why} for list {ref.list_id}")
        ]
    age = ctx.now - token.issued_at
    if ref.index >= token.statuses.size:
        return StatusCheck(list_uri=token.uri, age=age), [
            (Reason.STATUS_INDEX_OUT_OF_RANGE, f"index {ref.index} is past the end of {token.uri}")
        ]
    value = token.statuses.get(ref.index)
    stale = ctx.now >= token.expires_at or age > ctx.policy.max_status_age
    state = StatusState.STALE if stale else StatusState.CHECKED
    out: _Found = []
    if value in _STATUS_REASONS:
        out.append((_STATUS_REASONS[value], f"{token.uri} marks this credential {value.name.lower()}"))
    if stale:
        out.append((Reason.STATUS_LIST_STALE, f"the status list was issued {token.issued_at.isoformat()}"))
    return StatusCheck(state, value, token.uri, age), out


def _deciding_list(
    lists: tuple[StatusListToken, ...], issuer_id: str, list_id: int, index: int
) -> StatusListToken | None:
    """The held list that decides (spec §15.3): the highest ``iat``; on a tie, the one whose
    entry at ``index`` comes first in: past the end, 1, 2, 3, 0 (a tie never makes green)."""
    best: StatusListToken | None = None
    for token in lists:
        if token.issuer_id != issuer_id or token.list_id != list_id:
            continue
        if (
            best is None
            or token.issued_at > best.issued_at
            or (token.issued_at == best.issued_at and _tie_rank(token, index) < _tie_rank(best, index))
        ):
            best = token
    return best


def _tie_rank(token: StatusListToken, index: int) -> int:
    if index >= token.statuses.size:
        return 0
    return _TIE_ORDER[token.statuses.get(index)]


#: By Status value (an IntEnum, equal to its int): INVALID 1, SUSPENDED 2, RESERVED 3, VALID 0.
_TIE_ORDER = {1: 1, 2: 2, 3: 3, 0: 4}


def _enterprise_reasons(cred: Credential, directory: Directory | None) -> tuple[Enterprise | None, _Found]:
    """The directory check (spec §15.4): with a directory held, an unlisted USCC is unlisted."""
    if directory is None:
        return None, []
    found = directory.find(cred.enterprise_uscc)
    if found is not None:
        return found, []
    return None, [
        (Reason.ENTERPRISE_UNLISTED, f"enterprise {cred.enterprise_uscc} is not in the directory held")
    ]


#: By Status value: INVALID (1), SUSPENDED (2), RESERVED (3); VALID (0) gives no reason.
_STATUS_REASONS = {1: Reason.REVOKED, 2: Reason.SUSPENDED, 3: Reason.STATUS_UNKNOWN}


def _time_reasons(cred: Credential, now: dt.datetime, leeway: int, out: _Found) -> None:
    if now >= cred.expires_at:
        out.append((Reason.EXPIRED, f"the code expired at {cred.expires_at.isoformat()}"))
    horizon = now + (_DEFAULT_LEEWAY if leeway == DEFAULT_LEEWAY else dt.timedelta(seconds=leeway))
    if cred.issued_at > horizon:
        out.append((Reason.NOT_YET_VALID, f"the code is not valid before {cred.issued_at.isoformat()}"))
    elif cred.not_before is not None and cred.not_before > horizon:
        out.append((Reason.NOT_YET_VALID, f"the code is not valid before {cred.not_before.isoformat()}"))


def _identity_reasons(cred: Credential, out: _Found) -> None:
    if not cred.identity_verified:
        out.append((Reason.IDENTITY_UNVERIFIED, "the worker's identity was not verified"))
    bg = cred.background_check
    if bg is not None and bg.result is BackgroundResult.FLAGGED:
        out.append((Reason.BACKGROUND_CHECK_FLAGGED, f"the background check of {bg.checked_on} was flagged"))


def _document_reasons(cred: Credential, now: dt.datetime, out: _Found) -> None:
    """Health exam and insurance (spec §10.2): "valid until D" ends when D is over in CST."""
    today = now.astimezone(CST).date()  # now >= end_of_day(D)  <=>  today (CST) > D
    for until, missing, expired, what in (
        (cred.health_exam_valid_until, Reason.HEALTH_EXAM_MISSING, Reason.HEALTH_EXAM_EXPIRED, "health exam"),
        (cred.insurance_valid_until, Reason.INSURANCE_MISSING, Reason.INSURANCE_EXPIRED, "insurance"),
    ):
        if until is None:
            out.append((missing, f"no {what} on record"))
        elif today > until:
            out.append((expired, f"the {what} was valid until {until.isoformat()}"))


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
