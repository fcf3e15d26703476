"""Running the endpoint with uvicorn: one process, or several sharing the port and the database."""

from __future__ import annotations

import os

from ..visitdb import VisitDB
from .app import CONFIG_VARIABLE, WRITER_VARIABLE
from .config import ServerConfig
from .ingest import WriterService

__all__ = ["serve"]


def serve(
    config: ServerConfig, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning"
) -> None:
    """Serve until interrupted.  The database is opened (and migrated) once here, before the
    worker processes start.  One process writes itself; several share one writer, a thread
    of this process (:class:`~anxinma.server.ingest.WriterService`), which outlives them:
    what they hand it is committed, and answered, before it stops."""
    import uvicorn  # noqa: PLC0415  (the optional [server] extra)

    VisitDB(config.db).close()
    os.environ[CONFIG_VARIABLE] = config.to_json()
    service = None
    if config.workers > 1:
        service = WriterService(config.db, leeway=config.leeway, flood_limit=config.flood_limit)
        os.environ[WRITER_VARIABLE] = service.address
    try:
        uvicorn.run(
            "anxinma.server.app:from_environment",
            factory=True,
            host=host,
            port=port,
            workers=config.workers,
            log_level=log_level,
            access_log=False,
            timeout_graceful_shutdown=10,
            server_header=False,
        )
    finally:
        os.environ.pop(WRITER_VARIABLE, None)
        if service is not None:
            service.close()
