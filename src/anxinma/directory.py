"""Enterprise directory: USCC -> name, district, region, signed by the root (spec §15.4).

The directory is signed by the *root* key, not by issuers: which enterprises
are registered household-service enterprises is a fact of the provincial
registry the root speaks for, and one signed directory serves every verifier
of the province.  An issuer therefore cannot vouch for an enterprise it
invented; a verifier shows "宁波市海曙大众社区服务有限公司 · 海曙区" instead of a
bare code only when the root listed that USCC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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
    open_document,
    seconds,
    sequence_number,
    sequence_number_for_signing,
    sign_document,
    signable_lifetime,
)
from .errors import UsageError
from .keys import kid_of
from .registry import DirectoryClaim, DocumentType, EnterpriseLabel
from .state import VerifierState

__all__ = ["Directory", "Enterprise"]

MAX_DIRECTORY_BYTES = 16 << 20


@dataclass(frozen=True, slots=True)
class Enterprise:
    """One registered enterprise."""

    uscc: str
    name: str
    district: str
    region: str | None = None

    def __post_init__(self) -> None:
        problem = gbcodes.uscc_problem(self.uscc) if isinstance(self.uscc, str) else "must be a string"
        if problem is not None:
            raise UsageError(f"enterprise {self.uscc!r}: uscc {problem}")
        if self.region is not None and gbcodes.region_problem(self.region) is not None:
            raise UsageError(f"enterprise {self.uscc}: region {self.region!r} is not a GB/T 2260 code")
        if not self.name or not isinstance(self.name, str):
            raise UsageError(f"enterprise {self.uscc}: name is empty")

    @property
    def label(self) -> str:
        """Display form, e.g. ``宁波市海曙大众社区服务有限公司 · 海曙区``."""
        return f"{self.name} · {self.district}" if self.district else self.name


@dataclass(frozen=True, slots=True)
class Directory:
    """A root-signed enterprise directory (spec §15.4)."""

    sequence: int
    issued_at: dt.datetime
    expires_at: dt.datetime
    enterprises: tuple[Enterprise, ...]
    _index: dict[str, Enterprise] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {e.uscc: e for e in self.enterprises}
        if len(index) != len(self.enterprises):
            raise UsageError("two directory entries share a USCC")
        object.__setattr__(self, "_index", index)

    def find(self, uscc: str) -> Enterprise | None:
        """The enterprise with this USCC, or ``None``."""
        return self._index.get(uscc)

    def sign(self, root_key: Ed25519PrivateKey) -> bytes:
        """The signed directory document."""
        signable_lifetime(self.issued_at, self.expires_at)
        sequence_number_for_signing(self.sequence)
        claims: dict[int, Any] = {
            DirectoryClaim.IAT: seconds(self.issued_at),
            DirectoryClaim.EXP: seconds(self.expires_at),
            DirectoryClaim.SEQUENCE: self.sequence,
            DirectoryClaim.ENTERPRISES: [_encode(e) for e in self.enterprises],
        }
        return sign_document(claims, root_key, typ=DocumentType.DIRECTORY)

    @classmethod
    def load(
        cls,
        data: bytes,
        roots: Iterable[Ed25519PublicKey],
        *,
        now: dt.datetime,
        leeway: int = 300,
        state: VerifierState | None = None,
    ) -> Directory:
        """Verify (against the pinned root keys) and decode a directory; raise :class:`DocumentError`.

        A directory older than the one ``state`` remembers is ``rollback`` (spec §15.4, §15.7).
        """
        now = loading_now(now, leeway)
        pinned = {kid_of(r): r for r in roots}
        opened = open_document(
            data, typ=DocumentType.DIRECTORY, max_bytes=MAX_DIRECTORY_BYTES, max_items=1_000_000
        )
        root = pinned.get(opened.kid)
        if root is None:
            raise DocumentError(
                DocumentReason.UNKNOWN_KEY, f"signed by kid {opened.kid.hex()}, not a root key"
            )
        opened.check_signature(root)
        directory = _decode(opened.claims)
        check_window(directory.issued_at, directory.expires_at, now=now, leeway=leeway)
        check_not_older(directory.sequence, None if state is None else state.directory_sequence, "sequence")
        return directory


def _encode(e: Enterprise) -> dict[int, Any]:
    out: dict[int, Any] = {
        EnterpriseLabel.USCC: e.uscc,
        EnterpriseLabel.NAME: e.name,
        EnterpriseLabel.DISTRICT: e.district,
    }
    if e.region is not None:
        out[EnterpriseLabel.REGION] = e.region
    return out


def _decode(claims: Mapping[Any, Any]) -> Directory:
    if set(claims) != set(DirectoryClaim):
        raise bad("directory: claims must be exactly iat, exp, sequence (-1) and enterprises (-2)")
    entries = claims[DirectoryClaim.ENTERPRISES]
    if not isinstance(entries, list):
        raise bad("directory: enterprises (label -2) must be an array")
    sequence = sequence_number(claims[DirectoryClaim.SEQUENCE], "directory: sequence (label -1)")
    issued, expires = lifetime(claims, DirectoryClaim.IAT, DirectoryClaim.EXP)
    try:
        return Directory(sequence, issued, expires, tuple(_decode_entry(e, n) for n, e in enumerate(entries)))
    except UsageError as exc:
        raise bad(f"directory: {exc}") from None


def _decode_entry(entry: Any, n: int) -> Enterprise:
    if not isinstance(entry, Mapping) or not set(entry) <= set(EnterpriseLabel):
        raise bad(f"directory: enterprises[{n}] must be a map with labels 1..4")
    uscc, name, district = (entry.get(label) for label in EnterpriseLabel if label != EnterpriseLabel.REGION)
    region = entry.get(EnterpriseLabel.REGION)
    if not (isinstance(uscc, str) and isinstance(name, str) and isinstance(district, str)):
        raise bad(f"directory: enterprises[{n}] uscc, name and district must be text")
    if region is not None and not isinstance(region, str):
        raise bad(f"directory: enterprises[{n}] region must be text")
    return Enterprise(uscc, name, district, region)
