"""The issuer's records (spec §16): random unique indexes, revocation by card number or id."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import anxinma
from anxinma import Status
from anxinma.issuerdb import Issuance, IssuerDB, credential_id
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


def issue_card(db: IssuerDB, *, now: dt.datetime, replace: bool = False, **changes: object) -> str:
    """Issue REFERENCE (with ``changes``) through the schema-2 path, as `issue --db` does."""
    worker = anxinma.parse_worker({**REFERENCE, **changes})
    issuer = anxinma.Issuer(KEY_A)
    cred = anxinma.credential_for(worker, now=now, status=db.allocate(0))
    message = issuer.sign(cred)
    item = Issuance.of(message, cred, worker, key=db.id_key, kid=issuer.kid)
    assert db.issue([item], now=now, replace=replace) == []
    return item.cred_id


def test_status_by_card_after_replace_acts_on_the_live_credential_only(tmp_path: Path) -> None:
    """issue 9 item 10: suspend / reinstate / revoke by card number after a --replace act only on the
    card's live credential; a superseded or revoked credential never returns to valid."""
    card = REFERENCE["card_no"]
    with IssuerDB(tmp_path / "issuer.db") as db:
        db.new_list(0)
        old = issue_card(db, now=NOW)
        new = issue_card(db, now=NOW + dt.timedelta(days=1), replace=True, insurance_valid_until="2029-06-30")

        def states() -> dict[str, Status]:
            return {c.cred_id: c.status for c in db.find(card)}

        assert states() == {new: Status.VALID, old: Status.INVALID}
        later = NOW + dt.timedelta(days=2)
        (suspended,) = db.set_status(card, Status.SUSPENDED, now=later)
        assert suspended.cred_id == new and states() == {new: Status.SUSPENDED, old: Status.INVALID}
        (reinstated,) = db.set_status(card, Status.VALID, now=later)
        assert reinstated.cred_id == new and states() == {new: Status.VALID, old: Status.INVALID}
        # By credential id: the superseded credential stays revoked, with the reason why.
        superseded = f"revoked \\(superseded by {new}\\); revocation is final"
        with pytest.raises(anxinma.UsageError, match=superseded):
            db.set_status(old, Status.VALID, now=later)
        with pytest.raises(anxinma.UsageError, match="revocation is final"):
            db.set_status(old, Status.SUSPENDED, now=later)
        (revoked,) = db.set_status(card, Status.INVALID, now=later)
        assert revoked.cred_id == new and states() == {new: Status.INVALID, old: Status.INVALID}
        with pytest.raises(anxinma.UsageError, match=f"credential {new} is revoked; revocation is final"):
            db.set_status(card, Status.VALID, now=later)
        assert [c.cred_id for c in db.set_status(card, Status.INVALID, now=later)] == [new]  # no change
        with pytest.raises(anxinma.UsageError, match="revocation is final"):
            db.set_status(new, Status.VALID, now=later)
        assert states() == {new: Status.INVALID, old: Status.INVALID}
        ref = db.find(old)[0].status_ref
        assert ref is not None and db.status_list(0).get(ref.index) is Status.INVALID
        actions = db._db.execute("SELECT cred_id, action FROM events WHERE action != 'issue' ORDER BY seq")
        assert actions.fetchall() == [
            (old, "revoke"), (new, "suspend"), (new, "reinstate"), (new, "revoke")
        ]  # fmt: skip


def test_status_by_card_of_an_expired_credential_names_it(tmp_path: Path) -> None:
    """A card without a live credential: by card number nothing is changed, by id it can be."""
    with IssuerDB(tmp_path / "issuer.db") as db:
        db.new_list(0)
        cred_id = issue_card(db, now=NOW)
        (cred,) = db.find(cred_id)
        after = dt.datetime.fromtimestamp(cred.exp, dt.UTC)
        with pytest.raises(anxinma.UsageError, match=f"newest, {cred_id}, has expired"):
            db.set_status(REFERENCE["card_no"], Status.INVALID, now=after)
        (revoked,) = db.set_status(cred_id, Status.INVALID, now=after)
        assert revoked.status is Status.INVALID
