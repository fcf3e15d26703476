"""``anxinma serve``: the issuer's endpoint for visit records, and the web verifier site."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

import click

from ..visitdb import DEFAULT_FLOOD_LIMIT
from .common import EXIT_RED, CliError, FiniteFloatRange, say
from .files import open_db

__all__ = ["serve_command"]


@click.command("serve")
@click.option("--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite).")
@click.option(
    "--site",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Also serve this folder (the web verifier and its signed documents, 'anxinma web build').",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes (sharing the port; several share one writer of the database); one per core"
    " is fastest.",
)
@click.option(
    "--cors-origin",
    "cors",
    multiple=True,
    metavar="ORIGIN",
    help="A web origin whose pages may send records (when the page is not served from here).",
)
@click.option(
    "--max-age-days",
    type=click.IntRange(1, 366),
    default=30,
    show_default=True,
    help="Refuse records of scans older than this (out_of_window).",
)
@click.option(
    "--flood-limit",
    type=click.IntRange(1, 100_000),
    default=DEFAULT_FLOOD_LIMIT,
    show_default=True,
    help="Flag a device's records beyond this many scans in one day (stored, not counted).",
)
@click.option(
    "--address-rate",
    type=FiniteFloatRange(0),
    default=20.0,
    show_default=True,
    metavar="PER_S",
    help="Requests per second per client address (0: no limit).",
)
@click.option(
    "--device-rate",
    type=FiniteFloatRange(0),
    default=0.5,
    show_default=True,
    metavar="PER_S",
    help="Records per second per device key, after a burst of 30 (0: no limit).",
)
def serve_command(
    db_path: str,
    site: Path | None,
    host: str,
    port: int,
    workers: int,
    cors: tuple[str, ...],
    max_age_days: int,
    flood_limit: int,
    address_rate: float,
    device_rate: float,
) -> None:
    """Accept visit records from households' phones and serve the web verifier.

    POST /v1/visits takes {"records": [base64url, ...]} (1 to 100 records, at
    most 256 KiB) and answers, per record, stored, duplicate (stored before:
    acknowledged again) or refused with a reason (spec/visit-v1.md §6). A record
    is acknowledged only once it is on disk. GET /v1/health answers {"ok": true}.
    With --site the folder is served at /, the page and the documents with
    'Cache-Control: no-cache'. Plain HTTP: put TLS in front (a reverse proxy)
    for anything but 127.0.0.1. Stops on Ctrl-C.

    \b
      anxinma serve --db issuer.db --site site/ --port 8000
    """
    if importlib.util.find_spec("starlette") is None or importlib.util.find_spec("uvicorn") is None:
        raise CliError("anxinma serve", "needs the server extra: pip install 'anxinma[server]'")
    from ..server.config import ServerConfig  # noqa: PLC0415  (the optional extra)
    from ..server.run import serve  # noqa: PLC0415

    open_db(db_path).close()  # exists, is an issuer database, migrated to the current schema
    config = ServerConfig(
        db=Path(db_path),
        site=site,
        workers=workers,
        cors_origins=cors,
        max_age_days=max_age_days,
        flood_limit=flood_limit,
        address_rate=address_rate,
        device_rate=device_rate,
    )
    _check_listen(host, port)
    say(
        f"anxinma serve: http://{host}:{port}/ ({workers} process{'es' if workers > 1 else ''}, {db_path})",
        err=True,
    )
    try:
        serve(config, host=host, port=port)
    except SystemExit as exc:  # uvicorn's own exit on a failed start (status 3: not the yellow verdict)
        if exc.code in (0, None):
            raise
        raise CliError("anxinma serve", f"the server stopped (status {exc.code})", code=EXIT_RED) from None


def _check_listen(host: str, port: int) -> None:
    """Refuse, as one line and exit 1 (as 'web serve' does), an address the server cannot listen
    on (a port in use, an address not of this machine), before uvicorn tries and exits with its
    own log line; a host name that does not resolve is a usage error (exit 2)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise CliError("--host", f"{host!r} is not an address of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it
            probe.bind(address)
            probe.listen()
    except OSError as exc:
        raise CliError(
            "--port", f"cannot listen on {host}:{port}: {exc.strerror or exc}", code=EXIT_RED
        ) from None
