"""anxinma (安心码): offline-verifiable credentials for household-service workers.

The pipeline, one module each: :mod:`~anxinma.model` -> :mod:`~anxinma.claims`
(CBOR) -> :mod:`~anxinma.cose` (COSE_Sign1) -> :mod:`~anxinma.transport`
(prefix + base45) -> :mod:`~anxinma.qr`.  Beside it: :mod:`~anxinma.registry`
(integer labels), :mod:`~anxinma.idcheck` (ID privacy), :mod:`~anxinma.verify`.

Quick use::

    worker = anxinma.parse_worker(json.load(f))
    text = anxinma.issue(worker, key, now=datetime.now(timezone.utc))
    result = anxinma.verify(text, anxinma.Keyring([public_key]), now=datetime.now(timezone.utc))
    result.color, result.reasons
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    AnxinmaError,
    Base45Error,
    CborError,
    CredentialTooLargeError,
    KeyFormatError,
    RecordError,
    UsageError,
)
from .issue import DEFAULT_VALID_DAYS, Issuer, credential_for, issue
from .issuerkey import IssuerKey, KeyState
from .keys import (
    generate_private_key,
    kid_of,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from .model import (
    CST,
    BackgroundCheck,
    BackgroundResult,
    Credential,
    IdHint,
    Rating,
    Service,
    StatusRef,
    Worker,
)
from .registry import Claim, Header
from .transport import PREFIX
from .verify import (
    DEFAULT_LEEWAY,
    DEFAULT_POLICY,
    Color,
    Keyring,
    Policy,
    Reason,
    StatusCheck,
    StatusState,
    Unverified,
    Verification,
    decode_unverified,
    verify,
)

if TYPE_CHECKING:
    from .directory import Directory, Enterprise
    from .document import DocumentError, DocumentReason
    from .record import credential_as_dict, parse_worker, worker_as_dict
    from .state import VerifierState
    from .status import Status, StatusList, StatusListToken, status_uri
    from .trust import TrustedIssuer, TrustList
    from .views import DocumentOutcome, document_summary, verification_as_dict

#: Loaded on first use (PEP 562): what a verifier with a bare keyring, or an issuer, does not
#: need at start (bench/coldstart.py).  ``verify`` and ``issue`` are bound above, because a
#: submodule loaded after this package would take their names.
_LAZY = {
    "Directory": "directory",
    "Enterprise": "directory",
    "DocumentError": "document",
    "DocumentReason": "document",
    "credential_as_dict": "record",
    "parse_worker": "record",
    "worker_as_dict": "record",
    "VerifierState": "state",
    "Status": "status",
    "StatusList": "status",
    "StatusListToken": "status",
    "status_uri": "status",
    "TrustedIssuer": "trust",
    "TrustList": "trust",
    "DocumentOutcome": "views",
    "document_summary": "views",
    "verification_as_dict": "views",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module  # noqa: PLC0415

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__version__ = "0.1.0"

__all__ = [
    "CST",
    "DEFAULT_LEEWAY",
    "DEFAULT_POLICY",
    "DEFAULT_VALID_DAYS",
    "PREFIX",
    "AnxinmaError",
    "BackgroundCheck",
    "BackgroundResult",
    "Base45Error",
    "CborError",
    "Claim",
    "Color",
    "Credential",
    "CredentialTooLargeError",
    "Directory",
    "DocumentError",
    "DocumentOutcome",
    "DocumentReason",
    "Enterprise",
    "Header",
    "IdHint",
    "Issuer",
    "IssuerKey",
    "KeyFormatError",
    "KeyState",
    "Keyring",
    "Policy",
    "Rating",
    "Reason",
    "RecordError",
    "Service",
    "Status",
    "StatusCheck",
    "StatusList",
    "StatusListToken",
    "StatusRef",
    "StatusState",
    "TrustList",
    "TrustedIssuer",
    "Unverified",
    "UsageError",
    "Verification",
    "VerifierState",
    "Worker",
    "__version__",
    "credential_as_dict",
    "credential_for",
    "decode_unverified",
    "document_summary",
    "generate_private_key",
    "issue",
    "kid_of",
    "load_private_key",
    "load_public_key",
    "parse_worker",
    "private_key_pem",
    "public_key_pem",
    "status_uri",
    "verification_as_dict",
    "verify",
    "worker_as_dict",
]
