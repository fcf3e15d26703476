"""What ``anxinma serve`` is told (spec/visit-v1.md §6.1 gives the defaults and why)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..visit import DEFAULT_LEEWAY, DEFAULT_MAX_AGE
from ..visitdb import DEFAULT_FLOOD_LIMIT

__all__ = ["ServerConfig", "system_clock"]


def system_clock() -> dt.datetime:
    """The server's clock (the edge reads it; the core never does)."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Options of the endpoint.  Rates are per server process (``workers`` divides them)."""

    db: Path
    site: Path | None = None
    max_body: int = 256 * 1024  # bytes of one POST body
    max_records: int = 100  # records in one POST
    leeway: int = DEFAULT_LEEWAY
    max_age_days: int = DEFAULT_MAX_AGE.days
    flood_limit: int = DEFAULT_FLOOD_LIMIT
    address_rate: float = 20.0  # requests per second per client address (0: no limit)
    address_burst: float = 40.0
    device_rate: float = 0.5  # records per second per device key (0: no limit)
    device_burst: float = 30.0
    cors_origins: tuple[str, ...] = ()
    workers: int = 1
    clock: Callable[[], dt.datetime] = field(default=system_clock, compare=False)

    def __post_init__(self) -> None:
        for name in ("max_body", "max_records", "max_age_days", "flood_limit", "workers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UsageError(f"{name} must be a positive integer")
        for name in ("address_rate", "address_burst", "device_rate", "device_burst"):
            if getattr(self, name) < 0:
                raise UsageError(f"{name} must not be negative")

    def per_process(self, rate: float) -> float:
        """A rate shared by the worker processes (each keeps its own buckets)."""
        return rate / self.workers

    def to_json(self) -> str:
        """The options as JSON (handed to worker processes; the clock is not)."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "clock"}
        values["db"] = str(self.db)
        values["site"] = None if self.site is None else str(self.site)
        values["cors_origins"] = list(self.cors_origins)
        return json.dumps(values)

    @classmethod
    def from_json(cls, text: str) -> ServerConfig:
        """The options :meth:`to_json` wrote."""
        values = json.loads(text)
        values["db"] = Path(values["db"])
        values["site"] = None if values["site"] is None else Path(values["site"])
        values["cors_origins"] = tuple(values["cors_origins"])
        return cls(**values)
