"""Issue 13 from the command line: roster and orders imports, 持证率, 亮证率, ratings, the
worker's file, and re-issuing with the rating households gave."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner

import anxinma
from anxinma.cli import main
from anxinma.issuerdb import Issuance
from anxinma.keys import private_key_pem
from anxinma.model import CST, StatusRef
from anxinma.report import coverage_summary, roster_coverage
from anxinma.roster import RosterWorker
from anxinma.visit import record_digest
from anxinma.visitdb import VisitDB

from .visits import ISSUED, ISSUER_KEY, Device, new_db, worker_record

NOW = ISSUED + dt.timedelta(days=20)
USCC = "91330203MA2H123450"


def run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def _uscc(body: str) -> str:
    from anxinma.gbcodes import uscc_check_char

    return body + uscc_check_char(body)


def test_the_city_figure_51_3_percent(tmp_path: Path) -> None:
    """A synthetic roster of 59,216 registered workers of whom 30,385 hold a live credential."""
    path = tmp_path / "city.db"
    firms = [_uscc(f"9133020{n % 10}MA2H{n:05d}"[:17]) for n in range(253)]
    with VisitDB(path) as db:
        db.new_list(0)
        macs = [secrets.token_hex(32) for _ in range(59_216)]
        workers = [RosterWorker(mac, "王秀英", firms[n % 253]) for n, mac in enumerate(macs)]
        db.import_roster(workers, [], now=NOW)
        iat, exp = int(ISSUED.timestamp()), int((ISSUED + dt.timedelta(days=365)).timestamp())
        items = [
            Issuance(
                secrets.token_bytes(100),
                secrets.token_hex(8),
                f"SY{n:08d}",
                "王秀英",
                firms[n % 253],
                "330203",
                "330203",
                0,
                macs[n],
                b"k" * 8,
                iat,
                exp,
                StatusRef(list_id=0, index=n),
                "2099-12-31",
                "2099-12-31",
                False,
            )
            for n in range(30_385)
        ]
        assert db.issue(items, now=ISSUED) == []
        states, unlisted = db.roster_states()
        cov = roster_coverage(states, now=NOW, firms=db.roster_enterprises(), unlisted_cards=unlisted)
    assert (cov.total.registered, cov.total.live) == (59_216, 30_385)
    assert f"{100 * cov.total.rate:.1f}%" == "51.3%"
    assert coverage_summary(cov)[0][1:] == ["30385 / 59216", "51.3%"]
    assert cov.carded_enterprises == 253 and len(cov.enterprises) == 253
    code, out, err = run("report", "coverage", "--db", str(path), "--now", NOW.isoformat())
    assert code == 0, err
    assert "30385 / 59216  51.3%" in out and "253 / 253" in out


ROSTER_HEADER = "身份证号,姓名,统一社会信用代码,服务证号,企业名称,区县\n"


def _roster_rows() -> list[str]:
    rows = []
    for n in range(3):
        record = worker_record(n)
        rows.append(f"{record['id_number']},{record['name']},{USCC},{record['card_no']},海曙大众家政,海曙区")
    rows.append(f"330203199001011234,李四,{_uscc('91330212MA2GABCD0')},,江北某家政,江北区")
    return rows


def _valid_rows() -> list[str]:
    """Four registered workers in two enterprises, every ID number valid."""
    from anxinma.gbcodes import id_check_char

    rows = _roster_rows()
    rows[3] = rows[3].replace("330203199001011234", "33020319900101123" + id_check_char("33020319900101123"))
    return rows


def test_roster_import_gb18030_reimport_updates_and_coverage(tmp_path: Path) -> None:
    db, _ = new_db(tmp_path / "i.db", count=2)  # two of the registered workers hold cards
    db.close()
    from anxinma.gbcodes import id_check_char

    unregistered = "33020319900101123"
    rows = _roster_rows()
    rows[3] = rows[3].replace("330203199001011234", unregistered + id_check_char(unregistered))
    text = ROSTER_HEADER + "\n".join([*rows, "330203199001011235,坏,X,,,"]) + "\n"
    (tmp_path / "roster.csv").write_bytes(text.encode("gb18030"))
    code, _, err = run("roster", "import", str(tmp_path / "roster.csv"), "--db", str(tmp_path / "i.db"))
    assert code == 2 and err.count("\n") == 1, err  # GB 18030 is never guessed
    assert "not UTF-8" in err and "give --encoding gb18030" in err
    code, _, err = run("roster", "import", str(tmp_path / "roster.csv"), "--db", str(tmp_path / "i.db"),
                       "--encoding", "gb18030")  # fmt: skip
    assert code == 1 and "row 6: id_number:" in err and "4 workers added, 0 updated, 1 bad row;" in err
    (tmp_path / "again.csv").write_bytes(b"\xef\xbb\xbf" + (ROSTER_HEADER + "\n".join(rows) + "\n").encode())
    code, _, err = run("roster", "import", str(tmp_path / "again.csv"), "--db", str(tmp_path / "i.db"))
    assert (
        code == 0 and "0 workers added, 4 updated" in err and "4 registered workers and 2 enterprises" in err
    )
    code, out, _ = run(
        "report", "coverage", "--db", str(tmp_path / "i.db"), "--now", NOW.isoformat(), "--format", "markdown"
    )
    assert code == 0
    assert "| 2 / 4 | 50.0% |" in out and "| 1 / 2 | 50.0% |" in out
    assert "| 海曙大众家政 | 海曙区 |" in out and "| 江北某家政 | 江北区 |" in out


def test_csv_files_are_read_as_batch_reads_them(tmp_path: Path) -> None:
    """roster import and orders import share batch's text reader (issue 10 item 2): UTF-8 with or
    without a BOM and UTF-16 with a BOM by themselves; anything else only with --encoding."""
    db, _ = new_db(tmp_path / "i.db", count=1)
    db.close()
    text = ROSTER_HEADER + "\n".join(_valid_rows()) + "\n"
    for n, data in enumerate([text.encode("utf-16"), text.encode("utf-16-be").join([b"\xfe\xff", b""]),
                              b"\xef\xbb\xbf" + text.encode(), text.encode()]):  # fmt: skip
        (tmp_path / f"r{n}.csv").write_bytes(data)
        code, _, err = run("roster", "import", str(tmp_path / f"r{n}.csv"), "--db", str(tmp_path / "i.db"))
        assert code == 0 and "4 registered workers" in err, (n, err)
    latin = "order_id,card_no,service_date\nÄ1,NBT000000,2026-03-02\n".encode("latin-1")
    (tmp_path / "latin.csv").write_bytes(latin)
    code, _, err = run("orders", "import", str(tmp_path / "latin.csv"), "--db", str(tmp_path / "i.db"))
    assert code == 2 and err.count("\n") == 1 and "latin.csv byte 30 (line 2): not UTF-8" in err, err
    (tmp_path / "odd.csv").write_bytes(b"\xff\xfe" + b"\x00\xd8")  # a BOM, then a lone surrogate
    code, _, err = run("orders", "import", str(tmp_path / "odd.csv"), "--db", str(tmp_path / "i.db"))
    assert code == 2 and err.count("\n") == 1 and "not UTF-16 text" in err, err


def test_roster_replace_deregisters_the_missing(tmp_path: Path) -> None:
    """A re-import adds and updates; only --replace takes people off the roster (with the day),
    and 持证率 then counts the current roster.  A deregistered worker listed again is back."""
    db, _ = new_db(tmp_path / "i.db", count=2)  # NBT000000 and NBT000001 hold cards
    db.close()
    path = str(tmp_path / "i.db")
    rows = _valid_rows()
    (tmp_path / "all.csv").write_text(ROSTER_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "less.csv").write_text(ROSTER_HEADER + "\n".join(rows[1:3]) + "\n", encoding="utf-8")
    assert run("roster", "import", str(tmp_path / "all.csv"), "--db", path)[0] == 0
    code, _, err = run("roster", "import", str(tmp_path / "less.csv"), "--db", path)
    assert code == 0 and "4 registered workers and 2 enterprises" in err  # nobody removed
    later = NOW + dt.timedelta(days=1)
    code, _, err = run("roster", "import", str(tmp_path / "less.csv"), "--db", path, "--replace",
                       "--now", later.isoformat())  # fmt: skip
    assert code == 0 and "0 workers added, 2 updated, 2 deregistered" in err, err
    assert "2 registered workers and 1 enterprise " in err, err
    code, out, _ = run("report", "coverage", "--db", path, "--now", NOW.isoformat(), "--format", "csv")
    assert code == 0 and out.splitlines()[-1].split(",")[3:5] == ["2", "1"], out  # registered 2, carded 1
    code, out, _ = run("worker", "show", "NBT000000", "--db", path, "--json")
    worker = json.loads(out)["worker"]
    assert worker["in_roster"] is False and worker["deregistered_at"].startswith(str(later.date()))
    code, out, _ = run("worker", "show", "NBT000000", "--db", path)
    assert f"deregistered from the roster on {later.date()}" in out
    (tmp_path / "bad.csv").write_text(ROSTER_HEADER + rows[0] + "\n330203199001011235,坏,X,,,\n")
    code, _, err = run("roster", "import", str(tmp_path / "bad.csv"), "--db", path, "--replace")
    assert code == 2 and "--replace" in err and "nothing was imported" in err
    code, _, err = run("roster", "import", str(tmp_path / "all.csv"), "--db", path)
    assert code == 0 and "4 registered workers and 2 enterprises" in err
    assert json.loads(run("worker", "show", "NBT000000", "--db", path, "--json")[1])["worker"]["in_roster"]


def _store(path: Path, *datas: bytes, now: dt.datetime = NOW) -> None:
    from anxinma.visit import open_visit

    with VisitDB(path) as db:
        results = db.store_visits([(open_visit(d, now=now), d, record_digest(d)) for d in datas], now=now)
    assert all(r.outcome == "stored" for r in results), results


def test_orders_import_and_display_rate(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    db, (m0, m1, _m2) = new_db(path, count=3)
    db.close()
    day = (NOW - dt.timedelta(days=1)).astimezone(CST)
    orders = ["订单号,服务证号,服务日期"] + [f"A{n},NBT00000{n},{day.date()}" for n in range(3)]
    orders += [
        f"B1,NBT000001,{(day - dt.timedelta(days=3)).date()}",
        "C1,NOSUCHCARD,2026-03-02",
        "C2,NBT000000,2026-02-30",
    ]
    (tmp_path / "orders.csv").write_bytes("\n".join(orders).encode("gb18030"))
    code, _, err = run(
        "orders", "import", str(tmp_path / "orders.csv"), "--db", str(path), "--encoding", "gbk"
    )
    assert code == 1 and "4 added, 0 updated, 2 bad rows" in err
    assert "row 6: card_no: card NOSUCHCARD" in err and "row 7: service_date" in err
    a, b = Device(), Device()
    _store(path, a.sign(a.visit(m0, scanned=day, stars=5)), b.sign(b.visit(m1, scanned=day, entered=True)))
    code, out, _ = run("report", "display-rate", "--db", str(path), "--format", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "enterprise,district,uscc,orders,shown,entered,evaluated,display_rate,evaluated_rate"
    assert lines[-1] == "all enterprises,,,4,2,2,1,50.0%,25.0%"
    code, out, _ = run(
        "report", "display-rate", "--db", str(path), "--from", str(day.date()), "--to", str(day.date())
    )
    assert "all districts  3       2      2        1          66.7%         33.3%" in out


def test_ratings_reissue_with_the_households_rating_and_the_worker_file(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    db, (m0, m1, _) = new_db(path, count=3)
    db.close()
    devices = [Device() for _ in range(3)]
    day = (NOW - dt.timedelta(days=1)).astimezone(CST)
    _store(
        path,
        *(d.sign(d.visit(m0, scanned=day, stars=s)) for d, s in zip(devices, (5, 5, 4), strict=True)),
        devices[0].sign(
            devices[0].visit(m1, scanned=day, stars=1, color=anxinma.Color.RED, reasons=("revoked",))
        ),
        devices[1].sign(
            devices[1].visit(
                m1, scanned=day, entered=False, complaint=frozenset({anxinma.visit.Complaint.FEES})
            )
        ),
    )
    code, out, _ = run("report", "ratings", "--db", str(path))
    assert code == 0 and "Ratings and complaints by worker" in out and "fees 乱收费" in out
    code, out, _ = run("report", "ratings", "--db", str(path), "--format", "csv")  # by enterprise
    header, _firm, total = out.splitlines()
    columns = header.split(",")
    assert columns[:7] == [
        "enterprise",
        "district",
        "uscc",
        "workers",
        "evaluations",
        "average",
        "complaints",
    ]
    cells = dict(zip(columns, total.split(","), strict=True))
    assert (cells["workers"], cells["evaluations"], cells["average"], cells["complaints"]) == (
        "2",
        "3",
        "4.7",
        "1",
    )
    assert (cells["fees 乱收费"], cells["not_counted"]) == (
        "1",
        "1",
    )  # the red scan's evaluation does not count
    key = tmp_path / "issuer.key.pem"
    key.write_bytes(private_key_pem(ISSUER_KEY))
    key.chmod(0o600)
    (tmp_path / "w.json").write_text(json.dumps(worker_record(0)), encoding="utf-8")
    code, text, err = run(
        "issue",
        str(tmp_path / "w.json"),
        "--key",
        str(key),
        "--db",
        str(path),
        "--replace",
        "--now",
        NOW.isoformat(),
    )
    assert code == 0, err
    cred = anxinma.decode_unverified(text.strip()).credential
    assert cred is not None and cred.rating == anxinma.Rating(average=4.7, count=3)
    code, out, _ = run("worker", "show", "NBT000000", "--db", str(path), "--json")
    file = json.loads(out)
    assert [c["status"] for c in file["credentials"]] == ["revoked", "valid"]
    assert [e["action"] for e in file["events"]] == ["issue", "revoke", "issue"]
    assert file["rating"] == {"average": 4.7, "count": 3} and len(file["visits"]) == 3
    code, out, _ = run("worker", "show", "NBT000001", "--db", str(path))
    assert code == 0 and "complaints  fees 1" in out and "rating      none yet" in out
    code, _, err = run("worker", "show", "NOPE", "--db", str(path))
    assert code == 2 and err.count("\n") == 1 and "CARD_NO" in err


def test_batch_replace_takes_the_rating(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    db, (m0, *_) = new_db(path, count=2)
    db.close()
    d = Device()
    _store(path, d.sign(d.visit(m0, scanned=(NOW - dt.timedelta(days=1)), stars=3)))
    rows = [worker_record(0) | {"rating": {"average": 4.9, "count": 99}}, worker_record(1)]
    (tmp_path / "w.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    key = tmp_path / "issuer.key.pem"
    key.write_bytes(private_key_pem(ISSUER_KEY))
    key.chmod(0o600)
    code, _, err = run(
        "batch",
        str(tmp_path / "w.jsonl"),
        "--key",
        str(key),
        "--db",
        str(path),
        "--out",
        str(tmp_path / "out"),
        "--format",
        "none",
        "--replace",
        "--jobs",
        "1",
        "--now",
        NOW.isoformat(),
    )
    assert code == 0, err
    manifest = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    ratings = {m["card_no"]: anxinma.decode_unverified(m["code"]).credential.rating for m in manifest}  # type: ignore[union-attr]
    assert ratings == {"NBT000000": anxinma.Rating(average=3.0, count=1), "NBT000001": None}


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    db, _ = new_db(tmp_path / "i.db", count=1)
    db.close()
    (tmp_path / "bad.csv").write_text("order,card\n1,2\n", encoding="utf-8")
    code, _, err = run("orders", "import", str(tmp_path / "bad.csv"), "--db", str(tmp_path / "i.db"))
    assert code == 2 and err.count("\n") == 1 and "unknown column 'order'" in err
    code, _, err = run(
        "report", "display-rate", "--db", str(tmp_path / "i.db"), "--from", "2026-05-01", "--to", "2026-04-01"
    )
    assert code == 2 and err.count("\n") == 1 and "--from" in err
    code, _, err = run("roster", "import", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "i.db"))
    assert code == 2 and err.count("\n") == 1


def test_reports_without_records_or_orders(tmp_path: Path) -> None:
    db, _ = new_db(tmp_path / "i.db", count=1)
    db.close()
    code, out, _ = run("report", "ratings", "--db", str(tmp_path / "i.db"))
    assert code == 0 and "all enterprises" in out and "Ratings and complaints by worker" in out
    code, out, err = run("report", "display-rate", "--db", str(tmp_path / "i.db"))
    assert code == 0 and "no orders" in err and "all districts  0" in out


@pytest.mark.parametrize("option", ["--address-rate", "--device-rate"])
@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_serve_refuses_rates_that_are_not_finite(tmp_path: Path, option: str, value: str) -> None:
    code, _, err = run("serve", "--db", str(tmp_path / "i.db"), option, value)
    assert code == 2 and option in err, err


def test_reinstate_says_it_lifts_a_suspension_only() -> None:
    code, out, _ = run("status", "reinstate", "--help")
    assert code == 0 and "Lift a suspension" in out and "Revocation is final" in out
