"""The JSON forms of spec §14: a verdict, a credential, a loaded document.

One definition for every front end: ``verify --json``, the web page's data
attributes and the test vectors all use these shapes (spec §14.2-§14.4).
Timestamps are ISO 8601 in UTC with a ``+00:00`` offset and whole seconds;
absent optional fields are left out of a credential; ``null`` stands for
"nothing to report" in a verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .directory import Directory
from .document import DocumentReason
from .errors import UsageError
from .record import credential_as_dict
from .status import StatusListToken
from .trust import TrustList
from .verify import Keyring, Verification

__all__ = ["DocumentOutcome", "document_summary", "verification_as_dict"]

_SECOND = dt.timedelta(seconds=1)
#: The document kinds of spec §14.3, as named in vectors and verdicts.
KINDS = ("trust_list", "status_list", "directory")


@dataclass(frozen=True, slots=True)
class DocumentOutcome:
    """What became of one document a verifier was given (spec §14.2): loaded, or refused and why."""

    file: str
    kind: str
    reason: DocumentReason | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"kind must be one of {', '.join(KINDS)}")

    @property
    def loaded(self) -> bool:
        """True when the document loaded."""
        return self.reason is None

    def as_dict(self) -> dict[str, Any]:
        """``{file, kind, loaded, reason}``."""
        reason = None if self.reason is None else self.reason.value
        return {"file": self.file, "kind": self.kind, "loaded": self.loaded, "reason": reason}


def _seconds(delta: dt.timedelta) -> int:
    """Whole seconds, rounded down (spec §14.2)."""
    return delta // _SECOND


def verification_as_dict(
    result: Verification,
    *,
    now: dt.datetime,
    trust: TrustList | Keyring | None = None,
    documents: Iterable[DocumentOutcome] = (),
) -> dict[str, Any]:
    """The JSON form of a verdict (spec §14.2), members in this order: ``color``, ``reasons``,
    ``kid``, ``id_match``, ``detail``, ``issuer``, ``status``, ``credential``, ``enterprise``,
    ``trust``, ``documents``.  ``now`` and ``trust`` are those the verdict was made with."""
    check, cred, found = result.status, result.credential, result.enterprise
    issuer = result.issuer
    return {
        "color": result.color.value,
        "reasons": [r.value for r in result.reasons],
        "kid": None if result.kid is None else result.kid.hex(),
        "id_match": result.id_match,
        "detail": result.detail,
        "issuer": None if issuer is None else {"id": issuer.id, "name": issuer.name},
        "status": {
            "state": check.state.value,
            "value": None if check.value is None else int(check.value),
            "list": check.list_uri,
            "age_seconds": None if check.age is None else _seconds(check.age),
        },
        "credential": None if cred is None else credential_as_dict(cred),
        "enterprise": None
        if found is None
        else {"uscc": found.uscc, "name": found.name, "district": found.district},
        "trust": None
        if not isinstance(trust, TrustList)
        else {"sequence": trust.sequence, "age_seconds": _seconds(now - trust.issued_at)},
        "documents": [d.as_dict() for d in documents],
    }


def document_summary(document: TrustList | StatusListToken | Directory) -> dict[str, Any]:
    """What a loaded document is, as the ``loaded`` member of a document vector (spec §14.3)."""
    if isinstance(document, TrustList):
        return {"sequence": document.sequence, "issuers": [i.id for i in document.issuers]}
    if isinstance(document, StatusListToken):
        return {
            "uri": document.uri,
            "issued_at": document.issued_at.isoformat(),
            "size": document.statuses.size,
        }
    if isinstance(document, Directory):
        return {"sequence": document.sequence, "enterprises": [e.uscc for e in document.enterprises]}
    raise TypeError(f"not a document: {type(document).__name__}")
