"""Atomic file writing for the I/O layers (CLI, batch); never imported by the verifier."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["replace_atomically"]


def replace_atomically(path: Path, data: bytes, *, mode: int | None = None, sync: bool = True) -> None:
    """Write ``path`` by renaming a complete temporary file (same directory) over it.

    Readers see the old file or the new one, never half of either; a symlink at
    ``path`` is replaced, not written through.  ``mode`` sets the permissions of
    the new file (else 0600); ``sync`` flushes it to disk before the rename.
    Raises :class:`OSError` naming ``path`` (never the temporary file, which is
    removed).
    """
    import tempfile  # noqa: PLC0415  (``anxinma verify`` without --state never writes: cold start)

    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
            f.write(data)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
