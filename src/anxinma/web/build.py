"""Build the household verifier page into a static folder (issue 11; docs/web.md).

The page itself lives in ``anxinma/web/site/`` (ES modules, no build step); building
means copying it and adding what is specific to one deployment:

- ``config.js``: the pinned root public key(s), in hex: the page trusts nothing else;
- ``documents/``: the signed trust list, status lists and directory, beside the page,
  with ``documents/index.json`` naming them (the page fetches newer ones from there,
  checks each against the pinned root and keeps the newest);
- ``sw.js``: the service worker with the list of files to keep offline and a hash of
  the build (a new build installs a new worker);
- where the page sends visit records (spec/visit-v1.md §6.6): ``/v1/visits`` of its own
  origin by default (``anxinma serve --site``), another origin when told (the page's
  Content-Security-Policy then allows exactly that origin: :mod:`.headers`), or nowhere.

Every document is loaded against the roots at ``now`` before anything is written, so a
build never publishes a document its own page would refuse.  Nothing here reads a
clock: the caller passes ``now``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..directory import Directory
from ..errors import AnxinmaError, UsageError
from ..keys import raw_public_key
from ..status import StatusListToken
from ..trust import TrustList
from ..verify import DEFAULT_POLICY, Policy
from .headers import MARKER, content_security_policy, url_origin

__all__ = [
    "DEFAULT_VISITS_URL",
    "MARKER",
    "SITE",
    "SiteDocuments",
    "build_site",
    "check_verifier_url",
    "check_visits_url",
    "demo_documents",
    "demo_policy",
    "link_svg",
    "site_files",
]

#: The page's source folder inside the package.
SITE = resources.files("anxinma.web") / "site"
#: Where the page sends visit records unless told otherwise: the endpoint of ``anxinma serve``
#: on the page's own origin.
DEFAULT_VISITS_URL = "/v1/visits"
_GENERATED = frozenset({"config.js", "sw.js"})
_META_CSP = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(">)')
_MANIFEST_RE = re.compile(r"/\*BUILD-MANIFEST\*/.*?/\*END-BUILD-MANIFEST\*/", re.S)


@dataclass(frozen=True, slots=True)
class SiteDocuments:
    """What one deployment of the page pins and serves (raw bytes of signed documents)."""

    roots: tuple[Ed25519PublicKey, ...]
    trust: bytes
    statuses: tuple[bytes, ...] = ()
    directory: bytes | None = None
    #: A demo build shows a banner saying its keys are public.
    demo: bool = False


def demo_documents() -> SiteDocuments:
    """The bundled DEMO root key and documents."""
    from .. import _demo  # noqa: PLC0415 (demo data only when asked for)

    return SiteDocuments(
        roots=(_demo.root_public_key(),),
        trust=_demo.trust_document(),
        statuses=(_demo.status_document(),),
        directory=_demo.directory_document(),
        demo=True,
    )


def demo_policy() -> Policy:
    """Like ``anxinma demo``: the demo status list (valid ten years) counts as fresh for its
    whole life, where a field verifier wants one a few days old (spec §10.6)."""
    from .. import _demo  # noqa: PLC0415 (demo data only when asked for)

    return Policy(max_status_age=_demo.DOCUMENTS_EXPIRE_AT - _demo.DOCUMENTS_ISSUED_AT)


def site_files() -> list[tuple[str, bytes]]:
    """Every file of the page's source (relative POSIX path, bytes), sorted."""
    out: list[tuple[str, bytes]] = []

    def walk(node: resources.abc.Traversable, prefix: str) -> None:
        for child in node.iterdir():
            if child.name.startswith((".", "__")):
                continue
            path = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, path + "/")
            else:
                out.append((path, child.read_bytes()))

    walk(SITE, "")
    return sorted(out)


def _check_documents(docs: SiteDocuments, now: dt.datetime) -> list[tuple[str, bytes]]:
    """Load every document as the page will; name the files; raise UsageError naming the one at fault."""
    try:
        trust = TrustList.load(docs.trust, docs.roots, now=now)
    except AnxinmaError as exc:
        raise UsageError(f"the trust list does not load against the root key(s): {exc}") from None
    files = [("trust.cwt", docs.trust)]
    seen: set[str] = set()
    for n, data in enumerate(docs.statuses):
        try:
            token = StatusListToken.load(data, trust, now=now)
        except AnxinmaError as exc:
            raise UsageError(f"status list {n + 1}: {exc}") from None
        name = f"status-{token.issuer_id}-{token.list_id}.cwt"
        if name in seen:
            raise UsageError(f"two status lists for {token.uri}; give the newest only")
        seen.add(name)
        files.append((name, data))
    if docs.directory is not None:
        try:
            Directory.load(docs.directory, docs.roots, now=now)
        except AnxinmaError as exc:
            raise UsageError(f"the directory does not load against the root key(s): {exc}") from None
        files.append(("directory.cwt", docs.directory))
    return files


def check_verifier_url(url: str) -> None:
    """The address of a verifier page, as printed on cards: ``https://`` (or ``http://`` for a
    local look at 127.0.0.1/localhost), printable ASCII, no fragment or credentials, at most
    200 characters; raise :class:`UsageError` naming what is wrong."""
    parts = urllib.parse.urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost")
    if not url.isascii() or not url.isprintable() or " " in url or len(url) > 200:
        raise UsageError("the verifier URL must be at most 200 printable ASCII characters without spaces")
    if not (parts.scheme == "https" or (parts.scheme == "http" and local)) or not parts.hostname:
        raise UsageError(
            "the verifier URL must start with https:// (http:// only for 127.0.0.1 or localhost)"
        )
    if parts.fragment or parts.username or parts.password:
        raise UsageError("the verifier URL must carry no #fragment and no user name or password")


def check_visits_url(url: str) -> None:
    """Where the page sends visit records: a path on its own origin (``/v1/visits``), or an
    ``https://`` URL (``http://`` only for 127.0.0.1 or localhost); printable ASCII, no
    fragment or credentials, at most 200 characters.  Raise :class:`UsageError` naming what
    is wrong."""
    parts = urllib.parse.urlsplit(url)
    if not url.isascii() or not url.isprintable() or " " in url or len(url) > 200:
        raise UsageError("the visits URL must be at most 200 printable ASCII characters without spaces")
    if parts.fragment or parts.username or parts.password or "#" in url:
        raise UsageError("the visits URL must carry no #fragment and no user name or password")
    if not parts.scheme and not parts.netloc:
        if not url.startswith("/") or url.startswith("//"):
            raise UsageError("the visits URL must be a path from the root of the page's origin (/v1/visits) "
                             "or start with https://")  # fmt: skip
        return
    local = parts.hostname in ("127.0.0.1", "localhost")
    if not (parts.scheme == "https" or (parts.scheme == "http" and local)) or not parts.hostname:
        raise UsageError("the visits URL must start with https:// (http:// only for 127.0.0.1 or localhost)")


def link_svg(url: str) -> str:
    """The QR code of the verifier page's address (byte mode, level M), as SVG."""
    import segno  # noqa: PLC0415 (the verify path never loads segno)

    out = io.BytesIO()
    segno.make_qr(url, error="m", boost_error=False).save(out, kind="svg", scale=4, border=4, xmldecl=True)
    return out.getvalue().decode("utf-8")


def _config(
    docs: SiteDocuments, build: str, verifier_url: str | None, policy: Policy, visits_url: str | None
) -> bytes:
    config: dict[str, object] = {
        "roots": [raw_public_key(r).hex() for r in docs.roots],
        "build": build,
        "verifierUrl": verifier_url,
        "visitsUrl": visits_url,
        "demo": docs.demo,
        "policy": {
            "maxStatusAge": int(policy.max_status_age.total_seconds()),
            "staleStatusColor": policy.stale_status_color.value,
            "uncheckedStatusColor": policy.unchecked_status_color.value,
            "unlistedEnterpriseColor": policy.unlisted_enterprise_color.value,
        },
    }
    text = "// Written by `anxinma web build`: the root key(s) this page pins, in hex.\n"
    return (text + "export default " + json.dumps(config, indent=2) + ";\n").encode()


def build_site(
    out: Path,
    docs: SiteDocuments,
    *,
    now: dt.datetime,
    verifier_url: str | None = None,
    policy: Policy = DEFAULT_POLICY,
    visits_url: str | None = DEFAULT_VISITS_URL,
) -> list[str]:
    """Write the page for ``docs`` into the folder ``out``; return the files written.

    ``policy`` is the page's verdict policy (spec §10.6); ``verifier_url`` the address
    the page will be published at (kept in ``config.js``, and drawn as the QR code
    ``verifier-link.svg`` for printed cards); ``visits_url`` where the page sends visit
    records (:func:`check_visits_url`; ``None``: the page makes none and says so).  An
    endpoint on another origin than ``verifier_url``'s is added to the page's
    ``connect-src``, alone.  ``out`` must not exist, be empty, or be an earlier build (it
    then is replaced whole, by renaming a complete new folder over it).  Raises
    :class:`UsageError` for a document that does not load at ``now``, an unusable URL or
    an ``out`` that holds something else.
    """
    if verifier_url is not None:
        check_verifier_url(verifier_url)
    if visits_url is not None:
        check_visits_url(visits_url)
    if not docs.roots:
        raise UsageError("at least one root public key is needed")
    documents = _check_documents(docs, now)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise UsageError(f"{out} exists and is not an earlier build of the page; choose a new folder")
    connect = _connect(visits_url, verifier_url)
    page = [(p, _with_policy(data, connect) if p == "index.html" else data)
            for p, data in site_files() if p not in _GENERATED]  # fmt: skip
    digest = hashlib.sha256()
    for path, data in page:
        digest.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    digest.update(_config(docs, "", verifier_url, policy, visits_url))
    build = digest.hexdigest()[:16]
    files = [*page, ("config.js", _config(docs, build, verifier_url, policy, visits_url))]
    if verifier_url is not None:
        files.append(("verifier-link.svg", link_svg(verifier_url).encode()))
    files += [(f"documents/{name}", data) for name, data in documents]
    index = {
        "trust": "trust.cwt",
        "status": [name for name, _ in documents if name.startswith("status-")],
        "directory": "directory.cwt" if docs.directory is not None else None,
    }
    files.append(("documents/index.json", (json.dumps(index, indent=2) + "\n").encode()))
    assets = [
        "./",
        *sorted(p for p, _ in files if not p.startswith("vendor/") or p.endswith((".js", ".wasm"))),
    ]
    sw = dict(site_files())["sw.js"].decode()
    manifest = json.dumps({"build": build, "assets": assets})
    marked = f"/*BUILD-MANIFEST*/ {manifest} /*END-BUILD-MANIFEST*/"
    files.append(("sw.js", _MANIFEST_RE.sub(lambda _: marked, sw).encode()))
    csp = content_security_policy(connect=connect)
    marker = {"built_by": "anxinma web build", "content_security_policy": csp}
    files.append((MARKER, (json.dumps(marker, indent=2) + "\n").encode()))
    _write_tree(out, files)
    return sorted(p for p, _ in files)


def _connect(visits_url: str | None, verifier_url: str | None) -> tuple[str, ...]:
    """The origin to add to ``connect-src``: the endpoint's, when it is not the page's own."""
    if visits_url is None or visits_url.startswith("/"):
        return ()
    origin = url_origin(visits_url)
    return () if verifier_url is not None and url_origin(verifier_url) == origin else (origin,)


def _with_policy(html: bytes, connect: tuple[str, ...]) -> bytes:
    """The page with its ``<meta>`` Content-Security-Policy for this build."""
    text, n = _META_CSP.subn(
        lambda m: m[1] + content_security_policy(connect=connect, header=False) + m[3], html.decode()
    )
    if n != 1:  # pragma: no cover  (the page's source carries exactly one)
        raise AssertionError("index.html must carry one Content-Security-Policy <meta> tag")
    return text.encode()


def _write_tree(out: Path, files: Sequence[tuple[str, bytes]]) -> None:
    """Write ``files`` into a fresh folder beside ``out``, then rename it over ``out`` (an earlier
    build is replaced whole); an existing empty folder is written in place (it keeps its inode,
    its mode and whoever stands in it)."""
    if out.is_dir() and not any(out.iterdir()):
        for path, data in files:
            target = out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        for path, data in files:
            target = tmp / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.", suffix=".old"))
            os.rmdir(old)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
