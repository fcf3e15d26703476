"""What a host of the verifier page sends with it: one definition for every server of the page.

``anxinma web serve`` (a local look) and ``anxinma serve --site`` (the issuer's endpoint)
both send :func:`site_headers` of the built folder, and ``anxinma web build`` writes the
same Content-Security-Policy into the page's ``<meta>`` tag (docs/web.md "Security of the
page").  The policy is the page's own files only, except ``connect-src``, which also names
the one origin the page sends visit records to when that is not the page's own
(``web build --visits-url``): exactly that origin, nothing else.

A built folder records its policy in its marker file (:data:`MARKER`, JSON), so that a
server shows exactly what the build decided without parsing HTML.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "MARKER",
    "MEDIA_TYPES",
    "content_security_policy",
    "media_type",
    "security_headers",
    "site_headers",
    "url_origin",
]

#: A built site carries this file (JSON: what built it and the policy it needs), so that a
#: rebuild may replace the folder (and nothing else) and servers send the right policy.
MARKER = ".anxinma-site"

_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'none'"),
    ("script-src", "'self' 'wasm-unsafe-eval'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data: blob:"),
    ("connect-src", "'self'"),
    ("manifest-src", "'self'"),
    ("worker-src", "'self'"),
    ("media-src", "'self' blob: mediastream:"),
    ("font-src", "'self'"),
    ("base-uri", "'none'"),
    ("form-action", "'none'"),
)


def content_security_policy(*, connect: Sequence[str] = (), header: bool = True) -> str:
    """The page's policy; ``connect``: origins the page may also send requests to (the
    endpoint for visit records, when it is elsewhere).  ``header``: the form sent as an
    HTTP header, which adds ``frame-ancestors 'none'`` (a ``<meta>`` tag cannot carry it)."""
    parts = []
    for name, sources in _DIRECTIVES:
        extra = connect if name == "connect-src" else ()
        parts.append(" ".join([name, sources, *extra]))
    if header:
        parts.append("frame-ancestors 'none'")
    return "; ".join(parts)


#: The policy of a page that talks to its own origin only (the default build).
CONTENT_SECURITY_POLICY = content_security_policy()

#: Media types by file extension: ES modules must be JavaScript, wasm ``application/wasm``
#: (browsers compile it only with that type), the manifest its own type.
MEDIA_TYPES = {
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


def media_type(path: str) -> str:
    """The media type of a file of the site, by its extension."""
    name = path.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    return MEDIA_TYPES.get(name[dot:] if dot > 0 else "", MEDIA_TYPES[""])


def url_origin(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def security_headers(csp: str = CONTENT_SECURITY_POLICY) -> dict[str, str]:
    """The security headers of every answer of a host of the page."""
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def site_headers(site: Path) -> dict[str, str]:
    """The security headers for the page built in ``site``: its policy as the build recorded it
    (an older build's marker records none: the default policy)."""
    try:
        recorded = json.loads((site / MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        recorded = None
    csp = recorded.get("content_security_policy") if isinstance(recorded, dict) else None
    return security_headers(csp if isinstance(csp, str) else CONTENT_SECURITY_POLICY)
