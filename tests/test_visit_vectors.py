"""spec/vectors/visit.json: every record vector and the endpoint sequence pass; the file is
what spec/vectors/generate_visit.py writes, byte for byte."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from anxinma.issuerdb import Issuance
from anxinma.visit import VisitError, open_visit, record_digest, sign_visit, visit_as_dict
from anxinma.visitdb import VisitDB

ROOT = Path(__file__).resolve().parents[1]
VECTORS = json.loads((ROOT / "spec" / "vectors" / "visit.json").read_text(encoding="utf-8"))


def test_the_file_is_reproduced_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "spec/vectors/generate_visit.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "visit.json").read_bytes() == (ROOT / "spec/vectors/visit.json").read_bytes()


def test_the_vectors_cover_what_the_issue_asks() -> None:
    ids = {v["id"] for v in VECTORS["records"]}
    errors = {v["expected"].get("error") for v in VECTORS["records"]}
    assert {
        "valid-evaluation",
        "wrong-signer",
        "out-of-window-future",
        "out-of-window-old",
        "oversized",
    } <= ids
    assert errors >= {
        None,
        "malformed",
        "too_large",
        "wrong_type",
        "unsupported_algorithm",
        "signature_invalid",
        "out_of_window",
    }
    outcomes = {
        (s["expected"]["outcome"], s["expected"]["reason"]) for s in VECTORS["endpoint"]["submissions"]
    }
    assert ("duplicate", None) in outcomes and ("refused", "conflict") in outcomes  # replayed


def _key(vector: dict[str, Any]) -> Ed25519PrivateKey:
    kid = vector["expected"]["visit"]["device_kid"]
    (key,) = [k for k in VECTORS["keys"].values() if k["kid_hex"] == kid]
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key["seed_hex"]))


@pytest.mark.parametrize("vector", VECTORS["records"], ids=lambda v: v["id"])
def test_record_vector(vector: dict[str, Any]) -> None:
    now = dt.datetime.fromisoformat(vector["now"])
    data = bytes.fromhex(vector["record_hex"])
    expected = vector["expected"]
    if "error" in expected:
        with pytest.raises(VisitError) as info:
            open_visit(data, now=now)
        assert info.value.reason.value == expected["error"]
    else:
        visit = open_visit(data, now=now)
        assert visit_as_dict(visit) == expected["visit"]
        # the decoder makes its Visit without __post_init__: the same object the checked
        # constructor makes from the same fields, and one it accepts
        assert dataclasses.replace(visit) == visit
        assert sign_visit(visit, _key(vector)) == data


def test_endpoint_sequence(tmp_path: Path) -> None:
    seq = VECTORS["endpoint"]
    cred = seq["credential"]
    now = dt.datetime.fromisoformat(seq["now"])
    with VisitDB(tmp_path / "v.db") as db:
        iat = int(dt.datetime.fromisoformat(cred["issued_at"]).timestamp())
        exp = int(dt.datetime.fromisoformat(cred["expires_at"]).timestamp())
        item = Issuance(
            b"",
            cred["credential_id"],
            cred["card_no"],
            "王秀英",
            "91330203MA2H123450",
            "330203",
            "330203",
            0,
            "00" * 32,
            bytes(8),
            iat,
            exp,
            None,
            None,
            None,
            False,
        )
        assert db.issue([item], now=now) == []
        for step in seq["submissions"]:
            data = bytes.fromhex(step["record_hex"])
            try:
                (stored,) = db.store_visits([(open_visit(data, now=now), data, record_digest(data))], now=now)
                got = {"outcome": stored.outcome, "reason": stored.reason and stored.reason.value}
            except VisitError as exc:
                got = {"outcome": "refused", "reason": exc.reason.value}
            assert got == step["expected"], step["description"]
        assert sorted(db.counted_stars()[cred["card_no"]]) == seq["counted_stars"]
        rating = db.rating_of(cred["card_no"])
        assert rating is not None and {"average": rating.average, "count": rating.count} == seq["rating"]


def test_published_test_keys_are_consistent() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from anxinma.keys import kid_of, load_public_key, raw_public_key

    keys = VECTORS["keys"] | VECTORS["endpoint"]["keys"]
    for name, key in keys.items():
        private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key["seed_hex"]))
        assert raw_public_key(private).hex() == key["public_hex"], name
        assert kid_of(private).hex() == key["kid_hex"], name
        assert raw_public_key(load_public_key(key["public_pem"].encode())).hex() == key["public_hex"]
