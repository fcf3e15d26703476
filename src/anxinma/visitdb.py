"""The issuer's records of the roster, orders and visits (schema 3; spec/visit-v1.md §6-7).

:class:`VisitDB` is an :class:`~anxinma.issuerdb.IssuerDB` (the same SQLite
file, migrated to schema 3) with what issue 13 adds:

- ``roster_workers`` / ``roster_enterprises``: the registered workers (by the
  keyed hash of their ID number, never the number) and enterprises, the
  denominator of 持证率; re-importing updates rows, never duplicates them;
- ``orders``: service orders reported by enterprises (enterprise, order id, card,
  day), the denominator of 亮证率;
- ``visits``: every visit record accepted, with its signed bytes, stored once
  (by record id; the SHA-256 of the bytes is unique too), the issuer's view of
  the credential at the scan (``live_at_scan``) and abuse flags.

Which evaluations count (spec/visit-v1.md §7.3) is decided when reading, so
that it does not depend on the order records arrived in.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .issuerdb import IssuerDB, WorkerState
from .model import CST, Rating
from .verify import Color

if TYPE_CHECKING:
    from .roster import Order, RosterEnterprise, RosterWorker
from .visit import DEFAULT_LEEWAY, Complaint, Tag, Visit, VisitReason, rating_summary

__all__ = [
    "DEFAULT_FLOOD_LIMIT",
    "Facts",
    "FactsJob",
    "Imported",
    "OrderState",
    "Stored",
    "VisitDB",
    "WorkerRatings",
    "visit_facts",
]

#: One request's checked records (visit, signed bytes, SHA-256) and when they were received.
Job = tuple[Sequence[tuple[Visit, bytes, bytes]], dt.datetime]
#: What a checked record puts in its row (:func:`visit_facts`): plain values only, so that a
#: server process can hand them to the writer of another cheaply.
Facts = tuple[bytes, bytes, bytes, str, str, str | None, str, str, int, int | None, int, int | None,
              int | None, int | None]  # fmt: skip
#: One request's records as facts, and when they were received (seconds since the epoch).
FactsJob = tuple[Sequence[Facts], int]
#: Records of one device about scans on one China-time day beyond which its records are flagged.
DEFAULT_FLOOD_LIMIT = 20
FLAG_FLOOD = "flood"

#: Evaluations that count (spec/visit-v1.md §7.3): of a device's evaluations of a credential about
#: scans on one China-time day that were not red, of a credential live at the scan, and not
#: flagged, the one made first (then the smallest record id).
_COUNTED = """
WITH ranked AS (
    SELECT v.*, ROW_NUMBER() OVER (
        PARTITION BY device_kid, cred_id, scan_day ORDER BY made_at, record_id) AS n
    FROM visits v
    WHERE stars IS NOT NULL AND color != 'red' AND live_at_scan = 1 AND flags IS NULL)
SELECT card_no, cred_id, stars FROM ranked WHERE n = 1
"""
#: Complaints that count: one per device, credential and day of scan, not flagged (red or not).
_COMPLAINTS = """
WITH ranked AS (
    SELECT v.*, ROW_NUMBER() OVER (
        PARTITION BY device_kid, cred_id, scan_day ORDER BY made_at, record_id) AS n
    FROM visits v WHERE complaint IS NOT NULL)
SELECT card_no, complaint FROM ranked WHERE n = 1 AND flags IS NULL
"""


@dataclass(frozen=True, slots=True)
class Stored:
    """What became of one record: ``stored``, ``duplicate`` (stored before) or ``refused``."""

    outcome: str
    reason: VisitReason | None = None
    flags: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True, slots=True)
class Imported:
    """Rows added and updated by an import (and, with ``replace``, workers deregistered)."""

    added: int
    updated: int
    deregistered: int = 0


@dataclass(frozen=True, slots=True)
class OrderState:
    """An order and what the visit records say about that worker on that day."""

    enterprise_uscc: str
    order_id: str
    card_no: str
    service_date: str
    shown: bool  # a visit record (card scanned and checked)
    entered: bool  # ... with the entry confirmed
    evaluated: bool  # ... with an evaluation or a complaint


@dataclass(frozen=True, slots=True)
class WorkerRatings:
    """A card's counted evaluations and complaints (by category), and records not counted."""

    card_no: str
    name: str | None
    enterprise_uscc: str | None
    stars: tuple[int, ...]
    complaints: dict[Complaint, int]
    not_counted: int

    @property
    def rating(self) -> Rating | None:
        """The summary a re-issued code carries (count, mean in tenths)."""
        return rating_summary(self.stars)


def _bits(value: int | None, names: Sequence[Any]) -> list[Any]:
    return [] if value is None else [n for n in names if value >> n.bit & 1]


class VisitDB(IssuerDB):
    """An issuer database with the roster, orders and visits of schema 3.

    Commits are durable before they return (``synchronous=FULL``: the WAL is fsynced),
    which is what lets the endpoint acknowledge a record only once it is on disk; several
    processes may share the file (a writer waits up to 30 s for another's transaction).
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute("PRAGMA mmap_size=1073741824")

    class _SpinTx:
        """``BEGIN IMMEDIATE``, retried every half millisecond while another process holds
        the write lock (SQLite's own busy handler sleeps up to 100 ms between tries, which
        starves server processes that commit small transactions in turn)."""

        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> None:
            deadline = time.monotonic() + 30
            self.db.execute("PRAGMA busy_timeout=0")
            try:
                while True:
                    try:
                        self.db.execute("BEGIN IMMEDIATE")
                        return
                    except sqlite3.OperationalError as exc:
                        if "locked" not in str(exc) or time.monotonic() > deadline:
                            raise
                        time.sleep(0.0005)
            finally:
                self.db.execute("PRAGMA busy_timeout=30000")

        def __exit__(self, kind: object, *rest: object) -> None:
            self.db.execute("ROLLBACK" if kind else "COMMIT")

    def _tx(self) -> VisitDB._SpinTx:  # type: ignore[override]
        return VisitDB._SpinTx(self._db)

    def __enter__(self) -> VisitDB:
        return self

    # -- roster -----------------------------------------------------------------------------

    def import_roster(self, workers: Sequence[RosterWorker], enterprises: Sequence[RosterEnterprise],
                      *, now: dt.datetime, replace: bool = False) -> Imported:  # fmt: skip
        """Add or update registered workers (by ID hash) and enterprises (by USCC), in one
        transaction.  A worker's enterprise and name follow the newest import; one listed
        again after being deregistered is registered again.

        ``replace``: the files are the whole roster now.  Registered workers missing from
        ``workers``, and enterprises missing from ``enterprises`` (which holds those the
        workers name), are *deregistered* at ``now``: kept, with that moment, and no longer
        counted (持证率 is over the current roster, spec/visit-v1.md §7.1).
        """
        at = int(now.timestamp())
        with self._tx():
            known = {r[0] for r in self._db.execute("SELECT id_mac FROM roster_workers")}
            self._db.executemany(
                "INSERT INTO roster_workers (id_mac, name, enterprise_uscc, card_no, imported_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id_mac) DO UPDATE SET"
                " name=excluded.name, enterprise_uscc=excluded.enterprise_uscc,"
                " card_no=COALESCE(excluded.card_no, roster_workers.card_no), updated_at=excluded.updated_at,"
                " deregistered_at=NULL",
                [(w.id_mac, w.name, w.enterprise_uscc, w.card_no, at, at) for w in workers],
            )
            self._db.executemany(
                "INSERT INTO roster_enterprises (uscc, name, district, imported_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(uscc) DO UPDATE SET"
                " name=COALESCE(excluded.name, roster_enterprises.name),"
                " district=COALESCE(excluded.district, roster_enterprises.district),"
                " updated_at=excluded.updated_at, deregistered_at=NULL",
                [(e.uscc, e.name, e.district, at, at) for e in enterprises],
            )
            gone = self._deregister(workers, enterprises, at) if replace else 0
        added = sum(1 for w in workers if w.id_mac not in known)
        return Imported(added, len(workers) - added, gone)

    def _deregister(self, workers: Sequence[RosterWorker], enterprises: Sequence[RosterEnterprise],
                    at: int) -> int:  # fmt: skip
        """Mark the registered workers and enterprises not in these lists deregistered at ``at``;
        the number of workers deregistered."""
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS listed (kind TEXT, key TEXT, PRIMARY KEY (kind, key))")
        db.execute("DELETE FROM temp.listed")
        db.executemany("INSERT OR IGNORE INTO temp.listed VALUES ('w', ?)", [(w.id_mac,) for w in workers])
        firms = {e.uscc for e in enterprises} | {w.enterprise_uscc for w in workers}
        db.executemany("INSERT OR IGNORE INTO temp.listed VALUES ('e', ?)", [(u,) for u in firms])
        gone = db.execute(
            "UPDATE roster_workers SET deregistered_at=?, updated_at=? WHERE deregistered_at IS NULL"
            " AND id_mac NOT IN (SELECT key FROM temp.listed WHERE kind='w')",
            (at, at),
        ).rowcount
        db.execute(
            "UPDATE roster_enterprises SET deregistered_at=?, updated_at=? WHERE deregistered_at IS NULL"
            " AND uscc NOT IN (SELECT key FROM temp.listed WHERE kind='e')",
            (at, at),
        )
        db.execute("DELETE FROM temp.listed")
        return int(gone)

    def roster_size(self) -> tuple[int, int]:
        """Registered workers and enterprises (deregistered ones not counted)."""
        workers = self._db.execute(
            "SELECT COUNT(*) FROM roster_workers WHERE deregistered_at IS NULL"
        ).fetchone()[0]
        firms = self._db.execute(
            "SELECT COUNT(*) FROM (SELECT uscc FROM roster_enterprises WHERE deregistered_at IS NULL"
            " UNION SELECT enterprise_uscc FROM roster_workers WHERE deregistered_at IS NULL)"
        ).fetchone()[0]
        return workers, firms

    def roster_enterprises(self, *, deregistered: bool = False) -> dict[str, tuple[str | None, str | None]]:
        """USCC -> (name, district) of every registered enterprise (from the roster files);
        ``deregistered``: those deregistered too (to name them in reports of past orders)."""
        current = "" if deregistered else " WHERE deregistered_at IS NULL"
        rows = self._db.execute(
            f"SELECT uscc, name, district FROM roster_enterprises{current} UNION"
            " SELECT enterprise_uscc, NULL, NULL FROM roster_workers"
            f" WHERE enterprise_uscc NOT IN (SELECT uscc FROM roster_enterprises{current})"
            + ("" if deregistered else " AND deregistered_at IS NULL")
        )
        return {uscc: (name, district) for uscc, name, district in rows}

    def roster_states(self) -> tuple[list[WorkerState], int]:
        """One state per registered worker -- its enterprise from the roster, its card's newest
        credential (matched by ID hash, else by the roster's card number) -- and the number
        of cards issued to people not in the roster."""
        cards = {s.card_no: s for s in self.worker_states()}
        rows = self._db.execute(
            "SELECT r.id_mac, r.enterprise_uscc, COALESCE(w.card_no, r.card_no)"
            " FROM roster_workers r LEFT JOIN workers w ON w.id_mac = r.id_mac"
            " WHERE r.deregistered_at IS NULL"
        )
        states, matched = [], set()
        for mac, uscc, card in rows:
            found = cards.get(card) if card is not None else None
            if found is None:
                states.append(WorkerState(mac, uscc, None, None, None, None, None, False))
                continue
            matched.add(card)
            states.append(WorkerState(card, uscc, found.region, found.status, found.exp,
                                      found.health_until, found.insurance_until, found.alert))  # fmt: skip
        return states, len(set(cards) - matched)

    # -- orders -----------------------------------------------------------------------------

    def import_orders(
        self, orders: Sequence[Order], *, now: dt.datetime
    ) -> tuple[Imported, list[tuple[Order, str]]]:
        """Add or update orders (by enterprise and order id) in one transaction.  An order
        without an enterprise takes its card's; one whose card the issuer does not know and
        that names no enterprise is refused (returned with why)."""
        at = int(now.timestamp())
        refused: list[tuple[Order, str]] = []
        rows = []
        with self._tx():
            firm_of = dict(self._db.execute("SELECT card_no, enterprise_uscc FROM workers"))
            for order in orders:
                uscc = order.enterprise_uscc or firm_of.get(order.card_no)
                if uscc is None:
                    refused.append((order, f"card {order.card_no} is not in the issuer's records; "
                                           "give the order's enterprise_uscc"))  # fmt: skip
                    continue
                rows.append((uscc, order.order_id, order.card_no, order.service_date.isoformat(), at, at))
            keys = {(r[0], r[1]) for r in self._db.execute("SELECT enterprise_uscc, order_id FROM orders")}
            self._db.executemany(
                "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(enterprise_uscc, order_id)"
                " DO UPDATE SET card_no=excluded.card_no, service_date=excluded.service_date,"
                " updated_at=excluded.updated_at",
                rows,
            )
        added = sum(1 for r in rows if (r[0], r[1]) not in keys)
        return Imported(added, len(rows) - added), refused

    def order_states(
        self, *, since: dt.date | None = None, until: dt.date | None = None
    ) -> Iterator[OrderState]:
        """Every order (service date within ``since``..``until`` when given) with whether a visit
        record (not flagged) exists for its card on its day, with entry, with an evaluation."""
        query = (
            "SELECT o.enterprise_uscc, o.order_id, o.card_no, o.service_date,"
            " MAX(v.record_id IS NOT NULL), MAX(v.entered_at IS NOT NULL),"
            " MAX(v.stars IS NOT NULL OR v.complaint IS NOT NULL)"
            " FROM orders o LEFT JOIN visits v ON v.card_no = o.card_no AND v.scan_day = o.service_date"
            " AND v.flags IS NULL WHERE o.service_date BETWEEN ? AND ?"
            " GROUP BY o.enterprise_uscc, o.order_id ORDER BY o.enterprise_uscc, o.order_id"
        )
        low = (since or dt.date(2000, 1, 1)).isoformat()
        high = (until or dt.date(2099, 12, 31)).isoformat()
        for uscc, order_id, card, day, shown, entered, evaluated in self._db.execute(query, (low, high)):
            yield OrderState(uscc, order_id, card, day, bool(shown), bool(entered), bool(evaluated))

    # -- visits -----------------------------------------------------------------------------

    def store_visits(self, records: Sequence[tuple[Visit, bytes, bytes]], *, now: dt.datetime,
                     leeway: int = DEFAULT_LEEWAY,
                     flood_limit: int = DEFAULT_FLOOD_LIMIT) -> list[Stored]:  # fmt: skip
        """Store checked records (visit, signed bytes, their SHA-256) received at ``now`` in ONE
        transaction.

        Per record (spec/visit-v1.md §6.3): a record id stored before with the same bytes is a
        ``duplicate`` (acknowledged again), with other bytes a ``conflict``; a credential the
        issuer never issued is ``unknown_credential``; a scan before the credential was
        issued (less the leeway) is ``out_of_window``.  A record stored when its device
        already has ``flood_limit`` records about scans that day is flagged ``flood``.
        """
        return self.store_jobs([(records, now)], leeway=leeway, flood_limit=flood_limit)[0]

    def store_jobs(self, jobs: Sequence[Job], *, leeway: int = DEFAULT_LEEWAY,
                   flood_limit: int = DEFAULT_FLOOD_LIMIT,
                   more: Callable[[], Sequence[Job]] | None = None) -> list[list[Stored]]:  # fmt: skip
        """:meth:`store_visits` for several requests at once, in ONE transaction (group commit:
        one fsync for all of them).  ``more``, called once the write lock is held, gives the
        requests that arrived meanwhile: they join the group (the answer lists ``jobs`` then
        those, in order).

        The group is judged record by record, in order, exactly as one INSERT at a time would
        (a record stored earlier in the group is seen by the later ones: a copy of it is a
        ``duplicate``, it counts towards its device's flood limit), but with a few set-wise
        statements: the credentials named and their status events, the record ids already
        stored and the devices' counts per day are read once for the group, and the new rows
        go in with one ``executemany``.
        """

        def facts(jobs: Sequence[Job]) -> list[FactsJob]:
            return [([visit_facts(*item) for item in items], int(now.timestamp())) for items, now in jobs]

        return self.store_facts(facts(jobs), leeway=leeway, flood_limit=flood_limit,
                                more=None if more is None else lambda: facts(more()))  # fmt: skip

    def store_facts(self, jobs: Sequence[FactsJob], *, leeway: int = DEFAULT_LEEWAY,
                    flood_limit: int = DEFAULT_FLOOD_LIMIT,
                    more: Callable[[], Sequence[FactsJob]] | None = None) -> list[list[Stored]]:  # fmt: skip
        """:meth:`store_jobs` for records already reduced to their :func:`visit_facts` (what the
        endpoint's writer receives, from its own thread or from the server's other processes)."""
        with self._tx():
            if more is not None:
                jobs = [*jobs, *more()]
            flat = [(facts, at) for items, at in jobs for facts in items]
            results = self._store_group(flat, leeway, flood_limit)
        out, at = [], 0
        for items, _ in jobs:
            out.append(results[at : at + len(items)])
            at += len(items)
        return out

    def _store_group(self, items: Sequence[tuple[Facts, int]], leeway: int, flood_limit: int) -> list[Stored]:
        days: dict[int, str] = {}
        scan_days = [_china_day(f[8], days) for f, _ in items]
        creds = self._credentials([f[4] for f, _ in items])
        stored = self._stored_digests([f[0] for f, _ in items])
        counts = self._day_counts({(f[3], day) for (f, _), day in zip(items, scan_days, strict=True)})
        rows: list[tuple[Any, ...]] = []
        out: list[Stored] = []
        for (f, at), day in zip(items, scan_days, strict=True):
            record_id, digest, data, device, cred_id, issuer, color, reasons, scanned, entered, made, \
                stars, tags, complaint = f  # fmt: skip
            cred = creds.get(cred_id)
            if cred is None:  # (so never stored either)
                out.append(Stored("refused", VisitReason.UNKNOWN_CREDENTIAL,
                                  message=f"credential {cred_id} was not issued here"))  # fmt: skip
                continue
            card_no, iat, exp, events = cred
            if scanned < iat - leeway:
                out.append(_BEFORE_ISSUE)
                continue
            seen = stored.get(record_id)
            if seen is not None:  # this record id was stored before (or earlier in this group)
                out.append(_DUPLICATE if seen == digest else _CONFLICT)
                continue
            live = scanned < exp and _last_action(events, scanned) in (None, "reinstate")
            count = counts.get((device, day), 0)
            counts[(device, day)] = count + 1
            stored[record_id] = digest
            flood = count >= flood_limit
            rows.append(
                (record_id, digest, data, device, cred_id, card_no, issuer, color, reasons, scanned, day,
                 entered, made, stars, tags, complaint, int(live), FLAG_FLOOD if flood else None, at)
            )  # fmt: skip
            out.append(_STORED_FLOOD if flood else _STORED)
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            inserted = self._db.executemany(f"INSERT OR IGNORE INTO visits VALUES ({marks})", rows).rowcount
            if inserted != len(rows):  # pragma: no cover  (ids and digests were read in this transaction)
                raise RuntimeError(f"{len(rows) - inserted} visit rows were not inserted; nothing is stored")
        return out

    def _credentials(
        self, cred_ids: Sequence[str]
    ) -> dict[str, tuple[str, int, int, list[tuple[int, int, str]]]]:
        """Credential id -> (card number, iat, exp, its revoke/suspend/reinstate events as
        (at, seq, action) in order), for those of ``cred_ids`` the issuer recorded."""
        unique = sorted(set(cred_ids))
        out: dict[str, tuple[str, int, int, list[tuple[int, int, str]]]] = {}
        for part in _chunks(unique):
            marks = ",".join("?" * len(part))
            for cred_id, card_no, iat, exp in self._db.execute(
                f"SELECT cred_id, card_no, iat, exp FROM credentials WHERE cred_id IN ({marks})", part
            ):
                out[cred_id] = (card_no, iat, exp, [])
            for cred_id, at, seq, action in self._db.execute(
                f"SELECT cred_id, at, seq, action FROM events WHERE cred_id IN ({marks})"
                " AND action IN ('revoke', 'suspend', 'reinstate') ORDER BY at, seq",
                part,
            ):
                out[cred_id][3].append((at, seq, action))
        return out

    def _stored_digests(self, record_ids: Sequence[bytes]) -> dict[bytes, bytes]:
        """Record id -> digest of those of ``record_ids`` stored."""
        out: dict[bytes, bytes] = {}
        for part in _chunks(sorted(set(record_ids))):
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT record_id, digest FROM visits WHERE record_id IN ({marks})", part
            )
            out.update(rows)
        return out

    def _day_counts(self, days: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """(device kid, China day) -> records stored about scans that day by that device, for
        the pairs of ``days`` (by the index on device and day: one range per device)."""
        out: dict[tuple[str, str], int] = {}
        if not days:
            return out
        low, high = min(d for _, d in days), max(d for _, d in days)
        for part in _chunks(sorted({device for device, _ in days})):
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT device_kid, scan_day, COUNT(*) FROM visits WHERE device_kid IN ({marks})"
                " AND scan_day BETWEEN ? AND ? GROUP BY device_kid, scan_day",
                [*part, low, high],
            )
            out.update(((device, day), n) for device, day, n in rows if (device, day) in days)
        return out

    def visit_count(self) -> int:
        """Visit records stored."""
        return int(self._db.execute("SELECT COUNT(*) FROM visits").fetchone()[0])

    def record_ids(self) -> set[bytes]:
        """The record ids stored (tests, load test)."""
        return {r[0] for r in self._db.execute("SELECT record_id FROM visits")}

    # -- ratings ----------------------------------------------------------------------------

    def counted_stars(self, card_no: str | None = None) -> dict[str, list[int]]:
        """Card -> stars of the evaluations that count (spec/visit-v1.md §7.3), oldest first."""
        where = "AND card_no = ?" if card_no is not None else ""
        query = f"{_COUNTED} {where} ORDER BY made_at, record_id"
        out: dict[str, list[int]] = {}
        for card, _, stars in self._db.execute(query, () if card_no is None else (card_no,)):
            out.setdefault(card, []).append(stars)
        return out

    def rating_of(self, card_no: str) -> Rating | None:
        """The rating summary a new code for ``card_no`` carries, or ``None`` without evaluations."""
        return rating_summary(self.counted_stars(card_no).get(card_no, []))

    def ratings_by_card(self) -> dict[str, Rating]:
        """Card -> the rating summary of its counted evaluations, for every card that has any."""
        found = {card: rating_summary(stars) for card, stars in self.counted_stars().items()}
        return {card: rating for card, rating in found.items() if rating is not None}

    def counted_complaints(self, card_no: str | None = None) -> dict[str, list[int]]:
        """Card -> category bit masks of the complaints that count (spec/visit-v1.md §7.3)."""
        where = "AND card_no = ?" if card_no is not None else ""
        query = f"{_COMPLAINTS} {where} ORDER BY made_at, record_id"
        out: dict[str, list[int]] = {}
        for card, value in self._db.execute(query, () if card_no is None else (card_no,)):
            out.setdefault(card, []).append(value)
        return out

    def ratings(self) -> list[WorkerRatings]:
        """Every card with an evaluation or a complaint: counted stars, counted complaints by
        category, and how many such records do not count."""
        stars, complaints = self.counted_stars(), self.counted_complaints()
        rows = self._db.execute(
            "SELECT v.card_no, COUNT(*), w.name, w.enterprise_uscc FROM visits v"
            " LEFT JOIN workers w ON w.card_no = v.card_no"
            " WHERE v.stars IS NOT NULL OR v.complaint IS NOT NULL GROUP BY v.card_no ORDER BY v.card_no"
        )
        out = []
        for card, total, name, uscc in rows:
            counted = stars.get(card, [])
            masks = complaints.get(card, [])
            out.append(WorkerRatings(card, name, uscc, tuple(counted), _categories(masks),
                                     total - len(counted) - len(masks)))  # fmt: skip
        return out

    # -- the worker's file ------------------------------------------------------------------

    def worker_file(self, card_no: str) -> dict[str, Any] | None:
        """Everything recorded about one card (一证一档), or ``None`` for an unknown card."""
        card_no = card_no.upper()
        worker = self._db.execute(
            "SELECT name, enterprise_uscc, region, id_region, registered_at, updated_at, id_mac"
            " FROM workers WHERE card_no=?",
            (card_no,),
        ).fetchone()
        creds = self._db.execute(
            "SELECT cred_id, kid, list_id, idx, iat, exp, status, name, enterprise_uscc, health_until,"
            " insurance_until FROM credentials WHERE card_no=? ORDER BY iat, rowid",
            (card_no,),
        ).fetchall()
        if worker is None and not creds:
            return None
        ids = [c[0] for c in creds]
        marks = ",".join("?" * len(ids))
        events = self._db.execute(
            f"SELECT at, cred_id, action, note FROM events WHERE cred_id IN ({marks}) ORDER BY seq", ids
        ).fetchall()
        visits = self._db.execute(
            "SELECT record_id, device_kid, cred_id, color, reasons, scanned_at, entered_at, made_at, stars,"
            " tags, complaint, live_at_scan, flags, received_at FROM visits WHERE card_no=?"
            " ORDER BY scanned_at, record_id",
            (card_no,),
        ).fetchall()
        registered = None
        if worker is not None:
            registered = self._db.execute(
                "SELECT enterprise_uscc, deregistered_at FROM roster_workers WHERE id_mac=? OR card_no=?"
                " ORDER BY deregistered_at IS NOT NULL LIMIT 1",
                (worker[6], card_no),
            ).fetchone()
        rating = rating_summary(self.counted_stars(card_no).get(card_no, []))
        complaints = _categories(self.counted_complaints(card_no).get(card_no, []))
        return {
            "card_no": card_no,
            "worker": None if worker is None else {
                "name": worker[0], "enterprise_uscc": worker[1], "region": worker[2],
                "id_number_masked": worker[3] + "*" * 12, "registered_at": _iso(worker[4]),
                "updated_at": _iso(worker[5]), "in_roster": registered is not None and registered[1] is None,
                "deregistered_at": None if registered is None else _iso(registered[1]),
            },
            "credentials": [{
                "cred_id": c[0], "kid": c[1], "status_list": c[2], "status_index": c[3],
                "issued_at": _iso(c[4]), "expires_at": _iso(c[5]), "status": _STATUS[c[6]], "name": c[7],
                "enterprise_uscc": c[8], "health_exam_valid_until": c[9], "insurance_valid_until": c[10],
            } for c in creds],
            "events": [{"at": _iso(e[0]), "cred_id": e[1], "action": e[2], "note": e[3]} for e in events],
            "visits": [_visit_json(v) for v in visits],
            "rating": None if rating is None else {"average": rating.average, "count": rating.count},
            "complaints": {c.value: n for c, n in complaints.items()},
        }  # fmt: skip


_STATUS = {0: "valid", 1: "revoked", 2: "suspended", 3: "unknown"}


def _categories(masks: list[int]) -> dict[Complaint, int]:
    """Complaint counts by category (in category order) from category bit masks."""
    counts = {c: sum(1 for m in masks if m >> c.bit & 1) for c in Complaint}
    return {c: n for c, n in counts.items() if n}


_STORED = Stored("stored")
_BEFORE_ISSUE = Stored(
    "refused", VisitReason.OUT_OF_WINDOW, message="scanned before the credential was issued"
)
_STORED_FLOOD = Stored("stored", flags=(FLAG_FLOOD,))
_DUPLICATE = Stored("duplicate")
_CONFLICT = Stored("refused", VisitReason.CONFLICT, message="another record has this record id")
_EPOCH = dt.date(1970, 1, 1)


def visit_facts(visit: Visit, data: bytes, digest: bytes) -> Facts:
    """The columns of a checked record's row that the record alone decides: record id, digest,
    signed bytes, device kid (hex), credential id (hex), issuer, colour, reasons (comma
    separated), scanned, entered and made (seconds), stars, tag and complaint bit masks."""
    ev = visit.evaluation
    entered = visit.entered_at
    return (
        visit.record_id, digest, data, visit.device_kid.hex(), visit.credential_id.hex(), visit.issuer,
        _COLOR_TEXT[visit.color], ",".join(visit.reasons), int(visit.scanned_at.timestamp()),
        None if entered is None else int(entered.timestamp()), int(visit.made_at.timestamp()),
        None if ev is None else ev.stars, None if ev is None else _TAG_MASKS[ev.tags] or None,
        _COMPLAINT_MASKS[visit.complaint] or None,
    )  # fmt: skip


def _china_day(seconds: int, cache: dict[int, str]) -> str:
    """The China day (UTC+08:00, no daylight saving) of a moment in seconds, ISO 8601; ``cache``
    keeps the few days one group of records names."""
    n = (seconds + 8 * 3600) // 86400
    day = cache.get(n)
    if day is None:
        day = cache[n] = (_EPOCH + dt.timedelta(days=n)).isoformat()
    return day


#: The bit mask of every set of tags, and of complaint categories (a frozenset keeps its hash).
_TAG_MASKS = {frozenset(t for t in Tag if m >> t.bit & 1): m for m in range(1 << len(Tag))}
_COMPLAINT_MASKS = {frozenset(c for c in Complaint if m >> c.bit & 1): m for m in range(1 << len(Complaint))}
_COLOR_TEXT = {color: color.value for color in Color}


def _chunks(values: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``size`` (SQLite's limit on bound parameters)."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _last_action(events: Sequence[tuple[int, int, str]], at: int) -> str | None:
    """The last of ``events`` ((at, seq, action), in order) at or before ``at``, or None."""
    last = None
    for moment, _, action in events:
        if moment > at:
            break
        last = action
    return last


def _seconds(moment: dt.datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _iso(seconds: int | None) -> str | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, CST).isoformat()


def _visit_json(row: tuple[Any, ...]) -> dict[str, Any]:
    (
        record_id,
        device,
        cred,
        color,
        reasons,
        scanned,
        entered,
        made,
        stars,
        tags,
        complaint,
        live,
        flags,
        got,
    ) = row
    return {
        "record_id": bytes(record_id).hex(), "device_kid": device, "cred_id": cred, "color": color,
        "reasons": reasons.split(",") if reasons else [], "scanned_at": _iso(scanned),
        "entered_at": _iso(entered), "made_at": _iso(made), "received_at": _iso(got), "stars": stars,
        "tags": [t.value for t in _bits(tags, list(Tag))],
        "complaint": [c.value for c in _bits(complaint, list(Complaint))],
        "live_at_scan": bool(live), "flags": flags.split(",") if flags else [],
    }  # fmt: skip
