"""The camera: Chromium's fake camera shows a photo of a printed card, the page scans it.

Each scenario is its own browser launch (a fake camera's video is a launch flag).  The
card is rotated, blurred, unevenly lit and noisy (tests/browser/camera.py); the page
must find the worker's code on it, verify it and show the verdict with the name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from anxinma.card import link_symbol

from . import pki
from .camera import photograph, render_card, write_y4m
from .conftest import launch, open_page

SCENARIOS = {
    "green": (pki.code, "green", "", "可放心"),
    "revoked": (lambda: pki.code(index=pki.REVOKED_INDEX), "red", "revoked", "服务证已被撤销"),
    "tampered": (lambda: pki.tampered(pki.code()), "red", "signature_invalid", "签名无效"),
    "expired": (
        lambda: pki.code(issued=pki.NOW - dt.timedelta(days=40), valid_days=30),
        "red",
        "expired",
        "服务证已过期",
    ),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_card_in_front_of_the_camera(
    driver: Any, chromium: Any, pki_site: Any, tmp_path: Path, scenario: str
) -> None:
    make, color, reasons, words = SCENARIOS[scenario]
    text = make()
    # the printed card of issue 11: the worker's code and, at the bottom right, the page's address
    card = render_card(
        chromium, text, enterprise=pki.ENTERPRISE.name, link=link_symbol("https://verify.example.cn/")
    )
    video = write_y4m(photograph(card, seed=len(scenario)), tmp_path / "card.y4m")
    browser = launch(
        driver,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    try:
        page = open_page(browser, pki_site.url, clock=pki.NOW, permissions=["camera"])
        page.click("#scan")
        page.wait_for_selector("#verdict[data-color]", timeout=20_000)
        assert page.get_attribute("#verdict", "data-color") == color
        assert page.get_attribute("#verdict", "data-reasons") == reasons
        assert words in page.inner_text("#verdict")
        if reasons != "signature_invalid":  # a forged code shows no name
            assert page.inner_text("#verdict-name") == "王秀英"
        assert page.is_hidden("#camera"), "the camera stops once a code is read"
    finally:
        browser.close()
