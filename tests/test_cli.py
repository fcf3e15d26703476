"""The ``anxinma`` command line: exit statuses, one-line errors, and each command's output."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import anxinma
from anxinma import _demo, cbor
from anxinma.base45 import b45encode
from anxinma.claims import to_claims
from anxinma.cli import main
from anxinma.cose import sign1
from anxinma.qr import make_qr

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "examples" / "workers" / "reference.json"
NOW = "2026-03-01T10:00:00+08:00"
SOON = "2026-03-02T10:00:00+08:00"
VALID_DAYS = 730
#: The characters a QR code holds in alphanumeric mode, i.e. every character a code may contain.
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
REFERENCE_ID = "330203198503150020"
OTHER_VALID_ID = "330203198503150039"


def run(*args: object, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Invoke the CLI in-process; no invocation may ever end in a traceback."""
    result = CliRunner().invoke(main, [str(a) for a in args], input=stdin, env=env)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def assert_one_error(result: Result, code: int, where: str) -> None:
    """Exit ``code``, nothing on stdout, one line on stderr naming ``where``."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"anxinma: error: {where}"), lines[0]


def verify_json(code: str, *args: object) -> tuple[int, dict[str, object]]:
    result = run("verify", code, "--json", *args)
    assert result.stderr == ""
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("keys")
    assert run("keygen", "--out-dir", out, "--name", "issuer").exit_code == 0
    assert run("keygen", "--out-dir", out, "--name", "other").exit_code == 0
    return {
        "key": out / "issuer.key.pem",
        "pub": out / "issuer.pub.pem",
        "other_key": out / "other.key.pem",
        "other_pub": out / "other.pub.pem",
    }


@pytest.fixture(scope="module")
def code(keys: dict[str, Path]) -> str:
    result = run("issue", REFERENCE, "--key", keys["key"], "--now", NOW, "--valid-days", VALID_DAYS)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    return lines[0]


# -- keygen ---------------------------------------------------------------------------


def test_keygen_writes_0600_private_key_and_prints_the_kid(tmp_path: Path) -> None:
    result = run("keygen", "--out-dir", tmp_path / "new", "--name", "k1")
    assert result.exit_code == 0
    private, public = tmp_path / "new" / "k1.key.pem", tmp_path / "new" / "k1.pub.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    key = anxinma.load_private_key(private.read_bytes())
    pub = anxinma.load_public_key(public.read_bytes())
    assert anxinma.kid_of(key) == anxinma.kid_of(pub)
    assert result.stdout == anxinma.kid_of(pub).hex() + "\n"
    assert "PRIVATE KEY-----" not in result.output  # the key itself is never printed
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["k1.key.pem", "k1.pub.pem"]


@pytest.mark.parametrize("existing", ["k2.key.pem", "k2.pub.pem"])
def test_keygen_refuses_to_overwrite_either_file(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).write_bytes(b"precious")
    result = run("keygen", "--out-dir", tmp_path, "--name", "k2")
    assert_one_error(result, 2, str(tmp_path / existing))
    assert "refusing to overwrite" in result.stderr
    assert (tmp_path / existing).read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == [existing]


def test_keygen_refuses_a_second_run(tmp_path: Path) -> None:
    assert run("keygen", "--out-dir", tmp_path, "--name", "k3").exit_code == 0
    before = (tmp_path / "k3.key.pem").read_bytes()
    assert_one_error(run("keygen", "--out-dir", tmp_path, "--name", "k3"), 2, str(tmp_path))
    assert (tmp_path / "k3.key.pem").read_bytes() == before


@pytest.mark.parametrize("name", ["../escape", "a/b", "", ".hidden"])
def test_keygen_refuses_a_name_that_is_not_a_plain_file_name(tmp_path: Path, name: str) -> None:
    assert_one_error(run("keygen", "--out-dir", tmp_path, "--name", name), 2, "--name")
    assert list(tmp_path.iterdir()) == []


def test_passphrase_comes_from_the_environment(tmp_path: Path) -> None:
    env = {"AXM_PASS": "correct horse battery staple"}
    result = run("keygen", "--out-dir", tmp_path, "--name", "sealed", "--passphrase-env", "AXM_PASS", env=env)
    assert result.exit_code == 0
    key_file = tmp_path / "sealed.key.pem"
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    issue = ("issue", REFERENCE, "--key", key_file, "--now", NOW)
    assert_one_error(run(*issue), 2, str(key_file))  # no passphrase given
    assert_one_error(run(*issue, "--passphrase-env", "AXM_UNSET"), 2, "--passphrase-env")
    wrong = run(*issue, "--passphrase-env", "AXM_PASS", env={"AXM_PASS": "wrong"})
    assert_one_error(wrong, 2, str(key_file))
    good = run(*issue, "--passphrase-env", "AXM_PASS", env=env)
    assert good.exit_code == 0
    assert good.stdout.startswith("AXM1:")


# -- issue ----------------------------------------------------------------------------


def test_issue_prints_one_line_that_fits_qr_version_9_m(code: str) -> None:
    assert code.startswith(anxinma.PREFIX)
    qr = make_qr(code)
    assert qr.version <= 9
    assert qr.error == "M"


def test_issue_refuses_a_key_file_others_can_read(keys: dict[str, Path], tmp_path: Path) -> None:
    loose = tmp_path / "loose.key.pem"
    shutil.copyfile(keys["key"], loose)
    loose.chmod(0o640)
    result = run("issue", REFERENCE, "--key", loose, "--now", NOW)
    assert_one_error(result, 2, str(loose))
    assert "chmod 600" in result.stderr


def test_issue_refuses_a_public_key_as_signing_key(keys: dict[str, Path], tmp_path: Path) -> None:
    pub = tmp_path / "pub.pem"
    shutil.copyfile(keys["pub"], pub)
    pub.chmod(0o600)
    assert_one_error(run("issue", REFERENCE, "--key", pub, "--now", NOW), 2, str(pub))


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b'{\n  "name": "x",\n  "card_no": }\n', "line 3 column 14"),
        (b'{"name": "\xe7\x8e"}', "byte 10"),
        (b"[1, 2]", "record"),
        (b'{"name": NaN}', "NaN"),
        (b"", "line 1 column 1"),
    ],
)
def test_issue_names_the_place_in_a_broken_record_file(
    keys: dict[str, Path], tmp_path: Path, content: bytes, where: str
) -> None:
    record = tmp_path / "worker.json"
    record.write_bytes(content)
    result = run("issue", record, "--key", keys["key"], "--now", NOW)
    at = where if where in ("record", "NaN") else f"{record} {where}"
    assert_one_error(result, 2, at)


def test_issue_reads_the_record_from_stdin(keys: dict[str, Path]) -> None:
    result = run("issue", "-", "--key", keys["key"], "--now", NOW, stdin=REFERENCE.read_text("utf-8"))
    assert result.exit_code == 0
    assert result.stdout.startswith("AXM1:")


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (("issue", REFERENCE), "--key"),
        (("issue", REFERENCE, "--key", "missing.pem"), "missing.pem"),
        (("issue", "missing.json", "--key", "k.pem"), "missing.json"),
        (("issue", REFERENCE, "--key", "k.pem", "--valid-days", "0"), "--valid-days"),
        (("issue", REFERENCE, "--key", "k.pem", "--now", "2026-03-01T10:00:00"), "--now"),
        (("issue", REFERENCE, "--key", "k.pem", "--now", "yesterday"), "--now"),
        (("verify", "AXM1:", "--trust", "missing.pem"), "missing.pem"),
        (("verify", "AXM1:"), "--trust"),
        (("render", "AXM1:"), "--out"),
        (("frobnicate",), "usage"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: tuple[object, ...], where: str) -> None:
    assert_one_error(run(*args), 2, where)


def test_no_arguments_prints_help() -> None:
    result = run()
    assert result.exit_code == 0
    assert "keygen" in result.stdout
    assert "verify" in result.stdout


# -- verify ---------------------------------------------------------------------------


def test_verify_green(code: str, keys: dict[str, Path]) -> None:
    result = run("verify", code, "--trust", keys["pub"], "--now", SOON)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("GREEN")
    assert "王秀英" in result.stdout
    assert "330203************" in result.stdout
    assert REFERENCE_ID not in result.stdout
    assert "91330203MA2H123450" in result.stdout
    assert "育婴服务 infant care" in result.stdout
    assert "2027-09-30" in result.stdout


def test_verify_json_fields(code: str, keys: dict[str, Path]) -> None:
    status, out = verify_json(code, "--trust", keys["pub"], "--now", SOON)
    assert status == 0
    assert out["color"] == "green"
    assert out["reasons"] == []
    assert out["kid"] == anxinma.kid_of(anxinma.load_public_key(keys["pub"].read_bytes())).hex()
    assert out["id_match"] is None
    assert out["detail"] == ""
    cred = out["credential"]
    assert isinstance(cred, dict)
    record = json.loads(REFERENCE.read_text("utf-8"))
    for field in ("name", "card_no", "enterprise_uscc", "region", "services", "health_exam_valid_until"):
        assert cred[field] == record[field]
    assert cred["id_number_masked"] == "330203************"
    assert dt.datetime.fromisoformat(cred["issued_at"]) == dt.datetime.fromisoformat(NOW)


def test_verify_yellow_the_day_after_the_health_exam(code: str, keys: dict[str, Path]) -> None:
    last = run("verify", code, "--trust", keys["pub"], "--now", "2027-09-30T23:59:59+08:00")
    assert last.exit_code == 0
    status, out = verify_json(code, "--trust", keys["pub"], "--now", "2027-10-01T00:00:00+08:00")
    assert status == 3
    assert out["color"] == "yellow"
    assert out["reasons"] == ["health_exam_expired"]
    assert "2027-09-30" in str(out["detail"])
    human = run("verify", code, "--trust", keys["pub"], "--now", "2027-10-01T00:00:00+08:00")
    assert human.exit_code == 3
    assert human.stdout.startswith("YELLOW")
    assert "health_exam_expired" in human.stdout


def test_verify_red_once_expired(code: str, keys: dict[str, Path]) -> None:
    exp = dt.datetime.fromisoformat(NOW) + dt.timedelta(days=VALID_DAYS)
    before = (exp - dt.timedelta(seconds=1)).isoformat()
    status, out = verify_json(code, "--trust", keys["pub"], "--now", before)
    assert "expired" not in out["reasons"]
    status, out = verify_json(code, "--trust", keys["pub"], "--now", exp.isoformat())
    assert status == 1
    assert out["color"] == "red"
    assert "expired" in out["reasons"]
    assert out["credential"] is not None  # authentic, but out of date


def test_verify_id_number_match_and_mismatch(code: str, keys: dict[str, Path]) -> None:
    trust = ("--trust", keys["pub"], "--now", SOON)
    status, out = verify_json(code, *trust, "--id-number", REFERENCE_ID)
    assert (status, out["color"], out["id_match"]) == (0, "green", True)
    assert anxinma.gbcodes.id_number_problem(OTHER_VALID_ID) is None
    status, out = verify_json(code, *trust, "--id-number", OTHER_VALID_ID)
    assert (status, out["color"], out["id_match"]) == (1, "red", False)
    assert out["reasons"] == ["id_number_mismatch"]
    human = run("verify", code, *trust, "--id-number", OTHER_VALID_ID)
    assert human.exit_code == 1
    assert "does NOT match" in human.stdout
    assert_one_error(run("verify", code, *trust, "--id-number", "330203198503150021"), 2, "--id-number")


def test_verify_reads_stdin(code: str, keys: dict[str, Path]) -> None:
    result = run("verify", "-", "--trust", keys["pub"], "--now", SOON, stdin=code + "\n")
    assert result.exit_code == 0
    assert result.stdout.startswith("GREEN")


def test_verify_trusts_every_key_given(code: str, keys: dict[str, Path]) -> None:
    both = ("--trust", keys["other_pub"], "--trust", keys["pub"], "--trust", keys["pub"])
    assert run("verify", code, *both, "--now", SOON).exit_code == 0
    status, out = verify_json(code, "--trust", keys["other_pub"], "--now", SOON)
    assert (status, out["reasons"], out["credential"]) == (1, ["unknown_key"], None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello", "malformed"),
        ("", "malformed"),
        ("HC1:NCFOXN%TS3DHC S5U3C9", "malformed"),
        ("AXM1:%%%", "malformed"),
        ("AXM2:ABC", "unsupported_version"),
        ("AXM1:\x1b[31mX", "malformed"),
    ],
)
def test_verify_garbage_is_red_in_one_line(keys: dict[str, Path], text: str, reason: str) -> None:
    result = run("verify", text, "--trust", keys["pub"], "--now", SOON)
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1
    assert result.stdout.startswith(f"RED: DO NOT TRUST: {reason}")
    assert "\x1b" not in result.output  # input never reaches the terminal raw
    from_stdin = run("verify", "-", "--trust", keys["pub"], "--now", SOON, stdin=text)
    assert (from_stdin.exit_code, from_stdin.output) == (1, result.output)
    status, out = verify_json(text, "--trust", keys["pub"], "--now", SOON)
    assert (status, out["color"], out["reasons"], out["kid"]) == (1, "red", [reason], None)


def test_every_single_character_change_is_red(code: str, keys: dict[str, Path]) -> None:
    """All len(code) x 44 one-character changes, through the library; none is accepted."""
    trust = anxinma.Keyring([anxinma.load_public_key(keys["pub"].read_bytes())])
    now = dt.datetime.fromisoformat(SOON)
    assert anxinma.verify(code, trust, now=now).color is anxinma.Color.GREEN
    tried = 0
    for i, original in enumerate(code):
        for char in ALPHANUMERIC.replace(original, ""):
            result = anxinma.verify(code[:i] + char + code[i + 1 :], trust, now=now)
            assert result.color is anxinma.Color.RED, (i, char, result)
            assert result.credential is None
            tried += 1
    assert tried == len(code) * (len(ALPHANUMERIC) - 1)


@pytest.mark.parametrize("position", [0, 3, 4, 5, 6, 40, 100, -60, -2, -1])
def test_a_changed_character_is_red_through_the_cli(code: str, keys: dict[str, Path], position: int) -> None:
    i = position % len(code)
    changed = code[:i] + ("A" if code[i] != "A" else "B") + code[i + 1 :]
    result = run("verify", changed, "--trust", keys["pub"], "--now", SOON)
    assert result.exit_code == 1
    assert result.stdout.startswith("RED")
    assert len(result.output.splitlines()) == 1


# -- inspect --------------------------------------------------------------------------


def test_inspect_is_marked_unverified(code: str) -> None:
    result = run("inspect", code)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "UNVERIFIED" in lines[0]
    assert any(line.startswith("kid ") for line in lines)
    assert any("name (-1)" in line and "王秀英" in line for line in lines)
    assert any("enterprise_uscc" in line and "91330203MA2H123450" in line for line in lines)
    assert REFERENCE_ID not in result.stdout


def test_inspect_shows_a_code_from_an_unknown_key_still_unverified(keys: dict[str, Path]) -> None:
    other = run("issue", REFERENCE, "--key", keys["other_key"], "--now", NOW).stdout.strip()
    result = run("inspect", "-", stdin=other)
    assert result.exit_code == 0
    assert result.stdout.startswith("UNVERIFIED")


def test_inspect_never_sends_control_characters_from_a_code_to_the_terminal() -> None:
    """A signed code whose name claim holds CSI (U+009B) and ESC: shown escaped, never raw."""
    worker = anxinma.parse_worker(json.loads(REFERENCE.read_text("utf-8")))
    claims = to_claims(anxinma.credential_for(worker, now=dt.datetime.fromisoformat(NOW)))
    claims[int(anxinma.Claim.NAME)] = "\x9b31m\x1b[2J王"
    text = anxinma.PREFIX + b45encode(sign1(cbor.encode(claims), _demo.private_key(), b"\x00" * 8))
    result = run("inspect", text)
    assert result.exit_code == 0
    assert result.stdout.startswith("UNVERIFIED")
    assert "\x9b" not in result.stdout
    assert "\x1b" not in result.stdout
    assert "\\x9b31m" in result.stdout
    assert "credential: none" in result.stdout


@pytest.mark.parametrize("text", ["hello", "", "AXM1:%%%"])
def test_inspect_garbage_is_one_error_line(text: str) -> None:
    assert_one_error(run("inspect", text), 2, "code")


# -- render ---------------------------------------------------------------------------


def test_render_svg(code: str, tmp_path: Path) -> None:
    out = tmp_path / "code.svg"
    result = run("render", code, "--out", out)
    assert result.exit_code == 0
    assert "QR version 9-M, 53x53 modules" in result.stdout
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    assert int(root.get("width", "0")) == (53 + 2 * 4) * 4


def test_render_png_and_terminal(code: str, tmp_path: Path) -> None:
    out = tmp_path / "code.png"
    result = run("render", code, "--out", out, "--terminal")
    assert result.exit_code == 0
    assert "9-M" in result.stdout
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width == height == (53 + 2 * 4) * 8
    block_rows = [line for line in result.stdout.splitlines() if set(line) & set("█▀▄")]
    assert len(block_rows) == (53 + 2 * 4 + 1) // 2  # two modules per text row
    assert {len(row) for row in block_rows} == {53 + 2 * 4}


def test_render_refuses_other_formats_and_garbage(code: str, tmp_path: Path) -> None:
    assert_one_error(run("render", code, "--out", tmp_path / "code.gif"), 2, "--out")
    assert_one_error(run("render", "hello", "--out", tmp_path / "x.svg"), 2, "code")
    assert list(tmp_path.iterdir()) == []


# -- demo -----------------------------------------------------------------------------


def test_demo_is_green_on_the_demo_keys(tmp_path: Path) -> None:
    result = run("demo", "--out-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert "DEMO KEYS" in result.stdout
    assert anxinma.kid_of(_demo.public_key()).hex() in result.stdout
    assert "GREEN" in result.stdout
    assert "QR version 9-M" in result.stdout
    svg = tmp_path / "anxinma-demo.svg"
    assert str(svg.resolve()) in result.stdout
    assert ET.parse(svg).getroot().tag.endswith("svg")
    code = next(line for line in result.stdout.splitlines() if line.startswith("AXM1:"))
    trust = anxinma.Keyring([_demo.public_key()])
    # A bare keyring cannot check the demo code's status entry (spec §10.6): yellow, for that reason only.
    found = anxinma.verify(code, trust, now=dt.datetime.now(dt.UTC))
    assert found.reasons == (anxinma.Reason.STATUS_NOT_CHECKED,)


def _entry_point() -> str:
    beside = Path(sys.executable).with_name("anxinma")
    found = str(beside) if beside.exists() else shutil.which("anxinma")
    if found is None:
        pytest.fail("the anxinma entry point is not installed (pip install -e .)")
    return found


def test_installed_entry_point_runs_the_demo(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    proc = subprocess.run(
        [_entry_point(), "demo", "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "DEMO KEYS" in proc.stdout
    assert "\nGREEN" in proc.stdout
    assert (tmp_path / "anxinma-demo.svg").is_file()
