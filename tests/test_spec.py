"""spec/anxinma-v1.md and spec/anxinma.cddl agree with the code.

The spec's tables (labels, services, reason codes, byte budget) and its
arithmetic (QR capacity, ID privacy) are parsed or recomputed here, and the
CDDL's integer labels are compared with src/anxinma/registry.py in both
directions.  When pycddl is installed, vector payloads are also validated
against the CDDL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from enum import IntEnum
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from anxinma import (
    DEFAULT_LEEWAY,
    DocumentReason,
    Policy,
    Reason,
    Service,
    StatusRef,
    cbor,
    issue,
    model,
    parse_worker,
    registry,
)
from anxinma.claims import from_claims, pack_card_no
from anxinma.cose import parse_sign1
from anxinma.errors import RecordError
from anxinma.state import MAX_SEQUENCE, VerifierState
from anxinma.transport import MAX_MESSAGE_BYTES, MAX_TEXT_CHARS, PREFIX, from_text

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "anxinma-v1.md"
CDDL = ROOT / "spec" / "anxinma.cddl"
VECTORS = ROOT / "spec" / "vectors"
_HEADING = re.compile(r"^(#{2,6}) (\d+(?:\.\d+)*)\.? ", re.MULTILINE)


@cache
def spec_text() -> str:
    return SPEC.read_text("utf-8")


@cache
def cddl_text() -> str:
    return CDDL.read_text("utf-8")


def section(number: str) -> str:
    """The text of spec section ``number`` up to the next heading of the same or a higher level."""
    text = spec_text()
    match = next((m for m in _HEADING.finditer(text) if m[2] == number), None)
    assert match is not None, f"spec has no section {number}"
    level = len(match[1])
    end = re.compile(rf"^#{{2,{level}}} ", re.MULTILINE).search(text, match.end())
    return text[match.end() : end.start() if end else len(text)]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every Markdown table row in ``text`` (header and rule rows dropped)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|[-:| ]+\|$", line):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:] if rows else rows


def unquote(cell: str) -> str:
    return cell.strip("`*\"' ")


# -- section citations ----------------------------------------------------------------


def _cited(text: str) -> set[str]:
    found = set()
    for group in re.findall(r"spec(?:/anxinma-v1\.md)?,?\s+((?:§\d+(?:\.\d+)*(?:,\s*|\s+and\s+)?)+)", text):
        found |= set(re.findall(r"§(\d+(?:\.\d+)*)", group))
    return found


def test_every_section_the_code_cites_exists() -> None:
    headings = {m[2] for m in _HEADING.finditer(spec_text())}
    sources = [*(ROOT / "src" / "anxinma").glob("*.py"), VECTORS / "generate.py", CDDL]
    cited = {(p.name, n) for p in sources for n in _cited(p.read_text("utf-8"))}
    missing = sorted((name, n) for name, n in cited if n not in headings)
    assert not missing, f"cited sections missing from the spec: {missing}"
    assert len(cited) > 20


def test_every_section_the_spec_cites_exists() -> None:
    text = spec_text()
    headings = {m[2] for m in _HEADING.finditer(text)}
    internal = {
        m[1]
        for m in re.finditer(r"§(\d+(?:\.\d+)*)", text)
        if not re.search(r"(RFC \d{4}|draft\S*)[\s(]*$", text[max(0, m.start() - 16) : m.start()])
    }
    assert internal - headings == set()


# -- the CDDL against the registry ------------------------------------------------------

_PREFIXES: dict[str, type[IntEnum]] = {
    "claim-": registry.Claim,
    "header-": registry.Header,
    "trust-list-": registry.TrustListClaim,
    "issuer-": registry.IssuerLabel,
    "key-": registry.KeyLabel,
    "status-list-": registry.StatusListClaim,
    "directory-": registry.DirectoryClaim,
    "enterprise-": registry.EnterpriseLabel,
}


def _cddl_rules(pattern: str) -> dict[str, str]:
    rule = re.compile(rf"^([a-z][a-z0-9-]*)\s*=\s*({pattern})\s*(?:;.*)?$", re.MULTILINE)
    return {m[1]: m[2] for m in rule.finditer(cddl_text())}


def test_cddl_labels_match_the_registry_both_ways() -> None:
    numbers = _cddl_rules(r"-?\d+")
    assert numbers.pop("alg-eddsa") == str(registry.ALG_EDDSA)
    for prefix, enum in _PREFIXES.items():
        in_cddl = {n[len(prefix) :]: int(v) for n, v in numbers.items() if n.startswith(prefix)}
        in_code = {m.name.lower().replace("_", "-"): int(m) for m in enum}
        assert in_cddl == in_code, f"{prefix}* rules differ from {enum.__name__}"
    stray = [n for n in numbers if not n.startswith(tuple(_PREFIXES))]
    assert not stray, f"integer rules outside the registry: {stray}"


def test_cddl_document_types_match_the_registry() -> None:
    texts = {n: v.strip('"') for n, v in _cddl_rules(r'"[^"]*"').items() if n.startswith("typ-")}
    types = registry.DocumentType
    assert texts == {
        "typ-trust-list": types.TRUST_LIST,
        "typ-status-list": types.STATUS_LIST,
        "typ-directory": types.DIRECTORY,
    }


def test_cddl_ranges_match_the_model() -> None:
    ranges = {n: (int(a), int(b)) for n, v in _cddl_rules(r"\d+\.\.\d+").items() for a, b in [v.split("..")]}
    epoch = dt.date(1970, 1, 1)
    assert ranges["calendar-day"] == ((model.DATE_MIN - epoch).days, (model.DATE_MAX - epoch).days)
    assert ranges["card-number"] == (1, pack_card_no("Z" * model.CARD_NO_MAX))
    assert ranges["service-mask"] == (1, (1 << len(Service)) - 1)
    assert ranges["identity-word"] == (0, (1 << 12) - 1)
    assert ranges["rating-word"] == (0, model.RATING_COUNT_MAX * 64 + 50)
    assert ranges["epoch-seconds"] == (0, 2**32 - 1)
    assert ranges["sequence-number"] == (0, MAX_SEQUENCE)
    provinces = sorted(model.gbcodes.PROVINCES)
    assert ranges["region-number"] == (provinces[0] * 10_000, provinces[-1] * 10_000 + 9999)
    assert f"claim-name => tstr .size (1..{4 * model.NAME_MAX})" in cddl_text()
    assert f"claim-training-hours => 0..{model.TRAINING_HOURS_MAX}" in cddl_text()
    names = re.findall(r'"([a-z_]+)"\s+; bit (\d)', cddl_text())
    assert [(n, int(b)) for n, b in names] == [(s.value, i) for i, s in enumerate(Service)]


# -- the spec's tables against the code ---------------------------------------------------


def test_claim_tables_match_the_registry() -> None:
    rows = table_rows(section("5.1")) + table_rows(section("5.2"))
    assert {int(r[0]): unquote(r[1]) for r in rows} == {int(c): c.name.lower() for c in registry.Claim}


def _worst_claims() -> dict[int, Any]:
    vector = next(v for v in _vectors("issue.json") if v["id"] == "worst-case")
    claims: dict[int, Any] = cbor.decode(bytes.fromhex(vector["expected"]["claims_hex"]), max_depth=1)
    claims[registry.Claim.NBF] = claims[registry.Claim.IAT]
    return claims


def test_required_column_is_what_the_decoder_requires() -> None:
    rows = table_rows(section("5.1")) + table_rows(section("5.2"))
    full = _worst_claims()
    from_claims(full)
    for label, _, required, *_ in rows:
        less = {k: v for k, v in full.items() if k != int(label)}
        if int(label) == registry.Claim.BACKGROUND_CHECKED_ON:  # the flag bit needs the date (§5.3)
            less[registry.Claim.IDENTITY] &= ~(1 << 11)
        if required == "yes":
            with pytest.raises(RecordError):
                from_claims(less)
        else:
            assert required == "no"
            from_claims(less)


def test_service_table_matches_the_vocabulary() -> None:
    rows = [(int(b), unquote(n), zh) for b, n, zh in table_rows(section("4.3"))]
    assert rows == [(i, s.value, s.label_zh) for i, s in enumerate(Service)]
    assert all(s.bit == 1 << i for i, s in enumerate(Service))


def test_reason_table_matches_the_code() -> None:
    rows = {unquote(r[0]): r[1].split()[0] for r in table_rows(section("10.1"))}
    assert rows == {r.value: r.color.value for r in Reason}


def test_document_reason_table_matches_the_code() -> None:
    assert {unquote(r[0]) for r in table_rows(section("15.6"))} == {r.value for r in DocumentReason}


def test_defaults_quoted_in_the_spec() -> None:
    assert f"default {DEFAULT_LEEWAY} s" in section("10") or f"(default {DEFAULT_LEEWAY} seconds)" in section(
        "10.3"
    )
    assert Policy().max_status_age == dt.timedelta(days=3)
    assert "| maximum status list age | 3 days |" in section("10.6")
    assert Policy().stale_status_color.value == "yellow"


# -- the byte budget (§7.2) and the QR arithmetic (§7.1) -----------------------------------


@cache
def _vectors(name: str) -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = json.loads((VECTORS / name).read_text("utf-8"))["vectors"]
    return vectors


def _issued(case_id: str) -> tuple[bytes, bytes]:
    """Issue an issue.json case with the library: (COSE message, claims payload)."""
    document = json.loads((VECTORS / "issue.json").read_text("utf-8"))
    vector = next(v for v in document["vectors"] if v["id"] == case_id)
    seed = bytes.fromhex(document["keys"][vector["key"]]["seed_hex"])
    status = None if vector["status"] is None else StatusRef(**vector["status"])
    text = issue(
        parse_worker(vector["record"]),
        Ed25519PrivateKey.from_private_bytes(seed),
        now=dt.datetime.fromisoformat(vector["now"]),
        valid_days=vector["valid_days"],
        status=status,
    )
    message = from_text(text)
    return message, parse_sign1(message).payload


def _budget_rows(text: str) -> dict[int, tuple[int, int, int]]:
    return {
        int(r[0]): (int(r[3]), int(r[4]), int(r[5])) for r in table_rows(text) if re.match(r"-?\d+$", r[0])
    }


@pytest.mark.parametrize(
    ("case_id", "heading"), [("reference", "Reference record"), ("worst-case", "Worst case")]
)
def test_budget_table_is_computed_from_real_encodings(case_id: str, heading: str) -> None:
    part = section("7.2").split(f"#### {heading}", 1)[1].split("\n#### ", 1)[0]
    message, payload = _issued(case_id)
    claims = cbor.decode(payload, max_depth=1)
    computed = {
        int(k): (len(cbor.encode(k)), len(cbor.encode(v)), len(cbor.encode(k)) + len(cbor.encode(v)))
        for k, v in claims.items()
    }
    assert _budget_rows(part) == computed
    assert f"| map head ({len(claims)} pairs) | | | | 1 |" in part
    assert 1 + sum(b for _, _, b in computed.values()) == len(payload)
    assert f"| | **claims set** | | | | **{len(payload)}** |" in part
    if case_id == "reference":
        assert f"| **COSE overhead** | **{len(message) - len(payload)}** |" in part
        assert (
            f"| **message ({len(message) - len(payload)} + {len(payload)})** | **{len(message)}** |" in part
        )
        with_status, _ = _issued("reference-status")
        assert f"**{len(with_status)} ≤ 171**" in section("7.2")
    else:
        assert f"**{len(message)} ≤ {MAX_MESSAGE_BYTES}** bytes" in part


def _fits(chars: int, version: int) -> bool:
    try:
        segno.make_qr("A" * chars, error="m", mode="alphanumeric", boost_error=False, version=version)
    except segno.DataOverflowError:
        return False
    return True


def _base45_bytes(chars: int) -> int:
    """The most bytes ``chars`` base45 characters can carry."""
    return chars // 3 * 2 + (1 if chars % 3 == 2 else 0)


def test_qr_arithmetic_of_section_7_1() -> None:
    text = section("7.1")
    for version, capacity in ((9, 262), (11, 366)):
        assert _fits(capacity, version) and not _fits(capacity + 1, version)
        assert f"**{capacity} characters**" in text
    assert _base45_bytes(262 - len(PREFIX)) == 171 and "**171 bytes**" in text
    assert _base45_bytes(366 - len(PREFIX)) == 240
    assert MAX_TEXT_CHARS <= 366 and _base45_bytes(MAX_TEXT_CHARS - len(PREFIX)) == MAX_MESSAGE_BYTES
    assert f"**{MAX_MESSAGE_BYTES} bytes**" in text and f"**{MAX_TEXT_CHARS} characters**" in text
    caps = section("7.3")
    assert f"| {MAX_TEXT_CHARS} characters (`AXM1:` + {MAX_TEXT_CHARS - len(PREFIX)}) |" in caps
    assert f"| {MAX_MESSAGE_BYTES} bytes |" in caps


# -- the ID privacy arithmetic (§6.2) --------------------------------------------------------


def test_id_privacy_arithmetic_of_section_6_2() -> None:
    text = section("6.2")
    days = 55 * 365.25
    candidates = days * 500
    expected = {
        f"{(1 - 2**-10) * 100:.3f} %": None,
        f"{round(days):,}": None,
        f"{candidates / 1024:,.0f}": candidates / 1024 >= 1000,
        f"{7 * 365.25 * 500 / 1024:,.0f}": 7 * 365.25 * 500 / 1024 >= 1000,
        f"{5 * 365.25 * 500 / 1024:,.0f}": 5 * 365.25 * 500 / 1024 < 1000,
        f"{days / 11:,.0f}": None,
        f"{365.25 * 500 / 1024:,.0f}": 365.25 * 500 / 1024 < 1000,
        f"{candidates / 2**20:.1f}": None,
    }
    for number, holds in expected.items():
        assert number in text, number
        assert holds is not False, number
    assert 1 - 2**-10 >= 0.999


# -- validation against the CDDL (pycddl, when installed) --------------------------------------


def _schema(root: str) -> Any:
    import pycddl  # a test dependency (pyproject [test]): the CDDL is checked, never skipped

    return pycddl.Schema(f"root = {root}\n" + cddl_text())


def _valid(schema: Any, data: bytes) -> bool:
    try:
        schema.validate_cbor(data)
    except Exception:  # pycddl raises its own ValidationError
        return False
    return True


def _verify_vectors() -> list[dict[str, Any]]:
    return [v for p in sorted(VECTORS.glob("verify-*.json")) for v in _vectors(p.name)]


def test_every_decoded_code_matches_the_cddl() -> None:
    claims, protected = _schema("anxinma-claims"), _schema("anxinma-protected")
    checked = 0
    for vector in _verify_vectors():
        if vector["expected"]["credential"] is None:
            continue
        message = parse_sign1(bytes.fromhex(vector["message_hex"]))
        assert _valid(claims, message.payload), vector["id"]
        assert _valid(protected, message.protected), vector["id"]
        checked += 1
    assert checked > 30


#: Negative vectors whose claims break a rule the CDDL itself expresses.  ("name-bytes"
#: breaks one too, but pycddl 0.6 lets ``tstr .size`` accept a byte string.)
CDDL_REJECTS = {
    "unknown-label",
    "missing-card-no",
    "services-zero",
    "services-bit-8",
    "region-province",
    "enterprise-length",
    "credit-score",
    "date-before-2000",
    "card-no-zero",
}


def test_the_cddl_rejects_what_it_can_express() -> None:
    claims = _schema("anxinma-claims")
    by_id = {v["id"]: v for v in _verify_vectors()}
    for name in sorted(CDDL_REJECTS):
        message = parse_sign1(bytes.fromhex(by_id[f"malformed-claim-{name}"]["message_hex"]))
        assert not _valid(claims, message.payload), name


def test_loaded_documents_match_the_cddl() -> None:
    rules = {"trust_list": "trust-list", "status_list": "status-list", "directory": "directory"}
    protected = _schema("document-protected")
    for vector in _vectors("documents.json"):
        if vector["expected"]["error"] is not None:
            continue
        message = parse_sign1(bytes.fromhex(vector["data_hex"]), typ=_typ(vector["document"]))
        assert _valid(_schema(rules[vector["document"]]), message.payload), vector["id"]
        assert _valid(protected, message.protected), vector["id"]


def _typ(kind: str) -> str:
    types = registry.DocumentType
    return {"trust_list": types.TRUST_LIST, "status_list": types.STATUS_LIST, "directory": types.DIRECTORY}[
        kind
    ]


def test_the_verifier_state_json_matches_the_cddl() -> None:
    """spec §15.7: the JSON form (read as CBOR: same data model) against rule verifier-state."""
    import cbor2

    schema = _schema("verifier-state")
    states = [
        VerifierState(),
        VerifierState(7, 0, (("urn:anxinma:status:nb:0", 0), ("urn:anxinma:status:nb:255", 2**32 - 1))),
        VerifierState(MAX_SEQUENCE, MAX_SEQUENCE),
    ]
    for state in states:
        assert _valid(schema, cbor2.dumps(json.loads(state.to_json())))
    for bad in ({"format": 2}, {"trust_list_sequence": -1}, {"directory_sequence": MAX_SEQUENCE + 1}):
        body = json.loads(VerifierState().to_json()) | bad
        assert not _valid(schema, cbor2.dumps(body)), bad
    assert section("15.7").count(VerifierState().to_json().decode().strip()) == 1
