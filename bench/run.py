"""Benchmark anxinma against its floor: raw cbor2 plus raw Ed25519.

    python bench/run.py [--quick] [--json]

What is compared (the target is ours <= 1.3 x floor for both):

- floor sign:   ``cbor2.dumps(claims, canonical=True)`` and an Ed25519 signature
  over the Sig_structure bytes anxinma signs (RFC 9052 §4.4), built beforehand;
- ours sign:    ``Issuer(key).issue(worker, now=...)`` from an already validated
  :class:`~anxinma.Worker`, text out (``parse+issue`` adds ``parse_worker`` on
  the JSON dict);
- floor verify: ``cbor2.loads(payload)`` and an Ed25519 verification of the same
  Sig_structure bytes;
- ours verify:  ``anxinma.verify(text, keyring, now=...)``, text in, verdict out.

Before timing, the floor is checked to do the same work: its CBOR is our payload
byte for byte and its signature is the one in our code (Ed25519 is
deterministic), and ours verifies green.

Method: the machine is shared and noisy, so each comparison runs ``rounds``
rounds; in a round each side runs a batch of ``calls`` calls back to back, floor
first in even rounds and ours first in odd ones.  The garbage collector is off
while timing; clocks are ``time.perf_counter_ns``.  Reported per call: the
median over rounds of each side, and the median (with the interquartile range)
of the per-round ratios ours / floor, so that both sides of a ratio ran within
milliseconds of each other.  Code sizes are exact: COSE bytes, text characters
and the QR version-level of :func:`anxinma.qr.make_qr`.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import cbor2
from records import (
    DEMO_KEY,
    MINORITY_CASES,
    NOW,
    REFERENCE_CASE,
    REFERENCE_STATUS_CASE,
    REFERENCE_SUPPLEMENTARY_CASE,
    WORST_CASE_CASE,
    WORST_SUPPLEMENTARY_CASE,
    Case,
)

import anxinma
from anxinma import cbor, cose
from anxinma.claims import to_claims
from anxinma.issue import credential_for
from anxinma.qr import make_qr
from anxinma.transport import MAX_MESSAGE_BYTES, from_text

TARGET = 1.3
FULL = {"rounds": 21, "calls": 300}
QUICK = {"rounds": 7, "calls": 100}


@dataclass(frozen=True)
class Timing:
    """One comparison: median microseconds per call and the paired ratio."""

    operation: str
    floor_us: float
    ours_us: float
    ratio: float
    ratio_q1: float
    ratio_q3: float
    target: float | None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "(no target)"
        return "meets target" if self.ratio <= self.target else "ABOVE target"


@dataclass(frozen=True)
class Size:
    """The size of one code, or why it was refused."""

    record: str
    name_chars: int
    name_utf8_bytes: int
    cose_bytes: int
    text_chars: int | None
    qr: str | None
    qr_modules: int | None


# -- timing ------------------------------------------------------------------------


def _per_call_ns(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter_ns()
    for _ in itertools.repeat(None, calls):
        fn()
    return (time.perf_counter_ns() - start) / calls


def _rounds(
    floor: Callable[[], object], ours: Callable[[], object], rounds: int, calls: int
) -> tuple[list[float], list[float]]:
    """Per-round ns per call of each side, alternating which side runs first."""
    floors: list[float] = []
    ourses: list[float] = []
    _per_call_ns(floor, calls // 4 + 1)  # warm-up
    _per_call_ns(ours, calls // 4 + 1)
    for r in range(rounds):
        if r % 2:
            ourses.append(_per_call_ns(ours, calls))
            floors.append(_per_call_ns(floor, calls))
        else:
            floors.append(_per_call_ns(floor, calls))
            ourses.append(_per_call_ns(ours, calls))
    return floors, ourses


def compare(
    operation: str,
    floor: Callable[[], object],
    ours: Callable[[], object],
    *,
    rounds: int,
    calls: int,
    target: float | None,
) -> Timing:
    """Time ``ours`` against ``floor`` in interleaved rounds with the collector off."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        floors, ourses = _rounds(floor, ours, rounds, calls)
    finally:
        if enabled:
            gc.enable()
    ratios = [o / f for f, o in zip(floors, ourses, strict=True)]
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return Timing(
        operation,
        floor_us=statistics.median(floors) / 1000,
        ours_us=statistics.median(ourses) / 1000,
        ratio=statistics.median(ratios),
        ratio_q1=q1,
        ratio_q3=q3,
        target=target,
    )


# -- the two sides -----------------------------------------------------------------


def _status(case: Case) -> anxinma.StatusRef | None:
    return None if case.status is None else anxinma.StatusRef(*case.status)


def _issue(case: Case, issuer: anxinma.Issuer, worker: anxinma.Worker) -> str:
    return issuer.issue(worker, now=NOW, valid_days=case.valid_days, status=_status(case))


class Bench:
    """The floor and our functions for one case, checked to do the same work."""

    def __init__(self, case: Case, key: Any) -> None:
        self.case = case
        self.key, self.public = key, key.public_key()
        self.issuer = anxinma.Issuer(key)
        self.keyring = anxinma.Keyring([self.public])
        self.worker = anxinma.parse_worker(case.record)
        self.options = {"valid_days": case.valid_days, "status": _status(case)}
        self.text = _issue(case, self.issuer, self.worker)
        msg = cose.parse_sign1(from_text(self.text))
        cred = credential_for(self.worker, now=NOW, **self.options)
        self.claims = {int(k): v for k, v in to_claims(cred).items()}
        self.to_sign = cose.sig_structure(msg.protected, msg.payload)
        self.payload, self.signature = msg.payload, msg.signature
        self._check_same_work()

    def _check_same_work(self) -> None:
        if cbor2.dumps(self.claims, canonical=True) != self.payload:
            raise RuntimeError(f"{self.case.label}: floor CBOR differs from our payload")
        if self.key.sign(self.to_sign) != self.signature:
            raise RuntimeError(f"{self.case.label}: floor signature differs from ours")
        # A bare keyring never checks status (spec §10.6): a code with a status entry is
        # yellow status_not_checked for that reason alone, after the same work.
        unchecked = (anxinma.Reason.STATUS_NOT_CHECKED,) if self.options["status"] is not None else ()
        if anxinma.verify(self.text, self.keyring, now=NOW).reasons != unchecked:
            raise RuntimeError(f"{self.case.label}: our code does not verify green")

    def floor_sign(self) -> tuple[bytes, bytes]:
        return cbor2.dumps(self.claims, canonical=True), self.key.sign(self.to_sign)

    def ours_sign(self) -> str:
        return self.issuer.issue(self.worker, now=NOW, **self.options)

    def ours_parse_sign(self) -> str:
        worker = anxinma.parse_worker(self.case.record)
        return self.issuer.issue(worker, now=NOW, **self.options)

    def floor_verify(self) -> object:
        claims = cbor2.loads(self.payload)
        self.public.verify(self.signature, self.to_sign)
        return claims

    def ours_verify(self) -> anxinma.Verification:
        return anxinma.verify(self.text, self.keyring, now=NOW)


def timings(key: Any, *, rounds: int, calls: int) -> list[Timing]:
    """Every comparison, reference record first."""
    ref, worst = Bench(REFERENCE_CASE, key), Bench(WORST_CASE_CASE, key)
    plan = [
        ("sign, reference record", ref.floor_sign, ref.ours_sign, TARGET),
        ("parse_worker + sign, reference", ref.floor_sign, ref.ours_parse_sign, None),
        ("verify, reference record", ref.floor_verify, ref.ours_verify, TARGET),
        ("sign, worst case", worst.floor_sign, worst.ours_sign, None),
        ("verify, worst case", worst.floor_verify, worst.ours_verify, None),
    ]
    return [compare(op, f, o, rounds=rounds, calls=calls, target=t) for op, f, o, t in plan]


# -- sizes -------------------------------------------------------------------------


def size_of(case: Case, key: Any) -> Size:
    """Exact size of ``case``'s code; a refused code reports its COSE size only."""
    worker = anxinma.parse_worker(case.record)
    name = worker.name
    try:
        text = _issue(case, anxinma.Issuer(key), worker)
    except anxinma.CredentialTooLargeError:
        cred = credential_for(worker, now=NOW, valid_days=case.valid_days, status=_status(case))
        message = cose.sign1(cbor.encode(to_claims(cred)), key, anxinma.kid_of(key))
        return Size(case.label, len(name), len(name.encode()), len(message), None, None, None)
    symbol = make_qr(text)
    return Size(
        case.label,
        len(name),
        len(name.encode()),
        len(from_text(text)),
        len(text),
        symbol.designator,
        symbol.symbol_size(border=0)[0],
    )


def sizes(key: Any) -> list[Size]:
    """Sizes of the reference, minority-name and worst-case codes."""
    cases = (REFERENCE_CASE, REFERENCE_STATUS_CASE, *MINORITY_CASES, WORST_CASE_CASE)
    extremes = (REFERENCE_SUPPLEMENTARY_CASE, WORST_SUPPLEMENTARY_CASE)
    return [size_of(case, key) for case in (*cases, *extremes)]


# -- environment and output --------------------------------------------------------


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            line = next((ln for ln in f if ln.startswith("model name")), "")
    except OSError:
        return platform.processor() or "unknown"
    return line.partition(":")[2].strip() or "unknown"


def _openssl() -> str:
    try:
        from cryptography.hazmat.backends.openssl import backend

        return str(backend.openssl_version_text())
    except Exception:
        return "unknown"


def environment() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "cryptography": importlib.metadata.version("cryptography"),
        "openssl": _openssl(),
        "cbor2": importlib.metadata.version("cbor2"),
        "segno": importlib.metadata.version("segno"),
        "anxinma": f"{anxinma.__version__} ({_commit()})",
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(DEMO_KEY.parent), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def markdown(env: dict[str, Any], times: list[Timing], size_rows: list[Size], mode: str) -> str:
    """The report as Markdown tables."""
    lines = [
        f"anxinma benchmark ({mode}), "
        f"{env['cpus']} CPUs ({env['cpu_model']}), {env['python']}, "
        f"cryptography {env['cryptography']} ({env['openssl']}), cbor2 {env['cbor2']}, "
        f"anxinma {env['anxinma']}, load average at start {env['loadavg_at_start'][0]}",
        "",
        "| operation | floor µs/call | ours µs/call | ours / floor (IQR) | target | |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for t in times:
        target = "—" if t.target is None else f"≤ {t.target:.2f}×"
        lines.append(
            f"| {t.operation} | {t.floor_us:.1f} | {t.ours_us:.1f} | "
            f"{t.ratio:.2f}× ({t.ratio_q1:.2f}–{t.ratio_q3:.2f}) | {target} | {t.verdict} |"
        )
    lines += [
        "",
        "| record | name chars (UTF-8 bytes) | COSE bytes | text chars | QR | modules |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in size_rows:
        if s.qr is None:
            tail = f"refused (> {MAX_MESSAGE_BYTES} bytes) | — | — |"
        else:
            tail = f"{s.text_chars} | {s.qr} | {s.qr_modules} |"
        lines.append(f"| {s.record} | {s.name_chars} ({s.name_utf8_bytes}) | {s.cose_bytes} | {tail}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark once and print Markdown (or JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls (noisier)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    mode = f"{'quick' if args.quick else 'full'}: {settings['rounds']} rounds × {settings['calls']} calls"
    key = anxinma.load_private_key(DEMO_KEY.read_bytes())
    env = environment()
    times = timings(key, **settings)
    size_rows = sizes(key)
    if args.json:
        report = {"mode": mode, "environment": env, "target": TARGET}
        report["timings"] = [{**_rounded(asdict(t)), "verdict": t.verdict} for t in times]
        report["sizes"] = [asdict(s) for s in size_rows]
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(markdown(env, times, size_rows, mode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
