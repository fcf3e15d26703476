"""COSE_Sign1 with EdDSA (RFC 9052 §4.2, RFC 9053 §2.2), as anxinma profiles it.

anxinma codes are *untagged* COSE_Sign1 messages (RFC 9052 §2): the ``AXM1:``
prefix already says what the bytes are, so tag 18 would be a wasted byte, and a
tagged message is refused like any other tag.  The profile (spec §8) is fixed:

- the protected header is exactly ``{1: -8, 4: kid}``: algorithm EdDSA and an
  8-byte key identifier, both integrity-protected; signed *documents* (trust
  lists, status lists, directories; spec §15) add ``16: typ`` (RFC 9596), so
  that no document can be taken for another kind or for a credential;
- the unprotected header is the empty map (no ``alg``, ``kid`` or ``crit``
  where the signature would not cover them);
- the payload is present (not detached) and the signature is 64 bytes.

This module is the hazmat layer: it checks structure and signatures and knows
nothing about workers or colours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import cbor
from .errors import AnxinmaError
from .registry import ALG_EDDSA, Header

__all__ = ["CoseError", "Sign1", "parse_sign1", "sig_structure", "sign1", "verify_signature"]

KID_LENGTH = 8
SIGNATURE_LENGTH = 64


class CoseError(AnxinmaError, ValueError):
    """A message is not an anxinma-profile COSE_Sign1; ``reason`` is a reason-code value."""

    code = "invalid_cose"

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Sign1:
    """A parsed COSE_Sign1: the raw protected header bytes, kid, payload and signature."""

    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes


def protected_header(kid: bytes, typ: str | None = None) -> bytes:
    """The encoded protected header ``{1: -8, 4: kid}``, plus ``16: typ`` for documents (RFC 9052 §3)."""
    header: dict[int, object] = {Header.ALG: ALG_EDDSA, Header.KID: kid}
    if typ is not None:
        header[Header.TYP] = typ
    return cbor.encode(header)


def _bstr(data: bytes) -> bytes:
    """``data`` as a CBOR byte string with its shortest head (RFC 8949 §3.1, §4.2.1)."""
    n = len(data)
    if n < 24:
        head = bytes([0x40 | n])
    elif n < 0x100:
        head = bytes([0x58, n])
    elif n < 0x10000:
        head = b"\x59" + n.to_bytes(2, "big")
    else:
        head = b"\x5a" + n.to_bytes(4, "big")
    return head + data


# ``["Signature1", ... ]``: array(4), text(10) "Signature1" (RFC 9052 §4.4).
_TBS_PREFIX = b"\x84\x6aSignature1"


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The ToBeSigned bytes: ``["Signature1", protected, h'', payload]`` (RFC 9052 §4.4).

    Built directly (four definite-length items) rather than through a generic
    encoder: this is on the hot path of both signing and verifying.
    """
    return _TBS_PREFIX + _bstr(protected) + b"\x40" + _bstr(payload)


def sign1(
    payload: bytes,
    key: Ed25519PrivateKey,
    kid: bytes,
    *,
    typ: str | None = None,
    protected: bytes | None = None,
) -> bytes:
    """Sign ``payload`` and return the untagged COSE_Sign1 message (RFC 9052 §4.2).

    ``protected`` may carry the already-encoded protected header (an issuer caches it).
    """
    if protected is None:
        protected = protected_header(kid, typ)
    signature = key.sign(sig_structure(protected, payload))
    return b"\x84" + _bstr(protected) + b"\xa0" + _bstr(payload) + _bstr(signature)


def parse_sign1(message: bytes, *, typ: str | None = None) -> Sign1:
    """Parse ``message`` under the anxinma profile; raise :class:`CoseError`.

    ``typ`` is the document type the caller expects (``None`` for a credential,
    whose header carries no type).  Signature bytes are not checked here; see
    :func:`verify_signature`.
    """
    if typ is None:
        exact = _issued_shape(message)
        if exact is not None:
            return exact
    try:
        top = cbor.decode(message, max_depth=2, max_items=16)
    except AnxinmaError as exc:
        raise CoseError("malformed", f"COSE_Sign1: {exc}") from None
    if not isinstance(top, list) or len(top) != 4:
        raise CoseError("malformed", "COSE_Sign1 must be an array of 4 items")
    protected, unprotected, payload, signature = top
    kid = _check_protected(protected, typ)
    _check_unprotected(unprotected)
    if not isinstance(payload, bytes):
        raise CoseError("malformed", "payload must be a byte string (detached payloads are not allowed)")
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_LENGTH:
        raise CoseError("malformed", f"signature must be a {SIGNATURE_LENGTH}-byte string")
    return Sign1(protected, kid, payload, signature)


# The one byte layout an anxinma issuer writes for a credential: array(4), bstr(13)
# {1: -8, 4: bstr(8) kid}, {}, bstr(n) payload with 24 <= n <= 255, bstr(64) signature.
_ISSUED_HEAD = b"\x84\x4d\xa2\x01\x27\x04\x48"


def _issued_shape(message: bytes) -> Sign1 | None:
    """Fast path: ``message`` in exactly the issuer's layout, read by slicing.

    Every head in that layout is in shortest form and every check of
    :func:`parse_sign1` holds for it, so the strict parse would return the same
    :class:`Sign1`; any other layout returns ``None`` and is parsed strictly.
    """
    if not message.startswith(_ISSUED_HEAD) or len(message) < 18 or message[15:17] != b"\xa0\x58":
        return None
    n = message[17]
    end = 18 + n
    if n < 24 or len(message) != end + 2 + SIGNATURE_LENGTH or message[end : end + 2] != b"\x58\x40":
        return None
    return Sign1(message[2:15], message[7:15], message[18:end], message[end + 2 :])


def _check_protected(protected: object, typ: str | None) -> bytes:
    if not isinstance(protected, bytes):
        raise CoseError("malformed", "protected header must be a byte string")
    try:
        header = cbor.decode(protected, max_depth=1, max_items=8)
    except AnxinmaError as exc:
        raise CoseError("malformed", f"protected header: {exc}") from None
    if not isinstance(header, dict):
        raise CoseError("malformed", "protected header must be a map")
    alg = header.get(Header.ALG)
    if alg is None:
        raise CoseError("malformed", "protected header has no alg (label 1)")
    if alg != ALG_EDDSA or isinstance(alg, bool):
        raise CoseError("unsupported_algorithm", f"alg (label 1) is {alg!r}; only EdDSA (-8) is allowed")
    _check_type(header, typ)
    extra = sorted(set(header) - {Header.ALG, Header.KID, Header.TYP}, key=repr)
    if extra:
        raise CoseError("malformed", f"protected header label {extra[0]!r} is not allowed")
    kid = header.get(Header.KID)
    if not isinstance(kid, bytes) or len(kid) != KID_LENGTH:
        raise CoseError("malformed", f"protected header needs a {KID_LENGTH}-byte kid (label 4)")
    return kid


def _check_type(header: dict[object, object], typ: str | None) -> None:
    """A credential has no label 16 at all, not even ``null`` (spec §8.1); a document the expected typ."""
    if typ is None:
        if Header.TYP in header:
            raise CoseError(
                "malformed", f"a signed {header[Header.TYP]!r} document (label 16), not a credential"
            )
        return
    found = header.get(Header.TYP)
    if found == typ:
        return
    what = repr(found) if Header.TYP in header else "a credential"
    raise CoseError("wrong_type", f"expected a {typ!r} document (label 16), found {what}")


def _check_unprotected(unprotected: Any) -> None:
    if not isinstance(unprotected, dict):
        raise CoseError("malformed", "unprotected header must be a map")
    if unprotected:
        label = next(iter(unprotected))
        raise CoseError("malformed", f"unprotected header must be empty; found label {label!r}")


def verify_signature(msg: Sign1, public_key: Ed25519PublicKey) -> bool:
    """Whether ``msg`` carries a valid Ed25519 signature by ``public_key`` (RFC 9053 §2.2)."""
    try:
        public_key.verify(msg.signature, sig_structure(msg.protected, msg.payload))
    except InvalidSignature:
        return False
    return True
