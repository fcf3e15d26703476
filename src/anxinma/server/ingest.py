"""The writer: one thread per server process that owns the database connection and
commits the records of every request waiting at that moment in ONE transaction (group
commit), then answers each request (spec/visit-v1.md §6.3).

A commit costs about the same whether it holds one request or twenty (an fsync of a few
milliseconds, and the index pages it writes, which records of one group share), so the
writer lets a small group wait a few milliseconds for more (:data:`LINGER`, until
:data:`FULL_GROUP` records), and takes in whatever arrived while it waited for the write
lock of another server process.  docs/benchmarks.md has the figures.

Checking a record (parsing, the Ed25519 signature) happens in the request handlers;
only checked records reach the writer.  A request is answered after the transaction
holding its records has committed, and a commit is durable when it returns
(``synchronous=FULL``), so an acknowledged record survives a crash of the process or
the machine.  If the transaction fails, every request in it gets the error and its
client sends the records again later: nothing was acknowledged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from ..visit import Visit
from ..visitdb import Stored, VisitDB

__all__ = ["Writer"]

Items = Sequence[tuple[Visit, bytes, bytes]]
#: Requests committed together at most (bounds one transaction's time).
MAX_GROUP = 256
#: How long a group smaller than FULL_GROUP records waits for more requests (seconds): the
#: latency a quiet server adds to an answer, for fewer, fuller commits under load.
LINGER = 0.010
FULL_GROUP = 400
#: A request waiting: its records, when they were received, and where its answer goes (a
#: future of the event loop, resolved with the others of its group in one call from the
#: writer thread; or a thread-safe future for callers outside a loop).
_Job = tuple[Items, dt.datetime, "asyncio.Future[list[Stored]] | Future[list[Stored]]"]


class Writer:
    """Owns one :class:`VisitDB` connection in its own thread; :meth:`submit` hands it work."""

    def __init__(self, path: Path, *, leeway: int, flood_limit: int) -> None:
        self._path, self._leeway, self._flood = path, leeway, flood_limit
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="anxinma-writer", daemon=True)
        self._thread.start()
        self._ready.result()  # raises if the database cannot be opened

    def submit(self, items: Items, now: dt.datetime) -> Future[list[Stored]]:
        """Store ``items`` (received at ``now``); the future holds one :class:`Stored` each."""
        done: Future[list[Stored]] = Future()
        self._queue.put((items, now, done))
        return done

    def store(self, items: Items, now: dt.datetime) -> asyncio.Future[list[Stored]]:
        """:meth:`submit` for the event loop the caller runs in: the answers of a whole group
        reach the loop in one call (one wake-up of the loop per transaction, not per request)."""
        self._loop = asyncio.get_running_loop()
        done: asyncio.Future[list[Stored]] = self._loop.create_future()
        self._queue.put((items, now, done))
        return done

    def close(self) -> None:
        """Finish the work queued so far, then close the database."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        try:
            db = VisitDB(self._path)
        except Exception as exc:  # reported to the constructor's caller
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        try:
            while (first := self._queue.get()) is not None:
                group = [first]
                stopping = self._linger(group)
                if self._commit(db, group, drain=not stopping) or stopping:
                    break
        finally:
            db.close()

    def _linger(self, group: list[_Job]) -> bool:
        """Let a small group wait LINGER for more requests (one sleep, not a wake-up per
        request), then take what came; True when a stop came."""
        if sum(len(items) for items, _, _ in group) < FULL_GROUP:
            time.sleep(LINGER)
        return self._drain(group)

    def _drain(self, group: list[_Job]) -> bool:
        """Add the requests already waiting to ``group``; True when a stop was among them."""
        while len(group) < MAX_GROUP:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return False
            if job is None:
                return True
            group.append(job)
        return False

    def _commit(self, db: VisitDB, group: list[_Job], *, drain: bool) -> bool:
        """Store ``group`` and (``drain``) every request that arrived until the write lock was
        held (with several server processes, the lock may be another's for a while: what
        queued meanwhile goes into the same transaction), then answer them all.  True when a
        stop was among the requests drained."""
        stop = False

        def more() -> list[tuple[Items, dt.datetime]]:
            nonlocal stop
            first = len(group)
            stop = self._drain(group)
            return [(items, now) for items, now, _ in group[first:]]

        try:
            jobs = [(items, now) for items, now, _ in group]
            results: list[Any] = db.store_jobs(
                jobs, leeway=self._leeway, flood_limit=self._flood, more=more if drain else None
            )
            failed = None
        except Exception as exc:  # the transaction was rolled back: nothing is acknowledged
            results, failed = [None] * len(group), exc
        answers = [(done, result) for (_, _, done), result in zip(group, results, strict=True)]
        waiting = [(d, r) for d, r in answers if isinstance(d, asyncio.Future)]
        for done, result in answers:
            if not isinstance(done, asyncio.Future):
                _settle(done, result, failed)
        if waiting and self._loop is not None:
            self._loop.call_soon_threadsafe(_settle_all, waiting, failed)
        return stop


def _settle(done: Any, result: Any, failed: BaseException | None) -> None:
    if done.done():  # an event-loop future whose request went away
        return
    if failed is not None:
        done.set_exception(failed)
    else:
        done.set_result(result)


def _settle_all(answers: list[tuple[Any, Any]], failed: BaseException | None) -> None:
    for done, result in answers:
        _settle(done, result, failed)
