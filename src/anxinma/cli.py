"""The ``anxinma`` command line: keys, codes, trust lists, status lists and the directory.

Commands: ``keygen``, ``issue``, ``verify``, ``inspect``, ``render``, ``demo``,
and the groups ``trust`` (edit and sign a trust list, spec §15.2), ``status``
(the issuer's status lists: revoke, suspend, reinstate, publish, spec §15.3)
and ``directory`` (the root-signed enterprise directory, spec §15.4).

This is the one module of the package that reads the clock, files and the
environment; the library core gets time and keys passed in.  The exit status
says what happened (spec §10.2 for the colours):

- 0: done; for ``verify``, green
- 3: ``verify`` says yellow (authentic, but a health exam or insurance is
  missing or lapsed, or the status list held is stale)
- 1: ``verify`` says red (including text that is not a code at all), or a
  command failed at run time (a file could not be written)
- 2: a usage error or an invalid input file (a bad worker record, key or
  option, or a trust list, status list or directory that fails to load)

Every failure is one line on standard error, ``anxinma: error: <where>: <what>``,
naming the option, field, line/column, byte or document (with its
:class:`~anxinma.DocumentReason`) at fault; never a traceback, and a private
key is never printed.  Files are written atomically: a new key never replaces
an existing file; a trust list source, a signed document or a status list
replaces its previous version in one rename.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import re
import sqlite3
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import __version__, _demo, gbcodes
from ._files import replace_atomically
from .directory import MAX_DIRECTORY_BYTES, Directory, Enterprise
from .document import DocumentError
from .errors import AnxinmaError, CredentialTooLargeError, KeyFormatError, UsageError
from .idcheck import normalize_id_number
from .issue import DEFAULT_VALID_DAYS, MAX_VALID_DAYS, Issuer, credential_for
from .issuerdb import Issuance, IssuerDB
from .keys import (
    generate_private_key,
    kid_of,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
    raw_public_key,
)
from .model import CST, Credential, Service, StatusRef, Worker
from .qr import make_qr
from .record import credential_as_dict, parse_worker
from .registry import Claim
from .status import MAX_SIZE, MAX_TOKEN_BYTES, MIN_SIZE, Status, StatusList, StatusListToken
from .transport import to_text
from .trust import (
    MAX_TRUST_LIST_BYTES,
    IssuerKey,
    KeyState,
    TrustedIssuer,
    TrustList,
    trust_from_source,
    trust_source,
)
from .verify import (
    DEFAULT_POLICY,
    Color,
    Keyring,
    Policy,
    Reason,
    StatusCheck,
    StatusState,
    Unverified,
    Verification,
    decode_unverified,
    verify,
)

__all__ = ["EXIT_OK", "EXIT_RED", "EXIT_USAGE", "EXIT_YELLOW", "enterprises_from_tsv", "main"]

EXIT_OK = 0
EXIT_RED = 1
EXIT_USAGE = 2
EXIT_YELLOW = 3
_EXIT = {Color.GREEN: EXIT_OK, Color.YELLOW: EXIT_YELLOW, Color.RED: EXIT_RED}
_STYLE = {Color.GREEN: "green", Color.YELLOW: "yellow", Color.RED: "red"}
_HEADLINE = {
    Color.GREEN: "verified: all checks pass",
    Color.YELLOW: "authentic, with warnings",
    Color.RED: "DO NOT TRUST",
}
_MAX_RECORD_BYTES = 1 << 20
_MAX_KEY_BYTES = 1 << 16
_MAX_CODE_BYTES = 1 << 16
_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_DEMO_SVG = "anxinma-demo.svg"
_SVG_SCALE = 4
_PNG_SCALE = 8
_QUIET_ZONE = 4
#: Longest validity ``--valid-days`` accepts for a signed document (ten years; real lists live days).
_MAX_DOCUMENT_DAYS = 3660
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_T = TypeVar("_T")


class CliError(Exception):
    """A failure to report as one line, ``anxinma: error: <where>: <message>``."""

    def __init__(self, where: str, message: str, *, code: int = EXIT_USAGE) -> None:
        self.where = where
        self.message = message
        self.code = code
        super().__init__(f"{where}: {message}")


# -- output -----------------------------------------------------------------------


def _printable(text: str) -> str:
    """``text`` with every non-printable character escaped (no terminal control from input)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _say(line: str = "", *, fg: str | None = None, bold: bool = False, err: bool = False) -> None:
    safe = _printable(line)
    click.echo(click.style(safe, fg=fg, bold=bold) if fg or bold else safe, err=err)


def _report(where: str, message: str) -> None:
    _say(f"anxinma: error: {where}: {message}", err=True)


# -- the command group: one line per failure ----------------------------------------


class _Cli(click.Group):
    """A click group that turns every failure into one line on stderr and an exit status."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        code = self._run(args, prog_name or "anxinma", complete_var, windows_expand_args, extra)
        if not standalone_mode:
            return code
        sys.exit(code)

    def _run(
        self,
        args: Sequence[str] | None,
        prog_name: str,
        complete_var: str | None,
        windows_expand_args: bool,
        extra: dict[str, Any],
    ) -> int:
        try:
            rv = super().main(
                args, prog_name, complete_var, False, windows_expand_args=windows_expand_args, **extra
            )
        except click.ClickException as exc:
            _report(*_click_failure(exc))
            return exc.exit_code
        except click.Abort:
            _report("anxinma", "aborted")
            return EXIT_RED
        except Exception as exc:  # the one place that turns any failure into one line
            return _failure(exc)
        return rv if isinstance(rv, int) else EXIT_OK


def _failure(exc: Exception) -> int:
    """Report an exception that escaped a command; return the exit status."""
    if isinstance(exc, CliError):
        _report(exc.where, exc.message)
        return exc.code
    if isinstance(exc, AnxinmaError):
        where, _, message = str(exc).partition(": ")
        if not message:
            where, message = exc.code, where
        _report(where, message)
        return EXIT_USAGE
    if isinstance(exc, OSError):
        _report(str(exc.filename or "I/O"), exc.strerror or str(exc))
        return EXIT_RED
    if isinstance(exc, sqlite3.Error):
        _report("issuer database", str(exc))
        return EXIT_RED
    _report("internal error", f"{type(exc).__name__}: {exc} (please report this)")
    return EXIT_RED


def _click_failure(exc: click.ClickException) -> tuple[str, str]:
    hint = f" (see '{exc.ctx.command_path} --help')" if isinstance(exc, click.UsageError) and exc.ctx else ""
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        what = "is required" if isinstance(exc, click.MissingParameter) else exc.message
        return _param_label(exc.param), what + hint
    message = exc.format_message()
    return "usage", message[:1].lower() + message[1:] + hint


def _param_label(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


# -- input ------------------------------------------------------------------------


def _clock() -> dt.datetime:
    """The current time: the CLI is where the clock is read."""
    return dt.datetime.now(dt.UTC)


def _parse_time(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    """``--now``, ``--at``...: an ISO 8601 date and time WITH a UTC offset; one without is refused."""
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date and time", ctx, param) from None
    if moment.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} has no UTC offset; give one, e.g. 2027-10-01T09:00:00+08:00 or ...Z", ctx, param
        )
    return moment


def _at(now: dt.datetime | None) -> dt.datetime:
    """``--now`` or the clock, to the second, in China Standard Time (for documents and key windows)."""
    return (now or _clock()).astimezone(CST).replace(microsecond=0)


def _parse_kid(ctx: click.Context, param: click.Parameter, value: str | None) -> bytes | None:
    """``--kid``: a key id, 16 hex digits as ``anxinma keygen`` prints it."""
    if value is None:
        return None
    if not re.fullmatch(r"[0-9A-Fa-f]{16}", value):
        raise click.BadParameter(f"{value!r} is not a key id (16 hex digits, as keygen prints)", ctx, param)
    return bytes.fromhex(value)


_NOW_HELP = (
    "The time to use instead of the clock, ISO 8601 with a UTC offset, e.g. "
    "2027-10-01T09:00:00+08:00 (China Standard Time) or 2027-10-01T01:00:00Z. "
    "A time without an offset is refused (exit 2), never guessed. [default: now]"
)


def _stdin_bytes(limit: int) -> bytes:
    stream = sys.stdin
    if stream is None:
        return b""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return stream.read(limit).encode("utf-8", errors="surrogateescape")
    data: bytes = buffer.read(limit)
    return data


def _read_bytes(path: str, *, limit: int, what: str) -> bytes:
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
            raise CliError(key, "appears twice in one JSON object")
        seen[key] = value
    return seen


def _no_constant(name: str) -> NoReturn:
    raise CliError(name, "is not a JSON value (no NaN or Infinity)")


def _utf8(data: bytes, path: str) -> str:
    """``data`` as text; a byte that is not UTF-8 is named."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"{path} byte {exc.start}", f"not UTF-8 ({exc.reason})") from None


def _load_json(data: bytes, path: str) -> Any:
    """Parse strict JSON (UTF-8, no duplicate keys, no NaN); name the byte or line at fault."""
    text = _utf8(data, path)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise CliError(path, "not valid JSON: nested too deeply") from None


def _read_record(path: str) -> Worker:
    """The worker record in JSON file ``path`` (spec §4); a bad one raises, naming the field."""
    return parse_worker(_load_json(_read_bytes(path, limit=_MAX_RECORD_BYTES, what="worker record"), path))


def _read_code(code: str) -> str:
    """The code text: the argument exactly as given, or for ``-`` standard input
    without its final line ending (the library takes text exactly as given)."""
    if code != "-":
        return code
    text = _stdin_bytes(_MAX_CODE_BYTES).decode("utf-8", errors="replace")
    return text.removesuffix("\n").removesuffix("\r")


def _passphrase(env_var: str | None) -> bytes | None:
    """The passphrase held in environment variable ``env_var`` (never an argument)."""
    if env_var is None:
        return None
    value = os.environ.get(env_var)
    if value is None:
        raise CliError("--passphrase-env", f"environment variable {env_var} is not set")
    if not value:
        raise CliError("--passphrase-env", f"environment variable {env_var} is empty")
    return os.fsencode(value)


def _read_private_key(path: str, passphrase_env: str | None) -> Ed25519PrivateKey:
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
            pem = f.read(_MAX_KEY_BYTES)
    except OSError as exc:
        raise CliError(path, exc.strerror or str(exc)) from None
    password = _passphrase(passphrase_env)
    if password is None and b"ENCRYPTED" in pem:
        raise CliError(path, "the private key is encrypted; give --passphrase-env VAR")
    try:
        return load_private_key(pem, password=password)
    except KeyFormatError as exc:
        raise CliError(path, str(exc)) from None


def _public_key(data: bytes, path: str) -> Ed25519PublicKey:
    try:
        return load_public_key(data)
    except KeyFormatError as exc:
        raise CliError(path, str(exc)) from None


def _read_public_key(path: str) -> Ed25519PublicKey:
    return _public_key(_read_bytes(path, limit=_MAX_KEY_BYTES, what="public key"), path)


def _keyring(files: Iterable[tuple[str, bytes]]) -> Keyring:
    """A keyring of the PEM public keys in ``files`` (path, bytes); the same key twice counts once."""
    unique = {raw_public_key(key): key for key in (_public_key(data, path) for path, data in files)}
    return Keyring(unique.values())


def _decode_or_fail(text: str) -> Unverified:
    """:func:`decode_unverified`, or one line and exit 1 when the text is not a code."""
    try:
        return decode_unverified(text)
    except AnxinmaError as exc:
        raise CliError("code", str(exc), code=EXIT_RED) from None


# -- writing new files ------------------------------------------------------------


def _write_new(path: Path, data: bytes, *, mode: int) -> None:
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


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(str(path), exc.strerror or str(exc)) from None


def _replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` atomically, replacing any previous version (keeping its permissions);
    a failure to write is one line, exit 1 (see :func:`anxinma._files.replace_atomically`)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else 0o644
        replace_atomically(path, data, mode=mode)
    except OSError as exc:
        raise CliError(str(path), exc.strerror or str(exc), code=EXIT_RED) from None


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _not_same_file(out: Path, source: str, option: str) -> None:
    if out.exists() and Path(source).exists() and out.resolve() == Path(source).resolve():
        raise CliError(option, f"{out} is the input file; give another output file")


# -- signed documents: trust lists, status lists, the directory (spec §15) -----------------


def _document(path: str, load: Callable[[], _T]) -> _T:
    """``load()``, or one line naming the document and the reason it was refused (exit 2)."""
    try:
        return load()
    except DocumentError as exc:
        raise CliError(path, str(exc)) from None


def _is_document(path: str, data: bytes) -> bool:
    """Whether ``--trust`` names a signed document (an untagged COSE_Sign1, a CBOR array of 4,
    or a ``.cwt`` file) rather than a PEM public key."""
    return data[:1] == b"\x84" or path.lower().endswith(".cwt")


def _is_json(data: bytes) -> bool:
    return data.lstrip()[:1] == b"{"


def _roots(paths: Iterable[str]) -> list[Ed25519PublicKey]:
    return [_read_public_key(p) for p in paths]


def _load_trust(
    path: str, data: bytes, roots: Sequence[Ed25519PublicKey], *, now: dt.datetime, min_sequence: int = 0
) -> TrustList:
    """A signed trust list, checked against the pinned root keys (spec §15.2, §15.5)."""
    if not roots:
        raise CliError("--root", "is required with a trust list: the pinned root public key (ROOT.pub.pem)")
    return _document(path, lambda: TrustList.load(data, roots, now=now, min_sequence=min_sequence))


def _read_trust(path: str, roots: Sequence[Ed25519PublicKey], *, now: dt.datetime) -> TrustList:
    data = _read_bytes(path, limit=MAX_TRUST_LIST_BYTES, what="trust list")
    return _load_trust(path, data, roots, now=now)


def _read_status(path: str, trust: TrustList, *, now: dt.datetime) -> StatusListToken:
    """A status list token, checked against ``trust`` (the signer must be the list's issuer)."""
    data = _read_bytes(path, limit=MAX_TOKEN_BYTES, what="status list")
    return _document(path, lambda: StatusListToken.load(data, trust, now=now))


def _read_directory(path: str, roots: Sequence[Ed25519PublicKey], *, now: dt.datetime) -> Directory:
    if not roots:
        raise CliError("--root", "is required with a directory: the pinned root public key (ROOT.pub.pem)")
    data = _read_bytes(path, limit=MAX_DIRECTORY_BYTES, what="directory")
    return _document(path, lambda: Directory.load(data, roots, now=now))


def _trust_from_json(data: bytes, path: str) -> TrustList:
    """The trust list in an editable JSON source (``trust_source`` form); times are placeholders."""
    source = _load_json(data, path)
    if not isinstance(source, dict):
        raise CliError(path, "a trust list source is a JSON object with sequence and issuers")
    try:
        trust = trust_from_source(source, issued_at=_EPOCH, expires_at=_EPOCH)
    except UsageError as exc:
        raise CliError(path, str(exc)) from None
    except AttributeError:  # an issuer or key entry that is not an object
        raise CliError(path, "trust list source: every issuer and key must be a JSON object") from None
    _check_source(trust, path)
    return trust


def _check_source(trust: TrustList, path: str) -> None:
    """What ``trust_from_source`` leaves to its caller: unique ids and kids, times with offsets."""
    ids = [i.id for i in trust.issuers]
    kids = [k.kid for i in trust.issuers for k in i.keys]
    if len(set(ids)) != len(ids) or len(set(kids)) != len(kids):
        raise CliError(path, "two issuers share an id, or two keys share a kid")
    for issuer in trust.issuers:
        for key in issuer.keys:
            if any(t is not None and t.tzinfo is None for t in (key.valid_from, key.valid_until)):
                raise CliError(path, f"issuer {issuer.id}, key {key.kid.hex()}: a time has no UTC offset")


def _read_source(path: str) -> TrustList:
    return _trust_from_json(_read_bytes(path, limit=MAX_TRUST_LIST_BYTES, what="trust list source"), path)


def _write_source(path: str, trust: TrustList) -> None:
    _replace_file(Path(path), _json_bytes(trust_source(trust)))


def _self_check(path: Path, load: Callable[[], object]) -> None:
    """Load a document just signed, as a verifier would, before writing it."""
    try:
        load()
    except DocumentError as exc:
        raise CliError(str(path), f"the signed document does not load ({exc}); nothing written") from None


@dataclasses.dataclass(frozen=True, slots=True)
class _Held:
    """What a verifier holds besides the code: trust (list or bare keys), status lists, directory."""

    trust: TrustList | Keyring
    status: tuple[StatusListToken, ...] = ()
    directory: Directory | None = None


def _trust_option(
    paths: Sequence[str], roots: Sequence[Ed25519PublicKey], *, now: dt.datetime, min_sequence: int | None
) -> TrustList | Keyring:
    """``--trust``: one signed trust list, or one or more PEM public keys (a keyring)."""
    files = [(p, _read_bytes(p, limit=MAX_TRUST_LIST_BYTES, what="trust list or public key")) for p in paths]
    lists = [(p, data) for p, data in files if _is_document(p, data)]
    if not lists:
        if min_sequence is not None:
            raise CliError("--trust-min-sequence", "needs a trust list (--trust TRUST.cwt)")
        return _keyring(files)
    if len(files) > 1:
        raise CliError("--trust", "give one trust list (TRUST.cwt), or one or more public keys, not both")
    path, data = lists[0]
    return _load_trust(path, data, roots, now=now, min_sequence=min_sequence or 0)


def _held(
    trust_paths: Sequence[str],
    root_paths: Sequence[str],
    status_paths: Sequence[str],
    directory_path: str | None,
    *,
    now: dt.datetime,
    min_sequence: int | None,
) -> _Held:
    """Load what ``verify`` was given; any document that fails to load stops here (exit 2)."""
    roots = _roots(root_paths)
    trust = _trust_option(trust_paths, roots, now=now, min_sequence=min_sequence)
    if roots and isinstance(trust, Keyring) and directory_path is None:
        raise CliError("--root", "is used only with a trust list (--trust TRUST.cwt) or --directory")
    if status_paths and not isinstance(trust, TrustList):
        raise CliError("--status", "needs a trust list: --trust TRUST.cwt --root ROOT.pub.pem")
    tokens = [_read_status(p, trust, now=now) for p in status_paths] if isinstance(trust, TrustList) else []
    tokens.sort(key=lambda t: t.issued_at, reverse=True)  # the newest list of an issuer counts
    directory = None if directory_path is None else _read_directory(directory_path, roots, now=now)
    return _Held(trust, tuple(tokens), directory)


# -- showing a verdict --------------------------------------------------------------


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(CST).isoformat(sep=" ")


def _services(cred: Credential) -> str:
    return "; ".join(f"{s.label_zh} {s.value.replace('_', ' ')}" for s in Service if s in cred.services)


def _until(day: dt.date | None, expired: bool) -> str:
    if day is None:
        return "none on record"
    return f"valid until {day.isoformat()}" + (" (EXPIRED)" if expired else "")


def _id_line(cred: Credential, match: bool | None) -> str:
    note = {True: " (matches the number typed)", False: " (does NOT match the number typed)", None: ""}
    return cred.id_mask + note[match]


def _duration(delta: dt.timedelta) -> str:
    """A short human duration: ``45 s``, ``12 min``, ``5 h``, ``3 d``."""
    seconds = int(delta.total_seconds())
    size = abs(seconds)
    sign = "-" if seconds < 0 else ""
    for unit, length, below in (("s", 1, 120), ("min", 60, 7200), ("h", 3600, 172_800)):
        if size < below:
            return f"{sign}{size // length} {unit}"
    return f"{sign}{size // 86_400} d"


def _lifetime(issued: dt.datetime, expires: dt.datetime, now: dt.datetime) -> str:
    """``issued <when> (<age> ago), expires <when> (in <left>)``."""
    left = f"in {_duration(expires - now)}" if now < expires else f"EXPIRED {_duration(now - expires)} ago"
    return f"issued {_when(issued)} ({_duration(now - issued)} ago), expires {_when(expires)} ({left})"


#: How a status value is named in the output (draft-ietf-oauth-status-list §7.1; reason codes).
_STATUS_WORDS = {
    Status.VALID: "valid",
    Status.INVALID: "revoked",
    Status.SUSPENDED: "suspended",
    Status.RESERVED: "unknown",
}


def _enterprise(cred: Credential, held: _Held | None) -> Enterprise | None:
    directory = held.directory if held is not None else None
    return directory.find(cred.enterprise_uscc) if directory is not None else None


def _enterprise_line(cred: Credential, held: _Held | None) -> str:
    found = _enterprise(cred, held)
    if found is not None:
        return f"{found.label} (USCC {cred.enterprise_uscc})"
    unlisted = held is not None and held.directory is not None
    return f"USCC {cred.enterprise_uscc}" + (" (NOT in the enterprise directory)" if unlisted else "")


def _issuer_line(result: Verification) -> str:
    kid = result.kid.hex() if result.kid else "?"
    if result.issuer is None:
        return f"key {kid} (a bare public key: no trust list, so no scope or status check)"
    return f"{result.issuer.name}; issuer id {result.issuer.id}, key {kid}"


def _status_line(check: StatusCheck, cred: Credential) -> str:
    """``checked``, ``not checked`` or ``STALE``, with the list's age (spec §10.6)."""
    if check.state is StatusState.NOT_CHECKED:
        if check.list_uri is not None:
            return f"not checked: the code's index is outside {check.list_uri}"
        if cred.status is None:
            return "not checked: the code has no status list entry"
        return f"not checked: no status list {cred.status.list_id} of this issuer was given (--status)"
    state = "checked" if check.state is StatusState.CHECKED else "STALE"
    age = _duration(check.age) if check.age is not None else "?"
    value = _STATUS_WORDS[check.value] if check.value is not None else "?"
    return f"{state} (list {age} old): {value} in {check.list_uri}"


def _trust_line(held: _Held, now: dt.datetime) -> str:
    if not isinstance(held.trust, TrustList):
        return "none (bare public keys given with --trust)"
    trust = held.trust
    return f"sequence {trust.sequence}, {_lifetime(trust.issued_at, trust.expires_at, now)}"


def _credential_lines(result: Verification, cred: Credential, held: _Held | None) -> list[tuple[str, str]]:
    bg = cred.background_check
    rows = [
        ("Name", cred.name),
        ("ID number", _id_line(cred, result.id_match)),
        ("Card number", cred.card_no),
        ("Enterprise", _enterprise_line(cred, held)),
        ("Region", cred.region),
        ("Services", _services(cred)),
        ("Identity", "verified" if cred.identity_verified else "NOT verified"),
        ("Background", "none on record" if bg is None else f"{bg.result.value}, checked {bg.checked_on}"),
        ("Health exam", _until(cred.health_exam_valid_until, Reason.HEALTH_EXAM_EXPIRED in result.reasons)),
        ("Insurance", _until(cred.insurance_valid_until, Reason.INSURANCE_EXPIRED in result.reasons)),
    ]
    if cred.training_hours is not None:
        rows.append(("Training", f"{cred.training_hours} hours"))
    if cred.credit_score is not None:
        rows.append(("Credit score", str(cred.credit_score)))
    if cred.rating is not None:
        rows.append(("Rating", f"{cred.rating.average:.1f} from {cred.rating.count} ratings"))
    rows += [("Issued", _when(cred.issued_at)), ("Expires", _when(cred.expires_at))]
    return rows


def _print_verification(
    result: Verification, held: _Held | None = None, now: dt.datetime | None = None
) -> None:
    """The human summary: a coloured headline, issuer, credential, status, reasons (spec §10)."""
    head = f"{result.color.value.upper()}: {_HEADLINE[result.color]}"
    cred = result.credential
    if cred is None:  # nothing authentic to show: one line
        _say(f"{head}: {', '.join(result.reasons)}: {result.detail}", fg=_STYLE[result.color], bold=True)
        return
    kid = result.kid.hex() if result.kid else "?"
    _say(f"{head} (issuer kid {kid})", fg=_STYLE[result.color], bold=True)
    rows = [("Issuer", _issuer_line(result)), *_credential_lines(result, cred, held)]
    rows.append(("Status", _status_line(result.status, cred)))
    if held is not None and now is not None:
        rows.append(("Trust list", _trust_line(held, now)))
    if result.reasons:
        rows += [("Reasons", ", ".join(result.reasons)), ("Detail", result.detail)]
    for label, value in rows:
        _say(f"  {label:<13} {value}")


def _seconds(delta: dt.timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds())


def _verification_json(
    result: Verification, held: _Held | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    check, cred = result.status, result.credential
    found = _enterprise(cred, held) if cred is not None else None
    trust = held.trust if held is not None else None
    return {
        "color": result.color.value,
        "reasons": [r.value for r in result.reasons],
        "kid": result.kid.hex() if result.kid is not None else None,
        "credential": credential_as_dict(cred) if cred is not None else None,
        "id_match": result.id_match,
        "detail": result.detail,
        "issuer": None if result.issuer is None else {"id": result.issuer.id, "name": result.issuer.name},
        "status": {
            "state": check.state.value,
            "value": None if check.value is None else _STATUS_WORDS[check.value],
            "list": check.list_uri,
            "age_seconds": _seconds(check.age),
        },
        "enterprise": None
        if found is None
        else {"uscc": found.uscc, "name": found.name, "district": found.district},
        "trust": None
        if not isinstance(trust, TrustList) or now is None
        else {"sequence": trust.sequence, "age_seconds": _seconds(now - trust.issued_at)},
    }


def _echo_json(value: Any) -> None:
    """JSON on stdout, readable Chinese, but every non-printable character escaped."""
    for line in json.dumps(value, ensure_ascii=False, indent=2).split("\n"):
        click.echo("".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in line))


def _terminal_qr(qr: Any, *, border: int) -> None:
    """The QR symbol in half-block characters (two modules per text row), light on dark."""
    buffer = io.StringIO()
    qr.terminal(out=buffer, border=border, compact=True)
    click.echo(buffer.getvalue(), nl=False)


def _save_qr(qr: Any, path: Path, *, kind: str | None, scale: int, border: int) -> None:
    """Write the symbol as an SVG or PNG file (segno), atomically: the image is
    rendered in memory and renamed into place, so a symlink at ``path`` is replaced,
    never followed, and no half-written image is left behind."""
    buffer = io.BytesIO()
    qr.save(buffer, kind=kind or path.suffix.lstrip(".").lower(), scale=scale, border=border)
    _replace_file(path, buffer.getvalue())


def _qr_summary(qr: Any) -> str:
    width, height = qr.symbol_size(border=0)
    return f"QR version {qr.designator}, {width}x{height} modules"


# -- commands ---------------------------------------------------------------------


@click.group(
    cls=_Cli,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit status: 0 ok or green, 3 yellow, 1 red or failure, 2 usage error or invalid input.",
)
@click.version_option(__version__, prog_name="anxinma")
@click.pass_context
def main(ctx: click.Context) -> None:
    """安心码 anxinma: signed, offline-verifiable QR credentials for household-service workers."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@main.command("keygen")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory.")
@click.option("--name", required=True, help="Base name: writes NAME.key.pem and NAME.pub.pem.")
@click.option(
    "--passphrase-env",
    metavar="VAR",
    help="Encrypt the private key with the passphrase in environment variable VAR.",
)
def keygen_command(out_dir: Path, name: str, passphrase_env: str | None) -> None:
    """Make an Ed25519 issuer key pair; print its key id (kid) in hex.

    The private key (PKCS#8 PEM, mode 0600) and the public key are new files:
    existing files are never overwritten.
    """
    if not _KEY_NAME.fullmatch(name):
        raise CliError("--name", "use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    password = _passphrase(passphrase_env)
    private_path, public_path = out_dir / f"{name}.key.pem", out_dir / f"{name}.pub.pem"
    for path in (private_path, public_path):
        if os.path.lexists(path):
            raise CliError(str(path), "already exists; refusing to overwrite it")
    _make_dir(out_dir)
    key = generate_private_key()
    _write_new(private_path, private_key_pem(key, password=password), mode=0o600)
    try:
        _write_new(public_path, public_key_pem(key), mode=0o644)
    except BaseException:
        private_path.unlink()
        raise
    click.echo(kid_of(key).hex())
    sealed = ", encrypted" if password else ""
    _say(f"wrote {private_path} (PRIVATE key, mode 0600{sealed}): keep it secret", err=True)
    _say(f"wrote {public_path} (public key): share it (trust add --pub, verify --root or --trust)", err=True)


@main.command("issue")
@click.argument("worker", metavar="WORKER.json")
@click.option("--key", "key_path", required=True, metavar="KEY.pem", help="Issuer private key (mode 0600).")
@click.option(
    "--valid-days",
    type=click.IntRange(1, MAX_VALID_DAYS),
    default=DEFAULT_VALID_DAYS,
    show_default=True,
    help="Days until the code expires.",
)
@click.option(
    "--db",
    "db_path",
    metavar="ISSUER.db",
    help="Record the code in this issuer database (see 'anxinma status new') and give it a "
    "random entry in a status list, so that it can be revoked.",
)
@click.option(
    "--list-id",
    type=click.IntRange(0, 255),
    help="The status list for --db. [default: 0]",
)
@click.option(
    "--replace",
    is_flag=True,
    help="With --db: re-issue (new health exam, new insurance): revoke the card's live credential "
    "in the same step. Without it a card with a live credential is refused.",
)
@click.option("--now", metavar="ISO8601", callback=_parse_time, help=_NOW_HELP)
@click.option("--passphrase-env", metavar="VAR", help="The key's passphrase is in environment variable VAR.")
def issue_command(
    worker: str,
    key_path: str,
    valid_days: int,
    db_path: str | None,
    list_id: int | None,
    replace: bool,
    now: dt.datetime | None,
    passphrase_env: str | None,
) -> None:
    """Issue a code for the worker record WORKER.json (- for stdin); print its text.

    With --db, the code carries a status list reference (list and a random
    unused index, spec §15.3) and is recorded in the issuer database; its
    credential id, which 'anxinma status revoke' accepts, goes to standard error.

    An invalid record is refused with exit 2, naming the field; nothing is
    printed on standard output then.
    """
    if db_path is None and (list_id is not None or replace):
        raise CliError("--list-id" if list_id is not None else "--replace", "needs --db ISSUER.db")
    record = _read_record(worker)
    issuer = Issuer(_read_private_key(key_path, passphrase_env))
    moment = now or _clock()
    if db_path is None:
        click.echo(to_text(_signed(issuer, credential_for(record, now=moment, valid_days=valid_days))))
        return
    with _open_db(db_path) as db:
        text, cred_id, ref = _issue_recorded(
            db, issuer, record, now=moment, valid_days=valid_days, list_id=list_id or 0, replace=replace
        )
    click.echo(text)
    _say(
        f"credential {cred_id}: status list {ref.list_id}, index {ref.index}; recorded in {db_path}", err=True
    )


def _signed(issuer: Issuer, cred: Credential) -> bytes:
    try:
        return issuer.sign(cred)
    except CredentialTooLargeError as exc:
        raise CliError("record", str(exc)) from None


def _issue_recorded(
    db: IssuerDB,
    issuer: Issuer,
    record: Worker,
    *,
    now: dt.datetime,
    valid_days: int,
    list_id: int,
    replace: bool = False,
) -> tuple[str, str, StatusRef]:
    """Allocate a random status index, sign, record (spec §16) through the same
    :meth:`IssuerDB.issue` path as a batch (one card per person, one live
    credential per card; ``replace`` revokes the previous one in the same
    transaction); the text, credential id and ref."""
    try:
        ref = db.allocate(list_id)
    except UsageError as exc:
        raise CliError("--list-id", str(exc)) from None
    cred = credential_for(record, now=now, valid_days=valid_days, status=ref)
    message = _signed(issuer, cred)
    item = Issuance.of(message, cred, record, key=db.id_key, kid=issuer.kid)
    refused = db.issue([item], now=now, replace=replace)
    if refused:
        raise CliError(refused[0].field, refused[0].reason)
    return to_text(message), item.cred_id, ref


#: The verdict policy options shared by ``verify`` and ``scan`` (spec §10.6).
_MAX_STATUS_AGE_OPTION = click.option(
    "--max-status-age",
    type=click.FloatRange(0, 24 * _MAX_DOCUMENT_DAYS, min_open=True),
    default=DEFAULT_POLICY.max_status_age.total_seconds() / 3600,
    show_default=True,
    metavar="HOURS",
    help="A status list issued longer ago than this (or past its expiry) is stale.",
)
_STALE_OPTION = click.option(
    "--stale",
    type=click.Choice(["yellow", "red"]),
    default=DEFAULT_POLICY.stale_status_color.value,
    show_default=True,
    help="The colour a stale status list forces.",
)


@main.command("verify")
@click.argument("code", metavar="CODE|-")
@click.option(
    "--trust",
    "trust_paths",
    multiple=True,
    required=True,
    metavar="TRUST.cwt|PUB.pem",
    help="A root-signed trust list (needs --root), or, for quick tests, a trusted issuer public key "
    "(repeat for several). A .cwt file or COSE content is a trust list; anything else a PEM key.",
)
@click.option(
    "--root",
    "root_paths",
    multiple=True,
    metavar="ROOT.pub.pem",
    help="The pinned root public key that signs the trust list and the directory; repeat for several.",
)
@click.option(
    "--status",
    "status_paths",
    multiple=True,
    metavar="STATUS.cwt",
    help="A status list of an issuer (checked against the trust list); repeat for several.",
)
@click.option(
    "--directory", "directory_path", metavar="DIR.cwt", help="The root-signed enterprise directory."
)
@click.option(
    "--trust-min-sequence",
    "min_sequence",
    type=click.IntRange(0),
    metavar="N",
    help="Refuse a trust list older than sequence N (the newest one seen: no rollback).",
)
@_MAX_STATUS_AGE_OPTION
@_STALE_OPTION
@click.option("--now", metavar="ISO8601", callback=_parse_time, help=_NOW_HELP)
@click.option(
    "--id-number", metavar="ID", help="The number on the worker's ID card, to check against the code."
)
@click.option(
    "--image",
    "is_image",
    is_flag=True,
    help="CODE is a photo or image file (JPEG, PNG, WEBP...; - for stdin): verify every QR code in it "
    "(needs the extra anxinma[scan]; with --json, one object: image, codes [...]).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object instead of a summary: color, reasons, kid, credential, id_match, detail, "
    "issuer {id, name}, status {state, value, list, age_seconds}, enterprise {uscc, name, district}, "
    "trust {sequence, age_seconds}.",
)
@click.pass_context
def verify_command(
    ctx: click.Context,
    code: str,
    trust_paths: tuple[str, ...],
    root_paths: tuple[str, ...],
    status_paths: tuple[str, ...],
    directory_path: str | None,
    min_sequence: int | None,
    max_status_age: float,
    stale: str,
    now: dt.datetime | None,
    id_number: str | None,
    is_image: bool,
    as_json: bool,
) -> None:
    """Verify a code offline (CODE, or - to read it from stdin) and show the verdict.

    A field verifier holds the root public key (--root), the root-signed trust
    list (--trust), its issuers' status lists (--status) and the enterprise
    directory (--directory).  A trust list, status list or directory that fails
    to load stops with exit 2, naming the file and the reason (e.g. rollback,
    wrong_issuer, expired).

    Exit status: 0 green, 3 yellow, 1 red, 2 usage error or a document refused.
    """
    if id_number is not None:
        problem = gbcodes.id_number_problem(normalize_id_number(id_number))
        if problem is not None:
            raise CliError("--id-number", problem)
    moment = now or _clock()
    held = _held(trust_paths, root_paths, status_paths, directory_path, now=moment, min_sequence=min_sequence)
    policy = Policy(max_status_age=dt.timedelta(hours=max_status_age), stale_status_color=Color(stale))
    if is_image:
        from .cli_scan import verify_photo  # noqa: PLC0415  (the scan extra is optional)

        ctx.exit(verify_photo(code, held, now=moment, policy=policy, id_number=id_number, as_json=as_json))
    text = _read_code(code)
    result = verify(text, held.trust, now=moment, status=held.status, id_number=id_number, policy=policy)
    if as_json:
        _echo_json(_verification_json(result, held, moment))
    else:
        _print_verification(result, held, moment)
    ctx.exit(_EXIT[result.color])


def _raw_value(value: Any) -> str:
    if isinstance(value, bytes):
        return f"h'{value.hex()}'"
    if isinstance(value, str | bool) or value is None:
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _label_name(label: Any) -> str:
    try:
        claim = Claim(label) if type(label) is int else None
    except ValueError:
        claim = None
    return f"unknown label {label!r}" if claim is None else f"{claim.name.lower()} ({label})"


def _field_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@main.command("inspect")
@click.argument("code", metavar="CODE|-")
def inspect_command(code: str) -> None:
    """Show what a code contains WITHOUT checking its signature (never a verdict)."""
    content = _decode_or_fail(_read_code(code))
    _say("UNVERIFIED: decoded WITHOUT checking the signature; trust nothing below.", fg="red", bold=True)
    _say(f"kid  {content.kid.hex()}")
    _say("claims (raw values by label):")
    claims: Mapping[Any, Any] = content.claims
    for label, value in claims.items():
        _say(f"  {_label_name(label):<32} {_raw_value(value)}")
    if content.credential is None:
        _say(f"credential: none, the claims are not a valid credential: {content.problem}")
        return
    _say("credential (what the claims say, if the signature held):")
    for key, value in credential_as_dict(content.credential).items():
        _say(f"  {key:<24} {_field_value(value)}")


def _image_kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("svg", "png"):
        raise CliError("--out", f"{path.name}: the file name must end in .svg or .png")
    return kind


@main.command("render")
@click.argument("code", metavar="CODE|-")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.svg|FILE.png",
    help="Save the symbol; the format follows the file name.",
)
@click.option("--terminal", is_flag=True, help="Draw the QR code in the terminal.")
@click.option("--scale", type=click.IntRange(1, 100), help="Pixels per module [default: 4 SVG, 8 PNG].")
@click.option(
    "--border",
    type=click.IntRange(0, 40),
    default=_QUIET_ZONE,
    show_default=True,
    help="Quiet zone around the symbol, in modules.",
)
def render_command(code: str, out_path: Path | None, terminal: bool, scale: int | None, border: int) -> None:
    """Render a code as a QR symbol (error level M): to an SVG or PNG file and/or the terminal."""
    if out_path is None and not terminal:
        raise CliError("--out", "give --out FILE.svg|FILE.png and/or --terminal")
    kind = _image_kind(out_path) if out_path is not None else None
    text = _read_code(code)
    _decode_or_fail(text)
    qr = make_qr(text)
    if out_path is not None:
        default_scale = _SVG_SCALE if kind == "svg" else _PNG_SCALE
        _save_qr(qr, out_path, kind=kind, scale=scale or default_scale, border=border)
    if terminal:
        _terminal_qr(qr, border=border)
    _say(_qr_summary(qr))
    if out_path is not None:
        _say(f"wrote {out_path}")


def _demo_status_note(token: StatusListToken) -> str:
    """Why the demo's ten-year status list counts as fresh (a field verifier's would not)."""
    signed, until = (t.astimezone(CST).date() for t in (token.issued_at, token.expires_at))
    hours = DEFAULT_POLICY.max_status_age.total_seconds() / 3600
    return (
        "Verified offline against the bundled DEMO root key, trust list, status list and enterprise "
        f"directory, at the current time. The demo status list was signed {signed} and is valid until "
        f"{until}: the demo counts it fresh until then, where a field verifier wants one younger than "
        f"{hours:g} hours (verify --max-status-age)."
    )


def _demo_held(now: dt.datetime) -> _Held:
    """The bundled DEMO root, trust list, status list 0 and directory, loaded as a verifier would."""
    roots = [_demo.root_public_key()]
    trust = _document(_demo.TRUST_FILE, lambda: TrustList.load(_demo.trust_document(), roots, now=now))
    token = _document(
        _demo.STATUS_FILE, lambda: StatusListToken.load(_demo.status_document(), trust, now=now)
    )
    directory = _document(
        _demo.DIRECTORY_FILE, lambda: Directory.load(_demo.directory_document(), roots, now=now)
    )
    return _Held(trust, (token,), directory)


@main.command("demo")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help=f"Where to save {_DEMO_SVG}.",
)
@click.pass_context
def demo_command(ctx: click.Context, out_dir: Path) -> None:
    """Issue, show, save and verify a code for the reference worker, on the bundled DEMO keys.

    The code is verified as a field verifier would: against the bundled DEMO
    root key, trust list (issuer nb-demo), status list 0 and enterprise
    directory.  The health exam and insurance dates of the reference record are
    moved to today + 300 and today + 365 days, so the demo is green whenever it
    runs.
    """
    now = _clock()
    held = _demo_held(now)
    worker = parse_worker(_demo.demo_record(now.astimezone(CST).date()))
    issuer = Issuer(_demo.private_key())
    _say(
        f"DEMO KEYS (issuer kid {issuer.kid.hex()}, root kid {kid_of(_demo.root_public_key()).hex()}): "
        "these private keys are public (they ship with anxinma), so anyone can forge codes and trust "
        "lists with them. "
        "Never trust the demo keys outside this demo.",
        fg="yellow",
        bold=True,
    )
    text = issuer.issue(worker, now=now, status=_demo.STATUS_REF)
    _say(
        f"Issued at {_when(now.replace(microsecond=0))} for the reference worker {worker.name}; its health "
        f"exam (until {worker.health_exam_valid_until}) and insurance (until {worker.insurance_valid_until}) "
        f"are set {_demo.HEALTH_EXAM_DAYS} and {_demo.INSURANCE_DAYS} days ahead of today for the demo; "
        f"it points at entry {_demo.STATUS_REF.index} of status list {_demo.STATUS_REF.list_id}."
    )
    _say(f"Code ({len(text)} characters):")
    click.echo(text)
    qr = make_qr(text)
    _terminal_qr(qr, border=_QUIET_ZONE)
    _make_dir(out_dir)
    svg = out_dir / _DEMO_SVG
    _save_qr(qr, svg, kind="svg", scale=_SVG_SCALE, border=_QUIET_ZONE)
    _say(f"{_qr_summary(qr)}; saved as SVG to {svg.resolve()}")
    token = held.status[0]
    _say(_demo_status_note(token))
    policy = Policy(max_status_age=token.expires_at - token.issued_at)
    result = verify(text, held.trust, now=_clock(), status=held.status, policy=policy)
    _print_verification(result, held, now)
    ctx.exit(_EXIT[result.color])


# -- trust lists (spec §15.2) ------------------------------------------------------------


def _group(name: str, summary: str) -> click.Group:
    """A command group that prints its help when called without a command."""

    @main.group(name, invoke_without_command=True, help=summary)
    @click.pass_context
    def group(ctx: click.Context) -> None:
        if ctx.invoked_subcommand is None:
            click.echo(ctx.get_help())

    return group


trust_group = _group(
    "trust",
    """Edit and sign a trust list: the root's list of issuers, their regions and keys (spec §15.2).

    The list is edited as a JSON source (trust init, add, retire, compromise),
    then signed with the root key (trust sign) into TRUST.cwt, which verifiers
    load with the pinned root public key:

    \b
      anxinma trust init --out trust.json
      anxinma trust add trust.json --issuer nb --name 宁波市家政服务中心 --regions 3302 --pub nb.pub.pem
      anxinma trust sign trust.json --root-key root.key.pem --out trust.cwt
      anxinma verify CODE --trust trust.cwt --root root.pub.pem

    Rotation: add the new key, then retire the old one (its codes stay valid
    until they expire; it issues no more).  A key marked compromised makes
    every code it ever signed red.
    """,
)


_SOURCE_ARG = click.argument("source", metavar="TRUST.json")
_NOW_OPTION = click.option("--now", metavar="ISO8601", callback=_parse_time, help=_NOW_HELP)
_PASSPHRASE_OPTION = click.option(
    "--passphrase-env", metavar="VAR", help="The key's passphrase is in environment variable VAR."
)


def _out_option(metavar: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--out",
        "out_path",
        required=True,
        metavar=metavar,
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"The file to write ({metavar}); a previous version is replaced atomically.",
    )


def _valid_days_option(default: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--valid-days",
        type=click.IntRange(1, _MAX_DOCUMENT_DAYS),
        default=default,
        show_default=True,
        help="Days until the signed document expires.",
    )


@trust_group.command("init")
@click.option(
    "--out",
    "out_path",
    required=True,
    metavar="TRUST.json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new source file (an existing file is never overwritten).",
)
def trust_init_command(out_path: Path) -> None:
    """Start a trust list source: no issuers, sequence 0."""
    empty = TrustList(sequence=0, issued_at=_EPOCH, expires_at=_EPOCH, issuers=())
    _write_new(out_path, _json_bytes(trust_source(empty)), mode=0o644)
    _say(f"wrote {out_path}: an empty trust list source; add issuers with 'anxinma trust add'", err=True)


def _check_issuer_id(issuer_id: str, where: str) -> None:
    try:
        TrustedIssuer(id=issuer_id, name="-", regions=("33",))
    except UsageError as exc:
        raise CliError(where, str(exc)) from None


def _regions(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(","))


def _edited_issuer(
    found: TrustedIssuer | None, issuer_id: str, name: str | None, regions: str | None
) -> TrustedIssuer:
    """The issuer ``issuer_id`` as it is, with a new name or regions, or new (both required)."""
    _check_issuer_id(issuer_id, "--issuer")
    if found is None:
        if name is None or regions is None:
            option = "--name" if name is None else "--regions"
            raise CliError(option, f"is required for a new issuer ({issuer_id})")
        found = TrustedIssuer(id=issuer_id, name=name, regions=("33",))
    if name is not None and not name.strip():
        raise CliError("--name", "is empty")
    try:
        return dataclasses.replace(
            found,
            name=found.name if name is None else name.strip(),
            regions=found.regions if regions is None else _regions(regions),
        )
    except UsageError as exc:
        raise CliError("--regions", str(exc)) from None


@trust_group.command("add")
@_SOURCE_ARG
@click.option("--issuer", "issuer_id", required=True, metavar="ID", help="Issuer id: 1-32 of a-z, 0-9, '-'.")
@click.option("--name", metavar="NAME", help="Display name (required for a new issuer; else renames it).")
@click.option(
    "--regions",
    metavar="PREFIXES",
    help="GB/T 2260 prefixes the issuer may issue for, comma-separated, e.g. 3302,3301 "
    "(required for a new issuer; else replaces its regions).",
)
@click.option("--pub", "pub_path", required=True, metavar="KEY.pub.pem", help="The issuer's new public key.")
@click.option(
    "--valid-from",
    metavar="ISO8601",
    callback=_parse_time,
    help="When the key may start issuing, with a UTC offset. [default: now]",
)
@_NOW_OPTION
def trust_add_command(
    source: str,
    issuer_id: str,
    name: str | None,
    regions: str | None,
    pub_path: str,
    valid_from: dt.datetime | None,
    now: dt.datetime | None,
) -> None:
    """Add an issuer key (and the issuer, if new) to TRUST.json; print the key's kid."""
    trust = _read_source(source)
    start = (valid_from or _at(now)).astimezone(CST).replace(microsecond=0)
    key = IssuerKey(public_key=raw_public_key(_read_public_key(pub_path)), valid_from=start)
    known = trust.lookup(key.kid)
    if known is not None and known.issuer is not None:
        raise CliError(
            "--pub",
            f"key {key.kid.hex()} is already in the list ({known.issuer.id}, {known.key.state.value})",
        )
    issuer = _edited_issuer(trust.issuer(issuer_id), issuer_id, name, regions)
    trust = trust.with_issuer(dataclasses.replace(issuer, keys=(*issuer.keys, key)))
    _write_source(source, trust)
    click.echo(key.kid.hex())
    _say(
        f"{source}: issuer {issuer.id} ({issuer.name}, regions {','.join(issuer.regions)}) has key "
        f"{key.kid.hex()}, active from {_when(start)}; publish with 'anxinma trust sign'",
        err=True,
    )


def _found_key(trust: TrustList, kid: bytes, source: str) -> tuple[IssuerKey, TrustedIssuer]:
    found = trust.lookup(kid)
    if found is None or found.issuer is None:
        raise CliError("--kid", f"no key {kid.hex()} in {source}")
    return found.key, found.issuer


@trust_group.command("retire")
@_SOURCE_ARG
@click.option("--kid", required=True, metavar="HEX", callback=_parse_kid, help="The key id (16 hex digits).")
@click.option(
    "--at",
    metavar="ISO8601",
    callback=_parse_time,
    help="When the key's issuing window closes, with a UTC offset. [default: now]",
)
@_NOW_OPTION
def trust_retire_command(source: str, kid: bytes, at: dt.datetime | None, now: dt.datetime | None) -> None:
    """Retire a key: it issues no more; the codes it signed before stay valid until they expire."""
    trust = _read_source(source)
    key, issuer = _found_key(trust, kid, source)
    if key.state is KeyState.COMPROMISED:
        raise CliError("--kid", f"key {kid.hex()} is marked compromised; a compromised key stays so")
    closes = (at or _at(now)).astimezone(CST).replace(microsecond=0)
    try:
        trust = trust.with_key_state(kid, KeyState.RETIRED, at=closes)
    except UsageError as exc:
        raise CliError("--at", str(exc)) from None
    _write_source(source, trust)
    until = _found_key(trust, kid, source)[0].valid_until or closes
    _say(
        f"{source}: key {kid.hex()} of {issuer.id} retired; its issuing window closed at {_when(until)}",
        err=True,
    )


@trust_group.command("compromise")
@_SOURCE_ARG
@click.option("--kid", required=True, metavar="HEX", callback=_parse_kid, help="The key id (16 hex digits).")
def trust_compromise_command(source: str, kid: bytes) -> None:
    """Mark a key compromised: every code it ever signed verifies red (key_compromised)."""
    trust = _read_source(source)
    _, issuer = _found_key(trust, kid, source)
    _write_source(source, trust.with_key_state(kid, KeyState.COMPROMISED))
    _say(
        f"{source}: key {kid.hex()} of {issuer.id} marked COMPROMISED; sign and publish the list now",
        err=True,
    )


def _issuer_lines(trust: TrustList) -> list[str]:
    lines = []
    for issuer in trust.issuers:
        lines.append(f"issuer {issuer.id}: {issuer.name}, regions {', '.join(issuer.regions)}")
        for key in issuer.keys:
            until = "" if key.valid_until is None else f" until {_when(key.valid_until)}"
            lines.append(f"  key {key.kid.hex()}  {key.state.value:<11} from {_when(key.valid_from)}{until}")
    return lines or ["no issuers"]


@trust_group.command("show")
@click.argument("path", metavar="TRUST.json|TRUST.cwt")
@click.option(
    "--root",
    "root_paths",
    multiple=True,
    metavar="ROOT.pub.pem",
    help="The pinned root public key; required for a signed list (it is verified before it is shown).",
)
@_NOW_OPTION
def trust_show_command(path: str, root_paths: tuple[str, ...], now: dt.datetime | None) -> None:
    """Show a trust list: the JSON source, or a signed list verified with the root key."""
    data = _read_bytes(path, limit=MAX_TRUST_LIST_BYTES, what="trust list")
    if _is_json(data):
        trust = _trust_from_json(data, path)
        after = trust.sequence + 1
        _say(f"{path}: trust list source (unsigned), sequence {trust.sequence}; 'trust sign' makes {after}")
    else:
        moment = now or _clock()
        trust = _load_trust(path, data, _roots(root_paths), now=moment)
        _say(f"{path}: trust list sequence {trust.sequence}, signature verified with the root key")
        _say(_lifetime(trust.issued_at, trust.expires_at, moment))
    for line in _issuer_lines(trust):
        _say(line)


@trust_group.command("sign")
@_SOURCE_ARG
@click.option(
    "--root-key", "root_key_path", required=True, metavar="ROOT.key.pem", help="The root private key."
)
@_out_option("TRUST.cwt")
@_valid_days_option(30)
@_PASSPHRASE_OPTION
@_NOW_OPTION
def trust_sign_command(
    source: str,
    root_key_path: str,
    out_path: Path,
    valid_days: int,
    passphrase_env: str | None,
    now: dt.datetime | None,
) -> None:
    """Sign TRUST.json with the root key into TRUST.cwt; the sequence goes up by one.

    TRUST.json is updated with the new sequence, then TRUST.cwt is written;
    each in one atomic rename.  A root key that is also listed as an issuer key
    is refused (roles never mix, spec §15.5).
    """
    _not_same_file(out_path, source, "--out")
    trust = _read_source(source)
    root = _read_private_key(root_key_path, passphrase_env)
    issued = _at(now)
    signed = dataclasses.replace(
        trust,
        sequence=trust.sequence + 1,
        issued_at=issued,
        expires_at=issued + dt.timedelta(days=valid_days),
    )
    try:
        data = signed.sign(root)
    except UsageError as exc:
        raise CliError("--root-key", str(exc)) from None
    _self_check(out_path, lambda: TrustList.load(data, [root.public_key()], now=issued))
    _write_source(source, signed)
    _replace_file(out_path, data)
    keys = sum(len(i.keys) for i in signed.issuers)
    _say(
        f"wrote {out_path}: trust list sequence {signed.sequence}, {len(signed.issuers)} issuers, "
        f"{keys} keys, valid until {_when(signed.expires_at)}; {source} now holds sequence {signed.sequence}",
        err=True,
    )


# -- status lists (spec §15.3) ------------------------------------------------------------


status_group = _group(
    "status",
    """The issuer's status lists: revoke, suspend, reinstate and publish (spec §15.3).

    The issuer database (SQLite) records every code issued with 'anxinma issue
    --db' and the entry its status lives in; 'status publish' signs a list for
    verifiers, who check it against the trust list:

    \b
      anxinma status new --db issuer.db
      anxinma issue worker.json --key nb.key.pem --db issuer.db
      anxinma status revoke --db issuer.db NB2021000123
      anxinma status publish --db issuer.db --key nb.key.pem --issuer nb --out status-0.cwt
      anxinma verify CODE --trust trust.cwt --root root.pub.pem --status status-0.cwt
    """,
)


def _create_private(path: Path) -> None:
    """Create an empty file only its owner may read (the database holds names and card numbers)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise CliError(str(path), exc.strerror or str(exc)) from None


def _open_db(path: str, *, create: bool = False) -> IssuerDB:
    """The issuer database at ``path``; only ``status new`` may create one."""
    target = Path(path)
    if create:
        _create_private(target)
    elif not target.is_file():
        raise CliError("--db", f"{path}: no such issuer database (create one with 'anxinma status new')")
    try:
        return IssuerDB(target)
    except sqlite3.Error as exc:
        raise CliError(path, f"not an issuer database ({exc})") from None


_DB_OPTION = click.option(
    "--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite)."
)


def _list_id_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--list-id", type=click.IntRange(0, 255), default=0, show_default=True, help=help_text
    )


@status_group.command("new")
@_DB_OPTION
@_list_id_option("The id of the new status list.")
@click.option(
    "--size",
    type=click.IntRange(MIN_SIZE, MAX_SIZE),
    default=MIN_SIZE,
    show_default=True,
    help="Entries in the list, a multiple of 4 (herd privacy: at least 131072).",
)
def status_new_command(db_path: str, list_id: int, size: int) -> None:
    """Create a status list (all entries valid) in the issuer database, creating the database."""
    if size % 4:
        raise CliError("--size", f"{size} is not a multiple of 4")
    with _open_db(db_path, create=True) as db:
        try:
            db.new_list(list_id, size)
        except UsageError as exc:
            raise CliError("--list-id", str(exc)) from None
    _say(f"{db_path}: status list {list_id} with {size} entries, all valid", err=True)


def _status_command(name: str, status: Status, summary: str) -> None:
    @status_group.command(name, help=summary)
    @_DB_OPTION
    @click.argument("handle", metavar="CARD_NO|CRED_ID")
    @_NOW_OPTION
    def command(db_path: str, handle: str, now: dt.datetime | None) -> None:
        with _open_db(db_path) as db:
            try:
                changed = db.set_status(handle, status, now=_at(now))
            except UsageError as exc:
                raise CliError(handle, str(exc)) from None
        for cred in changed:
            ref = cred.status_ref
            where = f"list {ref.list_id} index {ref.index}" if ref is not None else "no list"
            click.echo(f"{_STATUS_WORDS[status]:<9} {cred.cred_id}  {cred.card_no}  {cred.name}  {where}")
        _say("publish the list for verifiers to learn it: anxinma status publish", err=True)


_status_command(
    "revoke",
    Status.INVALID,
    "Revoke the codes of a card number (or one code, by credential id): red, revoked.",
)
_status_command(
    "suspend", Status.SUSPENDED, "Suspend the codes of a card number or credential id: red, suspended."
)
_status_command("reinstate", Status.VALID, "Mark the codes of a card number or credential id valid again.")


@status_group.command("publish")
@_DB_OPTION
@click.option("--key", "key_path", required=True, metavar="KEY.pem", help="The issuer's private key.")
@click.option("--issuer", "issuer_id", required=True, metavar="ID", help="The issuer's id in the trust list.")
@_out_option("STATUS.cwt")
@_list_id_option("The status list to publish.")
@_valid_days_option(7)
@click.option(
    "--ttl",
    type=click.IntRange(1, 86_400 * _MAX_DOCUMENT_DAYS),
    default=86_400,
    show_default=True,
    help="Seconds a verifier may keep the list before fetching a new one.",
)
@_PASSPHRASE_OPTION
@_NOW_OPTION
def status_publish_command(
    db_path: str,
    key_path: str,
    issuer_id: str,
    out_path: Path,
    list_id: int,
    valid_days: int,
    ttl: int,
    passphrase_env: str | None,
    now: dt.datetime | None,
) -> None:
    """Sign the current statuses of a list with the issuer key (a Status List Token)."""
    _check_issuer_id(issuer_id, "--issuer")
    key = _read_private_key(key_path, passphrase_env)
    with _open_db(db_path) as db:
        try:
            statuses = db.status_list(list_id)
        except UsageError as exc:
            raise CliError("--list-id", str(exc)) from None
    issued = _at(now)
    expires = issued + dt.timedelta(days=valid_days)
    token = StatusListToken(issuer_id, list_id, issued, expires, statuses, ttl)
    _replace_file(out_path, token.sign(key))
    _say(f"wrote {out_path}: {token.uri}, {_counts(statuses)}, valid until {_when(expires)}", err=True)


def _counts(statuses: StatusList) -> str:
    """``131072 entries (131071 valid, 1 revoked, 0 suspended)``."""
    counts = statuses.counts()
    text = ", ".join(f"{counts[s]} {_STATUS_WORDS[s]}" for s in Status if s is not Status.RESERVED)
    unknown = f", {counts[Status.RESERVED]} unknown (value 3)" if counts[Status.RESERVED] else ""
    return f"{statuses.size} entries ({text}{unknown})"


@status_group.command("show")
@click.argument("path", metavar="STATUS.cwt")
@click.option("--trust", "trust_path", required=True, metavar="TRUST.cwt", help="The signed trust list.")
@click.option(
    "--root", "root_paths", multiple=True, required=True, metavar="ROOT.pub.pem", help="The pinned root key."
)
@_NOW_OPTION
def status_show_command(
    path: str, trust_path: str, root_paths: tuple[str, ...], now: dt.datetime | None
) -> None:
    """Show a status list, verified against the trust list: counts, age, expiry, uri."""
    moment = now or _clock()
    trust = _read_trust(trust_path, _roots(root_paths), now=moment)
    token = _read_status(path, trust, now=moment)
    issuer = trust.issuer(token.issuer_id)
    _say(f"{path}: {token.uri}, signature verified with the trust list")
    name = issuer.name if issuer is not None else "?"
    _say(f"  issuer  {name}; issuer id {token.issuer_id}, key {token.kid.hex()}")
    _say(f"  list    {_counts(token.statuses)}")
    _say(f"  dates   {_lifetime(token.issued_at, token.expires_at, moment)}")
    if token.ttl is not None:
        _say(f"  ttl     {token.ttl} s")


# -- the enterprise directory (spec §15.4) --------------------------------------------------


directory_group = _group(
    "directory",
    """Build and show the root-signed enterprise directory (spec §15.4).

    A verifier holding the directory shows an enterprise's name and district
    instead of its bare USCC:

    \b
      anxinma directory build examples/enterprises.tsv --root-key root.key.pem --out directory.cwt
      anxinma verify CODE --trust trust.cwt --root root.pub.pem --directory directory.cwt
    """,
)

_TSV_COLUMNS = ("rank", "district", "region_code", "name", "uscc")


def _tsv_rows(text: str) -> list[tuple[int, list[str]]]:
    """Numbered rows of tab-separated cells; blank lines and lines starting with '#' are skipped."""
    return [
        (n, [cell.strip() for cell in line.split("\t")])
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.startswith("#")
    ]


def _tsv_enterprise(row: Mapping[str, str], where: str) -> Enterprise:
    if not row["rank"].isdigit():
        raise CliError(where, f"rank {row['rank']!r} is not a number")
    try:
        return Enterprise(row["uscc"], row["name"], row["district"], row["region_code"] or None)
    except UsageError as exc:
        raise CliError(where, str(exc)) from None


def enterprises_from_tsv(text: str, *, source: str) -> tuple[list[Enterprise], list[str]]:
    """The enterprises of a TSV table (columns rank, district, region_code, name, uscc).

    Rows naming an enterprise already listed with the same details are
    dropped (one note each, returned beside the list); the same name with other
    details, or one USCC for two names, raises :class:`CliError` naming the line.
    """
    rows = _tsv_rows(text)
    if not rows or sorted(rows[0][1]) != sorted(_TSV_COLUMNS):
        line = f" line {rows[0][0]}" if rows else ""
        raise CliError(f"{source}{line}", f"the header must name the columns {', '.join(_TSV_COLUMNS)}")
    columns = rows[0][1]
    kept: dict[str, tuple[int, Enterprise]] = {}
    notes: list[str] = []
    for n, cells in rows[1:]:
        where = f"{source} line {n}"
        if len(cells) != len(columns):
            raise CliError(where, f"{len(cells)} columns; the header has {len(columns)}")
        enterprise = _tsv_enterprise(dict(zip(columns, cells, strict=True)), where)
        note = _dedupe(kept, enterprise, n, where)
        if note:
            notes.append(note)
    return [e for _, e in kept.values()], notes


def _dedupe(kept: dict[str, tuple[int, Enterprise]], enterprise: Enterprise, n: int, where: str) -> str:
    """Keep ``enterprise`` (by name) unless it repeats an earlier row; return a note when dropped."""
    earlier = kept.get(enterprise.name)
    if earlier is not None:
        if earlier[1] != enterprise:
            raise CliError(where, f"{enterprise.name} is on line {earlier[0]} with other details")
        return f"{where}: {enterprise.name} repeats line {earlier[0]}; listed once"
    clash = next((m for m, e in kept.values() if e.uscc == enterprise.uscc), None)
    if clash is not None:
        raise CliError(where, f"USCC {enterprise.uscc} is already on line {clash} for another name")
    kept[enterprise.name] = (n, enterprise)
    return ""


@directory_group.command("build")
@click.argument("tsv", metavar="ENTERPRISES.tsv")
@click.option(
    "--root-key", "root_key_path", required=True, metavar="ROOT.key.pem", help="The root private key."
)
@_out_option("DIRECTORY.cwt")
@_valid_days_option(365)
@click.option(
    "--sequence", type=click.IntRange(0), default=1, show_default=True, help="The directory's version."
)
@_PASSPHRASE_OPTION
@_NOW_OPTION
def directory_build_command(
    tsv: str,
    root_key_path: str,
    out_path: Path,
    valid_days: int,
    sequence: int,
    passphrase_env: str | None,
    now: dt.datetime | None,
) -> None:
    """Sign a directory of the enterprises in a TSV file with the root key.

    Columns (tab-separated, header first): rank, district, region_code, name,
    uscc; region_code may be empty; lines starting with '#' are comments.  An
    enterprise listed twice with the same details is kept once (said on
    standard error).
    """
    _not_same_file(out_path, tsv, "--out")
    text = _utf8(_read_bytes(tsv, limit=MAX_DIRECTORY_BYTES, what="TSV file"), tsv)
    enterprises, notes = enterprises_from_tsv(text, source=tsv)
    root = _read_private_key(root_key_path, passphrase_env)
    issued = _at(now)
    directory = Directory(sequence, issued, issued + dt.timedelta(days=valid_days), tuple(enterprises))
    data = directory.sign(root)
    _self_check(out_path, lambda: Directory.load(data, [root.public_key()], now=issued))
    _replace_file(out_path, data)
    for note in notes:
        _say(note, err=True)
    _say(
        f"wrote {out_path}: {len(enterprises)} enterprises, sequence {sequence}, "
        f"valid until {_when(directory.expires_at)}",
        err=True,
    )


@directory_group.command("show")
@click.argument("path", metavar="DIRECTORY.cwt")
@click.option(
    "--root", "root_paths", multiple=True, required=True, metavar="ROOT.pub.pem", help="The pinned root key."
)
@click.option("--uscc", metavar="USCC", help="Show only this enterprise (exit 1 if it is not listed).")
@_NOW_OPTION
@click.pass_context
def directory_show_command(
    ctx: click.Context, path: str, root_paths: tuple[str, ...], uscc: str | None, now: dt.datetime | None
) -> None:
    """Show a directory, verified with the root key, or look one USCC up."""
    if uscc is not None and (problem := gbcodes.uscc_problem(uscc)) is not None:
        raise CliError("--uscc", problem)
    moment = now or _clock()
    directory = _read_directory(path, _roots(root_paths), now=moment)
    if uscc is not None:
        found = directory.find(uscc)
        _say(f"{uscc}  {found.label}" if found else f"{uscc}  not in the directory")
        ctx.exit(EXIT_OK if found else EXIT_RED)
    _say(f"{path}: directory sequence {directory.sequence}, {len(directory.enterprises)} enterprises")
    _say(_lifetime(directory.issued_at, directory.expires_at, moment))
    for e in directory.enterprises:
        _say(f"{e.uscc}  {e.region or '------'}  {e.label}")


# Commands kept in modules of their own build on the helpers above and register
# themselves on ``main`` when imported: batch, report, population (issue 4) and scan (issue 6).
from . import cli_batch, cli_scan  # noqa: E402, F401
