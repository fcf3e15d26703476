"""Adversarial regression tests, one per attack of the threat model (spec/security.md).

Attacks that other test files already cover are listed in spec/security.md and
not repeated here.  Messages are hand-assembled byte by byte and, wherever the
attack must get past the signature, signed with the test key: then only the
check under test stands between the attacker and a green verdict.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import importlib
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cbor2
import pytest
from click.testing import CliRunner, Result
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

import anxinma
from anxinma import (
    Color,
    Directory,
    DocumentError,
    DocumentReason,
    Keyring,
    KeyState,
    Reason,
    StatusListToken,
    StatusState,
    TrustList,
    UsageError,
    cbor,
    verify,
)
from anxinma.base45 import ALPHABET
from anxinma.claims import to_claims
from anxinma.cli import main
from anxinma.cose import parse_sign1, sig_structure, sign1
from anxinma.document import sign_document
from anxinma.gbcodes import id_check_char
from anxinma.idcheck import id_matches
from anxinma.issue import MAX_VALID_DAYS, Issuer, credential_for
from anxinma.keys import raw_public_key
from anxinma.registry import Claim, DocumentType, IssuerLabel, KeyLabel, TrustListClaim
from anxinma.transport import PREFIX, from_text, to_text

from .conftest import NOW, REFERENCE, TEST_SEED
from .pki import KEY_A, KEY_B, OTHER, ROOT, T0, empty_status, issuer_key, load, trust_list

KEY = Ed25519PrivateKey.from_private_bytes(TEST_SEED)
KID = anxinma.kid_of(KEY)
KEYRING = Keyring([KEY.public_key()])
WORKER = anxinma.parse_worker(REFERENCE)
PROTECTED = cbor.encode({1: -8, 4: KID})
PAYLOAD = cbor.encode(to_claims(credential_for(WORKER, now=NOW)))
DAY = dt.timedelta(days=1)
#: The group order of Ed25519 (RFC 8032 §5.1).
L = 2**252 + 27742317777372353535851937790883648493
REPO = Path(__file__).resolve().parents[1]
REFERENCE_FILE = REPO / "examples" / "workers" / "reference.json"


# -- hand assembly ---------------------------------------------------------------------


def head(major: int, arg: int, *, size: int) -> bytes:
    """A CBOR head with a ``size``-byte argument (1, 2, 4 or 8), shortest or not."""
    info = {1: 24, 2: 25, 4: 26, 8: 27}[size]
    return bytes([major << 5 | info]) + arg.to_bytes(size, "big")


def _shortest(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    return head(major, arg, size=next(s for s in (1, 2, 4, 8) if arg < 1 << (8 * s)))


def bstr(data: bytes) -> bytes:
    return _shortest(2, len(data)) + data


def signed(protected: bytes, payload: bytes, key: Ed25519PrivateKey = KEY) -> bytes:
    """An Ed25519 signature over the COSE ToBeSigned of ``protected`` and ``payload``."""
    return key.sign(sig_structure(protected, payload))


def envelope(
    protected: bytes = PROTECTED,
    payload: bytes = PAYLOAD,
    *,
    unprotected: bytes = b"\xa0",
    signature: bytes | None = None,
    key: Ed25519PrivateKey = KEY,
) -> bytes:
    """A COSE_Sign1 array assembled from raw parts, signed with ``key`` unless given a signature."""
    sig = signed(protected, payload, key) if signature is None else signature
    return b"\x84" + bstr(protected) + unprotected + bstr(payload) + bstr(sig)


def verdict(message: bytes, trust: Keyring | TrustList = KEYRING, **kw: Any) -> anxinma.Verification:
    return verify(to_text(message), trust, now=kw.pop("now", NOW), **kw)


def assert_red(result: anxinma.Verification, reason: Reason) -> None:
    assert (result.color, result.reasons) == (Color.RED, (reason,)), result.detail
    assert result.credential is None


def test_hand_assembly_reproduces_the_issued_code(code: str) -> None:
    """The baseline every mutation below starts from is byte-identical to a real code."""
    assert to_text(envelope()) == code
    assert verdict(envelope()).ok


# -- algorithm and header confusion (spec §8.1) ------------------------------------------


@pytest.mark.parametrize(
    "alg",
    [
        pytest.param(b"\x26", id="ES256(-7)"),
        pytest.param(b"\x38\x22", id="ES384(-35)"),
        pytest.param(b"\x38\x24", id="PS256(-37)"),
        pytest.param(b"\x05", id="HMAC256(5)"),
        pytest.param(b"\x00", id="reserved(0)"),
        pytest.param(b"\x3a\x00\x01\x00\x07", id="-65544"),
        pytest.param(b"\xf5", id="true"),
        pytest.param(b"\x65EdDSA", id="text"),
    ],
)
def test_algorithm_swap_with_a_valid_ed25519_signature_is_refused(alg: bytes) -> None:
    """Another alg in the protected header, yet a valid Ed25519 signature over it: a verifier
    that ignored alg would say green."""
    protected = b"\xa2\x01" + alg + b"\x04" + bstr(KID)
    result = verdict(envelope(protected))
    assert_red(result, Reason.UNSUPPORTED_ALGORITHM)
    assert "only EdDSA (-8)" in result.detail


def test_alg_only_in_the_unprotected_header_is_refused() -> None:
    """alg outside the signature's cover: protected {4: kid}, unprotected {1: -8}, validly signed."""
    protected = cbor.encode({4: KID})
    result = verdict(envelope(protected, unprotected=cbor.encode({1: -8})))
    assert_red(result, Reason.MALFORMED)
    assert "no alg" in result.detail


def test_kid_only_in_the_unprotected_header_is_refused() -> None:
    """kid outside the signature's cover: protected {1: -8}, unprotected {4: kid}, validly signed."""
    protected = cbor.encode({1: -8})
    result = verdict(envelope(protected, unprotected=cbor.encode({4: KID})))
    assert_red(result, Reason.MALFORMED)
    assert "protected header needs a 8-byte kid" in result.detail


# -- kid collisions (spec §8.2) -------------------------------------------------------------


def test_keyring_refuses_two_distinct_keys_that_share_a_kid(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real 64-bit kid collision costs ~2^32 work; simulate one by making every kid equal."""
    module = importlib.import_module("anxinma.verify")
    monkeypatch.setattr(module, "kid_of", lambda key: b"\x00" * 8)
    with pytest.raises(UsageError, match="share kid"):
        Keyring([KEY_A.public_key(), KEY_B.public_key()])


def _key_entry(raw: bytes, *, kid: bytes | None = None, state: int = 0) -> dict[int, Any]:
    return {
        KeyLabel.KID: hashlib.sha256(raw).digest()[:8] if kid is None else kid,
        KeyLabel.PUBLIC_KEY: raw,
        KeyLabel.STATE: state,
        KeyLabel.VALID_FROM: int(T0.timestamp()),
    }


def _trust_document(nb_keys: list[dict[int, Any]], hz_keys: list[dict[int, Any]] | None = None) -> bytes:
    """A root-signed trust list assembled from raw claims (nothing the library would refuse to write)."""
    issuers = [
        {
            IssuerLabel.ID: "nb",
            IssuerLabel.NAME: "宁波",
            IssuerLabel.REGIONS: ["3302"],
            IssuerLabel.KEYS: nb_keys,
        }
    ]
    if hz_keys is not None:
        issuers.append(
            {
                IssuerLabel.ID: "hz",
                IssuerLabel.NAME: "杭州",
                IssuerLabel.REGIONS: ["3301"],
                IssuerLabel.KEYS: hz_keys,
            }
        )
    claims: dict[int, Any] = {
        TrustListClaim.IAT: int(T0.timestamp()),
        TrustListClaim.EXP: int((T0 + 365 * DAY).timestamp()),
        TrustListClaim.SEQUENCE: 1,
        TrustListClaim.ISSUERS: issuers,
    }
    return sign_document(claims, ROOT, typ=DocumentType.TRUST_LIST)


def _load_trust(data: bytes) -> TrustList:
    return TrustList.load(data, [ROOT.public_key()], now=T0)


def test_trust_list_naming_one_key_for_two_issuers_is_refused_at_load() -> None:
    """Two entries with one kid: which issuer (and region scope) would a code belong to?"""
    raw = raw_public_key(KEY_A)
    with pytest.raises(DocumentError, match="share a kid") as info:
        _load_trust(_trust_document([_key_entry(raw)], [_key_entry(raw)]))
    assert info.value.reason is DocumentReason.MALFORMED


def test_trust_list_kid_that_is_not_the_hash_of_its_key_is_refused() -> None:
    """An entry claiming another key's kid (kid squatting) is refused."""
    entry = _key_entry(raw_public_key(KEY_A), kid=anxinma.kid_of(KEY_B))
    with pytest.raises(DocumentError, match="is not SHA-256 of the public key") as info:
        _load_trust(_trust_document([entry]))
    assert info.value.reason is DocumentReason.MALFORMED


@pytest.mark.parametrize("region", [b"3302", 3302, None, ["3302"]], ids=["bytes", "int", "null", "array"])
def test_trust_list_with_a_region_that_is_not_text_is_malformed_not_a_crash(region: object) -> None:
    """Found by fuzz_decoders: reachable before any signature check, with any signer."""
    claims: dict[int, Any] = {
        TrustListClaim.IAT: int(T0.timestamp()),
        TrustListClaim.EXP: int((T0 + 365 * DAY).timestamp()),
        TrustListClaim.SEQUENCE: 1,
        TrustListClaim.ISSUERS: [
            {
                IssuerLabel.ID: "nb",
                IssuerLabel.NAME: "宁波",
                IssuerLabel.REGIONS: [region],
                IssuerLabel.KEYS: [],
            }
        ],
    }
    forged = sign_document(claims, OTHER, typ=DocumentType.TRUST_LIST)  # not even a root key
    with pytest.raises(DocumentError) as info:
        _load_trust(forged)
    assert info.value.reason in (DocumentReason.MALFORMED, DocumentReason.UNKNOWN_KEY)


# -- strict CBOR around a valid signature (RFC 8949 §4.2.1) --------------------------------
#
# The signature covers the protected header bytes and the payload bytes, not the CBOR
# heads around them; a lenient decoder would accept each envelope below with the signature
# still valid.  Each test checks that cbor2 (lenient) does, and the verifier does not.


def _untagged(value: Any) -> Any:
    return _untagged(value.value) if isinstance(value, cbor2.CBORTag) else value


def _lenient_same(message: bytes) -> None:
    """cbor2 (lenient, tags stripped) reads the same four parts, and the signature verifies."""
    parts = [_untagged(p) for p in _untagged(cbor2.loads(message))]
    assert parts == [PROTECTED, {}, PAYLOAD, SIG]
    KEY.public_key().verify(parts[3], sig_structure(parts[0], parts[2]))


SIG = signed(PROTECTED, PAYLOAD)
RE_ENCODED = {
    "array-head": b"\x98\x04" + bstr(PROTECTED) + b"\xa0" + bstr(PAYLOAD) + bstr(SIG),
    "protected-bstr-head": b"\x84\x58\x0d" + PROTECTED + b"\xa0" + bstr(PAYLOAD) + bstr(SIG),
    "unprotected-map-head": b"\x84" + bstr(PROTECTED) + b"\xb8\x00" + bstr(PAYLOAD) + bstr(SIG),
    "payload-bstr-head": b"\x84"
    + bstr(PROTECTED)
    + b"\xa0"
    + head(2, len(PAYLOAD), size=2)
    + PAYLOAD
    + bstr(SIG),
    "signature-bstr-head": b"\x84" + bstr(PROTECTED) + b"\xa0" + bstr(PAYLOAD) + head(2, 64, size=2) + SIG,
    "indefinite-array": b"\x9f" + bstr(PROTECTED) + b"\xa0" + bstr(PAYLOAD) + bstr(SIG) + b"\xff",
    "indefinite-unprotected-map": b"\x84" + bstr(PROTECTED) + b"\xbf\xff" + bstr(PAYLOAD) + bstr(SIG),
    "indefinite-payload-chunks": b"\x84"
    + bstr(PROTECTED)
    + b"\xa0\x5f"
    + bstr(PAYLOAD[:50])
    + bstr(PAYLOAD[50:])
    + b"\xff"
    + bstr(SIG),
    "indefinite-signature": b"\x84"
    + bstr(PROTECTED)
    + b"\xa0"
    + bstr(PAYLOAD)
    + b"\x5f"
    + bstr(SIG)
    + b"\xff",
    "tag-55799-self-describe": b"\xd9\xd9\xf7" + envelope(),
    "tag-24-encoded-cbor-payload": b"\x84" + bstr(PROTECTED) + b"\xa0\xd8\x18" + bstr(PAYLOAD) + bstr(SIG),
    "tag-on-signature": b"\x84" + bstr(PROTECTED) + b"\xa0" + bstr(PAYLOAD) + b"\xd8\x40" + bstr(SIG),
}


@pytest.mark.parametrize("variant", sorted(RE_ENCODED))
def test_re_encoded_envelope_with_a_valid_signature_is_refused(variant: str) -> None:
    message = RE_ENCODED[variant]
    _lenient_same(message)
    assert_red(verdict(message), Reason.MALFORMED)


@pytest.mark.parametrize(
    "protected",
    [
        pytest.param(b"\xa2\x01\x38\x07\x04" + bstr(KID), id="alg-non-shortest"),
        pytest.param(b"\xa2\x18\x01\x27\x04" + bstr(KID), id="label-non-shortest"),
        pytest.param(b"\xa2\x01\x27\x04\x58\x08" + KID, id="kid-length-non-shortest"),
        pytest.param(b"\xa3\x01\x27\x01\x27\x04" + bstr(KID), id="duplicate-alg"),
        pytest.param(b"\xa3\x01\x27\x04" + bstr(KID) + b"\x04" + bstr(KID), id="duplicate-kid"),
        pytest.param(b"\xbf\x01\x27\x04" + bstr(KID) + b"\xff", id="indefinite-map"),
        pytest.param(b"\xa2\x01\x27\x04\xd8\x40" + bstr(KID), id="tagged-kid"),
        pytest.param(PROTECTED + b"\x00", id="trailing-byte"),
    ],
)
def test_signed_protected_header_in_a_non_deterministic_encoding_is_refused(protected: bytes) -> None:
    """The protected bytes themselves are signed, so these carry valid signatures over odd encodings."""
    message = envelope(protected)
    assert_red(verdict(message), Reason.MALFORMED)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(PAYLOAD + b"\x00", id="trailing-byte"),
        pytest.param(PAYLOAD + b"\xa0", id="second-item-after-the-claims"),
        pytest.param(b"\xd9\xd9\xf7" + PAYLOAD, id="tag-55799"),
        pytest.param(PAYLOAD[:1] + b"\x06" + PAYLOAD[2:], id="exp-relabelled-as-a-second-iat"),
    ],
)
def test_signed_payload_that_is_not_one_deterministic_claims_map_is_refused(payload: bytes) -> None:
    result = verdict(envelope(payload=payload))
    assert_red(result, Reason.MALFORMED)
    assert result.kid == KID  # refused after the signature was found valid


def test_duplicate_claim_in_a_root_signed_trust_list_is_refused() -> None:
    good = _trust_document([_key_entry(raw_public_key(KEY_A))])
    msg = parse_sign1(good, typ=DocumentType.TRUST_LIST)
    iat = cbor.encode(TrustListClaim.IAT) + cbor.encode(int(T0.timestamp()))
    assert msg.payload[1:].startswith(cbor.encode(TrustListClaim.EXP))  # {4: exp, 6: iat, ...}
    at = msg.payload.index(iat)
    claims = bytes([msg.payload[0] + 1]) + msg.payload[1:at] + iat + msg.payload[at:]
    forged = envelope(msg.protected, claims, key=ROOT)
    with pytest.raises(DocumentError, match="duplicate map key") as info:
        _load_trust(forged)
    assert info.value.reason is DocumentReason.MALFORMED


# -- size and nesting --------------------------------------------------------------------------


def test_ten_megabyte_input_is_refused_quickly_and_never_raises() -> None:
    big = 10 * 1024 * 1024
    started = time.perf_counter()
    for subject in ("A" * big, PREFIX + "0" * big, b"A" * big, b"\x81" * big):
        assert_red(verify(subject, KEYRING, now=NOW), Reason.MALFORMED)
    trust = load(trust_list(issuer_key(KEY_A)), now=T0)
    for loader in (
        lambda data: TrustList.load(data, [ROOT.public_key()], now=T0),
        lambda data: StatusListToken.load(data, trust, now=T0),
    ):
        with pytest.raises(DocumentError) as info:
            loader(b"\x84" + b"\x00" * big)
        assert info.value.reason is DocumentReason.TOO_LARGE
    with pytest.raises(DocumentError) as info:  # the directory cap is 16 MiB: refused while parsing
        Directory.load(b"\x81" * big, [ROOT.public_key()], now=T0)
    assert info.value.reason is DocumentReason.MALFORMED
    assert time.perf_counter() - started < 5


def test_nesting_ten_thousand_deep_is_refused_everywhere_without_recursion() -> None:
    deep = b"\x81" * 10_000 + b"\x00"
    deep_map = b"\xa1\x01" * 10_000 + b"\x00"
    trust = load(trust_list(issuer_key(KEY_A)), now=T0)
    for data in (deep, deep_map):
        with pytest.raises(anxinma.cose.CoseError, match="nesting"):
            parse_sign1(data)
        for loader in (
            lambda d: TrustList.load(d, [ROOT.public_key()], now=T0),
            lambda d: StatusListToken.load(d, trust, now=T0),
            lambda d: Directory.load(d, [ROOT.public_key()], now=T0),
        ):
            with pytest.raises(DocumentError, match="nesting") as info:
                loader(data)
            assert info.value.reason is DocumentReason.MALFORMED
    deepest_code = b"\x81" * (anxinma.transport.MAX_MESSAGE_BYTES - 1) + b"\x00"  # the most a code can hold
    assert len(to_text(deepest_code)) <= anxinma.transport.MAX_TEXT_CHARS
    assert_red(verdict(deepest_code), Reason.MALFORMED)


def test_nested_claim_value_inside_a_signed_payload_is_refused() -> None:
    payload = cbor.encode({**to_claims(credential_for(WORKER, now=NOW)), -1: [[["王秀英"]]]})
    result = verdict(envelope(payload=payload))
    assert_red(result, Reason.MALFORMED)
    assert "nesting" in result.detail


# -- signatures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (b"", Reason.MALFORMED),
        (b"\x00" * 32, Reason.MALFORMED),
        (b"\x00" * 65, Reason.MALFORMED),
        (b"\x00" * 64, Reason.SIGNATURE_INVALID),
        (b"\xff" * 64, Reason.SIGNATURE_INVALID),
    ],
    ids=["zero-length", "32-bytes", "65-bytes", "64-zero-bytes", "64-ff-bytes"],
)
def test_signature_of_the_wrong_length_or_trivial_content_is_refused(
    signature: bytes, reason: Reason
) -> None:
    assert_red(verdict(envelope(signature=signature)), reason)


def _s_plus_l(signature: bytes) -> bytes:
    s = int.from_bytes(signature[32:], "little")
    assert s < L
    return signature[:32] + (s + L).to_bytes(32, "little")


def test_signature_with_a_non_canonical_s_is_rejected() -> None:
    """S + L satisfies the group equation but is not the canonical S (RFC 8032 §5.1.7: S < L)."""
    malleated = envelope(signature=_s_plus_l(SIG))
    assert malleated != envelope()
    assert_red(verdict(malleated), Reason.SIGNATURE_INVALID)


def test_trust_list_with_a_non_canonical_s_is_rejected() -> None:
    good = _trust_document([_key_entry(raw_public_key(KEY_A))])
    msg = parse_sign1(good, typ=DocumentType.TRUST_LIST)
    forged = envelope(msg.protected, msg.payload, signature=_s_plus_l(msg.signature))
    with pytest.raises(DocumentError) as info:
        _load_trust(forged)
    assert info.value.reason is DocumentReason.SIGNATURE_INVALID


def test_splicing_parts_of_valid_codes_never_goes_green() -> None:
    """Protected header, payload and signature taken from different valid codes of two trusted keys."""
    trust = Keyring([KEY_A.public_key(), KEY_B.public_key()])
    later = NOW + dt.timedelta(hours=1)
    originals = {from_text(anxinma.issue(WORKER, k, now=at)) for k in (KEY_A, KEY_B) for at in (NOW, later)}
    parts = [parse_sign1(m) for m in originals]
    spliced = {
        envelope(p.protected, q.payload, signature=r.signature) for p in parts for q in parts for r in parts
    }
    assert (
        len(spliced) == 2 * 2 * 4
    )  # 2 protected headers (one per key), 2 payloads (one per time), 4 signatures
    for message in spliced:
        assert verdict(message, trust, now=later).ok == (message in originals)


# -- weak Ed25519 public keys (RFC 8032 §5.1.3; spec §15.2) -------------------------------------

#: Encodings of points of small order (order 1, 2, 4, 8) and non-canonical encodings
#: (y >= 2^255 - 19, or x = 0 with the sign bit set).  None is a key anyone holds a
#: private key for; with most, a signature (R, S = 0) verifies for any message.
WEAK_KEYS = {
    "identity": "0100000000000000000000000000000000000000000000000000000000000000",
    "order-2": "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "order-4": "0000000000000000000000000000000000000000000000000000000000000000",
    "order-4-neg": "0000000000000000000000000000000000000000000000000000000000000080",
    "order-8-a": "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "order-8-b": "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "order-8-c": "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "order-8-d": "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "identity-sign-bit": "0100000000000000000000000000000000000000000000000000000000000080",
    "order-2-sign-bit": "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "y-equals-p": "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "y-equals-p-plus-1": "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}
SMALL_ORDER_R = [bytes.fromhex(WEAK_KEYS[name]) for name in list(WEAK_KEYS)[:8]]


def _forgeries(raw: bytes, count: int = 8) -> Iterator[bytes]:
    """Messages 'signed' under ``raw`` without any private key: S = 0 and R a small-order point.

    For each of ``count`` credentials, the R that OpenSSL accepts is used when there is one
    (for a small-order key, R' = -[k]A is itself of small order, so one of the 8 always is).
    """
    public = Ed25519PublicKey.from_public_bytes(raw)
    protected = cbor.encode({1: -8, 4: hashlib.sha256(raw).digest()[:8]})
    for n in range(count):
        payload = cbor.encode(to_claims(credential_for(WORKER, now=T0 + dt.timedelta(seconds=n))))
        chosen = SMALL_ORDER_R[0] + bytes(32)
        for r in SMALL_ORDER_R:
            try:
                public.verify(r + bytes(32), sig_structure(protected, payload))
            except InvalidSignature:
                continue
            chosen = r + bytes(32)
            break
        yield envelope(protected, payload, signature=chosen)


@pytest.mark.parametrize("name", list(WEAK_KEYS))
def test_trust_list_with_a_weak_public_key_is_refused_at_load(name: str) -> None:
    entry = _key_entry(bytes.fromhex(WEAK_KEYS[name]))
    with pytest.raises(DocumentError, match="public_key") as info:
        _load_trust(_trust_document([_key_entry(raw_public_key(KEY_A)), entry]))
    assert info.value.reason is DocumentReason.MALFORMED


@pytest.mark.parametrize("name", list(WEAK_KEYS))
def test_forgery_under_a_weak_key_in_a_trust_list_is_never_green(name: str) -> None:
    """Whatever the trust list says, a code nobody signed must not be green."""
    raw = bytes.fromhex(WEAK_KEYS[name])
    try:
        trust = _load_trust(_trust_document([_key_entry(raw)]))
    except DocumentError:
        return  # refused at load: the forgery has nothing to verify against
    for message in _forgeries(raw):
        assert verdict(message, trust, now=T0 + DAY).color is not Color.GREEN


@pytest.mark.parametrize("name", ["identity", "order-8-a", "y-equals-p-plus-1"])
def test_keyring_refuses_a_weak_public_key(name: str) -> None:
    with pytest.raises(UsageError, match="public key"):
        Keyring([Ed25519PublicKey.from_public_bytes(bytes.fromhex(WEAK_KEYS[name]))])


def test_forgery_attempt_under_a_real_key_is_red() -> None:
    """The same S = 0 trick against an honest key only yields signature_invalid."""
    trust = _load_trust(_trust_document([_key_entry(raw_public_key(KEY_A))]))
    protected = cbor.encode({1: -8, 4: anxinma.kid_of(KEY_A)})
    for r in SMALL_ORDER_R:
        assert_red(
            verdict(envelope(protected, signature=r + bytes(32)), trust, now=T0 + DAY),
            Reason.SIGNATURE_INVALID,
        )


# -- retired keys and backdating (spec §15.3) ------------------------------------------------


def _retired_trust() -> TrustList:
    retired = issuer_key(KEY_A, valid_until=T0 + 30 * DAY, state=KeyState.RETIRED)
    return load(dataclasses.replace(trust_list(retired), issued_at=T0 + 90 * DAY), now=T0 + 100 * DAY)


def test_retired_key_holder_can_backdate_only_within_the_maximum_validity() -> None:
    """The backdating limit: whoever still holds a retired key can sign at any time with an iat
    inside the old window.  Such a code is green (a verifier cannot tell), but it expires at most
    MAX_VALID_DAYS after that iat, and marking the key compromised turns all of them red."""
    trust, now = _retired_trust(), T0 + 100 * DAY
    backdated = credential_for(WORKER, now=T0 + 29 * DAY, valid_days=MAX_VALID_DAYS)
    text = to_text(Issuer(KEY_A).sign(backdated))
    assert verify(text, trust, now=now).ok  # the documented limit
    assert Reason.EXPIRED in verify(text, trust, now=backdated.expires_at).reasons
    late = to_text(Issuer(KEY_A).sign(credential_for(WORKER, now=T0 + 31 * DAY)))
    assert verify(late, trust, now=now).reasons == (Reason.ISSUED_OUTSIDE_KEY_WINDOW,)
    marked = load(
        dataclasses.replace(trust_list(issuer_key(KEY_A, state=KeyState.COMPROMISED)), sequence=2),
        now=now,
    )
    assert Reason.KEY_COMPROMISED in verify(text, marked, now=now).reasons


@pytest.mark.parametrize("trusted", ["trust-list", "keyring"])
def test_code_valid_for_longer_than_the_maximum_validity_is_not_green(trusted: str) -> None:
    """Without this bound a retired (or any) key could sign a backdated code that never expires."""
    trust: TrustList | Keyring = (
        _retired_trust() if trusted == "trust-list" else Keyring([KEY_A.public_key()])
    )
    claims = to_claims(credential_for(WORKER, now=T0 + 29 * DAY, valid_days=MAX_VALID_DAYS))
    claims[Claim.EXP] += 1  # one second more than any issuer may give
    message = sign1(cbor.encode(claims), KEY_A, anxinma.kid_of(KEY_A))
    result = verify(to_text(message), trust, now=T0 + 100 * DAY)
    assert result.color is Color.RED
    assert Reason.MALFORMED in result.reasons


# -- status lists (spec §10.6, §15.3) ---------------------------------------------------------


def _status_code(list_id: int = 0, index: int = 98_765) -> str:
    return anxinma.issue(WORKER, KEY_A, now=T0, status=anxinma.StatusRef(list_id=list_id, index=index))


def _published(token: StatusListToken, trust: TrustList, key: Ed25519PrivateKey) -> StatusListToken:
    return StatusListToken.load(token.sign(key), trust, now=token.issued_at + dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("issuer", "list_id", "key"), [("hz", 0, OTHER), ("nb", 1, KEY_A)], ids=["other-issuer", "other-list"]
)
def test_status_list_for_another_list_is_never_taken_as_checked(
    issuer: str, list_id: int, key: Ed25519PrivateKey
) -> None:
    """A list of another issuer (same list id) or of the same issuer (another list id) revoking the
    very index: it is not this code's list, so the result says not checked, never checked-valid."""
    trust = load(trust_list(issuer_key(KEY_A)), now=T0)
    token = empty_status(issuer=issuer, list_id=list_id)
    token.statuses.set(98_765, anxinma.Status.INVALID)
    result = verify(
        _status_code(), trust, now=T0 + dt.timedelta(hours=2), status=[_published(token, trust, key)]
    )
    assert result.status.state is StatusState.NOT_CHECKED
    assert (result.status.value, result.status.list_uri) == (None, None)
    assert Reason.REVOKED not in result.reasons


def test_replayed_old_status_list_hides_a_revocation_only_until_it_is_stale() -> None:
    """A holder of a revoked code shows an old list (from before the revocation): that works only
    while the list is younger than Policy.max_status_age (3 days)."""
    trust = load(trust_list(issuer_key(KEY_A)), now=T0)
    old = _published(empty_status(), trust, KEY_A)  # issued T0, before the revocation
    fresh_token = dataclasses.replace(empty_status(), issued_at=T0 + DAY)
    fresh_token.statuses.set(98_765, anxinma.Status.INVALID)
    fresh = _published(fresh_token, trust, KEY_A)
    limit = T0 + anxinma.DEFAULT_POLICY.max_status_age
    assert verify(_status_code(), trust, now=limit, status=[old]).ok  # the documented window
    replayed = verify(_status_code(), trust, now=limit + dt.timedelta(seconds=1), status=[old])
    assert (replayed.color, replayed.reasons) == (Color.YELLOW, (Reason.STATUS_LIST_STALE,))
    strict = anxinma.Policy(stale_status_color=Color.RED)
    assert (
        verify(_status_code(), trust, now=limit + dt.timedelta(seconds=1), status=[old], policy=strict).color
        is Color.RED
    )
    assert verify(_status_code(), trust, now=T0 + 2 * DAY, status=[fresh]).reasons == (Reason.REVOKED,)


# -- copies and the typed ID number (spec §6) -------------------------------------------------


def test_photocopied_code_is_green_and_only_the_typed_id_number_catches_an_impostor(code: str) -> None:
    """An offline code cannot tell a copy from the original: the copy verifies green.  The family
    compares the name and card number shown with the ID card and its photo, and types the number."""
    copy = str(code)
    assert verify(copy, KEYRING, now=NOW).ok
    impostor = "11010119900307777" + id_check_char("11010119900307777")  # someone else's (Beijing)
    result = verify(copy, KEYRING, now=NOW, id_number=impostor)
    assert (result.color, result.reasons, result.id_match) == (Color.RED, (Reason.ID_NUMBER_MISMATCH,), False)
    assert verify(copy, KEYRING, now=NOW, id_number=REFERENCE["id_number"]).id_match is True


def test_id_number_privacy_bound_when_the_birth_date_is_known(code: str) -> None:
    """spec §6.2: the code shows the first 6 digits and a 10-bit check.  Someone who also knows
    the birth date has 1,000 sequence numbers to try; about 1 in 1,024 passes the check, so
    the number is narrowed to a handful (and to one when the sex is also known)."""
    cred = verify(code, KEYRING, now=NOW).credential
    assert cred is not None
    true_number = REFERENCE["id_number"]
    candidates = []
    for seq in range(1000):
        first17 = true_number[:14] + f"{seq:03d}"
        number = first17 + id_check_char(first17)
        if id_matches(cred.id_hint, cred.card_no, number):
            candidates.append(number)
    assert true_number in candidates
    assert len(candidates) <= 6  # expected 1 + 999/1024
    same_sex = [n for n in candidates if int(n[16]) % 2 == int(true_number[16]) % 2]
    assert true_number in same_sex and len(same_sex) <= 3


# -- tampering properties, exhaustive -------------------------------------------------------------


def test_every_truncation_deletion_and_insertion_of_the_text_is_red(code: str) -> None:
    """Deterministic complement of the hypothesis test in test_verify: every prefix, every
    single-character deletion, every single-character insertion, every doubled character."""
    variants = {code[:n] for n in range(len(code))}
    variants |= {code[:i] + code[i + 1 :] for i in range(len(code))}
    variants |= {code[:i] + c + code[i:] for i in range(len(PREFIX), len(code) + 1) for c in ALPHABET}
    variants |= {code + "\n", code + "\r\n", " " + code, code.lower(), code.replace(":", "%", 1)}
    variants.discard(code)
    for text in variants:
        result = verify(text, KEYRING, now=NOW)
        if text.strip("\t\n\v\f\r ") == code:  # surrounding ASCII white space is removed (spec §9.1)
            assert result.color is Color.GREEN, repr(text)
            continue
        assert result.color is Color.RED and result.credential is None, text


def test_every_truncation_deletion_and_insertion_of_the_message_bytes_is_red() -> None:
    message = envelope()
    variants = {message[:n] for n in range(len(message))}
    variants |= {message[:i] + message[i + 1 :] for i in range(len(message))}
    variants |= {
        message[:i] + bytes([b]) + message[i:] for i in range(len(message) + 1) for b in (0x00, 0x40, 0xFF)
    }
    variants |= {message + bytes([b]) for b in range(256)}
    variants.discard(message)
    for data in variants:
        result = verdict(data)
        assert result.color is Color.RED and result.credential is None, data.hex()


# -- key protection (CLI) ----------------------------------------------------------------------------


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _secrets_of(key_file: Path, password: bytes | None) -> list[str]:
    """Every printable form of the private key: PEM lines, raw seed hex and base64."""
    pem = key_file.read_bytes()
    key = anxinma.load_private_key(pem, password=password)
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    plain = anxinma.private_key_pem(key).decode()
    lines = [ln for ln in (pem.decode() + plain).splitlines() if ln and not ln.startswith("-----")]
    return [*lines, raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode(), "PRIVATE KEY"]


@pytest.mark.parametrize("sealed", [False, True], ids=["plain", "encrypted"])
def test_keygen_never_prints_the_private_key(tmp_path: Path, sealed: bool) -> None:
    passphrase = "a passphrase nobody should ever see printed"
    extra = ("--passphrase-env", "AXM_TEST_PASS") if sealed else ()
    result = run("keygen", "--out-dir", tmp_path, "--name", "k", *extra, env={"AXM_TEST_PASS": passphrase})
    assert result.exit_code == 0, result.output
    secrets = _secrets_of(tmp_path / "k.key.pem", passphrase.encode() if sealed else None)
    for secret in [*secrets, passphrase]:
        assert secret not in result.stdout and secret not in result.stderr


def test_encrypted_key_issues_codes_that_verify_with_its_public_key(tmp_path: Path) -> None:
    env = {"AXM_TEST_PASS": "correct horse battery staple"}
    assert (
        run(
            "keygen", "--out-dir", tmp_path, "--name", "sealed", "--passphrase-env", "AXM_TEST_PASS", env=env
        ).exit_code
        == 0
    )
    key_file, pub_file = tmp_path / "sealed.key.pem", tmp_path / "sealed.pub.pem"
    with pytest.raises(anxinma.KeyFormatError):
        anxinma.load_private_key(key_file.read_bytes())  # useless without the passphrase
    issued = run(
        "issue", REFERENCE_FILE, "--key", key_file, "--now", "2026-03-01T10:00:00+08:00",
        "--passphrase-env", "AXM_TEST_PASS", env=env,
    )  # fmt: skip
    assert issued.exit_code == 0, issued.output
    text = issued.stdout.strip()
    public = anxinma.load_public_key(pub_file.read_bytes())
    result = verify(text, Keyring([public]), now=dt.datetime(2026, 3, 2, tzinfo=anxinma.CST))
    assert result.ok and result.kid == anxinma.kid_of(public)
    assert env["AXM_TEST_PASS"] not in issued.output


@pytest.mark.parametrize("mode", [0o644, 0o604, 0o660, 0o666, 0o700, 0o601])
def test_private_key_readable_or_writable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    assert run("keygen", "--out-dir", tmp_path, "--name", "k").exit_code == 0
    key_file = tmp_path / "k.key.pem"
    key_file.chmod(mode)
    result = run("issue", REFERENCE_FILE, "--key", key_file, "--now", "2026-03-01T10:00:00+08:00")
    if mode & 0o077:
        assert result.exit_code == 2 and result.stdout == ""
        assert f"mode {mode:04o}" in result.stderr and "chmod 600" in result.stderr
    else:
        assert result.exit_code == 0 and result.stdout.startswith(PREFIX)


def _tree(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every path under ``root`` with its mode, size and modification time."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            out[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return out


def test_cli_writes_only_the_paths_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every command from an empty working directory, with HOME and TMPDIR inside tmp_path:
    each command creates exactly the files it names and nothing else (no stray temp files)."""
    for d in ("cwd", "home", "tmp", "out"):
        (tmp_path / d).mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    env = {"HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path / "tmp"), "AXM_TEST_PASS": "pw"}
    out = tmp_path / "out"
    now = "2026-03-01T10:00:00+08:00"

    def step(args: tuple[object, ...], created: set[str], code: int = 0) -> Result:
        before = _tree(tmp_path)
        result = run(*args, env=env)
        assert result.exit_code == code, result.output
        after = _tree(tmp_path)
        assert {p for p in after if p not in before} == created
        assert {p for p in before if before[p] != after.get(p)} <= {"out", "out/keys", "out/demo"}
        return result

    step(("keygen", "--out-dir", out / "keys", "--name", "k", "--passphrase-env", "AXM_TEST_PASS"),
         {"out/keys", "out/keys/k.key.pem", "out/keys/k.pub.pem"})  # fmt: skip
    step(("keygen", "--out-dir", out / "keys", "--name", "k"), set(), code=2)  # refuses, writes nothing
    issued = step(("issue", REFERENCE_FILE, "--key", out / "keys/k.key.pem", "--now", now,
                   "--passphrase-env", "AXM_TEST_PASS"), set())  # fmt: skip
    text = issued.stdout.strip()
    step(("verify", text, "--trust", out / "keys/k.pub.pem", "--now", now), set())
    step(("inspect", text), set())
    step(("render", text, "--out", out / "qr.svg"), {"out/qr.svg"})
    step(("demo", "--out-dir", out / "demo"), {"out/demo", "out/demo/anxinma-demo.svg"})


def test_encrypted_keys_work_through_every_command_that_signs(tmp_path: Path) -> None:
    """keygen, issue, trust sign, status publish and directory build all take an
    encrypted PKCS#8 key with --passphrase-env; without the passphrase each refuses (exit 2)."""
    env = {"AXM_PASS": "门前的安心码"}
    sealed = ("--passphrase-env", "AXM_PASS")
    for name in ("root", "issuer"):
        assert run("keygen", "--out-dir", tmp_path, "--name", name, *sealed, env=env).exit_code == 0
    root, issuer = tmp_path / "root.key.pem", tmp_path / "issuer.key.pem"
    assert b"ENCRYPTED PRIVATE KEY" in root.read_bytes()
    source, db = tmp_path / "trust.json", tmp_path / "issuer.db"
    steps = [
        ("trust", "init", "--out", source),
        ("trust", "add", source, "--issuer", "nb", "--name", "宁波", "--regions", "3302",
         "--pub", tmp_path / "issuer.pub.pem"),
        ("trust", "sign", source, "--root-key", root, "--out", tmp_path / "trust.cwt", *sealed),
        ("status", "new", "--db", db),
        ("issue", REFERENCE_FILE, "--key", issuer, "--db", db, *sealed),
        ("status", "publish", "--db", db, "--key", issuer, "--issuer", "nb",
         "--out", tmp_path / "s.cwt", *sealed),
        ("directory", "build", REPO / "examples" / "enterprises.tsv", "--root-key", root,
         "--out", tmp_path / "dir.cwt", *sealed),
    ]  # fmt: skip
    for step in steps:
        result = run(*step, env=env)
        assert result.exit_code == 0, (step[:2], result.stderr)
    for step in steps[2:]:
        if "--passphrase-env" in step:
            refused = run(*step[: step.index("--passphrase-env")], env=env)
            assert refused.exit_code == 2 and refused.stderr.count("\n") == 1, (step[:2], refused.stderr)


def test_keygen_does_not_follow_a_planted_symlink(tmp_path: Path) -> None:
    """A symlink where the private key will go (pointing at a file an attacker can read) is refused."""
    outside = tmp_path / "attacker-readable.pem"
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "k.key.pem").symlink_to(outside)
    result = run("keygen", "--out-dir", keys, "--name", "k")
    assert result.exit_code == 2 and "refusing to overwrite" in result.stderr
    assert not outside.exists()
    assert sorted(p.name for p in keys.iterdir()) == ["k.key.pem"]


def test_render_replaces_a_planted_symlink_instead_of_writing_through_it(tmp_path: Path, code: str) -> None:
    """`render --out` writes atomically: a symlink at the target is replaced, its target untouched."""
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("keep")
    (tmp_path / "qr.svg").symlink_to(outside)
    result = run("render", code, "--out", tmp_path / "qr.svg")
    assert result.exit_code == 0, result.stderr
    assert outside.read_text() == "keep"
    assert not (tmp_path / "qr.svg").is_symlink()
    assert (tmp_path / "qr.svg").read_text().startswith("<?xml")


def test_keygen_private_key_file_is_never_readable_by_others(tmp_path: Path) -> None:
    """Created 0600 from the start (mkstemp + fchmod + link), whatever the umask."""
    old = os.umask(0)
    try:
        assert run("keygen", "--out-dir", tmp_path, "--name", "k").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k.key.pem").stat().st_mode) == 0o600


# -- the fuzz harness (tests/fuzz), run on its seeds without atheris ---------------------------


def test_fuzz_harness_properties_hold_on_every_seed() -> None:
    """The properties fuzz_verify and fuzz_decoders check, on every seed; and they are not
    vacuous: every verifier set-up has green seeds, and some seed documents load."""
    from .fuzz import harness

    verify_seeds, decoder_seeds = list(harness.verify_seeds()), list(harness.decoder_seeds())
    assert len(verify_seeds) > 50 and len(decoder_seeds) > 50
    for seed in verify_seeds:
        harness.check_verify(seed)
    for seed in decoder_seeds:
        harness.check_decoders(seed)
    assert all(harness.green_texts().values())
    assert harness.accepted_documents()


def test_fuzz_harness_flags_a_green_verdict_for_an_unsigned_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """If verify ever said green for text that is no valid seed, the harness would report it."""
    from .fuzz import harness

    monkeypatch.setattr(harness, "green_texts", lambda: {s.name: frozenset() for s in harness.setups()})
    with pytest.raises(harness.FuzzPropertyError, match="GREEN for a text that is no valid seed"):
        harness.check_verify(b"\x00" + harness.own_codes()[0].encode())


def test_fuzz_run_script_is_valid_bash() -> None:
    script = REPO / "tests" / "fuzz" / "run.sh"
    assert os.access(script, os.X_OK)
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0


# -- the threat model names only tests that exist ---------------------------------------------

_TEST_REF = re.compile(r"`(tests/[\w/]+\.py::[^`\s]+)`")


def test_every_test_named_in_the_threat_model_exists() -> None:
    """Every `tests/...::name[id]` in spec/security.md is a collected test (id exact, or any id)."""
    refs = set(_TEST_REF.findall((REPO / "spec" / "security.md").read_text("utf-8")))
    assert len(refs) > 50
    files = sorted({ref.split("::")[0] for ref in refs})
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    ids = set(collected.stdout.splitlines())
    missing = [r for r in sorted(refs) if r not in ids and not any(i.startswith(r + "[") for i in ids)]
    assert not missing, missing
