"""The issuer's endpoint (spec/visit-v1.md §6), in process through Starlette's test client."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the [server] extra is not installed")
from starlette.testclient import TestClient

from anxinma.server import ServerConfig, create_app
from anxinma.server.app import decode_record_text
from anxinma.server.limits import Buckets
from anxinma.verify import Color
from anxinma.visitdb import VisitDB

from .visits import ISSUED, Device, new_db

NOW = ISSUED + dt.timedelta(days=10)
SCANNED = NOW - dt.timedelta(hours=3)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def issued(tmp_path: Path) -> tuple[Path, list[bytes]]:
    db, messages = new_db(tmp_path / "issuer.db", count=4)
    db.close()
    return tmp_path / "issuer.db", messages


def _client(path: Path, **options: object) -> TestClient:
    config = ServerConfig(db=path, clock=lambda: NOW, **options)  # type: ignore[arg-type]
    return TestClient(create_app(config))


@pytest.fixture
def client(issued: tuple[Path, list[bytes]]) -> Iterator[TestClient]:
    with _client(issued[0]) as c:
        yield c


def _post(client: TestClient, *records: bytes | str) -> dict[str, object]:
    texts = [r if isinstance(r, str) else b64(r) for r in records]
    response = client.post("/v1/visits", json={"records": texts})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_batch_is_stored_once_and_every_record_gets_an_answer(
    client: TestClient, issued: tuple[Path, list[bytes]]
) -> None:
    path, (m0, m1, _, _) = issued
    a, b = Device(), Device()
    good = a.sign(a.visit(m0, scanned=SCANNED, stars=5))
    other = b.sign(b.visit(m1, scanned=SCANNED, entered=True))
    unknown = a.sign(a.visit(b"not issued here", scanned=SCANNED, stars=4))
    answer = _post(client, good, other, good, unknown, "not base64!", b64(good)[:-2])
    results = answer["results"]
    assert isinstance(results, list)
    assert [(r["outcome"], r["reason"]) for r in results] == [
        ("stored", None),
        ("stored", None),
        ("duplicate", None),
        ("refused", "unknown_credential"),
        ("refused", "malformed"),
        ("refused", "malformed"),
    ]
    assert (answer["stored"], answer["duplicate"], answer["refused"]) == (2, 1, 3)
    assert _post(client, good)["duplicate"] == 1  # sent again later: acknowledged, stored once
    with VisitDB(path) as db:
        assert db.visit_count() == 2


def test_request_errors_are_json_with_stable_codes(client: TestClient) -> None:
    def error(response: object) -> tuple[int, str]:
        return response.status_code, response.json()["error"]["code"]  # type: ignore[attr-defined]

    assert error(client.post("/v1/visits", content=b"{}", headers={"content-type": "text/plain"})) == (
        415,
        "unsupported_media_type",
    )
    assert error(client.post("/v1/visits", content=b"{", headers={"content-type": "application/json"})) == (
        400,
        "not_json",
    )
    assert error(client.post("/v1/visits", json={"records": "x"})) == (400, "bad_request")
    assert error(client.post("/v1/visits", json={"records": []})) == (400, "bad_request")
    assert error(client.post("/v1/visits", json={"records": ["AA"] * 101})) == (400, "too_many_records")
    big = json.dumps({"records": ["A" * 1000] * 300}).encode()
    assert error(client.post("/v1/visits", content=big, headers={"content-type": "application/json"})) == (
        413,
        "body_too_large",
    )
    assert error(client.get("/v1/visits")) == (405, "method_not_allowed")
    assert error(client.get("/nothing-here")) == (404, "not_found")
    assert client.get("/v1/health").json() == {"ok": True}


def test_base64url_must_be_canonical() -> None:
    assert decode_record_text(b64(b"\x01\x02\x03\x04")) == b"\x01\x02\x03\x04"
    assert decode_record_text("AQIDBA==") is None  # padding
    assert decode_record_text("AQIDBB") is None  # non-zero unused bits
    assert decode_record_text("AQID+A") is None  # standard alphabet
    assert decode_record_text("A") is None
    assert decode_record_text(7) is None


def test_rate_limits_per_address_and_per_device(issued: tuple[Path, list[bytes]]) -> None:
    path, (m0, m1, m2, m3) = issued
    a = Device()
    records = [a.sign(a.visit(m, scanned=SCANNED, stars=5)) for m in (m0, m1, m2, m3)]
    with _client(path, device_rate=0.001, device_burst=2, address_rate=0.001, address_burst=3) as client:
        answer = _post(client, *records)
        results = answer["results"]
        assert isinstance(results, list)
        assert [r["outcome"] for r in results] == ["stored", "stored", "refused", "refused"]
        assert results[2]["reason"] == "rate_limited" and results[2]["retryable"] is True
        _post(client, records[0])
        _post(client, records[0])  # the third request of a burst of 3
        response = client.post("/v1/visits", json={"records": [b64(records[0])]})
        assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"
        assert int(response.headers["retry-after"]) >= 1


def test_buckets_refill() -> None:
    buckets = Buckets(rate=2.0, burst=2)
    assert buckets.take("k", 0.0) == 0 and buckets.take("k", 0.0) == 0
    assert buckets.take("k", 0.0) == pytest.approx(0.5)
    assert buckets.take("k", 0.5) == 0
    assert Buckets(rate=0, burst=1).take("k", 0.0) == 0  # no limit


def test_the_site_is_served_with_cache_headers(issued: tuple[Path, list[bytes]], tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>安心码</title>", encoding="utf-8")
    (site / "app.js").write_text("export {};\n")
    (site / "trust.cwt").write_bytes(b"\x84")
    (site / "zxing.wasm").write_bytes(b"\x00asm")
    with _client(issued[0], site=site) as client:
        page = client.get("/")
        assert page.status_code == 200 and "安心码" in page.text
        assert (
            page.headers["cache-control"] == "no-cache"
            and page.headers["x-content-type-options"] == "nosniff"
        )
        doc = client.get("/trust.cwt")
        assert doc.headers["cache-control"] == "no-cache" and doc.headers["content-type"] == "application/cwt"
        again = client.get("/trust.cwt", headers={"if-none-match": doc.headers["etag"]})
        assert again.status_code == 304
        assert client.get("/zxing.wasm").headers["cache-control"] == "public, max-age=3600"
        assert client.get("/app.js").headers["cache-control"] == "no-cache"
        assert client.get("/v1/health").json() == {"ok": True}  # the API is not shadowed by the site


def test_cors_for_a_page_on_another_origin(issued: tuple[Path, list[bytes]]) -> None:
    with _client(issued[0], cors_origins=("https://verify.example.cn",)) as client:
        pre = client.options(
            "/v1/visits",
            headers={
                "origin": "https://verify.example.cn",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == "https://verify.example.cn"
        other = client.options(
            "/v1/visits", headers={"origin": "https://evil.example", "access-control-request-method": "POST"}
        )
        assert "access-control-allow-origin" not in other.headers


def test_the_record_path_answers_like_the_rest_of_the_site(issued: tuple[Path, list[bytes]]) -> None:
    """POST /v1/visits is a bare ASGI path (the hot one): the same security headers as every
    other answer, CORS for an allowed origin only, 405 JSON for other methods."""
    path, (m0, *_) = issued
    device = Device()
    data = device.sign(device.visit(m0, scanned=SCANNED, stars=4))
    with _client(path, cors_origins=("https://verify.example.cn",)) as client:
        ok = client.post(
            "/v1/visits", json={"records": [b64(data)]}, headers={"origin": "https://verify.example.cn"}
        )
        assert ok.status_code == 200 and ok.json()["stored"] == 1
        assert ok.headers["content-type"] == "application/json"
        assert (
            ok.headers["x-content-type-options"] == "nosniff"
            and ok.headers["referrer-policy"] == "no-referrer"
        )
        assert (
            ok.headers["access-control-allow-origin"] == "https://verify.example.cn"
            and ok.headers["vary"] == "Origin"
        )
        other = client.post(
            "/v1/visits", json={"records": [b64(data)]}, headers={"origin": "https://evil.example"}
        )
        assert other.json()["duplicate"] == 1 and "access-control-allow-origin" not in other.headers
        health = client.get("/v1/health")
        assert health.headers["x-content-type-options"] == "nosniff"
        wrong = client.get("/v1/visits")
        assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


def test_flagged_records_are_acknowledged_with_their_flag(issued: tuple[Path, list[bytes]]) -> None:
    path, messages = issued
    a = Device()
    records = [
        a.sign(
            a.visit(
                m,
                scanned=SCANNED + dt.timedelta(minutes=n),
                stars=4,
                color=Color.YELLOW,
                reasons=("insurance_expired",),
            )
        )
        for n, m in enumerate(messages)
    ]
    with _client(path, flood_limit=2) as client:
        results = _post(client, *records)["results"]
    assert isinstance(results, list)
    assert [r["flags"] for r in results] == [[], [], ["flood"], ["flood"]]
    assert all(r["outcome"] == "stored" for r in results)


def test_record_text_is_refused_exactly_when_it_is_not_what_a_canonical_encoder_writes() -> None:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for prefix in ("", "AQID"):
        for tail in (a + b for a in alphabet for b in alphabet):
            for text in (prefix + tail, prefix + "Q" + tail, prefix + "QQ" + tail):
                try:
                    data: bytes | None = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
                except binascii.Error:
                    data = None
                if data is not None and base64.urlsafe_b64encode(data).rstrip(b"=").decode() != text:
                    data = None  # (the decoder ignores bits past the last byte; the endpoint refuses them)
                assert decode_record_text(text) == data, text
