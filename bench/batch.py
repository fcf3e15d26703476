"""The city-scale batch: 59,216 synthetic Ningbo workers, on every core (docs/batch.md).

    python bench/batch.py [--count 59216] [--jobs 2] [--only codes,svg,cards] [--rounds 1]
    python bench/batch.py --jobs 1,2 --only codes --rounds 3        # the scaling curve
    python bench/batch.py --profile-parent                           # cProfile of the parent, codes only
    python bench/batch.py --compare /path/to/other/venv/bin/python   # before/after, interleaved
    python bench/batch.py --json                                     # the figures as JSON

Measures, in one run and on the same population, for each number of worker
processes N:

- raw: Ed25519 signing of ``count`` messages (the size of a credential's
  Sig_structure) by N processes, each signing its share in a loop: the ceiling;
- codes: ``anxinma batch --format none`` (parse, check, sign, record, manifest);
- svg: the same with a QR SVG per worker;
- cards: the same with a QR SVG and a printable card (SVG) per worker;

each batch into a fresh database and folder, right after a raw measurement on
the same N, so that every ratio batch/raw comes from two runs seconds apart
(rounds: the median of the per-round ratios).  For each run it also records
where the CPU went: the parent process (``time.process_time``: its main thread,
SQLite, and the pool's threads that pickle tasks and unpickle results), the
worker processes (the CPU time the forkserver collected from its exited
children), and the parent's busy time (the wall time it did not spend waiting
for a signed chunk).  Those per-row figures are what the 16-process estimate in
docs/benchmarks.md is computed from.  The load average is printed with every run.

``--compare PYTHON`` runs this same script with another interpreter (another
checkout's virtual environment: the code before a change) and this one,
alternately, round after round, and prints both sides; only the public batch
API is used, so it runs against either.  ``--profile-parent`` prints the
parent's cProfile listing of one codes-only run (the pool's own threads are not
in it; their CPU is in the parent's process time above).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import json
import multiprocessing
import multiprocessing.pool
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
MODES = {"codes": (None, False), "svg": ("svg", False), "cards": ("svg", True)}


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


def _forkserver_children_cpu() -> float:
    """CPU seconds of the forkserver's exited (reaped) children: the pool workers of this process."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime + cstime


def raw_signing(count: int, jobs: int) -> dict[str, float]:
    """``jobs`` processes sign ``count`` messages (pool start excluded): seconds and worker CPU."""
    shares = [count // jobs + (1 if i < count % jobs else 0) for i in range(jobs)]
    with multiprocessing.get_context("forkserver").Pool(jobs) as pool:
        pool.map(_sign_share, [1] * jobs)  # warm: the processes are up
        start = time.perf_counter()
        assert sum(pool.map(_sign_share, shares)) == count
        seconds = time.perf_counter() - start
        pool.close()
        pool.join()
    return {"seconds": seconds, "rate": count / seconds}


class _Waits:
    """Wall time the parent spends blocked in AsyncResult.get (waiting for a worker's chunk)."""

    seconds = 0.0

    def __enter__(self) -> _Waits:
        self.original = multiprocessing.pool.ApplyResult.get
        original = self.original

        def timed(result: Any, timeout: float | None = None) -> Any:
            start = time.perf_counter()
            try:
                return original(result, timeout)
            finally:
                _Waits.seconds += time.perf_counter() - start

        multiprocessing.pool.ApplyResult.get = timed  # type: ignore[method-assign]
        _Waits.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        multiprocessing.pool.ApplyResult.get = self.original  # type: ignore[method-assign]


def run(data: bytes, folder: Path, *, mode: str, jobs: int, profile: cProfile.Profile | None = None
        ) -> dict[str, Any]:  # fmt: skip
    """One batch into a fresh database and folder: wall time, issued, and where the CPU went."""
    image, cards = MODES[mode]
    with IssuerDB(folder / "issuer.db") as db:
        db.new_list(0)
        options = BatchOptions(out=folder / "out", image=image, cards=cards, jobs=jobs)
        key = Ed25519PrivateKey.from_private_bytes(SEED)
        time.sleep(0.2)  # the forkserver reaps the children of the pool before
        workers_before = _forkserver_children_cpu()
        with _Waits():
            cpu, start = time.process_time(), time.perf_counter()
            if profile is not None:
                profile.enable()
            result = run_batch(data, source=str(folder / "workers.csv"), key=key, db=db, options=options,
                               now=NOW)  # fmt: skip
            if profile is not None:
                profile.disable()
            seconds, parent_cpu = time.perf_counter() - start, time.process_time() - cpu
            waited = _Waits.seconds
    time.sleep(0.2)  # the forkserver reaps this pool's children
    return {
        "seconds": seconds,
        "issued": result.issued_now,
        "parent_cpu": parent_cpu,
        "parent_busy": seconds - waited,
        "workers_cpu": _forkserver_children_cpu() - workers_before,
    }


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


def measure(count: int, jobs_list: list[int], modes: list[str], rounds: int) -> list[dict[str, Any]]:
    """Rounds of: for each N, raw then each mode; every batch's ratio is to the raw just before it."""
    data = population(count)
    out = []
    for r in range(rounds):
        for jobs in jobs_list:
            for mode in modes:
                raw = raw_signing(count, jobs)
                load = os.getloadavg()[0]
                with tempfile.TemporaryDirectory() as tmp:
                    found = run(data, Path(tmp), mode=mode, jobs=jobs)
                rate = found["issued"] / found["seconds"]
                out.append({"round": r, "jobs": jobs, "mode": mode, "load": load, "raw_rate": raw["rate"],
                            "rate": rate, "ratio": rate / raw["rate"], **found})  # fmt: skip
    return out


def summary(runs: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Per (jobs, mode): medians over rounds; CPU per row in microseconds."""
    rows = []
    for key in sorted({(r["jobs"], r["mode"]) for r in runs}, key=lambda k: (k[0], list(MODES).index(k[1]))):
        group = [r for r in runs if (r["jobs"], r["mode"]) == key]

        def med(name: str, group: list[dict[str, Any]] = group) -> float:
            return statistics.median(r[name] for r in group)

        rows.append({
            "jobs": key[0], "mode": key[1], "rounds": len(group), "load": med("load"),
            "seconds": med("seconds"), "rate": med("rate"), "raw_rate": med("raw_rate"),
            "ratio": med("ratio"),
            "ratio_min": min(r["ratio"] for r in group), "ratio_max": max(r["ratio"] for r in group),
            "worker_us_per_row": med("workers_cpu") / count * 1e6,
            "parent_cpu_us_per_row": med("parent_cpu") / count * 1e6,
            "parent_busy_us_per_row": med("parent_busy") / count * 1e6,
            "raw_us_per_signature": med("jobs") / med("raw_rate") * 1e6,
        })  # fmt: skip
    return rows


def table(rows: list[dict[str, Any]], label: str = "") -> str:
    lines = [
        f"| {label}N | run | rounds | wall (median) | rows/s | raw Ed25519 /s | batch / raw (min-max) | "
        "worker CPU µs/row | parent CPU µs/row | parent busy µs/row | load |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['jobs']} | {r['mode']} | {r['rounds']} | {r['seconds']:.2f} s | {r['rate']:,.0f} | "
            f"{r['raw_rate']:,.0f} | {r['ratio']:.3f}× ({r['ratio_min']:.3f}-{r['ratio_max']:.3f}) | "
            f"{r['worker_us_per_row']:.0f} | {r['parent_cpu_us_per_row']:.0f} | "
            f"{r['parent_busy_us_per_row']:.0f} | {r['load']:.1f} |"
        )
    return "\n".join(lines)


def profile_parent(count: int, jobs: int, top: int) -> str:
    """The parent's cProfile listing of one codes-only batch (its main thread)."""
    data = population(count)
    profile = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        found = run(data, Path(tmp), mode="codes", jobs=jobs, profile=profile)
    stream = io.StringIO()
    stats = pstats.Stats(profile, stream=stream)
    stats.sort_stats("tottime").print_stats(top)
    head = (
        f"codes only, {count:,} rows, {jobs} processes: {found['seconds']:.2f} s wall, parent CPU "
        f"{found['parent_cpu']:.2f} s (all its threads), {stats.total_calls:,} function calls in the "  # type: ignore[attr-defined]
        f"main thread; load {os.getloadavg()[0]:.1f}"
    )
    return head + "\n" + "\n".join(line for line in stream.getvalue().splitlines() if line.strip())


def compare(python: str, args: argparse.Namespace) -> None:
    """This script under ``python`` (before) and under this interpreter (after), alternately."""
    sides = {"before": python, "after": sys.executable}
    found: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    for r in range(args.rounds):
        order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
        for side in order:
            command = [sides[side], __file__, "--count", str(args.count), "--jobs", args.jobs,
                       "--only", args.only, "--rounds", "1", "--runs-json"]  # fmt: skip
            out = subprocess.run(command, capture_output=True, text=True, check=True)
            runs = json.loads(out.stdout)
            for run_ in runs:
                run_["round"] = r
            found[side] += runs
            shown = ", ".join(f"N={x['jobs']} {x['mode']} {x['seconds']:.2f} s ({x['ratio']:.3f}x raw, "
                              f"load {x['load']:.1f})" for x in runs)  # fmt: skip
            print(f"round {r + 1}/{args.rounds} {side}: {shown}", file=sys.stderr, flush=True)
    result = {side: summary(runs, args.count) for side, runs in found.items()}
    if args.json:
        print(json.dumps({"count": args.count, "python": sides, **result}, indent=1))
        return
    for side in ("before", "after"):
        print(f"\n{side} ({sides[side]}):\n")
        print(table(result[side]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=59_216)
    parser.add_argument("--jobs", default=str(os.cpu_count() or 1), help="worker processes, e.g. 2 or 1,2")
    parser.add_argument("--only", default="codes,svg,cards")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs-json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-parent", action="store_true")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--compare", metavar="PYTHON")
    args = parser.parse_args()
    if args.compare:
        compare(args.compare, args)
        return
    jobs_list = [int(j) for j in args.jobs.split(",")]
    if args.profile_parent:
        print(profile_parent(args.count, jobs_list[-1], args.top))
        return
    runs = measure(args.count, jobs_list, args.only.split(","), args.rounds)
    if args.runs_json:
        print(json.dumps(runs))
        return
    rows = summary(runs, args.count)
    if args.json:
        print(json.dumps({"count": args.count, "runs": runs, "summary": rows}, indent=1))
        return
    python = sys.version.split()[0]
    print(f"{args.count:,} rows, {os.cpu_count()} cores, Python {python}, anxinma at {anxinma.__file__}")
    print(table(rows))
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    tsv = (ROOT / "examples" / "enterprises.tsv").read_text(encoding="utf-8")
    first = next(synthetic_population(tsv, count=1, seed=1, as_of=NOW.date(), bad_rate=0))
    record = batch_module._csv_record(first)  # the batch's own reading of a CSV row
    worker = anxinma.parse_worker(record)
    texts = [anxinma.issue(worker, key, now=NOW + dt.timedelta(seconds=s)) for s in range(300)]
    ours, svg, segno = per_code_ms(texts)
    print(f"QR symbol per code: ours {ours:.2f} ms, segno {segno:.1f} ms ({segno / ours:.0f}x); "
          f"SVG {svg:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
