"""Codes from camera images: the library (anxinma.scan) and the CLI (anxinma.cli.scan).

The images in tests/data/robustness/ were made once by ``bench/robustness.py
--fixtures`` (degraded photos of codes signed with the DEMO issuer key, and of
the printed service card); manifest.json lists the code text each must read as.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from PIL import Image

import anxinma
from anxinma import _demo, scan
from anxinma.cli.common import Cli
from anxinma.cli.documents import demo_held
from anxinma.cli.scan import scan_command, verify_photo
from anxinma.qr import make_qr

from .test_cli import assert_one_error

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "robustness"
MANIFEST: dict[str, Any] = json.loads((DATA / "manifest.json").read_text("utf-8"))
NOW = dt.datetime.fromisoformat(MANIFEST["verify_at"])
NOW_ARG = MANIFEST["verify_at"]
TEXT: str = MANIFEST["text"]
#: The photos of the one reference code (the printed card, and each kind of degradation).
DEGRADED = [name for name, info in MANIFEST["images"].items() if info["codes"] == [TEXT]]
KEYS = REPO / "keys"


@pytest.fixture(scope="module")
def held() -> tuple[anxinma.TrustList, tuple[anxinma.StatusListToken, ...], anxinma.Policy]:
    """The DEMO trust list and status list, the latter counted fresh until it expires (as the demo does)."""
    trust = anxinma.TrustList.load(_demo.trust_document(), [_demo.root_public_key()], now=NOW)
    token = anxinma.StatusListToken.load(_demo.status_document(), trust, now=NOW)
    return trust, (token,), anxinma.Policy(max_status_age=token.expires_at - token.issued_at)


def scan_images(name: str, held: Any, **kw: Any) -> list[scan.ScanResult]:
    trust, status, policy = held
    return scan.verify_image((DATA / name).read_bytes(), trust, now=NOW, status=status, policy=policy, **kw)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def qr_image(text: str, *, scale: int = 4, light: str | None = "white") -> Image.Image:
    buffer = io.BytesIO()
    make_qr(text).save(buffer, kind="png", scale=scale, border=4, light=light)
    return Image.open(io.BytesIO(buffer.getvalue()))


def side_by_side(*images: Image.Image) -> Image.Image:
    out = Image.new("L", (sum(i.width for i in images), max(i.height for i in images)), 255)
    x = 0
    for image in images:
        out.paste(image.convert("L"), (x, 0))
        x += image.width
    return out


# -- the fixed set of degraded photos -----------------------------------------------------


def test_the_fixture_set_is_small_and_covers_every_degradation() -> None:
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 2_000_000
    assert set(MANIFEST["images"]) == {p.name for p in DATA.iterdir()} - {"manifest.json"}
    shown = " ".join(MANIFEST["images"][n]["shot"] for n in DEGRADED)
    for word in ("rotated", "tilted", "blur", "noise", "JPEG q30", "occluded", "light fall-off"):
        assert word in shown, word
    assert {MANIFEST["images"][n]["level"] for n in DEGRADED} == {"L", "M", "Q"}


@pytest.mark.parametrize("name", DEGRADED)
def test_each_degraded_photo_verifies_green(name: str, held: Any) -> None:
    [found] = scan_images(name, held)
    assert found.text == TEXT
    assert found.color is anxinma.Color.GREEN, found.verification
    assert found.ok and found.verification.reasons == ()
    cred = found.verification.credential
    assert cred is not None and cred.name == "王秀英" and cred.card_no == "NB2021000123"
    assert cred.status == _demo.STATUS_REF
    assert found.verification.status.state is anxinma.StatusState.CHECKED
    assert found.verification.issuer is not None and found.verification.issuer.id == _demo.ISSUER_ID


@pytest.mark.parametrize("name", sorted(MANIFEST["images"]))
def test_every_photo_reads_as_its_manifest_says_and_verifies_as_its_text(name: str, held: Any) -> None:
    """The camera path gives exactly the verdict that verifying the text gives."""
    trust, status, policy = held
    results = scan_images(name, held)
    assert [r.text for r in results] == MANIFEST["images"][name]["codes"]
    for r in results:
        assert r.verification == anxinma.verify(r.text, trust, now=NOW, status=status, policy=policy)


def test_positions_are_the_corners_of_the_symbol_in_the_image(held: Any) -> None:
    with Image.open(DATA / "rotate-M.png") as image:
        width, height = image.size
    [found] = scan_images("rotate-M.png", held)
    assert all(0 <= x < width and 0 <= y < height for x, y in found.position)
    # the symbol is a square turned by 137°: its four sides are about equally long
    sides = [dist(found.position[i], found.position[(i + 1) % 4]) for i in range(4)]
    assert max(sides) < 1.05 * min(sides)
    # 53 modules at 4 px: the side between the outer corners of the finder patterns is ~212 px
    assert 200 < sides[0] < 220


def dist(a: tuple[int, int], b: tuple[int, int]) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5)


def test_two_codes_in_one_photo_come_in_reading_order_each_with_its_verdict(held: Any) -> None:
    green, yellow = scan_images("two-codes.png", held)
    assert green.color is anxinma.Color.GREEN
    assert yellow.color is anxinma.Color.YELLOW
    assert yellow.verification.reasons == (anxinma.Reason.INSURANCE_EXPIRED,)
    assert green.position[0][0] < yellow.position[0][0]


def test_a_qr_code_that_is_not_an_anxinma_code_is_red_malformed(held: Any) -> None:
    [found] = scan_images("not-anxinma.png", held)
    assert found.text == "HTTPS://EXAMPLE.COM/NOT-AN-ANXINMA-CODE"
    assert found.color is anxinma.Color.RED
    assert found.verification.reasons == (anxinma.Reason.MALFORMED,)
    assert "not an anxinma code" in found.verification.detail


def test_a_photo_without_a_code_gives_no_result(held: Any) -> None:
    assert scan_images("no-code.jpg", held) == []
    assert scan.read_symbols((DATA / "no-code.jpg").read_bytes()) == []


# -- the library API --------------------------------------------------------------------------


def test_bytes_and_a_pil_image_give_the_same_results(held: Any) -> None:
    trust, status, policy = held
    data = (DATA / "card-photo.jpg").read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        from_image = scan.verify_image(image, trust, now=NOW, status=status, policy=policy)
    assert from_image == scan.verify_image(data, trust, now=NOW, status=status, policy=policy)
    assert scan.verify_image(bytearray(data), trust, now=NOW, status=status, policy=policy) == from_image


def test_a_keyring_and_a_typed_id_number_work_as_in_verify() -> None:
    ring = anxinma.Keyring([_demo.public_key()])
    data = (DATA / "card-photo.jpg").read_bytes()
    [found] = scan.verify_image(data, ring, now=NOW, id_number="330203198503150020")
    assert found.verification.id_match is True  # yellow only because a keyring checks no status (spec §10.6)
    assert found.verification.reasons == (anxinma.Reason.STATUS_NOT_CHECKED,)
    [wrong] = scan.verify_image(data, ring, now=NOW, id_number="330203198503150039")
    assert wrong.color is anxinma.Color.RED
    assert wrong.verification.reasons == (
        anxinma.Reason.STATUS_NOT_CHECKED,
        anxinma.Reason.ID_NUMBER_MISMATCH,
    )


def test_status_lists_given_as_an_iterator_apply_to_every_code(held: Any) -> None:
    trust, status, policy = held
    issuer = anxinma.Issuer(_demo.private_key())
    worker = anxinma.parse_worker(_demo.reference_record())
    texts = [issuer.issue(worker, now=NOW - dt.timedelta(days=d), status=_demo.STATUS_REF) for d in (1, 2)]
    image = side_by_side(*(qr_image(t) for t in texts))
    results = scan.verify_image(png(image), trust, now=NOW, status=iter(status), policy=policy)
    assert [r.text for r in results] == texts
    assert [r.verification.status.state for r in results] == [anxinma.StatusState.CHECKED] * 2


def test_a_transparent_png_reads_as_if_on_white() -> None:
    """Dark modules opaque black, light ones transparent black: flattened naively, all would be black."""
    grey = qr_image(TEXT).convert("L")
    alpha = grey.point(lambda g: 255 - g)
    image = Image.merge("RGBA", (*(Image.new("L", grey.size, 0),) * 3, alpha))
    assert image.convert("L").getextrema() == (0, 0)
    assert [s.text for s in scan.read_symbols(png(image))] == [TEXT]
    assert [s.text for s in scan.read_symbols(image.convert("LA"))] == [TEXT]


def test_reading_order_is_rows_then_columns() -> None:
    def at(x: int, y: int) -> scan.Symbol:
        return scan.Symbol(f"{x},{y}", ((x, y), (x + 100, y), (x + 100, y + 100), (x, y + 100)))

    # the right-hand symbol of the top row sits a little lower than the left-hand one
    shuffled = [at(300, 260), at(0, 250), at(220, 12), at(0, 0)]
    assert [s.text for s in scan._reading_order(shuffled)] == ["0,0", "220,12", "0,250", "300,260"]


def test_bytes_that_are_not_an_image_raise_image_error() -> None:
    for data, words in (
        (b"", "not an image"),
        (b"AXM1:NOT-A-PHOTO", "not an image"),
        ((DATA / "card-photo.jpg").read_bytes()[:2000], "not a readable image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG drawing.*anxinma render"),  # says what to do
    ):
        with pytest.raises(scan.ImageError, match=words) as info:
            scan.read_symbols(data)
        assert info.value.code == "invalid_image"
        assert isinstance(info.value, anxinma.AnxinmaError)


def huge_png(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (1 bit each); its data is short."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_an_image_too_large_is_refused_before_its_pixels_are_decoded() -> None:
    with pytest.raises(scan.ImageError, match="9000x9000 pixels; the limit is 64000000"):
        scan.read_symbols(huge_png(9000, 9000))
    with pytest.raises(scan.ImageError, match="bytes; images are read up to"):
        scan.read_symbols(b"\0" * (scan.MAX_IMAGE_BYTES + 1))


def test_misuse_raises_usage_error_before_the_image_is_read() -> None:
    ring = anxinma.Keyring([_demo.public_key()])
    with pytest.raises(anxinma.UsageError, match="timezone-aware"):
        scan.verify_image(b"not even an image", ring, now=dt.datetime(2026, 11, 27))
    with pytest.raises(anxinma.UsageError, match="TrustList or a Keyring"):
        scan.verify_image(b"not even an image", [_demo.public_key()], now=NOW)  # type: ignore[arg-type]
    with pytest.raises(anxinma.UsageError, match="file bytes or a PIL image"):
        scan.read_symbols("tests/data/robustness/card-photo.jpg")  # type: ignore[arg-type]


@pytest.mark.parametrize("module", ["zxingcpp", "PIL"])
def test_without_the_scan_extra_the_error_says_how_to_install_it(
    module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes "import zxingcpp" / "from PIL import ..." fail
    with pytest.raises(scan.ScanUnavailableError, match=r"pip install 'anxinma\[scan\]'") as info:
        scan.read_symbols((DATA / "card-photo.jpg").read_bytes())
    assert ("zxing-cpp" if module == "zxingcpp" else "Pillow") + " is not installed" in str(info.value)
    assert info.value.code == "scan_unavailable"
    assert isinstance(info.value, ImportError | anxinma.AnxinmaError)
    with pytest.raises(scan.ScanUnavailableError):
        scan.ensure_available()


def test_the_lean_verify_path_loads_no_image_library() -> None:
    """A device that verifies text (and imports anxinma.scan for later) loads neither zxing-cpp nor Pillow."""
    script = (
        "import sys, datetime, anxinma, anxinma.scan\n"
        "from anxinma import _demo\n"
        f"text = {TEXT!r}\n"
        "now = datetime.datetime.fromisoformat(" + repr(NOW_ARG) + ")\n"
        "result = anxinma.verify(text, anxinma.Keyring([_demo.public_key()]), now=now)\n"
        "assert [r.value for r in result.reasons] == ['status_not_checked'], result\n"
        "heavy = ('zxingcpp', 'PIL', 'numpy', 'segno', 'click', 'sqlite3')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# -- the CLI: anxinma scan ---------------------------------------------------------------------


def run(*args: object) -> Result:
    """``anxinma scan ...`` through a group like the real one (one-line errors, exit statuses)."""
    group = Cli(name="anxinma", commands={"scan": scan_command})
    result = CliRunner().invoke(group, ["scan", *(str(a) for a in args)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_a_photo_of_a_printed_card_verifies_green_from_the_cli() -> None:
    result = run(DATA / "card-photo.jpg", "--demo", "--now", NOW_ARG)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith(
        "card-photo.jpg: QR code 1 of 1, top-left corner at pixel " + lines[0].split("pixel ")[1]
    )
    assert lines[1].startswith("GREEN: verified: all checks pass")
    out = result.stdout
    assert "王秀英" in out and "NB2021000123" in out
    assert "宁波市海曙大众社区服务有限公司" in out  # the enterprise, from the demo directory
    assert "checked" in out and "valid in" in out  # the demo status list
    assert result.stderr == ""


def test_scan_with_the_documents_as_files_and_the_default_staleness() -> None:
    documents = (
        *("--trust", KEYS / "demo-trust.cwt", "--root", KEYS / "demo-root.pub.pem"),
        *("--status", KEYS / "demo-status-0.cwt", "--directory", KEYS / "demo-directory.cwt"),
    )
    photo = DATA / "arm-M.jpg"
    stale = run(photo, *documents, "--now", NOW_ARG)
    assert stale.exit_code == 3, stale.output  # the ten-year demo list is older than 72 hours: yellow
    assert "status_list_stale" in stale.stdout
    fresh = run(photo, *documents, "--now", NOW_ARG, "--max-status-age", 24 * 3650)
    assert fresh.exit_code == 0, fresh.output


def test_scan_many_photos_exits_with_the_worst_verdict() -> None:
    assert run(DATA / "blur-M.jpg", DATA / "tilt-M.jpg", "--demo", "--now", NOW_ARG).exit_code == 0
    both = run(DATA / "two-codes.png", "--demo", "--now", NOW_ARG)
    assert both.exit_code == 3
    assert "QR code 1 of 2" in both.stdout and "QR code 2 of 2" in both.stdout
    assert "insurance_expired" in both.stdout
    worst = run(DATA / "two-codes.png", DATA / "no-code.jpg", DATA / "blur-M.jpg", "--demo", "--now", NOW_ARG)
    assert worst.exit_code == 1


def test_a_photo_without_a_code_is_red_with_a_clear_line() -> None:
    result = run(DATA / "no-code.jpg", "--demo", "--now", NOW_ARG)
    assert result.exit_code == 1
    assert result.stdout.strip().endswith("no-code.jpg: no QR code found: RED, nothing verified")
    assert result.stderr == ""


def test_a_qr_code_that_is_not_an_anxinma_code_is_red_and_says_so() -> None:
    result = run(DATA / "not-anxinma.png", "--demo", "--now", NOW_ARG)
    assert result.exit_code == 1
    assert "RED: DO NOT TRUST: malformed" in result.stdout
    assert "'HTTPS://EXAMPLE.COM/NOT-AN-ANXINMA-CODE': not an anxinma code" in result.stdout


def test_scan_json_is_one_object_per_photo() -> None:
    result = run(DATA / "two-codes.png", DATA / "no-code.jpg", "--demo", "--now", NOW_ARG, "--json")
    assert result.exit_code == 1
    photos = json.loads(result.stdout)
    assert [p["image"] for p in photos] == [str(DATA / "two-codes.png"), str(DATA / "no-code.jpg")]
    first, second = photos[0]["codes"]
    assert first["text"] == TEXT and first["color"] == "green" and first["reasons"] == []
    assert second["color"] == "yellow" and second["reasons"] == ["insurance_expired"]
    assert len(first["position"]) == 4 and all(len(p) == 2 for p in first["position"])
    assert first["status"]["state"] == "checked" and first["issuer"]["id"] == _demo.ISSUER_ID
    assert first["enterprise"]["name"] == "宁波市海曙大众社区服务有限公司"
    assert photos[1]["codes"] == []


def test_scan_reads_a_photo_from_stdin() -> None:
    group = Cli(name="anxinma", commands={"scan": scan_command})
    data = (DATA / "card-photo.jpg").read_bytes()
    result = CliRunner().invoke(group, ["scan", "-", "--demo", "--now", NOW_ARG], input=data)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("-: QR code 1 of 1")


def test_scan_checks_a_typed_id_number() -> None:
    photo = DATA / "card-photo.jpg"
    assert run(photo, "--demo", "--now", NOW_ARG, "--id-number", "330203198503150020").exit_code == 0
    mismatch = run(photo, "--demo", "--now", NOW_ARG, "--id-number", "330203198503150039")
    assert mismatch.exit_code == 1 and "id_number_mismatch" in mismatch.stdout
    assert_one_error(run(photo, "--demo", "--id-number", "330203198503150021"), 2, "--id-number")


def test_scan_usage_errors_are_one_line() -> None:
    photo = DATA / "card-photo.jpg"
    assert_one_error(run(photo), 2, "--trust: is required (or --demo")
    assert_one_error(
        run(photo, "--demo", "--trust", KEYS / "demo-trust.cwt"), 2, "--trust: cannot be combined"
    )
    assert_one_error(run(photo, "--demo", "--root", KEYS / "demo-root.pub.pem"), 2, "--root")
    assert_one_error(run(photo, "--demo", "--trust-min-sequence", 0), 2, "--trust-min-sequence")
    assert_one_error(run(photo, "--demo", "--now", "2026-11-27T10:30:00"), 2, "--now")
    assert_one_error(run("-", "-", "--demo"), 2, "PHOTO")
    assert_one_error(run(photo, "--trust", KEYS / "demo-trust.cwt"), 2, "--root")
    assert_one_error(run("--demo"), 2, "PHOTO")


def test_a_file_that_is_not_an_image_or_is_missing_is_one_line(tmp_path: Path) -> None:
    text = tmp_path / "code.txt"
    text.write_text(TEXT)
    assert_one_error(run(text, "--demo"), 2, f"{text}: not an image in a format read here")
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes((DATA / "card-photo.jpg").read_bytes()[:3000])
    assert_one_error(run(truncated, "--demo"), 2, f"{truncated}: not a readable image")
    assert_one_error(run(tmp_path / "missing.jpg", "--demo"), 2, str(tmp_path / "missing.jpg"))
    # the good photo before the bad one does not leave a half-printed verdict on stdout
    assert_one_error(run(DATA / "blur-M.jpg", text, "--demo"), 2, str(text))


def test_scan_without_the_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zxingcpp", None)
    result = run(DATA / "card-photo.jpg", "--demo")
    assert_one_error(result, 2, "scan: reading codes from images needs zxing-cpp and Pillow")
    assert "pip install 'anxinma[scan]'" in result.stderr


# -- verify --image (the function behind the option) ---------------------------------------------


@click.command()
@click.argument("photo")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def verify_image_command(ctx: click.Context, photo: str, as_json: bool) -> None:
    """What ``anxinma verify --image PHOTO --demo`` does once the option is wired into anxinma.cli.verify."""
    held = demo_held(NOW)
    token = held.status[0]
    policy = anxinma.Policy(max_status_age=token.expires_at - token.issued_at)
    ctx.exit(verify_photo(photo, held, now=NOW, policy=policy, as_json=as_json))


def run_verify(*args: object) -> Result:
    group = Cli(name="anxinma", commands={"verify": verify_image_command})
    result = CliRunner().invoke(group, ["verify", *(str(a) for a in args)])
    assert "Traceback" not in result.output
    return result


def test_verify_photo_prints_and_exits_like_verify() -> None:
    green = run_verify(DATA / "card-photo.jpg")
    assert green.exit_code == 0 and "GREEN: verified" in green.stdout
    assert run_verify(DATA / "two-codes.png").exit_code == 3
    assert run_verify(DATA / "no-code.jpg").exit_code == 1
    assert run_verify(DATA / "not-anxinma.png").exit_code == 1
    obj = json.loads(run_verify(DATA / "occlude-Q.png", "--json").stdout)
    assert obj["image"] == str(DATA / "occlude-Q.png")
    assert [c["color"] for c in obj["codes"]] == ["green"]
    assert_one_error(run_verify(DATA / "manifest.json"), 2, str(DATA / "manifest.json"))


def test_verify_photo_without_the_extra_names_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert_one_error(run_verify(DATA / "card-photo.jpg"), 2, "--image: reading codes from images needs")


def test_scan_result_is_a_frozen_value() -> None:
    result = scan.ScanResult(
        TEXT, ((0, 0), (1, 0), (1, 1), (0, 1)), anxinma.verify("x", anxinma.Keyring([]), now=NOW)
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "y"  # type: ignore[misc]
    assert result.color is anxinma.Color.RED and not result.ok


# -- examples/field_verifier.py ---------------------------------------------------------------

FIELD_VERIFIER = REPO / "examples" / "field_verifier.py"


def field_verifier(*args: object, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(FIELD_VERIFIER), "--now", NOW_ARG, *(str(a) for a in args)]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)


def test_the_field_verifier_checks_images_and_text_with_the_demo_documents() -> None:
    done = field_verifier(DATA / "card-photo.jpg", TEXT, DATA / "two-codes.png")
    assert done.returncode == 3, done.stderr  # the worst verdict: the second code of two-codes.png
    lines = done.stdout.splitlines()
    assert lines[0] == f"GREEN   {DATA / 'card-photo.jpg'} #1"
    assert lines[1].split() == [
        "王秀英",
        "card",
        "NB2021000123",
        "services",
        "家务服务",
        "育婴服务",
        "养老护理",
    ]
    assert lines[2] == "        enterprise 宁波市海曙大众社区服务有限公司 · 海曙区"
    assert "revocation checked" in done.stdout
    assert f"GREEN   {TEXT[:29]}..." in lines
    assert f"YELLOW  {DATA / 'two-codes.png'} #2" in lines
    assert "insurance_expired: the insurance was valid until 2026-06-30" in done.stdout
    assert "DEMO documents" in done.stderr


def test_the_field_verifier_reads_stdin_and_reports_bad_input_as_red() -> None:
    lines = f"{TEXT}\n\n{DATA / 'no-code.jpg'}\r\nHELLO\n{DATA / 'manifest.json'}\n"
    done = field_verifier(stdin=lines)
    assert done.returncode == 1
    out = done.stdout.splitlines()
    assert out[0].startswith("GREEN   AXM1:")
    assert f"RED     {DATA / 'no-code.jpg'}: no QR code found" in out
    assert "RED     HELLO" in out
    assert any(line.startswith(f"RED     {DATA / 'manifest.json'}: not an image") for line in out)
    assert "Traceback" not in done.stderr


def test_the_field_verifier_with_documents_from_files() -> None:
    documents = (
        *("--root", KEYS / "demo-root.pub.pem", "--trust", KEYS / "demo-trust.cwt"),
        *("--status", KEYS / "demo-status-0.cwt", "--directory", KEYS / "demo-directory.cwt"),
    )
    done = field_verifier(*documents, TEXT)
    assert done.returncode == 3  # a real verifier's policy: the ten-year demo list is stale
    assert "status_list_stale" in done.stdout and "DEMO documents" not in done.stderr
    refused = field_verifier("--root", KEYS / "demo-issuer.pub.pem", "--trust", KEYS / "demo-trust.cwt", TEXT)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith("field_verifier: cannot load the documents:")


def test_the_field_verifier_verifying_text_loads_no_image_library() -> None:
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['field_verifier', '--now', {NOW_ARG!r}, {TEXT!r}]\n"
        "try:\n"
        f"    runpy.run_path({str(FIELD_VERIFIER)!r}, run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "heavy = ('zxingcpp', 'PIL', 'segno', 'click', 'sqlite3')\n"
        "print('loaded:', ','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "loaded: "


def test_a_damaged_anxinma_text_is_shown_as_such(tmp_path: Path) -> None:
    photo = tmp_path / "other-version.png"
    qr_image("AXM2:" + TEXT[5:]).save(photo)
    result = run(photo, "--demo", "--now", NOW_ARG)
    assert result.exit_code == 1
    assert "RED: DO NOT TRUST: unsupported_version" in result.stdout
    assert ": an anxinma code it cannot read" in result.stdout
