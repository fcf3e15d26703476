"""The issuer's records: what was issued, where its status lives (SQLite; spec §16).

This module does I/O (an SQLite file) and is therefore *not* part of the pure
core: the verifier never imports it.  One database per issuer records

- ``status_lists``: the status lists the issuer keeps (id, size);
- ``credentials``: every credential issued: credential id (first 8 bytes of
  SHA-256 of the signed COSE message, hex), card number, worker name, signing
  kid, status list id and index, ``iat``, ``exp``, and its current status;
- ``events``: an append-only log of issue / revoke / suspend / reinstate.

Privacy: the full citizen ID number is never stored (the credential does not
carry it either); revocation needs only the card number or the credential id.
Indexes are drawn uniformly at random from the unused ones (herd privacy:
the index says nothing about issuance order).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UsageError
from .model import StatusRef
from .status import MIN_SIZE, Status, StatusList

__all__ = ["IssuedCredential", "IssuerDB", "credential_id"]

SCHEMA_VERSION = 1
_SCHEMA = """
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


def credential_id(message: bytes) -> str:
    """The credential id: SHA-256 of the signed COSE message, first 8 bytes in hex."""
    return hashlib.sha256(message).digest()[:8].hex()


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
        for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
            self._db.execute(statement)
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise UsageError(
                f"{self.path}: schema version {row[0]} is newer than this anxinma ({SCHEMA_VERSION})"
            )

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> None:
            self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, kind: object, *rest: object) -> None:
            self.db.execute("ROLLBACK" if kind else "COMMIT")

    def _tx(self) -> IssuerDB._Tx:
        return IssuerDB._Tx(self._db)

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
            " WHERE cred_id=? OR card_no=? ORDER BY iat DESC",
            (handle.lower(), handle.upper()),
        )
        return [_row(r) for r in rows]

    def set_status(self, handle: str, status: Status, *, now: dt.datetime) -> list[IssuedCredential]:
        """Set the status of every live credential named by ``handle``; return them."""
        found = [c for c in self.find(handle) if c.status_ref is not None]
        if not found:
            raise UsageError(f"no credential with id or card number {handle!r} has a status list entry")
        with self._tx():
            for cred in found:
                self._db.execute(
                    "UPDATE credentials SET status=? WHERE cred_id=?", (int(status), cred.cred_id)
                )
                self._log(cred.cred_id, _ACTIONS[status], now)
        return self.find(handle)

    def _log(self, cred_id: str, action: str, at: dt.datetime) -> None:
        self._db.execute(
            "INSERT INTO events (at, cred_id, action) VALUES (?, ?, ?)",
            (int(at.timestamp()), cred_id, action),
        )

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


def _row(r: tuple[Any, ...]) -> IssuedCredential:
    cred_id, card_no, name, kid, list_id, idx, iat, exp, status = r
    ref = None if list_id is None else StatusRef(list_id=list_id, index=idx)
    return IssuedCredential(cred_id, card_no, name, kid, ref, iat, exp, Status(status))
