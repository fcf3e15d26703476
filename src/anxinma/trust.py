"""Trust lists: which issuer keys a verifier trusts, for which regions and when (spec §15.2).

A *root* key (e.g. the provincial commerce department) signs a trust list; a
verifier ships with the root public key only and learns issuer keys from the
list.  Each issuer has an id, a display name, the GB/T 2260 region prefixes it
may issue for, and keys.  Each key has an issuing window and a state:

- ``active``: may issue now (within its window);
- ``retired``: issues no more; codes it signed *before* its ``valid_until``
  stay valid until their own ``exp`` (this is how rotation works, spec §15.3);
- ``compromised``: every code it ever signed is red ``key_compromised``.

Roles never mix (spec §15.5): a trust list must be signed by a pinned root key
(an issuer key gets ``role_mismatch``), no root key may appear as an issuer
key, and a list older than the one a verifier holds is refused (``rollback``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import gbcodes
from .document import (
    DocumentError,
    DocumentReason,
    bad,
    check_not_older,
    check_window,
    lifetime,
    loading_now,
    moment,
    open_document,
    seconds,
    sequence_number,
    sequence_number_for_signing,
    sign_document,
    signable_lifetime,
)
from .errors import UsageError
from .issuerkey import IssuerKey, KeyState, TrustedKey, bare_issuer_key
from .keys import kid_of
from .registry import DocumentType, IssuerLabel, KeyLabel, TrustListClaim
from .state import MAX_SEQUENCE, VerifierState

__all__ = [
    "IssuerKey",
    "KeyState",
    "TrustList",
    "TrustedIssuer",
    "TrustedKey",
    "bare_issuer_key",
    "trust_from_source",
    "trust_source",
]

MAX_TRUST_LIST_BYTES = 1 << 20
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}\Z")
_PREFIX = re.compile(r"[0-9]{2,6}\Z")
_STATES = ("active", "retired", "compromised")


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    """An issuing authority: id, display name, region scope and keys."""

    id: str
    name: str
    regions: tuple[str, ...]
    keys: tuple[IssuerKey, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise UsageError(f"issuer id {self.id!r} must be 1..32 of a-z, 0-9 and '-'")
        if not isinstance(self.name, str) or not self.name:
            raise UsageError(f"issuer {self.id}: the display name must be non-empty text")
        if not self.regions or not all(_is_prefix(p) for p in self.regions):
            raise UsageError(
                "regions must be one or more GB/T 2260 prefixes of 2..6 digits starting with a province code"
            )

    def covers(self, region: str) -> bool:
        """Whether this issuer may issue for ``region`` (a 6-digit GB/T 2260 code)."""
        return any(region.startswith(prefix) for prefix in self.regions)


def _is_prefix(prefix: object) -> bool:
    """2..6 ASCII digits whose first two are a GB/T 2260 province code (spec §15.2)."""
    return isinstance(prefix, str) and bool(_PREFIX.match(prefix)) and int(prefix[:2]) in gbcodes.PROVINCES


@dataclass(frozen=True, slots=True)
class TrustList:
    """A root-signed list of trusted issuers (spec §15.2)."""

    sequence: int
    issued_at: dt.datetime
    expires_at: dt.datetime
    issuers: tuple[TrustedIssuer, ...]
    root_kids: frozenset[bytes] = frozenset()
    _index: dict[bytes, TrustedKey] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {k.kid: TrustedKey(k, i) for i in self.issuers for k in i.keys}
        object.__setattr__(self, "_index", index)

    def lookup(self, kid: bytes) -> TrustedKey | None:
        """The issuer key with this kid, or ``None``."""
        return self._index.get(kid)

    def is_root(self, kid: bytes) -> bool:
        """Whether ``kid`` is one of the root keys this list was loaded with."""
        return kid in self.root_kids

    def issuer(self, issuer_id: str) -> TrustedIssuer | None:
        """The issuer with this id, or ``None``."""
        return next((i for i in self.issuers if i.id == issuer_id), None)

    # -- editing (pure: each returns a new list) -------------------------------

    def with_issuer(self, issuer: TrustedIssuer) -> TrustList:
        """This list with ``issuer`` added, or replacing the issuer with the same id."""
        others = tuple(i for i in self.issuers if i.id != issuer.id)
        return replace(self, issuers=(*others, issuer))

    def with_key(self, issuer_id: str, key: IssuerKey) -> TrustList:
        """This list with ``key`` added to (or replaced in) issuer ``issuer_id``."""
        issuer = self._require(issuer_id)
        found = self.lookup(key.kid)
        if found is not None and found.issuer is not None and found.issuer.id != issuer_id:
            raise UsageError(f"kid {key.kid.hex()} already belongs to issuer {found.issuer.id}")
        keys = tuple(k for k in issuer.keys if k.kid != key.kid)
        return self.with_issuer(replace(issuer, keys=(*keys, key)))

    def with_key_state(self, kid: bytes, state: KeyState, *, at: dt.datetime | None = None) -> TrustList:
        """This list with key ``kid`` moved to ``state``; retiring closes its window at ``at``."""
        found = self.lookup(kid)
        if found is None or found.issuer is None:
            raise UsageError(f"no key with kid {kid.hex()} in the trust list")
        if found.key.state is KeyState.COMPROMISED and state is not KeyState.COMPROMISED:
            raise UsageError(f"key {kid.hex()} is compromised; that is final (spec §15.3)")
        key = replace(found.key, state=state)
        if state is KeyState.RETIRED:
            if at is None:
                raise UsageError("retiring a key needs the time its issuing window closes")
            key = replace(key, valid_until=at if key.valid_until is None else min(at, key.valid_until))
        return self.with_key(found.issuer.id, key)

    def _require(self, issuer_id: str) -> TrustedIssuer:
        issuer = self.issuer(issuer_id)
        if issuer is None:
            raise UsageError(f"no issuer {issuer_id!r} in the trust list")
        return issuer

    # -- wire form ---------------------------------------------------------------

    def sign(self, root_key: Ed25519PrivateKey) -> bytes:
        """The signed trust list document (spec §15.2); refuses a root key listed as an issuer key."""
        found = self.lookup(kid_of(root_key))
        if found is not None:
            who = f" of issuer {found.issuer.id}" if found.issuer is not None else ""
            raise UsageError(
                f"root key {kid_of(root_key).hex()} is listed as a key{who} in the list; roles never mix"
            )
        signable_lifetime(self.issued_at, self.expires_at)
        sequence_number_for_signing(self.sequence)
        return sign_document(_encode(self), root_key, typ=DocumentType.TRUST_LIST)

    @classmethod
    def load(
        cls,
        data: bytes,
        roots: Iterable[Ed25519PublicKey],
        *,
        now: dt.datetime,
        min_sequence: int = 0,
        leeway: int = 300,
        state: VerifierState | None = None,
    ) -> TrustList:
        """Verify and decode a trust list; raise :class:`DocumentError` (spec §15.2, §15.5).

        A list older than ``min_sequence`` or than the one ``state`` remembers is
        ``rollback`` (spec §15.7); the same sequence again loads.
        """
        now = loading_now(now, leeway)
        pinned = {kid_of(r): r for r in roots}
        opened = open_document(
            data, typ=DocumentType.TRUST_LIST, max_bytes=MAX_TRUST_LIST_BYTES, max_items=200_000, max_depth=5
        )
        trust = replace(_decode(opened.claims), root_kids=frozenset(pinned))
        root = pinned.get(opened.kid)
        if root is None:
            listed = trust.lookup(opened.kid)
            if listed is not None and listed.issuer is not None:
                raise DocumentError(
                    DocumentReason.ROLE_MISMATCH,
                    f"signed by kid {opened.kid.hex()}, a key of issuer {listed.issuer.id}, not a pinned "
                    "root key; roles never mix",
                )
            raise DocumentError(
                DocumentReason.UNKNOWN_KEY,
                f"signed by kid {opened.kid.hex()}, which is not a pinned root key",
            )
        opened.check_signature(root)
        _check_roles(trust, pinned)
        check_window(trust.issued_at, trust.expires_at, now=now, leeway=leeway)
        held = None if state is None else state.trust_list_sequence
        check_not_older(trust.sequence, max(min_sequence, held or 0), "trust list sequence")
        return trust


def _check_roles(trust: TrustList, pinned: Mapping[bytes, Ed25519PublicKey]) -> None:
    clash = next(((k.kid, i.id) for i in trust.issuers for k in i.keys if k.kid in pinned), None)
    if clash is not None:
        raise DocumentError(
            DocumentReason.ROLE_MISMATCH,
            f"root key {clash[0].hex()} is listed as a key of issuer {clash[1]}; roles never mix",
        )


def _encode(trust: TrustList) -> dict[int, Any]:
    return {
        TrustListClaim.IAT: seconds(trust.issued_at),
        TrustListClaim.EXP: seconds(trust.expires_at),
        TrustListClaim.SEQUENCE: trust.sequence,
        TrustListClaim.ISSUERS: [_encode_issuer(i) for i in trust.issuers],
    }


def _encode_issuer(issuer: TrustedIssuer) -> dict[int, Any]:
    return {
        IssuerLabel.ID: issuer.id,
        IssuerLabel.NAME: issuer.name,
        IssuerLabel.REGIONS: list(issuer.regions),
        IssuerLabel.KEYS: [_encode_key(k) for k in issuer.keys],
    }


def _encode_key(key: IssuerKey) -> dict[int, Any]:
    out: dict[int, Any] = {
        KeyLabel.KID: key.kid,
        KeyLabel.PUBLIC_KEY: key.public_key,
        KeyLabel.STATE: _STATES.index(key.state.value),
        KeyLabel.VALID_FROM: seconds(key.valid_from),
    }
    if key.valid_until is not None:
        out[KeyLabel.VALID_UNTIL] = seconds(key.valid_until)
    return out


def _field(entry: Mapping[Any, Any], label: int, kind: type, where: str) -> Any:
    value = entry.get(label)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise bad(f"{where} (label {label}) must be a {kind.__name__}")
    return value


def _decode(claims: Mapping[Any, Any]) -> TrustList:
    _only(claims, TrustListClaim, "trust list")
    issued, expires = lifetime(claims, TrustListClaim.IAT, TrustListClaim.EXP)
    sequence = sequence_number(
        claims.get(TrustListClaim.SEQUENCE), f"sequence (label {TrustListClaim.SEQUENCE})"
    )
    issuers = _field(claims, TrustListClaim.ISSUERS, list, "issuers")
    decoded = tuple(_decode_issuer(e, f"issuers[{n}]") for n, e in enumerate(issuers))
    ids = [i.id for i in decoded]
    if len(set(ids)) != len(ids):
        raise bad("two issuers share an id")
    kids = [k.kid for i in decoded for k in i.keys]
    if len(set(kids)) != len(kids):
        raise bad("two issuer keys share a kid (spec §8.2: collisions are refused)")
    return TrustList(sequence, issued, expires, decoded)


def _only(entry: Mapping[Any, Any], labels: Iterable[int], where: str) -> None:
    if not isinstance(entry, Mapping):
        raise bad(f"{where} must be a map")
    extra = set(entry) - set(labels)
    if extra:
        raise bad(f"{where}: unknown label {sorted(extra, key=repr)[0]!r}")


def _decode_issuer(entry: Any, where: str) -> TrustedIssuer:
    _only(entry, IssuerLabel, where)
    regions = _field(entry, IssuerLabel.REGIONS, list, f"{where}.regions")
    keys = _field(entry, IssuerLabel.KEYS, list, f"{where}.keys")
    try:
        return TrustedIssuer(
            id=_field(entry, IssuerLabel.ID, str, f"{where}.id"),
            name=_field(entry, IssuerLabel.NAME, str, f"{where}.name"),
            regions=tuple(regions),
            keys=tuple(_decode_key(k, f"{where}.keys[{n}]") for n, k in enumerate(keys)),
        )
    except UsageError as exc:
        raise bad(f"{where}: {exc}") from None


def _decode_key(entry: Any, where: str) -> IssuerKey:
    _only(entry, KeyLabel, where)
    raw = _field(entry, KeyLabel.PUBLIC_KEY, bytes, f"{where}.public_key")
    state = _field(entry, KeyLabel.STATE, int, f"{where}.state")
    if not 0 <= state < len(_STATES):
        raise bad(f"{where}.state (label {KeyLabel.STATE}) must be 0, 1 or 2")
    try:
        key = IssuerKey(
            public_key=raw,
            valid_from=moment(entry, KeyLabel.VALID_FROM, f"{where}.valid_from"),  # type: ignore[arg-type]
            valid_until=moment(entry, KeyLabel.VALID_UNTIL, f"{where}.valid_until", required=False),
            state=KeyState(_STATES[state]),
        )
    except UsageError as exc:
        raise bad(f"{where}: {exc}") from None
    if _field(entry, KeyLabel.KID, bytes, f"{where}.kid") != key.kid:
        raise bad(
            f"{where}.kid (label {KeyLabel.KID}) is not SHA-256 of the public key, truncated to 8 bytes"
        )
    return key


def trust_source(trust: TrustList) -> dict[str, Any]:
    """The editable JSON form of a trust list (no signature, no iat/exp; spec §15.2.1)."""
    return {"sequence": trust.sequence, "issuers": [_issuer_source(i) for i in trust.issuers]}


def _issuer_source(issuer: TrustedIssuer) -> dict[str, Any]:
    return {
        "id": issuer.id,
        "name": issuer.name,
        "regions": list(issuer.regions),
        "keys": [
            {
                "kid": k.kid.hex(),
                "public_key": k.public_key.hex(),
                "state": k.state.value,
                "valid_from": k.valid_from.isoformat(),
                "valid_until": None if k.valid_until is None else k.valid_until.isoformat(),
            }
            for k in issuer.keys
        ],
    }


def trust_from_source(
    source: Mapping[str, Any], *, issued_at: dt.datetime, expires_at: dt.datetime
) -> TrustList:
    """A trust list from its JSON form; raise :class:`UsageError` naming the bad entry."""
    if not isinstance(source, Mapping) or not isinstance(source.get("issuers"), list):
        raise UsageError("trust list source: an object with an 'issuers' array is expected")
    sequence = source.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not 0 <= sequence <= MAX_SEQUENCE:
        raise UsageError("trust list source: sequence must be an integer in 0..2^53 - 1")
    issuers = tuple(_issuer_from_source(i, f"issuers[{n}]") for n, i in enumerate(source["issuers"]))
    if len({i.id for i in issuers}) != len(issuers):
        raise UsageError("trust list source: two issuers share an id")
    kids = [k.kid for i in issuers for k in i.keys]
    if len(set(kids)) != len(kids):
        raise UsageError("trust list source: two keys share a kid")
    return TrustList(sequence, issued_at, expires_at, issuers)


def _issuer_from_source(entry: object, where: str) -> TrustedIssuer:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("keys"), list):
        raise UsageError(f"trust list source: {where} must be an object with a 'keys' array")
    try:
        keys = tuple(_key_from_source(k, f"{where}.keys[{n}]") for n, k in enumerate(entry["keys"]))
        return TrustedIssuer(id=entry["id"], name=entry["name"], regions=tuple(entry["regions"]), keys=keys)
    except (KeyError, TypeError) as exc:
        raise UsageError(f"trust list source: {where}: missing or invalid {exc}") from None


def _key_from_source(entry: object, where: str) -> IssuerKey:
    if not isinstance(entry, Mapping):
        raise UsageError(f"trust list source: {where} must be an object")
    try:
        until = entry.get("valid_until")
        return IssuerKey(
            public_key=bytes.fromhex(entry["public_key"]),
            valid_from=_aware(entry["valid_from"], f"{where}.valid_from"),
            valid_until=None if until is None else _aware(until, f"{where}.valid_until"),
            state=KeyState(entry.get("state", "active")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"trust list source: {where}: {exc}") from None


def _aware(text: object, where: str) -> dt.datetime:
    moment_ = dt.datetime.fromisoformat(str(text))
    if moment_.tzinfo is None:
        raise UsageError(f"trust list source: {where} {text!r} needs a UTC offset")
    return moment_
