"""What every command shares: exit statuses, one-line errors, the clock and common options.

:class:`Cli` is the click group class that turns every failure into one line
on standard error, ``anxinma: error: <where>: <what>``, and an exit status
(see :mod:`anxinma.cli`); a command raises :class:`CliError` to say what is
wrong.  This is where the command line reads the clock (:func:`clock`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import click

from ..errors import AnxinmaError
from ..model import CST
from ..verify import DEFAULT_POLICY, Color, Policy

__all__ = [
    "COLOR_EXIT",
    "EARLIEST",
    "EXIT_HELP",
    "EXIT_OK",
    "EXIT_RED",
    "EXIT_USAGE",
    "EXIT_YELLOW",
    "LATEST",
    "MAX_DOCUMENT_DAYS",
    "MAX_STATUS_AGE_OPTION",
    "NOW_HELP",
    "NOW_OPTION",
    "PASSPHRASE_OPTION",
    "STALE_OPTION",
    "TIME_HELP",
    "Cli",
    "CliError",
    "FiniteFloatRange",
    "check_expiry",
    "clock",
    "command_group",
    "now_in_cst",
    "out_option",
    "parse_time",
    "plural",
    "readable",
    "say",
    "valid_days_option",
]

EXIT_OK = 0
EXIT_RED = 1
EXIT_USAGE = 2
EXIT_YELLOW = 3
COLOR_EXIT = {Color.GREEN: EXIT_OK, Color.YELLOW: EXIT_YELLOW, Color.RED: EXIT_RED}

#: The one rule for exit statuses, printed by ``anxinma --help``.
EXIT_HELP = (
    "Exit status: 0 done (verify: green); 3 verify: yellow; 1 verify: red, or the command ran and "
    "failed, e.g. an output file or folder could not be written (the message names that file, never "
    "a temporary one); 2 nothing was done: a usage error or an invalid input (option, worker record, "
    "key, document), including an output file that must be new and already exists."
)


#: Longest validity ``--valid-days`` accepts for a signed document (ten years; real lists live days).
MAX_DOCUMENT_DAYS = 3660


class CliError(Exception):
    """A failure to report as one line, ``anxinma: error: <where>: <message>``."""

    def __init__(self, where: str, message: str, *, code: int = EXIT_USAGE) -> None:
        self.where = where
        self.message = message
        self.code = code
        super().__init__(f"{where}: {message}")


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 issuer``, ``2 issuers``, ``0 entries``, ``59,216 workers`` (``words`` when the plural is
    not ``word + s``; thousands separated by commas)."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def readable(text: str) -> str:
    """``text`` as every line the CLI prints shows it: a non-printable character escaped (no terminal
    control from input: ``\\x1b``), and a byte that was not UTF-8 text (a file name or argument from
    another locale, held by Python as a lone surrogate U+DC80..U+DCFF) as the byte, ``\\xFF``."""
    return "".join(c if c.isprintable() else _escaped(c) for c in text)


def _escaped(char: str) -> str:
    if "\udc80" <= char <= "\udcff":
        return f"\\x{ord(char) - 0xDC00:02X}"
    return char.encode("unicode_escape").decode("ascii")


def say(line: str = "", *, fg: str | None = None, bold: bool = False, err: bool = False) -> None:
    safe = readable(line)
    click.echo(click.style(safe, fg=fg, bold=bold) if fg or bold else safe, err=err)


def _report(where: str, message: str) -> None:
    say(f"anxinma: error: {where}: {message}", err=True)


class Cli(click.Group):
    """A click group that turns every failure into one line on stderr and an exit status.

    Standard output may be a pipe that its reader closes early (``anxinma verify
    CODE | head -1``): from then on the output is discarded and the command
    ends as it would have, with its own exit status (the verdict's colour), and
    nothing on standard error.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        with _closed_pipe_tolerated() as guards:
            code = self._run(args, prog_name or "anxinma", complete_var, windows_expand_args, extra)
            for guard in guards:
                guard.flush()
                if guard.failure is not None:  # the output is incomplete: a write failure, exit 1
                    _report(guard.name, f"cannot write: {guard.failure.strerror or guard.failure}")
                    code = EXIT_RED
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


class _PipeSafeStdout(io.TextIOBase):
    """Standard output (or error) that goes quiet once its reader has gone (a closed pipe).

    Writes after ``EPIPE`` are dropped, and the file descriptor is pointed at
    the null device so that the interpreter's last flush cannot fail either.
    """

    def __init__(self, stream: TextIO, name: str = "standard output") -> None:
        super().__init__()
        self._stream = stream
        self.name = name
        self.gone = False
        self.failure: OSError | None = None

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._stream, "errors", None)

    @property
    def buffer(self) -> Any:
        return self._stream.buffer

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return not self.gone and self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._reader_gone()
            except OSError as exc:
                self._failed(exc)
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_gone()
            except OSError as exc:
                self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        """Output that cannot be written (a full disk, /dev/full): remembered, and reported once
        the command ends (exit 1 naming the stream; never raised here, where a caller probing the
        stream, as click does, would swallow it); the rest goes to the null device."""
        if self.failure is None:
            self.failure = exc
        self._reader_gone()

    def _reader_gone(self) -> None:
        self.gone = True
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)


@contextlib.contextmanager
def _closed_pipe_tolerated() -> Iterator[list[_PipeSafeStdout]]:
    """Standard output and standard error, for the run, as streams that go quiet when closed."""
    saved = (sys.stdout, sys.stderr)
    guards = tuple(
        _PipeSafeStdout(stream, name)
        if stream is not None and not isinstance(stream, _PipeSafeStdout)
        else None
        for stream, name in zip(saved, ("standard output", "standard error"), strict=True)
    )
    if guards[0] is not None:
        sys.stdout = guards[0]
    if guards[1] is not None:
        sys.stderr = guards[1]
    try:
        yield [guard for guard in guards if guard is not None]
    finally:
        for guard in guards:
            if guard is not None:
                guard.flush()
        if sys.stdout is guards[0] and saved[0] is not None:
            sys.stdout = saved[0]
        if sys.stderr is guards[1] and saved[1] is not None:
            sys.stderr = saved[1]


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
    if isinstance(exc, UnicodeError):  # bytes of an argument or file name that are not UTF-8
        _report("argument", "holds bytes that are not UTF-8 text (a file name or value from another locale?)")
        return EXIT_USAGE
    sqlite3 = sys.modules.get("sqlite3")  # not imported by every command (cold start of verify)
    if sqlite3 is not None and isinstance(exc, sqlite3.Error):  # no sqlite3 module, no sqlite3.Error
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
    ctx = exc.ctx if isinstance(exc, click.UsageError) else None
    if message.startswith("Got unexpected extra argument") and ctx is not None and _takes_code(ctx):
        # An unquoted code: base45 has spaces, so the shell split it into several arguments.
        return "usage", "got more than one argument: a code has spaces, so quote it: 'AXM1:...'" + hint
    return "usage", message[:1].lower() + message[1:] + hint


def _takes_code(ctx: click.Context) -> bool:
    """Whether the command takes a code as its argument (``CODE|-``)."""
    return any(
        isinstance(p, click.Argument) and (p.metavar or "").startswith("CODE") for p in ctx.command.params
    )


def _param_label(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


def clock() -> dt.datetime:
    """The current time: the CLI is where the clock is read."""
    return dt.datetime.now(dt.UTC)


#: The instants a code, a key window or a signed document can carry: 32-bit unsigned seconds since
#: 1970 (spec §5: NumericDate within 0 .. 2^32 - 1).
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2106, 2, 7, 6, 28, 15, tzinfo=dt.UTC)
_RANGE = "1970-01-01T00:00:00Z .. 2106-02-07T06:28:15Z"


def parse_time(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    """``--now``, ``--at``...: an ISO 8601 date and time WITH a UTC offset, inside the range a
    code can carry (:data:`EARLIEST` .. :data:`LATEST`); anything else is a usage error."""
    if value is None:
        return None
    shown = value if len(value) <= 40 else value[:37] + "..."
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{shown!r} is not an ISO 8601 date and time", ctx, param) from None
    if moment.tzinfo is None:
        raise click.BadParameter(
            f"{shown!r} has no UTC offset; give one, e.g. 2027-10-01T09:00:00+08:00 or ...Z", ctx, param
        )
    try:
        inside = EARLIEST <= moment <= LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise click.BadParameter(f"{shown!r} is outside the range a code can carry ({_RANGE})", ctx, param)
    return moment


def check_expiry(now: dt.datetime, days: int, *, option: str = "--valid-days") -> None:
    """Refuse a validity that would end past :data:`LATEST` (a usage error naming ``option``)."""
    if now + dt.timedelta(days=days) > LATEST:
        raise CliError(
            option,
            f"{days} days from {now.isoformat()} ends after 2106-02-07T06:28:15Z, the last instant "
            "a code or document can carry",
        )


def now_in_cst(now: dt.datetime | None) -> dt.datetime:
    """``--now`` or the clock, to the second, in China Standard Time (for documents and key windows)."""
    return (now or clock()).astimezone(CST).replace(microsecond=0)


#: What ``anxinma --help`` says once about every option that takes a time (``--now``, ``--at``...).
TIME_HELP = (
    "Times (--now, --at, --valid-from) are ISO 8601 with a UTC offset, e.g. 2027-10-01T09:00:00+08:00 "
    "(China Standard Time) or 2027-10-01T01:00:00Z, between 1970-01-01 and 2106-02-07T06:28:15Z (the "
    "range a code can carry). A time without an offset is refused (exit 2), never guessed."
)
NOW_HELP = (
    "Use this time instead of the clock (ISO 8601 with a UTC offset; see 'anxinma --help'). [default: now]"
)
NOW_OPTION = click.option("--now", metavar="ISO8601", callback=parse_time, help=NOW_HELP)
PASSPHRASE_OPTION = click.option(
    "--passphrase-env", metavar="VAR", help="The key's passphrase is in environment variable VAR."
)


class FiniteFloatRange(click.FloatRange):
    """A float option in a range that also refuses ``nan`` (which no range comparison catches)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


def out_option(metavar: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--out",
        "out_path",
        required=True,
        metavar=metavar,
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"The file to write ({metavar}); a previous version is replaced atomically.",
    )


def valid_days_option(default: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--valid-days",
        type=click.IntRange(1, MAX_DOCUMENT_DAYS),
        default=default,
        show_default=True,
        help="Days until the signed document expires.",
    )


#: The verdict policy options shared by ``verify``, ``scan`` and ``web build`` (spec §10.6).
MAX_STATUS_AGE_OPTION = click.option(
    "--max-status-age",
    type=FiniteFloatRange(0, 24 * MAX_DOCUMENT_DAYS, min_open=True),
    default=DEFAULT_POLICY.max_status_age.total_seconds() / 3600,
    show_default=True,
    metavar="HOURS",
    help="A status list issued longer ago than this (or past its expiry) is stale.",
)
STALE_OPTION = click.option(
    "--stale",
    type=click.Choice(["yellow", "red"]),
    default=DEFAULT_POLICY.stale_status_color.value,
    show_default=True,
    help="The colour a stale status list forces.",
)
UNCHECKED_OPTION = click.option(
    "--unchecked",
    type=click.Choice(["yellow", "red"]),
    default=DEFAULT_POLICY.unchecked_status_color.value,
    show_default=True,
    help="The colour of a code with a status entry whose revocation could not be checked "
    "(status_not_checked: no status list of its issuer held, the list refused, or bare keys).",
)
UNLISTED_OPTION = click.option(
    "--unlisted",
    type=click.Choice(["yellow", "red"]),
    default=DEFAULT_POLICY.unlisted_enterprise_color.value,
    show_default=True,
    help="The colour of a code whose enterprise is not in the directory held (enterprise_unlisted).",
)
#: Every verdict policy option, in the order ``--help`` lists them (verify, scan, web build).
POLICY_OPTIONS = (MAX_STATUS_AGE_OPTION, STALE_OPTION, UNCHECKED_OPTION, UNLISTED_OPTION)


def policy_of(*, max_status_age: float, stale: str, unchecked: str, unlisted: str) -> Policy:
    """The :class:`~anxinma.Policy` the :data:`POLICY_OPTIONS` give (spec §10.6)."""
    return Policy(
        max_status_age=dt.timedelta(hours=max_status_age),
        stale_status_color=Color(stale),
        unchecked_status_color=Color(unchecked),
        unlisted_enterprise_color=Color(unlisted),
    )


def command_group(name: str, summary: str) -> click.Group:
    """A command group that prints its help when called without a command."""

    @click.group(name, invoke_without_command=True, help=summary)
    @click.pass_context
    def group(ctx: click.Context) -> None:
        if ctx.invoked_subcommand is None:
            click.echo(ctx.get_help())

    return group
