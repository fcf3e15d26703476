#!/usr/bin/env python3
"""Screenshots of the verifier page at 360x640 (a small phone) for docs/ and the README.

    python scripts/web-screenshots.py

writes docs/web-green.png, web-yellow.png, web-red.png (right after a code was checked) and
docs/web-visit-rate.png, web-visit-complaint.png (issue 13: the rating after 确认入户, which
web-green.png shows under the thumb, 5 stars and two tags chosen; a complaint after a red
verdict, two categories chosen).

The page is built for the test deployment of tests/browser/pki.py and shown in Debian's
Chromium at 360x640 CSS pixels (device scale 2, as on most phones), its clock set to that
deployment's NOW.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.browser import pki  # noqa: E402
from tests.browser.conftest import Site  # noqa: E402

from anxinma.web import build_site  # noqa: E402

CHROMIUM = os.environ.get("ANXINMA_CHROMIUM", "/usr/lib/chromium/chromium")
SHOTS = {
    "green": pki.code,
    "yellow": lambda: pki.code(insurance_valid_until="2026-10-31"),
    "red": lambda: pki.code(index=pki.REVOKED_INDEX),
}


def _check(page: object, code: str, color: str) -> None:
    page.fill("#code", code)  # type: ignore[attr-defined]
    page.click("#check")  # type: ignore[attr-defined]
    page.wait_for_selector(f"#visit[data-step={'red' if color == 'red' else 'scanned'}]")  # type: ignore[attr-defined]


def _rate(page: object) -> None:
    _check(page, pki.code(), "green")
    page.click("#visit-enter")  # type: ignore[attr-defined]
    for control in ("#visit-star-5", "#visit-tag-punctual", "#visit-tag-careful"):
        page.click(control)  # type: ignore[attr-defined]
    page.evaluate("() => document.querySelector('#visit').scrollIntoView({block: 'start'})")  # type: ignore[attr-defined]


def _complain(page: object) -> None:
    _check(page, pki.code(index=pki.REVOKED_INDEX), "red")
    page.click("#visit-complain")  # type: ignore[attr-defined]
    for control in ("#visit-complaint-identity", "#visit-complaint-safety"):
        page.click(control)  # type: ignore[attr-defined]
    page.evaluate("() => document.querySelector('#visit').scrollIntoView({block: 'start'})")  # type: ignore[attr-defined]


VISITS = {"rate": _rate, "complaint": _complain}


def _verdict(page: object, code: str, color: str) -> None:
    page.fill("#code", code)  # type: ignore[attr-defined]
    page.click("#check")  # type: ignore[attr-defined]
    page.wait_for_selector(f"#verdict[data-color={color}]")  # type: ignore[attr-defined]
    page.evaluate("() => window.scrollTo(0, 0)")  # type: ignore[attr-defined]


def _shoot(browser: object, url: str, name: str, act: Callable[[object], None]) -> None:
    """Open the page at 360x640 on the deployment's clock, ``act`` on it, write docs/web-NAME.png."""
    page = browser.new_page(viewport={"width": 360, "height": 640}, device_scale_factor=2)  # type: ignore[attr-defined]
    page.clock.install(time=pki.NOW)
    page.clock.set_fixed_time(pki.NOW)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    act(page)
    out = ROOT / "docs" / f"web-{name}.png"
    page.screenshot(path=str(out))
    print(f"wrote {out.relative_to(ROOT)} ({dt.date.today()})")
    page.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as driver:
        build_site(
            Path(tmp) / "site", pki.documents(), now=pki.NOW, verifier_url="https://verify.example.cn/"
        )
        site = Site(Path(tmp) / "site").start()
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu"])
        for color, make in SHOTS.items():
            _shoot(browser, site.url, color, functools.partial(_verdict, code=make(), color=color))
        for name, act in VISITS.items():
            _shoot(browser, site.url, f"visit-{name}", act)
        browser.close()
        site.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
