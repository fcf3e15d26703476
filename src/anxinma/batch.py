"""Issuing at city scale: a file of worker records in, codes, QR images and cards out (docs/batch.md).

:func:`run_batch` reads a CSV or JSONL file of worker records, signs one
credential per good row on every core (:mod:`multiprocessing`: parsing,
checking, signing, the rows to store and the manifest lines, and rendering run
in worker processes), records each chunk in the issuer database in ONE
transaction together with its status indexes (the database is written by the
parent process only, with ``executemany``: the parent does no work per row
beyond the database's own), writes per worker a QR image and, if asked, a
printable card, and writes the manifest (JSONL) and the errors file at the end.

Crash safety: a credential exists once its chunk is committed; files are
written atomically (temporary file + rename) and only for committed
credentials; the manifest lists exactly the batch's credentials in the
database: the lines of what this run committed, spooled as committed, when the
database holds exactly those, else rebuilt from the database.  A run killed at
any point is resumed by running the same command again: the batch is the
SHA-256 of its input, rows already recorded are skipped (never re-signed),
missing files are drawn from the stored signed messages, and no card gets a
second live credential (see :meth:`anxinma.issuerdb.IssuerDB.issue`).  Running
a finished batch again issues nothing.

Bad rows never stop a batch: each is reported with its row (line number in the
file, the CSV header being row 1), field and reason.

This module does I/O (files, processes, SQLite) and is not part of the pure
core; it never reads the clock (``now`` is passed in).
"""

from __future__ import annotations

import array
import contextlib
import csv
import dataclasses
import datetime as dt
import errno
import functools
import hashlib
import importlib.util
import io
import itertools
import json
import multiprocessing
import os
import random
import re
import sqlite3
import stat
import tempfile
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntFlag
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import IO, Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import gbcodes
from ._files import replace_atomically
from .card import Photo, card_fixed_text, card_png, card_svg, link_symbol, qr_png, qr_svg, qr_symbol
from .errors import AnxinmaError, RecordError, UsageError
from .fonts import Font, font_for, installed_fonts
from .issue import Issuer, credential_for
from .issuerdb import BatchItem, Issuance, IssuanceRows, IssuerDB, Refusal
from .model import CST, Rating, Service, StatusRef
from .record import FIELDS, REQUIRED, parse_worker
from .safetext import csv_text, shown
from .transport import to_text
from .verify import decode_unverified

__all__ = [
    "CSV_COLUMNS",
    "BadRow",
    "BatchOptions",
    "BatchResult",
    "Files",
    "Progress",
    "csv_table",
    "read_input",
    "run_batch",
    "synthetic_population",
]

#: CSV columns: the record fields, with the nested ones flattened, and ``photo`` (cards only).
CSV_COLUMNS = (
    *(f for f in FIELDS if f not in ("background_check", "rating")),
    "background_result",
    "background_checked_on",
    "rating_average",
    "rating_count",
    "photo",
)
_REQUIRED_COLUMNS = REQUIRED
_SEPARATORS = re.compile(r"[;|]")
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_WHOLE = re.compile(r"[0-9]{1,9}\Z", re.ASCII)
_TENTHS = re.compile(r"[0-9](\.[0-9])?\Z", re.ASCII)
_TRUE = frozenset({"true", "yes", "1", "是"})
_FALSE = frozenset({"false", "no", "0", "否"})
_SERVICE_NAMES = {s.value: s.value for s in Service} | {s.label_zh: s.value for s in Service}
DEFAULT_CHUNK = 2048  # rows a transaction: fewer commits (WAL fsync, checkpoints) per row
MAX_INPUT_BYTES = 1 << 30


class Files(IntFlag):
    """Which files a credential has had written (stored in the database, per credential)."""

    QR_SVG = 1
    QR_PNG = 2
    CARD_SVG = 4
    CARD_PNG = 8


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that was not issued: where, which field, why."""

    row: int
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """How to run a batch (``anxinma batch`` options)."""

    out: Path
    image: str | None = "svg"  # "svg", "png" or None: codes only
    cards: bool = False
    jobs: int | None = None  # None: every core
    list_id: int = 0
    valid_days: int = 365
    replace: bool = False
    enterprises: Mapping[str, str] = field(default_factory=dict)  # USCC -> name, for cards
    chunk: int = DEFAULT_CHUNK
    specimen: bool = False
    file_mode: int = 0o600  # personal data: owner only; 0o640 for a print shop's group (docs/batch.md)
    #: card number -> the rating summary of its recorded evaluations (spec/visit-v1.md §7.3);
    #: a card found here gets that rating instead of the row's.
    ratings: Mapping[str, Rating] = field(default_factory=dict)
    #: The verifier page's address: cards carry it as a small second QR code (issue 11).
    verifier_url: str | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a running batch is: rows to issue, issued, files to write, written."""

    to_issue: int
    issued: int
    bad: int
    to_render: int
    rendered: int


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a run did."""

    batch_id: str
    rows: int
    issued_now: int
    issued_before: int
    bad: tuple[BadRow, ...]
    files_written: int
    manifest: Path
    errors: Path
    warnings: tuple[str, ...] = ()


# -- input ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    number: int
    cells: Mapping[str, str] | str  # CSV cells by column, or one JSONL line


def read_input(data: bytes, *, name: str) -> tuple[list[_Row], list[BadRow]]:
    """Rows of a CSV or JSONL input (by ``name``'s suffix); rows malformed as CSV are
    returned as bad rows, a malformed header raises :class:`UsageError`."""
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    if name.lower().endswith((".jsonl", ".ndjson")):
        return _jsonl_rows(text), []
    if name.lower().endswith(".csv"):
        return _csv_rows(text, name)
    raise UsageError(f"{name}: the file name must end in .csv or .jsonl")


def _jsonl_rows(text: str) -> list[_Row]:
    lines = text.split("\n")
    return [_Row(n, line.removesuffix("\r")) for n, line in enumerate(lines, 1) if line.strip()]


def _csv_rows(text: str, name: str) -> tuple[list[_Row], list[BadRow]]:
    header, table, bad = csv_table(text, name, blank=lambda cells: not any(cells))
    _check_header(header, name)
    return [_Row(n, dict(zip(header, cells, strict=True))) for n, cells in table], bad


def csv_table(
    text: str, name: str, *, blank: Callable[[list[str]], bool]
) -> tuple[list[str], list[tuple[int, list[str]]], list[BadRow]]:
    """A CSV text as its header, its data rows ``(line, cells)`` and its bad rows.

    A row that is not CSV, or whose number of cells differs from the header's, is a bad
    row naming the line it starts on; a row for which ``blank(cells)`` holds is skipped.
    A header that is not CSV, or an empty text, raises :class:`UsageError`.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise UsageError(f"{name} row 1: not CSV ({exc})") from None
    if header is None:
        raise UsageError(f"{name}: empty file; the first row must name the columns")
    rows: list[tuple[int, list[str]]] = []
    bad: list[BadRow] = []
    start = 2
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            bad.append(BadRow(reader.line_num, "row", f"not CSV ({exc})"))
            start = reader.line_num + 1
            continue
        if cells is None:
            return header, rows, bad
        if cells and not blank(cells):
            if len(cells) != len(header):
                bad.append(BadRow(start, "row", f"has {len(cells)} cells; the header has {len(header)}"))
            else:
                rows.append((start, cells))
        start = reader.line_num + 1


def _check_header(header: list[str], name: str) -> None:
    unknown = next((c for c in header if c not in CSV_COLUMNS), None)
    if unknown is not None:
        known = ", ".join(CSV_COLUMNS)
        raise UsageError(f"{name} row 1: unknown column '{shown(unknown)}' (columns: {known})")
    twice = next((c for c in header if header.count(c) > 1), None)
    if twice is not None:
        raise UsageError(f"{name} row 1: column {twice!r} appears twice")
    missing = next((c for c in _REQUIRED_COLUMNS if c not in header), None)
    if missing is not None:
        raise UsageError(f"{name} row 1: the required column {missing!r} is missing")


def _strict_json(line: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in items]
        twice = next((k for k in keys if keys.count(k) > 1), None)
        if twice is not None:
            raise RecordError(twice, "appears twice in one JSON object")
        return dict(items)

    def constant(value: str) -> Any:
        raise RecordError("json", f"{value} is not a JSON value")

    try:
        return json.loads(line, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise RecordError("json", f"not valid JSON at column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise RecordError("json", "nested too deeply") from None


def _csv_record(cells: Mapping[str, str]) -> dict[str, Any]:
    """The JSON-style record of a CSV row (docs/batch.md: CSV columns)."""
    record: dict[str, Any] = {
        k: cells[k] for k in ("name", "id_number", "card_no", "enterprise_uscc", "region")
    }
    record["services"] = [_service(s.strip()) for s in _SEPARATORS.split(cells["services"]) if s.strip()]
    record["identity_verified"] = _flag(cells["identity_verified"])
    for key in ("health_exam_valid_until", "insurance_valid_until"):
        if cells.get(key):
            record[key] = cells[key]
    for key in ("training_hours", "credit_score"):
        if cells.get(key):
            record[key] = _whole(cells[key], key)
    background = _pair(cells, "background_result", "background_checked_on", "background_check")
    if background is not None:
        record["background_check"] = {"result": background[0], "checked_on": background[1]}
    rating = _pair(cells, "rating_average", "rating_count", "rating")
    if rating is not None:
        if not _TENTHS.match(rating[0]):
            raise RecordError("rating.average", f"{rating[0]!r} is not a number 0.0..5.0 in tenths")
        record["rating"] = {"average": float(rating[0]), "count": _whole(rating[1], "rating.count")}
    return record


def _service(name: str) -> str:
    return _SERVICE_NAMES.get(name, name)  # unknown names are refused by parse_worker, naming them


def _flag(value: str) -> bool:
    low = value.strip().lower()
    if low in _TRUE or low in _FALSE:
        return low in _TRUE
    raise RecordError("identity_verified", f"{value!r} is not true or false")


def _whole(value: str, key: str) -> int:
    if not _WHOLE.match(value):
        raise RecordError(key, f"{value!r} is not a whole number")
    return int(value)


def _pair(cells: Mapping[str, str], a: str, b: str, what: str) -> tuple[str, str] | None:
    first, second = cells.get(a, ""), cells.get(b, "")
    if not first and not second:
        return None
    if not first or not second:
        raise RecordError(what, f"give both {a} and {b}, or neither")
    return first, second


def _not_utf8(cells: Mapping[str, str] | str) -> str | None:
    if isinstance(cells, str):
        return "json" if _UNDECODED.search(cells) else None
    if not _UNDECODED.search("".join(cells.values())):  # one search for the whole row
        return None
    return next((k for k, v in cells.items() if _UNDECODED.search(v)), None)


# -- worker processes -------------------------------------------------------------------
#
# What crosses the process boundary is plain values in NamedTuples, one message per chunk
# each way: the parent sends rows and their status indexes; a worker sends back the
# database rows of the credentials it signed (issuerdb.IssuanceRows), their manifest lines
# and render jobs, and its bad rows, so that the parent only stores and writes them.

_STATE: dict[str, Any] = {}


class _Task(NamedTuple):
    """A chunk to sign: rows as (row number, CSV cells or JSONL line), the status index
    of each (in list ``_STATE["list_id"]``), the photo of each (cards only, else ``None``)."""

    rows: list[tuple[int, Mapping[str, str] | str]]
    indexes: list[int]
    photos: list[str | None] | None


class _Job(NamedTuple):
    """The files to write for one committed credential."""

    cred_id: str
    card_no: str
    message: bytes
    photo: str | None
    files: int  # Files still to write


class _Signed(NamedTuple):
    """A signed chunk, ready to store: the database rows of its credentials, and in the
    same order their manifest lines and render jobs (``None``: no files wanted); its bad rows."""

    rows: IssuanceRows
    lines: list[str]
    jobs: list[_Job] | None
    bad: list[BadRow]


def _init_worker(config: dict[str, Any]) -> None:
    """Pool initializer: the signing key, the database's ID secret and the run options;
    and a watchdog that ends this process when the batch process is gone (killed)."""
    _STATE.update(config)
    issuer = Issuer(Ed25519PrivateKey.from_private_bytes(config["key"]))
    _STATE["issuer"], _STATE["kid"] = issuer, issuer.kid.hex()
    url = config.get("verifier_url")
    _STATE["link"] = None if url is None else link_symbol(url)
    threading.Thread(target=_watch, args=(config["parent"],), daemon=True).start()


def _watch(parent: int) -> None:
    while True:
        time.sleep(0.5)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # pragma: no cover  (pid reused by another user: the parent is gone)
            os._exit(0)


def _sign_chunk(task: _Task) -> _Signed:
    """Parse, check and sign a chunk of rows (in a worker process)."""
    credentials: list[tuple[Any, ...]] = []
    workers: list[tuple[Any, ...]] = []
    lines: list[str] = []
    bad: list[BadRow] = []
    wanted = _STATE["wanted"]
    jobs: list[_Job] | None = [] if wanted else None
    photos = task.photos if task.photos is not None else [None] * len(task.rows)
    for (number, cells), index, photo in zip(task.rows, task.indexes, photos, strict=True):
        signed = _sign_row(number, cells, index, photo)
        if isinstance(signed, BadRow):
            bad.append(signed)
            continue
        cred_row, worker_row, line = signed
        credentials.append(cred_row)
        workers.append(worker_row)
        lines.append(line)
        if jobs is not None:
            jobs.append(_Job(cred_row[0], cred_row[1], cred_row[8], photo, wanted))
    return _Signed(IssuanceRows(credentials, workers), lines, jobs, bad)


def _sign_row(number: int, cells: Mapping[str, str] | str, index: int, photo: str | None
              ) -> tuple[tuple[Any, ...], tuple[Any, ...], str] | BadRow:  # fmt: skip
    """One row: its credentials and workers rows and its manifest line, or why it is bad."""
    state = _STATE
    where = None if state["utf8"] else _not_utf8(cells)
    if where is not None:
        return BadRow(number, where, "not UTF-8 text")
    try:
        record = _csv_record(cells) if isinstance(cells, Mapping) else _strict_json(cells)
        worker = parse_worker(record)
        rating = state["ratings"].get(worker.card_no)
        if rating is not None:
            worker = dataclasses.replace(worker, rating=rating)
        if photo is not None:
            _load_photo(state["photo_dir"], photo)
        issuer: Issuer = state["issuer"]
        ref = StatusRef(list_id=state["list_id"], index=index)
        cred = credential_for(worker, now=state["now"], valid_days=state["valid_days"], status=ref)
        message = issuer.sign(cred)
        cred_row, worker_row = Issuance.rows_of(message, cred, worker, key=state["id_key"], kid=issuer.kid,
                                                batch_id=state["batch_id"], row_no=number)  # fmt: skip
    except RecordError as exc:
        return BadRow(number, exc.field, exc.message)
    except AnxinmaError as exc:
        return BadRow(number, "photo" if photo is not None else "record", str(exc))
    cred_id, card_no, name, kid, _, _, iat, exp = cred_row[:8]
    code = to_text(message)
    status = (ref.list_id, index)
    line = _manifest_line(number, card_no, name, cred_id, kid, status, iat, exp, code, state["wanted"])
    return cred_row, worker_row, line


_PHOTO_MAX_BYTES = 8 << 20
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _photo_parts(relative: str) -> list[str]:
    """The components of a ``photo`` cell, a path inside the CSV's folder; anything else raises."""
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    if relative.startswith(("/", "\\")) or os.path.isabs(relative) or re.match(r"[A-Za-z]:", relative):
        raise UsageError(f"photo {relative}: an absolute path; give a path inside the CSV's folder")
    if ".." in parts or not parts:
        raise UsageError(f"photo {relative}: give a path inside the CSV's folder (no '..')")
    return parts


def _load_photo(folder: str, relative: str) -> Photo:
    """The photo at ``relative`` inside ``folder`` (the CSV's folder): every component opened
    relative to the one before with ``O_NOFOLLOW`` (no symlink leads out), the file without
    blocking (a FIFO is refused, never waited on), checked with ``fstat`` and read up to 8 MiB."""
    parts = _photo_parts(relative)
    fd = -1
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NO_FOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
        inner = os.open(parts[-1], os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NO_FOLLOW, dir_fd=fd)
        os.close(fd)
        fd = inner
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"photo {relative}: not a regular file")
        if info.st_size > _PHOTO_MAX_BYTES:
            raise UsageError(f"photo {relative}: larger than {_PHOTO_MAX_BYTES >> 20} MiB")
        data = os.read(fd, _PHOTO_MAX_BYTES + 1)
    except OSError as exc:
        link = exc.errno in (errno.ELOOP, errno.ENOTDIR)
        reason = "a symbolic link (photos are files inside the CSV's folder)" if link else exc.strerror
        raise UsageError(f"photo {relative}: {reason or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    return Photo.from_bytes(data)


def _render_chunk(jobs: list[_Job]) -> tuple[list[tuple[str, int]], int, list[str]]:
    """Write the files of committed credentials (in a worker process): what was written
    as (credential id, Files flags), the number of files, warnings."""
    done = [_render(job) for job in jobs]
    files = sum(flags.bit_count() for _, flags, _ in done)
    return [(cred_id, flags) for cred_id, flags, _ in done], files, [w for _, _, w in done if w]


def _render(job: _Job) -> tuple[str, int, str | None]:
    out: Path = _STATE["out"]
    text = to_text(job.message)
    symbol = qr_symbol(text)
    done, warning = 0, None
    if job.files & Files.QR_SVG:
        _atomic_write(out / "qr" / f"{job.card_no}.svg", qr_svg(symbol).encode())
    if job.files & Files.QR_PNG:
        _atomic_write(out / "qr" / f"{job.card_no}.png", qr_png(symbol))
    done |= job.files & (Files.QR_SVG | Files.QR_PNG)
    if job.files & (Files.CARD_SVG | Files.CARD_PNG):
        photo = None
        if job.photo is not None:
            try:
                photo = _load_photo(_STATE["photo_dir"], job.photo)
            except UsageError as exc:
                warning = f"{exc}; the card shows a placeholder"
        cred = decode_unverified(text).credential
        assert cred is not None  # we signed it
        enterprise = _STATE["enterprises"].get(cred.enterprise_uscc)
        svg = card_svg(
            cred, text, enterprise=enterprise, photo=photo, specimen=_STATE["specimen"], symbol=symbol,
            link=_STATE.get("link"),
        )  # fmt: skip
        if job.files & Files.CARD_SVG:
            _atomic_write(out / "cards" / f"{job.card_no}.svg", svg.encode())
            done |= Files.CARD_SVG
        if job.files & Files.CARD_PNG:
            try:
                png = card_png(svg, font=_STATE["font"])
            except UsageError as exc:  # a character no font has: never a card with boxes
                return job.cred_id, done, f"card {job.card_no}: {exc}; not written (run the batch again)"
            _atomic_write(out / "cards" / f"{job.card_no}.png", png)
            done |= Files.CARD_PNG
    return job.cred_id, done, warning


def _atomic_write(path: Path, data: bytes, *, sync: bool = False, mode: int | None = None) -> None:
    """Write ``path`` by renaming a complete temporary file over it: never half a file; with
    ``mode``, else the run's file mode (in a worker process; 0600 unless the options say otherwise)."""
    replace_atomically(path, data, mode=_STATE.get("mode", 0o600) if mode is None else mode, sync=sync)


# -- the manifest ----------------------------------------------------------------------------


def _manifest_line(row: int, card_no: str, name: str, cred_id: str, kid: str, status: tuple[int, int] | None,
                   iat: int, exp: int, code: str, files: int) -> str:  # fmt: skip
    """One line of manifest.jsonl (docs/batch.md), newline included; ``files``: the Files
    written.  Written by the worker that signed the credential, or rebuilt from the database.

    Exactly ``json.dumps(entry, ensure_ascii=False)`` of the entry (a test checks it), put
    together from its strings, each encoded by :mod:`json`'s own string encoder.
    """
    text = _json_text
    shown = "null" if status is None else f'{{"list_id": {int(status[0])}, "index": {int(status[1])}}}'
    names = ", ".join(f"{text(k)}: {text(v)}" for k, v in _file_names(card_no, files).items())
    return (
        f'{{"row": {int(row)}, "card_no": {text(card_no)}, "name": {text(name)}, "cred_id": {text(cred_id)}, '
        f'"kid": {text(kid)}, "status": {shown}, "iat": {text(_iso(iat))}, "exp": {text(_iso(exp))}, '
        f'"code": {text(code)}, "files": {{{names}}}}}\n'
    )


_json_text: Callable[[str], str] = json.encoder.encode_basestring


_FILE_NAMES = (
    (Files.QR_SVG, "qr", "svg"),
    (Files.QR_PNG, "qr", "png"),
    (Files.CARD_SVG, "cards", "svg"),
    (Files.CARD_PNG, "cards", "png"),
)


def _file_names(card_no: str, files: int) -> dict[str, str]:
    """The files of a credential, by flag name (``qr_svg``), as paths relative to the output folder."""
    if not files:
        return {}
    return {str(flag.name).lower(): f"{folder}/{card_no}.{ext}" for flag, folder, ext in _FILE_NAMES
            if files & flag}  # fmt: skip


@functools.lru_cache(maxsize=64)
def _iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, CST).isoformat()


# -- the parent: allocation, recording, scheduling ---------------------------------------


def _wanted(options: BatchOptions) -> int:
    files = {"svg": Files.QR_SVG, "png": Files.QR_PNG, None: 0}[options.image]
    if options.cards:
        files |= Files.CARD_PNG if options.image == "png" else Files.CARD_SVG
    return int(files)


def _paths(out: Path, card_no: str, files: int) -> dict[Files, Path]:
    return {flag: out / folder / f"{card_no}.{ext}" for flag, folder, ext in _FILE_NAMES if files & flag}


def _missing(item: BatchItem, wanted: int, out: Path) -> int:
    """Files of ``item`` still to write: not recorded as written, or no longer on disk."""
    need = wanted & ~item.rendered
    for flag, path in _paths(out, item.card_no, wanted & item.rendered).items():
        if not path.exists():
            need |= flag
    return need


class _Allocator:
    """Random unused status indexes of one list (herd privacy, spec §15.3), drawn in memory;
    an index is taken for good only when its credential is committed."""

    def __init__(self, db: IssuerDB, list_id: int, needed: int) -> None:
        size = db.lists().get(list_id)
        if size is None:
            raise UsageError(f"--list-id: no status list {list_id}; create it with 'anxinma status new'")
        self.used = db.used_indexes(list_id)
        if size - len(self.used) < needed:
            free = size - len(self.used)
            raise UsageError(f"--list-id: status list {list_id} has {free} free entries; {needed} are needed")
        self.list_id, self.size = list_id, size

    def take(self, count: int) -> list[int]:
        """``count`` distinct unused indexes, each drawn uniformly from the list's indexes
        (the operating system's CSPRNG, 32 bits a draw, without modulo bias) until an
        unused one comes: the same distribution as drawing them one by one."""
        taken: dict[int, None] = {}
        width = array.array("I").itemsize
        limit = (1 << 8 * width) - (1 << 8 * width) % self.size
        size, used = self.size, self.used
        while len(taken) < count:
            draws = array.array("I", os.urandom(width * (count - len(taken) + 16)))
            for value in draws:
                index = value % size
                if value < limit and index not in used and index not in taken:
                    taken[index] = None
                    if len(taken) == count:
                        break
        used.update(taken)
        return list(taken)


@dataclass
class _Run:
    """The parent's state during one run."""

    db: IssuerDB
    options: BatchOptions
    batch_id: str
    now: dt.datetime
    report: Callable[[Progress], None]
    spool: IO[str]  # this run's manifest lines, in the order committed
    bad: list[BadRow] = field(default_factory=list)
    issued: int = 0
    to_render: int = 0
    rendered: int = 0
    files: int = 0
    to_issue: int = 0
    warnings: list[str] = field(default_factory=list)

    def progress(self) -> None:
        self.report(Progress(self.to_issue, self.issued, len(self.bad), self.to_render, self.rendered))

    def commit(self, signed: _Signed) -> list[_Job]:
        """Record one signed chunk in one transaction, append its manifest lines to the
        spool; the render jobs of what was recorded."""
        try:
            refused = self.db.issue_rows(signed.rows, now=self.now, replace=self.options.replace)
        except sqlite3.IntegrityError as exc:
            raise UsageError(f"{self.db.path}: another process wrote the same status index ({exc}); "
                             "run the batch again to resume it") from None  # fmt: skip
        lines, jobs = signed.lines, signed.jobs or []
        self.bad += signed.bad
        if refused:
            gone = {position for position, _ in refused}
            self.bad += [_bad(refusal) for _, refusal in refused]
            lines = [line for n, line in enumerate(lines) if n not in gone]
            jobs = [job for n, job in enumerate(jobs) if n not in gone]
        self.spool.write("".join(lines))
        self.issued += len(lines)
        return jobs


def _bad(refusal: Refusal) -> BadRow:
    return BadRow(refusal.row_no or 0, refusal.field, refusal.reason)


def _photo_path(row: _Row) -> str | None:
    """The ``photo`` cell of a CSV row: a path inside the CSV's folder (checked when it is read)."""
    if not isinstance(row.cells, Mapping) or not row.cells.get("photo"):
        return None
    return row.cells["photo"]


_UNDRAWN = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})  # refused in names anyway


def _printed(row: _Row, enterprises: Mapping[str, str]) -> tuple[str, str]:
    """The text a row puts on its card besides the fixed labels: where, and what."""
    cells: Any = row.cells
    if not isinstance(cells, Mapping):
        try:
            cells = json.loads(cells)
        except ValueError:
            return "", ""
        if not isinstance(cells, dict):
            return "", ""
    name, uscc = cells.get("name"), cells.get("enterprise_uscc")
    firm = enterprises.get(uscc, "") if isinstance(uscc, str) else ""
    text = (name if isinstance(name, str) else "") + firm
    drawn = "".join(c for c in text if unicodedata.category(c) not in _UNDRAWN)
    return f"row {row.number} (name, enterprise)", drawn


def _card_font(rows: list[_Row], enterprises: Mapping[str, str]) -> Font:
    """One installed font with a glyph for every character the cards of ``rows`` print; raise
    :class:`~anxinma.fonts.FontMissingError` naming the first row that has a character none has."""
    fonts = installed_fonts()
    needed = card_fixed_text()
    font = font_for(needed, fonts=fonts, where="the card's labels")
    for row in rows:
        where, text = _printed(row, enterprises)
        if font.missing(text):
            needed += text
            font = font_for(needed, fonts=fonts, where=where)
    return font


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one (no inherited SQLite handle or threads), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _tasks(rows: list[_Row], indexes: list[int], photos: dict[int, str | None] | None,
           size: int) -> Iterator[_Task]:  # fmt: skip
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        shown = None if photos is None else [photos.get(r.number) for r in part]
        yield _Task([(r.number, r.cells) for r in part], indexes[start : start + size], shown)


def run_batch(
    data: bytes,
    *,
    source: str,
    key: Ed25519PrivateKey,
    db: IssuerDB,
    options: BatchOptions,
    now: dt.datetime,
    progress: Callable[[Progress], None] = lambda _: None,
) -> BatchResult:
    """Issue every good row of ``data`` (the bytes of CSV/JSONL file ``source``) not issued yet.

    Resumable and idempotent: see the module docstring and docs/batch.md.
    """
    rows, bad = read_input(data, name=source)
    font = None
    if options.cards and options.image == "png":
        if importlib.util.find_spec("cairosvg") is None:
            raise UsageError("--format: PNG cards need cairosvg: pip install 'anxinma[png]' (or SVG cards)")
        font = _card_font(rows, options.enterprises)  # before anything is issued: never a card of boxes
    batch_id = hashlib.sha256(data).hexdigest()
    issuer = Issuer(key)
    previous = db.batch_items(batch_id)
    done = {item.row_no for item in previous}
    todo = [r for r in rows if r.number not in done]
    allocator = _Allocator(db, options.list_id, len(todo))
    db.begin_batch(batch_id, source=Path(source).name, rows=len(rows) + len(bad), kid=issuer.kid,
                   list_id=options.list_id, valid_days=options.valid_days, now=now)  # fmt: skip
    photos = {r.number: _photo_path(r) for r in rows} if options.cards else None
    _prepare_out(options)
    wanted = _wanted(options)
    redo = [(item, _missing(item, wanted, options.out)) for item in previous]
    shown = photos or {}
    jobs = [_Job(i.cred_id, i.card_no, i.message, shown.get(i.row_no), need) for i, need in redo if need]
    tasks = _tasks(todo, allocator.take(len(todo)), photos, options.chunk)
    config = {"key": key.private_bytes_raw(), "id_key": db.id_key, "now": now, "out": options.out,
              "valid_days": options.valid_days, "enterprises": dict(options.enterprises),
              "specimen": options.specimen, "parent": os.getpid(), "batch_id": batch_id,
              "photo_dir": str(Path(source).parent), "font": font, "mode": options.file_mode,
              "ratings": dict(options.ratings), "verifier_url": options.verifier_url,
              "list_id": options.list_id, "wanted": wanted, "utf8": _is_utf8(data)}  # fmt: skip
    fd, spool_path = tempfile.mkstemp(dir=options.out, prefix=".manifest.jsonl.", suffix=".tmp")
    with open(fd, "w", encoding="utf-8", newline="") as spool:
        run = _Run(db, options, batch_id, now, progress, spool, bad=list(bad), to_issue=len(todo))
        try:
            try:
                with db.bulk_writes():
                    _schedule(run, jobs, tasks, config, len(todo))
            finally:
                manifest, errors = _write_reports(run, options, Path(spool_path))
        finally:
            Path(spool_path).unlink(missing_ok=True)
    db.finish_batch(batch_id, now=now)  # every row issued or reported
    bad_rows = tuple(sorted(run.bad, key=_order))
    counts = (len(rows) + len(bad), run.issued, len(done))
    return BatchResult(batch_id, *counts, bad_rows, run.files, manifest, errors, tuple(run.warnings))


def _is_utf8(data: bytes) -> bool:
    """Whether all of ``data`` is UTF-8: then no row has a byte that is not (one check for the
    input instead of one per row in the workers)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _order(bad: BadRow) -> tuple[int, str]:
    return bad.row, bad.field


def _prepare_out(options: BatchOptions) -> None:
    """Create the output folders (as private as the files: 0700, or 0750 when the group may read);
    remove temporary files a killed run left behind."""
    folder_mode = 0o700 | (0o050 if options.file_mode & 0o040 else 0)
    options.out.mkdir(mode=folder_mode, parents=True, exist_ok=True)
    for folder in (options.out, options.out / "qr", options.out / "cards"):
        folder.mkdir(mode=folder_mode, exist_ok=True)
        for stale in folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()


def _schedule(run: _Run, jobs: list[_Job], tasks: Iterator[_Task], config: dict[str, Any], todo: int) -> None:
    """Sign chunks in order (at most two per process in flight), commit each, and queue
    the files of what was committed behind them, so that issuing and rendering interleave."""
    options = run.options
    run.to_render = len(jobs) + (todo if _wanted(options) else 0)
    run.progress()
    if not jobs and not todo:
        return
    processes = _processes(options, todo=todo, redo=len(jobs))
    with _context().Pool(processes, initializer=_init_worker, initargs=(config,)) as pool:
        renders: deque[AsyncResult[Any]] = deque()
        for start in range(0, len(jobs), options.chunk):
            renders.append(pool.apply_async(_render_chunk, (jobs[start : start + options.chunk],)))
        signing: deque[AsyncResult[_Signed]] = deque()
        for task in itertools.islice(tasks, 2 * processes):
            signing.append(pool.apply_async(_sign_chunk, (task,)))
        while signing:
            signed = signing.popleft().get()
            committed = run.commit(signed)
            if _wanted(options):
                run.to_render -= len(signed.lines) + len(signed.bad) - len(committed)
                if committed:
                    renders.append(pool.apply_async(_render_chunk, (committed,)))
            for task in itertools.islice(tasks, 1):
                signing.append(pool.apply_async(_sign_chunk, (task,)))
            _drain(run, renders, block=False)
            run.progress()
        _drain(run, renders, block=True)
        pool.close()
        pool.join()
    run.progress()


def _processes(options: BatchOptions, *, todo: int, redo: int) -> int:
    """How many worker processes to start: ``jobs`` (default: every core), but never more than
    there are chunks of work (rows to sign, files to redo), each of which one process takes whole:
    ``--jobs 512`` on five rows starts one process, not 512."""
    chunks = -(-todo // options.chunk) + -(-redo // options.chunk)
    return max(1, min(options.jobs or os.cpu_count() or 1, chunks))


def _drain(run: _Run, renders: deque[AsyncResult[Any]], *, block: bool) -> None:
    while renders and (block or renders[0].ready()):
        written, files, warnings = renders.popleft().get()
        run.db.mark_rendered(written)
        run.rendered += len(written)
        run.files += files
        run.warnings += warnings
        run.progress()


def _write_reports(run: _Run, options: BatchOptions, spool: Path) -> tuple[Path, Path]:
    """Write the manifest and the errors file (both atomically, fsynced).

    The manifest lists exactly the batch's credentials in the database.  When the
    database holds exactly the credentials this run committed, each with exactly the
    files wanted, the spool of their lines is that manifest and is renamed into place;
    otherwise (a resumed run, files missing) the manifest is rebuilt from the database.
    """
    manifest, errors = options.out / "manifest.jsonl", options.out / "errors.csv"
    run.spool.flush()
    wanted = _wanted(options)
    if run.db.batch_rendered(run.batch_id) == ({wanted: run.issued} if run.issued else {}):
        os.fchmod(run.spool.fileno(), options.file_mode)
        os.fsync(run.spool.fileno())
        os.replace(spool, manifest)
    else:
        lines = [
            _manifest_line(i.row_no, i.card_no, i.name, i.cred_id, i.kid,
                           None if i.status_ref is None else (i.status_ref.list_id, i.status_ref.index),
                           i.iat, i.exp, to_text(i.message), i.rendered)
            for i in run.db.batch_items(run.batch_id)
        ]  # fmt: skip
        _atomic_write(manifest, "".join(lines).encode(), sync=True, mode=options.file_mode)
    bad = [(b.row, b.field, b.reason) for b in sorted(run.bad, key=_order)]
    table = csv_text(("row", "field", "reason"), bad)
    _atomic_write(errors, table.encode(), sync=True, mode=options.file_mode)
    return manifest, errors


# -- a synthetic population (tests, benchmarks, demos) ------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金贾夏韦方付邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = "秀英桂兰玉梅凤霞红丽娟芳敏静燕艳华萍春雪云琴慧颖婷晓丹亚利美月彩金爱素翠建国平军明海伟强文杰勇"
_MINORITY_GIVEN = (
    "阿依古丽",
    "古丽娜尔",
    "热依拉",
    "帕提古丽",
    "努尔",
    "米热阿依",
    "再努尔",
    "阿娜尔",
    "布合力其",
)
_MINORITY_FAMILY = ("买买提", "艾力", "吐尔逊", "阿不都", "依明", "艾则孜", "托合提", "热合曼", "肉孜")
#: Birth regions of ID numbers (GB/T 2260 county codes): Ningbo districts first, then common origins.
_BIRTH_REGIONS = (
    ("330203", 14), ("330205", 5), ("330206", 6), ("330211", 6), ("330212", 16), ("330213", 4),
    ("330225", 3), ("330226", 4), ("330281", 6), ("330282", 7), ("330102", 2), ("330302", 2),
    ("341222", 5), ("360121", 4), ("411302", 4), ("510122", 3), ("520102", 3), ("431121", 2),
)  # fmt: skip
_SERVICE_WEIGHTS = ((Service.HOUSEKEEPING, 30), (Service.CLEANING, 22), (Service.ELDERLY_CARE, 14),
                    (Service.INFANT_CARE, 12), (Service.MATERNITY_CARE, 9), (Service.COOKING, 8),
                    (Service.PATIENT_CARE, 4), (Service.HOME_APPLIANCE_REPAIR, 1))  # fmt: skip
POPULATION_COLUMNS = tuple(c for c in CSV_COLUMNS if c != "photo")


def _enterprise_rows(tsv: str) -> list[tuple[int, str, str, str]]:
    """(rank, region, name, USCC) of examples/enterprises.tsv; a region-less row takes the
    USCC's region (characters 3-8); an enterprise listed twice is kept once."""
    lines = [line for line in tsv.splitlines() if line and not line.startswith("#")]
    header = lines[0].split("\t")
    out, seen = [], set()
    for line in lines[1:]:
        cells = dict(zip(header, line.split("\t"), strict=True))
        uscc = cells["uscc"]
        if gbcodes.uscc_problem(uscc) is not None:
            raise UsageError(f"enterprises: {uscc!r} is not a valid USCC")
        if uscc not in seen:
            seen.add(uscc)
            out.append((int(cells["rank"]), cells["region_code"] or uscc[2:8], cells["name"], uscc))
    return out


def _id_number(rng: random.Random, region: str, taken: set[str]) -> str:
    while True:
        born = dt.date(1963, 1, 1) + dt.timedelta(days=rng.randrange(13_870))
        sequence = rng.randrange(0, 999, 2) if rng.random() < 0.9 else rng.randrange(1, 999, 2)
        first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
        number = first17 + gbcodes.id_check_char(first17)
        if number not in taken:
            taken.add(number)
            return number


def _name(rng: random.Random) -> tuple[str, bool]:
    if rng.random() < 0.02:
        return f"{rng.choice(_MINORITY_GIVEN)}·{rng.choice(_MINORITY_FAMILY)}", True
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    return rng.choice(_SURNAMES) + given, False


def _day(base: dt.date, rng: random.Random, low: int, high: int) -> str:
    return (base + dt.timedelta(days=rng.randint(low, high))).isoformat()


def _synthetic_row(rng: random.Random, n: int, enterprise: tuple[int, str, str, str], as_of: dt.date,
                   taken: set[str]) -> dict[str, str]:  # fmt: skip
    _, region, _, uscc = enterprise
    name, minority = _name(rng)
    birth = "650102" if minority else rng.choices(*zip(*_BIRTH_REGIONS, strict=True))[0]
    kinds = rng.choices(*zip(*_SERVICE_WEIGHTS, strict=True), k=rng.choice((1, 2, 2, 3, 3, 4)))
    services = [s.value for s in Service if s in set(kinds)]
    row = dict.fromkeys(POPULATION_COLUMNS, "")
    row |= {
        "name": name,
        "id_number": _id_number(rng, birth, taken),
        "card_no": f"SYNB{n:08d}",  # SYNthetic NingBo: never a real card number
        "enterprise_uscc": uscc,
        "region": region,
        "services": ";".join(services),
        "identity_verified": "false" if rng.random() < 0.004 else "true",
    }
    if rng.random() < 0.97:
        flagged = rng.random() < 0.003
        row["background_result"] = "flagged" if flagged else "clear"
        row["background_checked_on"] = _day(as_of, rng, -1000, -30)
    if rng.random() < 0.99:
        row["health_exam_valid_until"] = _day(as_of, rng, -60, 365)  # about 1 in 7 lapsed
    if rng.random() < 0.99:
        row["insurance_valid_until"] = _day(as_of, rng, -30, 400)  # about 1 in 14 lapsed
    if rng.random() < 0.9:
        row["training_hours"] = str(rng.choice((16, 24, 32, 40, 48, 64, 80, 96, 120)))
        row["credit_score"] = str(rng.randint(60, 100))
    if rng.random() < 0.8:
        row["rating_average"] = f"{rng.randint(35, 50) / 10:.1f}"
        row["rating_count"] = str(rng.randint(0, 240))
    return row


#: Defects planted in about 1 % of rows: (column, how to spoil it), each reported as a bad row.
_DEFECTS: tuple[tuple[str, Callable[[str, random.Random], str]], ...] = (
    ("id_number", lambda v, r: v[:17] + ("0" if v[17] != "0" else "1")),
    ("enterprise_uscc", lambda v, r: v[:17] + ("0" if v[17] != "0" else "1")),
    ("services", lambda v, r: v + ";gardening"),
    ("health_exam_valid_until", lambda v, r: "2027-02-30"),
    ("name", lambda v, r: ""),
    ("name", lambda v, r: "超" * 21),
    ("identity_verified", lambda v, r: "maybe"),
    ("rating_average", lambda v, r: "4.75"),
    ("training_hours", lambda v, r: "12.5"),
    ("region", lambda v, r: "990000"),
    ("insurance_valid_until", lambda v, r: "31/12/2027"),
)


def synthetic_population(enterprises_tsv: str, *, count: int, seed: int, as_of: dt.date,
                         bad_rate: float = 0.01) -> Iterator[dict[str, str]]:  # fmt: skip
    """A deterministic SYNTHETIC population of ``count`` CSV rows over the enterprises of
    ``enterprises_tsv`` (examples/enterprises.tsv), dated around ``as_of``.

    Workers are spread over enterprises by rank (weight rank^-0.8, so the ranking
    of the source table holds); ID numbers and USCCs are valid but made up, card
    numbers start with ``SYNB``.  About 1 in 7 health exams and 1 in 14
    insurances have lapsed by ``as_of``, and ``bad_rate`` of the rows carry a
    planted defect (a bad check character, an unknown service, the same person
    or card twice...), for the errors file.
    """
    rng = random.Random(seed)
    firms = _enterprise_rows(enterprises_tsv)
    shares = _shares([rank**-0.8 for rank, *_ in firms], count)
    owners = [firm for firm, share in zip(firms, shares, strict=True) for _ in range(share)]
    rng.shuffle(owners)
    taken: set[str] = set()
    rows = [_synthetic_row(rng, n, firm, as_of, taken) for n, firm in enumerate(owners, 1)]
    for n in sorted(rng.sample(range(count), round(count * bad_rate))):
        _spoil(rows, n, rng)
    yield from rows


def _shares(weights: list[float], count: int) -> list[int]:
    total = sum(weights)
    shares = [int(count * w / total) for w in weights]
    for i in range(count - sum(shares)):
        shares[i] += 1
    return shares


def _spoil(rows: list[dict[str, str]], n: int, rng: random.Random) -> None:
    kind = rng.randrange(len(_DEFECTS) + 2)
    if kind == len(_DEFECTS):  # the same person again, under another card
        rows[n]["id_number"] = rows[(n + 1) % len(rows)]["id_number"]
    elif kind == len(_DEFECTS) + 1:  # the same card twice
        rows[n]["card_no"] = rows[(n + 7) % len(rows)]["card_no"]
    else:
        column, spoil = _DEFECTS[kind]
        rows[n][column] = spoil(rows[n][column], rng)
