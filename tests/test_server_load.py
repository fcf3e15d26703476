"""``anxinma serve`` as a real process: a small load test asserting exactness (bench/visits_load.py
measures speed), and a kill -9 in the middle of the load: nothing acknowledged is lost."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("uvicorn", reason="the [server] extra is not installed")

from anxinma.server.loadtest import Outcome, ServerProcess, check, now_cst, prepare, send
from anxinma.visitdb import VisitDB


def test_concurrent_load_every_good_record_once_every_bad_one_refused_with_its_reason(tmp_path: Path) -> None:
    db = tmp_path / "issuer.db"
    plan = prepare(db, records=2_000, credentials=50, duplicates=0.1, bad=0.1, now=now_cst())
    assert {p.expect for p in plan} == {
        "stored", "signature_invalid", "unknown_credential", "out_of_window", "too_large", "malformed"
    }  # fmt: skip
    server = ServerProcess(db, workers=2, extra=["--address-rate", "0"])
    server.start()
    try:
        sent = send("127.0.0.1", server.port, plan, clients=20, batch=10, timeout=120)
    finally:
        server.stop()
    assert check(db, plan, sent) == []
    copies = [i for i, p in enumerate(plan) if p.copy]
    assert copies and all(sent.answers[i].outcome in ("stored", "duplicate") for i in copies)
    assert sum(1 for a in sent.answers.values() if a.outcome == "duplicate") >= len(copies)


@pytest.mark.parametrize("workers", [1, 2])  # 2: the processes share one writer (WriterService)
def test_kill_9_mid_load_loses_nothing_acknowledged(tmp_path: Path, workers: int) -> None:
    db = tmp_path / "issuer.db"
    plan = prepare(db, records=3_000, credentials=50, duplicates=0.05, bad=0.05, now=now_cst())
    server = ServerProcess(db, workers=workers, extra=["--address-rate", "0"])
    server.start()
    acked: dict[int, Outcome] = {}
    lock = threading.Lock()

    def on_answer(i: int, outcome: Outcome) -> None:
        with lock:
            acked[i] = outcome

    result: dict[str, object] = {}

    def load() -> None:
        try:
            result["sent"] = send("127.0.0.1", server.port, plan, clients=10, batch=5, timeout=120,
                                  on_answer=on_answer)  # fmt: skip
        except Exception as exc:  # reported below
            result["error"] = exc

    sender = threading.Thread(target=load)
    sender.start()
    deadline = time.monotonic() + 60
    while len(acked) < 600 and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()  # SIGKILL, mid-load: requests in flight get no answer
    with lock:
        before = {plan[i].record_id for i, a in acked.items() if a.outcome in ("stored", "duplicate")}
    assert len(before) >= 400, "the load did not get far enough before the kill"
    with VisitDB(db) as records:  # every record acknowledged before the kill is on disk
        survived = {r.hex() for r in records.record_ids()}
    assert before <= survived
    time.sleep(0.5)  # clients keep retrying into a closed port
    server.start()  # same port: the clients reconnect and send what was not acknowledged
    sender.join(timeout=150)
    server.stop()
    assert "error" not in result, result.get("error")
    sent = result["sent"]
    assert check(db, plan, sent) == []  # type: ignore[arg-type]
    assert sent.retries > 0  # type: ignore[attr-defined]
