"""Atomic file writing for the I/O layers (CLI, batch); never imported by the verifier."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

__all__ = ["replace_atomically"]

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_SERIAL = itertools.count()


def replace_atomically(path: Path, data: bytes, *, mode: int | None = None, sync: bool = True) -> None:
    """Write ``path`` by renaming a complete temporary file (same directory) over it.

    Readers see the old file or the new one, never half of either; a symlink at
    ``path`` is replaced, not written through.  ``mode`` sets the permissions of
    the new file (else 0600); ``sync`` flushes it to disk before the rename.
    Raises :class:`OSError` naming ``path`` (never the temporary file, which is
    removed).

    The temporary file is ``.NAME.PID-N.tmp`` beside ``path``, created exclusively
    (never an existing file or a symlink), written with plain system calls: a batch
    writes tens of thousands of these.
    """
    folder, name = os.path.split(path)
    while True:
        tmp = os.path.join(folder, f".{name}.{os.getpid()}-{next(_SERIAL)}.tmp")
        try:
            fd = os.open(tmp, _CREATE, 0o600)
            break
        except FileExistsError:  # left by a killed process that had this pid: take the next name
            continue
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        try:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
