"""A bounded load test of ``anxinma serve`` (bench/visits_load.py, tests/test_server_load.py).

:func:`prepare` fills an issuer database with credentials and plans records:
good ones from many devices, exact duplicates of good ones, and bad ones of
every kind the endpoint refuses, each with the reason it must be refused for.
:func:`send` sends them from concurrent clients over keep-alive HTTP/1.1
connections (a small client written here: it costs the machine less than a
general one, which matters when client and server share two cores), re-sending
a batch whose answer did not arrive, until every record has an answer or a
deadline passes.  :func:`check` compares the database and the answers with the
plan: every good record stored exactly once, every bad one refused with its
reason.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import random
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .. import cbor, gbcodes
from ..cose import sign1
from ..issue import Issuer, credential_for
from ..issuerdb import Issuance, credential_id
from ..keys import raw_public_key
from ..model import CST, StatusRef
from ..record import parse_worker
from ..verify import Color
from ..visit import VISIT_TYPE, Complaint, Evaluation, Tag, Visit, sign_visit
from ..visitdb import VisitDB

__all__ = ["Outcome", "Planned", "Sent", "ServerProcess", "check", "prepare", "send"]

_ENTERPRISE = "91330203MA2H123450"


@dataclass(frozen=True, slots=True)
class Planned:
    """A record to send and what must become of it (``expect``: ``stored`` or a reason)."""

    text: str
    record_id: str | None
    expect: str
    copy: bool = False  # an exact duplicate of a good record


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer about one record."""

    outcome: str
    reason: str | None
    record_id: str | None


@dataclass
class Sent:
    """What :func:`send` saw: answers per planned record, latencies per request, timing."""

    answers: dict[int, Outcome] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _worker(n: int) -> dict[str, Any]:
    day = dt.date(1960, 1, 1) + dt.timedelta(days=n // 500)
    first17 = f"330203{day:%Y%m%d}{n % 500:03d}"
    return {
        "name": "王秀英",
        "id_number": first17 + gbcodes.id_check_char(first17),
        "card_no": f"LT{n:08d}",
        "enterprise_uscc": _ENTERPRISE,
        "region": "330203",
        "services": ["housekeeping"],
        "identity_verified": True,
        "health_exam_valid_until": "2099-12-31",
        "insurance_valid_until": "2099-12-31",
    }


def issue_credentials(db: VisitDB, count: int, *, now: dt.datetime) -> list[bytes]:
    """Sign ``count`` credentials with a fresh issuer key and record them; their messages."""
    if 0 not in db.lists():
        db.new_list(0)
    issuer = Issuer(Ed25519PrivateKey.generate())
    items, messages = [], []
    indexes = random.sample(range(1 << 17), count)
    for n in range(count):
        worker = parse_worker(_worker(n))
        cred = credential_for(worker, now=now, status=StatusRef(list_id=0, index=indexes[n]))
        message = issuer.sign(cred)
        items.append(Issuance.of(message, cred, worker, key=db.id_key, kid=issuer.kid))
        messages.append(message)
    refused = db.issue(items, now=now)
    assert not refused, refused[:3]
    return messages


def _good(device: Ed25519PrivateKey, message: bytes, scanned: dt.datetime, rng: random.Random) -> bytes:
    kind = rng.random()
    stars = rng.choice((3, 4, 5, 5, 5)) if kind < 0.6 else None
    complaint = frozenset({rng.choice(list(Complaint))}) if 0.6 <= kind < 0.7 else frozenset()
    visit = Visit(
        record_id=secrets.token_bytes(16),
        device_key=raw_public_key(device),
        credential_id=bytes.fromhex(credential_id(message)),
        color=Color.GREEN,
        reasons=(),
        scanned_at=scanned,
        entered_at=scanned + dt.timedelta(minutes=1),
        made_at=scanned + dt.timedelta(hours=2),
        issuer="nb-commerce",
        evaluation=None if stars is None else Evaluation(stars, frozenset({rng.choice(list(Tag))})),
        complaint=complaint,
    )
    return sign_visit(visit, device)


def _bad(kind: str, good: bytes, device: Ed25519PrivateKey, message: bytes, now: dt.datetime,  # noqa: PLR0911
         rng: random.Random) -> tuple[str, str]:  # fmt: skip
    """A bad record of ``kind`` (text, expected reason)."""
    if kind == "tampered":  # one bit of the signature flipped
        return _b64(good[:-1] + bytes([good[-1] ^ 1])), "signature_invalid"
    if kind == "wrong_signer":  # the claims name this device; another key signed
        from ..cose import parse_sign1  # noqa: PLC0415

        payload = parse_sign1(good, typ=VISIT_TYPE).payload
        signer_kid = parse_sign1(good, typ=VISIT_TYPE).kid
        forged = sign1(payload, Ed25519PrivateKey.generate(), signer_kid, typ=VISIT_TYPE)
        return _b64(forged), "signature_invalid"
    if kind == "unknown_credential":
        stranger = b"never issued" + secrets.token_bytes(8)
        return _b64(_good(device, stranger, now - dt.timedelta(hours=3), rng)), "unknown_credential"
    if kind == "out_of_window":
        return _b64(_good(device, message, now - dt.timedelta(days=45), rng)), "out_of_window"
    if kind == "oversized":
        return _b64(secrets.token_bytes(1100)), "too_large"
    if kind == "not_base64":
        return "*" + _b64(good)[1:], "malformed"
    if kind == "not_cbor":
        return _b64(b"\xff" + good[1:]), "malformed"
    raise AssertionError(kind)


BAD_KINDS = (
    "tampered",
    "wrong_signer",
    "unknown_credential",
    "out_of_window",
    "oversized",
    "not_base64",
    "not_cbor",
)


def prepare(db_path: Path, *, records: int, credentials: int = 500, duplicates: float = 0.05,
            bad: float = 0.05, per_device: int = 5, now: dt.datetime,
            seed: int = 1) -> list[Planned]:  # fmt: skip
    """Issue ``credentials`` into a new database and plan ``records`` records: good ones
    (``per_device`` per device key, scanned in the last two days), about ``duplicates`` of
    exact copies and ``bad`` of bad ones (every kind of :data:`BAD_KINDS` in turn).  Shuffled.
    (A record reusing another's id is refused as ``conflict`` only if it arrives second, so
    it has no fixed expected answer under concurrency; tests/test_visit.py covers it.)"""
    rng = random.Random(seed)
    with VisitDB(db_path) as db:
        messages = issue_credentials(db, credentials, now=now - dt.timedelta(days=60))
    n_bad = int(records * bad)
    n_dup = int(records * duplicates)
    n_good = records - n_bad - n_dup
    plan: list[Planned] = []
    devices: list[Ed25519PrivateKey] = []
    goods: list[bytes] = []
    for i in range(n_good):
        if i % per_device == 0:
            devices.append(Ed25519PrivateKey.generate())
        scanned = now - dt.timedelta(hours=rng.randrange(3, 48), seconds=i % 3600)
        data = _good(devices[-1], messages[rng.randrange(credentials)], scanned, rng)
        goods.append(data)
        plan.append(Planned(_b64(data), _record_id(data), "stored"))
    for _ in range(n_dup):
        data = rng.choice(goods)
        plan.append(Planned(_b64(data), _record_id(data), "stored", copy=True))
    for i in range(n_bad):
        kind = BAD_KINDS[i % len(BAD_KINDS)]
        text, reason = _bad(kind, rng.choice(goods), rng.choice(devices), rng.choice(messages), now, rng)
        plan.append(Planned(text, None, reason))
    rng.shuffle(plan)
    return plan


def _record_id(data: bytes) -> str:
    from ..cose import parse_sign1  # noqa: PLC0415

    claims = cbor.decode(parse_sign1(data, typ=VISIT_TYPE).payload, max_depth=1, max_items=32)
    value = claims[-1]
    assert isinstance(value, bytes)
    return value.hex()


# -- a small keep-alive HTTP/1.1 client -----------------------------------------------------------


class _Wire(asyncio.Protocol):
    """One TCP connection: the answer to the request in flight is collected in a buffer and
    handed over whole (no stream reader, no task per request, one wake-up per answer)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, dict[str, str], bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # (uvloop's is not a subclass)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None or self.waiter.done():
            return
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if len(self.buffer) < end + 4 + length:
            return
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        self.waiter.set_result((int(lines[0].split()[1]), headers, body))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionResetError("the server closed the connection"))


class _Connection:
    """A keep-alive HTTP/1.1 connection that sends prepared requests.  It shares the cores
    with the server under test, so it does as little as it can."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.wire: _Wire | None = None

    async def post(self, request: bytes, *, timeout: float) -> tuple[int, dict[str, str], bytes]:
        """Send one prepared request; its status, headers (lower-case names) and body."""
        loop = asyncio.get_running_loop()
        wire = self.wire
        if wire is None or wire.transport is None:
            connecting = loop.create_connection(_Wire, self.host, self.port)
            wire = self.wire = (await asyncio.wait_for(connecting, timeout))[1]
        assert wire.transport is not None
        waiter: asyncio.Future[tuple[int, dict[str, str], bytes]] = loop.create_future()
        wire.waiter = waiter
        expire = loop.call_later(timeout, _expire, waiter)
        wire.transport.write(request)
        try:
            answer = await waiter
        finally:
            expire.cancel()
        if answer[1].get("connection", "").lower() == "close":
            self.close()
        return answer

    def close(self) -> None:
        if self.wire is not None and self.wire.transport is not None:
            self.wire.transport.close()
        self.wire = None


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("no answer in time"))


def _request(host: str, port: int, plan: Sequence[Planned], batch: Sequence[int]) -> bytes:
    """The bytes of ``POST /v1/visits`` with the records of ``batch``."""
    body = json.dumps({"records": [plan[i].text for i in batch]}).encode()
    return (f"POST /v1/visits HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body  # fmt: skip


async def _client(host: str, port: int, work: asyncio.Queue[tuple[list[int], bytes]], plan: Sequence[Planned],
                  sent: Sent, deadline: float, on_answer: Any) -> None:  # fmt: skip
    conn = _Connection(host, port)
    answers = sent.answers
    try:
        while True:
            try:
                batch, request = work.get_nowait()
            except asyncio.QueueEmpty:
                return
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError("the load test ran out of time")
                start = time.perf_counter()
                try:
                    status, headers, data = await conn.post(request, timeout=30)
                except (OSError, TimeoutError, ValueError, IndexError):
                    conn.close()
                    sent.retries += 1
                    await asyncio.sleep(0.2)
                    continue
                sent.requests += 1
                if status != 200:  # 429 / 503: nothing acknowledged; send again
                    sent.retries += 1
                    await asyncio.sleep(float(headers.get("retry-after", "0.2")))
                    continue
                sent.latencies.append(time.perf_counter() - start)
                results = json.loads(data)["results"]
                retry = []
                for i, r in zip(batch, results, strict=True):
                    if r["retryable"]:
                        retry.append(i)
                    else:
                        answers[i] = answer = Outcome(r["outcome"], r["reason"], r["record_id"])
                        if on_answer is not None:
                            on_answer(i, answer)
                if retry:
                    work.put_nowait((retry, _request(host, port, plan, retry)))
                break
    finally:
        conn.close()


async def _send(host: str, port: int, plan: Sequence[Planned], batches: Iterable[list[int]], clients: int,
                deadline: float, on_answer: Any, sent: Sent) -> None:  # fmt: skip
    work: asyncio.Queue[tuple[list[int], bytes]] = asyncio.Queue()
    for batch in batches:  # the requests are prepared before the clock starts
        work.put_nowait((batch, _request(host, port, plan, batch)))
    start = time.perf_counter()
    await asyncio.gather(
        *(_client(host, port, work, plan, sent, deadline, on_answer) for _ in range(clients))
    )
    sent.seconds = time.perf_counter() - start


def send(host: str, port: int, plan: Sequence[Planned], *, clients: int = 50, batch: int = 20,
         timeout: float = 600.0, on_answer: Any = None) -> Sent:  # fmt: skip
    """Send every planned record (``batch`` per request, ``clients`` connections at once) until
    each has an answer; stop with :class:`TimeoutError` after ``timeout`` seconds.  The event
    loop is uvloop's when it is installed (the [server] extra), as the server's is."""
    batches = [list(range(i, min(i + batch, len(plan)))) for i in range(0, len(plan), batch)]
    sent = Sent()
    # (The main coroutine returns nothing: the runner restores the SIGINT handler at the end,
    # and the signal module formats the old handler -- the finished task, with its result --
    # which for a Sent of 20,000 answers cost the client 3 us a record.)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(_send(host, port, plan, batches, clients, time.monotonic() + timeout, on_answer, sent))
    return sent


def _loop_factory() -> Any:
    try:
        import uvloop  # noqa: PLC0415  (optional: the [server] extra)
    except ImportError:
        return None
    return uvloop.new_event_loop


def check(db_path: Path, plan: Sequence[Planned], sent: Sent) -> list[str]:
    """Problems (empty: none): a good record not stored exactly once, a bad one not refused
    with its reason, a record without an answer, a copy acknowledged as anything else."""
    problems: list[str] = []
    with VisitDB(db_path) as db:
        rows, stored = db.visit_count(), {r.hex() for r in db.record_ids()}
    good = {p.record_id for p in plan if p.expect == "stored"}
    if rows != len(good) or stored != good:
        problems.append(
            f"stored {rows} records ({len(stored & good)} of them good); {len(good)} good planned"
        )
    stored_answers: dict[str | None, int] = {}
    for i, p in enumerate(plan):
        answer = sent.answers.get(i)
        if answer is None:
            problems.append(f"record {i} got no answer")
        elif p.expect == "stored":
            if answer.outcome not in ("stored", "duplicate"):
                problems.append(f"good record {i} was {answer.outcome} ({answer.reason})")
            elif answer.outcome == "stored":
                stored_answers[p.record_id] = stored_answers.get(p.record_id, 0) + 1
        elif (answer.outcome, answer.reason) != ("refused", p.expect):
            problems.append(f"bad record {i}: expected {p.expect}, got {answer.outcome} ({answer.reason})")
    twice = [k for k, n in stored_answers.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} records were answered 'stored' more than once")
    return problems[:20]


def now_cst() -> dt.datetime:
    """The clock of the load test (the server reads the same one)."""
    return dt.datetime.now(CST).replace(microsecond=0)


def cpu_count() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# -- a server process for the load test and the crash test ----------------------------------------


class ServerProcess:
    """``anxinma serve`` in a child process (its own session, so that the test can kill it
    and its workers as one group), on a free port of 127.0.0.1."""

    def __init__(self, db: Path, *, workers: int = 1, extra: Sequence[str] = ()) -> None:
        import socket  # noqa: PLC0415
        import subprocess  # noqa: PLC0415
        import sys  # noqa: PLC0415

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.command = [sys.executable, "-m", "anxinma", "serve", "--db", str(db), "--port", str(self.port),
                        "--workers", str(workers), *extra]  # fmt: skip
        self._subprocess = subprocess
        self.process: Any = None
        self.log = db.with_name(db.name + ".serve.log")

    def start(self, *, timeout: float = 30.0) -> None:
        """Start the server and wait until it answers ``GET /v1/health``."""
        log = self.log.open("ab")
        self.process = self._subprocess.Popen(
            self.command, start_new_session=True, stdout=self._subprocess.DEVNULL, stderr=log
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"anxinma serve exited: {self.log.read_text(errors='replace')[-2000:]}")
            if _healthy(self.port):
                return
            time.sleep(0.05)
        self.kill()
        raise TimeoutError("anxinma serve did not answer in time")

    def kill(self) -> None:
        """SIGKILL the server and its worker processes (its process group), and reap it."""
        import signal  # noqa: PLC0415

        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def stop(self) -> None:
        """Stop the server gracefully (SIGINT, as Ctrl-C), then reap it."""
        import signal  # noqa: PLC0415

        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except self._subprocess.TimeoutExpired:
                self.kill()


def _healthy(port: int) -> bool:
    import socket  # noqa: PLC0415

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
