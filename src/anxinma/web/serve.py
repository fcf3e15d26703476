"""Serve a built verifier page on 127.0.0.1 for a local look (``anxinma web serve``).

Python's :mod:`http.server`, with what a real host must send too (docs/web.md), as
:mod:`.headers` defines it for every server of the page: the Content-Security-Policy
the build recorded, as a header (``frame-ancestors`` works only there),
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

from .headers import CONTENT_SECURITY_POLICY, MEDIA_TYPES, site_headers

__all__ = ["CONTENT_SECURITY_POLICY", "SiteHandler", "make_server"]


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the page's security headers and media types."""

    extensions_map = MEDIA_TYPES
    quiet = False
    #: The site's security headers (:func:`~anxinma.web.headers.site_headers`).
    security: dict[str, str] = {}  # noqa: RUF012  (set per server by make_server)

    def end_headers(self) -> None:
        for name, value in self.security.items():
            self.send_header(name, value)
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
    handler = functools.partial(
        type("Handler", (SiteHandler,), {"quiet": quiet, "security": site_headers(site)}), directory=str(site)
    )
    return http.server.ThreadingHTTPServer((host, port), handler)
