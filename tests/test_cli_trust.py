"""The trust, status and directory commands, and verify with them (spec §15), through the CLI.

Every story runs on a fixed timeline (``--now``), with keys made by ``anxinma keygen``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

import anxinma
from anxinma import _demo, gbcodes
from anxinma.document import sign_document
from anxinma.registry import DocumentType
from anxinma.trust import _encode

from .test_cli import REFERENCE, _entry_point, assert_one_error, run

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
ENTERPRISES = EXAMPLES / "enterprises.tsv"
T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=anxinma.CST)
SHARED_TABLE = Path("/work/shared/data/ningbo-enterprises.tsv")
HAISHU_DAZHONG = "宁波市海曙大众社区服务有限公司 · 海曙区"


def at(days: float = 0, hours: float = 0) -> str:
    """An ISO 8601 instant ``days`` and ``hours`` after T0."""
    return (T0 + dt.timedelta(days=days, hours=hours)).isoformat()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """root, a and b (two keys of issuer nb), hz (another issuer): NAME.key.pem / NAME.pub.pem."""
    out = tmp_path_factory.mktemp("pki")
    for name in ("root", "a", "b", "hz"):
        assert run("keygen", "--out-dir", out, "--name", name).exit_code == 0
    return out


class Story:
    """One verifier's world in a temporary directory: trust.json/.cwt, issuer.db, status-0.cwt."""

    def __init__(self, keys: Path, work: Path) -> None:
        self.keys, self.work = keys, work
        self.source, self.signed = work / "trust.json", work / "trust.cwt"
        self.db, self.status = work / "issuer.db", work / "status-0.cwt"
        assert run("trust", "init", "--out", self.source).exit_code == 0

    def key(self, name: str) -> Path:
        return self.keys / f"{name}.key.pem"

    def pub(self, name: str) -> Path:
        return self.keys / f"{name}.pub.pem"

    def kid(self, name: str) -> str:
        return anxinma.kid_of(anxinma.load_public_key(self.pub(name).read_bytes())).hex()

    def ok(self, *args: object) -> Result:
        result = run(*args)
        assert result.exit_code == 0, result.output
        return result

    def add_args(self, issuer: str, key: str, *extra: object) -> tuple[object, ...]:
        return ("trust", "add", self.source, "--issuer", issuer, "--pub", self.pub(key), *extra)

    def add(self, key: str, issuer: str = "nb", *, valid_from: str = at(-1), **named: str) -> None:
        """``trust add`` key ``key`` to ``issuer``; ``named``: --name and --regions for a new issuer."""
        extra = [x for k, v in named.items() for x in (f"--{k}", v)]
        self.ok(*self.add_args(issuer, key, "--valid-from", valid_from, *extra))

    def sign(self, now: str = at()) -> None:
        self.ok(
            "trust", "sign", self.source, "--root-key", self.key("root"), "--out", self.signed, "--now", now
        )

    def issue(self, name: str, now: str, *, db: bool = False) -> str:
        extra = ("--db", self.db) if db else ()
        return self.ok("issue", REFERENCE, "--key", self.key(name), "--now", now, *extra).stdout.strip()

    def publish(self, name: str = "a", now: str = at(), issuer: str = "nb") -> None:
        self.ok(
            "status", "publish", "--db", self.db, "--key", self.key(name), "--issuer", issuer,
            "--out", self.status, "--now", now,
        )  # fmt: skip

    def held(self, *, status: bool = False) -> tuple[object, ...]:
        """The verifier's documents: trust list, pinned root, and the status list if ``status``."""
        lists = ("--status", self.status) if status else ()
        return ("--trust", self.signed, "--root", self.pub("root"), *lists)

    def human(self, code: str, now: str, *extra: object, status: bool = False) -> Result:
        return run("verify", code, *self.held(status=status), "--now", now, *extra)

    def verify(self, code: str, now: str, *extra: object, status: bool = False) -> tuple[int, dict[str, Any]]:
        result = self.human(code, now, "--json", *extra, status=status)
        assert result.stderr == "", result.stderr
        return result.exit_code, json.loads(result.stdout)

    def show_status(self, now: str) -> Result:
        return run(
            "status", "show", self.status, "--trust", self.signed, "--root", self.pub("root"), "--now", now
        )


@pytest.fixture
def story(keys: Path, tmp_path: Path) -> Story:
    return Story(keys, tmp_path)


def nb_with_key_a(story: Story) -> Story:
    story.add("a", name="宁波市家政服务中心", regions="3302")
    story.sign()
    return story


# -- revocation --------------------------------------------------------------------------


def test_revocation_story(story: Story) -> None:
    nb_with_key_a(story)
    story.ok("status", "new", "--db", story.db)
    assert stat.S_IMODE(story.db.stat().st_mode) == 0o600  # names and card numbers: owner only
    issued = story.ok("issue", REFERENCE, "--key", story.key("a"), "--now", at(), "--db", story.db)
    code = issued.stdout.strip()
    found = re.fullmatch(
        r"credential ([0-9a-f]{16}): status list 0, index (\d+); recorded in .*\n", issued.stderr
    )
    assert found is not None, issued.stderr
    cred_id, index = found.group(1), int(found.group(2))
    assert anxinma.decode_unverified(code).credential.status == anxinma.StatusRef(list_id=0, index=index)  # type: ignore[union-attr]

    story.publish(now=at())
    status, out = story.verify(code, at(hours=1), status=True)
    assert (status, out["color"], out["reasons"]) == (0, "green", [])
    assert out["status"] == {
        "state": "checked",
        "value": 0,  # spec §14.2: the status value as a number (0 valid, 1 revoked, 2 suspended)
        "list": "urn:anxinma:status:nb:0",
        "age_seconds": 3600,
    }
    assert out["issuer"] == {"id": "nb", "name": "宁波市家政服务中心"}
    assert out["trust"] == {"sequence": 1, "age_seconds": 3600}

    suspended = story.ok("status", "suspend", "--db", story.db, "nb2021000123", "--now", at(hours=2))
    assert suspended.stdout.split()[:3] == ["suspended", cred_id, "NB2021000123"]
    status, out = story.verify(code, at(hours=3), status=True)
    assert (status, out["reasons"], out["status"]["value"]) == (0, [], 0)  # not published yet
    story.publish(now=at(hours=4))
    status, out = story.verify(code, at(hours=5), status=True)
    assert (status, out["color"], out["reasons"], out["status"]["value"]) == (
        1,
        "red",
        ["suspended"],
        2,
    )
    human = story.human(code, at(hours=5), status=True)
    assert "checked (list 60 min old): suspended in urn:anxinma:status:nb:0" in human.stdout

    story.ok("status", "reinstate", "--db", story.db, "NB2021000123", "--now", at(hours=6))
    story.publish(now=at(hours=6))
    status, out = story.verify(code, at(hours=7), status=True)
    assert (status, out["color"], out["status"]["state"]) == (0, "green", "checked")
    shown = story.show_status(at(hours=7))
    assert shown.exit_code == 0
    assert "131072 entries (131072 valid, 0 revoked, 0 suspended)" in shown.stdout
    assert "urn:anxinma:status:nb:0" in shown.stdout

    story.ok("status", "revoke", "--db", story.db, cred_id, "--now", at(hours=8))
    story.publish(now=at(hours=8))
    status, out = story.verify(code, at(hours=9), status=True)
    assert (status, out["reasons"], out["status"]["value"]) == (1, ["revoked"], 1)
    again = run("status", "reinstate", "--db", story.db, "NB2021000123", "--now", at(hours=10))
    assert again.exit_code == 2 and "revocation is final" in again.stderr  # never valid again


def test_reissue_needs_replace_and_revokes_the_old_credential_in_the_same_step(story: Story) -> None:
    """One live credential per card (spec §16): a second issue is refused; --replace re-issues."""
    nb_with_key_a(story)
    story.ok("status", "new", "--db", story.db)
    first = story.issue("a", at(), db=True)
    again = run("issue", REFERENCE, "--key", story.key("a"), "--now", at(hours=1), "--db", story.db)
    assert again.exit_code == 2 and again.stdout == ""
    assert again.stderr.count("\n") == 1 and "live credential" in again.stderr
    second = story.ok(
        "issue", REFERENCE, "--key", story.key("a"), "--now", at(hours=2), "--db", story.db, "--replace"
    ).stdout.strip()
    story.publish(now=at(hours=3))
    assert story.verify(first, at(hours=4), status=True)[1]["reasons"] == ["revoked"]
    assert story.verify(second, at(hours=4), status=True)[0] == 0
    assert run("issue", REFERENCE, "--key", story.key("a"), "--replace").exit_code == 2  # needs --db


def test_revocation_script_runs_with_the_installed_command() -> None:
    proc = subprocess.run(
        ["bash", str(EXAMPLES / "revocation.sh")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env={**os.environ, "ANXINMA": _entry_point(), "PYTHONWARNINGS": "error"},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("the revocation story ran as expected")
    assert re.search(r"^  Reasons +revoked$", proc.stdout, re.M)
    assert re.search(r"^  Reasons +suspended$", proc.stdout, re.M)
    assert proc.stdout.count("GREEN: verified") == 2


def test_without_a_status_list_the_status_is_not_checked(story: Story) -> None:
    nb_with_key_a(story)
    story.ok("status", "new", "--db", story.db)
    code = story.issue("a", at(), db=True)
    status, out = story.verify(code, at(hours=1))
    assert (status, out["status"]["state"], out["status"]["value"]) == (3, "not_checked", None)
    assert out["reasons"] == ["status_not_checked"]  # yellow: revocation was not checked (issue 9 item 3)
    human = story.human(code, at(hours=1))
    assert human.stdout.startswith("YELLOW: authentic, but revocation NOT checked")
    assert "NOT CHECKED: the card may have been revoked; no status list 0 of issuer nb" in human.stdout


def test_a_stale_status_list_is_yellow_or_red_by_policy(story: Story) -> None:
    nb_with_key_a(story)
    story.ok("status", "new", "--db", story.db)
    code = story.issue("a", at(), db=True)
    story.publish(now=at())
    status, out = story.verify(code, at(days=4), status=True)  # older than the default 72 hours
    assert (status, out["color"], out["reasons"], out["status"]["state"]) == (
        3,
        "yellow",
        ["status_list_stale"],
        "stale",
    )
    assert out["status"]["age_seconds"] == 4 * 86400
    status, out = story.verify(code, at(days=4), "--stale", "red", status=True)
    assert (status, out["color"], out["reasons"]) == (1, "red", ["status_list_stale"])
    status, out = story.verify(code, at(days=4), "--max-status-age", "120", status=True)
    assert (status, out["color"], out["status"]["state"]) == (0, "green", "checked")
    status, out = story.verify(
        code, at(days=8), "--max-status-age", "1000", status=True
    )  # past its exp (7 days)
    assert (status, out["reasons"]) == (3, ["status_list_stale"])


def test_a_status_list_signed_by_another_issuer_is_refused(story: Story) -> None:
    story.add("a", name="宁波市家政服务中心", regions="3302")
    story.add("hz", "hz", name="杭州市家政服务中心", regions="3301")
    story.sign()
    story.ok("status", "new", "--db", story.db)
    code = story.issue("a", at(), db=True)
    story.publish("hz", issuer="nb")  # Hangzhou's key signs a list that claims to be Ningbo's
    human = story.human(code, at(hours=1), status=True)  # reported and left out (issue 9 item 4)
    assert human.exit_code == 3 and "Reasons       status_not_checked" in human.stdout
    assert f"Refused       {story.status} (status list, left out): wrong_issuer" in human.stdout
    assert_one_error(story.show_status(at(hours=1)), 2, f"{story.status}: wrong_issuer")


# -- rotation and compromise ------------------------------------------------------------------


def test_rotation_story(story: Story) -> None:
    nb_with_key_a(story)
    old_a = story.issue("a", at(1))
    assert story.verify(old_a, at(2))[1]["color"] == "green"

    story.add("b", valid_from=at(10))  # issuer nb exists: no --name or --regions needed
    story.sign(at(10))
    b_code = story.issue("b", at(11))
    assert [story.verify(c, at(12))[1]["color"] for c in (old_a, b_code)] == ["green", "green"]

    story.ok("trust", "retire", story.source, "--kid", story.kid("a"), "--at", at(20))
    story.sign(at(20))
    late_a = story.issue("a", at(21))  # the retired key signs anyway
    verdicts = {
        name: story.verify(c, at(25)) for name, c in (("old_a", old_a), ("late_a", late_a), ("b", b_code))
    }
    assert verdicts["old_a"][:1] == (0,) and verdicts["b"][:1] == (0,)
    assert (verdicts["late_a"][0], verdicts["late_a"][1]["reasons"]) == (1, ["issued_outside_key_window"])
    assert verdicts["old_a"][1]["trust"]["sequence"] == 3

    story.ok("trust", "compromise", story.source, "--kid", story.kid("a"))
    story.sign(at(26))
    for code in (old_a, late_a):
        status, out = story.verify(code, at(27))
        assert status == 1 and "key_compromised" in out["reasons"]
    assert story.verify(b_code, at(27))[0] == 0

    shown = story.ok("trust", "show", story.signed, "--root", story.pub("root"), "--now", at(27))
    assert shown.stdout.startswith(f"{story.signed}: trust list sequence 4, signature verified")
    assert re.search(rf"key {story.kid('a')}  compromised .* until 2026-03-21 10:00:00\+08:00", shown.stdout)
    assert re.search(rf"key {story.kid('b')}  active ", shown.stdout)
    source = story.ok("trust", "show", story.source)
    assert "sequence 4; 'trust sign' makes 5" in source.stdout
    retire_again = run("trust", "retire", story.source, "--kid", story.kid("a"))
    assert_one_error(retire_again, 2, "--kid")  # a compromised key is never downgraded
    assert "stays so" in retire_again.stderr


def test_trust_list_editing_refusals(story: Story) -> None:
    assert_one_error(run("trust", "init", "--out", story.source), 2, str(story.source))  # no overwrite
    assert_one_error(run(*story.add_args("nb", "a")), 2, "--name")
    assert_one_error(run(*story.add_args("NB", "a", "--name", "x", "--regions", "3302")), 2, "--issuer")
    assert_one_error(run(*story.add_args("nb", "a", "--name", "x", "--regions", "33a2")), 2, "--regions")
    assert_one_error(run(*story.add_args("nb", "a", "--name", " ", "--regions", "3302")), 2, "--name")
    nb_with_key_a(story)
    again = run(*story.add_args("hz", "a", "--name", "x", "--regions", "3301"))
    assert_one_error(again, 2, "--pub")
    assert_one_error(run("trust", "retire", story.source, "--kid", "00" * 8), 2, "--kid")
    assert_one_error(run("trust", "retire", story.source, "--kid", "xyz"), 2, "--kid")
    early = run("trust", "retire", story.source, "--kid", story.kid("a"), "--at", at(-30))
    assert_one_error(early, 2, "--at")
    same = run("trust", "sign", story.source, "--root-key", story.key("root"), "--out", story.source)
    assert_one_error(same, 2, "--out")
    (story.work / "broken.json").write_text('{"sequence": 1, "issuers": [["not", "an", "object"]]}')
    assert_one_error(run("trust", "show", story.work / "broken.json"), 2, str(story.work / "broken.json"))
    assert_one_error(run("trust", "show", story.signed), 2, "--root")
    help_text = run("trust")
    assert help_text.exit_code == 0 and "trust sign" in help_text.stdout


# -- roles and rollback -----------------------------------------------------------------------


def test_role_confusion(story: Story) -> None:
    nb_with_key_a(story)
    before = (story.source.read_bytes(), story.signed.read_bytes())
    as_root = run("trust", "sign", story.source, "--root-key", story.key("a"), "--out", story.signed)
    assert_one_error(as_root, 2, "--root-key")  # the library refuses: a listed issuer key as root
    assert "roles never mix" in as_root.stderr
    assert (story.source.read_bytes(), story.signed.read_bytes()) == before  # nothing written

    listed = anxinma.TrustList.load(story.signed.read_bytes(), [load_pub(story.pub("root"))], now=T0)
    forged = story.work / "forged.cwt"  # what a forger holding issuer key A could make
    forged.write_bytes(sign_document(_encode(listed), load_key(story.key("a")), typ=DocumentType.TRUST_LIST))
    code = story.issue("a", at())
    refused = run("verify", code, "--trust", forged, "--root", story.pub("root"), "--now", at(hours=1))
    assert_one_error(refused, 2, f"{forged}: role_mismatch")

    root_code = story.issue("root", at())  # the root key signs a credential
    status, out = story.verify(root_code, at(hours=1))
    assert (status, out["color"], out["reasons"], out["credential"]) == (1, "red", ["role_mismatch"], None)


def test_rollback_is_refused(story: Story) -> None:
    nb_with_key_a(story)
    old = story.work / "old.cwt"
    shutil.copyfile(story.signed, old)
    story.sign(at(1))
    code = story.issue("a", at(1))
    args = ("verify", code, "--root", story.pub("root"), "--now", at(1, 1), "--trust-min-sequence", "2")
    assert run(*args, "--trust", story.signed).exit_code == 0
    assert_one_error(run(*args, "--trust", old), 2, f"{old}: rollback")
    assert json.loads(story.source.read_text("utf-8"))["sequence"] == 2


def test_document_and_option_errors_are_one_line(story: Story) -> None:
    nb_with_key_a(story)
    code = story.issue("a", at())
    base = ("verify", code, "--now", at(hours=1))
    assert_one_error(run(*base, "--trust", story.signed), 2, "--root")
    assert_one_error(run(*base, "--trust", story.pub("a"), "--status", story.signed), 2, "--status")
    assert_one_error(
        run(*base, "--trust", story.pub("a"), "--trust-min-sequence", "1"), 2, "--trust-min-sequence"
    )
    assert_one_error(run(*base, "--trust", story.pub("a"), "--root", story.pub("root")), 2, "--root")
    both = run(*base, "--trust", story.signed, "--trust", story.pub("a"), "--root", story.pub("root"))
    assert_one_error(both, 2, "--trust")
    garbage = story.work / "garbage.cwt"
    garbage.write_bytes(b"\x84garbage")
    assert_one_error(run(*base, "--trust", garbage, "--root", story.pub("root")), 2, f"{garbage}: malformed")
    as_status = run(*base, "--trust", story.signed, "--root", story.pub("root"), "--status", story.signed)
    assert as_status.exit_code == 0  # this code has no status entry: the refused list is not needed
    assert f"Refused       {story.signed} (status list, left out): wrong_type" in as_status.stdout
    expired = run("verify", code, "--trust", story.signed, "--root", story.pub("root"), "--now", at(40))
    assert_one_error(expired, 2, f"{story.signed}: expired")
    keyring = run(*base, "--trust", story.pub("a"), "--json")  # a bare public key still works
    out = json.loads(keyring.stdout)
    assert (keyring.exit_code, out["issuer"], out["trust"], out["status"]["state"]) == (
        0,
        None,
        None,
        "not_checked",
    )
    assert_one_error(run("issue", REFERENCE, "--key", story.key("a"), "--list-id", "1"), 2, "--list-id")
    assert_one_error(run("status", "revoke", "--db", story.work / "none.db", "NB1"), 2, "--db")
    story.ok("status", "new", "--db", story.db)
    assert_one_error(run("status", "new", "--db", story.db), 2, "--list-id")
    assert_one_error(run("status", "revoke", "--db", story.db, "NB404"), 2, "NB404")
    assert_one_error(
        run("issue", REFERENCE, "--key", story.key("a"), "--db", story.db, "--list-id", "7"), 2, "--list-id"
    )


# -- the enterprise directory -----------------------------------------------------------------


def test_directory_build_show_and_verify(story: Story) -> None:
    nb_with_key_a(story)
    directory = story.work / "directory.cwt"
    built = story.ok(
        "directory", "build", ENTERPRISES, "--root-key", story.key("root"), "--out", directory, "--now", at()
    )
    notes = built.stderr.splitlines()
    assert notes[0] == f"{ENTERPRISES} line 54: 宁波市镇海区招宝山兴隆家政服务部 repeats line 53; listed once"
    assert "98 enterprises" in notes[-1]
    loaded = anxinma.Directory.load(directory.read_bytes(), [load_pub(story.pub("root"))], now=T0)
    usccs = [e.uscc for e in loaded.enterprises]
    assert len(usccs) == len(set(usccs)) == 98

    code = story.issue("a", at())
    verify = ("verify", code, "--trust", story.signed, "--root", story.pub("root"), "--directory", directory)
    human = run(*verify, "--now", at(hours=1))
    assert human.exit_code == 0
    assert f"Enterprise    {HAISHU_DAZHONG} (USCC 91330203MA2H123450)" in human.stdout
    assert "Issuer        宁波市家政服务中心; issuer id nb" in human.stdout
    out = json.loads(run(*verify, "--now", at(hours=1), "--json").stdout)
    assert out["enterprise"] == {
        "uscc": "91330203MA2H123450",
        "name": "宁波市海曙大众社区服务有限公司",
        "district": "海曙区",
    }

    show = ("directory", "show", directory, "--root", story.pub("root"), "--now", at())
    assert story.ok(*show, "--uscc", "91330203MA2H123450").stdout == f"91330203MA2H123450  {HAISHU_DAZHONG}\n"
    unknown = "91330203MA2H12346" + gbcodes.uscc_check_char("91330203MA2H12346")
    assert run(*show, "--uscc", unknown).exit_code == 1
    assert_one_error(run(*show, "--uscc", "91330203MA2H123451"), 2, "--uscc")
    assert_one_error(
        run("directory", "show", directory, "--root", story.pub("a")), 2, f"{directory}: unknown_key"
    )


ROW = "1\t海曙区\t330203\tA公司\t91330203MA2H123450\n"


@pytest.mark.parametrize(
    ("rows", "line"),
    [
        (ROW.replace("123450", "123451"), 3),  # a bad check character
        (ROW.rsplit("\t", 1)[0] + "\n", 3),  # a column short
        ("x" + ROW[1:], 3),  # the rank is not a number
        (ROW + ROW.replace("123450", "12346" + gbcodes.uscc_check_char("91330203MA2H12346")), 4),  # same name
        (ROW + ROW.replace("A公司", "B公司"), 4),  # one USCC, two names
    ],
)
def test_directory_build_names_the_bad_line(story: Story, rows: str, line: int) -> None:
    tsv = story.work / "bad.tsv"
    tsv.write_text("# a comment\nrank\tdistrict\tregion_code\tname\tuscc\n" + rows, "utf-8")
    result = run("directory", "build", tsv, "--root-key", story.key("root"), "--out", story.work / "d.cwt")
    assert_one_error(result, 2, f"{tsv} line {line}: ")
    assert not (story.work / "d.cwt").exists()


def test_directory_build_refuses_a_table_without_the_header(story: Story) -> None:
    tsv = story.work / "bad.tsv"
    tsv.write_text("rank\tdistrict\tname\n" + ROW, "utf-8")
    result = run("directory", "build", tsv, "--root-key", story.key("root"), "--out", story.work / "d.cwt")
    assert_one_error(result, 2, f"{tsv} line 1")


def test_enterprises_tsv_is_the_ningbo_table_with_synthetic_usccs() -> None:
    lines = ENTERPRISES.read_text("utf-8").splitlines()
    assert "SYNTHETIC" in "\n".join(line for line in lines if line.startswith("#"))
    rows = list(csv.DictReader((line for line in lines if not line.startswith("#")), delimiter="\t"))
    assert [int(r["rank"]) for r in rows] == list(range(1, 100))
    samples = {
        json.loads(p.read_text("utf-8"))["enterprise_uscc"]: p.name
        for p in (EXAMPLES / "workers").glob("*.json")
    }
    for row in rows:
        assert gbcodes.uscc_problem(row["uscc"]) is None
        assert row["uscc"][2:8] == (row["region_code"] or "330200")
        if row["uscc"] not in samples:  # the documented formula, recomputed
            digest = hashlib.sha256(("anxinma/example-uscc\x00" + row["name"]).encode()).digest()
            first = row["uscc"][:11] + "".join(gbcodes.USCC_ALPHABET[b % 31] for b in digest[:6])
            assert row["uscc"] == first + gbcodes.uscc_check_char(first)
    by_uscc = {r["uscc"]: r for r in rows}
    assert by_uscc["91330203MA2H123450"]["name"] == "宁波市海曙大众社区服务有限公司"  # the reference record
    readme = (EXAMPLES / "workers" / "README.md").read_text("utf-8")
    for uscc, name in samples.items():  # every sample record's enterprise is the one its README row names
        row = by_uscc[uscc]
        assert name == "reference.json" or f"{row['name']} ({row['rank']})" in readme


def test_enterprises_tsv_rows_are_the_published_table() -> None:
    if not SHARED_TABLE.is_file():
        pytest.skip(f"{SHARED_TABLE} (reference data outside the repository) is not available")
    with SHARED_TABLE.open(encoding="utf-8") as f:
        published = [tuple(r.values()) for r in csv.DictReader(f, delimiter="\t")]
    lines = [line for line in ENTERPRISES.read_text("utf-8").splitlines() if not line.startswith("#")]
    ours = [
        (r["rank"], r["district"], r["region_code"], r["name"]) for r in csv.DictReader(lines, delimiter="\t")
    ]
    assert ours == published


# -- the demo and the example scripts -----------------------------------------------------------


def test_demo_verifies_with_the_bundled_documents(tmp_path: Path) -> None:
    result = run("demo", "--out-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert "\nGREEN: verified" in result.stdout
    assert f"Issuer        {_demo.ISSUER_NAME}; issuer id {_demo.ISSUER_ID}" in result.stdout
    assert re.search(
        r"Status +checked \(list \d+ [a-z]+ old\): valid in urn:anxinma:status:nb-demo:0", result.stdout
    )
    assert f"Enterprise    {HAISHU_DAZHONG}" in result.stdout
    assert "Trust list    sequence 1" in result.stdout
    code = next(line for line in result.stdout.splitlines() if line.startswith("AXM1:"))
    assert anxinma.decode_unverified(code).credential.status == _demo.STATUS_REF  # type: ignore[union-attr]


def test_bundled_demo_documents_load_and_are_reproducible() -> None:
    now = dt.datetime.now(dt.UTC)
    trust = anxinma.TrustList.load(_demo.trust_document(), [_demo.root_public_key()], now=now)
    issuer = trust.issuer(_demo.ISSUER_ID)
    assert (
        issuer is not None and issuer.name == "宁波市家政服务指导中心 (DEMO)" and issuer.regions == ("3302",)
    )
    assert [k.kid for k in issuer.keys] == [anxinma.kid_of(_demo.public_key())]
    token = anxinma.StatusListToken.load(_demo.status_document(), trust, now=now)
    assert token.statuses.counts()[anxinma.Status.VALID] == token.statuses.size
    assert trust.expires_at - trust.issued_at >= dt.timedelta(days=3650)
    directory = anxinma.Directory.load(_demo.directory_document(), [_demo.root_public_key()], now=now)
    assert directory.find("91330203MA2H123450") is not None
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / "make_demo_documents.py"), "--check"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_rotation_example_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / "rotation.py")],
        capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "every verdict as expected"
    assert "UNEXPECTED" not in proc.stdout
    assert any("after" in line and "issued_outside_key_window" in line for line in lines)
    assert sum("key_compromised" in line for line in lines) == 2


def load_pub(path: Path) -> Any:
    return anxinma.load_public_key(path.read_bytes())


def load_key(path: Path) -> Any:
    return anxinma.load_private_key(path.read_bytes())
