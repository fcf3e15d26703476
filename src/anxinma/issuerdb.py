"""The issuer's records: what was issued, where its status lives (SQLite; spec §16).

This module does I/O (an SQLite file) and is therefore *not* part of the pure
core: the verifier never imports it.  One database per issuer records

- ``status_lists``: the status lists the issuer keeps (id, size);
- ``workers``: one row per card: the card number, the worker's name, enterprise
  and region, the ID hint carried in the codes, and a keyed hash of the ID
  number (HMAC-SHA256 under a per-database secret) to notice one person with
  two cards; never the ID number itself;
- ``credentials``: every credential issued: credential id (first 8 bytes of
  SHA-256 of the signed COSE message, hex), card number, worker name, signing
  kid, status list id and index, ``iat``, ``exp``, its current status, and
  (schema 2) the signed message itself, the dates and flags that decide its
  colour, and the batch and input row it came from;
- ``events``: an append-only log of issue / revoke / suspend / reinstate;
- ``batches``: each batch run (``anxinma batch``): its input's SHA-256, options
  and progress.

Privacy (docs/batch.md says what is kept and why): the full citizen ID number is
never stored; revocation needs only the card number or the credential id.
Indexes are drawn uniformly at random from the unused ones (herd privacy:
the index says nothing about issuance order).

The schema is versioned (``schema_version`` in ``meta``) and migrated forward
on open, one transaction per step: 0 (empty file) -> 1 -> 2 -> 3.
Schema 3 adds the roster, orders and visit records (:mod:`anxinma.visitdb`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import secrets
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import UsageError
from .idcheck import id_hint
from .model import Credential, IdHint, StatusRef, Worker
from .status import MIN_SIZE, Status, StatusList

__all__ = [
    "SCHEMA_VERSION",
    "Batch",
    "BatchItem",
    "Issuance",
    "IssuanceRows",
    "IssuedCredential",
    "IssuerDB",
    "Refusal",
    "WorkerState",
    "credential_id",
    "id_mac",
]

SCHEMA_VERSION = 4
_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS status_lists (
    list_id INTEGER PRIMARY KEY CHECK (list_id BETWEEN 0 AND 255),
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS credentials (
    cred_id TEXT PRIMARY KEY,
    card_no TEXT NOT NULL,
    name TEXT NOT NULL,
    kid TEXT NOT NULL,
    list_id INTEGER REFERENCES status_lists(list_id),
    idx INTEGER,
    iat INTEGER NOT NULL,
    exp INTEGER NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    UNIQUE (list_id, idx)
);
CREATE INDEX IF NOT EXISTS credentials_card ON credentials(card_no);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    cred_id TEXT NOT NULL REFERENCES credentials(cred_id),
    action TEXT NOT NULL
);
"""
_V2 = """
ALTER TABLE credentials ADD COLUMN message BLOB;
ALTER TABLE credentials ADD COLUMN enterprise_uscc TEXT;
ALTER TABLE credentials ADD COLUMN region TEXT;
ALTER TABLE credentials ADD COLUMN health_until TEXT;
ALTER TABLE credentials ADD COLUMN insurance_until TEXT;
ALTER TABLE credentials ADD COLUMN alert INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN batch_id TEXT REFERENCES batches(batch_id);
ALTER TABLE credentials ADD COLUMN row_no INTEGER;
ALTER TABLE credentials ADD COLUMN rendered INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX credentials_batch_row ON credentials(batch_id, row_no);
CREATE INDEX events_cred ON events(cred_id);
ALTER TABLE events ADD COLUMN note TEXT;
CREATE TABLE workers (
    card_no TEXT PRIMARY KEY,
    id_mac TEXT NOT NULL UNIQUE,
    id_region TEXT NOT NULL,
    id_check INTEGER NOT NULL,
    name TEXT NOT NULL,
    enterprise_uscc TEXT NOT NULL,
    region TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE batches (
    batch_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    rows INTEGER NOT NULL,
    kid TEXT NOT NULL,
    list_id INTEGER NOT NULL,
    valid_days INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER
)
"""
# Schema 3 (spec/visit-v1.md §7, issue 13): the registered workers and enterprises
# (roster), the orders enterprises report, and the visit records households send.
_V3 = """
CREATE TABLE roster_enterprises (
    uscc TEXT PRIMARY KEY,
    name TEXT,
    district TEXT,
    imported_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE roster_workers (
    id_mac TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    enterprise_uscc TEXT NOT NULL,
    card_no TEXT,
    imported_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX roster_workers_enterprise ON roster_workers(enterprise_uscc);
CREATE TABLE orders (
    enterprise_uscc TEXT NOT NULL,
    order_id TEXT NOT NULL,
    card_no TEXT NOT NULL,
    service_date TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (enterprise_uscc, order_id)
);
CREATE INDEX orders_card_day ON orders(card_no, service_date);
CREATE TABLE visits (
    record_id BLOB PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,
    record BLOB NOT NULL,
    device_kid TEXT NOT NULL,
    cred_id TEXT NOT NULL REFERENCES credentials(cred_id),
    card_no TEXT NOT NULL,
    issuer TEXT,
    color TEXT NOT NULL,
    reasons TEXT NOT NULL,
    scanned_at INTEGER NOT NULL,
    scan_day TEXT NOT NULL,
    entered_at INTEGER,
    made_at INTEGER NOT NULL,
    stars INTEGER,
    tags INTEGER,
    complaint INTEGER,
    live_at_scan INTEGER NOT NULL,
    flags TEXT,
    received_at INTEGER NOT NULL
);
CREATE INDEX visits_card_day ON visits(card_no, scan_day);
CREATE INDEX visits_device_day ON visits(device_kid, scan_day);
CREATE INDEX visits_cred ON visits(cred_id)
"""
# Schema 4 (issue 13 follow-up): a roster re-imported with --replace deregisters the workers
# and enterprises missing from it (kept, with the moment, so that 持证率 uses the current roster).
# The visits table is rebuilt with two indexes fewer: the unique index of record digests (a
# digest covers the record id, which is unique: the digests are unique without an index that
# no query reads) and the index by credential (no query reads visits by credential alone);
# every stored record paid for both (docs/benchmarks.md, "visit records").
_V4 = """
ALTER TABLE roster_workers ADD COLUMN deregistered_at INTEGER;
ALTER TABLE roster_enterprises ADD COLUMN deregistered_at INTEGER;
CREATE TABLE visits_v4 (
    record_id BLOB PRIMARY KEY,
    digest BLOB NOT NULL,
    record BLOB NOT NULL,
    device_kid TEXT NOT NULL,
    cred_id TEXT NOT NULL REFERENCES credentials(cred_id),
    card_no TEXT NOT NULL,
    issuer TEXT,
    color TEXT NOT NULL,
    reasons TEXT NOT NULL,
    scanned_at INTEGER NOT NULL,
    scan_day TEXT NOT NULL,
    entered_at INTEGER,
    made_at INTEGER NOT NULL,
    stars INTEGER,
    tags INTEGER,
    complaint INTEGER,
    live_at_scan INTEGER NOT NULL,
    flags TEXT,
    received_at INTEGER NOT NULL
);
INSERT INTO visits_v4 SELECT record_id, digest, record, device_kid, cred_id, card_no, issuer, color,
    reasons, scanned_at, scan_day, entered_at, made_at, stars, tags, complaint, live_at_scan, flags,
    received_at FROM visits;
DROP TABLE visits;
ALTER TABLE visits_v4 RENAME TO visits;
CREATE INDEX visits_card_day ON visits(card_no, scan_day);
CREATE INDEX visits_device_day ON visits(device_kid, scan_day)
"""


def credential_id(message: bytes) -> str:
    """The credential id: SHA-256 of the signed COSE message, first 8 bytes in hex."""
    return hashlib.sha256(message).digest()[:8].hex()


def id_mac(key: bytes, id_number: str) -> str:
    """The keyed hash of an ID number kept in ``workers``: HMAC-SHA256, hex.

    With the database's secret it tells whether two records name the same
    person; without it, it says nothing about the number.
    """
    mac = _id_mac_prefix(key).copy()
    mac.update(id_number.encode("ascii"))
    return mac.hexdigest()


@functools.lru_cache(maxsize=4)
def _id_mac_prefix(key: bytes) -> hmac.HMAC:
    """The HMAC state after the domain prefix of :func:`id_mac`, made once per secret
    (a batch hashes tens of thousands of ID numbers under one)."""
    return hmac.new(key, b"anxinma/v1/id-mac\x00", "sha256")


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """One row of the credentials table."""

    cred_id: str
    card_no: str
    name: str
    kid: str
    status_ref: StatusRef | None
    iat: int
    exp: int
    status: Status


@dataclass(frozen=True, slots=True)
class Issuance:
    """A signed credential to record, with what the issuer keeps about its worker.

    Plain values only (it crosses process boundaries by the ten thousand in a
    batch); build one with :meth:`of`.
    """

    message: bytes
    cred_id: str
    card_no: str
    name: str
    enterprise_uscc: str
    region: str
    id_region: str
    id_check: int
    id_mac: str
    kid: bytes
    iat: int
    exp: int
    status_ref: StatusRef | None
    health_until: str | None
    insurance_until: str | None
    alert: bool
    batch_id: str | None = None
    row_no: int | None = None

    @classmethod
    def of(cls, message: bytes, cred: Credential, worker: Worker, *, key: bytes, kid: bytes,
           batch_id: str | None = None, row_no: int | None = None) -> Issuance:  # fmt: skip
        """The issuance of ``cred`` (signed as ``message``) for ``worker``; ``key`` is the
        database's ID secret (:attr:`IssuerDB.id_key`)."""
        return cls(*_issuance_values(message, cred, worker, key, kid, batch_id, row_no))

    @staticmethod
    def rows_of(message: bytes, cred: Credential, worker: Worker, *, key: bytes, kid: bytes,
                batch_id: str | None = None, row_no: int | None = None,
                ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:  # fmt: skip
        """``Issuance.of(...).rows()`` without the object in between: what a batch's worker
        processes hand to the parent for each credential."""
        return issuance_rows(*_issuance_values(message, cred, worker, key, kid, batch_id, row_no))

    def rows(self) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """This issuance as the two rows :meth:`IssuerDB.issue_rows` stores: its
        ``credentials`` row and its ``workers`` row (:func:`issuance_rows`)."""
        return issuance_rows(*(getattr(self, name) for name in _ISSUANCE_FIELDS))


def _issuance_values(message: bytes, cred: Credential, worker: Worker, key: bytes, kid: bytes,
                     batch_id: str | None, row_no: int | None) -> tuple[Any, ...]:  # fmt: skip
    """The fields of :class:`Issuance`, in order."""
    return (
        message, credential_id(message), cred.card_no, cred.name, cred.enterprise_uscc, cred.region,
        cred.id_hint.region, cred.id_hint.check, id_mac(key, worker.id_number), kid,
        int(cred.issued_at.timestamp()), int(cred.expires_at.timestamp()), cred.status,
        _iso(cred.health_exam_valid_until), _iso(cred.insurance_valid_until), _alert(cred),
        batch_id, row_no,
    )  # fmt: skip


def issuance_rows(
    message: bytes, cred_id: str, card_no: str, name: str, enterprise_uscc: str, region: str,
    id_region: str, id_check: int, id_mac: str, kid: bytes, iat: int, exp: int, status_ref: StatusRef | None,
    health_until: str | None, insurance_until: str | None, alert: bool, batch_id: str | None,
    row_no: int | None,
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:  # fmt: skip
    """The ``credentials`` row (columns :data:`CREDENTIAL_COLUMNS`) and the ``workers`` row
    (:data:`WORKER_COLUMNS`) of an issuance given by the fields of :class:`Issuance`, in the
    form :meth:`IssuerDB.issue_rows` takes them.  Plain values only."""
    list_id, index = (None, None) if status_ref is None else (status_ref.list_id, status_ref.index)
    return (
        (cred_id, card_no, name, kid.hex(), list_id, index, iat, exp, message, enterprise_uscc, region,
         health_until, insurance_until, int(alert), batch_id, row_no),
        (card_no, id_mac, id_region, id_check, name, enterprise_uscc, region, iat, iat),
    )  # fmt: skip


#: The columns of a credentials row of :class:`IssuanceRows`, in order.
CREDENTIAL_COLUMNS = (
    "cred_id", "card_no", "name", "kid", "list_id", "idx", "iat", "exp", "message", "enterprise_uscc",
    "region", "health_until", "insurance_until", "alert", "batch_id", "row_no",
)  # fmt: skip
#: The columns of a workers row of :class:`IssuanceRows`, in order.
WORKER_COLUMNS = (
    "card_no", "id_mac", "id_region", "id_check", "name", "enterprise_uscc", "region", "registered_at",
    "updated_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class IssuanceRows:
    """Issuances as the rows the database stores, ready for ``executemany``:
    ``credentials[i]`` and ``workers[i]`` belong to the same issuance (see
    :func:`issuance_rows`).  What a batch's worker processes hand to the parent."""

    credentials: list[tuple[Any, ...]]
    workers: list[tuple[Any, ...]]


_ISSUANCE_FIELDS = tuple(f.name for f in fields(Issuance))


@dataclass(frozen=True, slots=True)
class Refusal:
    """An issuance that :meth:`IssuerDB.issue` did not record, and why (the field at fault)."""

    row_no: int | None
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class Batch:
    """One row of the batches table: a batch input and the options it is issued with."""

    batch_id: str
    source: str
    rows: int
    kid: str
    list_id: int
    valid_days: int
    started_at: int
    finished_at: int | None


@dataclass(frozen=True, slots=True)
class BatchItem:
    """A credential issued by a batch, for its manifest and its files."""

    row_no: int
    cred_id: str
    card_no: str
    name: str
    kid: str
    status_ref: StatusRef | None
    iat: int
    exp: int
    status: Status
    message: bytes
    rendered: int


@dataclass(frozen=True, slots=True)
class WorkerState:
    """A card and its newest credential, for coverage reports (``None`` fields: no credential)."""

    card_no: str
    enterprise_uscc: str | None
    region: str | None
    status: Status | None
    exp: int | None
    health_until: dt.date | None
    insurance_until: dt.date | None
    alert: bool


def _v0_to_v1(db: sqlite3.Connection) -> None:
    for statement in _statements(_V1):
        db.execute(statement)


def _v1_to_v2(db: sqlite3.Connection) -> None:
    for statement in _statements(_V2):
        db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('id_key', ?)", (secrets.token_hex(32),))


def _v2_to_v3(db: sqlite3.Connection) -> None:
    for statement in _statements(_V3):
        db.execute(statement)


def _v3_to_v4(db: sqlite3.Connection) -> None:
    for statement in _statements(_V4):
        db.execute(statement)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


#: Migration i takes a database from schema version i to i + 1.
_MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v0_to_v1,
    _v1_to_v2,
    _v2_to_v3,
    _v3_to_v4,
)


def _version(db: sqlite3.Connection) -> int:
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone():
        return 0
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return 0 if row is None else int(row[0])


class IssuerDB:
    """An issuer's records in one SQLite file (WAL mode)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> IssuerDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        """Bring the schema to :data:`SCHEMA_VERSION`, one transaction per step."""
        while (version := _version(self._db)) < SCHEMA_VERSION:
            with self._tx():
                if _version(self._db) != version:  # another process migrated meanwhile
                    continue
                _MIGRATIONS[version](self._db)
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(version + 1),)
                )
        if version > SCHEMA_VERSION:
            raise UsageError(
                f"{self.path}: schema version {version} is newer than this anxinma ({SCHEMA_VERSION})"
            )

    @property
    def schema_version(self) -> int:
        """The schema version of the file (after migration: :data:`SCHEMA_VERSION`)."""
        return _version(self._db)

    @property
    def id_key(self) -> bytes:
        """The per-database secret of :func:`id_mac` (32 random bytes made at migration to schema 2)."""
        row = self._db.execute("SELECT value FROM meta WHERE key='id_key'").fetchone()
        return bytes.fromhex(row[0])

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> None:
            self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, kind: object, *rest: object) -> None:
            self.db.execute("ROLLBACK" if kind else "COMMIT")

    def _tx(self) -> IssuerDB._Tx:
        return IssuerDB._Tx(self._db)

    @contextlib.contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Settings for many large transactions in a row (a batch), restored afterwards: a
        64 MiB page cache (the indexes on random keys -- credential ids, status indexes,
        ID hashes -- outgrow the default 2 MiB) and a checkpoint every 16,384 WAL pages
        instead of 1,000 (a page rewritten by every chunk is copied back once per 64 MiB
        of log, not once per 4 MiB).  Durability is unchanged: each commit is in the WAL,
        fsynced (``synchronous=FULL``), before it returns; a checkpoint only copies
        committed pages into the main file, and a log left by a crash is replayed by
        the next connection."""
        self._db.execute("PRAGMA cache_size=-65536")
        self._db.execute("PRAGMA wal_autocheckpoint=16384")
        try:
            yield
        finally:
            self._db.execute("PRAGMA wal_autocheckpoint=1000")
            self._db.execute("PRAGMA cache_size=-2000")

    # -- status lists -----------------------------------------------------------

    def new_list(self, list_id: int, size: int = MIN_SIZE) -> None:
        """Create status list ``list_id`` with ``size`` entries (all valid)."""
        StatusList(size)  # validates the size
        if not 0 <= list_id <= 255:
            raise UsageError("list id must be 0..255")
        with self._tx():
            if self._db.execute("SELECT 1 FROM status_lists WHERE list_id=?", (list_id,)).fetchone():
                raise UsageError(f"status list {list_id} already exists")
            self._db.execute("INSERT INTO status_lists VALUES (?, ?)", (list_id, size))

    def lists(self) -> dict[int, int]:
        """Status list ids and sizes."""
        return dict(self._db.execute("SELECT list_id, size FROM status_lists ORDER BY list_id"))

    def allocate(self, list_id: int) -> StatusRef:
        """A random unused index in list ``list_id`` (herd privacy, spec §15.3)."""
        size = self.lists().get(list_id)
        if size is None:
            raise UsageError(f"no status list {list_id}; create it with `anxinma status new`")
        used = self._db.execute("SELECT COUNT(*) FROM credentials WHERE list_id=?", (list_id,)).fetchone()[0]
        if used >= size:
            raise UsageError(f"status list {list_id} is full ({size} entries)")
        while True:
            index = secrets.randbelow(size)
            taken = self._db.execute("SELECT 1 FROM credentials WHERE list_id=? AND idx=?", (list_id, index))
            if taken.fetchone() is None:
                return StatusRef(list_id=list_id, index=index)

    def status_list(self, list_id: int) -> StatusList:
        """The current statuses of list ``list_id``, ready to sign."""
        size = self.lists().get(list_id)
        if size is None:
            raise UsageError(f"no status list {list_id}")
        statuses = StatusList(size)
        rows = self._db.execute(
            "SELECT idx, status FROM credentials WHERE list_id=? AND status!=0", (list_id,)
        )
        for index, value in rows:
            statuses.set(index, Status(value))
        return statuses

    # -- credentials ------------------------------------------------------------

    def record(self, message: bytes, *, card_no: str, name: str, kid: bytes, ref: StatusRef | None,
               iat: dt.datetime, exp: dt.datetime) -> str:  # fmt: skip
        """Record an issued credential; return its id."""
        cred_id = credential_id(message)
        list_id, index = (ref.list_id, ref.index) if ref else (None, None)
        with self._tx():
            self._db.execute(
                "INSERT INTO credentials (cred_id, card_no, name, kid, list_id, idx, iat, exp)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cred_id,
                    card_no,
                    name,
                    kid.hex(),
                    list_id,
                    index,
                    int(iat.timestamp()),
                    int(exp.timestamp()),
                ),
            )
            self._log(cred_id, "issue", iat)
        return cred_id

    def find(self, handle: str) -> list[IssuedCredential]:
        """Credentials named by credential id or card number (newest first)."""
        rows = self._db.execute(
            "SELECT cred_id, card_no, name, kid, list_id, idx, iat, exp, status FROM credentials"
            " WHERE cred_id=? OR card_no=? ORDER BY iat DESC, rowid DESC",
            (handle.lower(), handle.upper()),
        )
        return [_row(r) for r in rows]

    def set_status(self, handle: str, status: Status, *, now: dt.datetime) -> list[IssuedCredential]:
        """Revoke, suspend or reinstate what ``handle`` names; return those credentials (spec §16).

        A credential id names that credential.  A card number names the card's
        live credentials (valid or suspended, unexpired: after a re-issue, only
        the newest), never the ones it superseded.  Revocation is final: a
        revoked credential is never suspended or reinstated (:class:`UsageError`
        saying so); reinstating acts on suspended credentials only.  Setting the
        status a credential already has changes nothing and logs nothing.
        """
        with self._tx():
            found = self._targets(handle, status, now)
            revoked = next((c for c in found if c.status is Status.INVALID), None)
            if revoked is not None and status is not Status.INVALID:
                raise UsageError(self._revoked_is_final(revoked, status))
            for cred in found:
                if cred.status is not status:
                    self._db.execute(
                        "UPDATE credentials SET status=? WHERE cred_id=?", (int(status), cred.cred_id)
                    )
                    self._log(cred.cred_id, _ACTIONS[status], now)
        named = {c.cred_id for c in found}
        return [c for c in self.find(handle) if c.cred_id in named]

    def _targets(self, handle: str, status: Status, now: dt.datetime) -> list[IssuedCredential]:
        """The credential ``handle`` names by id, or the live credentials of the card it names
        (a card whose newest credential is revoked: that one, to be refused or left revoked)."""
        found = [c for c in self.find(handle) if c.status_ref is not None]
        if not found:
            raise UsageError(f"no credential with id or card number {handle!r} has a status list entry")
        by_id = [c for c in found if c.cred_id == handle.lower()]
        if by_id:
            return by_id
        at = int(now.timestamp())
        live = [c for c in found if c.status in (Status.VALID, Status.SUSPENDED) and c.exp > at]
        newest = found[0]
        if live or newest.status is Status.INVALID:
            return live or [newest]
        raise UsageError(
            f"card {newest.card_no} has no live credential (its newest, {newest.cred_id}, has expired); "
            "name a credential by its id to change it"
        )

    def _revoked_is_final(self, cred: IssuedCredential, status: Status) -> str:
        row = self._db.execute(
            "SELECT note FROM events WHERE cred_id=? AND action='revoke' AND note IS NOT NULL"
            " ORDER BY seq DESC LIMIT 1",
            (cred.cred_id,),
        ).fetchone()
        why = f" ({row[0]})" if row is not None else ""
        return (
            f"credential {cred.cred_id} is revoked{why}; revocation is final, it cannot be "
            f"{_DONE[status]}: issue a new credential instead"
        )

    def _log(self, cred_id: str, action: str, at: dt.datetime, note: str | None = None) -> None:
        self._db.execute(
            "INSERT INTO events (at, cred_id, action, note) VALUES (?, ?, ?, ?)",
            (int(at.timestamp()), cred_id, action, note),
        )

    def used_indexes(self, list_id: int) -> set[int]:
        """The indexes of list ``list_id`` that credentials hold (for allocating many at once)."""
        rows = self._db.execute("SELECT idx FROM credentials WHERE list_id=?", (list_id,))
        return {r[0] for r in rows}

    # -- issuing with worker records (schema 2) --------------------------------------

    def issue(self, items: Sequence[Issuance], *, now: dt.datetime, replace: bool = False) -> list[Refusal]:
        """Record ``items`` in ONE transaction; return those refused and why.

        An item is refused when its card is registered to another person, its
        person (by ID hash) holds another card, or its card already has a live
        (valid or suspended, unexpired) credential: from the same batch always,
        otherwise unless ``replace``, which revokes those in the same
        transaction (re-issuing: a new health exam, new insurance).
        """
        pairs = [item.rows() for item in items]
        rows = IssuanceRows([c for c, _ in pairs], [w for _, w in pairs])
        return [refusal for _, refusal in self.issue_rows(rows, now=now, replace=replace)]

    def issue_rows(
        self, rows: IssuanceRows, *, now: dt.datetime, replace: bool = False
    ) -> list[tuple[int, Refusal]]:
        """:meth:`issue` for issuances given as rows: record them in ONE transaction and
        return the refused ones as (position in ``rows``, why), by the same rules.

        Built for a batch's parent process: three queries tell which cards and
        persons of ``rows`` the database knows; rows whose card and person it
        does not know and that appear once in ``rows`` cannot conflict with
        anything and are stored as they are (``executemany``), without Python
        work per row; only the others are judged one by one, in order.
        """
        if len(rows.credentials) != len(rows.workers):
            raise UsageError("IssuanceRows: as many workers rows as credentials rows are needed")
        with self._tx():
            cards, macs = [c[1] for c in rows.credentials], [w[1] for w in rows.workers]
            known = _Known(self._db, cards, macs, now)
            refused: list[tuple[int, Refusal]] = []
            superseded: list[tuple[str, str]] = []
            for position in known.suspects(cards, macs):
                cred_id, card, *_, batch_id, row_no = rows.credentials[position]
                problem = known.problem(card, macs[position], batch_id, replace=replace)
                if problem is not None:
                    refused.append((position, Refusal(row_no, *problem)))
                    continue
                olds = known.accept(card, macs[position], (cred_id, batch_id, row_no))
                superseded += [(old, cred_id) for old in olds]
            self._insert(rows, {p for p, _ in refused}, superseded, now)
        return refused

    def _insert(self, rows: IssuanceRows, refused: set[int], superseded: list[tuple[str, str]],
                now: dt.datetime) -> None:  # fmt: skip
        credentials, workers = rows.credentials, rows.workers
        if refused:
            credentials = [c for n, c in enumerate(credentials) if n not in refused]
            workers = [w for n, w in enumerate(workers) if n not in refused]
        self._db.executemany(
            "INSERT INTO workers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(card_no) DO UPDATE SET"
            " name=excluded.name, enterprise_uscc=excluded.enterprise_uscc, region=excluded.region,"
            " updated_at=excluded.updated_at",
            workers,
        )
        last = self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM credentials").fetchone()[0]
        self._db.executemany(
            f"INSERT INTO credentials ({', '.join(CREDENTIAL_COLUMNS)}) VALUES ({', '.join('?' * 16)})",
            credentials,
        )
        # after the insert: a credential of this set may be superseded by a later one of it
        self._db.executemany("UPDATE credentials SET status=1 WHERE cred_id=?", [(o,) for o, _ in superseded])
        at = int(now.timestamp())
        self._db.executemany(
            "INSERT INTO events (at, cred_id, action, note) VALUES (?, ?, 'revoke', ?)",
            [(at, old, f"superseded by {new}") for old, new in superseded],
        )
        # one issue event per credential just stored, in the order stored (after the revocations)
        self._db.execute(
            "INSERT INTO events (at, cred_id, action, note) SELECT iat, cred_id, 'issue', NULL"
            " FROM credentials WHERE rowid > ? ORDER BY rowid",
            (last,),
        )

    def id_hint(self, card_no: str) -> IdHint | None:
        """The ID hint kept for ``card_no`` (what its codes carry), or ``None``."""
        row = self._db.execute(
            "SELECT id_region, id_check FROM workers WHERE card_no=?", (card_no,)
        ).fetchone()
        return None if row is None else IdHint(region=row[0], check=row[1])

    def same_person(self, card_no: str, id_number: str) -> bool:
        """Whether ``id_number`` is the number of the person registered with ``card_no``
        (by keyed hash; also checks the ID hint of the codes)."""
        row = self._db.execute("SELECT id_mac FROM workers WHERE card_no=?", (card_no,)).fetchone()
        if row is None:
            return False
        hint = self.id_hint(card_no)
        same = hmac.compare_digest(row[0], id_mac(self.id_key, id_number))
        return same and hint == id_hint(id_number, card_no)

    # -- batches ----------------------------------------------------------------

    def begin_batch(self, batch_id: str, *, source: str, rows: int, kid: bytes, list_id: int,
                    valid_days: int, now: dt.datetime) -> Batch:  # fmt: skip
        """The batch ``batch_id`` (the SHA-256 of its input), created on first use.

        Running it again with another key, list or validity is refused: a batch
        is resumed with the options it was started with.
        """
        with self._tx():
            found = self.batch(batch_id)
            if found is None:
                self._db.execute(
                    "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                    (batch_id, source, rows, kid.hex(), list_id, valid_days, int(now.timestamp())),
                )
                found = self.batch(batch_id)
                assert found is not None
        given = {"--key": kid.hex(), "--list-id": list_id, "--valid-days": valid_days}
        kept = {"--key": found.kid, "--list-id": found.list_id, "--valid-days": found.valid_days}
        for option, value in given.items():
            if kept[option] != value:
                raise UsageError(
                    f"{option}: this input was started as batch {batch_id[:12]} with {option} "
                    f"{kept[option]}; resume it with the same options"
                )
        return found

    def batch(self, batch_id: str) -> Batch | None:
        """The batch ``batch_id``, or ``None``."""
        row = self._db.execute("SELECT * FROM batches WHERE batch_id=?", (batch_id,)).fetchone()
        return None if row is None else Batch(*row)

    def finish_batch(self, batch_id: str, *, now: dt.datetime) -> None:
        """Note that every row of the batch has been dealt with."""
        with self._tx():
            self._db.execute(
                "UPDATE batches SET finished_at=? WHERE batch_id=?", (int(now.timestamp()), batch_id)
            )

    def batch_items(self, batch_id: str) -> list[BatchItem]:
        """The credentials issued by batch ``batch_id``, in input order."""
        rows = self._db.execute(
            "SELECT row_no, cred_id, card_no, name, kid, list_id, idx, iat, exp, status, message, rendered"
            " FROM credentials WHERE batch_id=? ORDER BY row_no",
            (batch_id,),
        )
        return [
            BatchItem(row_no, cred_id, card, name, kid, _ref(lst, idx), iat, exp, Status(status), message,
                      rendered)
            for row_no, cred_id, card, name, kid, lst, idx, iat, exp, status, message, rendered in rows
        ]  # fmt: skip

    def batch_rendered(self, batch_id: str) -> dict[int, int]:
        """How many credentials of batch ``batch_id`` have each value of ``rendered`` (files written)."""
        rows = self._db.execute(
            "SELECT rendered, COUNT(*) FROM credentials WHERE batch_id=? GROUP BY rendered", (batch_id,)
        )
        return dict(rows)

    def mark_rendered(self, done: Iterable[tuple[str, int]]) -> None:
        """Record that the files given by flag bits were written for each credential id."""
        with self._tx():
            self._db.executemany(
                "UPDATE credentials SET rendered = rendered | ? WHERE cred_id=?",
                [(flags, cred_id) for cred_id, flags in done],
            )

    # -- reports ----------------------------------------------------------------

    def worker_states(self) -> Iterator[WorkerState]:
        """Every card (registered, or known from a credential) with its newest credential."""
        rows = self._db.execute(
            "WITH cards AS (SELECT card_no FROM workers UNION SELECT card_no FROM credentials),"
            " newest AS (SELECT card_no, (SELECT cred_id FROM credentials c WHERE c.card_no = cards.card_no"
            "   ORDER BY iat DESC, rowid DESC LIMIT 1) AS cred_id FROM cards)"
            " SELECT newest.card_no, COALESCE(w.enterprise_uscc, c.enterprise_uscc),"
            " COALESCE(w.region, c.region),"
            " c.status, c.exp, c.health_until, c.insurance_until, COALESCE(c.alert, 0)"
            " FROM newest LEFT JOIN workers w ON w.card_no = newest.card_no"
            " LEFT JOIN credentials c ON c.cred_id = newest.cred_id ORDER BY newest.card_no"
        )
        for card, uscc, region, status, exp, health, insurance, alert in rows:
            yield WorkerState(card, uscc, region, None if status is None else Status(status), exp,
                              _date(health), _date(insurance), bool(alert))  # fmt: skip

    def credentials(self) -> Iterator[IssuedCredential]:
        """Every recorded credential, oldest first."""
        rows = self._db.execute(
            "SELECT cred_id, card_no, name, kid, list_id, idx, iat, exp, status FROM credentials ORDER BY iat"
        )
        return (_row(r) for r in rows)


_ACTIONS = {
    Status.VALID: "reinstate",
    Status.INVALID: "revoke",
    Status.SUSPENDED: "suspend",
    Status.RESERVED: "x",
}
_DONE = {Status.VALID: "reinstated", Status.SUSPENDED: "suspended", Status.RESERVED: "changed"}


class _Known:
    """What the database says about the cards and persons of a set of issuances (three
    queries), kept up to date as issuances are accepted, so that duplicates within
    the set are caught too."""

    def __init__(self, db: sqlite3.Connection, cards: list[str], macs: list[str], now: dt.datetime) -> None:
        self.mac_of: dict[str, str] = dict(
            _select(db, "SELECT card_no, id_mac FROM workers WHERE card_no IN", sorted(set(cards)))
        )
        self.card_of: dict[str, str] = dict(
            _select(db, "SELECT id_mac, card_no FROM workers WHERE id_mac IN", sorted(set(macs)))
        )
        self.live: dict[str, list[tuple[str, str | None, int | None]]] = {}
        query = (
            "SELECT card_no, cred_id, batch_id, row_no FROM credentials"
            " WHERE status IN (0, 2) AND exp > ? AND card_no IN"
        )
        for card, cred_id, batch_id, row_no in _select(db, query, sorted(set(cards)), int(now.timestamp())):
            self.live.setdefault(card, []).append((cred_id, batch_id, row_no))

    def suspects(self, cards: list[str], macs: list[str]) -> list[int]:
        """Positions of the issuances that may conflict: a card or person the database
        knows, or one that appears more than once; the others are accepted as they are."""
        bad_cards = set(self.mac_of) | set(self.live) | _twice(cards)
        bad_macs = set(self.card_of) | _twice(macs)
        if not bad_cards and not bad_macs:
            return []
        pairs = enumerate(zip(cards, macs, strict=True))
        return [n for n, (card, mac) in pairs if card in bad_cards or mac in bad_macs]

    def problem(self, card: str, mac: str, batch_id: str | None, *, replace: bool) -> tuple[str, str] | None:
        if self.mac_of.get(card, mac) != mac:
            return "card_no", f"card {card} is registered to another person (the ID number differs)"
        if self.card_of.get(mac, card) != card:
            return "id_number", f"this person already holds card {self.card_of[mac]}"
        live = self.live.get(card, [])
        same = next((r for r in live if batch_id is not None and r[1] == batch_id), None)
        if same is not None:
            return "card_no", f"card {card} was already issued from row {same[2]} of this batch"
        if live and not replace:
            return (
                "card_no",
                f"card {card} already has a live credential ({live[0][0]}); re-issue with --replace",
            )
        return None

    def accept(self, card: str, mac: str, credential: tuple[str, str | None, int | None]) -> list[str]:
        """Note an issuance, ``credential`` = (cred_id, batch_id, row_no), as recorded;
        return the live credentials it supersedes."""
        superseded = [old for old, _, _ in self.live.get(card, [])]
        self.mac_of[card] = mac
        self.card_of[mac] = card
        self.live[card] = [credential]
        return superseded


def _twice(values: list[str]) -> set[str]:
    """The values that occur more than once."""
    if len(set(values)) == len(values):
        return set()
    return {v for v, n in Counter(values).items() if n > 1}


def _select(db: sqlite3.Connection, query: str, values: list[str], *first: object) -> list[tuple[Any, ...]]:
    """``query`` + `` (?, ?, ...)`` over ``values``, in slices below SQLite's variable limit."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), 900):
        part = values[start : start + 900]
        rows += db.execute(f"{query} ({', '.join('?' * len(part))})", (*first, *part)).fetchall()
    return rows


def _ref(list_id: int | None, index: int | None) -> StatusRef | None:
    return None if list_id is None or index is None else StatusRef(list_id=list_id, index=index)


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _alert(cred: Credential) -> bool:
    """Whether a verifier shows this credential red whatever the date (spec §10.2)."""
    bg = cred.background_check
    return not cred.identity_verified or (bg is not None and bg.result.value == "flagged")


def _row(r: tuple[Any, ...]) -> IssuedCredential:
    cred_id, card_no, name, kid, list_id, idx, iat, exp, status = r
    ref = None if list_id is None else StatusRef(list_id=list_id, index=idx)
    return IssuedCredential(cred_id, card_no, name, kid, ref, iat, exp, Status(status))
