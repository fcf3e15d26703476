"""The ``anxinma`` command line: keygen, issue, verify, inspect, render, demo.

This is the one module of the package that reads the clock, files and the
environment; the library core gets time and keys passed in.  The exit status
says what happened (spec §10.2 for the colours):

- 0: done; for ``verify``, green
- 3: ``verify`` says yellow (authentic, but a health exam or insurance is missing or lapsed)
- 1: ``verify`` says red (including text that is not a code at all), or a
  command failed at run time (a file could not be written)
- 2: a usage error or an invalid input file (a bad worker record, key or option)

Every failure is one line on standard error, ``anxinma: error: <where>: <what>``,
naming the option, field, line/column or byte at fault; never a traceback, and
a private key is never printed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import __version__, _demo, gbcodes
from .errors import AnxinmaError, CredentialTooLargeError, KeyFormatError
from .idcheck import normalize_id_number
from .issue import DEFAULT_VALID_DAYS, MAX_VALID_DAYS, Issuer
from .keys import (
    generate_private_key,
    kid_of,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
    raw_public_key,
)
from .model import CST, Credential, Service, Worker
from .qr import make_qr
from .record import credential_as_dict, parse_worker
from .registry import Claim
from .verify import Color, Keyring, Reason, Unverified, Verification, decode_unverified, verify

__all__ = ["EXIT_OK", "EXIT_RED", "EXIT_USAGE", "EXIT_YELLOW", "main"]

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


def _parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    """``--now``: an ISO 8601 date and time WITH a UTC offset; one without is refused, not guessed."""
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


def _load_json(data: bytes, path: str) -> Any:
    """Parse strict JSON (UTF-8, no duplicate keys, no NaN); name the byte or line at fault."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"{path} byte {exc.start}", f"not UTF-8 ({exc.reason})") from None
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


def _read_public_key(path: str) -> Ed25519PublicKey:
    try:
        return load_public_key(_read_bytes(path, limit=_MAX_KEY_BYTES, what="public key"))
    except KeyFormatError as exc:
        raise CliError(path, str(exc)) from None


def _keyring(paths: Iterable[str]) -> Keyring:
    """A keyring of the keys in ``paths``; the same key given twice counts once."""
    unique = {raw_public_key(key): key for key in map(_read_public_key, paths)}
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


def _credential_lines(result: Verification, cred: Credential) -> list[tuple[str, str]]:
    bg = cred.background_check
    rows = [
        ("Name", cred.name),
        ("ID number", _id_line(cred, result.id_match)),
        ("Card number", cred.card_no),
        ("Enterprise", f"USCC {cred.enterprise_uscc}"),
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


def _print_verification(result: Verification) -> None:
    """The human summary: a coloured headline, the credential, the reasons (spec §10)."""
    head = f"{result.color.value.upper()}: {_HEADLINE[result.color]}"
    cred = result.credential
    if cred is None:  # nothing authentic to show: one line
        _say(f"{head}: {', '.join(result.reasons)}: {result.detail}", fg=_STYLE[result.color], bold=True)
        return
    kid = result.kid.hex() if result.kid else "?"
    _say(f"{head} (issuer kid {kid})", fg=_STYLE[result.color], bold=True)
    rows = _credential_lines(result, cred)
    if result.reasons:
        rows += [("Reasons", ", ".join(result.reasons)), ("Detail", result.detail)]
    for label, value in rows:
        _say(f"  {label:<13} {value}")


def _verification_json(result: Verification) -> dict[str, Any]:
    return {
        "color": result.color.value,
        "reasons": [r.value for r in result.reasons],
        "kid": result.kid.hex() if result.kid is not None else None,
        "credential": credential_as_dict(result.credential) if result.credential is not None else None,
        "id_match": result.id_match,
        "detail": result.detail,
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
    """Write the symbol as an SVG or PNG file (segno); a failure to write exits 1."""
    try:
        qr.save(str(path), kind=kind, scale=scale, border=border)
    except OSError as exc:
        raise CliError(str(path), exc.strerror or str(exc), code=EXIT_RED) from None


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
    _say(f"wrote {public_path} (public key): give it to verifiers (--trust)", err=True)


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
@click.option("--now", metavar="ISO8601", callback=_parse_now, help=_NOW_HELP)
@click.option("--passphrase-env", metavar="VAR", help="The key's passphrase is in environment variable VAR.")
def issue_command(
    worker: str, key_path: str, valid_days: int, now: dt.datetime | None, passphrase_env: str | None
) -> None:
    """Issue a code for the worker record WORKER.json (- for stdin); print its text.

    An invalid record is refused with exit 2, naming the field; nothing is
    printed on standard output then.
    """
    record = _read_record(worker)
    issuer = Issuer(_read_private_key(key_path, passphrase_env))
    try:
        text = issuer.issue(record, now=now or _clock(), valid_days=valid_days)
    except CredentialTooLargeError as exc:
        raise CliError("record", str(exc)) from None
    click.echo(text)


@main.command("verify")
@click.argument("code", metavar="CODE|-")
@click.option(
    "--trust",
    "trust_paths",
    multiple=True,
    required=True,
    metavar="PUB.pem",
    help="A trusted issuer public key; repeat for several.",
)
@click.option("--now", metavar="ISO8601", callback=_parse_now, help=_NOW_HELP)
@click.option(
    "--id-number", metavar="ID", help="The number on the worker's ID card, to check against the code."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
@click.pass_context
def verify_command(
    ctx: click.Context,
    code: str,
    trust_paths: tuple[str, ...],
    now: dt.datetime | None,
    id_number: str | None,
    as_json: bool,
) -> None:
    """Verify a code offline (CODE, or - to read it from stdin) and show the verdict.

    Exit status: 0 green, 3 yellow, 1 red.
    """
    if id_number is not None:
        problem = gbcodes.id_number_problem(normalize_id_number(id_number))
        if problem is not None:
            raise CliError("--id-number", problem)
    keyring = _keyring(trust_paths)
    result = verify(_read_code(code), keyring, now=now or _clock(), id_number=id_number)
    if as_json:
        _echo_json(_verification_json(result))
    else:
        _print_verification(result)
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

    The health exam and insurance dates of the reference record are moved to
    today + 300 and today + 365 days, so the demo is green whenever it runs.
    """
    now = _clock()
    worker = parse_worker(_demo.demo_record(now.astimezone(CST).date()))
    issuer = Issuer(_demo.private_key())
    _say(
        f"DEMO KEYS (kid {issuer.kid.hex()}): this private key ships with anxinma, so anyone can "
        "forge codes with it. Never trust the demo key outside this demo.",
        fg="yellow",
        bold=True,
    )
    text = issuer.issue(worker, now=now)
    _say(
        f"Issued at {_when(now.replace(microsecond=0))} for the reference worker {worker.name}; its health "
        f"exam (until {worker.health_exam_valid_until}) and insurance (until {worker.insurance_valid_until}) "
        f"are set {_demo.HEALTH_EXAM_DAYS} and {_demo.INSURANCE_DAYS} days ahead of today for the demo."
    )
    _say(f"Code ({len(text)} characters):")
    click.echo(text)
    qr = make_qr(text)
    _terminal_qr(qr, border=_QUIET_ZONE)
    _make_dir(out_dir)
    svg = out_dir / _DEMO_SVG
    _save_qr(qr, svg, kind="svg", scale=_SVG_SCALE, border=_QUIET_ZONE)
    _say(f"{_qr_summary(qr)}; saved as SVG to {svg.resolve()}")
    _say("Verified offline with the DEMO public key, at the current time:")
    result = verify(text, Keyring([_demo.public_key()]), now=_clock())
    _print_verification(result)
    ctx.exit(_EXIT[result.color])


if __name__ == "__main__":
    main()
