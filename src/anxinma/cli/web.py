"""``anxinma web build`` and ``anxinma web serve``: the household verifier page (issue 11).

``build`` writes the static page (anxinma/web/site) into a folder with the pinned root
key(s) and the signed documents beside it, after loading every document as the page will
(one that fails stops the build: exit 2, naming the file).  ``serve`` shows a built folder
on 127.0.0.1 with the headers a real host must send (docs/web.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..directory import MAX_DIRECTORY_BYTES
from ..errors import UsageError
from ..status import MAX_TOKEN_BYTES
from ..trust import MAX_TRUST_LIST_BYTES
from ..web import DEFAULT_VISITS_URL, SiteDocuments, build_site, demo_documents, demo_policy, make_server
from ..web.headers import MARKER
from .common import (
    EXIT_RED,
    MAX_STATUS_AGE_OPTION,
    NOW_OPTION,
    STALE_OPTION,
    UNCHECKED_OPTION,
    UNLISTED_OPTION,
    CliError,
    clock,
    command_group,
    policy_of,
    say,
)
from .documents import read_directory, read_roots, read_status, read_trust
from .files import read_bytes

__all__ = ["web_group"]

web_group = command_group(
    "web",
    "The household verifier page: a static, offline-capable web page that scans and verifies codes "
    "(build it for your root key and documents; serve it locally to look at it).\n\n"
    "\b\nExamples:\n"
    "  anxinma web build --demo --out site/ && anxinma web serve site/\n"
    "  anxinma web build --root root.pub.pem --trust trust.cwt --status nb-0.cwt \\\n"
    "      --directory directory.cwt --verifier-url https://verify.example.cn/ --out site/",
)


@web_group.command("build")
@click.option(
    "--out",
    "out_path",
    required=True,
    metavar="SITE/",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write (new, empty, or an earlier build, which is replaced whole).",
)
@click.option(
    "--demo", is_flag=True, help="Use the bundled DEMO root key and documents (public keys: demo only)."
)
@click.option(
    "--root",
    "root_paths",
    multiple=True,
    metavar="ROOT.pub.pem",
    help="The root public key the page pins; repeat for several.",
)
@click.option("--trust", "trust_path", metavar="TRUST.cwt", help="The root-signed trust list.")
@click.option(
    "--status",
    "status_paths",
    multiple=True,
    metavar="STATUS.cwt",
    help="An issuer's status list; repeat for several.",
)
@click.option(
    "--directory", "directory_path", metavar="DIR.cwt", help="The root-signed enterprise directory."
)
@click.option(
    "--verifier-url",
    metavar="URL",
    help="Where the page will be published (https://...): kept in the page and drawn as "
    "SITE/verifier-link.svg, the small QR code printed on cards (batch --cards --verifier-url).",
)
@click.option(
    "--visits-url",
    metavar="URL",
    help=f"Where the page sends visit records (确认入户, evaluations, complaints): a path on its own "
    f"origin [default: {DEFAULT_VISITS_URL}, anxinma serve --site] or https://... of another origin "
    "(the page's Content-Security-Policy then allows that origin; the endpoint needs --cors-origin).",
)
@click.option(
    "--no-visits",
    is_flag=True,
    help="A page that only verifies: no 确认入户, evaluations or complaints; it requests its own files only.",
)
@MAX_STATUS_AGE_OPTION
@STALE_OPTION
@UNCHECKED_OPTION
@UNLISTED_OPTION
@NOW_OPTION
def web_build_command(
    out_path: Path,
    demo: bool,
    root_paths: tuple[str, ...],
    trust_path: str | None,
    status_paths: tuple[str, ...],
    directory_path: str | None,
    verifier_url: str | None,
    visits_url: str | None,
    no_visits: bool,
    max_status_age: float,
    stale: str,
    unchecked: str,
    unlisted: str,
    now: dt.datetime | None,
) -> None:
    """Write the verifier page into SITE/, pinning the root key and carrying the documents.

    Every document is loaded against the root key(s) at the current time (or --now) first,
    as the page will load it; one that fails stops the build (exit 2, naming the file).

    \b
    Examples:
      anxinma web build --demo --out site/
      anxinma web build --root root.pub.pem --trust trust.cwt --status nb-0.cwt \\
          --directory directory.cwt --verifier-url https://verify.example.cn/ --out site/
    """
    moment = now or clock()
    if no_visits and visits_url is not None:
        raise CliError("--no-visits", "and --visits-url contradict each other; give one")
    visits = None if no_visits else visits_url or DEFAULT_VISITS_URL
    if demo:
        if root_paths or trust_path or status_paths or directory_path:
            raise CliError(
                "--demo",
                "brings its own root key and documents; leave out --root, --trust, --status, --directory",
            )
        docs, policy = demo_documents(), demo_policy()
    else:
        docs = _documents(root_paths, trust_path, status_paths, directory_path, moment)
        policy = policy_of(max_status_age=max_status_age, stale=stale, unchecked=unchecked, unlisted=unlisted)
    try:
        files = build_site(
            out_path, docs, now=moment, verifier_url=verifier_url, policy=policy, visits_url=visits
        )
    except UsageError as exc:
        raise CliError(_at_fault(str(exc), out_path, now=now, demo=demo), str(exc)) from None
    except OSError as exc:
        raise CliError(
            str(out_path), f"cannot write the page: {exc.strerror or exc}", code=EXIT_RED
        ) from None
    size = sum((out_path / f).stat().st_size for f in files)
    documents = [f for f in files if f.startswith("documents/") and f.endswith(".cwt")]
    say(f"wrote {out_path}/: the verifier page, {len(files)} files, {size / 1024:.0f} KiB")
    say(f"documents: {', '.join(documents)}")
    say("visit records: none (--no-visits)" if visits is None else f"visit records go to: {visits}")
    if demo:
        say(
            "DEMO build: it pins the demo root key, whose private half is public. Never publish it.",
            fg="yellow",
        )
    say(f"look at it: anxinma web serve {out_path}")


def _at_fault(message: str, out_path: Path, *, now: dt.datetime | None, demo: bool) -> str:
    """The option or file a build failure names: a document that does not load at the build's
    time is the fault of --now when it was given (the documents were checked at the clock's time
    before, or are the bundled demo ones), else of --demo's documents; a URL, its option."""
    where = {"verifier URL": "--verifier-url", "visits URL": "--visits-url"}
    option = next((o for words, o in where.items() if words in message), None)
    if option is not None:
        return option
    if "does not load" in message or message.startswith("status list "):
        if now is not None:
            return f"--now {now.isoformat()}"
        return "--demo" if demo else "document"
    return str(out_path)


def _documents(
    root_paths: tuple[str, ...],
    trust_path: str | None,
    status_paths: tuple[str, ...],
    directory_path: str | None,
    now: dt.datetime,
) -> SiteDocuments:
    """Read and check the documents, each named in its error (exit 2)."""
    if not root_paths:
        raise CliError("--root", "is required (the root public key the page pins), or use --demo")
    if trust_path is None:
        raise CliError("--trust", "is required (the root-signed trust list), or use --demo")
    roots = read_roots(root_paths)
    trust = read_trust(trust_path, roots, now=now)
    for path in status_paths:
        read_status(path, trust, now=now)
    if directory_path is not None:
        read_directory(directory_path, roots, now=now)
    return SiteDocuments(
        roots=tuple(roots),
        trust=read_bytes(trust_path, limit=MAX_TRUST_LIST_BYTES, what="trust list"),
        statuses=tuple(read_bytes(p, limit=MAX_TOKEN_BYTES, what="status list") for p in status_paths),
        directory=None
        if directory_path is None
        else read_bytes(directory_path, limit=MAX_DIRECTORY_BYTES, what="directory"),
    )


@web_group.command("serve")
@click.argument("site", metavar="SITE/", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port on 127.0.0.1 (0: any free port).",
)
def web_serve_command(site: Path, port: int) -> None:
    """Serve a built page (web build) on http://127.0.0.1:PORT/ for a local look; Ctrl-C stops.

    Only this machine can reach it.  Camera scanning and offline use need a secure context:
    127.0.0.1 is one; a phone needs the page published over https.

    \b
    Example:
      anxinma web serve site/ --port 8000
    """
    if not (site / MARKER).is_file():
        hint = "make one with: anxinma web build --demo --out SITE/"
        raise CliError(str(site), f"is not a built verifier page ({hint})")
    try:
        server = make_server(site, port=port)
    except OSError as exc:
        raise CliError(
            "--port", f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", code=EXIT_RED
        ) from None
    say(f"serving {site}/ at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.server_close()
