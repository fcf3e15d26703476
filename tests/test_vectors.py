"""The test vectors of spec/anxinma-v1.md §14, checked against the library.

Every JSON file in spec/vectors/ is loaded and dispatched on its ``kind``; a
file of an unknown kind fails.  The generator is re-run in memory and must
reproduce every file byte for byte.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import cbor2
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from anxinma import (
    Color,
    CredentialTooLargeError,
    DocumentError,
    DocumentReason,
    Keyring,
    Policy,
    Reason,
    RecordError,
    StatusListToken,
    StatusRef,
    TrustList,
    UsageError,
    VerifierState,
    credential_as_dict,
    document_summary,
    issue,
    kid_of,
    load_public_key,
    parse_worker,
    verify,
)
from anxinma.base45 import b45decode, b45encode
from anxinma.cose import CoseError, Sign1, parse_sign1, sig_structure, verify_signature
from anxinma.directory import Directory
from anxinma.errors import Base45Error
from anxinma.idcheck import normalize_id_number
from anxinma.keys import raw_public_key
from anxinma.qr import make_qr
from anxinma.transport import PREFIX, from_text

VECTORS = Path(__file__).resolve().parents[1] / "spec" / "vectors"
# visit.json has its own generator and tests (spec/visit-v1.md §9, tests/test_visit_vectors.py).
FILES = sorted(p for p in VECTORS.glob("*.json") if p.name != "visit.json")
KINDS = {"verify", "issue", "base45", "cose-known-answer", "document", "id-number"}


@cache
def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document


def of_kind(kind: str) -> list[Path]:
    return [p for p in FILES if load(p)["kind"] == kind]


def vectors(kind: str) -> list[Any]:
    """(file, vector) pairs of every file of ``kind``, as pytest params with the vector id."""
    return [
        pytest.param(load(path), vector, id=f"{path.stem}:{vector['id']}")
        for path in of_kind(kind)
        for vector in load(path)["vectors"]
    ]


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def public(hex_key: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))


# -- the collection as a whole -------------------------------------------------------


def test_every_file_has_a_known_kind_and_every_kind_is_present() -> None:
    assert FILES, "no vector files in spec/vectors"
    kinds = [load(p)["kind"] for p in FILES]
    assert set(kinds) <= KINDS, f"unknown kinds: {set(kinds) - KINDS}"
    assert set(kinds) == KINDS


def test_vector_ids_are_unique_within_a_file() -> None:
    for path in FILES:
        ids = [v["id"] for v in load(path).get("vectors", [])]
        assert len(ids) == len(set(ids)), path.name


def test_every_reason_code_is_covered() -> None:
    seen = {r for path in of_kind("verify") for v in load(path)["vectors"] for r in v["expected"]["reasons"]}
    assert seen == {r.value for r in Reason}


def test_every_document_reason_is_covered_but_too_large() -> None:
    seen = {v["expected"]["error"] for path in of_kind("document") for v in load(path)["vectors"]}
    # TOO_LARGE needs a document above 1 MiB (trust lists) or 8 MiB (status lists):
    # too big to ship as hex; tests/test_trust.py and the size check itself cover it.
    assert seen - {None} == {r.value for r in DocumentReason} - {DocumentReason.TOO_LARGE.value}


def test_published_test_keys_are_consistent() -> None:
    for path in FILES:
        for name, key in load(path).get("keys", {}).items():
            private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key["seed_hex"]))
            assert raw_public_key(private).hex() == key["public_hex"], name
            assert kid_of(private).hex() == key["kid_hex"], name
            assert raw_public_key(load_public_key(key["public_pem"].encode())).hex() == key["public_hex"]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("anxinma_spec_vectors", VECTORS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_generator_reproduces_every_file_byte_for_byte() -> None:
    built: dict[str, str] = _generator().build()
    assert set(built) == {p.name for p in FILES}
    for name, text in built.items():
        assert (VECTORS / name).read_text("utf-8") == text, f"{name} is stale: run spec/vectors/generate.py"


def test_the_generator_runs_as_a_script(tmp_path: Path) -> None:
    script = VECTORS / "generate.py"
    run = subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    for path in FILES:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


# -- verification vectors --------------------------------------------------------------


def _trust(vector: dict[str, Any], now: dt.datetime) -> Keyring | TrustList:
    trust = vector["trust"]
    if "keyring" in trust:
        return Keyring([public(h) for h in trust["keyring"]])
    roots = [public(h) for h in trust["roots"]]
    return TrustList.load(bytes.fromhex(trust["trust_list_hex"]), roots, now=now)


def _documents(vector: dict[str, Any], trust: Keyring | TrustList, now: dt.datetime) -> tuple[Any, ...]:
    """Load the vector's status lists, then its directory (spec §14.1); a refused one is reported."""
    lists, outcomes, directory = [], [], None
    for data in vector.get("status_lists_hex", []):
        assert isinstance(trust, TrustList), "status lists are loaded against a trust list"
        try:
            lists.append(StatusListToken.load(bytes.fromhex(data), trust, now=now))
            outcomes.append({"kind": "status_list", "loaded": True, "reason": None})
        except DocumentError as exc:
            outcomes.append({"kind": "status_list", "loaded": False, "reason": exc.reason.value})
    if "directory_hex" in vector:
        roots = [public(h) for h in vector["trust"]["roots"]]
        try:
            directory = Directory.load(bytes.fromhex(vector["directory_hex"]), roots, now=now)
            outcomes.append({"kind": "directory", "loaded": True, "reason": None})
        except DocumentError as exc:
            outcomes.append({"kind": "directory", "loaded": False, "reason": exc.reason.value})
    return lists, directory, outcomes


@pytest.mark.parametrize(("document", "vector"), vectors("verify"))
def test_verify_vector(document: dict[str, Any], vector: dict[str, Any]) -> None:
    now = moment(vector["now"])
    trust = _trust(vector, now)
    lists, directory, outcomes = _documents(vector, trust, now)
    policy = Policy(**{k: Color(v) for k, v in vector.get("policy", {}).items()})
    result = verify(
        vector["text"],
        trust,
        now=now,
        status=lists,
        directory=directory,
        id_number=vector.get("id_number"),
        leeway=document["leeway_seconds"],
        policy=policy,
    )
    want = vector["expected"]
    assert outcomes == want["documents"]
    found = result.enterprise
    assert want["enterprise"] == (
        None if found is None else {"uscc": found.uscc, "name": found.name, "district": found.district}
    )
    assert result.color.value == want["color"], result.detail
    assert [r.value for r in result.reasons] == want["reasons"], result.detail
    assert (None if result.kid is None else result.kid.hex()) == want["kid"]
    assert result.id_match == want["id_match"]
    assert (None if result.issuer is None else result.issuer.id) == want["issuer"]
    status = want["status"]
    assert result.status.state.value == status["state"]
    assert (None if result.status.value is None else int(result.status.value)) == status["value"]
    got = None if result.credential is None else credential_as_dict(result.credential)
    assert got == want["credential"]


@pytest.mark.parametrize(("document", "vector"), vectors("verify"))
def test_verify_vector_is_self_consistent(document: dict[str, Any], vector: dict[str, Any]) -> None:
    """The expected colour follows from the reasons (spec §10.2); message_hex is what the text carries."""
    want = vector["expected"]
    policy = Policy(**{k: Color(v) for k, v in vector.get("policy", {}).items()})
    colours = {policy.color_of(Reason(r)) for r in want["reasons"]}
    expected = Color.RED if Color.RED in colours else Color.YELLOW if colours else Color.GREEN
    assert want["color"] == expected.value
    if "message_hex" in vector and vector["text"].startswith(PREFIX):
        body = vector["text"][len(PREFIX) :]
        assert b45decode(body) == bytes.fromhex(vector["message_hex"])
    if want["credential"] is not None:
        assert want["kid"] is not None


def test_the_reference_code_is_the_one_the_issuer_makes() -> None:
    """verify-positive's reference vector and issue.json's reference answer carry the same code."""
    (positive,) = [p for p in of_kind("verify") if p.name == "verify-positive.json"]
    reference = next(v for v in load(positive)["vectors"] if v["id"] == "green-reference")
    issued = next(v for p in of_kind("issue") for v in load(p)["vectors"] if v["id"] == "reference")
    assert reference["text"] == issued["expected"]["text"]


# -- issuance known answers ----------------------------------------------------------


@pytest.mark.parametrize(("document", "vector"), vectors("issue"))
def test_issue_vector(document: dict[str, Any], vector: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(document["keys"][vector["key"]]["seed_hex"]))
    status = None if vector["status"] is None else StatusRef(**vector["status"])
    options: dict[str, Any] = {
        "now": moment(vector["now"]),
        "valid_days": vector["valid_days"],
        "status": status,
    }
    want = vector["expected"]
    if want.get("error") == "invalid_record":
        with pytest.raises(RecordError) as refused:
            parse_worker(vector["record"])
        assert (refused.value.code, refused.value.field, refused.value.label) == (
            want["error"],
            want["field"],
            want["label"],
        )
        return
    worker = parse_worker(vector["record"])
    if "error" in want:
        with pytest.raises(CredentialTooLargeError) as info:
            issue(worker, key, **options)
        assert info.value.code == want["error"]
        assert f"is {want['message_bytes']} bytes" in str(info.value)
        return
    text = issue(worker, key, **options)
    assert text == want["text"]
    message = from_text(text)
    assert message.hex() == want["message_hex"]
    parsed = parse_sign1(message)
    assert parsed.protected.hex() == want["protected_hex"]
    assert parsed.payload.hex() == want["claims_hex"]
    assert (len(parsed.payload), len(message), len(text)) == (
        want["claims_bytes"],
        want["message_bytes"],
        want["text_chars"],
    )
    assert make_qr(text).version == want["qr_version_m"]


# -- base45 ------------------------------------------------------------------------------


def _base45_items(field: str) -> list[Any]:
    return [
        pytest.param(item, id=item["base45"] or "empty") for p in of_kind("base45") for item in load(p)[field]
    ]


@pytest.mark.parametrize("item", _base45_items("valid"))
def test_base45_known_answer(item: dict[str, Any]) -> None:
    data = bytes.fromhex(item["hex"])
    if "ascii" in item:
        assert data == item["ascii"].encode("ascii")
    assert b45encode(data) == item["base45"]
    assert b45decode(item["base45"]) == data


@pytest.mark.parametrize("item", _base45_items("invalid"))
def test_base45_refusal(item: dict[str, Any]) -> None:
    with pytest.raises(Base45Error) as info:
        b45decode(item["base45"])
    assert info.value.position == item["position"]


def test_base45_file_carries_the_rfc_9285_examples() -> None:
    sources = [i["source"] for p in of_kind("base45") for i in load(p)["valid"]]
    assert sum(s.startswith("RFC 9285 §4.3") for s in sources) == 3
    assert sum(s.startswith("RFC 9285 §4.4") for s in sources) == 1


# -- COSE WG known answer ------------------------------------------------------------------


@pytest.mark.parametrize("path", of_kind("cose-known-answer"), ids=lambda p: p.stem)
def test_cose_wg_eddsa_known_answer(path: Path) -> None:
    """Our Sig_structure and Ed25519 reproduce the COSE WG's eddsa-sig-01 byte for byte."""
    v = load(path)
    message = bytes.fromhex(v["message_hex"])
    tagged = cbor2.loads(message)  # a generic decoder: the message is outside our profile
    assert isinstance(tagged, cbor2.CBORTag) and tagged.tag == 18
    protected, unprotected, payload, signature = tagged.value
    assert protected.hex() == v["protected_hex"]
    assert cbor2.loads(protected) == {1: -8, 3: 0}
    assert unprotected == {4: v["key"]["kid"].encode()}
    assert payload.hex() == v["payload_hex"] and signature.hex() == v["signature_hex"]
    assert v["external_aad_hex"] == ""
    to_be_signed = sig_structure(protected, payload)
    assert to_be_signed.hex() == v["to_be_signed_hex"]
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["key"]["d_hex"]))
    assert raw_public_key(private).hex() == v["key"]["x_hex"]
    public(v["key"]["x_hex"]).verify(signature, to_be_signed)
    assert private.sign(to_be_signed) == signature  # Ed25519 is deterministic (RFC 8032 §5.1.6)
    assert verify_signature(Sign1(protected, b"11", payload, signature), public(v["key"]["x_hex"]))
    with pytest.raises(InvalidSignature):
        public(v["key"]["x_hex"]).verify(signature, to_be_signed[:-1] + b"!")


@pytest.mark.parametrize("path", of_kind("cose-known-answer"), ids=lambda p: p.stem)
def test_cose_wg_message_is_outside_the_anxinma_profile(path: Path) -> None:
    message = bytes.fromhex(load(path)["message_hex"])
    for candidate in (message, message[1:]):  # tagged, and with the tag removed
        with pytest.raises(CoseError) as info:
            parse_sign1(candidate)
        assert info.value.reason == "malformed"


# -- signed documents ----------------------------------------------------------------------


def _load_document(vector: dict[str, Any]) -> dict[str, Any]:
    now = moment(vector["now"])
    roots = [public(h) for h in vector["roots"]]
    data = bytes.fromhex(vector["data_hex"])
    state = VerifierState.from_json(json.dumps(vector["state"])) if "state" in vector else None
    if vector["document"] == "trust_list":
        return document_summary(TrustList.load(data, roots, now=now, state=state))
    if vector["document"] == "status_list":
        held = TrustList.load(bytes.fromhex(vector["trust_list_hex"]), roots, now=now)
        return document_summary(StatusListToken.load(data, held, now=now, state=state))
    assert vector["document"] == "directory"
    return document_summary(Directory.load(data, roots, now=now, state=state))


@pytest.mark.parametrize(("document", "vector"), vectors("document"))
def test_document_vector(document: dict[str, Any], vector: dict[str, Any]) -> None:
    want = vector["expected"]
    if want["error"] is None:
        assert _load_document(vector) == want["loaded"]
        return
    with pytest.raises(DocumentError) as info:
        _load_document(vector)
    assert info.value.reason.value == want["error"]


# -- typed ID numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(("document", "vector"), vectors("id-number"))
def test_id_number_vector(document: dict[str, Any], vector: dict[str, Any]) -> None:
    """spec §10.5: the normalised form, and whether verify accepts the typed number."""
    assert normalize_id_number(vector["typed"]) == vector["normalized"]
    (positive,) = [p for p in of_kind("verify") if p.name == "verify-positive.json"]
    reference = next(v for v in load(positive)["vectors"] if v["id"] == "green-reference")
    ring = Keyring([public(h) for h in reference["trust"]["keyring"]])
    now = moment(reference["now"])
    if vector["valid"]:
        assert verify(reference["text"], ring, now=now, id_number=vector["typed"]).id_match is not None
    else:
        with pytest.raises(UsageError):
            verify(reference["text"], ring, now=now, id_number=vector["typed"])
