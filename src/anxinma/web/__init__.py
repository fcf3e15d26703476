"""The household verifier page (issue 11): a static site shipped inside the package.

``site/`` is the page: ES modules written from the specification (a second, independent
implementation of the verifier), the vendored QR reader and Ed25519 fallback, a service
worker.  :func:`build_site` writes it with one deployment's pinned root key and signed
documents; :func:`make_server` serves a built folder on 127.0.0.1 for a local look;
:mod:`.headers` is what every server of the page sends (``web serve``, ``anxinma serve``).
docs/web.md describes the architecture, the browsers and the privacy of the page.
"""

from __future__ import annotations

from .build import (
    DEFAULT_VISITS_URL,
    SiteDocuments,
    build_site,
    check_verifier_url,
    check_visits_url,
    demo_documents,
    demo_policy,
    link_svg,
    site_files,
)
from .headers import CONTENT_SECURITY_POLICY, content_security_policy, security_headers, site_headers
from .serve import make_server

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DEFAULT_VISITS_URL",
    "SiteDocuments",
    "build_site",
    "check_verifier_url",
    "check_visits_url",
    "content_security_policy",
    "demo_documents",
    "demo_policy",
    "link_svg",
    "make_server",
    "security_headers",
    "site_files",
    "site_headers",
]
