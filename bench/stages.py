"""Where the time of issuing and verifying goes: stage timings and cProfile.

    python bench/stages.py [--cprofile]

Each stage of ``Issuer.issue`` and ``verify`` is timed on its own, on the
reference record: the fastest of several batches of calls, garbage collector
off.  The stages call the
library's internal functions one by one, so this script follows the module
layout of ``src/anxinma`` and must change when that does; ``bench/run.py``
uses only the public API.  What the stages do not cover (argument checks,
trust lookup, the colour decision, glue) is shown as "rest": the total minus
the top-level stages.  ``--cprofile`` adds the top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import sys
from collections.abc import Callable

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from records import DEMO_KEY, NOW, REFERENCE_CASE
from run import _per_call_ns

import anxinma
from anxinma import cbor, cose
from anxinma.base45 import b45decode, b45encode
from anxinma.claims import from_claims, to_claims
from anxinma.idcheck import id_hint
from anxinma.issue import credential_for
from anxinma.transport import from_text, to_text

ROUNDS, CALLS = 15, 300
NBSP = "\u00a0"  # keeps the indentation of sub-stages in rendered Markdown
Stages = list[tuple[str, Callable[[], object]]]


def best_us(stages: Stages) -> list[float]:
    """Microseconds per call of each stage: the least disturbed of ``ROUNDS`` batches.

    Every round runs a batch of each stage in turn, so that all stages see the
    same machine; the collector is off.  Stages are not paired like the
    comparisons of ``bench/run.py``, so the minimum is used: on a shared
    machine it is the most repeatable estimate of a stage's own cost.
    """
    gc.collect()
    gc.disable()
    try:
        for _, fn in stages:
            _per_call_ns(fn, CALLS // 4)
        rounds = [[_per_call_ns(fn, CALLS) for _, fn in stages] for _ in range(ROUNDS)]
    finally:
        gc.enable()
    return [min(column) / 1000 for column in zip(*rounds, strict=True)]


def issue_stages(key: Ed25519PrivateKey) -> Stages:
    """The stages of ``Issuer.issue`` on the reference record, in order."""
    issuer = anxinma.Issuer(key)
    worker = anxinma.parse_worker(REFERENCE_CASE.record)
    cred = credential_for(worker, now=NOW)
    claims = to_claims(cred)
    payload = cbor.encode(claims)
    protected = cose.protected_header(issuer.kid)
    to_sign = cose.sig_structure(protected, payload)
    message = cose.sign1(payload, key, issuer.kid)
    return [
        ("issue: total", lambda: issuer.issue(worker, now=NOW)),
        ("  credential_for (Credential checks)", lambda: credential_for(worker, now=NOW)),
        ("    of which id_hint (SHA-256)", lambda: id_hint(worker.id_number, worker.card_no)),
        ("  to_claims", lambda: to_claims(cred)),
        ("  cbor.encode(claims)", lambda: cbor.encode(claims)),
        ("  cose.sign1 (3 encodes + sign)", lambda: cose.sign1(payload, key, issuer.kid)),
        ("    of which Ed25519 sign", lambda: key.sign(to_sign)),
        ("    of which protected_header", lambda: cose.protected_header(issuer.kid)),
        ("    of which sig_structure", lambda: cose.sig_structure(protected, payload)),
        ("  to_text (base45)", lambda: to_text(message)),
        ("floor: cbor2.dumps + sign", lambda: (cbor2.dumps(claims, canonical=True), key.sign(to_sign))),
    ]


def verify_stages(key: Ed25519PrivateKey) -> Stages:
    """The stages of ``verify`` on the reference record, in order."""
    public = key.public_key()
    keyring = anxinma.Keyring([public])
    text = anxinma.issue(anxinma.parse_worker(REFERENCE_CASE.record), key, now=NOW)
    message = from_text(text)
    msg = cose.parse_sign1(message)
    to_sign = cose.sig_structure(msg.protected, msg.payload)
    claims = cbor.decode(msg.payload, max_depth=1, max_items=64)
    return [
        ("verify: total", lambda: anxinma.verify(text, keyring, now=NOW)),
        ("  from_text (base45 decode)", lambda: from_text(text)),
        ("    of which b45decode", lambda: b45decode(text[5:])),
        ("  parse_sign1 (issuer layout: slicing; else strict decodes)", lambda: cose.parse_sign1(message)),
        ("  verify_signature", lambda: cose.verify_signature(msg, public)),
        ("    of which Ed25519 verify", lambda: public.verify(msg.signature, to_sign)),
        ("  cbor.decode(payload) (strict)", lambda: cbor.decode(msg.payload, max_depth=1, max_items=64)),
        ("  from_claims (Credential checks)", lambda: from_claims(claims)),
        (
            "floor: cbor2.loads + verify",
            lambda: (cbor2.loads(msg.payload), public.verify(msg.signature, to_sign)),
        ),
        ("(cbor2.loads(payload) alone)", lambda: cbor2.loads(msg.payload)),
        ("(b45encode, for scale)", lambda: b45encode(message)),
    ]


def table(title: str, stages: Stages) -> str:
    """Markdown table of the stages; the first is the total, and the time of the
    total not covered by the top-level stages (indent 2) is shown as the rest."""
    times = list(zip((label for label, _ in stages), best_us(stages), strict=True))
    covered = sum(us for label, us in times if label.startswith("  ") and not label.startswith("   "))
    rest = ("  rest (not covered by the stages above)", times[0][1] - covered)
    lines = [f"| {title} stage | µs/call |", "| --- | ---: |"]
    for label, us in [*times[:1], *(t for t in times[1:] if t[0].startswith(" ")), rest]:
        lines.append(f"| {label.replace(' ', NBSP)} | {us:.1f} |")
    lines += [f"| {label} | {us:.1f} |" for label, us in times[1:] if not label.startswith(" ")]
    return "\n".join(lines) + "\n"


def _cprofile(fn: Callable[[], object], title: str, calls: int = 3000) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
    return f"### cProfile: {title} ({calls} calls, sorted by own time)\n\n```\n{out.getvalue().strip()}\n```"


def main(argv: list[str] | None = None) -> int:
    """Print the stage tables (and cProfile listings with ``--cprofile``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cprofile", action="store_true", help="also print cProfile listings")
    args = parser.parse_args(argv)
    key = anxinma.load_private_key(DEMO_KEY.read_bytes())
    for title, stages in (("issue", issue_stages(key)), ("verify", verify_stages(key))):
        print(table(title, stages))
    if args.cprofile:
        print(_cprofile(issue_stages(key)[0][1], "Issuer.issue"))
        print(_cprofile(verify_stages(key)[0][1], "verify"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
