"""A small deployment for the page tests: a root, one issuer, its documents, and codes.

Everything is fixed (keys from fixed seeds, documents signed relative to :data:`NOW`) so
that a test sets the page's clock to NOW with Playwright's clock API and knows the verdict.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma
from anxinma import _demo
from anxinma.directory import Directory, Enterprise
from anxinma.keys import raw_public_key
from anxinma.web import SiteDocuments

ROOT = Ed25519PrivateKey.from_private_bytes(b"W" * 32)
ISSUER = Ed25519PrivateKey.from_private_bytes(b"I" * 32)
#: The clock of the page tests: 2026-11-27 10:30 in China.
NOW = dt.datetime(2026, 11, 27, 10, 30, tzinfo=anxinma.CST)
#: The status index of the reference worker's code; REVOKED_INDEX is revoked in the list.
INDEX = 4242
REVOKED_INDEX = 777
ENTERPRISE = Enterprise("91330203MA2H123450", "宁波市海曙大众社区服务有限公司", "海曙区", "330203")


def trust_list(*, sequence: int = 2, issued: dt.datetime = NOW - dt.timedelta(days=2)) -> bytes:
    key = anxinma.IssuerKey(
        public_key=raw_public_key(ISSUER), valid_from=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    issuer = anxinma.TrustedIssuer(id="nb", name="宁波市家政服务指导中心", regions=("3302",), keys=(key,))
    trust = anxinma.TrustList(sequence, issued, issued + dt.timedelta(days=60), (issuer,))
    return trust.sign(ROOT)


def status_list(
    *, issued: dt.datetime = NOW - dt.timedelta(hours=3), revoked: tuple[int, ...] = (REVOKED_INDEX,)
) -> bytes:
    statuses = anxinma.StatusList(anxinma.status.MIN_SIZE)
    for index in revoked:
        statuses.set(index, anxinma.Status.INVALID)
    token = anxinma.StatusListToken("nb", 0, issued, issued + dt.timedelta(days=2), statuses)
    return token.sign(ISSUER)


def directory(*, sequence: int = 1, issued: dt.datetime = NOW - dt.timedelta(days=2)) -> bytes:
    return Directory(sequence, issued, issued + dt.timedelta(days=60), (ENTERPRISE,)).sign(ROOT)


def documents(**kw: Any) -> SiteDocuments:
    return SiteDocuments(
        roots=(ROOT.public_key(),),
        trust=kw.get("trust", trust_list()),
        statuses=(kw.get("status", status_list()),),
        directory=kw.get("directory", directory()),
    )


def record(**changes: Any) -> dict[str, Any]:
    out = _demo.reference_record()
    out.update(changes)
    return out


def code(
    *,
    index: int = INDEX,
    issued: dt.datetime = NOW - dt.timedelta(days=30),
    valid_days: int = 365,
    **changes: Any,
) -> str:
    """The reference worker's code (changed as asked), signed by the issuer."""
    worker = anxinma.parse_worker(record(**changes))
    return anxinma.issue(
        worker, ISSUER, now=issued, valid_days=valid_days, status=anxinma.StatusRef(0, index)
    )


def tampered(text: str) -> str:
    """The code with one bit of its signature flipped (still a well-formed code)."""
    message = bytearray(anxinma.base45.b45decode(text[5:]))
    message[-7] ^= 0x10
    return "AXM1:" + anxinma.base45.b45encode(bytes(message))


#: The reference worker's ID number (synthetic, valid check character) and another valid one.
ID_NUMBER = _demo.REFERENCE_RECORD["id_number"]
OTHER_ID_NUMBER = "330203198503150039"
