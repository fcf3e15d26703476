"""QR symbols identical to segno's (mask choice included), QR images, the printable card."""

from __future__ import annotations

import random
import re
import struct
import sys
import types
import xml.etree.ElementTree as ET
import zlib

import pytest

import anxinma
from anxinma import card
from anxinma.card import CARD_HEIGHT_MM, CARD_WIDTH_MM, MODULE_MM, Photo, card_png, card_svg, qr_png, qr_svg
from anxinma.fonts import Font
from anxinma.qr import make_qr
from anxinma.transport import to_text

from .conftest import NOW, REFERENCE
from .pki import KEY_A

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
SVG = "{http://www.w3.org/2000/svg}"


def modules(symbol: card.QrSymbol) -> list[list[int]]:
    return [[row >> c & 1 for c in range(symbol.size)] for row in symbol.rows]


def segno_modules(text: str, error: str) -> tuple[list[list[int]], int, str]:
    qr = make_qr(text, error=error)
    return [list(r) for r in qr.matrix], qr.mask, qr.designator


def texts() -> list[tuple[str, str]]:
    """Random texts at every level and every version 1..11, and lengths around byte boundaries."""
    rng = random.Random(20261127)
    out = [(to_text(b"\x00" * n), "M") for n in (0, 1, 2, 30, 100, 164, 170, 238)]
    for n in range(160):
        error = "LMQH"[n % 4]
        out.append(("".join(rng.choice(ALNUM) for _ in range(rng.randint(1, 120))), error))
    return out


@pytest.mark.parametrize("chunk", range(4))
def test_symbols_are_segnos_module_for_module(chunk: int) -> None:
    """The fast encoder is checked against segno (the reference renderer of anxinma.qr):
    same version, same mask (the standard penalty choice), same modules."""
    for text, error in texts()[chunk::4]:
        symbol = card.qr_symbol(text, error=error)
        expected, mask, designator = segno_modules(text, error)
        assert (symbol.designator, symbol.mask) == (designator, mask), text
        assert modules(symbol) == expected, text


def test_every_version_up_to_11_is_reached_and_longer_text_is_refused() -> None:
    versions = {card.qr_symbol("A" * n).version for n in range(1, 330, 3)}
    assert versions == set(range(1, 12))
    with pytest.raises(anxinma.UsageError, match="do not fit"):
        card.qr_symbol("A" * 400)
    with pytest.raises(anxinma.UsageError, match="alphanumeric"):
        card.qr_symbol("axm1:lower case")


def test_a_real_code_and_its_penalties_match_segnos_evaluation() -> None:
    cred = anxinma.credential_for(anxinma.parse_worker(REFERENCE), now=NOW, status=anxinma.StatusRef(0, 77))
    text = to_text(anxinma.Issuer(KEY_A).sign(cred))
    symbol = card.qr_symbol(text)
    assert symbol.designator == "9-M"
    assert modules(symbol) == segno_modules(text, "M")[0]


def test_svg_draws_exactly_the_dark_modules() -> None:
    symbol = card.qr_symbol("AXM1:" + "Q9" * 60)
    svg = qr_svg(symbol, scale=3, border=4)
    root = ET.fromstring(svg)
    side = symbol.size + 8
    assert root.get("width") == str(3 * side) and root.get("viewBox") == f"0 0 {side} {side}"
    path = root.find(f"{SVG}path")
    assert path is not None
    drawn = [[0] * symbol.size for _ in range(symbol.size)]
    x = y = 0
    for command, a, b in re.findall(r"([Mmh])(-?\d+(?:\.5)?)(?: (-?\d+(?:\.5)?))?", path.get("d", "")):
        if command == "M":
            x, y = int(a), int(float(b))
        elif command == "m":
            x += int(a)
        else:
            for col in range(x, x + int(a)):
                drawn[y - 4][col - 4] = 1
            x += int(a)
    assert drawn == modules(symbol)


def test_png_pixels_are_the_modules_scaled() -> None:
    symbol = card.qr_symbol("AXM1:HELLO WORLD")
    scale, border = 3, 2
    png = qr_png(symbol, scale=scale, border=border)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    side = (symbol.size + 2 * border) * scale
    assert (width, height, depth, colour) == (side, side, 1, 0)
    idat = png.index(b"IDAT")
    (length,) = struct.unpack(">I", png[idat - 4 : idat])
    raw = zlib.decompress(png[idat + 4 : idat + 4 + length])
    stride = 1 + (side + 7) // 8
    for r in range(symbol.size):
        line = raw[((r + border) * scale + 1) * stride : ((r + border) * scale + 2) * stride]
        assert line[0] == 0  # filter: none
        bits = int.from_bytes(line[1:], "big")
        for c in range(symbol.size):
            pixel = bits >> (8 * (stride - 1) - 1 - (c + border) * scale) & 1
            assert pixel == (0 if symbol.dark(r, c) else 1)


def reference_credential(**changes: object) -> tuple[anxinma.Credential, str]:
    worker = anxinma.parse_worker({**REFERENCE, **changes})
    cred = anxinma.credential_for(worker, now=NOW, status=anxinma.StatusRef(list_id=0, index=4242))
    return cred, to_text(anxinma.Issuer(KEY_A).sign(cred))


def texts_of(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_card_shows_the_credential_in_chinese_at_id1_size() -> None:
    cred, text = reference_credential()
    svg = card_svg(cred, text, enterprise="宁波市海曙大众社区服务有限公司")
    root = ET.fromstring(svg)
    assert (root.get("width"), root.get("height")) == (f"{CARD_WIDTH_MM}mm", f"{CARD_HEIGHT_MM}mm")
    assert "Noto Sans CJK SC" in (root.get("font-family") or "") and "Microsoft YaHei" in root.get(
        "font-family", ""
    )
    lines = texts_of(svg)
    assert "家政服务员上门服务证" in lines and "王秀英" in lines and "NB2021000123" in lines
    assert "家务服务  育婴服务  养老护理" in lines
    assert "宁波市海曙大众社区服务有限公司" in lines
    assert "2026-11-27 至 2027-11-27" in lines
    assert not any("SPECIMEN" in t for t in lines)
    without = texts_of(card_svg(cred, text))
    assert "USCC 91330203MA2H123450" in without
    assert any("SPECIMEN" in t for t in texts_of(card_svg(cred, text, specimen=True)))


def qr_geometry(svg: str) -> tuple[float, float, float]:
    found = re.search(r"translate\(([\d.]+) ([\d.]+)\) scale\(([\d.]+)\)", svg)
    assert found is not None
    return float(found[1]), float(found[2]), float(found[3])


def test_the_qr_module_is_5_dots_at_300_dpi_and_even_version_11_fits() -> None:
    assert pytest.approx(0.4233, abs=1e-4) == MODULE_MM
    cred, text = reference_credential()
    x, y, scale = qr_geometry(card_svg(cred, text))
    assert scale == pytest.approx(MODULE_MM, abs=1e-5)
    side = (53 + 8) * MODULE_MM
    assert side == pytest.approx(25.8, abs=0.05)  # 9-M with its quiet zone
    big = "AXM1:" + "9" * 357  # the longest text a code may be: version 11-M
    assert card.qr_symbol(big).designator == "11-M"
    x, y, _ = qr_geometry(card_svg(cred, big))
    side = (61 + 8) * MODULE_MM
    assert x >= card._TEXT_RIGHT and x + side <= CARD_WIDTH_MM - 2 and y + side <= 41.5


def test_long_names_and_enterprises_are_squeezed_not_cut() -> None:
    cred, text = reference_credential(name="阿卜杜热合曼·买买提依明艾则孜托合提")
    svg = card_svg(cred, text, enterprise="广西南宁瑜管家家庭服务有限公司宁波分公司" * 2)
    lengths = [float(v) for v in re.findall(r'textLength="([\d.]+)"', svg)]
    assert lengths and all(v < CARD_WIDTH_MM for v in lengths)
    assert "阿卜杜热合曼·买买提依明艾则孜托合提" in texts_of(svg)


def test_photo_or_placeholder() -> None:
    cred, text = reference_credential()
    assert "照片 PHOTO" in texts_of(card_svg(cred, text))
    png = qr_png(card.qr_symbol("AXM1:PHOTO"))
    with_photo = card_svg(cred, text, photo=Photo.from_bytes(png))
    assert "data:image/png;base64," in with_photo and "照片 PHOTO" not in texts_of(with_photo)
    assert Photo.from_bytes(b"\xff\xd8\xff\xe0rest").media_type == "image/jpeg"
    with pytest.raises(anxinma.UsageError, match="PNG or JPEG"):
        Photo.from_bytes(b"GIF89a")


def test_png_cards_need_the_optional_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    cred, text = reference_credential()
    svg = card_svg(cred, text)
    everything = Font("Test Sans", "/fonts/test.ttf", ((0x20, 0x10FFFF),))
    monkeypatch.setitem(sys.modules, "cairosvg", None)
    with pytest.raises(anxinma.UsageError, match=r"anxinma\[png\]"):
        card_png(svg, font=everything)
    seen: dict[str, object] = {}

    def svg2png(*, bytestring: bytes, dpi: int) -> bytes:
        seen.update(bytestring=bytestring, dpi=dpi)
        return b"\x89PNG fake"

    monkeypatch.setitem(sys.modules, "cairosvg", types.SimpleNamespace(svg2png=svg2png))
    assert card_png(svg, dpi=600, font=everything) == b"\x89PNG fake"
    drawn = svg.replace('font-family="', "font-family=\"'Test Sans',", 1)  # the checked font first
    assert seen == {"bytestring": drawn.encode(), "dpi": 600}
