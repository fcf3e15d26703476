"""Ed25519 without WebCrypto: the vendored fallback, forced, agrees with the reference.

Browsers before Chrome 137 / Safari 17 / Firefox 129 have no Ed25519 in WebCrypto.  An
init script takes it away from Chromium (importKey refuses 'Ed25519' as such a browser
does); the page must notice, switch to the pure-JS check and give every vector's verdict.

The acceptance rule itself (spec §8.2 with OpenSSL's behaviour) is pinned on crafted
signatures that implementations are known to treat differently: S not reduced, R the
identity, R a non-canonical encoding, R with a small-order component (cofactored versus
cofactorless checks).  Python (OpenSSL), WebCrypto and the fallback must give the same
answer on each.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from anxinma.keys import raw_public_key

from .conftest import NO_ED25519_SCRIPT, check_code, harness, open_page
from .test_web_vectors import VERIFY_IDS, agree, expected_of, verify_input


@pytest.fixture(scope="module")
def page(chromium: Any, demo_site: Any) -> Any:
    page = open_page(chromium, demo_site.url, init_script=NO_ED25519_SCRIPT)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def results(page: Any) -> dict[str, Any]:
    assert harness(page, "engine", None) == {"webcrypto": False}
    out: dict[str, Any] = harness(page, "verify-vectors", verify_input())
    assert out["engine"] == "fallback"
    return out["results"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("vector_id", VERIFY_IDS)
def test_verify_vector_through_the_fallback(results: dict[str, Any], vector_id: str) -> None:
    got = results[vector_id]
    assert "error" not in got, got
    assert agree(got["compact"], expected_of(vector_id)) == []


def test_the_page_verifies_through_the_fallback(page: Any) -> None:
    import datetime as dt

    from anxinma import _demo, issue, parse_worker

    now = dt.datetime.now(dt.UTC)
    text = issue(
        parse_worker(_demo.demo_record(now.date())), _demo.private_key(), now=now, status=_demo.STATUS_REF
    )
    assert check_code(page, text)["color"] == "green"
    assert check_code(page, text[:-3] + ("000" if text[-3:] != "000" else "111"))["color"] == "red"


# -- the acceptance rule on crafted signatures -----------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    return (x1 * y2 + x2 * y1) * pow(1 + t, -1, P) % P, (y1 * y2 + x1 * x2) * pow(1 - t, -1, P) % P


def _mul(k: int, point: tuple[int, int]) -> tuple[int, int]:
    out = (0, 1)
    while k:
        if k & 1:
            out = _add(out, point)
        point = _add(point, point)
        k >>= 1
    return out


def _encode(point: tuple[int, int]) -> bytes:
    x, y = point
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _base() -> tuple[int, int]:
    y = 4 * pow(5, -1, P) % P
    x2 = (y * y - 1) * pow(D * y * y + 1, -1, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    return (P - x if x & 1 else x), y


B = _base()
SEED = bytes(range(100, 132))
MESSAGE = b"anxinma: crafted signature"


def _scalar() -> int:
    h = bytearray(hashlib.sha512(SEED).digest()[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return int.from_bytes(h, "little")


def crafted() -> dict[str, bytes]:
    """Signatures of MESSAGE under SEED's key that strict and lax verifiers judge differently."""
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    public = raw_public_key(key)
    a = _scalar()

    def k_of(r: bytes) -> int:
        return int.from_bytes(hashlib.sha512(r + public + MESSAGE).digest(), "little") % L

    good = key.sign(MESSAGE)
    s = int.from_bytes(good[32:], "little")
    identity = _encode((0, 1))
    non_canonical_identity = (P + 1).to_bytes(32, "little")  # y = p + 1 encodes y = 1
    torsion = (0, P - 1)  # the point of order 2
    r = 7
    mixed = _encode(_add(_mul(r, B), torsion))
    out = {
        "good": good,
        "s-plus-l": good[:32] + (s + L).to_bytes(32, "little"),
        "r-identity": identity + (k_of(identity) * a % L).to_bytes(32, "little"),
        "r-non-canonical": non_canonical_identity
        + (k_of(non_canonical_identity) * a % L).to_bytes(32, "little"),
        "r-mixed-order": mixed + ((r + k_of(mixed) * a) % L).to_bytes(32, "little"),
        "all-zero": bytes(64),
    }
    return out


CHECK = """
async ({ site, key, message, signatures }) => {
  const ed = await import(new URL('./js/ed25519.js', site).href);
  const { fromHex } = await import(new URL('./js/bytes.js', site).href);
  const out = {};
  for (const [name, sig] of Object.entries(signatures)) {
    out[name] = [
      await ed.verify(fromHex(key), fromHex(sig), fromHex(message)),
      await ed.verifyFallback(fromHex(key), fromHex(sig), fromHex(message)),
    ];
  }
  return out;
}
"""


def test_crafted_signatures_webcrypto_fallback_and_openssl_agree(chromium: Any, demo_site: Any) -> None:
    key = Ed25519PrivateKey.from_private_bytes(SEED).public_key()
    signatures = crafted()
    python = {}
    for name, sig in signatures.items():
        try:
            key.verify(sig, MESSAGE)
            python[name] = True
        except InvalidSignature:
            python[name] = False
    assert python["good"] and python["r-identity"] and not python["s-plus-l"] and not python["r-mixed-order"]
    page = open_page(chromium, demo_site.url)
    got = page.evaluate(
        CHECK,
        {
            "site": demo_site.url,
            "key": raw_public_key(key).hex(),
            "message": MESSAGE.hex(),
            "signatures": {n: s.hex() for n, s in signatures.items()},
        },
    )
    page.context.close()
    assert {n: v[0] for n, v in got.items()} == python, "WebCrypto (Chromium) and OpenSSL differ"
    assert {n: v[1] for n, v in got.items()} == python, "the JS fallback and OpenSSL differ"
