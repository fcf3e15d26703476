"""Offline and rollback: the page works from its service worker, and never goes back in time.

- First visit online; then the server is stopped and the browser context is offline; the
  page reloads from the service worker and still verifies (pasted and photographed codes).
- Rollback: after a visit with newer documents, the server serves older ones (trust list,
  status list, directory): each is refused, the page says so and keeps the newer ones.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from anxinma.web import build_site

from . import pki
from .conftest import Site, check_code, open_page

DATA = Path(__file__).resolve().parents[1] / "data" / "robustness"


def test_offline_reload_from_the_service_worker(chromium: Any, tmp_path: Path) -> None:
    build_site(tmp_path / "site", pki.documents(), now=pki.NOW)
    site = Site(tmp_path / "site").start()
    page = open_page(chromium, site.url, clock=pki.NOW)
    page.wait_for_selector("#offline[data-offline=yes]")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    site.stop()
    page.context.set_offline(True)
    responses: list[Any] = []

    def keep(response: Any) -> None:  # Playwright wants a Python function, not a bound builtin
        responses.append(response)

    page.on("response", keep)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert responses and all(r.from_service_worker for r in responses), [
        r.url for r in responses if not r.from_service_worker
    ]
    assert any(r.url.endswith("/js/verify.js") for r in responses)
    assert check_code(page, pki.code())["color"] == "green"
    assert check_code(page, pki.code(index=pki.REVOKED_INDEX))["reasons"] == "revoked"
    page.set_input_files("#photo", str(DATA / "card-photo.jpg"))  # the QR reader's wasm, offline
    page.wait_for_selector("#verdict[data-reasons=unknown_key]")  # a DEMO code: not this site's issuer
    assert any(r.url.endswith("zxing_reader.wasm") and r.from_service_worker for r in responses)
    assert "离线" in page.inner_text("#data-ages")
    page.context.close()


def test_older_documents_from_the_server_are_refused(chromium: Any, tmp_path: Path) -> None:
    hour = dt.timedelta(hours=1)
    newer = pki.documents(
        trust=pki.trust_list(sequence=5),
        status=pki.status_list(issued=pki.NOW - 3 * hour, revoked=(pki.INDEX,)),
        directory=pki.directory(sequence=4),
    )
    build_site(tmp_path / "site", newer, now=pki.NOW)
    site = Site(tmp_path / "site").start()
    page = open_page(chromium, site.url, clock=pki.NOW)
    assert "第 5 版" in page.inner_text("#data-ages")
    assert check_code(page, pki.code())["reasons"] == "revoked"  # the newer list revokes her
    site.put_documents(
        trust=pki.trust_list(sequence=4),
        statuses=[pki.status_list(issued=pki.NOW - 30 * hour, revoked=())],
        directory=pki.directory(sequence=3),
    )
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#notices li[data-reason=rollback] >> nth=2")
    refused = page.eval_on_selector_all(
        "#notices li", "items => items.map(i => [i.dataset.file, i.dataset.reason])"
    )
    assert sorted(refused) == [
        ["documents/directory.cwt", "rollback"],
        ["documents/status-0.cwt", "rollback"],
        ["documents/trust.cwt", "rollback"],
    ]
    assert "比本机已有的旧，已拒绝" in page.inner_text("#notices")
    ages = page.inner_text("#data-ages")
    assert "信任列表：第 5 版" in ages and "企业名录：第 4 版" in ages
    assert check_code(page, pki.code())["reasons"] == "revoked", "the newer status list still decides"
    site.put_documents(
        trust=pki.trust_list(sequence=6),
        statuses=[pki.status_list(issued=pki.NOW - hour, revoked=())],
        directory=pki.directory(sequence=4),
    )
    page.reload()
    page.wait_for_function("() => document.querySelector('#data-ages').textContent.includes('第 6 版')")
    assert check_code(page, pki.code())["color"] == "green", "a newer list that reinstates her is taken"
    page.context.close()
    site.stop()
