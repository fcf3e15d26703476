"""Independent cross-check: pycose, not anxinma, verifies anxinma's codes.

    python tests/crosscheck/check.py CODES.json [--private-key keys/demo-issuer.key.pem]

Run it in a virtual environment of its own that has pycose 1.1.0 and cbor2 < 6
and not anxinma (``tests/crosscheck/run.sh`` builds one); CODES.json comes from
``export.py``.  This file imports only pycose, cbor2, cryptography, the
standard library and the base45 decoder beside it, written here from RFC 9285.

For each code it checks that the text is ``AXM1:`` + base45 of the exported
COSE bytes; that the message is an untagged COSE_Sign1 whose protected header
is exactly ``{1: -8, 4: kid}`` with kid = SHA-256(raw public key)[:8] and whose
unprotected header is empty; that pycose verifies the Ed25519 signature with
the issuer's OKP key; that the payload is a CWT claims map (RFC 8392) whose
``iat`` (6) and ``exp`` (4) are integers equal to the issuance inputs, with the
expected name (-1).  Negative controls prove the check can fail: pycose must
reject the message with one payload byte flipped, and with another key.  With
``--private-key`` pycose also signs the same header and payload itself and must
produce our message byte for byte (Ed25519 signatures are deterministic).

Two pycose 1.1.0 limitations shape this script:

- It decodes only *tagged* messages: ``CoseMessage.decode`` reads ``.tag`` from
  what cbor2 returns and raises ``AttributeError("Message was not tagged.")``
  otherwise (read in the pycose 1.1.0 source, pycose/messages/cosemessage.py;
  no pycose issue tracks it, while other libraries added untagged decoding
  explicitly, e.g. veraison/go-cose#143).  anxinma codes are untagged
  COSE_Sign1 (RFC 9052 §2 allows leaving the tag out when the context says what
  the bytes are; the ``AXM1:`` prefix does), so this script prefixes tag 18
  (byte 0xD2) before decoding, and records once that the untagged form is
  refused, so that the reason stays visible.
- It breaks on cbor2 6, which decodes arrays as tuples: pycose's
  ``isinstance(cose_obj, list)`` then fails with "Bytes cannot be decoded as COSE
  message" (TimothyClaeys/pycose#141, open; project-everest/everparse#282 pins
  cbor2<6 for the same reason).  Hence the separate environment with cbor2 < 6,
  while anxinma itself uses cbor2 6.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import cbor2
from crosscheck_base45 import decode as b45decode
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pycose.algorithms import EdDSA
from pycose.exceptions import CoseException
from pycose.headers import KID, Algorithm
from pycose.keys import CoseKey
from pycose.messages import CoseMessage, Sign1Message

PREFIX = "AXM1:"
TAG_SIGN1 = b"\xd2"  # CBOR tag 18, COSE_Sign1_Tagged (RFC 9052 §4.2)
# COSE_Key labels (RFC 9052 §7, RFC 9053 §7.2): kty, alg, key_ops; OKP crv, x (public), d (private).
KTY, ALG, KEY_OPS, CRV, X, D = 1, 3, 4, -1, -2, -4
KTY_OKP, CRV_ED25519, OP_SIGN, OP_VERIFY = 1, 6, 1, 2
IAT, EXP, NAME = 6, 4, -1


class Tally:
    """Counts checks; a check that raises counts as failed."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    def check(self, label: str, test: Callable[[], bool]) -> None:
        try:
            ok = bool(test())
        except Exception as exc:
            ok, label = False, f"{label} (raised {type(exc).__name__}: {exc})"
        if ok:
            self.passed += 1
        else:
            self.failed.append(label)
            print(f"  FAIL {label}")


def verify_key(raw_public: bytes) -> CoseKey:
    """The issuer key as a COSE_Key built from integer labels, parsed by pycose."""
    return CoseKey.from_dict(
        {KTY: KTY_OKP, CRV: CRV_ED25519, X: raw_public, ALG: EdDSA.identifier, KEY_OPS: [OP_VERIFY]}
    )


def pycose_verdict(message: bytes, key: CoseKey) -> str:
    """pycose on ``message`` (untagged COSE_Sign1, tagged here): "valid", "invalid" or the error.

    "invalid" means the message decoded and ``verify_signature`` returned False,
    so a negative control that gets "invalid" failed on the signature itself.
    """
    try:
        msg = CoseMessage.decode(TAG_SIGN1 + message)
        msg.key = key
        return "valid" if msg.verify_signature() is True else "invalid"
    except (CoseException, ValueError, TypeError, KeyError, AttributeError) as exc:
        return f"error: {type(exc).__name__}: {exc}"


def with_payload(message: bytes, payload: bytes) -> bytes:
    """``message`` with its payload replaced, everything else kept (re-encoded by cbor2)."""
    protected, unprotected, _, signature = cbor2.loads(message)
    return cbor2.dumps([protected, unprotected, payload, signature])


def flip_one_byte(data: bytes) -> bytes:
    """``data`` with the lowest bit of its middle byte flipped."""
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _differing_bytes(a: bytes, b: bytes) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


def raw_public(key: Ed25519PrivateKey | Any) -> bytes:
    """The raw 32-byte Ed25519 public key of a private or public key object."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def check_code(code: dict[str, Any], tally: Tally, signer: Ed25519PrivateKey | None) -> None:
    """All checks on one exported code."""
    message, raw = bytes.fromhex(code["cose_hex"]), bytes.fromhex(code["public_key_raw_hex"])
    kid = bytes.fromhex(code["kid_hex"])
    check_text_and_key(code, message, raw, kid, tally)
    msg = CoseMessage.decode(TAG_SIGN1 + message)
    check_headers(msg, kid, tally)
    check_signature(message, msg.payload, raw, tally)
    check_claims(msg.payload, code["expected"], tally)
    if signer is not None:
        tally.check(
            "pycose re-signs to the same bytes", lambda: pycose_sign(msg.payload, kid, signer) == message
        )


def check_text_and_key(code: dict[str, Any], message: bytes, raw: bytes, kid: bytes, tally: Tally) -> None:
    """The text carries the message; the PEM, raw key and kid agree (spec §8.2)."""
    text = code["text"]
    pem_key = serialization.load_pem_public_key(code["public_key_pem"].encode())
    tally.check("text starts with AXM1:", lambda: text.startswith(PREFIX))
    tally.check(
        "text is AXM1: + base45 of the COSE bytes", lambda: b45decode(text.removeprefix(PREFIX)) == message
    )
    tally.check("PEM and raw public key agree", lambda: raw_public(pem_key) == raw)
    tally.check("kid is SHA-256(raw public key)[:8]", lambda: hashlib.sha256(raw).digest()[:8] == kid)
    tally.check("message is an untagged array of 4", lambda: message[0] == 0x84)


def check_headers(msg: Any, kid: bytes, tally: Tally) -> None:
    """Protected header exactly {1: -8, 4: kid}, deterministic; unprotected header empty."""
    tally.check("pycose decodes a Sign1Message", lambda: isinstance(msg, Sign1Message))
    tally.check(
        "protected header is {1: -8, 4: kid}", lambda: cbor2.loads(msg.phdr_encoded) == {1: -8, 4: kid}
    )
    tally.check(
        "protected header bytes are deterministic",
        lambda: msg.phdr_encoded == bytes.fromhex("a2012704") + b"\x48" + kid,
    )
    tally.check("pycose reads alg EdDSA and the kid", lambda: msg.phdr == {Algorithm: EdDSA, KID: kid})
    tally.check("unprotected header is empty", lambda: msg.uhdr == {})


def check_signature(message: bytes, payload: bytes, raw: bytes, tally: Tally) -> None:
    """pycose accepts the signature, and rejects a flipped payload byte and another key."""
    key = verify_key(raw)
    tampered = with_payload(message, flip_one_byte(payload))
    other = verify_key(raw_public(Ed25519PrivateKey.generate()))
    tally.check("pycose verifies the signature", lambda: pycose_verdict(message, key) == "valid")
    tally.check(
        "NEGATIVE: tampered message differs from ours in exactly one byte",
        lambda: len(tampered) == len(message) and _differing_bytes(tampered, message) == 1,
    )
    tally.check(
        "NEGATIVE: one payload byte flipped -> signature invalid",
        lambda: pycose_verdict(tampered, key) == "invalid",
    )
    tally.check(
        "NEGATIVE: another key -> signature invalid", lambda: pycose_verdict(message, other) == "invalid"
    )


def check_claims(payload: bytes, expected: dict[str, Any], tally: Tally) -> None:
    """The payload is a CWT claims map with integer iat/exp equal to the issuance inputs."""
    claims = cbor2.loads(payload)
    tally.check("payload is a map with integer labels", lambda: all(type(k) is int for k in claims))
    tally.check("iat and exp are integers", lambda: type(claims[IAT]) is int and type(claims[EXP]) is int)
    tally.check(
        "iat and exp are the issuance inputs",
        lambda: (claims[IAT], claims[EXP]) == (expected["iat"], expected["exp"]),
    )
    tally.check("name (-1) is the record's name", lambda: claims[NAME] == expected["name"])
    tally.check("payload is deterministic CBOR", lambda: cbor2.dumps(claims, canonical=True) == payload)


def pycose_sign(payload: bytes, kid: bytes, private: Ed25519PrivateKey) -> bytes:
    """pycose's own untagged COSE_Sign1 of ``payload`` under the anxinma header."""
    raw_d = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_x = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = CoseKey.from_dict({KTY: KTY_OKP, CRV: CRV_ED25519, X: raw_x, D: raw_d, KEY_OPS: [OP_SIGN]})
    msg = Sign1Message(phdr={Algorithm: EdDSA, KID: kid}, uhdr={}, payload=payload, key=key)
    return bytes(msg.encode(tag=False))


def untagged_refused(message: bytes) -> str:
    """Why pycose refuses the untagged form (documents the 0xD2 prefix)."""
    try:
        CoseMessage.decode(message)
    except AttributeError as exc:
        return f"refused ({exc})"
    return "accepted"


def main(argv: list[str] | None = None) -> int:
    """Check every exported code; exit 1 on any failure or when nothing was checked."""
    parser = argparse.ArgumentParser(description="pycose cross-check of anxinma codes")
    parser.add_argument("codes", type=Path, help="JSON file written by export.py")
    parser.add_argument(
        "--private-key", type=Path, help="PEM of the (demo) issuer key, to re-sign with pycose"
    )
    args = parser.parse_args(argv)
    if int(version("cbor2").split(".")[0]) >= 6:
        print(f"cbor2 {version('cbor2')} is installed; pycose 1.1.0 needs cbor2 < 6 (pycose#141)")
        return 2
    export = json.loads(args.codes.read_text(encoding="utf-8"))
    signer = None
    if args.private_key is not None:
        signer = serialization.load_pem_private_key(args.private_key.read_bytes(), password=None)
        assert isinstance(signer, Ed25519PrivateKey)
    print(
        f"pycose {version('pycose')}, cbor2 {version('cbor2')}, cryptography {version('cryptography')}; "
        f"codes from {export['generator']} at {export['now']}"
    )
    tally = Tally()
    for code in export["codes"]:
        print(f"{code['label']}:")
        passed, failed = tally.passed, len(tally.failed)
        tally.check(
            f"{code['label']}: all checks ran", lambda code=code: check_code(code, tally, signer) is None
        )
        print(
            f"  {tally.passed - passed} of {tally.passed - passed + len(tally.failed) - failed} checks passed"
        )
    first = bytes.fromhex(export["codes"][0]["cose_hex"])
    print(f"note: pycose on the untagged message: {untagged_refused(first)}; the checks add tag 18 (0xD2)")
    print(f"cross-check total: {tally.passed} checks passed, {len(tally.failed)} checks failed")
    return 0 if tally.passed and not tally.failed else 1


if __name__ == "__main__":
    sys.exit(main())
