"""spec/visit-v1.md and spec/visit.cddl agree with the code (labels, vocabularies, limits) and
with the vectors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from anxinma import cbor, registry, visit
from anxinma.cose import parse_sign1

ROOT = Path(__file__).resolve().parents[1]
CDDL = (ROOT / "spec" / "visit.cddl").read_text(encoding="utf-8")
SPEC = (ROOT / "spec" / "visit-v1.md").read_text(encoding="utf-8")
VECTORS = json.loads((ROOT / "spec" / "vectors" / "visit.json").read_text(encoding="utf-8"))


def test_cddl_labels_match_the_registry_both_ways() -> None:
    rules = dict(re.findall(r"^visit-([a-z-]+) = (-?\d+)\s*$", CDDL, re.MULTILINE))
    in_code = {c.name.lower().replace("_", "-"): str(int(c)) for c in registry.VisitClaim}
    assert rules == in_code


def test_the_spec_tables_match_the_vocabularies_and_limits() -> None:
    for tag in visit.Tag:
        assert f"| {tag.bit} | `{tag.value}` | {tag.label_zh} |" in SPEC
    for category in visit.Complaint:
        assert f"| {category.bit} | `{category.value}` | {category.label_zh} |" in SPEC
    for claim in registry.VisitClaim:
        assert f"| {int(claim)} | `{claim.field}` |" in SPEC, claim
    assert f"{visit.MAX_RECORD_BYTES:,} bytes" in SPEC
    assert f'typ-visit = "{visit.VISIT_TYPE}"' in CDDL
    for reason in visit.VisitReason:
        assert f"| `{reason.value}` |" in SPEC, reason


def _schema(root: str) -> Any:
    import pycddl  # a test dependency (pyproject [test])

    return pycddl.Schema(f"root = {root}\n" + CDDL)


def test_every_accepted_vector_matches_the_cddl_and_refused_claims_do_not() -> None:
    claims, protected = _schema("visit-claims"), _schema("visit-protected")
    checked = 0
    for vector in VECTORS["records"]:
        data = bytes.fromhex(vector["record_hex"])
        if "visit" not in vector["expected"]:
            continue
        message = parse_sign1(data, typ=visit.VISIT_TYPE)
        protected.validate_cbor(message.protected)
        claims.validate_cbor(message.payload)
        checked += 1
    assert checked >= 6
    bad = next(v for v in VECTORS["records"] if v["id"] == "malformed-stars-6")
    payload = parse_sign1(bytes.fromhex(bad["record_hex"]), typ=visit.VISIT_TYPE).payload
    try:
        claims.validate_cbor(payload)
    except Exception:  # pycddl's ValidationError
        pass
    else:
        raise AssertionError("6 stars passed the CDDL")
    assert cbor.decode(payload, max_depth=1, max_items=32)[-9] == 6
