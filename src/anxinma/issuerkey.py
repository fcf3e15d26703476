"""An issuer key a verifier trusts: its state and issuing window (spec §15.2, §15.3).

:class:`IssuerKey` is one key of a trust list (:mod:`anxinma.trust`), or the
always-active, unscoped key of a bare :class:`~anxinma.Keyring`;
:class:`TrustedKey` is what a kid lookup finds.  Apart from the trust-list
document so that a verifier with a bare keyring loads neither that module nor
the signed-document machinery behind it (cold start, bench/coldstart.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .errors import UsageError
from .keys import kid_of_raw, public_key_problem, raw_public_key

if TYPE_CHECKING:
    from .trust import TrustedIssuer

__all__ = ["IssuerKey", "KeyState", "TrustedKey", "bare_issuer_key"]


class KeyState(StrEnum):
    """Life-cycle state of an issuer key (spec §15.3)."""

    ACTIVE = "active"
    RETIRED = "retired"
    COMPROMISED = "compromised"


@dataclass(frozen=True, slots=True)
class IssuerKey:
    """One issuer signing key in a trust list."""

    public_key: bytes
    valid_from: dt.datetime
    valid_until: dt.datetime | None = None
    state: KeyState = KeyState.ACTIVE
    #: The key id, SHA-256 of the raw public key truncated to 8 bytes (spec §8.2).
    kid: bytes = field(init=False, repr=False, compare=False)
    _key: Ed25519PublicKey | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise UsageError("public_key must be the raw 32-byte Ed25519 public key")
        problem = public_key_problem(self.public_key)
        if problem is not None:
            raise UsageError(f"public_key {problem}")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise UsageError("valid_until is before valid_from")
        object.__setattr__(self, "kid", kid_of_raw(self.public_key))

    @property
    def key(self) -> Ed25519PublicKey:
        """The public key object (built once)."""
        if self._key is None:
            object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public_key))
        assert self._key is not None
        return self._key

    def issued_within_window(self, at: dt.datetime) -> bool:
        """Whether a credential issued at ``at`` falls in this key's issuing window."""
        return self.valid_from <= at and (self.valid_until is None or at <= self.valid_until)


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """The result of a kid lookup: the key and its issuer (``None`` for a bare keyring)."""

    key: IssuerKey
    issuer: TrustedIssuer | None


def bare_issuer_key(key: Ed25519PublicKey) -> IssuerKey:
    """An always-active, unscoped issuer key, for a bare :class:`~anxinma.Keyring`."""
    return IssuerKey(public_key=raw_public_key(key), valid_from=dt.datetime.min.replace(tzinfo=dt.UTC))
