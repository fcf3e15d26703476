"""The signed documents a verifier holds: trust lists, status lists, the directory (spec §15).

Each loads as the library checks it; one that fails is one line naming the
file and its :class:`~anxinma.DocumentReason` (exit 2).  :class:`Held` is
what ``verify`` and ``scan`` hold besides the code (:func:`load_held`), or the
bundled DEMO documents (:func:`demo_held`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .. import _demo
from ..directory import MAX_DIRECTORY_BYTES, Directory
from ..document import DocumentError
from ..errors import UsageError
from ..keys import raw_public_key
from ..status import MAX_TOKEN_BYTES, StatusListToken
from ..trust import MAX_TRUST_LIST_BYTES, TrustedIssuer, TrustList
from ..verify import Keyring, Policy
from .common import CliError
from .files import parse_public_key, read_bytes, read_public_key

__all__ = [
    "DIRECTORY_OPTION",
    "ROOT_OPTION",
    "Held",
    "check_issuer_id",
    "demo_held",
    "held_for",
    "load_document",
    "load_held",
    "load_trust",
    "optional_directory",
    "read_directory",
    "read_roots",
    "read_status",
    "read_trust",
    "self_check",
]

_T = TypeVar("_T")


def load_document(path: str, load: Callable[[], _T]) -> _T:
    """``load()``, or one line naming the document and the reason it was refused (exit 2)."""
    try:
        return load()
    except DocumentError as exc:
        raise CliError(path, str(exc)) from None


def _is_document(path: str, data: bytes) -> bool:
    """Whether ``--trust`` names a signed document (an untagged COSE_Sign1, a CBOR array of 4,
    or a ``.cwt`` file) rather than a PEM public key."""
    return data[:1] == b"\x84" or path.lower().endswith(".cwt")


def read_roots(paths: Iterable[str]) -> list[Ed25519PublicKey]:
    return [read_public_key(p) for p in paths]


def load_trust(
    path: str, data: bytes, roots: Sequence[Ed25519PublicKey], *, now: dt.datetime, min_sequence: int = 0
) -> TrustList:
    """A signed trust list, checked against the pinned root keys (spec §15.2, §15.5)."""
    if not roots:
        raise CliError("--root", "is required with a trust list: the pinned root public key (ROOT.pub.pem)")
    return load_document(path, lambda: TrustList.load(data, roots, now=now, min_sequence=min_sequence))


def read_trust(path: str, roots: Sequence[Ed25519PublicKey], *, now: dt.datetime) -> TrustList:
    data = read_bytes(path, limit=MAX_TRUST_LIST_BYTES, what="trust list")
    return load_trust(path, data, roots, now=now)


def read_status(path: str, trust: TrustList, *, now: dt.datetime) -> StatusListToken:
    """A status list token, checked against ``trust`` (the signer must be the list's issuer)."""
    data = read_bytes(path, limit=MAX_TOKEN_BYTES, what="status list")
    return load_document(path, lambda: StatusListToken.load(data, trust, now=now))


def read_directory(path: str, roots: Sequence[Ed25519PublicKey], *, now: dt.datetime) -> Directory:
    if not roots:
        raise CliError("--root", "is required with a directory: the pinned root public key (ROOT.pub.pem)")
    data = read_bytes(path, limit=MAX_DIRECTORY_BYTES, what="directory")
    return load_document(path, lambda: Directory.load(data, roots, now=now))


def self_check(path: Path, load: Callable[[], object]) -> None:
    """Load a document just signed, as a verifier would, before writing it."""
    try:
        load()
    except DocumentError as exc:
        raise CliError(str(path), f"the signed document does not load ({exc}); nothing written") from None


def check_issuer_id(issuer_id: str, where: str) -> None:
    try:
        TrustedIssuer(id=issuer_id, name="-", regions=("33",))
    except UsageError as exc:
        raise CliError(where, str(exc)) from None


@dataclasses.dataclass(frozen=True, slots=True)
class Held:
    """What a verifier holds besides the code: trust (list or bare keys), status lists, directory."""

    trust: TrustList | Keyring
    status: tuple[StatusListToken, ...] = ()
    directory: Directory | None = None


def _keyring(files: Iterable[tuple[str, bytes]]) -> Keyring:
    """A keyring of the PEM public keys in ``files`` (path, bytes); the same key twice counts once."""
    unique = {raw_public_key(key): key for key in (parse_public_key(data, path) for path, data in files)}
    return Keyring(unique.values())


def _trust_option(
    paths: Sequence[str], roots: Sequence[Ed25519PublicKey], *, now: dt.datetime, min_sequence: int | None
) -> TrustList | Keyring:
    """``--trust``: one signed trust list, or one or more PEM public keys (a keyring)."""
    files = [(p, read_bytes(p, limit=MAX_TRUST_LIST_BYTES, what="trust list or public key")) for p in paths]
    lists = [(p, data) for p, data in files if _is_document(p, data)]
    if not lists:
        if min_sequence is not None:
            raise CliError("--trust-min-sequence", "needs a trust list (--trust TRUST.cwt)")
        return _keyring(files)
    if len(files) > 1:
        raise CliError("--trust", "give one trust list (TRUST.cwt), or one or more public keys, not both")
    path, data = lists[0]
    return load_trust(path, data, roots, now=now, min_sequence=min_sequence or 0)


def load_held(
    trust_paths: Sequence[str],
    root_paths: Sequence[str],
    status_paths: Sequence[str],
    directory_path: str | None,
    *,
    now: dt.datetime,
    min_sequence: int | None,
) -> Held:
    """Load what ``verify`` was given; any document that fails to load stops here (exit 2)."""
    roots = read_roots(root_paths)
    trust = _trust_option(trust_paths, roots, now=now, min_sequence=min_sequence)
    if roots and isinstance(trust, Keyring) and directory_path is None:
        raise CliError("--root", "is used only with a trust list (--trust TRUST.cwt) or --directory")
    if status_paths and not isinstance(trust, TrustList):
        raise CliError("--status", "needs a trust list: --trust TRUST.cwt --root ROOT.pub.pem")
    tokens = [read_status(p, trust, now=now) for p in status_paths] if isinstance(trust, TrustList) else []
    tokens.sort(key=lambda t: t.issued_at, reverse=True)  # the newest list of an issuer counts
    directory = None if directory_path is None else read_directory(directory_path, roots, now=now)
    return Held(trust, tuple(tokens), directory)


def demo_held(now: dt.datetime) -> Held:
    """The bundled DEMO root, trust list, status list 0 and directory, loaded as a verifier would."""
    roots = [_demo.root_public_key()]
    trust = load_document(_demo.TRUST_FILE, lambda: TrustList.load(_demo.trust_document(), roots, now=now))
    token = load_document(
        _demo.STATUS_FILE, lambda: StatusListToken.load(_demo.status_document(), trust, now=now)
    )
    directory = load_document(
        _demo.DIRECTORY_FILE, lambda: Directory.load(_demo.directory_document(), roots, now=now)
    )
    return Held(trust, (token,), directory)


DIRECTORY_OPTION = click.option(
    "--directory",
    "directory_path",
    metavar="DIR.cwt",
    help="A root-signed enterprise directory: print enterprise names and districts (needs --root).",
)
ROOT_OPTION = click.option(
    "--root", "root_paths", multiple=True, metavar="ROOT.pub.pem", help="The pinned root public key."
)


def optional_directory(path: str | None, roots: tuple[str, ...], now: dt.datetime) -> Directory | None:
    return None if path is None else read_directory(path, read_roots(roots), now=now)


def held_for(
    demo: bool,
    trust: tuple[str, ...],
    roots: tuple[str, ...],
    statuses: tuple[str, ...],
    directory: str | None,
    *,
    now: dt.datetime,
    min_sequence: int | None,
    policy: Policy,
) -> tuple[Held, Policy]:
    """What the verifier holds, and the policy (``--demo`` counts its status list fresh until it expires);
    shared by ``scan`` and ``verify``."""
    if not demo:
        if not trust:
            raise CliError("--trust", "is required (or --demo for the bundled DEMO documents)")
        return load_held(trust, roots, statuses, directory, now=now, min_sequence=min_sequence), policy
    given = {
        "--trust": trust,
        "--root": roots,
        "--status": statuses,
        "--directory": directory,
        "--trust-min-sequence": min_sequence,
    }
    clash = next((option for option, value in given.items() if value not in (None, ())), None)
    if clash is not None:
        raise CliError(clash, "cannot be combined with --demo (which uses the bundled DEMO documents)")
    held = demo_held(now)
    token = held.status[0]
    return held, Policy(token.expires_at - token.issued_at, policy.stale_status_color)
