"""Serve a built verifier page on 127.0.0.1 for a local look (``anxinma web serve``).

Python's :mod:`http.server`, with what a real host must send too (docs/web.md): the
Content-Security-Policy of the page as a header (``frame-ancestors`` works only there),
``X-Content-Type-Options: nosniff``, no referrer, correct media types (``text/javascript``
for ES modules, ``application/wasm`` for the QR reader, which browsers compile only with
that type), and ``Cache-Control: no-cache`` so that the service worker, not the HTTP
cache, decides what is kept offline.
"""

from __future__ import annotations

import functools
import http.server
from pathlib import Path
from typing import Any

__all__ = ["CONTENT_SECURITY_POLICY", "SiteHandler", "make_server"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "media-src 'self' blob: mediastream:; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".cwt": "application/cwt",
    "": "application/octet-stream",
}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the page's security headers and media types."""

    extensions_map = _TYPES
    quiet = False

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def list_directory(self, path: Any) -> None:
        self.send_error(404, "No directory listings")

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(
    site: Path, *, port: int = 8000, host: str = "127.0.0.1", quiet: bool = False
) -> http.server.ThreadingHTTPServer:
    """A server for the built page in ``site`` (not started: call ``serve_forever()``)."""
    handler = functools.partial(type("Handler", (SiteHandler,), {"quiet": quiet}), directory=str(site))
    return http.server.ThreadingHTTPServer((host, port), handler)
