"""The page's visit records (src/anxinma/web/visit.js) and outbox (outbox.js), run by Node:
records byte-identical to the Python reference, the same refusals, and an outbox that keeps
records while the endpoint is unreachable and delivers each exactly once when it is back."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from anxinma.keys import raw_public_key
from anxinma.verify import Color
from anxinma.visit import Complaint, Tag, Visit, open_visit, sign_visit

from .visits import ISSUED, Device, new_db

NODE = shutil.which("node")


@pytest.fixture(autouse=True)
def _node() -> None:
    """Skip loudly without Node.js, or fail where the page's JS must be tested (``.ci/run``)."""
    if NODE is not None:
        return
    problem = "Node.js is not installed (apt-get install nodejs): the page's visit.js and outbox.js untested"
    if os.environ.get("ANXINMA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ANXINMA_REQUIRE_BROWSER=1 but {problem}", pytrace=False)
    pytest.skip(f"LOUD SKIP: {problem}")


SCRIPT = Path(__file__).parent / "web" / "visit_check.mjs"
SCANNED = ISSUED + dt.timedelta(days=3)


def node(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run(
        [NODE, str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=True, **options
    )


def _json(v: Visit, device: Device) -> str:
    def s(t: dt.datetime | None) -> int | None:
        return None if t is None else int(t.timestamp())

    ev = v.evaluation
    return json.dumps({
        "seed": device.seed.hex(), "public_key": v.device_key.hex(), "record_id": v.record_id.hex(),
        "credential_id": v.credential_id.hex(), "issuer": v.issuer, "color": v.color.value,
        "reasons": list(v.reasons), "scanned_at": s(v.scanned_at), "entered_at": s(v.entered_at),
        "made_at": s(v.made_at), "stars": None if ev is None else ev.stars,
        "tags": [t.value for t in Tag if ev is not None and t in ev.tags],
        "complaint": [c.value for c in Complaint if c in v.complaint],
    })  # fmt: skip


CASES = {
    "evaluation": {"stars": 5, "tags": frozenset({Tag.PUNCTUAL, Tag.COMMUNICATIVE})},
    "entry": {},
    "complaint-red": {"entered": False, "color": Color.RED, "reasons": ("revoked", "status_list_stale"),
                      "complaint": frozenset({Complaint.IDENTITY, Complaint.OTHER})},
    "yellow-3": {"stars": 3, "color": Color.YELLOW, "reasons": ("insurance_expired",)},
}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_the_page_signs_the_same_bytes_as_python(name: str) -> None:
    device = Device()
    v = device.visit(b"a code", scanned=SCANNED, **CASES[name])  # type: ignore[arg-type]
    assert v.device_key == raw_public_key(device.key)
    out = node("sign", _json(v, device)).stdout.strip()
    assert out == sign_visit(v, device.key).hex()
    assert open_visit(bytes.fromhex(out), now=SCANNED + dt.timedelta(hours=3)) == v


def test_the_page_refuses_what_the_spec_calls_malformed() -> None:
    """Each rule of spec/visit-v1.md §3.2/§3.5 (tests/test_visit.py has the same for Python)."""
    device = Device()
    base = json.loads(_json(device.visit(b"code", scanned=SCANNED, stars=4), device))
    bad = [
        {"stars": 6}, {"entered_at": None}, {"tags": ["punctual"], "stars": None}, {"reasons": ["expired"]},
        {"color": "red"}, {"complaint": ["fees"]}, {"issuer": "NB"}, {"record_id": "00" * 15},
        {"made_at": base["scanned_at"] - 1, "entered_at": None, "stars": None, "complaint": ["fees"]},
        {"complaint": ["noise"], "stars": None}, {"reasons": ["expired", "expired"], "color": "red"},
    ]  # fmt: skip
    for change in bad:
        assert node("sign", json.dumps(base | change)).stdout.startswith("problem: "), change


def test_the_outbox_keeps_records_offline_and_delivers_each_exactly_once(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn", reason="the [server] extra is not installed")
    from anxinma.server.loadtest import ServerProcess
    from anxinma.visitdb import VisitDB

    db, (m0, *_) = new_db(tmp_path / "issuer.db", count=1)
    db.close()
    server = ServerProcess(tmp_path / "issuer.db", extra=["--device-rate", "0"])
    url = f"http://127.0.0.1:{server.port}/v1/visits"
    from anxinma.issuerdb import credential_id

    scanned = int(time.time()) - 3 * 3600
    assert NODE is not None
    page = subprocess.Popen([NODE, str(SCRIPT), "outbox", url, credential_id(m0), "130", str(scanned)],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert page.stdout is not None
    assert page.stdout.readline().split() == ["offline", "130", "error"]  # nothing reached a server: all kept
    server.start()
    try:
        out, _ = page.communicate(timeout=90)
    finally:
        server.stop()
    summary = json.loads(out)
    assert summary["pending"] == 0 and summary["again"]["sent"] == 0 and summary["extractable"] is False
    assert sum(r["sent"] for r in summary["results"]) == 130  # two requests: 100 + 30
    with VisitDB(tmp_path / "issuer.db") as records:
        assert records.visit_count() == 130
        assert {r.hex() for r in records.record_ids()} == set(summary["ids"])
