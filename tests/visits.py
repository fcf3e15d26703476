"""Helpers for the visit-record tests: an issuer database with real credentials, and devices."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma
from anxinma import _demo
from anxinma.issue import Issuer, credential_for
from anxinma.issuerdb import Issuance, credential_id
from anxinma.keys import raw_public_key
from anxinma.model import CST
from anxinma.verify import Color
from anxinma.visit import Complaint, Evaluation, Tag, Visit, sign_visit
from anxinma.visitdb import VisitDB

ISSUED = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)
ISSUER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"anxinma/tests/visit-issuer").digest())


def worker_record(n: int) -> dict[str, Any]:
    """A valid worker record with card ``NBT`` + n and an ID number of its own."""
    first17 = f"33020319850315{n % 1000:03d}"
    from anxinma.gbcodes import id_check_char

    record = _demo.reference_record()
    record["card_no"] = f"NBT{n:06d}"
    record["id_number"] = first17 + id_check_char(first17) if n < 1000 else _id(n)
    record.pop("rating", None)
    return record


def _id(n: int) -> str:
    from anxinma.gbcodes import id_check_char

    day = dt.date(1970, 1, 1) + dt.timedelta(days=n // 1000)
    first17 = f"330203{day:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def issue_into(db: VisitDB, records: list[dict[str, Any]], *, now: dt.datetime = ISSUED,
               replace: bool = False) -> list[bytes]:  # fmt: skip
    """Sign ``records`` and record them in ``db``; return the signed messages."""
    issuer = Issuer(ISSUER_KEY)
    items, messages = [], []
    used = db.used_indexes(0)
    for record in records:
        worker = anxinma.parse_worker(record)
        index = next(i for i in range(len(used) + len(records) + 1) if i not in used)
        used.add(index)
        cred = credential_for(worker, now=now, status=anxinma.StatusRef(list_id=0, index=index))
        message = issuer.sign(cred)
        items.append(Issuance.of(message, cred, worker, key=db.id_key, kid=issuer.kid))
        messages.append(message)
    refused = db.issue(items, now=now, replace=replace)
    assert not refused, refused
    return messages


@dataclass
class Device:
    """A household's phone: its own key; makes signed visit records."""

    seed: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @property
    def key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def visit(self, message: bytes, *, scanned: dt.datetime, stars: int | None = None,
              tags: frozenset[Tag] = frozenset(), complaint: frozenset[Complaint] = frozenset(),
              color: Color = Color.GREEN, reasons: tuple[str, ...] = (), entered: bool = True,
              record_id: bytes | None = None, made: dt.datetime | None = None) -> Visit:  # fmt: skip
        entered_at = scanned + dt.timedelta(minutes=2) if entered else None
        made_at = made or scanned + dt.timedelta(hours=2)
        return Visit(
            record_id=record_id or secrets.token_bytes(16),
            device_key=raw_public_key(self.key),
            credential_id=bytes.fromhex(credential_id(message)),
            color=color,
            reasons=reasons,
            scanned_at=scanned,
            made_at=made_at,
            issuer="nb-commerce",
            entered_at=entered_at,
            evaluation=None if stars is None else Evaluation(stars, tags),
            complaint=complaint,
        )

    def sign(self, visit: Visit) -> bytes:
        return sign_visit(visit, self.key)


def new_db(path: Path, count: int = 3) -> tuple[VisitDB, list[bytes]]:
    """A schema-3 database with ``count`` issued workers (status list 0)."""
    db = VisitDB(path)
    db.new_list(0)
    return db, issue_into(db, [worker_record(n) for n in range(count)])
