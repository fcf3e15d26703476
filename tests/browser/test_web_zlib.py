"""Status lists' compressed bytes (spec §15.3) in the page: the same refusals as the reference.

The page decompresses with DecompressionStream('deflate'), which has no output cap of its
own and whose handling of the stream's end is the browser's: here each way a `lst` can be
wrong — trailing bytes, a truncated stream, a wrong Adler-32, raw deflate or gzip instead of
zlib, a preset dictionary, more than 2^24 entries (a zlib bomb: 4 MiB of zeros in a few kB),
fewer than 2^17 — is signed into a status list and loaded by both implementations, which
must load or refuse it alike.
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

import pytest

import anxinma
from anxinma.document import sign_document
from anxinma.registry import DocumentType

from . import pki
from .conftest import harness, open_page

ISSUED = pki.NOW - dt.timedelta(hours=1)
ENTRIES = bytes(1 << 15)  # 2^17 entries, all valid
TAIL = zlib.compress(ENTRIES)


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _gzip(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def _with_dictionary(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 15, zdict=b"anxinma")
    return c.compress(data) + c.flush()


CASES = {
    "valid": TAIL,
    "largest (2^24 entries)": zlib.compress(bytes(1 << 22), 9),
    "one byte over 2^24 entries": zlib.compress(bytes((1 << 22) + 1), 9),
    "a zlib bomb (64 MiB of zeros)": zlib.compress(bytes(64 << 20), 9),
    "fewer than 2^17 entries": zlib.compress(bytes((1 << 15) - 1), 9),
    "a trailing byte": TAIL + b"\x00",
    "a second stream after the first": TAIL + TAIL,
    "truncated (no Adler-32)": TAIL[:-4],
    "truncated mid-stream": TAIL[: len(TAIL) // 2],
    "wrong Adler-32": TAIL[:-1] + bytes([TAIL[-1] ^ 1]),
    "raw deflate": _raw_deflate(ENTRIES),
    "gzip": _gzip(ENTRIES),
    "a preset dictionary": _with_dictionary(ENTRIES),
    "empty": b"",
}


def _token(lst: bytes) -> bytes:
    claims = {
        2: "urn:anxinma:status:nb:0",
        6: int(ISSUED.timestamp()),
        4: int((ISSUED + dt.timedelta(days=2)).timestamp()),
        65533: {"bits": 2, "lst": lst},
    }
    return sign_document(claims, pki.ISSUER, typ=DocumentType.STATUS_LIST)


def _python(data: bytes, trust: anxinma.TrustList) -> dict[str, Any]:
    try:
        token = anxinma.StatusListToken.load(data, trust, now=pki.NOW)
    except anxinma.DocumentError as exc:
        return {"error": exc.reason.value}
    return {
        "error": None,
        "loaded": {"uri": token.uri, "issued_at": token.issued_at.isoformat(), "size": token.statuses.size},
    }


@pytest.fixture(scope="module")
def page(chromium: Any, pki_site: Any) -> Any:
    page = open_page(chromium, pki_site.url, clock=pki.NOW)
    yield page
    page.context.close()


@pytest.mark.parametrize("case", list(CASES))
def test_compressed_status_bytes_are_judged_alike(page: Any, case: str) -> None:
    trust_bytes = pki.trust_list()
    trust = anxinma.TrustList.load(trust_bytes, [pki.ROOT.public_key()], now=pki.NOW)
    data = _token(CASES[case])
    want = _python(data, trust)
    vector = {
        "id": case,
        "document": "status_list",
        "now": pki.NOW.isoformat(),
        "data_hex": data.hex(),
        "roots": [pki.ROOT.public_key().public_bytes_raw().hex()],
        "trust_list_hex": trust_bytes.hex(),
    }
    got = harness(page, "document-vectors", [vector])[case]
    assert got == want
    assert (want["error"] is None) == (case in ("valid", "largest (2^24 entries)"))
