"""Routes of the endpoint (spec/visit-v1.md §6): ``POST /v1/visits``, ``GET /v1/health`` and
the static site.

Every error is JSON ``{"error": {"code": ..., "message": ...}}`` with a stable code; a
refused record inside a batch is not an error of the request: the answer lists, in
order, what became of each record.
"""

from __future__ import annotations

import binascii
import contextlib
import datetime as dt
import json
import os
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..visit import MAX_RECORD_BYTES, VisitError, VisitReason, open_visit, record_digest
from ..visitdb import Stored
from ..web.headers import media_type, security_headers, site_headers
from .config import ServerConfig
from .ingest import RemoteWriter, Writer
from .limits import Buckets

__all__ = ["CONFIG_VARIABLE", "WRITER_VARIABLE", "create_app", "from_environment"]

#: The environment variable that hands the options to worker processes (JSON).
CONFIG_VARIABLE = "ANXINMA_SERVE_CONFIG"
#: The environment variable that gives worker processes the address of their shared writer
#: (:class:`~anxinma.server.ingest.WriterService`); without it a process writes itself.
WRITER_VARIABLE = "ANXINMA_SERVE_WRITER"
_B64URL = re.compile(r"[A-Za-z0-9_-]*\Z")
_FROM_URL = bytes.maketrans(b"-_", b"+/")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: The characters that may end a text of 2 or 3 characters mod 4: those whose bits past the
#: last byte are zero (4 and 2 of them), as a canonical encoder leaves them (RFC 4648 §3.5).
_CANONICAL_LAST = {
    2: frozenset(c for i, c in enumerate(_ALPHABET) if i & 0x0F == 0),
    3: frozenset(c for i, c in enumerate(_ALPHABET) if i & 0x03 == 0),
}
_MAX_RECORD_TEXT = -(-MAX_RECORD_BYTES * 4 // 3)  # base64url of a 1024-byte record: 1366 characters


class _Refused(Exception):  # noqa: N818  (a request answered with an error, not a failure)
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def decode_record_text(text: object) -> bytes | None:
    """The bytes of one record as sent: canonical base64url without padding (RFC 4648 §5)."""
    if (
        not isinstance(text, str)
        or len(text) > _MAX_RECORD_TEXT
        or not _B64URL.match(text)
        or len(text) % 4 == 1
        or (len(text) % 4 and text[-1] not in _CANONICAL_LAST[len(text) % 4])  # non-zero padding bits
    ):
        return None
    raw = text.encode("ascii")  # (the pattern admits ASCII only)
    try:
        return binascii.a2b_base64(raw.translate(_FROM_URL) + b"=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover  (the checks above leave none)
        return None


class _Endpoint:
    """The state one server process keeps: options, the writer, the rate-limit buckets."""

    def __init__(self, config: ServerConfig, headers: dict[str, str]) -> None:
        self.config = config
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self.writer: Writer | RemoteWriter | None = None
        self.addresses = Buckets(config.per_process(config.address_rate), config.address_burst)
        self.devices = Buckets(config.per_process(config.device_rate), config.device_burst)
        self.max_age = dt.timedelta(days=config.max_age_days)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``POST /v1/visits`` as a bare ASGI application: the hot path of the endpoint, with
        no request or response objects (the rest of the site goes through Starlette)."""
        headers = _request_headers(scope)
        status, extra = 200, {}
        try:
            answer = await self._visits(scope, headers, receive)
        except _Refused as exc:
            status, extra = exc.status, exc.headers
            answer = {"error": {"code": exc.code, "message": exc.message}}
        body = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
        raw = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *self.headers,
        ]
        raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
        origin = headers.get(b"origin")
        if origin is not None and origin.decode("latin-1") in self.config.cors_origins:
            raw += [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})

    async def _visits(self, scope: Scope, headers: dict[bytes, bytes], receive: Receive) -> dict[str, Any]:
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = self.addresses.take(address, time.monotonic())
        if wait:
            raise _Refused(429, "rate_limited", f"too many requests from {address}; retry later",
                           {"Retry-After": str(max(1, round(wait)))})  # fmt: skip
        if headers.get(b"content-type", b"").split(b";")[0].strip().lower() != b"application/json":
            raise _Refused(415, "unsupported_media_type", "send application/json")
        texts = _records_of(await self._body(headers, receive), self.config.max_records)
        now = self.config.clock()
        results: list[dict[str, Any] | None] = [None] * len(texts)
        checked, where = [], []
        for i, text in enumerate(texts):
            outcome = self._check(text, now)
            if isinstance(outcome, dict):
                results[i] = outcome
            else:
                checked.append(outcome)
                where.append(i)
        if checked:
            assert self.writer is not None
            try:
                stored = await self.writer.store(checked, now)
            except Exception as exc:  # the transaction failed: nothing acknowledged
                raise _Refused(503, "unavailable", f"the records could not be stored ({type(exc).__name__}); "
                                                   "send them again later") from None  # fmt: skip
            for i, (visit, _, _), result in zip(where, checked, stored, strict=True):
                results[i] = _result(visit.record_id.hex(), result)
        done = [r for r in results if r is not None]
        counts = {k: sum(1 for r in done if r["outcome"] == k) for k in ("stored", "duplicate", "refused")}
        return {"results": done, **counts}

    def _check(self, text: object, now: dt.datetime) -> dict[str, Any] | tuple[Any, bytes, bytes]:
        if isinstance(text, str) and len(text) > _MAX_RECORD_TEXT:
            return _refused_json(None, VisitReason.TOO_LARGE, f"a record is at most {MAX_RECORD_BYTES} bytes")
        data = decode_record_text(text)
        if data is None:
            return _refused_json(
                None, VisitReason.MALFORMED, "not canonical base64url (RFC 4648 §5, no padding)"
            )
        try:
            visit = open_visit(data, now=now, leeway=self.config.leeway, max_age=self.max_age)
        except VisitError as exc:
            return _refused_json(None, exc.reason, str(exc))
        if self.devices.take(visit.device_kid.hex(), time.monotonic()):
            return _refused_json(visit.record_id.hex(), VisitReason.RATE_LIMITED,
                                 "this device sent too many records; send this one again later")  # fmt: skip
        return visit, data, record_digest(data)

    async def _body(self, headers: dict[bytes, bytes], receive: Receive) -> bytes:
        limit = self.config.max_body
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise _Refused(413, "body_too_large", f"a request body holds at most {limit} bytes")
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Refused(400, "bad_request", "the client went away before the body was complete")
            body += message.get("body", b"")
            if len(body) > limit:
                raise _Refused(413, "body_too_large", f"a request body holds at most {limit} bytes")
            if not message.get("more_body", False):
                return bytes(body)

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True})


def _records_of(body: bytes, max_records: int) -> list[Any]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _Refused(400, "not_json", f"the body is not JSON ({exc})") from None
    if not isinstance(value, dict) or set(value) != {"records"} or not isinstance(value["records"], list):
        raise _Refused(400, "bad_request", 'send {"records": [base64url, ...]}')
    records = value["records"]
    if not 1 <= len(records) <= max_records:
        raise _Refused(400, "too_many_records" if records else "bad_request",
                       f"send 1 to {max_records} records per request")  # fmt: skip
    return records


def _refused_json(record_id: str | None, reason: VisitReason, message: str) -> dict[str, Any]:
    return {"record_id": record_id, "outcome": "refused", "reason": reason.value,
            "retryable": reason.retryable, "flags": [], "message": message}  # fmt: skip


def _result(record_id: str, stored: Stored) -> dict[str, Any]:
    if stored.reason is not None:
        return _refused_json(record_id, stored.reason, stored.message)
    return {"record_id": record_id, "outcome": stored.outcome, "reason": None, "retryable": False,
            "flags": list(stored.flags), "message": ""}  # fmt: skip


# -- the static site -------------------------------------------------------------------------

#: Files a phone must revalidate every time (the page, its modules, the signed documents).
_REVALIDATE = (".html", ".js", ".mjs", ".json", ".webmanifest", ".cwt", ".css", ".txt", ".pem")


class Site(StaticFiles):
    """The web verifier and its documents, with cache headers (spec/visit-v1.md §6.5):
    ``no-cache`` (use a copy only after checking it is current: ETag / Last-Modified) for
    the page, its scripts and the signed documents; an hour for the rest (images, wasm).
    Media types are the page's own (:data:`anxinma.web.headers.MEDIA_TYPES`, as ``web serve``
    sends them); no directory listings, no hidden files."""

    def file_response(self, full_path: Any, stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:  # fmt: skip
        response = super().file_response(full_path, stat_result, scope, status_code)
        name = str(full_path).lower()
        if name.endswith(_REVALIDATE) or name.endswith("sw.js"):
            response.headers["Cache-Control"] = "no-cache"
        else:
            response.headers["Cache-Control"] = "public, max-age=3600"
        response.headers["Content-Type"] = media_type(name)
        return response

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if any(part.startswith(".") and part not in (".", "..") for part in path.split("/")):
            return "", None  # the build's marker and any other hidden file: not found
        return super().lookup_path(path)


class _Headers:
    """Headers on every answer: the security headers of the page (the same as ``web serve``
    sends: :func:`anxinma.web.headers.site_headers`), or without a site, no MIME sniffing
    and no referrer."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, sending)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    return _error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))


def _request_headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by lower-case name (the last of a repeated one)."""
    return {name.lower(): value for name, value in scope.get("headers", ())}


class _Dispatch:
    """``POST /v1/visits`` straight to the endpoint; everything else (the site, health, errors,
    CORS preflight, the lifespan) through Starlette."""

    def __init__(self, visits: _Endpoint, site: Starlette) -> None:
        self.visits, self.site = visits, site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/v1/visits":
            await self.visits(scope, receive, send)
        else:
            await self.site(scope, receive, send)


def create_app(config: ServerConfig, *, writer: str | None = None) -> ASGIApp:
    """The ASGI application for ``config``; the writer starts with the application (lifespan):
    a thread of this process, or with ``writer`` (a :class:`~anxinma.server.ingest.WriterService`
    address) a connection to the writer the server's processes share."""
    if config.site is not None:
        headers = site_headers(config.site)
    else:
        headers = {k: v for k, v in security_headers().items() if k != "Content-Security-Policy"}
    endpoint = _Endpoint(config, headers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if writer is None:
            endpoint.writer = Writer(config.db, leeway=config.leeway, flood_limit=config.flood_limit)
        else:
            endpoint.writer = RemoteWriter(writer)
            await endpoint.writer.connect()
        try:
            yield
        finally:
            endpoint.writer.close()

    routes: list[Route | Mount] = [
        Route("/v1/visits", endpoint, methods=["POST"]),  # (POST never gets here: _Dispatch; others: 405)
        Route("/v1/health", endpoint.health, methods=["GET"]),
    ]
    if config.site is not None:
        routes.append(Mount("/", app=Site(directory=config.site, html=True), name="site"))
    middleware = [Middleware(_Headers, headers=headers)]
    if config.cors_origins:
        origins = list(config.cors_origins)
        middleware.append(
            Middleware(
                CORSMiddleware, allow_origins=origins, allow_methods=["POST"], allow_headers=["content-type"]
            )
        )
    site = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                     exception_handlers={HTTPException: _http_error})  # fmt: skip
    return _Dispatch(endpoint, site)


def from_environment() -> ASGIApp:
    """The application of a worker process, from the options in :data:`CONFIG_VARIABLE`."""
    return create_app(
        ServerConfig.from_json(os.environ[CONFIG_VARIABLE]), writer=os.environ.get(WRITER_VARIABLE)
    )
