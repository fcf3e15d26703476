"""``--state [FILE]``: what a verifier remembers between runs, so no document is rolled back (spec §15.7).

The file holds the JSON form of :class:`~anxinma.VerifierState`: the highest
trust-list and directory sequences and the newest ``iat`` of each status list
the verifier has loaded.  ``verify`` and ``scan`` load every document against
it (an older one is refused as ``rollback``) and then remember what loaded.

Decisions (issue 9 item 5):

- **Only when asked.**  ``--state FILE`` names the file; ``--state`` alone
  uses the default location for field devices, :func:`default_path`:
  ``$XDG_STATE_HOME/anxinma/verifier-state.json`` (``~/.local/state/...`` when
  ``XDG_STATE_HOME`` is unset or not absolute).  Without ``--state`` nothing is
  read or written: a state holds the sequences of one trust domain, and a
  machine that also tries other roots (a developer's, tests, demos,
  ``examples/revocation.sh``) would see their documents refused as rollback
  if every run wrote to one file behind its back.  A field device passes
  ``--state`` on every run; the human output says when rollback was not
  checked against a state.
- **Created on first use**, with its folder, holding what was loaded.
- **Never loses data.**  A file that exists but is not a verifier state is
  never overwritten: exit 2 naming it.  The state is written atomically (a
  complete temporary file renamed over it) under an exclusive lock
  (``FILE.lock``), and re-read under that lock, so two verifiers running at
  once never lose what the other remembered; the values only ever grow.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import click

from ..directory import Directory
from ..errors import UsageError
from ..state import VerifierState
from ..status import StatusListToken
from ..trust import TrustList
from .common import CliError
from .files import decode_text, make_dir, read_bytes, replace_file, write_failure

__all__ = ["MAX_STATE_BYTES", "STATE_OPTION", "default_path", "read_state", "remember", "state_path"]

#: Largest state file read (a state holds a few numbers per issuer).
MAX_STATE_BYTES = 1 << 22
#: What ``--state`` without a value stands for (no argument can hold a NUL).
_DEFAULT = "\0default"

STATE_OPTION = click.option(
    "--state",
    "state",
    is_flag=False,
    flag_value=_DEFAULT,
    default=None,
    metavar="[FILE]",
    help="Remember the newest trust list, directory and status lists loaded in FILE (created on first "
    "use, written atomically) and refuse older ones as rollback. --state alone: "
    "$XDG_STATE_HOME/anxinma/verifier-state.json (~/.local/state/anxinma/...), the place for a field "
    "device. Without --state nothing is remembered.",
)


def default_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The default state file: ``$XDG_STATE_HOME/anxinma/verifier-state.json`` (XDG Base Directory)."""
    base = environ.get("XDG_STATE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "anxinma" / "verifier-state.json"


def state_path(value: str | None) -> Path | None:
    """The state file ``--state`` names (``None``: no state)."""
    if value is None:
        return None
    if value == _DEFAULT:
        return default_path()
    if not value:
        raise CliError("--state", "give a file name, or --state alone for the default location")
    return Path(value)


def read_state(path: Path) -> VerifierState:
    """The state in ``path``; the empty state when there is no such file (first use)."""
    if not os.path.lexists(path):
        return VerifierState()
    data = read_bytes(str(path), limit=MAX_STATE_BYTES, what="verifier state")
    text = decode_text(data, str(path))  # a byte that is not UTF-8 is named, with its line
    try:
        return VerifierState.from_json(text)
    except UsageError as exc:
        raise CliError(
            str(path), f"{exc}; fix or move the file (anxinma never overwrites it) or give another --state"
        ) from None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:  # the state cannot be written where it is: name the state file, exit 1
        if exc.errno == errno.ELOOP:
            raise CliError(str(lock), "is a symbolic link; remove it (a lock is never followed)") from None
        raise write_failure(path, exc) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def remember(path: Path, documents: Iterable[TrustList | Directory | StatusListToken]) -> VerifierState:
    """Add ``documents`` (as loaded) to the state in ``path``, creating it on first use; the new state."""
    loaded = tuple(documents)
    make_dir(path.parent)
    with _locked(path):
        current = read_state(path)  # again, under the lock: another verifier may have written meanwhile
        new = current.remember(*loaded)
        if new != current or not os.path.lexists(path):
            replace_file(path, new.to_json())
    return new
