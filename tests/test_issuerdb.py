"""The issuer's records (spec §16): random unique indexes, revocation by card number or id."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import anxinma
from anxinma import Status
from anxinma.issuerdb import IssuerDB, credential_id
from anxinma.status import MIN_SIZE
from anxinma.transport import from_text

from .conftest import NOW, REFERENCE
from .pki import KEY_A


def issue_recorded(db: IssuerDB, record: dict[str, object]) -> tuple[str, str]:
    worker = anxinma.parse_worker(record)
    ref = db.allocate(0)
    issuer = anxinma.Issuer(KEY_A)
    cred = anxinma.credential_for(worker, now=NOW, status=ref)
    message = issuer.sign(cred)
    cred_id = db.record(
        message,
        card_no=cred.card_no,
        name=cred.name,
        kid=issuer.kid,
        ref=ref,
        iat=cred.issued_at,
        exp=cred.expires_at,
    )
    return cred_id, anxinma.transport.to_text(message)


def test_indexes_are_random_unique_and_revocation_reaches_the_list(tmp_path: Path) -> None:
    with IssuerDB(tmp_path / "issuer.db") as db:
        db.new_list(0, MIN_SIZE)
        refs = {db.allocate(0).index for _ in range(200)}
        assert len(refs) > 190 and max(refs) > MIN_SIZE // 2  # spread over the list, not sequential
        cred_id, text = issue_recorded(db, REFERENCE)
        assert cred_id == credential_id(from_text(text))
        other_id, _ = issue_recorded(db, {**REFERENCE, "card_no": "NB2021000124"})
        db.set_status("nb2021000123", Status.INVALID, now=NOW)  # card numbers are case-insensitive here
        (revoked,) = db.find(cred_id)
        assert revoked.status is Status.INVALID and revoked.status_ref is not None
        statuses = db.status_list(0)
        assert statuses.get(revoked.status_ref.index) is Status.INVALID
        assert statuses.counts()[Status.INVALID] == 1
        db.set_status(other_id, Status.SUSPENDED, now=NOW + dt.timedelta(hours=1))
        db.set_status(other_id, Status.VALID, now=NOW + dt.timedelta(hours=2))
    with IssuerDB(tmp_path / "issuer.db") as db:  # persisted
        assert [c.status for c in db.credentials()] == [Status.INVALID, Status.VALID]


def test_misuse_is_refused(tmp_path: Path) -> None:
    with IssuerDB(tmp_path / "issuer.db") as db:
        with pytest.raises(anxinma.UsageError, match="no status list 3"):
            db.allocate(3)
        db.new_list(3)
        with pytest.raises(anxinma.UsageError, match="already exists"):
            db.new_list(3)
        with pytest.raises(anxinma.UsageError, match="no credential"):
            db.set_status("NB404", Status.INVALID, now=NOW)
