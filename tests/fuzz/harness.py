"""What the fuzz targets check, without atheris (so the main suite can run it on the seeds).

Two properties, for every input (spec/security.md §4):

1. *No undocumented exception.*  :func:`anxinma.verify` raises nothing for any
   text or bytes; each decoder raises only its documented error
   (:class:`~anxinma.errors.CborError`, :class:`~anxinma.errors.Base45Error`,
   :class:`~anxinma.transport.TransportError`, :class:`~anxinma.cose.CoseError`,
   :class:`~anxinma.DocumentError`, :class:`~anxinma.AnxinmaError`).
2. *Nothing is accepted that was not signed.*  A fuzzer cannot forge Ed25519
   signatures, so a green verdict (or a loaded trust list, status list or
   directory) for an input that is not byte-identical to one of the valid
   seeds would mean the verifier accepts a second encoding of signed content,
   or no signature at all.  Whatever the strict decoders accept must also be
   the one deterministic encoding of its value (it re-encodes to the input).

The fixtures are fixed: the fuzzing "now" is the one of spec/vectors, the keys
are test keys derived from constant seeds, and the trust material is a trust
list, a status list and a directory signed with them (plus the ones of
spec/vectors when present).  Inputs start with a selector byte; see
:func:`check_verify` and :func:`check_decoders`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

import anxinma
from anxinma import (
    AnxinmaError,
    Color,
    Directory,
    DocumentError,
    Enterprise,
    IssuerKey,
    Keyring,
    KeyState,
    Status,
    StatusList,
    StatusListToken,
    StatusRef,
    TrustedIssuer,
    TrustList,
    Verification,
    _demo,
    cbor,
    parse_worker,
    verify,
)
from anxinma.base45 import b45decode, b45encode
from anxinma.cose import CoseError, parse_sign1
from anxinma.errors import Base45Error, CborError
from anxinma.keys import raw_public_key
from anxinma.transport import ASCII_WHITESPACE, TransportError, from_text, to_text

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "spec" / "vectors"
CST = anxinma.CST
#: The fuzzing clock: the "now" of most spec/vectors entries.
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=CST)
T0 = dt.datetime(2026, 1, 1, tzinfo=CST)
DAY = dt.timedelta(days=1)

ROOT = Ed25519PrivateKey.from_private_bytes(b"fuzz-root-key-seed-0000000000000")
KEY_A = Ed25519PrivateKey.from_private_bytes(b"fuzz-issuer-a-seed-0000000000000")
KEY_B = Ed25519PrivateKey.from_private_bytes(b"fuzz-issuer-b-seed-0000000000000")
KEY_C = Ed25519PrivateKey.from_private_bytes(b"fuzz-issuer-c-seed-0000000000000")
KEY_H = Ed25519PrivateKey.from_private_bytes(b"fuzz-issuer-h-seed-0000000000000")

REFERENCE: dict[str, Any] = _demo.reference_record()  # the one copy: anxinma._demo
REFERENCE_ID = "330203198503150020"
REVOKED_INDEX = 6

#: The exceptions each decoder target may raise (anything else is a finding).
DOCUMENTED: dict[str, tuple[type[BaseException], ...]] = {
    "cbor": (CborError,),
    "base45": (Base45Error,),
    "transport": (TransportError,),
    "cose": (CoseError,),
    "trust_list": (DocumentError,),
    "status_list": (DocumentError,),
    "directory": (DocumentError,),
    "unverified": (AnxinmaError,),
}
DECODERS = tuple(DOCUMENTED)


class FuzzPropertyError(AssertionError):
    """A fuzz property failed: the input is a finding."""


def _issuer_key(key: Ed25519PrivateKey, **kw: Any) -> IssuerKey:
    return IssuerKey(public_key=raw_public_key(key), valid_from=kw.pop("valid_from", T0), **kw)


# -- own trust material ----------------------------------------------------------------


@cache
def own_trust_document() -> bytes:
    ningbo = TrustedIssuer(
        id="nb",
        name="宁波市家政服务中心 (FUZZ)",
        regions=("3302",),
        keys=(
            _issuer_key(KEY_A),
            _issuer_key(KEY_B, valid_until=T0 + 30 * DAY, state=KeyState.RETIRED),
            _issuer_key(KEY_C, state=KeyState.COMPROMISED),
        ),
    )
    hangzhou = TrustedIssuer(
        id="hz", name="杭州市家政服务中心 (FUZZ)", regions=("3301",), keys=(_issuer_key(KEY_H),)
    )
    trust = TrustList(sequence=3, issued_at=T0, expires_at=T0 + 365 * DAY, issuers=(ningbo, hangzhou))
    return trust.sign(ROOT)


@cache
def own_trust() -> TrustList:
    return TrustList.load(own_trust_document(), [ROOT.public_key()], now=NOW)


@cache
def own_status_document() -> bytes:
    statuses = StatusList(anxinma.status.MIN_SIZE)
    statuses.set(REVOKED_INDEX, Status.INVALID)
    statuses.set(REVOKED_INDEX + 1, Status.SUSPENDED)
    token = StatusListToken(
        issuer_id="nb", list_id=0, issued_at=NOW - DAY, expires_at=NOW + 6 * DAY, statuses=statuses, ttl=86400
    )
    return token.sign(KEY_A)


@cache
def own_directory_document() -> bytes:
    entry = Enterprise("91330203MA2H123450", "宁波市海曙大众社区服务有限公司", "海曙区", "330203")
    return Directory(1, T0, T0 + 365 * DAY, (entry,)).sign(ROOT)


def _worker(**changes: Any) -> anxinma.Worker:
    record = {k: v for k, v in {**REFERENCE, **changes}.items() if v is not None}
    return parse_worker(record)


@cache
def own_codes() -> tuple[str, ...]:
    """Codes signed with the fuzz keys: green, yellow and red for various reasons."""
    at = NOW - DAY
    return (
        anxinma.issue(_worker(), KEY_A, now=at),
        anxinma.issue(_worker(), KEY_A, now=at, status=StatusRef(list_id=0, index=5)),
        anxinma.issue(_worker(), KEY_A, now=at, status=StatusRef(list_id=0, index=REVOKED_INDEX)),
        anxinma.issue(_worker(insurance_valid_until=None), KEY_A, now=at),
        anxinma.issue(_worker(), KEY_B, now=T0 + DAY),
        anxinma.issue(_worker(), KEY_B, now=at),
        anxinma.issue(_worker(), KEY_C, now=at),
        anxinma.issue(_worker(), KEY_H, now=at),
        anxinma.issue(_worker(), ROOT, now=at),
        anxinma.issue(_worker(identity_verified=False), KEY_A, now=at, valid_days=1),
    )


# -- spec/vectors material (when present) -------------------------------------------------


def _vector_file(name: str) -> dict[str, Any]:
    path = VECTORS / name
    if not path.is_file():
        return {"keys": {}, "vectors": []}
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document


def _public(hex_key: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))


@cache
def vector_roots() -> tuple[Ed25519PublicKey, ...]:
    keys = _vector_file("documents.json")["keys"]
    return tuple(_public(k["public_hex"]) for name, k in keys.items() if name == "root")


@cache
def vector_trust() -> TrustList | None:
    for vector in _vector_file("verify-trust.json")["vectors"]:
        data = bytes.fromhex(vector["trust"]["trust_list_hex"])
        roots = [_public(r) for r in vector["trust"]["roots"]]
        try:
            return TrustList.load(data, roots, now=NOW)
        except DocumentError:
            continue
    return None


@cache
def vector_issuer_keys() -> tuple[Ed25519PublicKey, ...]:
    keys = _vector_file("verify-positive.json")["keys"]
    return tuple(_public(k["public_hex"]) for name, k in keys.items() if name == "issuer")


def vector_texts() -> Iterator[str]:
    for name in ("verify-positive.json", "verify-negative.json", "verify-trust.json"):
        for vector in _vector_file(name)["vectors"]:
            yield vector["text"]


def vector_status_documents() -> Iterator[bytes]:
    for vector in _vector_file("verify-trust.json")["vectors"]:
        for hex_doc in vector.get("status_lists_hex", []):
            yield bytes.fromhex(hex_doc)


def vector_documents() -> Iterator[tuple[str, bytes]]:
    for vector in _vector_file("documents.json")["vectors"]:
        yield vector["document"], bytes.fromhex(vector["data_hex"])


# -- the verifier configurations ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Setup:
    """One way the fuzzed text is verified."""

    name: str
    trust: TrustList | Keyring
    status: tuple[StatusListToken, ...] = ()
    id_number: str | None = None

    def run(self, text: str | bytes) -> Verification:
        return verify(text, self.trust, now=NOW, status=self.status, id_number=self.id_number)


def _load_status(data: bytes, trust: TrustList) -> StatusListToken | None:
    try:
        return StatusListToken.load(data, trust, now=NOW)
    except DocumentError:
        return None


@cache
def setups() -> tuple[Setup, ...]:
    trust = own_trust()
    found = [_load_status(own_status_document(), trust)]
    out = [
        Setup("own-trust", trust, tuple(t for t in found if t is not None)),
        Setup("keyring", Keyring([KEY_A.public_key(), *vector_issuer_keys()]), (), REFERENCE_ID),
    ]
    vtrust = vector_trust()
    if vtrust is not None:
        tokens = {_load_status(d, vtrust) for d in vector_status_documents()} - {None}
        out.append(Setup("vector-trust", vtrust, tuple(t for t in tokens if t is not None)))
    return tuple(out)


def seed_texts() -> tuple[str, ...]:
    return own_codes() + tuple(vector_texts())


@cache
def green_texts() -> dict[str, frozenset[str]]:
    """For each setup, the seed texts it finds green: the only texts that may ever be green."""
    return {s.name: frozenset(t for t in seed_texts() if s.run(t).color is Color.GREEN) for s in setups()}


# -- properties ---------------------------------------------------------------------------


def _check_verdict(result: Verification, text: str, setup: Setup) -> None:
    if not isinstance(result, Verification):
        raise FuzzPropertyError(f"{setup.name}: verify returned {type(result).__name__}")
    if (result.color is Color.GREEN) != (result.reasons == ()):
        raise FuzzPropertyError(f"{setup.name}: colour {result.color} with reasons {result.reasons}")
    if result.credential is None and result.color is not Color.RED:
        raise FuzzPropertyError(f"{setup.name}: {result.color} without a credential")
    # Surrounding ASCII white space is removed before anything else (spec §9.1): the same code.
    if result.color is Color.GREEN and text.strip(ASCII_WHITESPACE) not in green_texts()[setup.name]:
        raise FuzzPropertyError(f"{setup.name}: GREEN for a text that is no valid seed: {text!r}")


def check_verify(data: bytes) -> None:
    """Verify ``data`` under every setup; selector ``data[0] % 3``: 0 text (latin-1),
    1 raw COSE bytes (sent as ``AXM1:`` + base45), 2 the bytes themselves."""
    if not data:
        return
    mode, body = data[0] % 3, data[1:]
    subject: str | bytes
    if mode == 0:
        subject = text = body.decode("latin-1")
    elif mode == 1:
        subject = text = to_text(body)
    else:
        subject, text = body, body.decode("ascii", errors="replace")
    for setup in setups():
        _check_verdict(setup.run(subject), text, setup)


# -- decoders -----------------------------------------------------------------------------


def _head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for size, info in ((1, 24), (2, 25), (4, 26), (8, 27)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise FuzzPropertyError(f"argument {arg} does not fit 8 bytes")


def deterministic(value: Any) -> bytes:
    """RFC 8949 §4.2.1 encoding (bytewise key order), independent of cbor2."""
    if value is None or isinstance(value, bool):
        return {None: b"\xf6", False: b"\xf4", True: b"\xf5"}[value]
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(map(deterministic, value))
    if isinstance(value, dict):
        items = sorted((deterministic(k), deterministic(v)) for k, v in value.items())
        return _head(5, len(items)) + b"".join(k + v for k, v in items)
    raise FuzzPropertyError(f"decoder produced a {type(value).__name__}")


def _accept(ok: bool, what: str, data: bytes) -> None:
    if not ok:
        raise FuzzPropertyError(f"{what}: accepted input violates the property: {data[:80]!r}")


def _cbor(body: bytes) -> None:
    value = cbor.decode(body, max_depth=8, max_items=4096)
    _accept(deterministic(value) == body, "cbor: accepted bytes are not the deterministic encoding", body)


def _base45(body: bytes) -> None:
    text = body.decode("latin-1")
    _accept(b45encode(b45decode(text)) == text, "base45: not the one encoding", body)


def _transport(body: bytes) -> None:
    text = body.decode("latin-1")
    _accept(
        to_text(from_text(text)) == text.strip(ASCII_WHITESPACE), "transport: not the one text form", body
    )


def _cose(body: bytes) -> None:
    msg = parse_sign1(body)
    again = cbor.encode([msg.protected, {}, msg.payload, msg.signature])
    _accept(again == body, "cose: not the one encoding", body)


def _trusts() -> list[TrustList]:
    vtrust = vector_trust()
    return [own_trust()] if vtrust is None else [own_trust(), vtrust]


def load_document(kind: str, data: bytes) -> None:
    """Load a ``kind`` document with the harness's roots and trust lists; raise DocumentError."""
    roots = [ROOT.public_key(), *vector_roots()]
    if kind == "trust_list":
        TrustList.load(data, roots, now=NOW)
    elif kind == "directory":
        Directory.load(data, roots, now=NOW)
    else:
        errors = []
        for trust in _trusts():
            try:
                StatusListToken.load(data, trust, now=NOW)
                return
            except DocumentError as exc:
                errors.append(exc)
        raise errors[0]


def _document(kind: str) -> Callable[[bytes], None]:
    def target(body: bytes) -> None:
        load_document(kind, body)
        _accept(body in accepted_documents(), f"{kind}: loaded an input that is no signed seed", body)

    return target


def _unverified(body: bytes) -> None:
    anxinma.decode_unverified(body.decode("latin-1"))


_TARGETS: dict[str, Callable[[bytes], None]] = {
    "cbor": _cbor,
    "base45": _base45,
    "transport": _transport,
    "cose": _cose,
    "trust_list": _document("trust_list"),
    "status_list": _document("status_list"),
    "directory": _document("directory"),
    "unverified": _unverified,
}


def seed_documents() -> list[tuple[str, bytes]]:
    own = [
        ("trust_list", own_trust_document()),
        ("status_list", own_status_document()),
        ("directory", own_directory_document()),
    ]
    return own + list(vector_documents())


@cache
def accepted_documents() -> frozenset[bytes]:
    """The seed documents that load: the only document bytes that may ever load."""
    found = set()
    for kind, data in seed_documents():
        try:
            load_document(kind, data)
        except DocumentError:
            continue
        found.add(data)
    return frozenset(found)


def check_decoders(data: bytes) -> None:
    """Run one decoder, chosen by ``data[0] % 8`` (:data:`DECODERS` order), on ``data[1:]``."""
    if not data:
        return
    name = DECODERS[data[0] % len(DECODERS)]
    try:
        _TARGETS[name](data[1:])
    except DOCUMENTED[name]:
        return


# -- seeds ---------------------------------------------------------------------------------


def _message(text: str) -> bytes | None:
    try:
        return from_text(text)
    except TransportError:
        return None


def verify_seeds() -> Iterator[bytes]:
    """Seed inputs of the verify target: every seed text as text, as COSE bytes and as bytes."""
    for text in seed_texts():
        yield b"\x00" + text.encode("latin-1", errors="replace")
        message = _message(text)
        if message is not None:
            yield b"\x01" + message
        yield b"\x02" + text.encode("ascii", errors="replace")


def decoder_seeds() -> Iterator[bytes]:
    """Seed inputs of the decoder target, each prefixed with its selector byte."""
    select = {name: bytes([n]) for n, name in enumerate(DECODERS)}
    for text in seed_texts():
        yield select["transport"] + text.encode("latin-1", errors="replace")
        yield select["unverified"] + text.encode("latin-1", errors="replace")
        try:
            message = from_text(text)
        except TransportError:
            continue
        yield select["cose"] + message
        yield select["base45"] + text[len(anxinma.PREFIX) :].encode("latin-1", errors="replace")
        try:
            yield select["cbor"] + parse_sign1(message).payload
        except CoseError:
            yield select["cbor"] + message
    for kind, data in seed_documents():
        yield select[kind] + data
    for item in _vector_file("base45.json").get("valid", []):
        yield select["base45"] + item["base45"].encode("latin-1")
