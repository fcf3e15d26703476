"""The writer: one thread (per server, shared by its processes) that owns the database
connection and commits the records of every request waiting at that moment in ONE transaction (group
commit), then answers each request (spec/visit-v1.md §6.3).

A commit costs about the same whether it holds one request or twenty (an fsync of a few
milliseconds, and the index pages it writes, which records of one group share), so the
writer lets a small group wait a few milliseconds for more while more arrive
(:data:`LINGER` at most, until :data:`FULL_GROUP` records), and takes in whatever
arrived while it waited for the write lock of another program.  docs/benchmarks.md has
the figures.

Checking a record (parsing, the Ed25519 signature) happens in the request handlers;
only checked records reach the writer.  A request is answered after the transaction
holding its records has committed, and a commit is durable when it returns
(``synchronous=FULL``), so an acknowledged record survives a crash of the process or
the machine.  If the transaction fails, every request in it gets the error and its
client sends the records again later: nothing was acknowledged.

With several server processes there is ONE writer (:class:`WriterService`, a thread of
the process that started them), which the processes reach through a Unix socket
(:class:`RemoteWriter`): their records go into the same transactions, through one
connection and its page cache, instead of two writers taking SQLite's write lock in turn
and each re-reading the pages the other changed.  A record crosses the socket as its
:func:`~anxinma.visitdb.visit_facts` (plain values, CBOR), and its answer comes back the
same way once its transaction has committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import os
import queue
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, cast

import cbor2

from ..visit import Visit, VisitReason
from ..visitdb import Facts, FactsJob, Stored, VisitDB, visit_facts

__all__ = ["RemoteWriter", "Writer", "WriterService"]

Items = Sequence[tuple[Visit, bytes, bytes]]
#: Requests committed together at most (bounds one transaction's time).
MAX_GROUP = 256
#: How long a group smaller than FULL_GROUP records waits for more requests (seconds): the
#: latency a quiet server adds to an answer, for fewer, fuller commits under load (storing
#: costs 21-23 us of CPU a record in groups of 300, 16-18 in groups of 600-1,200).
LINGER = 0.020
LINGER_STEP = 0.002
FULL_GROUP = 1000
#: A request waiting: its records, when they were received, and where its answer goes (a
#: future of the event loop, resolved with the others of its group in one call from the
#: writer thread; or a thread-safe future for callers outside a loop).
_Job = tuple[Sequence[Facts], int, "asyncio.Future[list[Stored]] | Future[list[Stored]]"]


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
        return self.submit_facts([visit_facts(*item) for item in items], int(now.timestamp()))

    def submit_facts(self, facts: Sequence[Facts], at: int) -> Future[list[Stored]]:
        """:meth:`submit` for records already reduced to their facts, received at ``at``."""
        done: Future[list[Stored]] = Future()
        self._queue.put((facts, at, done))
        return done

    def store(self, items: Items, now: dt.datetime) -> asyncio.Future[list[Stored]]:
        """:meth:`submit` for the event loop the caller runs in: the answers of a whole group
        reach the loop in one call (one wake-up of the loop per transaction, not per request)."""
        self._loop = asyncio.get_running_loop()
        done: asyncio.Future[list[Stored]] = self._loop.create_future()
        self._queue.put(([visit_facts(*item) for item in items], int(now.timestamp()), done))
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
        """Let a small group wait for more requests, LINGER_STEP at a time (a wake-up per step,
        not per request) while each step brings more, for LINGER at most or until it holds
        FULL_GROUP records; True when a stop came.  (Many clients sending one record each come
        back within a few milliseconds of their answers: waiting longer only idles them.)"""
        records = sum(len(facts) for facts, _, _ in group)
        waited = 0.0
        while records < FULL_GROUP and waited < LINGER:
            time.sleep(LINGER_STEP)
            waited += LINGER_STEP
            had = len(group)
            if self._drain(group):
                return True
            if len(group) == had:
                break
            records += sum(len(facts) for facts, _, _ in group[had:])
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

        def more() -> list[FactsJob]:
            nonlocal stop
            first = len(group)
            stop = self._drain(group)
            return [(facts, at) for facts, at, _ in group[first:]]

        try:
            jobs = [(facts, at) for facts, at, _ in group]
            results: list[Any] = db.store_facts(
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


# -- one writer for several server processes ------------------------------------------------------


def _frame(value: Any) -> bytes:
    data = cbor2.dumps(value)
    return len(data).to_bytes(4, "big") + data


def _stored_value(stored: Stored) -> list[Any]:
    reason = None if stored.reason is None else stored.reason.value
    return [stored.outcome, reason, list(stored.flags), stored.message]


class WriterService:
    """The writer of a server with several processes: a :class:`Writer` in this process and a
    Unix socket (in a private temporary directory, :attr:`address`) on which the server
    processes hand it their checked records and get the answers back.  Each connection is
    read by a thread of its own; the requests of every process join the same groups.

    What arrives on the socket is stored without being checked again (the processes checked
    it), so only this user may connect: the directory is made with mode 0700.  A server
    killed with SIGKILL leaves the empty directory and the socket file behind."""

    def __init__(self, path: Path, *, leeway: int, flood_limit: int) -> None:
        self.writer = Writer(path, leeway=leeway, flood_limit=flood_limit)
        self._dir = tempfile.mkdtemp(prefix="anxinma-writer-")  # (mode 0700: this user's only)
        self.address = os.path.join(self._dir, "writer.sock")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.address)
        self._listener.listen(64)
        self._connections: list[socket.socket] = []
        threading.Thread(target=self._accept, name="anxinma-writer-accept", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:  # closed
                return
            self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), name="anxinma-writer-in", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        """Requests of one server process, in order: (job id, seconds, [facts, ...])."""
        sending = threading.Lock()
        with conn, conn.makefile("rb") as reader:
            while len(head := reader.read(4)) == 4:
                job, at, facts = cbor2.loads(reader.read(int.from_bytes(head, "big")))
                done = self.writer.submit_facts(facts, at)
                done.add_done_callback(functools.partial(self._answer, conn, sending, job))

    @staticmethod
    def _answer(conn: socket.socket, sending: threading.Lock, job: int, done: Future[list[Stored]]) -> None:
        failed = done.exception()
        if failed is not None:
            frame = _frame([job, None, type(failed).__name__])
        else:
            frame = _frame([job, [_stored_value(s) for s in done.result()], None])
        with sending, contextlib.suppress(OSError):  # (a process gone: nothing was acknowledged to it)
            conn.sendall(frame)

    def close(self) -> None:
        """Stop taking requests, finish those queued, close the database."""
        self._listener.close()
        self.writer.close()
        for conn in self._connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        shutil.rmtree(self._dir, ignore_errors=True)


class RemoteWriter(asyncio.Protocol):
    """A server process's side of :class:`WriterService`: :meth:`store` as :class:`Writer`'s,
    the records sent over the socket as facts and the answers matched by job number."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiting: dict[int, asyncio.Future[list[Stored]]] = {}
        self._jobs = 0
        self._known: dict[tuple[Any, ...], Stored] = {}

    async def connect(self) -> None:
        """Connect to the service (at the start of the application)."""
        await asyncio.get_running_loop().create_unix_connection(lambda: self, self.address)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        waiting, self._waiting = self._waiting, {}
        for done in waiting.values():
            if not done.done():
                done.set_exception(ConnectionError("the writer went away"))

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= 4:
            end = 4 + int.from_bytes(self._buffer[:4], "big")
            if len(self._buffer) < end:
                return
            job, results, failed = cbor2.loads(bytes(self._buffer[4:end]))
            del self._buffer[:end]
            done = self._waiting.pop(job, None)
            if done is None or done.done():
                continue
            if failed is not None:
                done.set_exception(RuntimeError(f"the transaction failed ({failed})"))
            else:
                done.set_result([self._stored(*r) for r in results])

    def _stored(self, outcome: str, reason: str | None, flags: list[str], message: str) -> Stored:
        key = (outcome, reason, *flags, message)
        found = self._known.get(key)
        if found is None:
            found = Stored(outcome, None if reason is None else VisitReason(reason), tuple(flags), message)
            if len(self._known) < 1024:
                self._known[key] = found
        return found

    def store(self, items: Items, now: dt.datetime) -> asyncio.Future[list[Stored]]:
        """Store ``items`` (received at ``now``) through the service; the future holds one
        :class:`Stored` each, set once the transaction holding them has committed."""
        if self._transport is None:
            raise ConnectionError("not connected to the writer")
        done: asyncio.Future[list[Stored]] = asyncio.get_running_loop().create_future()
        self._jobs += 1
        self._waiting[self._jobs] = done
        facts = [visit_facts(*item) for item in items]
        self._transport.write(_frame([self._jobs, int(now.timestamp()), facts]))
        return done

    def close(self) -> None:
        """Disconnect (at the end of the application)."""
        if self._transport is not None:
            self._transport.close()
