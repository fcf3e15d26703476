"""Where a batch worker's time goes, per row, without a profiler (docs/benchmarks.md, "City-scale batch").

    python bench/batch_worker.py [--count 6000] [--rounds 5]

Runs, in this process, what a worker process of ``anxinma batch`` runs for each
row (``batch._sign_row``: CSV cells -> record -> Worker -> credential -> signed
message -> database rows and manifest line) on a synthetic population, first
whole and then stage by stage, each stage over every row (CPU time, the fastest
of ``--rounds``); then the rendering stages of one row's files (QR symbol, QR
SVG, the card's SVG, one file written atomically).  A stage timed on its own
runs with hot caches, so the stages add up to less than the whole; the
difference is the glue and the cache misses of running them one after another.
It calls internal functions and follows the module layout.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import io
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma
from anxinma import batch as bm
from anxinma import card
from anxinma._files import replace_atomically
from anxinma.issue import credential_for
from anxinma.issuerdb import Issuance
from anxinma.model import StatusRef
from anxinma.record import parse_worker
from anxinma.transport import to_text
from anxinma.verify import decode_unverified

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=anxinma.CST)


def _best(rounds: int, count: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(rounds):
        gc.collect()
        start = time.process_time()
        out = work()
        times.append(time.process_time() - start)
    return min(times) / count * 1e6, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tsv = (ROOT / "examples" / "enterprises.tsv").read_text(encoding="utf-8")
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=bm.POPULATION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(bm.synthetic_population(tsv, count=args.count, seed=1, as_of=NOW.date(), bad_rate=0))
    rows, _ = bm.read_input(buffer.getvalue().encode(), name="workers.csv")
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    id_key, batch_id = b"k" * 32, "b" * 64
    bm._init_worker({"key": key.private_bytes_raw(), "id_key": id_key, "now": NOW, "out": Path("."),
                    "valid_days": 365, "enterprises": {}, "specimen": False, "parent": os.getpid(),
                    "batch_id": batch_id, "photo_dir": ".", "font": None, "mode": 0o600, "ratings": {},
                    "verifier_url": None, "list_id": 0, "wanted": 0, "utf8": True})  # fmt: skip
    issuer = bm._STATE["issuer"]
    n, r = len(rows), args.rounds
    found: dict[str, float] = {}
    cells = [x.cells for x in rows]
    assert all(isinstance(c, Mapping) for c in cells)
    found["_sign_row, whole"], _ = _best(r, n, lambda: [bm._sign_row(i + 2, c, i, None)
                                                        for i, c in enumerate(cells)])  # fmt: skip
    found["  CSV row -> record (_csv_record)"], records = _best(r, n, lambda: [
        bm._csv_record(c) for c in cells if isinstance(c, Mapping)])  # fmt: skip
    found["  record -> Worker (parse_worker)"], workers = _best(r, n, lambda: [
        parse_worker(x) for x in records])  # fmt: skip
    found["  StatusRef"], refs = _best(r, n, lambda: [StatusRef(list_id=0, index=i) for i in range(n)])
    found["  credential_for"], creds = _best(r, n, lambda: [
        credential_for(w, now=NOW, status=s) for w, s in zip(workers, refs, strict=True)])  # fmt: skip
    found["  Issuer.sign (claims, CBOR, COSE)"], msgs = _best(r, n, lambda: [issuer.sign(c) for c in creds])
    found["    of which Ed25519 sign"], _ = _best(r, n, lambda: [issuer._key.sign(m) for m in msgs])
    found["  rows to store (Issuance.rows_of)"], stored = _best(r, n, lambda: [
        Issuance.rows_of(m, c, w, key=id_key, kid=issuer.kid, batch_id=batch_id, row_no=i)
        for i, (m, c, w) in enumerate(zip(msgs, creds, workers, strict=True))])  # fmt: skip
    found["  code text (to_text: base45)"], texts = _best(r, n, lambda: [to_text(m) for m in msgs])
    found["  manifest line"], _ = _best(r, n, lambda: [
        bm._manifest_line(i, c[1], c[2], c[0], c[3], (0, i), c[6], c[7], t, 0)
        for i, ((c, _), t) in enumerate(zip(stored, texts, strict=True))])  # fmt: skip
    few = texts[: min(n, 1000)]
    m = len(few)
    found["render: QR symbol (card.qr_symbol)"], symbols = _best(r, m, lambda: [
        card.qr_symbol(t) for t in few])  # fmt: skip

    def svgs() -> list[str]:
        card._path.cache_clear()
        return [card.qr_svg(s) for s in symbols]

    found["render: QR SVG (card.qr_svg)"], images = _best(r, m, svgs)
    found["render: decode_unverified (the card's credential)"], decoded = _best(r, m, lambda: [
        decode_unverified(t).credential for t in few])  # fmt: skip

    def cards() -> list[str]:
        card._path.cache_clear()
        return [card.card_svg(c, t, symbol=s) for c, t, s in zip(decoded, few, symbols, strict=True)]

    found["render: card SVG (card.card_svg)"], _ = _best(r, m, cards)
    with tempfile.TemporaryDirectory() as tmp:

        def write() -> None:
            for i, image in enumerate(images):
                replace_atomically(Path(tmp) / f"{i}.svg", image.encode(), mode=0o600, sync=False)

        found["render: one file written (replace_atomically)"], _ = _best(1, m, write)
    print(f"{n:,} rows; load {os.getloadavg()[0]:.1f}; CPU µs per row, fastest of {r} rounds")
    for name, micros in found.items():
        print(f"| {name} | {micros:.1f} |")


if __name__ == "__main__":
    main()
