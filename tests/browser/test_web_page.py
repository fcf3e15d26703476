"""The verifier page as a household uses it: paste, photo, ID number, language, privacy.

The clock is the page's own (Date.now()), set with Playwright's clock API; the documents
are the small deployment of tests/browser/pki.py, built and served like a real site.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from anxinma.web import CONTENT_SECURITY_POLICY

from . import pki
from .conftest import check_code, open_page

DATA = Path(__file__).resolve().parents[1] / "data" / "robustness"


def verdict_text(page: Any) -> str:
    return str(page.inner_text("#verdict"))


def test_green_shows_the_worker_and_her_enterprise(page: Any) -> None:
    got = check_code(page, pki.code())
    assert got == {"color": "green", "reasons": "", "idMatch": None}
    text = verdict_text(page)
    assert "可放心" in text
    assert "王秀英" in page.inner_text("#verdict-name")
    assert "宁波市海曙大众社区服务有限公司 · 海曙区" in text  # from the directory
    assert "家务服务、育婴服务、养老护理" in text  # services in Chinese
    assert "2027-09-30" in text and "2027-12-31" in text  # health exam, insurance
    assert "92" in text and "4.8 分（37 条评价）" in text  # credit score, rating
    assert "未撤销（撤销名单 3 小时前签发）" in text  # the status list's age
    assert page.get_attribute("#verdict", "aria-live") == "assertive"


def test_the_typed_id_number_matches_or_not(page: Any) -> None:
    got = check_code(page, pki.code(), id_number=pki.ID_NUMBER.lower()[:6] + " " + pki.ID_NUMBER[6:])
    assert got == {"color": "green", "reasons": "", "idMatch": "true"}
    assert "一致" in verdict_text(page)
    got = check_code(page, pki.code(), id_number=pki.OTHER_ID_NUMBER)
    assert got == {"color": "red", "reasons": "id_number_mismatch", "idMatch": "false"}
    assert "不一致" in verdict_text(page)
    assert "输入的身份证号与服务证不一致" in verdict_text(page)


def test_an_invalid_id_number_is_an_input_error_not_a_verdict(page: Any) -> None:
    got = check_code(page, pki.code(), id_number="330203198503150021")  # wrong check character
    assert got == {"color": "green", "reasons": "", "idMatch": None}
    assert "身份证号格式不对" in page.inner_text("#message")


def test_yellow_says_what_to_check(page: Any) -> None:
    got = check_code(page, pki.code(insurance_valid_until="2026-10-31"))
    assert got == {"color": "yellow", "reasons": "insurance_expired", "idMatch": None}
    assert "请核实" in verdict_text(page) and "保险已过期" in verdict_text(page)


@pytest.mark.parametrize(
    ("make", "reasons", "words"),
    [
        (lambda: pki.code(index=pki.REVOKED_INDEX), "revoked", "服务证已被撤销"),
        (lambda: pki.tampered(pki.code()), "signature_invalid", "签名无效"),
        (
            lambda: pki.code(issued=pki.NOW - pki.dt.timedelta(days=40), valid_days=30),
            "expired",
            "服务证已过期",
        ),
        (lambda: "AXM1:HELLO", "malformed", "这不是有效的安心码"),
    ],
    ids=["revoked", "tampered", "expired", "garbage"],
)
def test_red_says_why(page: Any, make: Any, reasons: str, words: str) -> None:
    got = check_code(page, make())
    assert got == {"color": "red", "reasons": reasons, "idMatch": None}
    assert "请勿信任" in verdict_text(page) and words in verdict_text(page)


def test_the_english_switch(page: Any) -> None:
    page.click("#lang")
    check_code(page, pki.code(index=pki.REVOKED_INDEX))
    assert "Do not trust" in verdict_text(page)
    assert "The card was revoked" in verdict_text(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    page.click("#lang")
    assert "请勿信任" in verdict_text(page)


def test_a_photo_of_a_printed_card(chromium: Any, demo_site: Any) -> None:
    """The robustness study's card photo (DEMO key, rotated, tilted, blurred, uneven light)."""
    manifest = json.loads((DATA / "manifest.json").read_text("utf-8"))
    page = open_page(chromium, demo_site.url, clock=pki.dt.datetime.fromisoformat(manifest["verify_at"]))
    page.set_input_files("#photo", str(DATA / "card-photo.jpg"))
    page.wait_for_selector("#verdict[data-color]")
    assert page.get_attribute("#verdict", "data-color") == "green"
    assert "王秀英" in page.inner_text("#verdict-name")
    page.set_input_files("#photo", str(DATA / "no-code.jpg"))
    page.wait_for_function("() => document.querySelector('#message').textContent.includes('没有找到安心码')")
    page.context.close()


def test_every_request_stays_on_the_page_s_origin(chromium: Any, pki_site: Any) -> None:
    ctx = chromium.new_context(viewport={"width": 360, "height": 640})
    seen: list[str] = []
    ctx.on("request", lambda request: seen.append(request.url))
    page = ctx.new_page()
    page.clock.install(time=pki.NOW)
    page.goto(pki_site.url)
    page.wait_for_selector("body[data-ready=true]")
    check_code(page, pki.code())
    page.set_input_files("#photo", str(DATA / "card-photo.jpg"))  # loads the QR reader and its wasm
    page.wait_for_selector("#verdict[data-reasons=unknown_key]")  # a DEMO code: not this site's issuer
    ctx.close()
    assert seen and all(url.startswith(pki_site.url) for url in seen), [
        u for u in seen if not u.startswith(pki_site.url)
    ]
    assert any(url.endswith("zxing_reader.wasm") for url in seen)


def test_the_content_security_policy(pki_site: Any) -> None:
    with urllib.request.urlopen(pki_site.url) as response:
        header = response.headers["Content-Security-Policy"]
        html = response.read().decode()
    assert header == CONTENT_SECURITY_POLICY
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert meta is not None
    assert meta[1] + "; frame-ancestors 'none'" == header  # frame-ancestors works only as a header
    for path, kind in [
        ("js/app.js", "text/javascript"),
        ("vendor/zxing-wasm/reader/zxing_reader.wasm", "application/wasm"),
        ("manifest.webmanifest", "application/manifest+json"),
    ]:
        with urllib.request.urlopen(pki_site.url + path) as response:
            assert response.headers["Content-Type"].split(";")[0] == kind


def test_labels_and_names_for_screen_readers(page: Any) -> None:
    for control in ("#code", "#id-number", "#photo"):
        label = page.evaluate(f"document.querySelector('{control}').labels.length")
        assert label == 1, control
    check_code(page, pki.code())
    snapshot = page.locator("#verdict").aria_snapshot()
    assert "可放心" in snapshot and "王秀英" in snapshot
    assert page.locator("#message").get_attribute("role") == "status"


def test_without_a_service_worker_the_page_works_online_and_says_so(chromium: Any, pki_site: Any) -> None:
    """As in WeChat on iOS (WKWebView, where navigator.serviceWorker does not exist): the page
    still verifies online and says it is not available offline."""
    page = open_page(
        chromium, pki_site.url, clock=pki.NOW, init_script="delete Navigator.prototype.serviceWorker"
    )
    assert check_code(page, pki.code())["color"] == "green"
    page.wait_for_selector("#offline[data-offline=no]")
    assert "不支持离线使用" in page.inner_text("#offline")
    page.context.close()


def test_a_refused_camera_falls_back_to_photo_and_paste(chromium: Any, pki_site: Any) -> None:
    page = open_page(chromium, pki_site.url, clock=pki.NOW)  # no camera permission, no fake device
    page.click("#scan")
    page.wait_for_function("() => document.querySelector('#message').textContent.includes('无法使用摄像头')")
    assert page.is_hidden("#camera")
    assert page.is_enabled("#photo") and page.is_enabled("#check")
    assert check_code(page, pki.code())["color"] == "green"
    page.context.close()


def test_without_decompression_streams_revocation_is_not_checked_and_the_page_says_so(
    chromium: Any, pki_site: Any
) -> None:
    """Safari before 16.4 has no DecompressionStream: status lists cannot be read, so a code
    with a status entry is yellow status_not_checked (never green), and the page says why."""
    no_inflate = "delete globalThis.DecompressionStream"
    page = open_page(chromium, pki_site.url, clock=pki.NOW, init_script=no_inflate)
    got = check_code(page, pki.code(index=pki.REVOKED_INDEX))
    assert got == {"color": "yellow", "reasons": "status_not_checked", "idMatch": None}
    assert "无法读取撤销名单" in page.inner_text("#data-ages")
    assert page.is_hidden("#unsupported")
    page.context.close()


def test_a_clock_outside_the_format_s_range_gives_no_verdict(chromium: Any, pki_site: Any) -> None:
    ctx = chromium.new_context(viewport={"width": 360, "height": 640})
    page = ctx.new_page()
    page.clock.install(time=pki.dt.datetime(2107, 1, 1, tzinfo=pki.dt.UTC))
    page.goto(pki_site.url)
    page.wait_for_function("() => document.querySelector('#message').textContent.includes('本机时间不正确')")
    assert page.get_attribute("body", "data-ready") == "false" and page.is_disabled("#check")
    ctx.close()
