"""The examples: sample worker records, records that must be refused, and the library script."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import anxinma
from anxinma import _demo, gbcodes
from anxinma.cli import main
from anxinma.qr import make_qr

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
WORKERS = EXAMPLES / "workers"
INVALID = EXAMPLES / "invalid"
ENTERPRISES = Path("/work/shared/data/ningbo-enterprises.tsv")
NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=anxinma.CST)

#: What each sample must verify to at NOW (independent of the README's table).
EXPECTED = {
    "reference.json": ("green", ()),
    "li-guifang.json": ("green", ()),
    "ayiguli-maimaiti.json": ("green", ()),
    "chen-meihua.json": ("yellow", ("health_exam_expired",)),
    "zhao-liping.json": ("yellow", ("insurance_missing",)),
    "zhang-jianguo.json": ("green", ()),
}


def load(path: Path) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return record


def readme_rows(path: Path) -> list[list[str]]:
    """The body rows of the first Markdown table in ``path``, as lists of cells."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in path.read_text("utf-8").splitlines()
        if line.startswith("|")
    ]
    return rows[2:]


# -- sample workers -------------------------------------------------------------------


def test_every_sample_is_expected() -> None:
    assert sorted(p.name for p in WORKERS.glob("*.json")) == sorted(EXPECTED)


def test_reference_record_matches_the_copy_in_the_package() -> None:
    assert load(WORKERS / "reference.json") == _demo.REFERENCE_RECORD
    assert _demo.reference_record() == _demo.REFERENCE_RECORD
    assert _demo.reference_record() is not _demo.REFERENCE_RECORD


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_issues_and_verifies_as_expected(name: str) -> None:
    worker = anxinma.parse_worker(load(WORKERS / name))
    text = anxinma.issue(worker, _demo.private_key(), now=NOW)
    trust = anxinma.Keyring([_demo.public_key()])
    result = anxinma.verify(text, trust, now=NOW + dt.timedelta(hours=1), id_number=worker.id_number)
    color, reasons = EXPECTED[name]
    assert result.color.value == color
    assert tuple(r.value for r in result.reasons) == reasons
    assert result.id_match is True
    assert make_qr(text).version <= 10


def test_reference_is_a_version_9_m_symbol() -> None:
    worker = anxinma.parse_worker(load(WORKERS / "reference.json"))
    text = anxinma.issue(worker, _demo.private_key(), now=NOW)
    assert make_qr(text).designator == "9-M"


def test_samples_cover_the_cases_the_issue_asks_for() -> None:
    records = {p.name: load(p) for p in WORKERS.glob("*.json")}
    assert any("\u00b7" in r["name"] for r in records.values())  # a minority name with the middle dot
    assert any(r.get("health_exam_valid_until", "9999") < NOW.date().isoformat() for r in records.values())
    assert any("insurance_valid_until" not in r for r in records.values())
    assert {gbcodes.id_number_problem(r["id_number"]) for r in records.values()} == {None}
    assert {gbcodes.uscc_problem(r["enterprise_uscc"]) for r in records.values()} == {None}
    assert {r["enterprise_uscc"][2:8] == r["region"] for r in records.values()} == {True}


def test_workers_readme_lists_every_sample_with_its_district() -> None:
    rows = {row[0]: row for row in readme_rows(WORKERS / "README.md")}
    assert sorted(rows) == sorted(EXPECTED)
    for name, (_, _, _, _, region, verdict) in rows.items():
        record = load(WORKERS / name)
        assert record["region"] == region
        assert record["enterprise_uscc"][2:8] == region
        assert verdict.split(":")[0] == EXPECTED[name][0]


def test_readme_enterprises_are_the_ones_in_the_ningbo_table() -> None:
    if not ENTERPRISES.is_file():
        pytest.skip(f"{ENTERPRISES} (reference data outside the repository) is not available")
    with ENTERPRISES.open(encoding="utf-8") as f:
        table = {row["rank"]: row for row in csv.DictReader(f, delimiter="\t")}
    checked = 0
    for _, _, enterprise, district, region, _ in readme_rows(WORKERS / "README.md"):
        found = re.fullmatch(r"(.+) \((\d+)\)", enterprise)
        if found is None:
            continue  # the reference record names no enterprise
        row = table[found.group(2)]
        assert (row["name"], row["district"], row["region_code"]) == (found.group(1), district, region)
        checked += 1
    assert checked == len(EXPECTED)


# -- records that must be refused -------------------------------------------------------


def invalid_files() -> list[Path]:
    return sorted(INVALID.glob("*.json"))


def test_invalid_readme_lists_every_file() -> None:
    listed = sorted(row[0] for row in readme_rows(INVALID / "README.md"))
    assert listed == [p.name for p in invalid_files()]
    assert len(listed) >= 5


@pytest.fixture(scope="module")
def issuer_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("issuer")
    assert CliRunner().invoke(main, ["keygen", "--out-dir", str(out), "--name", "issuer"]).exit_code == 0
    return out / "issuer.key.pem"


@pytest.mark.parametrize("path", invalid_files(), ids=lambda p: p.stem)
def test_invalid_record_is_refused_naming_the_field(path: Path, issuer_key: Path) -> None:
    field = path.stem.split("__")[0]
    result = CliRunner().invoke(
        main, ["issue", str(path), "--key", str(issuer_key), "--now", NOW.isoformat()]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert re.match(rf"anxinma: error: {re.escape(field)}( \(label -?\d+\))?: ", lines[0]), lines[0]


# -- the library script -----------------------------------------------------------------


def test_issue_and_verify_script_prints_the_colour() -> None:
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / "issue_and_verify.py")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
        cwd=REPO.parent,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert re.fullmatch(r"code \(\d+ characters\): AXM1:[0-9A-Z $%*+\-./:]+", lines[0])
    assert "the ID number typed matches: True" in lines[1]
    # The script uses the real clock; the reference health exam runs to 2027-09-30
    # and the insurance to 2027-12-31 (China Standard Time), after which it is yellow.
    today = dt.datetime.now(anxinma.CST).date()
    expected = "green" if today <= dt.date(2027, 9, 30) else "yellow"
    assert lines[-1].split()[:2] == ["colour:", expected]
