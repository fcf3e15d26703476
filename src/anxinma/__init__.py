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

from .directory import Directory, Enterprise
from .document import DocumentError, DocumentReason
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
from .record import credential_as_dict, parse_worker, worker_as_dict
from .registry import Claim, Header
from .state import VerifierState
from .status import Status, StatusList, StatusListToken, status_uri
from .transport import PREFIX
from .trust import IssuerKey, KeyState, TrustedIssuer, TrustList
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
from .views import DocumentOutcome, document_summary, verification_as_dict

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
