"""The signed documents a verifier holds: trust lists, status lists, the directory (spec §15).

Each loads as the library checks it.  For the commands that read one document
(``trust show``, ``status show``...) one that fails is one line naming the file
and its :class:`~anxinma.DocumentReason` (exit 2).  :class:`Held` is what
``verify`` and ``scan`` hold besides the code (:func:`load_held`: a trust list
that fails stops them, a status list or directory that fails is reported and
left out), or the bundled DEMO documents (:func:`demo_held`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..directory import MAX_DIRECTORY_BYTES, Directory
from ..document import DocumentError, DocumentReason
from ..errors import UsageError
from ..keys import raw_public_key
from ..state import VerifierState
from ..status import MAX_TOKEN_BYTES, StatusListToken
from ..trust import MAX_TRUST_LIST_BYTES, TrustedIssuer, TrustList
from ..verify import Keyring, Policy, Verification, verify
from ..views import DocumentOutcome
from .common import CliError
from .files import TooLargeError, parse_public_key, read_bytes, read_public_key
from .statefile import read_state, remember

__all__ = [
    "DIRECTORY_OPTION",
    "ROOT_OPTION",
    "GivenDocument",
    "Held",
    "Sources",
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
    return [read_public_key(p, option="--root") for p in paths]


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
class GivenDocument:
    """One signed document the verifier was given and what became of it (spec §14.2 ``documents``):
    the library's :class:`~anxinma.DocumentOutcome`, and why it was refused, in words."""

    outcome: DocumentOutcome
    detail: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Held:
    """What a verifier holds besides the code: trust (list or bare keys), status lists, directory;
    every document it was given, loaded or refused (``documents``); the state file it checked
    them against (``state``, ``None`` without ``--state``) and ``--trust-min-sequence``."""

    trust: TrustList | Keyring
    status: tuple[StatusListToken, ...] = ()
    directory: Directory | None = None
    documents: tuple[GivenDocument, ...] = ()
    state: Path | None = None
    min_sequence: int | None = None

    def refused(self, kind: str) -> tuple[GivenDocument, ...]:
        """The documents of ``kind`` (``status_list``, ``directory``) that failed to load."""
        return tuple(d for d in self.documents if d.outcome.kind == kind and not d.outcome.loaded)

    @property
    def outcomes(self) -> tuple[DocumentOutcome, ...]:
        return tuple(d.outcome for d in self.documents)

    def verify(
        self, text: str, *, now: dt.datetime, policy: Policy, id_number: str | None = None
    ) -> Verification:
        """:func:`anxinma.verify` with what is held: trust, status lists, directory."""
        return verify(
            text,
            self.trust,
            now=now,
            status=self.status,
            directory=self.directory,
            id_number=id_number,
            policy=policy,
        )


def _keyring(files: Iterable[tuple[str, bytes]]) -> Keyring:
    """A keyring of the PEM public keys in ``files`` (path, bytes); the same key twice counts once."""
    unique = {
        raw_public_key(key): key
        for key in (parse_public_key(data, path, option="--trust") for path, data in files)
    }
    return Keyring(unique.values())


def _trust_option(
    paths: Sequence[str],
    roots: Sequence[Ed25519PublicKey],
    *,
    now: dt.datetime,
    min_sequence: int | None,
    state: VerifierState | None,
) -> tuple[TrustList | Keyring, str | None]:
    """``--trust``: one signed trust list (and its file), or one or more PEM public keys (a keyring)."""
    files = [(p, read_bytes(p, limit=MAX_TRUST_LIST_BYTES, what="trust list or public key")) for p in paths]
    lists = [(p, data) for p, data in files if _is_document(p, data)]
    if not lists:
        if min_sequence is not None:
            raise CliError("--trust-min-sequence", "needs a trust list (--trust TRUST.cwt)")
        return _keyring(files), None
    if len(files) > 1:
        raise CliError("--trust", "give one trust list (TRUST.cwt), or one or more public keys, not both")
    path, data = lists[0]
    if not roots:
        raise CliError("--root", "is required with a trust list: the pinned root public key (ROOT.pub.pem)")
    load = functools.partial(
        TrustList.load, data, roots, now=now, min_sequence=min_sequence or 0, state=state
    )
    return load_document(path, load), path


@dataclasses.dataclass(frozen=True, slots=True)
class Sources:
    """What the command line names for the verifier to hold (``--trust``, ``--root``,
    ``--status``, ``--directory``, ``--trust-min-sequence``, ``--state``)."""

    trust: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    directory: str | None = None
    min_sequence: int | None = None
    state: Path | None = None

    def given(self) -> dict[str, object]:
        """The options given, by name (for those that cannot be combined with another)."""
        named = {
            "--trust": self.trust,
            "--root": self.roots,
            "--status": self.status,
            "--directory": self.directory,
            "--trust-min-sequence": self.min_sequence,
            "--state": self.state,
        }
        return {option: value for option, value in named.items() if value not in (None, ())}


def _attempt(
    path: str, kind: str, *, limit: int, what: str, load: Callable[[bytes], _T]
) -> tuple[_T | None, GivenDocument]:
    """Read and ``load`` a status list or directory: the document, or ``None`` and why it was refused.

    A file over the document's size cap is refused ``too_large`` (spec §15.6)
    like any other bad document; a path that cannot be read at all is the
    operator's mistake and stops the command (exit 2).
    """
    try:
        document = load(read_bytes(path, limit=limit, what=what))
    except TooLargeError as exc:
        size = "more than" if exc.size is None else f"{exc.size} bytes;"
        error = DocumentError(DocumentReason.TOO_LARGE, f"{size} the limit is {exc.limit} bytes")
        return None, GivenDocument(DocumentOutcome(path, kind, error.reason), str(error))
    except DocumentError as exc:
        return None, GivenDocument(DocumentOutcome(path, kind, exc.reason), str(exc))
    return document, GivenDocument(DocumentOutcome(path, kind))


def load_held(sources: Sources, *, now: dt.datetime) -> Held:
    """Load what ``verify`` or ``scan`` was given, against the state file if any (spec §15.7).

    A trust list that fails to load stops here (exit 2): nothing can be judged
    without it.  A status list or directory that fails to load is kept as a
    refused :class:`GivenDocument` and the code is judged without it (spec §10).
    Every document that loaded is then remembered in the state file.
    """
    if not sources.trust:
        raise CliError("--trust", "is required: a trust list (with --root) or an issuer public key")
    state = None if sources.state is None else read_state(sources.state)
    roots = read_roots(sources.roots)
    trust, trust_path = _trust_option(
        sources.trust, roots, now=now, min_sequence=sources.min_sequence, state=state
    )
    if not isinstance(trust, TrustList):
        _bare_keys_only(sources, roots)
    given = [] if trust_path is None else [GivenDocument(DocumentOutcome(trust_path, "trust_list"))]
    tokens: list[StatusListToken] = []
    for path in sources.status:
        assert isinstance(trust, TrustList)
        load = functools.partial(StatusListToken.load, trust=trust, now=now, state=state)
        token, outcome = _attempt(path, "status_list", limit=MAX_TOKEN_BYTES, what="status list", load=load)
        tokens += [] if token is None else [token]
        given.append(outcome)
    directory = None
    if sources.directory is not None:
        directory, outcome = _directory(sources.directory, roots, now=now, state=state)
        given.append(outcome)
    if sources.state is not None:
        loaded = [
            d for d in (trust, *tokens, directory) if isinstance(d, (TrustList, StatusListToken, Directory))
        ]
        remember(sources.state, loaded)
    return Held(trust, tuple(tokens), directory, tuple(given), sources.state, sources.min_sequence)


def _bare_keys_only(sources: Sources, roots: Sequence[Ed25519PublicKey]) -> None:
    """With bare keys (no trust list): no status lists, no state, --root only for a directory."""
    if roots and sources.directory is None:
        raise CliError("--root", "is used only with a trust list (--trust TRUST.cwt) or --directory")
    if sources.status:
        raise CliError("--status", "needs a trust list: --trust TRUST.cwt --root ROOT.pub.pem")


def _directory(
    path: str, roots: Sequence[Ed25519PublicKey], *, now: dt.datetime, state: VerifierState | None
) -> tuple[Directory | None, GivenDocument]:
    if not roots:
        raise CliError("--root", "is required with a directory: the pinned root public key (ROOT.pub.pem)")
    load = functools.partial(Directory.load, roots=roots, now=now, state=state)
    return _attempt(path, "directory", limit=MAX_DIRECTORY_BYTES, what="directory", load=load)


def demo_held(now: dt.datetime) -> Held:
    """The bundled DEMO root, trust list, status list 0 and directory, loaded as a verifier would."""
    from .. import _demo  # noqa: PLC0415  (--demo only: cold start of verify)

    roots = [_demo.root_public_key()]
    trust = load_document(_demo.TRUST_FILE, lambda: TrustList.load(_demo.trust_document(), roots, now=now))
    token = load_document(
        _demo.STATUS_FILE, lambda: StatusListToken.load(_demo.status_document(), trust, now=now)
    )
    directory = load_document(
        _demo.DIRECTORY_FILE, lambda: Directory.load(_demo.directory_document(), roots, now=now)
    )
    kinds = (
        (_demo.TRUST_FILE, "trust_list"),
        (_demo.STATUS_FILE, "status_list"),
        (_demo.DIRECTORY_FILE, "directory"),
    )
    given = tuple(GivenDocument(DocumentOutcome(file, kind)) for file, kind in kinds)
    return Held(trust, (token,), directory, given)


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


def held_for(demo: bool, sources: Sources, *, now: dt.datetime, policy: Policy) -> tuple[Held, Policy]:
    """What the verifier holds, and the policy, for ``verify`` and ``scan``: the documents given, or
    with ``--demo`` the bundled DEMO ones (whose status list counts as fresh until it expires)."""
    if not demo:
        if not sources.trust:
            raise CliError("--trust", "is required (or --demo for the bundled DEMO documents)")
        return load_held(sources, now=now), policy
    clash = next(iter(sources.given()), None)
    if clash is not None:
        raise CliError(clash, "cannot be combined with --demo (which uses the bundled DEMO documents)")
    held = demo_held(now)
    token = held.status[0]
    return held, dataclasses.replace(policy, max_status_age=token.expires_at - token.issued_at)
