"""Issue a code for the reference worker and verify it, with the library API only (no CLI).

    python examples/issue_and_verify.py

The issuer key is made afresh here; a real issuer loads its own key (see
``anxinma keygen``) and verifiers trust only its public key.  The library never
reads the clock: the caller passes ``now`` in.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import anxinma

RECORD = Path(__file__).resolve().parent / "workers" / "reference.json"


def main() -> None:
    worker = anxinma.parse_worker(json.loads(RECORD.read_text(encoding="utf-8")))
    issuer_key = anxinma.generate_private_key()
    now = dt.datetime.now(dt.UTC)

    text = anxinma.issue(worker, issuer_key, now=now)
    print(f"code ({len(text)} characters): {text}")

    trust = anxinma.Keyring([issuer_key.public_key()])
    result = anxinma.verify(text, trust, now=now, id_number=worker.id_number)
    kid = result.kid.hex() if result.kid is not None else "none"
    print(f"issuer kid {kid}; the ID number typed matches: {result.id_match}")
    reasons = f" ({', '.join(result.reasons)}: {result.detail})" if result.reasons else ""
    print(f"colour: {result.color.value}{reasons}")


if __name__ == "__main__":
    main()
