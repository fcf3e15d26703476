"""The loop of issue 13, end to end, in the real browser against a real ``anxinma serve``.

scan (a photo of the printed card) → green → 确认入户 + 5 stars, made while the phone is
offline (kept in IndexedDB, the count shown; the page reloads offline from its service
worker, served by ``anxinma serve``, and still holds them) → back online → the records
reach ``anxinma serve`` (a real process on 127.0.0.1) → ``report display-rate`` and
``report ratings`` count them → ``issue --replace`` puts the new rating into the code → the
page shows it.

The page's clock is set with Playwright's clock API to the moment the world below was
built (the server checks records against its own, real clock, so that moment is now).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import anxinma
from anxinma.cli import main
from anxinma.keys import private_key_pem, public_key_pem
from anxinma.model import CST

from . import pki
from .camera import photograph, render_card
from .conftest import open_page

pytest.importorskip("uvicorn", reason="the [server] extra is not installed")
from anxinma.server.loadtest import ServerProcess
from anxinma.visitdb import VisitDB


def cli(*args: str | Path) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


class World:
    """An issuer's deployment made now: root, issuer key, trust list, issuer database with one
    worker's card, status list, the page built for it, an order for today."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.today = self.now.astimezone(CST).date()
        self.db = path / "issuer.db"
        (path / "issuer.key.pem").write_bytes(private_key_pem(pki.ISSUER))
        (path / "issuer.key.pem").chmod(0o600)
        (path / "root.pub.pem").write_bytes(public_key_pem(pki.ROOT.public_key()))
        (path / "trust.cwt").write_bytes(pki.trust_list(issued=self.now - dt.timedelta(days=1)))
        record = pki.record(
            health_exam_valid_until=str(self.today + dt.timedelta(days=300)),
            insurance_valid_until=str(self.today + dt.timedelta(days=300)),
        )
        (path / "worker.json").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
        self.card = record["card_no"]
        cli("status", "new", "--db", self.db)
        self.code = self.issue(self.now - dt.timedelta(hours=2))
        self.at(self.now - dt.timedelta(minutes=30), "status", "publish", "--db", self.db, "--key",
                path / "issuer.key.pem", "--issuer", "nb", "--out", path / "status-0.cwt")  # fmt: skip
        cli("web", "build", "--root", path / "root.pub.pem", "--trust", path / "trust.cwt", "--status",
            path / "status-0.cwt", "--out", path / "site", "--now", self.now.isoformat())  # fmt: skip
        (path / "orders.csv").write_text(f"order_id,card_no,service_date\nO-1,{self.card},{self.today}\n")
        cli("orders", "import", path / "orders.csv", "--db", self.db)

    def at(self, moment: dt.datetime, *args: str | Path) -> str:
        return cli(*args, "--now", moment.isoformat())

    def issue(self, moment: dt.datetime, *more: str) -> str:
        return self.at(moment, "issue", self.path / "worker.json", "--key", self.path / "issuer.key.pem",
                       "--db", self.db, *more).strip()  # fmt: skip

    def photo(self, browser: Any, code: str) -> Path:
        """A phone photo of the printed card of ``code`` (JPEG)."""
        image = photograph(render_card(browser, code, enterprise=pki.ENTERPRISE.name), seed=5)
        out = self.path / "card.jpg"
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=90)
        out.write_bytes(buffer.getvalue())
        return out


def outbox(page: Any) -> dict[str, str]:
    return dict(page.eval_on_selector("#outbox", "e => ({...e.dataset, text: e.textContent})"))


def test_scan_confirm_rate_offline_deliver_count_reissue_show(chromium: Any, tmp_path: Path) -> None:
    world = World(tmp_path)
    server = ServerProcess(world.db, extra=["--site", str(tmp_path / "site")])
    server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/"
        page = open_page(chromium, url, clock=world.now)
        page.wait_for_selector("#offline[data-offline=yes]")  # the service worker holds the page
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        assert outbox(page)["pending"] == "0" and outbox(page)["lastSent"] == ""

        # scan: a photo of the printed card
        page.set_input_files("#photo", str(world.photo(chromium, world.code)))
        page.wait_for_selector("#verdict[data-color=green]", timeout=20_000)
        assert "4.8 分（37 条评价）" in page.inner_text("#verdict")  # the rating the record gave
        page.wait_for_selector("#visit[data-step=scanned][data-offered=true]")

        # the phone loses the network; entry and 5 stars are kept on it
        page.context.set_offline(True)
        page.click("#visit-enter")
        page.wait_for_selector("#visit[data-step=entered]")
        page.click("#visit-star-5")
        page.click("#visit-tag-punctual")
        page.click("#visit-tag-tidy")
        page.click("#visit-rate")
        page.wait_for_selector("#visit-status[data-state=rated]")
        page.wait_for_selector("#outbox[data-pending='2']")
        assert "2 条待发送" in outbox(page)["text"] and "已保存在本机" in page.inner_text("#visit-status")
        with VisitDB(world.db) as db:
            assert db.visit_count() == 0

        # still offline, the page reopens from its service worker (served by anxinma serve)
        # and still holds both records and the visit, already rated today
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        page.wait_for_selector("#outbox[data-pending='2']")
        assert page.inner_text("#visit-who") == f"本次上门：王秀英（服务证号 {world.card}）"
        assert page.is_hidden("#visit-rating") and "今天已评价过" in page.inner_text("#visit-status")

        # back online: the outbox is delivered, once
        page.context.set_offline(False)
        page.wait_for_selector("#outbox[data-pending='0']", timeout=15_000)
        sent = outbox(page)
        assert sent["lastSent"] == world.now.strftime("%Y-%m-%dT%H:%M:%S.000Z"), sent
        assert "已全部发送" in sent["text"] and sent["refused"] == "0"
        with VisitDB(world.db) as db:
            assert db.visit_count() == 2
            assert db.counted_stars() == {world.card: [5]}

        # the issuer's reports count it
        rate = cli("report", "display-rate", "--db", world.db, "--format", "csv").splitlines()
        assert rate[-1] == "all enterprises,,,1,1,1,1,100.0%,100.0%", rate
        ratings = cli("report", "ratings", "--db", world.db, "--format", "csv").splitlines()
        assert ratings[-1].startswith("all enterprises,,,1,1,5.0,0,"), ratings  # 1 worker, 1 evaluation, 5.0
        assert world.card in cli("report", "ratings", "--db", world.db)  # the per-worker table

        # the next code carries what households said, and the page shows it
        new_code = world.issue(world.now, "--replace")
        cred = anxinma.decode_unverified(new_code).credential
        assert cred is not None and cred.rating == anxinma.Rating(average=5.0, count=1)
        page.fill("#code", new_code)
        page.click("#check")
        page.wait_for_function(
            "code => document.querySelector('#verdict').dataset.color === 'green'"
            " && document.querySelector('#verdict').textContent.includes('5.0 分（1 条评价）')",
            arg=new_code,
        )
        assert page.errors == []
        page.context.close()
    finally:
        server.stop()
