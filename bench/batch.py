"""The city-scale batch: 59,216 synthetic Ningbo workers, on every core (docs/batch.md).

    python bench/batch.py [--count 59216] [--jobs N] [--only codes,svg,cards] [--profile]

Measures, in one run and on the same population:

- raw: Ed25519 signing of ``count`` messages (the size of a credential's
  Sig_structure) by N processes, each signing its share in a loop: the ceiling;
- codes: ``anxinma batch --format none`` (parse, check, sign, record, manifest);
- svg: the same with a QR SVG per worker;
- cards: the same with a QR SVG and a printable card (SVG) per worker;

each into a fresh database and folder, and prints wall times, rates and the
ratio codes/raw.  Also times the QR symbol (our encoder and segno) per code.
``--profile`` adds where the time of one process goes for a codes-only chunk.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import multiprocessing
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma
from anxinma import batch as batch_module
from anxinma.batch import POPULATION_COLUMNS, BatchOptions, run_batch, synthetic_population
from anxinma.card import qr_svg, qr_symbol
from anxinma.issuerdb import IssuerDB
from anxinma.qr import make_qr

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=anxinma.CST)
SEED = bytes(range(32))


def population(count: int) -> bytes:
    tsv = (ROOT / "examples" / "enterprises.tsv").read_text(encoding="utf-8")
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=POPULATION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(synthetic_population(tsv, count=count, seed=1, as_of=NOW.date()))
    return buffer.getvalue().encode()


def _sign_share(n: int) -> int:
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    message = bytes(range(200))  # about the size of a credential's Sig_structure
    for _ in range(n):
        key.sign(message)
    return n


def raw_signing(count: int, jobs: int) -> float:
    """Seconds for ``jobs`` processes to sign ``count`` messages (pool start excluded)."""
    shares = [count // jobs + (1 if i < count % jobs else 0) for i in range(jobs)]
    with multiprocessing.get_context("forkserver").Pool(jobs) as pool:
        pool.map(_sign_share, [1] * jobs)  # warm: the processes are up
        start = time.perf_counter()
        assert sum(pool.map(_sign_share, shares)) == count
        return time.perf_counter() - start


def run(data: bytes, folder: Path, *, image: str | None, cards: bool, jobs: int) -> tuple[float, int]:
    with IssuerDB(folder / "issuer.db") as db:
        db.new_list(0)
        options = BatchOptions(out=folder / "out", image=image, cards=cards, jobs=jobs)
        start = time.perf_counter()
        key = Ed25519PrivateKey.from_private_bytes(SEED)
        result = run_batch(data, source=str(folder / "workers.csv"), key=key, db=db, options=options, now=NOW)
        return time.perf_counter() - start, result.issued_now


def per_code_ms(texts: list[str]) -> tuple[float, float, float]:
    start = time.perf_counter()
    symbols = [qr_symbol(t) for t in texts]
    ours = (time.perf_counter() - start) / len(texts) * 1000
    start = time.perf_counter()
    for s in symbols:
        qr_svg(s)
    svg = (time.perf_counter() - start) / len(texts) * 1000
    start = time.perf_counter()
    for t in texts[:50]:
        make_qr(t)
    return ours, svg, (time.perf_counter() - start) / 50 * 1000


def profile_codes(data: bytes) -> None:
    """Where one process spends a codes-only chunk of 2,000 rows (sign step, no pool)."""
    rows, _ = batch_module.read_input(data, name="w.csv")
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    batch_module._init_worker(
        {"key": key.private_bytes_raw(), "id_key": b"k" * 32, "now": NOW, "out": Path("."), "valid_days": 365,
         "enterprises": {}, "specimen": False, "parent": os.getpid(), "batch_id": "bench"}
    )  # fmt: skip
    chunk = [(r, anxinma.StatusRef(list_id=0, index=i), None) for i, r in enumerate(rows[:2000])]
    profile = cProfile.Profile()
    profile.runcall(batch_module._sign_chunk, chunk)
    pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(14)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=59_216)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", default="codes,svg,cards")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    data = population(args.count)
    python = sys.version.split()[0]
    print(f"{args.count:,} rows, {args.jobs} processes, {os.cpu_count()} cores, Python {python}")
    raw = raw_signing(args.count, args.jobs)
    print(f"| raw Ed25519 signing | {raw:.2f} s | {args.count / raw:,.0f} /s |")
    modes = {"codes": (None, False), "svg": ("svg", False), "cards": ("svg", True)}
    for name in args.only.split(","):
        image, cards = modes[name]
        with tempfile.TemporaryDirectory() as tmp:
            seconds, issued = run(data, Path(tmp), image=image, cards=cards, jobs=args.jobs)
        ratio = f" | {raw / seconds:.2f} x raw" if name == "codes" else ""
        print(f"| batch {name} | {seconds:.2f} s | {issued / seconds:,.0f} /s ({issued:,} issued){ratio} |")
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    tsv = (ROOT / "examples" / "enterprises.tsv").read_text(encoding="utf-8")
    first = next(synthetic_population(tsv, count=1, seed=1, as_of=NOW.date(), bad_rate=0))
    worker = anxinma.parse_worker(batch_module._csv_record(first))
    texts = [anxinma.issue(worker, key, now=NOW + dt.timedelta(seconds=s)) for s in range(300)]
    ours, svg, segno = per_code_ms(texts)
    print(f"QR symbol per code: ours {ours:.2f} ms, segno {segno:.1f} ms ({segno / ours:.0f}x)", end="")
    print(f"; SVG {svg:.2f} ms")
    if args.profile:
        profile_codes(data)


if __name__ == "__main__":
    main()
