"""Every vector of spec/vectors/ through the page's own modules, in Chromium (issue 11).

The page is the spec's second implementation: for every ``verify`` vector it must report
the vector's colour, reasons (in order), kid, ID match, trust-list issuer, status and
decoded credential; every ``document`` vector must load or be refused as stated; base45
and the COSE known answer must agree byte for byte.  The same vectors run through the
pure-JS Ed25519 fallback in tests/browser/test_web_fallback.py.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from .conftest import harness, open_page

VECTORS = Path(__file__).resolve().parents[2] / "spec" / "vectors"


@cache
def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text("utf-8"))
    return data


def files(kind: str) -> list[str]:
    return sorted(p.name for p in VECTORS.glob("*.json") if load(p.name)["kind"] == kind)


def verify_input() -> list[dict[str, Any]]:
    return [
        {"file": name, "leeway": load(name)["leeway_seconds"], "vectors": load(name)["vectors"]}
        for name in files("verify")
    ]


VERIFY_IDS = [f"{name}:{v['id']}" for name in files("verify") for v in load(name)["vectors"]]
DOCUMENT_VECTORS = [v for name in files("document") for v in load(name)["vectors"]]


@pytest.fixture(scope="module")
def page(chromium: Any, demo_site: Any) -> Any:
    page = open_page(chromium, demo_site.url)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def verify_results(page: Any) -> dict[str, Any]:
    out: dict[str, Any] = harness(page, "verify-vectors", verify_input())
    assert out["engine"] == "webcrypto", "Chromium has Ed25519 in WebCrypto; the fallback has its own test"
    return out["results"]  # type: ignore[no-any-return]


def expected_of(vector_id: str) -> dict[str, Any]:
    name, _, vid = vector_id.partition(":")
    return next(v for v in load(name)["vectors"] if v["id"] == vid)["expected"]  # type: ignore[no-any-return]


def agree(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """The fields of the vector's expectation the page reports differently."""
    return [f"{k}: page {got.get(k)!r}, vector {v!r}" for k, v in want.items() if got.get(k) != v]


def test_every_verify_vector_ran(verify_results: dict[str, Any]) -> None:
    assert sorted(verify_results) == sorted(VERIFY_IDS)
    assert VERIFY_IDS, "no verify vectors found"


@pytest.mark.parametrize("vector_id", VERIFY_IDS)
def test_verify_vector_in_the_browser(verify_results: dict[str, Any], vector_id: str) -> None:
    got = verify_results[vector_id]
    assert "error" not in got, got
    assert agree(got["compact"], expected_of(vector_id)) == []


@pytest.mark.parametrize("vector", DOCUMENT_VECTORS, ids=[v["id"] for v in DOCUMENT_VECTORS])
def test_document_vector_in_the_browser(page: Any, vector: dict[str, Any]) -> None:
    got = harness(page, "document-vectors", [vector])[vector["id"]]
    assert got == vector["expected"]


ID_NUMBER_VECTORS = [v for name in files("id-number") for v in load(name)["vectors"]]


def test_typed_id_number_vectors_in_the_browser(page: Any) -> None:
    assert ID_NUMBER_VECTORS, "no id-number vectors"
    got = harness(page, "id-number", ID_NUMBER_VECTORS)
    want = [{"normalized": v["normalized"], "valid": v["valid"]} for v in ID_NUMBER_VECTORS]
    assert got == want


def test_base45_vectors_in_the_browser(page: Any) -> None:
    data = load("base45.json")
    got = harness(page, "base45", data)
    assert got["valid"] == [[True, True]] * len(data["valid"])
    assert got["invalid"] == [v["position"] for v in data["invalid"]]


def test_cose_known_answer_in_the_browser(page: Any) -> None:
    data = load("cose-eddsa-sig-01.json")
    got = harness(page, "cose-known-answer", data)
    assert got == {"tbs": data["to_be_signed_hex"], "ok": True}
