"""Key rotation and compromise through the library (spec §15.2-15.3), printing each step.

    python examples/rotation.py

A root signs trust lists for one Ningbo issuer.  Its key A is active; key B is
added (both valid during the overlap); A is retired, after which the codes A
signed before stay green but a code A signs afterwards is red
(issued_outside_key_window); finally A is marked compromised and every code A
ever signed is red (key_compromised), while B's codes stay green.  Keys are
made afresh on each run; the timeline is fixed (the core takes time as an
argument).  The script exits 1 if any verdict is not the expected one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma
from anxinma.keys import raw_public_key

RECORD = Path(__file__).resolve().parent / "workers" / "reference.json"
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=anxinma.CST)
DAY = dt.timedelta(days=1)


def publish(trust: anxinma.TrustList, root: Ed25519PrivateKey, now: dt.datetime) -> anxinma.TrustList:
    """Sign with the root, then load as a verifier would (pinned root key)."""
    return anxinma.TrustList.load(trust.sign(root), [root.public_key()], now=now)


def check(label: str, code: str, trust: anxinma.TrustList, now: dt.datetime, expected: str) -> bool:
    """Verify ``code`` and print the verdict; ``expected`` is a colour and, for red, a reason it must give."""
    result = anxinma.verify(code, trust, now=now)
    color, *reason = expected.split()
    ok = result.color.value == color and all(r in result.reasons for r in reason)
    reasons = ", ".join(result.reasons) or "-"
    print(f"    {label:<38} {result.color.value:<6} {reasons:<44} {'ok' if ok else 'UNEXPECTED'}")
    return ok


def main() -> int:
    worker = anxinma.parse_worker(json.loads(RECORD.read_text("utf-8")))
    root, key_a, key_b = (anxinma.generate_private_key() for _ in range(3))
    kid_a, kid_b = anxinma.kid_of(key_a).hex(), anxinma.kid_of(key_b).hex()
    results = []

    print(f"1. Trust list sequence 1: issuer nb with key A ({kid_a}), active from {T0.date()}")
    a_key = anxinma.IssuerKey(public_key=raw_public_key(key_a), valid_from=T0)
    nb = anxinma.TrustedIssuer(id="nb", name="宁波市家政服务中心", regions=("3302",), keys=(a_key,))
    stage = anxinma.TrustList(sequence=1, issued_at=T0, expires_at=T0 + 30 * DAY, issuers=(nb,))
    now = T0 + DAY
    old_a = anxinma.issue(worker, key_a, now=now)
    results.append(check("A's code, issued day 1", old_a, publish(stage, root, now), now, "green"))

    print(f"2. Sequence 2: key B ({kid_b}) added from day 10; both keys valid in the overlap")
    b_key = anxinma.IssuerKey(public_key=raw_public_key(key_b), valid_from=T0 + 10 * DAY)
    stage = dataclasses.replace(stage.with_key("nb", b_key), sequence=2, issued_at=T0 + 10 * DAY)
    now = T0 + 11 * DAY
    b_code = anxinma.issue(worker, key_b, now=now)
    overlap = publish(stage, root, now)
    results.append(check("A's code of day 1", old_a, overlap, now, "green"))
    results.append(check("B's code, issued day 11", b_code, overlap, now, "green"))

    retired_at = T0 + 20 * DAY
    print(f"3. Sequence 3: key A retired; its issuing window closed {retired_at.isoformat()}")
    stage = dataclasses.replace(
        stage.with_key_state(bytes.fromhex(kid_a), anxinma.KeyState.RETIRED, at=retired_at),
        sequence=3,
        issued_at=retired_at,
    )
    now = T0 + 25 * DAY
    late_a = anxinma.issue(worker, key_a, now=T0 + 21 * DAY)  # the retired key signs anyway
    after = publish(stage, root, now)
    results.append(check("A's code of day 1 (before retirement)", old_a, after, now, "green"))
    results.append(check("A's code of day 21 (after)", late_a, after, now, "red issued_outside_key_window"))
    results.append(check("B's code", b_code, after, now, "green"))

    print("4. Sequence 4: key A marked compromised")
    stage = dataclasses.replace(
        stage.with_key_state(bytes.fromhex(kid_a), anxinma.KeyState.COMPROMISED),
        sequence=4,
        issued_at=T0 + 26 * DAY,
    )
    now = T0 + 27 * DAY
    compromised = publish(stage, root, now)
    results.append(check("A's code of day 1", old_a, compromised, now, "red key_compromised"))
    results.append(check("A's code of day 21", late_a, compromised, now, "red key_compromised"))
    results.append(check("B's code", b_code, compromised, now, "green"))

    print("every verdict as expected" if all(results) else "SOME VERDICTS WERE NOT AS EXPECTED")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
