"""Coverage and ranking reports over an issuer's records (docs/batch.md, Reports).

Pure: the worker states come from :meth:`anxinma.issuerdb.IssuerDB.worker_states`
and ``now`` is passed in.  For every card the newest credential decides:

- *live*: valid status and not expired; then coloured as a verifier would on
  ``now`` (spec §10.2): red when identity is unverified or the background check
  flagged, yellow when the health exam or insurance is missing or lapsed
  (lapsed when ``now >= end_of_day(date)``), green otherwise;
- *suspended*, *revoked* (its status), or *expired* (valid status, past ``exp``).

The certification rate is live / registered.  Enterprises are named and placed
in districts by a root-signed :class:`~anxinma.Directory` when one is given;
otherwise by USCC and by the region code inside it (characters 3-8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from .directory import Directory
from .errors import UsageError
from .issuerdb import WorkerState
from .model import end_of_day
from .safetext import csv_text
from .status import Status

__all__ = ["FORMATS", "Counts", "Coverage", "classify", "coverage", "ranking", "render_table"]

FORMATS = ("text", "csv", "markdown")
UNKNOWN = "(unknown)"


@dataclass(frozen=True, slots=True)
class Counts:
    """Workers of one enterprise, one district or the whole city."""

    registered: int = 0
    live: int = 0
    green: int = 0
    yellow: int = 0
    red: int = 0
    suspended: int = 0
    revoked: int = 0
    expired: int = 0

    @property
    def rate(self) -> float:
        """The certification rate: live / registered (0 when nobody is registered)."""
        return self.live / self.registered if self.registered else 0.0

    def add(self, state: str) -> Counts:
        """These counts with one more worker in ``state`` (see :func:`classify`)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["registered"] += 1
        if state in ("green", "yellow", "red"):
            values["live"] += 1
        if state != "none":
            values[state] += 1
        return Counts(**values)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Counts per enterprise (USCC -> (name, district, counts)), per district and in all."""

    enterprises: dict[str, tuple[str, str, Counts]]
    districts: dict[str, Counts]
    total: Counts


def classify(state: WorkerState, now: dt.datetime) -> str:
    """``green``, ``yellow``, ``red``, ``suspended``, ``revoked``, ``expired`` or ``none``."""
    if state.status is None or state.exp is None:
        return "none"
    if state.status is Status.INVALID:
        return "revoked"
    if state.status is Status.SUSPENDED:
        return "suspended"
    if state.status is not Status.VALID or now.timestamp() >= state.exp:
        return "expired"
    if state.alert:
        return "red"
    lapsed = any(day is None or now >= end_of_day(day) for day in (state.health_until, state.insurance_until))
    return "yellow" if lapsed else "green"


def _place(uscc: str | None, directory: Directory | None) -> tuple[str, str]:
    """(enterprise name, district) of a USCC."""
    if uscc is None:
        return UNKNOWN, UNKNOWN
    found = directory.find(uscc) if directory is not None else None
    if found is not None:
        return found.name, found.district or found.region or uscc[2:8]
    return uscc, uscc[2:8]


def coverage(
    states: Iterable[WorkerState], *, now: dt.datetime, directory: Directory | None = None
) -> Coverage:
    """Count every worker by enterprise and district (as of ``now``)."""
    enterprises: dict[str, tuple[str, str, Counts]] = {}
    districts: dict[str, Counts] = {}
    total = Counts()
    for state in states:
        kind = classify(state, now)
        key = state.enterprise_uscc or UNKNOWN
        name, district = _place(state.enterprise_uscc, directory)
        counts = enterprises.get(key, (name, district, Counts()))[2]
        enterprises[key] = (name, district, counts.add(kind))
        districts[district] = districts.get(district, Counts()).add(kind)
        total = total.add(kind)
    return Coverage(enterprises, districts, total)


_COUNT_HEADERS = ("registered", "live", "green", "yellow", "red", "suspended", "revoked", "expired", "rate")


def _count_cells(c: Counts) -> list[str]:
    values = [c.registered, c.live, c.green, c.yellow, c.red, c.suspended, c.revoked, c.expired]
    return [str(v) for v in values] + [f"{100 * c.rate:.1f}%"]


def coverage_tables(cov: Coverage) -> list[tuple[str, Sequence[str], list[list[str]]]]:
    """The coverage report as (title, headers, rows) tables: by enterprise, by district."""
    by_firm = sorted(cov.enterprises.items(), key=lambda kv: (kv[1][1], -kv[1][2].live, kv[1][0]))
    firms = [[name, district, uscc, *_count_cells(c)] for uscc, (name, district, c) in by_firm]
    firms.append(["all enterprises", "", "", *_count_cells(cov.total)])
    places = [[d, *_count_cells(c)] for d, c in sorted(cov.districts.items())]
    places.append(["all districts", *_count_cells(cov.total)])
    return [
        ("Coverage by enterprise", ("enterprise", "district", "uscc", *_COUNT_HEADERS), firms),
        ("Coverage by district", ("district", *_COUNT_HEADERS), places),
    ]


def ranking(cov: Coverage, *, district: str | None = None) -> list[list[str]]:
    """Enterprises ranked by workers with a live credential (ties share a rank), like the
    city's published table: rank, district, enterprise, live, registered, rate."""
    firms = [(name, d, c) for name, d, c in cov.enterprises.values() if district in (None, d)]
    if district is not None and not firms:
        known = ", ".join(sorted(cov.districts))
        raise UsageError(f"--district: no enterprise in district {district!r} (districts: {known})")
    firms.sort(key=lambda f: (-f[2].live, f[0]))
    rows, rank = [], 0
    for n, (name, d, c) in enumerate(firms, 1):
        if n == 1 or c.live != firms[n - 2][2].live:
            rank = n
        rows.append([str(rank), d, name, str(c.live), str(c.registered), f"{100 * c.rate:.1f}%"])
    return rows


RANKING_HEADERS = ("rank", "district", "enterprise", "live", "registered", "rate")


def render_table(title: str, headers: Sequence[str], rows: list[list[str]], fmt: str) -> str:
    """One table as ``text`` (aligned columns), ``csv`` (every cell safe to open in a
    spreadsheet: :func:`anxinma.safetext.csv_text`) or ``markdown``."""
    if fmt == "csv":
        return csv_text(headers, rows)
    if fmt == "markdown":
        numeric = [all(_numeric(r[i]) for r in rows) for i in range(len(headers))]
        lines = [f"### {title}", "", "| " + " | ".join(headers) + " |"]
        lines.append("| " + " | ".join("---:" if n else "---" for n in numeric) + " |")
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    if fmt != "text":
        raise UsageError(f"format must be one of {', '.join(FORMATS)}")
    widths = [max(_width(str(h)), *(_width(r[i]) for r in rows)) for i, h in enumerate(headers)]
    out = [title, "  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True))]
    out += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in out) + "\n"


def _numeric(cell: str) -> bool:
    return cell.rstrip("%").replace(".", "", 1).isdigit()


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
