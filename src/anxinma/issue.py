"""Issuance: a worker record and a signing key in, the text of a code out (spec §11).

:class:`Issuer` is the recipe: it holds one Ed25519 key and its kid and signs
credentials.  The caller passes ``now`` (the core never reads a clock).
Issuance refuses a credential larger than a version 11-M QR symbol holds
(:class:`~anxinma.errors.CredentialTooLargeError`).
"""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import cbor
from .claims import to_claims
from .cose import protected_header, sign1
from .errors import CredentialTooLargeError, RecordError, UsageError
from .idcheck import id_hint
from .keys import kid_of
from .model import CST, MAX_SECONDS, MAX_VALID_DAYS, Credential, StatusRef, Worker, checked_now, epoch_seconds
from .names import issuance_name_problem
from .registry import Claim
from .transport import MAX_MESSAGE_BYTES, to_text

__all__ = ["DEFAULT_VALID_DAYS", "MAX_VALID_DAYS", "Issuer", "credential_for", "issue"]

DEFAULT_VALID_DAYS = 365


def credential_for(
    worker: Worker,
    *,
    now: dt.datetime,
    valid_days: int = DEFAULT_VALID_DAYS,
    status: StatusRef | None = None,
) -> Credential:
    """The credential an issuer signs for ``worker`` at ``now`` (spec §11.1).

    ``iat`` is ``now`` to the second; ``exp`` is ``valid_days`` days later.
    """
    if not isinstance(worker, Worker):
        raise UsageError(f"worker must be a Worker, not {type(worker).__name__}")
    now = checked_now(now)
    if (
        isinstance(valid_days, bool)
        or not isinstance(valid_days, int)
        or not 1 <= valid_days <= MAX_VALID_DAYS
    ):
        raise UsageError(f"valid_days must be an integer in 1..{MAX_VALID_DAYS}")
    issued = now.astimezone(dt.UTC).replace(microsecond=0)
    if epoch_seconds(issued) + valid_days * 86400 > MAX_SECONDS:
        raise UsageError(
            f"now {now.isoformat()} + {valid_days} days is past 2106-02-07T06:28:15Z, the last "
            "expiry time the format can carry (spec §5.3)"
        )
    _check_not_future(worker, now)
    if status is not None and not isinstance(status, StatusRef):
        raise UsageError("status must be a StatusRef")
    return Credential.from_worker(
        worker,
        id_hint=id_hint(worker.id_number, worker.card_no),
        issued_at=issued,
        expires_at=issued + dt.timedelta(days=valid_days),
        status=status,
    )


def _check_not_future(worker: Worker, now: dt.datetime) -> None:
    bg = worker.background_check
    if bg is not None and bg.checked_on > now.astimezone(CST).date():
        raise RecordError(
            "background_check.checked_on",
            f"{bg.checked_on} is in the future",
            label=Claim.BACKGROUND_CHECKED_ON,
        )


class Issuer:
    """Signs credentials with one Ed25519 private key (RFC 9053 §2.2)."""

    __slots__ = ("_key", "_protected", "kid")

    def __init__(self, key: Ed25519PrivateKey) -> None:
        if not isinstance(key, Ed25519PrivateKey):
            raise UsageError(f"an issuer key must be an Ed25519 private key, not {type(key).__name__}")
        self._key = key
        self.kid = kid_of(key)
        self._protected = protected_header(self.kid)

    def sign(self, cred: Credential) -> bytes:
        """The COSE_Sign1 bytes of ``cred``; refuse a name the full rule of spec §4.2.1
        refuses (:class:`~anxinma.errors.RecordError`) and a credential too large for
        the QR budget (:class:`~anxinma.errors.CredentialTooLargeError`)."""
        if not isinstance(cred, Credential):
            raise UsageError(f"cred must be a Credential, not {type(cred).__name__}")
        problem = issuance_name_problem(cred.name)
        if problem is not None:
            raise RecordError("name", problem, label=Claim.NAME)
        message = sign1(cbor.encode(to_claims(cred)), self._key, self.kid, protected=self._protected)
        if len(message) > MAX_MESSAGE_BYTES:
            raise CredentialTooLargeError(
                f"the signed credential is {len(message)} bytes; at most {MAX_MESSAGE_BYTES} fit a "
                f"version 11 QR code at level M (name: {len(cred.name.encode())} UTF-8 bytes)"
            )
        return message

    def issue(
        self,
        worker: Worker,
        *,
        now: dt.datetime,
        valid_days: int = DEFAULT_VALID_DAYS,
        status: StatusRef | None = None,
    ) -> str:
        """The text of a code for ``worker`` (``AXM1:`` + base45)."""
        cred = credential_for(worker, now=now, valid_days=valid_days, status=status)
        return to_text(self.sign(cred))


def issue(
    worker: Worker,
    key: Ed25519PrivateKey,
    *,
    now: dt.datetime,
    valid_days: int = DEFAULT_VALID_DAYS,
    status: StatusRef | None = None,
) -> str:
    """Issue one code: ``Issuer(key).issue(worker, now=now, ...)``."""
    return Issuer(key).issue(worker, now=now, valid_days=valid_days, status=status)
