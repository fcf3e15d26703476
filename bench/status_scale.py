"""National scale status list: 8,000,000 workers, 1 % revoked, 0.5 % suspended (issue 3).

Builds the list, signs it as a Status List Token, loads it back through the
verifier's path (signature, bounded inflation) and queries it; reports the
signed size against the entropy bound of the status distribution.

    python bench/status_scale.py [--entries 8000000] [--seed 1] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma
from anxinma.gbcodes import PROVINCES
from anxinma.keys import raw_public_key
from anxinma.status import Status, StatusList, StatusListToken

NOW = dt.datetime(2026, 11, 27, 9, tzinfo=anxinma.CST)


def entropy_bytes(n: int, shares: dict[Status, float]) -> float:
    """Shannon bound in bytes for ``n`` independent statuses with these shares."""
    bits = -sum(p * math.log2(p) for p in shares.values() if p > 0)
    return n * bits / 8


def build(n: int, seed: int) -> tuple[StatusList, dict[Status, float], float]:
    started = time.perf_counter()
    statuses = StatusList(n)
    rng = random.Random(seed)
    revoked, suspended = n // 100, n // 200
    for i, index in enumerate(rng.sample(range(n), revoked + suspended)):
        statuses.set(index, Status.INVALID if i < revoked else Status.SUSPENDED)
    shares = {
        Status.VALID: 1 - (revoked + suspended) / n,
        Status.INVALID: revoked / n,
        Status.SUSPENDED: suspended / n,
    }
    return statuses, shares, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=8_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    root, issuer = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    key = anxinma.IssuerKey(public_key=raw_public_key(issuer), valid_from=NOW - dt.timedelta(days=1))
    trust = anxinma.TrustList(
        1,
        NOW,
        NOW + dt.timedelta(days=30),
        (anxinma.TrustedIssuer("cn", "national", tuple(str(p) for p in sorted(PROVINCES)), (key,)),),
    )
    loaded_trust = anxinma.TrustList.load(trust.sign(root), [root.public_key()], now=NOW)

    statuses, shares, t_build = build(args.entries, args.seed)
    token = StatusListToken("cn", 0, NOW, NOW + dt.timedelta(days=7), statuses, ttl=86400)
    started = time.perf_counter()
    signed = token.sign(issuer)
    t_sign = time.perf_counter() - started

    started = time.perf_counter()
    loaded = StatusListToken.load(signed, loaded_trust, now=NOW + dt.timedelta(hours=1))
    t_load = time.perf_counter() - started

    rng = random.Random(args.seed + 1)
    probes = [rng.randrange(args.entries) for _ in range(100_000)]
    started = time.perf_counter()
    found = sum(loaded.statuses.get(i) is not Status.VALID for i in probes)
    t_query = (time.perf_counter() - started) / len(probes)

    bound = entropy_bytes(args.entries, shares)
    report = {
        "entries": args.entries,
        "revoked": round(shares[Status.INVALID] * args.entries),
        "suspended": round(shares[Status.SUSPENDED] * args.entries),
        "raw_bytes": args.entries * 2 // 8,
        "signed_token_bytes": len(signed),
        "entropy_bound_bytes": round(bound),
        "size_over_bound": round(len(signed) / bound, 3),
        "build_seconds": round(t_build, 3),
        "compress_and_sign_seconds": round(t_sign, 3),
        "load_seconds": round(t_load, 3),
        "query_microseconds": round(t_query * 1e6, 3),
        "nonvalid_in_probes": found,
    }
    if args.json:
        print(json.dumps(report))
        return
    for name, value in report.items():
        print(f"{name:28} {value}")


if __name__ == "__main__":
    main()
