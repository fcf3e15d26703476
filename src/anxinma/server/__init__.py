"""The issuer's endpoint: ``anxinma serve`` (spec/visit-v1.md §6; docs/evaluation.md).

A Starlette application served by uvicorn (the optional ``server`` extra):
it accepts visit records from households' devices (``POST /v1/visits``),
checks each one (:func:`anxinma.visit.open_visit`), stores it once in the
issuer database (:class:`anxinma.visitdb.VisitDB`, SQLite in WAL mode) and
acknowledges it only after the transaction holding it is on disk; it also
serves the web verifier and the signed documents beside it (``--site``) with
cache headers that keep a phone's copy fresh.

Modules: :mod:`.config` (options), :mod:`.limits` (token buckets),
:mod:`.ingest` (the writer thread: group commit), :mod:`.app` (routes),
:mod:`.run` (uvicorn, one or several worker processes).
"""

from __future__ import annotations

from .app import create_app
from .config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
