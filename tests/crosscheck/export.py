"""Export a handful of anxinma codes for the independent cross-check (``check.py``).

    python tests/crosscheck/export.py OUT.json [--tamper]

Run with the main interpreter (anxinma installed).  Issues the reference record,
the reference record with a status reference, names in minority scripts and
the worst-case record with the DEMO issuer key at the fixed time of
``bench/records.py``, and writes, for each code: its text, the COSE_Sign1 bytes
in hex, the public key (raw hex and PEM), the kid in hex and what the claims
must say (name, iat, exp), computed here from the inputs and not read back
from the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from records import (
    DEMO_KEY,
    MINORITY_CASES,
    NOW,
    REFERENCE_CASE,
    REFERENCE_STATUS_CASE,
    WORST_CASE_CASE,
    Case,
)

import anxinma
from anxinma.keys import raw_public_key
from anxinma.transport import from_text, to_text

CASES = (REFERENCE_CASE, REFERENCE_STATUS_CASE, *MINORITY_CASES, WORST_CASE_CASE)
DAY = 86_400


def export_case(case: Case, key: Ed25519PrivateKey) -> dict[str, Any]:
    """One code and what an independent checker needs to verify it."""
    status = None if case.status is None else anxinma.StatusRef(*case.status)
    worker = anxinma.parse_worker(case.record)
    text = anxinma.issue(worker, key, now=NOW, valid_days=case.valid_days, status=status)
    iat = int(NOW.timestamp())
    return {
        "label": case.label,
        "text": text,
        "cose_hex": from_text(text).hex(),
        "public_key_raw_hex": raw_public_key(key).hex(),
        "public_key_pem": anxinma.public_key_pem(key).decode("ascii"),
        "kid_hex": anxinma.kid_of(key).hex(),
        "expected": {"name": case.record["name"], "iat": iat, "exp": iat + case.valid_days * DAY},
    }


def tamper(code: dict[str, Any]) -> dict[str, Any]:
    """``code`` with the last signature byte flipped and its text re-encoded: must fail the check."""
    message = bytearray.fromhex(code["cose_hex"])
    message[-1] ^= 0x01
    return {
        **code,
        "label": f"{code['label']} (TAMPERED)",
        "cose_hex": message.hex(),
        "text": to_text(message),
    }


def main(argv: list[str] | None = None) -> int:
    """Write the export; with ``--tamper``, one code carries a broken signature."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the JSON")
    parser.add_argument("--tamper", action="store_true", help="break the first code's signature (self-test)")
    args = parser.parse_args(argv)
    key = anxinma.load_private_key(DEMO_KEY.read_bytes())
    codes = [export_case(case, key) for case in CASES]
    if args.tamper:
        codes[0] = tamper(codes[0])
    export = {"generator": f"anxinma {anxinma.__version__}", "now": NOW.isoformat(), "codes": codes}
    args.out.write_text(json.dumps(export, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"exported {len(codes)} codes to {args.out}" + (" (first one tampered)" if args.tamper else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
