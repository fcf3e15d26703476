"""Files in and out: size-capped reads, worker records, codes, keys, atomic writes, the issuer database.

Every failure is a :class:`~anxinma.cli.common.CliError` naming the file (and
the byte, line or field at fault).  Files are written atomically: a new key
never replaces an existing file (:func:`write_new`); a document replaces its
previous version in one rename (:func:`replace_file`).

The rules (issue 9 item 13, issue 10 item 10):

- An input file is opened without blocking (``O_NONBLOCK``) and checked with
  ``fstat`` before a byte is read: only a regular file is read, and no more
  than its cap, so a FIFO, a device or a folder given as a key or a record is
  one line, never a hang.  A file named on the command line may be a symbolic
  link (the operator chose it: e.g. a mounted secret); files the tool creates
  or finds by itself (the issuer database ``status new`` creates, the batch
  lock, photos named in a CSV) never follow one.
- A file that cannot be written is exit 1 naming the file itself (never the
  temporary file it was being written through); an output that must be new and
  exists already is a usage error, exit 2.
- A replaced file keeps the permission bits of the file it replaces, read with
  ``lstat`` and masked to ``0o777`` (never a setuid bit, never a symlink
  target's mode).
- Text files are UTF-8 (a byte order mark is allowed) or UTF-16 with a byte
  order mark unless an encoding is given (:func:`decode_text`,
  :data:`ENCODING_OPTION`); a file in another encoding is refused once, up
  front, saying what it looks like and what to do.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .._files import replace_atomically
from ..errors import KeyFormatError
from ..keys import load_private_key, load_public_key
from ..safetext import shown
from .common import EXIT_RED, CliError

if TYPE_CHECKING:
    from ..model import Worker
    from ..visitdb import VisitDB

__all__ = [
    "ENCODINGS",
    "ENCODING_OPTION",
    "MAX_CODE_BYTES",
    "MAX_KEY_BYTES",
    "MAX_RECORD_BYTES",
    "check_db",
    "decode_text",
    "json_bytes",
    "kept_mode",
    "load_json",
    "make_dir",
    "not_same_file",
    "open_db",
    "open_regular",
    "parse_public_key",
    "read_bytes",
    "read_code",
    "read_passphrase",
    "read_private_key",
    "read_public_key",
    "read_record",
    "read_text",
    "replace_file",
    "utf8_bytes",
    "utf8_text",
    "write_failure",
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


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def open_regular(path: str, *, follow: bool = True) -> tuple[int, os.stat_result]:
    """A read-only descriptor of the regular file ``path`` and its ``fstat``.

    Opened with ``O_NONBLOCK`` (a FIFO never blocks the open) and, unless
    ``follow``, ``O_NOFOLLOW``; anything but a regular file is refused before a
    byte is read.  Raises :class:`CliError` naming ``path``.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise CliError(path, "is a symbolic link; give the file itself") from None
        raise CliError(path, exc.strerror or str(exc)) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise CliError(path, f"{_kind(info.st_mode)}, not a regular file")
    return fd, info


class TooLargeError(CliError):
    """A file over its size cap (:func:`read_bytes`): ``size`` is its length, if known."""

    def __init__(self, path: str, *, limit: int, what: str, size: int | None = None) -> None:
        super().__init__(path, f"larger than {limit} bytes; not a {what}")
        self.limit = limit
        self.size = size


def _read_capped(path: str, *, limit: int, what: str) -> bytes:
    fd, info = open_regular(path)
    with os.fdopen(fd, "rb") as f:
        if info.st_size > limit:
            raise TooLargeError(path, limit=limit, what=what, size=info.st_size)
        try:
            return f.read(limit + 1)
        except OSError as exc:
            raise CliError(path, exc.strerror or str(exc)) from None


def read_bytes(path: str, *, limit: int, what: str) -> bytes:
    """The bytes of file ``path`` (``-``: standard input), at most ``limit``.

    Raises :class:`TooLargeError` for a longer file, :class:`CliError` for one that
    cannot be read.
    """
    data = _stdin_bytes(limit + 1) if path == "-" else _read_capped(path, limit=limit, what=what)
    if len(data) > limit:
        raise TooLargeError(path, limit=limit, what=what)
    return data


#: The encodings text inputs accept (``--encoding``); GBK files are read as GB 18030, its superset.
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk")
_CODECS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "gb18030": "gb18030", "gbk": "gb18030"}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

ENCODING_OPTION = click.option(
    "--encoding",
    type=click.Choice(ENCODINGS, case_sensitive=False),
    default="utf-8",
    show_default=True,
    help="The input's text encoding. UTF-8 may start with a byte order mark (UTF-16 with a byte order "
    "mark is recognised too); gb18030 reads what Excel on Chinese Windows saves as CSV (GBK is read as "
    "its superset GB 18030), used only when given.",
)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _looks_like(data: bytes, *, option: bool) -> str:
    """What a file that is not UTF-8 probably is, and what to do about it."""
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return "give its encoding with --encoding, or save it as UTF-8" if option else "save it as UTF-8"
    gbk = "it looks like GBK/GB 18030 (what Excel and Notepad on Chinese Windows save)"
    if option:
        return f"{gbk}: give --encoding gb18030, or save it as UTF-8 ('CSV UTF-8' in Excel)"
    return f"{gbk}: save it as UTF-8"


def decode_text(data: bytes, path: str, *, encoding: str = "utf-8", option: bool = False) -> str:
    """``data`` as text in ``encoding`` (one of :data:`ENCODINGS`), without a byte order mark.

    What is recognised without asking: UTF-8, with or without a byte order mark, and
    UTF-16 with its byte order mark (what Excel's "Unicode text" saves; unmistakable).
    Anything else is refused once, naming the first bad byte and its line, and (for
    UTF-8) what the file looks like instead and what to do (``option``: the command has
    :data:`ENCODING_OPTION`): GB 18030 is never guessed, because it decodes almost any
    bytes, so a file in some third encoding would be read as nonsense without a word.
    This is the one reader of text files shared by every command (CSV, TSV, JSON, rosters).
    """
    codec = _CODECS.get(encoding.lower())
    if codec is None:
        raise CliError("--encoding", f"{encoding!r} is not one of {', '.join(ENCODINGS)}")
    if codec == "utf-8" and data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            why = f"starts with a UTF-16 byte order mark but is not UTF-16 text ({exc.reason})"
            raise CliError(f"{path} byte {exc.start}", why) from None
    try:
        text = codecs.decode(data, codec)
    except UnicodeDecodeError as exc:
        where = f"{path} byte {exc.start} (line {_line_of(data, exc.start)})"
        if codec == "utf-8":
            raise CliError(where, f"not UTF-8 ({exc.reason}); {_looks_like(data, option=option)}") from None
        raise CliError(where, f"not {encoding} text ({exc.reason})") from None
    return text.removeprefix("\ufeff")


def utf8_bytes(data: bytes, path: str, *, encoding: str = "utf-8", option: bool = True) -> bytes:
    """``data`` as UTF-8 bytes, read by the rule of :func:`decode_text` (a file in another encoding
    is refused once, up front): UTF-8 input comes back as it is (byte for byte: a batch id, the
    SHA-256 of the bytes, stays the same); UTF-16 with a byte order mark, or a file in the
    ``encoding`` given, comes back transcoded to UTF-8."""
    text = decode_text(data, path, encoding=encoding, option=option)
    if _CODECS[encoding.lower()] == "utf-8" and not data.startswith(_UTF16_BOMS):
        return data
    return text.encode("utf-8")


def read_text(path: str, *, limit: int, what: str, encoding: str = "utf-8", option: bool = True) -> str:
    """The text of file ``path`` (``-``: standard input): :func:`read_bytes` + :func:`decode_text`
    (``option``: the command offers ``--encoding``)."""
    data = read_bytes(path, limit=limit, what=what)
    return decode_text(data, path, encoding=encoding, option=option)


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
    """``data`` as UTF-8 text (a byte order mark is dropped); a byte that is not UTF-8 is named."""
    return decode_text(data, path)


def load_json(data: bytes, path: str) -> Any:
    """Parse strict JSON (UTF-8, no duplicate keys, no NaN); name the byte or line at fault.

    A UTF-8 byte order mark (what Windows Notepad writes) is accepted and dropped.
    """
    text = utf8_text(data, path)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise CliError(path, "not valid JSON: nested too deeply") from None


def read_record(path: str) -> Worker:
    """The worker record in JSON file ``path`` (spec §4); a bad one raises, naming the field."""
    from ..record import parse_worker  # noqa: PLC0415  (issuing commands only: cold start of verify)

    return parse_worker(load_json(read_bytes(path, limit=MAX_RECORD_BYTES, what="worker record"), path))


#: ASCII white space around a pasted code (spec §9.1: U+0009-000D and U+0020), removed from both ends.
_ASCII_SPACE = "\t\n\v\f\r "


def read_code(code: str) -> str:
    """The code text: the argument, or for ``-`` standard input, without the ASCII white space
    around it (a pasted code's trailing newline or leading space), the same way for both; text of
    more than one line (two codes) is refused, saying so (a usage error)."""
    where = "standard input" if code == "-" else "CODE"
    if code == "-":
        code = _stdin_bytes(MAX_CODE_BYTES).decode("utf-8", errors="replace")
    code = code.strip(_ASCII_SPACE)
    lines = len(code.splitlines())
    if lines > 1:
        raise CliError(where, f"holds {lines} lines; give one code (for several, one run per line)")
    return code


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


def read_private_key(path: str, passphrase_env: str | None, *, option: str = "--key") -> Ed25519PrivateKey:
    """Load a private key file, refusing a public key and one that group or others may access."""
    fd, info = open_regular(path)
    with os.fdopen(fd, "rb") as f:
        try:
            pem = f.read(MAX_KEY_BYTES + 1)
        except OSError as exc:
            raise CliError(path, exc.strerror or str(exc)) from None
    if b"PUBLIC KEY-----" in pem and b"PRIVATE KEY-----" not in pem:
        raise CliError(
            path,
            f"this is a public key; {option} needs the private key (keygen wrote it as NAME.key.pem "
            "beside NAME.pub.pem)",
        )
    if len(pem) > MAX_KEY_BYTES:
        raise CliError(path, f"larger than {MAX_KEY_BYTES} bytes; not a private key")
    if b"-----BEGIN " not in pem or b"PRIVATE KEY-----" not in pem:  # before the mode: it is no key at all
        raise CliError(path, f"not a PEM private key; {option} needs the private key (keygen's NAME.key.pem)")
    mode = info.st_mode
    if os.name == "posix" and mode & 0o077:
        raise CliError(
            path,
            f"private key is accessible by group or others (mode {stat.S_IMODE(mode):04o}); "
            f"run: chmod 600 {path}",
        )
    password = read_passphrase(passphrase_env)
    if password is None and b"ENCRYPTED" in pem:
        raise CliError(path, "the private key is encrypted; give --passphrase-env VAR")
    try:
        return load_private_key(pem, password=password)
    except KeyFormatError as exc:
        raise CliError(path, str(exc)) from None


#: What the public-key options take besides a public key.
_PUBLIC_TAKES = {"--trust": "the public key (NAME.pub.pem) or a signed trust list (.cwt)"}


def parse_public_key(data: bytes, path: str, *, option: str = "") -> Ed25519PublicKey:
    """The PEM public key in ``data``; a private key given instead is named as one (``option``
    names what was given it)."""
    if b"PRIVATE KEY-----" in data:
        takes = _PUBLIC_TAKES.get(option, "the public key (NAME.pub.pem, beside NAME.key.pem)")
        raise CliError(
            path,
            f"this is a PRIVATE key (keep it secret: a verifier never needs it); {option or 'this'} "
            f"takes {takes}",
        )
    try:
        return load_public_key(data)
    except KeyFormatError as exc:
        raise CliError(path, str(exc)) from None


def read_public_key(path: str, *, option: str = "") -> Ed25519PublicKey:
    return parse_public_key(read_bytes(path, limit=MAX_KEY_BYTES, what="public key"), path, option=option)


def write_failure(path: Path | str, exc: OSError) -> CliError:
    """The one-line failure to write ``path`` (exit 1), naming ``path``, never a temporary file."""
    return CliError(str(path), f"cannot write: {exc.strerror or exc}", code=EXIT_RED)


def write_new(path: Path, data: bytes, *, mode: int) -> None:
    """Create ``path`` holding ``data`` with permissions ``mode``; never replace a file.

    The bytes go to a temporary file in the same directory (created with
    O_CREAT|O_EXCL and mode 0600 by :func:`tempfile.mkstemp`), which is then
    hard-linked to ``path``: the link fails if ``path`` exists, and readers never
    see a half-written file.  Where hard links are unsupported, ``path`` is
    created directly with O_CREAT|O_EXCL.  A failure names ``path`` (exit 1);
    an existing ``path`` is a usage error (exit 2).
    """
    import tempfile  # noqa: PLC0415  (writing commands only: cold start of verify)

    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise write_failure(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _link_new(tmp, path, data, mode=mode)
    except OSError as exc:
        raise write_failure(path, exc) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _link_new(tmp: str, path: Path, data: bytes, *, mode: int) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise CliError(str(path), "already exists; refusing to overwrite it") from None
    except OSError:  # no hard links here: fall back to an exclusive create
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
        except FileExistsError:
            raise CliError(str(path), "already exists; refusing to overwrite it") from None
        with os.fdopen(fd, "wb") as f:
            f.write(data)


def make_dir(path: Path, *, mode: int = 0o777) -> None:
    """Create folder ``path`` and its parents (``mode`` before the umask); a failure is exit 1."""
    try:
        path.mkdir(mode=mode, parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failure(path, exc) from None
    if not path.is_dir():
        raise CliError(str(path), "is not a folder", code=EXIT_RED)


def kept_mode(path: Path, default: int) -> int:
    """The permission bits a replacement of ``path`` gets: those of the regular file there now
    (``lstat``, masked to ``0o777``: no setuid/setgid/sticky bit), else ``default``."""
    try:
        info = os.lstat(path)
    except OSError:
        return default
    return stat.S_IMODE(info.st_mode) & 0o777 if stat.S_ISREG(info.st_mode) else default


def replace_file(path: Path, data: bytes, *, mode: int = 0o644, keep: bool = True) -> None:
    """Write ``path`` atomically, replacing any previous version (``keep``: keeping its permission
    bits, see :func:`kept_mode`; else, and for a new file, ``mode``); a failure to write is one
    line naming ``path``, exit 1 (see :func:`anxinma._files.replace_atomically`)."""
    try:
        replace_atomically(path, data, mode=kept_mode(path, mode) if keep else mode)
    except OSError as exc:
        raise write_failure(path, exc) from None


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def not_same_file(out: Path, source: str, option: str) -> None:
    if out.exists() and Path(source).exists() and out.resolve() == Path(source).resolve():
        raise CliError(option, f"{out} is the input file; give another output file")


_NO_DB = "no such issuer database (create one with 'anxinma status new')"
#: The first 16 bytes of every SQLite 3 database file.
_SQLITE_HEADER = b"SQLite format 3\x00"


def _db_header(path: str) -> bytes | None:
    """The first bytes of the database file ``path`` (``b""``: an empty file), or None where there
    is no file; anything but a regular file is refused (``--db``, exit 2), nothing is written."""
    try:
        fd, _ = open_regular(path)
    except CliError as exc:
        if not os.path.lexists(path):
            raise CliError("--db", f"{path}: {_NO_DB}") from None
        if os.path.isdir(path):
            raise CliError("--db", f"{path} is a folder, not an issuer database file") from None
        raise CliError("--db", f"{path}: {exc.message}") from None
    with os.fdopen(fd, "rb") as f:
        try:
            return f.read(len(_SQLITE_HEADER))
        except OSError as exc:
            raise CliError("--db", f"{path}: {exc.strerror or exc}") from None


def check_db(path: str) -> None:
    """Refuse (``--db``, exit 2, nothing written) a path that is not an existing anxinma issuer
    database: missing, a folder, empty, not SQLite, or an SQLite database of something else
    (no ``meta`` table with a schema version).  Read before anything opens it for writing."""
    import sqlite3  # noqa: PLC0415  (database commands only: cold start of verify)

    header = _db_header(path)
    if not header:
        raise CliError(
            "--db", f"{path}: an empty file, not an issuer database (create one with 'anxinma status new')"
        )
    if header != _SQLITE_HEADER:
        raise CliError("--db", f"{path}: not an issuer database (not an SQLite file)")
    try:
        with contextlib.closing(sqlite3.connect(path)) as db:
            known = (
                db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
                and db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            )
    except sqlite3.Error as exc:
        raise CliError("--db", f"{path}: not an issuer database ({exc})") from None
    if not known:
        raise CliError("--db", f"{path}: an SQLite database, but not an anxinma issuer database")


def _create_private(path: Path) -> None:
    """Create an empty file only its owner may read (the database holds names and card numbers);
    a symbolic link there is refused, never followed; an existing empty file (``touch``) is made
    0600 and used; an existing file must be an issuer database (:func:`check_db`)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:  # e.g. a path under a file: it cannot be created
        raise write_failure(path, exc) from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise CliError("--db", f"{path} is a symbolic link; give the database file itself")
        if stat.S_ISREG(info.st_mode) and info.st_size == 0:
            try:
                os.chmod(path, 0o600)
            except OSError as exc:
                raise write_failure(path, exc) from None
            return
        check_db(str(path))
        return
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        os.close(os.open(path, flags, 0o600))
    except FileExistsError:
        raise CliError("--db", f"{path} appeared while it was being created; run the command again") from None
    except OSError as exc:
        raise write_failure(path, exc) from None


def open_db(path: str, *, create: bool = False) -> VisitDB:
    """The issuer database at ``path`` (with the roster, orders and visits of schema 3).

    Only ``status new`` may create one (``create``: mode 0600; an empty file there is used,
    made 0600); every other command refuses a path that is not an existing issuer database
    (:func:`check_db`) before opening it, so nothing is ever written into a file that is not one.
    """
    import sqlite3  # noqa: PLC0415  (database commands only: cold start of verify)

    from ..visitdb import VisitDB  # noqa: PLC0415

    target = Path(path)
    if create:
        _create_private(target)
    else:
        check_db(path)
    try:
        return VisitDB(target)
    except sqlite3.Error as exc:
        raise CliError(path, f"not an issuer database ({exc})") from None
