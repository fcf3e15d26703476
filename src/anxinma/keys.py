"""Ed25519 keys: identifiers and PEM (de)serialisation (spec §8.2).

The key identifier is the first 8 bytes of SHA-256 over the raw 32-byte public
key.  Functions here turn keys into bytes and back; reading and writing files
(and their permissions) is the CLI's job.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import KeyFormatError

__all__ = [
    "generate_private_key",
    "kid_of",
    "kid_of_raw",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_pem",
    "public_key_problem",
    "raw_public_key",
]

_P = 2**255 - 19
#: y of an Ed25519 point of order 8 (RFC 8032 §5.1.3 encoding, sign bit cleared).
_Y8 = 0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7
#: The y coordinates of the 8 points of small order (orders 1, 2, 4, 8), either sign of x.
_SMALL_ORDER_Y = frozenset({0, 1, _P - 1, _Y8, _P - _Y8})


def public_key_problem(raw: bytes) -> str | None:
    """Why ``raw`` is not an acceptable Ed25519 public key, or ``None`` (spec §8.2).

    Refused: a non-canonical encoding (y >= 2**255 - 19, RFC 8032 §5.1.3; x = 0
    with the sign bit set only occurs for y = 1 or -1, caught below) and a point
    of small order, for which signatures that verify can be made without any
    private key (spec/security.md T1).
    """
    if len(raw) != 32:
        return "is not 32 bytes"
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    if y >= _P:
        return "is not canonically encoded (y >= 2^255 - 19)"
    if y in _SMALL_ORDER_Y:
        return "is a point of small order (anyone could forge signatures for it)"
    return None


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key from the operating system's CSPRNG."""
    return Ed25519PrivateKey.generate()


def raw_public_key(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key (RFC 8032 §5.1.5)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes_raw()


def kid_of(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The 8-byte key identifier: SHA-256 of the raw public key, truncated (spec §8.2)."""
    return kid_of_raw(raw_public_key(key))


def kid_of_raw(raw: bytes) -> bytes:
    """The key identifier of a raw 32-byte public key (spec §8.2).

    With cryptography's SHA-256, which importing Ed25519 has loaded already: a
    verifier process then never loads :mod:`hashlib` (2-3 ms of its start).
    """
    digest = hashes.Hash(hashes.SHA256())
    digest.update(raw)
    return digest.finalize()[:8]


def private_key_pem(key: Ed25519PrivateKey, *, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM of ``key``, encrypted with ``password`` when one is given."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415  (lazy: not on the verify path)

    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def public_key_pem(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """SubjectPublicKeyInfo PEM of the public key."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415  (lazy: not on the verify path)

    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(pem: bytes, *, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load an Ed25519 PKCS#8 PEM private key; raise :class:`KeyFormatError`."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415  (lazy: not on the verify path)

    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except TypeError as exc:  # password missing or given for an unencrypted key
        raise KeyFormatError(f"private key: {exc}") from None
    except ValueError:
        raise KeyFormatError("private key: not a PEM private key, or wrong passphrase") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFormatError(f"private key: {type(key).__name__} is not an Ed25519 key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """Load an Ed25519 SubjectPublicKeyInfo PEM public key; raise :class:`KeyFormatError`."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415  (lazy: not on the verify path)

    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise KeyFormatError("public key: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFormatError(f"public key: {type(key).__name__} is not an Ed25519 key")
    problem = public_key_problem(raw_public_key(key))
    if problem is not None:
        raise KeyFormatError(f"public key: {problem}")
    return key
