"""Visit records (spec/visit-v1.md): signing, checking, storing, and which evaluations count."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from anxinma import cbor
from anxinma.cose import sign1
from anxinma.errors import UsageError
from anxinma.keys import kid_of
from anxinma.model import Rating
from anxinma.registry import DocumentType, VisitClaim
from anxinma.status import Status
from anxinma.verify import Color
from anxinma.visit import (
    MAX_RECORD_BYTES,
    VISIT_TYPE,
    Complaint,
    Evaluation,
    Tag,
    Visit,
    VisitError,
    VisitReason,
    open_visit,
    rating_summary,
    record_digest,
    visit_as_dict,
)

from .visits import ISSUED, Device, new_db

SCANNED = ISSUED + dt.timedelta(days=10)
RECEIVED = SCANNED + dt.timedelta(hours=3)


def _refused(data: bytes, reason: VisitReason, *, now: dt.datetime = RECEIVED) -> str:
    with pytest.raises(VisitError) as info:
        open_visit(data, now=now)
    assert info.value.reason is reason, str(info.value)
    return str(info.value)


def test_a_record_signs_and_opens_to_the_same_visit() -> None:
    device = Device()
    visit = device.visit(b"m", scanned=SCANNED, stars=5, tags=frozenset({Tag.PUNCTUAL, Tag.TIDY}))
    data = device.sign(visit)
    assert open_visit(data, now=RECEIVED) == visit
    as_json = visit_as_dict(visit)
    assert as_json["stars"] == 5 and as_json["tags"] == ["punctual", "tidy"] and as_json["complaint"] == []
    assert as_json["scanned_at"] == "2026-03-11T09:00:00+08:00" and as_json["color"] == "green"
    assert len(data) < 300


def test_a_complaint_on_a_red_scan_without_entry() -> None:
    device = Device()
    visit = device.visit(b"m", scanned=SCANNED, color=Color.RED, reasons=("revoked",), entered=False,
                         complaint=frozenset({Complaint.IDENTITY, Complaint.SAFETY}))  # fmt: skip
    opened = open_visit(device.sign(visit), now=RECEIVED)
    assert opened.complaint == {Complaint.IDENTITY, Complaint.SAFETY} and opened.entered_at is None
    assert opened.reasons == ("revoked",)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"evaluation": Evaluation(4), "entered_at": None}, "stars"),  # no rating without entry
        ({"evaluation": Evaluation(4), "complaint": frozenset({Complaint.FEES})}, "complaint"),
        ({"color": Color.GREEN, "reasons": ("expired",)}, "reasons"),
        ({"color": Color.YELLOW, "reasons": ()}, "reasons"),
        ({"reasons": ("Expired",), "color": Color.RED}, "reasons"),
        ({"reasons": ("expired", "expired"), "color": Color.RED}, "reasons"),
        ({"record_id": b"short"}, "record_id"),
        ({"credential_id": bytes(9)}, "credential"),
        ({"device_key": bytes(32)}, "device_key"),  # small order: anyone could sign for it
        ({"issuer": "NB Commerce"}, "issuer"),
        ({"made_at": SCANNED - dt.timedelta(seconds=1), "entered_at": None}, "made_at"),
        ({"entered_at": SCANNED - dt.timedelta(seconds=1)}, "entered_at"),
        ({"scanned_at": dt.datetime(2026, 3, 11, 9, 0)}, "scanned_at"),  # naive
    ],
)
def test_a_visit_that_breaks_the_rules_is_refused_naming_the_claim(
    changes: dict[str, object], field: str
) -> None:
    base = Device().visit(b"m", scanned=SCANNED)
    values = {name: getattr(base, name) for name in base.__slots__}
    with pytest.raises(UsageError, match=field):
        Visit(**(values | changes))  # type: ignore[arg-type]


def test_stars_and_a_record_with_nothing_to_say() -> None:
    with pytest.raises(UsageError):
        Evaluation(0)
    with pytest.raises(UsageError, match="entry, an evaluation or a complaint"):
        Device().visit(b"m", scanned=SCANNED, entered=False)


def _claims(device: Device, **changes: object) -> bytes:
    visit = device.visit(b"m", scanned=SCANNED, stars=4)
    data = device.sign(visit)
    from anxinma.cose import parse_sign1

    claims = cbor.decode(parse_sign1(data, typ=VISIT_TYPE).payload, max_depth=1, max_items=32)
    for label, value in changes.items():
        key = int(VisitClaim[label.upper()])
        if value is None:
            del claims[key]
        else:
            claims[key] = value
    return sign1(cbor.encode(claims), device.key, kid_of(device.key), typ=VISIT_TYPE)


def test_refusals_in_order() -> None:
    device, other = Device(), Device()
    _refused(b"\x00" * (MAX_RECORD_BYTES + 1), VisitReason.TOO_LARGE)
    _refused(b"\x84", VisitReason.MALFORMED)
    as_trust = sign1(cbor.encode({6: 1}), device.key, kid_of(device.key), typ=DocumentType.TRUST_LIST)
    _refused(as_trust, VisitReason.WRONG_TYPE)
    # claims of the device, signed by another key under the device's kid
    payload = cbor.encode({int(k): v for k, v in _decoded(device).items()})
    forged = sign1(payload, other.key, kid_of(device.key), typ=VISIT_TYPE)
    _refused(forged, VisitReason.SIGNATURE_INVALID)
    # the header kid must be the device key's
    wrong_kid = sign1(payload, device.key, kid_of(other.key), typ=VISIT_TYPE)
    assert "kid" in _refused(wrong_kid, VisitReason.MALFORMED)
    assert "label 99" in _refused(_with_label(device, 99), VisitReason.MALFORMED)
    assert "verdict" in _refused(_claims(device, verdict=3), VisitReason.MALFORMED)
    assert "stars" in _refused(_claims(device, stars=6), VisitReason.MALFORMED)
    assert "tags" in _refused(_claims(device, tags=64), VisitReason.MALFORMED)
    assert "record_id" in _refused(_claims(device, record_id=None), VisitReason.MALFORMED)
    assert "evaluation needs" in _refused(_claims(device, entered_at=None), VisitReason.MALFORMED)


def _decoded(device: Device) -> dict[int, object]:
    from anxinma.cose import parse_sign1

    data = device.sign(device.visit(b"m", scanned=SCANNED, stars=4))
    return dict(cbor.decode(parse_sign1(data, typ=VISIT_TYPE).payload, max_depth=1, max_items=32))


def _with_label(device: Device, label: int) -> bytes:
    claims = _decoded(device) | {label: 1}
    return sign1(cbor.encode(claims), device.key, kid_of(device.key), typ=VISIT_TYPE)


def test_the_time_window() -> None:
    device = Device()
    data = device.sign(device.visit(b"m", scanned=SCANNED, stars=3))
    made = SCANNED + dt.timedelta(hours=2)
    assert open_visit(data, now=made - dt.timedelta(seconds=300))  # the leeway
    _refused(data, VisitReason.OUT_OF_WINDOW, now=made - dt.timedelta(seconds=301))
    assert open_visit(data, now=SCANNED + dt.timedelta(days=30))
    _refused(data, VisitReason.OUT_OF_WINDOW, now=SCANNED + dt.timedelta(days=30, seconds=1))


def test_rating_summary_rounds_half_up_in_tenths() -> None:
    assert rating_summary([]) is None
    assert rating_summary([5]) == Rating(average=5.0, count=1)
    assert rating_summary([5, 4, 4]) == Rating(average=4.3, count=3)  # 4.333
    assert rating_summary([5, 5, 4, 4]) == Rating(average=4.5, count=4)
    assert rating_summary([1, 2]) == Rating(average=1.5, count=2)
    assert rating_summary([5, 5, 5, 4, 4, 4, 4, 4]) == Rating(average=4.4, count=8)  # 4.375 -> 4.4


# -- storing -------------------------------------------------------------------------------------


def _store(db, *datas: bytes, now: dt.datetime = RECEIVED, flood_limit: int = 20):  # type: ignore[no-untyped-def]
    items = [(open_visit(d, now=now), d, record_digest(d)) for d in datas]
    return db.store_visits(items, now=now, flood_limit=flood_limit)


def test_stored_once_duplicates_acknowledged_conflicts_refused(tmp_path: Path) -> None:
    db, (m0, _m1, _m2) = new_db(tmp_path / "i.db")
    device = Device()
    visit = device.visit(m0, scanned=SCANNED, stars=5)
    data = device.sign(visit)
    first, again = _store(db, data, data)
    assert (first.outcome, again.outcome) == ("stored", "duplicate")
    (later,) = _store(db, data)
    assert later.outcome == "duplicate" and db.visit_count() == 1
    same_id = device.sign(device.visit(m0, scanned=SCANNED, stars=1, record_id=visit.record_id))
    (conflict,) = _store(db, same_id)
    assert conflict.outcome == "refused" and conflict.reason is VisitReason.CONFLICT
    assert db.visit_count() == 1


def test_unknown_credentials_and_scans_before_issuance_are_refused(tmp_path: Path) -> None:
    db, (m0, *_) = new_db(tmp_path / "i.db")
    device = Device()
    (unknown,) = _store(db, device.sign(device.visit(b"never issued", scanned=SCANNED, stars=5)))
    assert unknown.reason is VisitReason.UNKNOWN_CREDENTIAL
    early = device.sign(device.visit(m0, scanned=ISSUED - dt.timedelta(seconds=301), stars=5))
    (refused,) = _store(db, early, now=ISSUED + dt.timedelta(hours=3))
    assert refused.reason is VisitReason.OUT_OF_WINDOW
    at_leeway = device.sign(device.visit(m0, scanned=ISSUED - dt.timedelta(seconds=300), stars=5))
    assert _store(db, at_leeway, now=ISSUED + dt.timedelta(hours=3))[0].outcome == "stored"


def test_which_evaluations_count(tmp_path: Path) -> None:
    db, (m0, m1, m2) = new_db(tmp_path / "i.db")
    a, b = Device(), Device()
    day2 = SCANNED + dt.timedelta(days=1)
    records = [
        a.sign(a.visit(m0, scanned=SCANNED, stars=5)),  # counts
        a.sign(
            a.visit(
                m0,
                scanned=SCANNED + dt.timedelta(hours=1),
                stars=1,  # same device, credential, day
                made=SCANNED + dt.timedelta(hours=4),
            )
        ),
        a.sign(a.visit(m0, scanned=day2, stars=4, made=day2 + dt.timedelta(hours=1))),  # another day: counts
        b.sign(b.visit(m0, scanned=SCANNED, stars=3)),  # another device: counts
        b.sign(b.visit(m1, scanned=SCANNED, stars=1, color=Color.RED, reasons=("revoked",))),  # red: no
        b.sign(b.visit(m2, scanned=SCANNED, entered=True)),  # entry only: nothing to count
    ]
    outcomes = _store(db, *records, now=day2 + dt.timedelta(hours=2))
    assert [o.outcome for o in outcomes] == ["stored"] * 6
    assert {k: sorted(v) for k, v in db.counted_stars().items()} == {"NBT000000": [3, 4, 5]}
    assert db.rating_of("NBT000000") == Rating(average=4.0, count=3)
    assert db.rating_of("NBT000001") is None
    (r0, r1) = db.ratings()
    assert (r0.card_no, sorted(r0.stars), r0.not_counted) == ("NBT000000", [3, 4, 5], 1)
    assert (r1.card_no, r1.stars, r1.not_counted) == ("NBT000001", (), 1)


def test_the_earliest_made_evaluation_of_a_day_counts_whatever_the_arrival_order(tmp_path: Path) -> None:
    db, (m0, *_) = new_db(tmp_path / "i.db")
    a = Device()
    late = a.sign(a.visit(m0, scanned=SCANNED, stars=1, made=SCANNED + dt.timedelta(hours=5)))
    early = a.sign(a.visit(m0, scanned=SCANNED, stars=5, made=SCANNED + dt.timedelta(hours=1)))
    _store(db, late, now=SCANNED + dt.timedelta(hours=6))
    _store(db, early, now=SCANNED + dt.timedelta(hours=6))
    assert db.counted_stars() == {"NBT000000": [5]}


def test_a_revoked_credential_at_scan_time_does_not_count(tmp_path: Path) -> None:
    db, (m0, *_) = new_db(tmp_path / "i.db")
    db.set_status("NBT000000", Status.INVALID, now=SCANNED - dt.timedelta(days=1))
    a = Device()
    (stored,) = _store(db, a.sign(a.visit(m0, scanned=SCANNED, stars=5)))  # the phone's lists were old
    assert stored.outcome == "stored" and db.counted_stars() == {}
    assert db.worker_file("NBT000000")["visits"][0]["live_at_scan"] is False  # type: ignore[index]


def test_a_flooding_device_is_flagged_not_dropped(tmp_path: Path) -> None:
    db, messages = new_db(tmp_path / "i.db", count=5)
    a = Device()
    records = [
        a.sign(a.visit(m, scanned=SCANNED + dt.timedelta(minutes=n), stars=5)) for n, m in enumerate(messages)
    ]
    outcomes = _store(db, *records, flood_limit=3)
    assert [o.flags for o in outcomes] == [(), (), (), ("flood",), ("flood",)]
    assert db.visit_count() == 5
    assert sorted(db.counted_stars()) == ["NBT000000", "NBT000001", "NBT000002"]


def test_the_worker_file(tmp_path: Path) -> None:
    db, (m0, *_) = new_db(tmp_path / "i.db")
    a = Device()
    late = frozenset({Complaint.LATENESS, Complaint.FEES})
    yellow = {"color": Color.YELLOW, "reasons": ("insurance_expired",)}
    _store(
        db,
        a.sign(a.visit(m0, scanned=SCANNED, stars=5, tags=frozenset({Tag.POLITE}))),
        a.sign(a.visit(m0, scanned=SCANNED, entered=False, complaint=late, **yellow)),  # type: ignore[arg-type]
    )
    file = db.worker_file("nbt000000")
    assert file is not None and db.worker_file("NOSUCHCARD") is None
    assert file["worker"]["id_number_masked"] == "330203************" and file["worker"]["in_roster"] is False
    assert [c["status"] for c in file["credentials"]] == ["valid"]
    assert [e["action"] for e in file["events"]] == ["issue"]
    assert len(file["visits"]) == 2 and file["rating"] == {"average": 5.0, "count": 1}
    assert file["complaints"] == {"lateness": 1, "fees": 1}
    assert "330203198503150" not in repr(file)  # never the ID number


def test_live_at_scan_follows_suspension_and_reinstatement(tmp_path: Path) -> None:
    """The last status event at or before the scan decides (grouped storage reads the events
    once per group and replays them per record)."""
    db, (m0, *_) = new_db(tmp_path / "i.db")
    db.set_status("NBT000000", Status.SUSPENDED, now=SCANNED - dt.timedelta(hours=2))
    db.set_status("NBT000000", Status.VALID, now=SCANNED + dt.timedelta(hours=2))
    a = Device()
    during = a.sign(a.visit(m0, scanned=SCANNED, entered=True))
    after = a.sign(a.visit(m0, scanned=SCANNED + dt.timedelta(hours=3), entered=True))
    before = a.sign(a.visit(m0, scanned=SCANNED - dt.timedelta(hours=3), entered=True))
    _store(db, during, after, before, now=SCANNED + dt.timedelta(hours=7))
    live = {v["scanned_at"]: v["live_at_scan"] for v in db.worker_file("NBT000000")["visits"]}  # type: ignore[index]
    assert sorted(live.values()) == [False, True, True] and live[SCANNED.isoformat()] is False


def test_the_flood_count_spans_groups_and_requests(tmp_path: Path) -> None:
    db, messages = new_db(tmp_path / "i.db", count=5)
    a = Device()
    records = [
        a.sign(a.visit(m, scanned=SCANNED + dt.timedelta(minutes=n), stars=5)) for n, m in enumerate(messages)
    ]
    items = [(open_visit(d, now=RECEIVED), d, record_digest(d)) for d in records]
    first = db.store_jobs([(items[:1], RECEIVED), (items[1:2], RECEIVED)], flood_limit=3)
    assert [[o.flags for o in job] for job in first] == [[()], [()]]
    second = db.store_jobs([(items[2:4], RECEIVED), (items[4:] + items[:1], RECEIVED)], flood_limit=3)
    assert [[(o.outcome, o.flags) for o in job] for job in second] == [
        [("stored", ()), ("stored", ("flood",))],
        [("stored", ("flood",)), ("duplicate", ())],
    ]


def test_schema_3_migrates_to_4_keeping_visits_and_roster(tmp_path: Path) -> None:
    """Schema 4 rebuilds visits without the digest and credential indexes, and adds the
    roster's deregistration dates; every row stays."""
    import sqlite3

    from anxinma import issuerdb
    from anxinma.visitdb import VisitDB

    db, (m0, *_) = new_db(tmp_path / "i.db")
    a = Device()
    _store(db, a.sign(a.visit(m0, scanned=SCANNED, stars=4)))
    db.close()
    con = sqlite3.connect(tmp_path / "i.db", isolation_level=None)  # back to schema 3 by hand
    con.executescript(
        "CREATE TABLE v3 AS SELECT * FROM visits; DROP TABLE visits;"
        " ALTER TABLE roster_workers DROP COLUMN deregistered_at;"
        " ALTER TABLE roster_enterprises DROP COLUMN deregistered_at;"
    )
    for statement in issuerdb._statements(issuerdb._V3):
        if "visits" in statement:
            con.execute(statement)
    con.executescript("INSERT INTO visits SELECT * FROM v3; DROP TABLE v3;"
                      " UPDATE meta SET value='3' WHERE key='schema_version';")  # fmt: skip
    assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE tbl_name='visits'")} >= {
        "sqlite_autoindex_visits_2", "visits_cred"}  # fmt: skip
    con.close()
    with VisitDB(tmp_path / "i.db") as again:
        assert again.schema_version == 4 and again.visit_count() == 1
        assert again.counted_stars() == {"NBT000000": [4]}
        names = {r[0] for r in again._db.execute("SELECT name FROM sqlite_master WHERE tbl_name='visits'")}
        assert names == {"visits", "sqlite_autoindex_visits_1", "visits_card_day", "visits_device_day"}
        columns = {r[1] for r in again._db.execute("PRAGMA table_info(roster_workers)")}
        assert "deregistered_at" in columns


def test_the_china_day_of_a_stored_record_is_the_calendar_day_in_utc_plus_8() -> None:
    from anxinma.model import CST
    from anxinma.visitdb import _china_day

    cache: dict[int, str] = {}
    edges = (0, 57_599, 57_600, 1_795_000_000 - 1, 2**32 - 1)  # 57,600 s: midnight in China
    for seconds in (*edges, *range(1_700_000_000, 1_700_200_000, 3_581)):
        expected = dt.datetime.fromtimestamp(seconds, dt.UTC).astimezone(CST).date().isoformat()
        assert _china_day(seconds, cache) == expected, seconds
