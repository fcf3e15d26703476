"""Cold start of the lean verifier: a new process that imports anxinma and verifies one code.

    python bench/coldstart.py                 # 60 alternating rounds, medians and ratios
    python bench/coldstart.py --rounds 200
    python bench/coldstart.py --imports       # which modules the verify path loads, and their cost
    python bench/coldstart.py --imports cli   # the same for another program (floor, anxinma, field, cli)

A field device (or a serverless verifier) often starts a process per check,
so the time to the first verdict matters as much as the verify itself.  Each
round starts, in an order that rotates every round, these processes (the
same interpreter, the same environment):

- ``python``: ``python -c pass``, the interpreter alone (for reference);
- ``floor``: imports cryptography (Ed25519) and cbor2, verifies one raw
  Ed25519 signature over the code's Sig_structure and decodes its claims with
  cbor2: the least any verifier of these codes must do;
- ``anxinma``: ``import anxinma`` and ``anxinma.verify`` of the code with a
  keyring holding the issuer's public key;
- ``field``: ``import anxinma``, load the DEMO trust list, status list and
  directory from their files (as a device does once at start), verify;
- ``cli``: ``anxinma verify CODE --root ... --trust ... --now ...``, the command
  line (click, and the modules of the verify command: the group loads a
  command's module when it runs), printing the verdict.

``--compare PYTHON`` adds the ``anxinma``, ``field`` and ``cli`` programs run by
another interpreter (another checkout's virtual environment: the code before a
change) to the same rounds, as ``anxinma (before)`` and so on.

Time is the wall clock from spawning the process to its exit, measured by the
parent; memory is the child's peak resident set (``VmHWM``), which it reports
itself.  Bytecode is cached, as for an installed package (in a temporary
directory, PYTHONPYCACHEPREFIX).  Medians over all rounds after two warm-up
rounds.  The
target (issue 6): ``anxinma`` within 1.5x the ``floor`` in time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anxinma
from anxinma import _demo, cose
from anxinma.transport import from_text

REPO = Path(__file__).resolve().parents[1]
KEYS = REPO / "keys"
NOW = dt.datetime(2026, 11, 27, 10, 30, tzinfo=anxinma.CST)
ISSUED = dt.datetime(2026, 6, 1, 9, 0, tzinfo=anxinma.CST)
#: The child's peak resident set in KiB: VmHWM belongs to the address space made by exec (ru_maxrss
#: would also count the parent's pages the child held between fork and exec).
_RSS = (
    "\nfor line in open('/proc/self/status'):\n"
    "    if line.startswith('VmHWM:'):\n"
    "        print(line.split()[1])\n"
)


def _code() -> str:
    worker = anxinma.parse_worker(_demo.reference_record())
    return anxinma.Issuer(_demo.private_key()).issue(
        worker, now=ISSUED, valid_days=1830, status=_demo.STATUS_REF
    )


def scripts() -> dict[str, str]:
    """The child programs, each printing its peak RSS (KiB) last."""
    text = _code()
    msg = cose.parse_sign1(from_text(text))
    raw = anxinma.keys.raw_public_key(_demo.public_key())
    tbs = cose.sig_structure(msg.protected, msg.payload)
    now = f"datetime.datetime.fromisoformat({NOW.isoformat()!r})"
    floor = (
        "import cbor2\n"
        "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey\n"
        f"Ed25519PublicKey.from_public_bytes({raw!r}).verify({msg.signature!r}, {tbs!r})\n"
        f"claims = cbor2.loads({msg.payload!r})\n"
        "assert isinstance(claims, dict)\n"
    )
    lean = (
        "import datetime, anxinma\n"
        "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey\n"
        f"ring = anxinma.Keyring([Ed25519PublicKey.from_public_bytes({raw!r})])\n"
        f"result = anxinma.verify({text!r}, ring, now={now})\n"
        # a bare keyring never checks status (spec §10.4): authentic, and said to be unchecked
        "assert result.reasons == (anxinma.Reason.STATUS_NOT_CHECKED,)\n"
    )
    field = (
        "import datetime, anxinma\n"
        "from pathlib import Path\n"
        f"keys, now = Path({str(KEYS)!r}), {now}\n"
        "root = [anxinma.load_public_key((keys / 'demo-root.pub.pem').read_bytes())]\n"
        "trust = anxinma.TrustList.load((keys / 'demo-trust.cwt').read_bytes(), root, now=now)\n"
        "status = anxinma.StatusListToken.load((keys / 'demo-status-0.cwt').read_bytes(), trust, now=now)\n"
        "directory = anxinma.Directory.load((keys / 'demo-directory.cwt').read_bytes(), root, now=now)\n"
        "policy = anxinma.Policy(max_status_age=status.expires_at - status.issued_at)\n"
        f"result = anxinma.verify({text!r}, trust, now=now, status=[status], policy=policy)\n"
        "assert result.ok and directory.find(result.credential.enterprise_uscc) is not None\n"
    )
    cli = (
        "import sys\n"
        f"sys.argv = ['anxinma', 'verify', {text!r}, '--root', {str(KEYS / 'demo-root.pub.pem')!r},"
        f" '--trust', {str(KEYS / 'demo-trust.cwt')!r}, '--now', {NOW.isoformat()!r}]\n"
        "from anxinma.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 3, exc.code  # yellow: no status list held\n"
    )
    return {"python": "pass\n", "floor": floor, "anxinma": lean, "field": field, "cli": cli}


def _environment(cache: str) -> dict[str, str]:
    """The children's environment: bytecode cached (in ``cache``, not in the source tree), as
    for an installed wheel, even where PYTHONDONTWRITEBYTECODE is set (it is in some sandboxes)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def _once(script: str, env: dict[str, str], python: str = sys.executable) -> tuple[float, int]:
    started = time.perf_counter()
    command = [python, "-c", script + _RSS]
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    elapsed = time.perf_counter() - started
    return elapsed, int(out.stdout.split()[-1])


def measure(
    rounds: int, warmup: int = 2, before: str | None = None
) -> dict[str, tuple[list[float], list[int]]]:
    """Times (s) and peak RSS (KiB) per program, rounds alternating (order rotated each round);
    the warm-up rounds also fill the bytecode cache.  ``before``: another interpreter that
    runs the anxinma programs too."""
    programs = {name: (script, sys.executable) for name, script in scripts().items()}
    if before is not None:
        programs |= {f"{name} (before)": (programs[name][0], before) for name in ("anxinma", "field", "cli")}
    names = list(programs)
    found: dict[str, tuple[list[float], list[int]]] = {n: ([], []) for n in names}
    with tempfile.TemporaryDirectory(prefix="anxinma-coldstart-") as cache:
        env = _environment(cache)
        for r in range(warmup + rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                script, python = programs[name]
                seconds, rss = _once(script, env, python)
                if r >= warmup:
                    found[name][0].append(seconds)
                    found[name][1].append(rss)
    return found


def report(found: dict[str, tuple[list[float], list[int]]], rounds: int) -> str:
    times = {n: statistics.median(t) for n, (t, _) in found.items()}
    rss = {n: statistics.median(m) for n, (_, m) in found.items()}
    floor_t, floor_m = times["floor"], rss["floor"]
    lines = [
        f"| process ({rounds} rounds, medians) | wall time | vs floor | above python | peak RSS | vs floor |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in found:
        extra = times[name] - times["python"]
        lines.append(
            f"| {name} | {1000 * times[name]:.1f} ms | {times[name] / floor_t:.2f}x | {1000 * extra:.1f} ms "
            f"| {rss[name] / 1024:.1f} MiB | {rss[name] / floor_m:.2f}x |"
        )
    ratio = times["anxinma"] / floor_t
    verdict = "within" if ratio <= 1.5 else "ABOVE"
    lines.append("")
    lines.append(
        f"cold start ratio anxinma/floor: {ratio:.2f}x in time ({verdict} the 1.5x target), "
        f"{rss['anxinma'] / floor_m:.2f}x in peak memory; field/floor: {times['field'] / floor_t:.2f}x; "
        f"cli/floor: {times['cli'] / floor_t:.2f}x; load average {os.getloadavg()[0]:.1f} at the end"
    )
    return "\n".join(lines)


def imports(python: str = sys.executable, runs: int = 9, program: str = "anxinma") -> str:
    """Modules ``program`` loads beyond the ``floor``, with ``-X importtime`` self times
    (bytecode cached, as in :func:`measure`; the least of ``runs`` runs), under ``python``.

    A module imported by :func:`importlib.import_module` (the package's names loaded on first
    use, a command's module) has no line of its own in ``-X importtime`` (0 ms here); what it
    imports has."""
    programs = scripts()
    loaded = {}
    with tempfile.TemporaryDirectory(prefix="anxinma-coldstart-") as cache:
        env = _environment(cache)
        for name in ("floor", program):
            script = (  # at exit: the cli program ends in SystemExit
                "import atexit, sys\n"
                "atexit.register(lambda: print('MODULES', ' '.join(sorted(sys.modules))))\n" + programs[name]
            )
            out = subprocess.run([python, "-c", script], capture_output=True, text=True, check=True, env=env)
            loaded[name] = set(out.stdout.rpartition("MODULES ")[2].split())
        command = [python, "-X", "importtime", "-c", programs[program]]
        self_us: dict[str, int] = {}
        for _ in range(runs):  # the least of several runs: the module's own cost, not the machine's noise
            timing = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
            for line in timing.stderr.splitlines():
                m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
                if m:
                    self_us[m.group(4)] = min(int(m.group(1)), self_us.get(m.group(4), 1 << 60))
    extra = loaded[program] - loaded["floor"]
    rows = sorted(extra, key=lambda m: -self_us.get(m, 0))
    total = sum(self_us.get(m, 0) for m in extra)
    watched = ("segno", "click", "sqlite3", "multiprocessing", "http.server", "unicodedata2", "regex")
    watched += ("starlette", "zxingcpp", "PIL", "numpy", "zlib")
    heavy = [m for m in watched if m in loaded[program]]
    lines = [
        f"{len(extra)} modules beyond the floor's {len(loaded['floor'])}; their own import time adds up to "
        f"{total / 1000:.1f} ms (-X importtime, the least of {runs} runs)",
        f"of {', '.join(watched)} the {program} program loads: {', '.join(heavy) or 'none'}",
        "",
        "| module | self import time |",
        "|---|---:|",
    ]
    lines += [f"| {m} | {self_us.get(m, 0) / 1000:.2f} ms |" for m in rows[:25]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60, help="measured rounds [60]")
    parser.add_argument(
        "--imports",
        nargs="?",
        const="anxinma",
        choices=["floor", "anxinma", "field", "cli"],
        help="list the modules a program loads beyond the floor [anxinma]",
    )
    parser.add_argument("--compare", metavar="PYTHON", help="also run the programs with this interpreter")
    args = parser.parse_args(argv)
    if args.imports:
        print(imports(args.compare or sys.executable, program=args.imports))
        return 0
    print(report(measure(args.rounds, before=args.compare), args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
