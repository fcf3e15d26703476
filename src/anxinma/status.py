"""Status lists: revocation and suspension, offline (draft-ietf-oauth-status-list, CWT form).

Each issuer publishes signed Status List Tokens (spec §15.3).  A list holds
2 bits per credential (draft §4.1: status ``i`` sits in bits ``2i mod 8`` ..
``2i mod 8 + 1`` of byte ``2i div 8``, least significant first), compressed
with zlib (RFC 1950).  Values (draft §7.1): 0 valid, 1 invalid (revoked),
2 suspended; 3 is unused by anxinma and read as ``status_unknown``.

A credential points at its list with the STATUS claim (list id + index); the
list's ``sub`` is ``urn:anxinma:status:<issuer id>:<list id>``.  Indexes are
allocated at random by the issuer (herd privacy), and a list has at least
:data:`MIN_SIZE` entries.  Loading checks that the signer is a key of the very
issuer the ``sub`` names (else ``wrong_issuer``).  An expired list still loads:
the verdict reports it as stale (spec §10.6).
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .document import (
    DocumentError,
    DocumentReason,
    bad,
    check_not_older,
    check_window,
    lifetime,
    loading_now,
    open_document,
    seconds,
    sign_document,
    signable_lifetime,
)
from .errors import UsageError
from .registry import DocumentType, StatusListClaim
from .state import VerifierState
from .trust import IssuerKey, KeyState, TrustList

__all__ = ["MIN_SIZE", "Status", "StatusList", "StatusListToken", "status_uri"]

BITS = 2
MIN_SIZE = 1 << 17
MAX_SIZE = 1 << 24
MAX_TOKEN_BYTES = 8 << 20
#: ``sub`` (spec §15.3): the issuer id, and the list id in decimal 0-255 without leading zeros.
_URI = re.compile(
    r"urn:anxinma:status:([a-z0-9][a-z0-9-]{0,31}):(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\Z"
)


class Status(IntEnum):
    """Status values (draft-ietf-oauth-status-list §7.1)."""

    VALID = 0
    INVALID = 1  # revoked
    SUSPENDED = 2
    RESERVED = 3


def status_uri(issuer_id: str, list_id: int) -> str:
    """The ``sub`` of a status list token (spec §15.3)."""
    return f"urn:anxinma:status:{issuer_id}:{list_id}"


class StatusList:
    """A mutable array of 2-bit statuses (draft §4.1)."""

    __slots__ = ("_bytes", "size")

    def __init__(self, size: int, data: bytes | None = None) -> None:
        if not MIN_SIZE <= size <= MAX_SIZE or size % 4:
            raise UsageError(f"a status list has {MIN_SIZE}..{MAX_SIZE} entries, a multiple of 4")
        expected = size * BITS // 8
        if data is not None and len(data) != expected:
            raise UsageError(f"status bytes are {len(data)}, expected {expected}")
        self.size = size
        self._bytes = bytearray(data) if data is not None else bytearray(expected)

    def get(self, index: int) -> Status:
        """The status at ``index``."""
        self._check(index)
        return Status(self._bytes[index >> 2] >> ((index & 3) << 1) & 3)

    def set(self, index: int, status: Status) -> None:
        """Set the status at ``index``."""
        self._check(index)
        shift = (index & 3) << 1
        byte = self._bytes[index >> 2]
        self._bytes[index >> 2] = (byte & ~(3 << shift)) | (int(status) << shift)

    def _check(self, index: int) -> None:
        if not 0 <= index < self.size:
            raise IndexError(f"status index {index} outside 0..{self.size - 1}")

    def counts(self) -> dict[Status, int]:
        """How many entries hold each status."""
        table = [0, 0, 0, 0]
        for byte, n in _byte_counts(bytes(self._bytes)).items():
            for slot in range(4):
                table[byte >> (2 * slot) & 3] += n
        return {s: table[s] for s in Status}

    def compressed(self) -> bytes:
        """The zlib-compressed byte array (RFC 1950, draft §4.1)."""
        return zlib.compress(bytes(self._bytes), 9)

    @classmethod
    def from_compressed(cls, data: bytes) -> StatusList:
        """Decompress a byte array, refusing more than :data:`MAX_SIZE` entries (zlib bombs)."""
        inflater = zlib.decompressobj()
        limit = MAX_SIZE * BITS // 8
        try:
            raw = inflater.decompress(data, limit)
        except zlib.error as exc:
            raise bad(f"status list: {exc}") from None
        if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
            raise bad("status list: compressed data too large, truncated or followed by junk")
        try:
            return cls(len(raw) * 8 // BITS, raw)
        except UsageError as exc:
            raise bad(f"status list: {exc}") from None


def _byte_counts(data: bytes) -> dict[int, int]:
    return {b: data.count(b) for b in set(data)}


@dataclass(frozen=True, slots=True)
class StatusListToken:
    """A signed status list of one issuer (draft §5.2, spec §15.3)."""

    issuer_id: str
    list_id: int
    issued_at: dt.datetime
    expires_at: dt.datetime
    statuses: StatusList
    ttl: int | None = None
    kid: bytes = b""

    def __post_init__(self) -> None:
        if not _URI.match(status_uri(self.issuer_id, self.list_id)):
            raise UsageError(
                f"issuer id {self.issuer_id!r} / list id {self.list_id!r}: ids are 1..32 of a-z, 0-9, '-' "
                "and 0..255"
            )
        if not isinstance(self.statuses, StatusList):
            raise UsageError("statuses must be a StatusList")

    @property
    def uri(self) -> str:
        """The ``sub`` claim."""
        return status_uri(self.issuer_id, self.list_id)

    def sign(self, key: Ed25519PrivateKey) -> bytes:
        """The signed Status List Token (draft §5.2)."""
        signable_lifetime(self.issued_at, self.expires_at)
        claims: dict[int, Any] = {
            StatusListClaim.SUB: self.uri,
            StatusListClaim.IAT: seconds(self.issued_at),
            StatusListClaim.EXP: seconds(self.expires_at),
            StatusListClaim.STATUS_LIST: {"bits": BITS, "lst": self.statuses.compressed()},
        }
        if self.ttl is not None:
            claims[StatusListClaim.TTL] = self.ttl
        return sign_document(claims, key, typ=DocumentType.STATUS_LIST)

    @classmethod
    def load(
        cls,
        data: bytes,
        trust: TrustList,
        *,
        now: dt.datetime,
        leeway: int = 300,
        state: VerifierState | None = None,
    ) -> StatusListToken:
        """Verify and decode a status list against ``trust``; raise :class:`DocumentError` (spec §15.3).

        In this order: parse; decode the claims; the signer must be an issuer key
        of the trust list (``role_mismatch`` for a root key, else
        ``unknown_key``), of the issuer ``sub`` names (``wrong_issuer``), not
        compromised (``key_compromised``) nor retired (``key_retired``), with the
        list's ``iat`` in its issuing window (``issued_outside_key_window``);
        the signature; ``iat`` not beyond ``now`` + ``leeway``
        (``not_yet_valid``) nor older than ``state`` remembers for this ``sub``
        (``rollback``).  An expired list loads (the verdict reports it as stale).
        """
        now = loading_now(now, leeway)
        if not isinstance(trust, TrustList):
            raise UsageError(f"a status list is loaded against a TrustList, not {type(trust).__name__}")
        opened = open_document(data, typ=DocumentType.STATUS_LIST, max_bytes=MAX_TOKEN_BYTES, max_items=32)
        token = _decode(opened.claims, opened.kid)
        found = trust.lookup(opened.kid)
        if found is None or found.issuer is None:
            if trust.is_root(opened.kid):
                raise DocumentError(
                    DocumentReason.ROLE_MISMATCH,
                    f"signed by root key {opened.kid.hex()}, not a key of issuer {token.issuer_id!r}; "
                    "roles never mix",
                )
            raise DocumentError(
                DocumentReason.UNKNOWN_KEY,
                f"signed by kid {opened.kid.hex()}, not an issuer key of the trust list",
            )
        if found.issuer.id != token.issuer_id:
            raise DocumentError(
                DocumentReason.WRONG_ISSUER,
                f"list of issuer {token.issuer_id!r} signed by a key of issuer {found.issuer.id!r}",
            )
        _check_signer(found.key, token.issued_at)
        opened.check_signature(found.key.key)
        check_window(token.issued_at, None, now=now, leeway=leeway)
        held = None if state is None else state.status_list_issued(token.uri)
        check_not_older(seconds(token.issued_at), held, f"{token.uri} iat")
        return token


def _check_signer(key: IssuerKey, issued_at: dt.datetime) -> None:
    """Only an active key signs status lists, and only inside its issuing window (spec §15.3)."""
    kid = key.kid.hex()
    if key.state is KeyState.COMPROMISED:
        raise DocumentError(DocumentReason.KEY_COMPROMISED, f"signed by compromised key {kid}")
    if key.state is KeyState.RETIRED:
        raise DocumentError(DocumentReason.KEY_RETIRED, f"signed by retired key {kid}; only active keys sign")
    if not key.issued_within_window(issued_at):
        raise DocumentError(
            DocumentReason.ISSUED_OUTSIDE_KEY_WINDOW,
            f"issued at {issued_at.isoformat()}, outside the issuing window of key {kid}",
        )


def _decode(claims: Mapping[Any, Any], kid: bytes) -> StatusListToken:
    extra = set(claims) - set(StatusListClaim)
    if extra:
        raise bad(f"status list: unknown claim {sorted(extra, key=repr)[0]!r}")
    sub = claims.get(StatusListClaim.SUB)
    match = _URI.match(sub) if isinstance(sub, str) else None
    if match is None:
        raise bad(f"sub (label 2) must be urn:anxinma:status:<issuer>:<list>, not {sub!r}")
    issued, expires = lifetime(claims, StatusListClaim.IAT, StatusListClaim.EXP)
    ttl = claims.get(StatusListClaim.TTL)
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl <= 0):
        raise bad("ttl (label 65534) must be a positive integer")
    statuses = _decode_list(claims.get(StatusListClaim.STATUS_LIST))
    return StatusListToken(match[1], int(match[2]), issued, expires, statuses, ttl, kid)


def _decode_list(value: Any) -> StatusList:
    if not isinstance(value, Mapping) or set(value) != {"bits", "lst"}:
        raise bad("status_list (label 65533) must be a map with exactly bits and lst")
    if value["bits"] != BITS or isinstance(value["bits"], bool):
        raise bad(f"status_list bits must be {BITS}")
    if not isinstance(value["lst"], bytes):
        raise bad("status_list lst must be a byte string")
    return StatusList.from_compressed(value["lst"])
