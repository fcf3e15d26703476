"""Files in and out: size-capped reads, worker records, codes, keys, atomic writes, the issuer database.

Every failure is a :class:`~anxinma.cli.common.CliError` naming the file (and
the byte, line or field at fault).  Files are written atomically: a new key
never replaces an existing file (:func:`write_new`); a document replaces its
previous version in one rename (:func:`replace_file`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .._files import replace_atomically
from ..errors import KeyFormatError
from ..keys import load_private_key, load_public_key
from ..model import Worker
from ..record import parse_worker
from ..safetext import shown
from ..visitdb import VisitDB
from .common import EXIT_RED, CliError

__all__ = [
    "MAX_CODE_BYTES",
    "MAX_KEY_BYTES",
    "MAX_RECORD_BYTES",
    "json_bytes",
    "load_json",
    "make_dir",
    "not_same_file",
    "open_db",
    "parse_public_key",
    "read_bytes",
    "read_code",
    "read_passphrase",
    "read_private_key",
    "read_public_key",
    "read_record",
    "replace_file",
    "utf8_text",
    "write_new",
]

MAX_RECORD_BYTES = 1 << 20
MAX_KEY_BYTES = 1 << 16
MAX_CODE_BYTES = 1 << 16


def _stdin_bytes(limit: int) -> bytes:
    stream = sys.stdin
    if stream is None:
        return b""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return stream.read(limit).encode("utf-8", errors="surrogateescape")
    data: bytes = buffer.read(limit)
    return data


def read_bytes(path: str, *, limit: int, what: str) -> bytes:
    """The bytes of file ``path`` (``-``: standard input), at most ``limit``."""
    if path == "-":
        data = _stdin_bytes(limit + 1)
    else:
        try:
            with open(path, "rb") as f:
                data = f.read(limit + 1)
        except OSError as exc:
            raise CliError(path, exc.strerror or str(exc)) from None
    if len(data) > limit:
        raise CliError(path, f"larger than {limit} bytes; not a {what}")
    return data


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise CliError(shown(key), "appears twice in one JSON object")
        seen[key] = value
    return seen


def _no_constant(name: str) -> NoReturn:
    raise CliError(name, "is not a JSON value (no NaN or Infinity)")


def utf8_text(data: bytes, path: str) -> str:
    """``data`` as text; a byte that is not UTF-8 is named."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"{path} byte {exc.start}", f"not UTF-8 ({exc.reason})") from None


def load_json(data: bytes, path: str) -> Any:
    """Parse strict JSON (UTF-8, no duplicate keys, no NaN); name the byte or line at fault."""
    text = utf8_text(data, path)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise CliError(path, "not valid JSON: nested too deeply") from None


def read_record(path: str) -> Worker:
    """The worker record in JSON file ``path`` (spec §4); a bad one raises, naming the field."""
    return parse_worker(load_json(read_bytes(path, limit=MAX_RECORD_BYTES, what="worker record"), path))


def read_code(code: str) -> str:
    """The code text: the argument exactly as given, or for ``-`` standard input
    without its final line ending (the library takes text exactly as given)."""
    if code != "-":
        return code
    text = _stdin_bytes(MAX_CODE_BYTES).decode("utf-8", errors="replace")
    return text.removesuffix("\n").removesuffix("\r")


def read_passphrase(env_var: str | None) -> bytes | None:
    """The passphrase held in environment variable ``env_var`` (never an argument)."""
    if env_var is None:
        return None
    value = os.environ.get(env_var)
    if value is None:
        raise CliError("--passphrase-env", f"environment variable {env_var} is not set")
    if not value:
        raise CliError("--passphrase-env", f"environment variable {env_var} is empty")
    return os.fsencode(value)


def read_private_key(path: str, passphrase_env: str | None) -> Ed25519PrivateKey:
    """Load a private key file, refusing one that group or others may access."""
    try:
        with open(path, "rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise CliError(path, "not a regular file")
            if os.name == "posix" and mode & 0o077:
                raise CliError(
                    path,
                    f"private key is accessible by group or others (mode {stat.S_IMODE(mode):04o}); "
                    f"run: chmod 600 {path}",
                )
            pem = f.read(MAX_KEY_BYTES)
    except OSError as exc:
        raise CliError(path, exc.strerror or str(exc)) from None
    password = read_passphrase(passphrase_env)
    if password is None and b"ENCRYPTED" in pem:
        raise CliError(path, "the private key is encrypted; give --passphrase-env VAR")
    try:
        return load_private_key(pem, password=password)
    except KeyFormatError as exc:
        raise CliError(path, str(exc)) from None


def parse_public_key(data: bytes, path: str) -> Ed25519PublicKey:
    try:
        return load_public_key(data)
    except KeyFormatError as exc:
        raise CliError(path, str(exc)) from None


def read_public_key(path: str) -> Ed25519PublicKey:
    return parse_public_key(read_bytes(path, limit=MAX_KEY_BYTES, what="public key"), path)


def write_new(path: Path, data: bytes, *, mode: int) -> None:
    """Create ``path`` holding ``data`` with permissions ``mode``; never replace a file.

    The bytes go to a temporary file in the same directory (created with
    O_CREAT|O_EXCL and mode 0600 by :func:`tempfile.mkstemp`), which is then
    hard-linked to ``path``: the link fails if ``path`` exists, and readers never
    see a half-written file.  Where hard links are unsupported, ``path`` is
    created directly with O_CREAT|O_EXCL.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _link_new(tmp, path, data, mode=mode)
    finally:
        os.unlink(tmp)


def _link_new(tmp: str, path: Path, data: bytes, *, mode: int) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise CliError(str(path), "already exists; refusing to overwrite it") from None
    except OSError:  # no hard links here: fall back to an exclusive create
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            raise CliError(str(path), "already exists; refusing to overwrite it") from None
        with os.fdopen(fd, "wb") as f:
            f.write(data)


def make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(str(path), exc.strerror or str(exc)) from None


def replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` atomically, replacing any previous version (keeping its permissions);
    a failure to write is one line, exit 1 (see :func:`anxinma._files.replace_atomically`)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else 0o644
        replace_atomically(path, data, mode=mode)
    except OSError as exc:
        raise CliError(str(path), exc.strerror or str(exc), code=EXIT_RED) from None


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def not_same_file(out: Path, source: str, option: str) -> None:
    if out.exists() and Path(source).exists() and out.resolve() == Path(source).resolve():
        raise CliError(option, f"{out} is the input file; give another output file")


def _create_private(path: Path) -> None:
    """Create an empty file only its owner may read (the database holds names and card numbers)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise CliError(str(path), exc.strerror or str(exc)) from None


def open_db(path: str, *, create: bool = False) -> VisitDB:
    """The issuer database at ``path`` (with the roster, orders and visits of schema 3);
    only ``status new`` may create one."""
    target = Path(path)
    if create:
        _create_private(target)
    elif not target.is_file():
        raise CliError("--db", f"{path}: no such issuer database (create one with 'anxinma status new')")
    try:
        return VisitDB(target)
    except sqlite3.Error as exc:
        raise CliError(path, f"not an issuer database ({exc})") from None
