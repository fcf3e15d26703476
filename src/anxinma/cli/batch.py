"""City-scale commands: ``batch`` (issue a whole file of workers) and ``population``.

Errors go through the one-line reporting of :mod:`anxinma.cli`
(:class:`~anxinma.cli.common.CliError`).  This module reads the clock (progress
rate and ETA, and ``now`` by default) like the rest of :mod:`anxinma.cli`; the
library modules it drives do not.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import os
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click

from .. import _demo
from ..batch import (
    DEFAULT_CHUNK,
    MAX_INPUT_BYTES,
    POPULATION_COLUMNS,
    BatchOptions,
    BatchResult,
    Progress,
    run_batch,
    synthetic_population,
)
from ..errors import UsageError
from ..fonts import FontMissingError
from ..issue import DEFAULT_VALID_DAYS, MAX_VALID_DAYS
from ..safetext import csv_text
from ..web.build import check_verifier_url
from .common import (
    EXIT_OK,
    EXIT_RED,
    NOW_OPTION,
    PASSPHRASE_OPTION,
    CliError,
    FiniteFloatRange,
    check_expiry,
    clock,
    plural,
    say,
)
from .documents import DIRECTORY_OPTION, ROOT_OPTION, optional_directory
from .files import (
    ENCODING_OPTION,
    check_db,
    make_dir,
    open_db,
    read_bytes,
    read_private_key,
    read_text,
    replace_file,
    utf8_bytes,
    write_failure,
)

__all__ = ["batch_command", "population_command"]

_POPULATION_AS_OF = "2026-12-01"


class _ProgressLine:
    """Count, rate and ETA on stderr: redrawn in place on a terminal, a line every 10 s otherwise."""

    def __init__(self, batch: str) -> None:
        self.batch = batch[:12]
        self.start = self.last = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.shown = False

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if now - self.last < (0.25 if self.tty else 10.0):
            return
        self.last = now
        self.draw(p, now)

    def draw(self, p: Progress, now: float) -> None:
        work, done = p.to_issue + p.to_render, p.issued + p.bad + p.rendered
        elapsed = max(now - self.start, 1e-9)
        rate = (p.issued + p.bad) / elapsed
        eta = elapsed * (work - done) / done if done else 0.0
        files = f", files {p.rendered:,}/{p.to_render:,}" if p.to_render else ""
        line = (
            f"batch {self.batch}: issued {p.issued:,}/{p.to_issue:,}, bad {p.bad:,}{files}, "
            f"{rate:,.0f} rows/s, ETA {_clock_time(eta)}"
        )
        click.echo(("\r" + line + "\x1b[K") if self.tty else line, err=True, nl=not self.tty)
        self.shown = True

    def close(self) -> None:
        if self.tty and self.shown:
            click.echo("", err=True)


def _clock_time(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


@contextlib.contextmanager
def _batch_lock(db_path: str) -> Iterator[None]:
    """One batch at a time per database (released by the OS if the process dies).

    The lock file sits beside the database's real path (two names of one
    database share one lock) and is opened with ``O_NOFOLLOW``: a symbolic link
    planted there is refused, never followed.
    """
    check_db(db_path)
    lock = Path(os.path.realpath(db_path) + ".batch-lock")
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(lock, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CliError(str(lock), "is a symbolic link; remove it (a lock is never followed)") from None
        raise write_failure(lock, exc) from None
    with os.fdopen(fd, "r+b") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CliError(str(lock), "is not a regular file; remove it")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CliError("--db", f"{db_path}: another batch is running on this database") from None
        yield


@click.command("batch")
@click.argument("workers", metavar="WORKERS.csv|WORKERS.jsonl")
@click.option("--key", "key_path", required=True, metavar="KEY.pem", help="Issuer private key (mode 0600).")
@click.option("--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for qr/, cards/, manifest.jsonl and errors.csv.")  # fmt: skip
@click.option("--format", "image", type=click.Choice(["svg", "png", "none"]), default="svg",
              show_default=True, help="QR image per worker; none: codes only (in the manifest).")  # fmt: skip
@click.option(
    "--cards", is_flag=True, help="Also a printable card per worker (cards/, SVG; PNG with --format png)."
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 512),
    help="At most this many worker processes (never more than there are chunks of rows to do). "
    "[default: every core]",
)
@click.option("--list-id", type=click.IntRange(0, 255), default=0, show_default=True, help="Status list.")
@click.option("--valid-days", type=click.IntRange(1, MAX_VALID_DAYS), default=DEFAULT_VALID_DAYS,
              show_default=True, help="Days until the codes expire.")  # fmt: skip
@click.option("--replace", is_flag=True, help="Re-issue: revoke a card's live credential in the same step.")
@DIRECTORY_OPTION
@ROOT_OPTION
@click.option("--specimen", is_flag=True, help="Overprint cards with 样例 SPECIMEN (synthetic data).")
@click.option("--verifier-url", metavar="URL",
              help="With --cards: the verifier page's address (https://...), printed as a small second "
              "QR code on each card (see 'anxinma web build').")  # fmt: skip
@ENCODING_OPTION
@click.option(
    "--group-readable",
    is_flag=True,
    help="Write the outputs with mode 0640 and their folders 0750 (the group may read: a print shop's "
    "group) instead of 0600 and 0700; see docs/batch.md, file modes.",
)
@NOW_OPTION
@PASSPHRASE_OPTION
@click.option("--chunk-size", type=click.IntRange(1, 100_000), default=DEFAULT_CHUNK, hidden=True)
@click.pass_context
def batch_command(
    ctx: click.Context, workers: str, key_path: str, db_path: str, out_dir: Path, image: str, cards: bool,
    jobs: int | None, list_id: int, valid_days: int, replace: bool, directory_path: str | None,
    root_paths: tuple[str, ...], specimen: bool, verifier_url: str | None, encoding: str,
    group_readable: bool, now: dt.datetime | None, passphrase_env: str | None, chunk_size: int,
) -> None:  # fmt: skip
    """Issue a code for every worker in a CSV or JSONL file, on every core.

    Writes OUT/qr/CARD_NO.svg (or .png), with --cards OUT/cards/CARD_NO.svg, the
    manifest OUT/manifest.jsonl (one line per credential, with its code) and
    OUT/errors.csv (row, field, reason of each bad row), all mode 0600 (they
    hold personal data; --group-readable: 0640). Bad rows never stop the batch.
    Killed or interrupted, the same command resumes it; run again when finished,
    it issues nothing. A file that is not UTF-8 is refused up front, saying what
    it looks like (a CSV saved by Excel on Chinese Windows: --encoding gb18030).
    PNG cards (--format png --cards) need a font with every character of the
    cards: checked before anything is issued.  A card that households have
    evaluated ('anxinma serve') gets the summary of its counted evaluations as
    its rating (spec/visit-v1.md §7.3), whatever the row says.  Exit status: 0
    every row issued, 1 some rows bad (the others issued), 2 nothing done
    (usage error).

    \b
    Examples:
      anxinma batch workers.csv --key nb.key.pem --db issuer.db --out cards/ --cards
      anxinma batch workers-gbk.csv --encoding gb18030 --key nb.key.pem --db issuer.db \\
          --out print/ --format png --cards --group-readable
    """
    moment = now or clock()
    if verifier_url is not None:
        if not cards:
            raise CliError("--verifier-url", "is printed on cards: add --cards")
        try:
            check_verifier_url(verifier_url)
        except UsageError as exc:
            raise CliError("--verifier-url", str(exc)) from None
    check_expiry(moment, valid_days)
    raw = read_bytes(workers, limit=MAX_INPUT_BYTES, what="worker file")
    data = utf8_bytes(raw, workers, encoding=encoding)
    key = read_private_key(key_path, passphrase_env)
    directory = optional_directory(directory_path, root_paths, moment)
    names = {e.uscc: e.name for e in directory.enterprises} if directory is not None else {}
    options = BatchOptions(out=out_dir, image=None if image == "none" else image, cards=cards, jobs=jobs,
                           list_id=list_id, valid_days=valid_days, replace=replace, enterprises=names,
                           chunk=chunk_size, specimen=specimen, verifier_url=verifier_url,
                           file_mode=0o640 if group_readable else 0o600)  # fmt: skip
    with _batch_lock(db_path), open_db(db_path) as db:
        options = dataclasses.replace(options, ratings=db.ratings_by_card())
        progress = _ProgressLine(workers)
        try:
            result = run_batch(data, source=workers, key=key, db=db, options=options, now=moment,
                               progress=progress)  # fmt: skip
        except FontMissingError as exc:
            raise CliError("--format png --cards", str(exc)) from None
        except UsageError as exc:
            where, _, message = str(exc).partition(": ")
            raise CliError(where, message or where) from None
        finally:
            progress.close()
    for warning in result.warnings[:20]:
        say(f"anxinma: warning: {warning}", err=True)
    say(_summary(result, workers), err=True)
    ctx.exit(EXIT_RED if result.bad else EXIT_OK)


def _summary(r: BatchResult, source: str) -> str:
    head = f"batch {r.batch_id[:12]} ({source}, {plural(r.rows, 'row')}): "
    bad = f"{plural(len(r.bad), 'bad row')} (see {r.errors})" if r.bad else "no bad rows"
    if not r.issued_now:
        return (
            head + f"nothing new to issue: {r.issued_before:,} issued before; {bad}; "
            f"{plural(r.files_written, 'file')} written"
        )
    return (
        head + f"{r.issued_now:,} issued now, {r.issued_before:,} before; {bad}; "
        f"{plural(r.files_written, 'file')} written; manifest {r.manifest}"
    )


@click.command("population")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The CSV file to write (replaced if it exists).")  # fmt: skip
@click.option("--count", type=click.IntRange(1, 10_000_000), default=59_216, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True)
@click.option(
    "--enterprises",
    "tsv_path",
    metavar="FILE.tsv",
    help="Enterprises with (synthetic) USCCs, tab-separated: rank, district, region_code, name, uscc. "
    "[default: the bundled table, 50 real Ningbo enterprises with synthetic USCCs]",
)
@ENCODING_OPTION
@click.option(
    "--as-of",
    "as_of",
    default=_POPULATION_AS_OF,
    show_default=True,
    metavar="YYYY-MM-DD",
    help="The day expiry dates spread around (fixed: the output is deterministic).",
)
@click.option("--bad-rate", type=FiniteFloatRange(0, 0.5), default=0.01, show_default=True,
              help="Share of rows with a planted defect.")  # fmt: skip
def population_command(
    out_path: Path, count: int, seed: int, tsv_path: str | None, encoding: str, as_of: str, bad_rate: float
) -> None:
    """Write a deterministic SYNTHETIC population of workers as CSV (made-up people, valid but
    made-up ID numbers, card numbers SYNB...), for tests, benchmarks and demos.

    \b
    Example:
      anxinma population --out workers.csv --count 1000
      anxinma batch workers.csv --key nb.key.pem --db issuer.db --out cards/ --specimen --cards
    """
    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        raise CliError("--as-of", f"{as_of!r} is not a date YYYY-MM-DD") from None
    if tsv_path is None:
        source, tsv = "the bundled enterprise table", _demo.enterprises_tsv()
    else:
        source, tsv = tsv_path, read_text(tsv_path, limit=1 << 20, what="enterprise table", encoding=encoding)
    try:
        rows = list(synthetic_population(tsv, count=count, seed=seed, as_of=day, bad_rate=bad_rate))
    except (UsageError, KeyError, ValueError, IndexError) as exc:
        raise CliError(source, f"not an enterprise table ({exc})") from None
    table = csv_text(POPULATION_COLUMNS, ([row.get(c, "") for c in POPULATION_COLUMNS] for row in rows))
    make_dir(out_path.parent)
    replace_file(out_path, table.encode("utf-8"))
    say(
        f"wrote {plural(len(rows), 'SYNTHETIC worker row')} (seed {seed}, as of {day}) "
        f"to {os.fspath(out_path)}",
        err=True,
    )
