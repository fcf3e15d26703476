"""Coverage and ranking reports over an issuer's records (docs/batch.md, Reports).

Pure: the worker states come from :meth:`anxinma.issuerdb.IssuerDB.worker_states`
and ``now`` is passed in.  For every card the newest credential decides:

- *live*: valid status and not expired; then coloured as a verifier would on
  ``now`` (spec §10.2): red when identity is unverified or the background check
  flagged, yellow when the health exam or insurance is missing or lapsed
  (lapsed when ``now >= end_of_day(date)``), green otherwise;
- *suspended*, *revoked* (its status), or *expired* (valid status, past ``exp``).

The certification rate is live / registered; with a roster of the workers
registered on the national platform (:func:`roster_coverage`) that is 持证率.
:func:`display_rate` gives 亮证率 from the orders and visit records, and
:func:`ratings_tables` the counted evaluations and complaints
(spec/visit-v1.md §7).  Enterprises are named and placed
in districts by a root-signed :class:`~anxinma.Directory` when one is given;
otherwise by USCC and by the region code inside it (characters 3-8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from .directory import Directory
from .errors import UsageError
from .issuerdb import WorkerState
from .model import end_of_day
from .safetext import csv_text
from .status import Status
from .visit import Complaint, rating_summary
from .visitdb import OrderState, WorkerRatings

__all__ = [
    "FORMATS",
    "Counts",
    "Coverage",
    "Shown",
    "classify",
    "coverage",
    "coverage_summary",
    "display_rate",
    "display_rate_tables",
    "names_known",
    "ranking",
    "ratings_tables",
    "render_table",
    "roster_coverage",
]

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
    """Counts per enterprise (USCC -> (name, district, counts)), per district and in all.

    With a roster (:func:`roster_coverage`) *registered* means registered on the platform
    and ``rate`` is 持证率; ``roster`` is then true and the enterprise figures count every
    registered enterprise, carded or not; ``unlisted_cards`` are cards whose holder is not
    in the roster (not counted above)."""

    enterprises: dict[str, tuple[str, str, Counts]]
    districts: dict[str, Counts]
    total: Counts
    roster: bool = False
    unlisted_cards: int = 0

    @property
    def carded_enterprises(self) -> int:
        """Enterprises with at least one worker holding a live credential."""
        return sum(1 for _, _, c in self.enterprises.values() if c.live)


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


Places = Mapping[str, tuple[str | None, str | None]]


def _place(uscc: str | None, directory: Directory | None, places: Places | None = None) -> tuple[str, str]:
    """(enterprise name, district) of a USCC: from the roster's file, the directory, or the USCC."""
    if uscc is None:
        return UNKNOWN, UNKNOWN
    name, district = (places or {}).get(uscc, (None, None))
    if name is not None and district is not None:
        return name, district
    found = directory.find(uscc) if directory is not None else None
    if name is not None or district is not None:
        fallback = _place(uscc, directory)
        return name or fallback[0], district or fallback[1]
    if found is not None:
        return found.name, found.district or found.region or uscc[2:8]
    return uscc, uscc[2:8]


def coverage(
    states: Iterable[WorkerState],
    *,
    now: dt.datetime,
    directory: Directory | None = None,
    places: Places | None = None,
) -> Coverage:
    """Count every worker by enterprise and district (as of ``now``)."""
    enterprises: dict[str, tuple[str, str, Counts]] = {}
    districts: dict[str, Counts] = {}
    total = Counts()
    for state in states:
        kind = classify(state, now)
        key = state.enterprise_uscc or UNKNOWN
        name, district = _place(state.enterprise_uscc, directory, places)
        counts = enterprises.get(key, (name, district, Counts()))[2]
        enterprises[key] = (name, district, counts.add(kind))
        districts[district] = districts.get(district, Counts()).add(kind)
        total = total.add(kind)
    return Coverage(enterprises, districts, total)


def roster_coverage(
    states: Iterable[WorkerState],
    *,
    now: dt.datetime,
    firms: Places,
    unlisted_cards: int = 0,
    directory: Directory | None = None,
) -> Coverage:
    """持证率: every registered worker (``states``, from
    :meth:`anxinma.visitdb.VisitDB.roster_states`) by enterprise and district, every
    registered enterprise (``firms``: USCC -> name, district) counted even with no carded
    worker."""
    cov = coverage(states, now=now, directory=directory, places=firms)
    enterprises = dict(cov.enterprises)
    districts = dict(cov.districts)
    for uscc in firms:
        if uscc not in enterprises:
            name, district = _place(uscc, directory, firms)
            enterprises[uscc] = (name, district, Counts())
            districts.setdefault(district, Counts())
    return Coverage(enterprises, districts, cov.total, roster=True, unlisted_cards=unlisted_cards)


def coverage_summary(cov: Coverage) -> list[list[str]]:
    """The city's two coverage figures: 持证率 and the share of enterprises with a carded worker."""
    firms = len(cov.enterprises)
    share = cov.carded_enterprises / firms if firms else 0.0
    rows = [
        ["持证率 workers with a live credential / registered",
         f"{cov.total.live} / {cov.total.registered}", f"{100 * cov.total.rate:.1f}%"],
        ["enterprises with a carded worker / registered",
         f"{cov.carded_enterprises} / {firms}", f"{100 * share:.1f}%"],
    ]  # fmt: skip
    if cov.unlisted_cards:
        rows.append(["cards held by workers not in the roster (not counted)", str(cov.unlisted_cards), ""])
    return rows


SUMMARY_HEADERS = ("figure", "count", "rate")

_COUNT_HEADERS = ("registered", "live", "green", "yellow", "red", "suspended", "revoked", "expired", "rate")


def _count_cells(c: Counts) -> list[str]:
    values = [c.registered, c.live, c.green, c.yellow, c.red, c.suspended, c.revoked, c.expired]
    return [str(v) for v in values] + [f"{100 * c.rate:.1f}%"]


def names_known(cov: Coverage) -> bool:
    """Whether any enterprise has a name and district (from a directory or the roster); without,
    an enterprise is only its USCC, and its place the region code the USCC carries."""
    return any(name != uscc for uscc, (name, _, _) in cov.enterprises.items() if uscc != UNKNOWN)


def coverage_tables(cov: Coverage) -> list[tuple[str, Sequence[str], list[list[str]]]]:
    """The coverage report as (title, headers, rows) tables: by enterprise, by district, and
    with a roster the city's summary.  Without names (no directory, no roster) an enterprise is
    listed once by its USCC and grouped by the region its USCC carries (never a USCC twice, nor
    a region code called a district)."""
    by_firm = sorted(cov.enterprises.items(), key=lambda kv: (kv[1][1], -kv[1][2].live, kv[1][0]))
    places = [[d, *_count_cells(c)] for d, c in sorted(cov.districts.items())]
    tables: list[tuple[str, Sequence[str], list[list[str]]]]
    if names_known(cov):
        firms = [[name if name != uscc else "(not in the directory)", district, uscc, *_count_cells(c)]
                 for uscc, (name, district, c) in by_firm]  # fmt: skip
        firms.append(["all enterprises", "", "", *_count_cells(cov.total)])
        places.append(["all districts", *_count_cells(cov.total)])
        tables = [
            ("Coverage by enterprise", ("enterprise", "district", "uscc", *_COUNT_HEADERS), firms),
            ("Coverage by district", ("district", *_COUNT_HEADERS), places),
        ]
    else:
        firms = [[uscc, region, *_count_cells(c)] for uscc, (_, region, c) in by_firm]
        firms.append(["all enterprises", "", *_count_cells(cov.total)])
        places.append(["all regions", *_count_cells(cov.total)])
        by_uscc = ("uscc", "region", *_COUNT_HEADERS)
        tables = [
            ("Coverage by enterprise (USCC; --directory names them)", by_uscc, firms),
            ("Coverage by region (from the USCC; --directory gives districts)", ("region", *_COUNT_HEADERS),
             places),
        ]  # fmt: skip
    if cov.roster:
        tables.append(("Coverage of the roster (持证率)", SUMMARY_HEADERS, coverage_summary(cov)))
    return tables


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
#: The ranking's headers when no enterprise has a name: the USCC and the region it carries.
RANKING_HEADERS_BY_USCC = ("rank", "region", "uscc", "live", "registered", "rate")


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
    widths = [max([_width(str(h)), *(_width(r[i]) for r in rows)]) for i, h in enumerate(headers)]
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


# -- 亮证率 (display rate) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shown:
    """Orders, and those with a visit record of that worker on that day (shown and checked),
    with the entry confirmed, with an evaluation or complaint (spec/visit-v1.md §7.2)."""

    orders: int = 0
    shown: int = 0
    entered: int = 0
    evaluated: int = 0

    @property
    def rate(self) -> float:
        """亮证率: shown / orders (0 without orders)."""
        return self.shown / self.orders if self.orders else 0.0

    def add(self, order: OrderState) -> Shown:
        """These counts with ``order`` added."""
        return Shown(self.orders + 1, self.shown + order.shown, self.entered + order.entered,
                     self.evaluated + order.evaluated)  # fmt: skip


def display_rate(
    orders: Iterable[OrderState], *, directory: Directory | None = None, places: Places | None = None
) -> tuple[dict[str, tuple[str, str, Shown]], dict[str, Shown], Shown]:
    """亮证率 per enterprise (USCC -> (name, district, counts)), per district and in all."""
    firms: dict[str, tuple[str, str, Shown]] = {}
    districts: dict[str, Shown] = {}
    total = Shown()
    for order in orders:
        name, district = _place(order.enterprise_uscc, directory, places)
        firms[order.enterprise_uscc] = (
            name,
            district,
            firms.get(order.enterprise_uscc, (name, district, Shown()))[2].add(order),
        )
        districts[district] = districts.get(district, Shown()).add(order)
        total = total.add(order)
    return firms, districts, total


_SHOWN_HEADERS = ("orders", "shown", "entered", "evaluated", "display_rate", "evaluated_rate")


def _shown_cells(c: Shown) -> list[str]:
    evaluated = c.evaluated / c.orders if c.orders else 0.0
    return [str(c.orders), str(c.shown), str(c.entered), str(c.evaluated), f"{100 * c.rate:.1f}%",
            f"{100 * evaluated:.1f}%"]  # fmt: skip


def display_rate_tables(
    firms: dict[str, tuple[str, str, Shown]], districts: dict[str, Shown], total: Shown
) -> list[tuple[str, Sequence[str], list[list[str]]]]:
    """The 亮证率 report as tables: by enterprise, by district (each with the city's total)."""
    by_firm = sorted(firms.items(), key=lambda kv: (kv[1][1], -kv[1][2].rate, kv[1][0]))
    rows = [[name, district, uscc, *_shown_cells(c)] for uscc, (name, district, c) in by_firm]
    rows.append(["all enterprises", "", "", *_shown_cells(total)])
    places = [[d, *_shown_cells(c)] for d, c in sorted(districts.items())]
    places.append(["all districts", *_shown_cells(total)])
    return [
        ("Display rate (亮证率) by enterprise", ("enterprise", "district", "uscc", *_SHOWN_HEADERS), rows),
        ("Display rate (亮证率) by district", ("district", *_SHOWN_HEADERS), places),
    ]


# -- ratings and complaints -------------------------------------------------------------------

_CATEGORIES = tuple(Complaint)


def _mean(stars: Sequence[int]) -> str:
    rating = rating_summary(stars)
    return "" if rating is None else f"{rating.average:.1f}"


def ratings_tables(
    workers: Sequence[WorkerRatings], *, directory: Directory | None = None, places: Places | None = None
) -> list[tuple[str, Sequence[str], list[list[str]]]]:
    """Counted evaluations (number, mean) and complaints by category (spec/visit-v1.md §3.3),
    per enterprise and per worker; records that do not count are shown apart."""
    categories = [f"{c.value} {c.label_zh}" for c in _CATEGORIES]
    headers = ("evaluations", "average", "complaints", *categories, "not_counted")
    firms: dict[str, tuple[str, str, list[int], dict[Complaint, int], int, int]] = {}
    people = []
    for w in workers:
        uscc = w.enterprise_uscc or UNKNOWN
        name, district = _place(w.enterprise_uscc, directory, places)
        stars, counts, workers_n, not_counted = firms.get(uscc, (name, district, [], {}, 0, 0))[2:]
        merged = {c: counts.get(c, 0) + w.complaints.get(c, 0) for c in _CATEGORIES}
        firms[uscc] = (
            name,
            district,
            stars + list(w.stars),
            merged,
            workers_n + 1,
            not_counted + w.not_counted,
        )
        people.append(
            [w.card_no, w.name or "", name, *_rating_cells(list(w.stars), w.complaints, w.not_counted)]
        )
    by_firm = sorted(firms.items(), key=lambda kv: (kv[1][1], kv[1][0]))
    rows = [[n, d, uscc, str(k), *_rating_cells(s, c, nc)] for uscc, (n, d, s, c, k, nc) in by_firm]
    every_star = [x for _, (_, _, s, _, _, _) in by_firm for x in s]
    every = {c: sum(v[3].get(c, 0) for v in firms.values()) for c in _CATEGORIES}
    rows.append(["all enterprises", "", "", str(len(workers)),
                 *_rating_cells(every_star, every, sum(v[5] for v in firms.values()))])  # fmt: skip
    return [
        (
            "Ratings and complaints by enterprise",
            ("enterprise", "district", "uscc", "workers", *headers),
            rows,
        ),
        ("Ratings and complaints by worker", ("card_no", "name", "enterprise", *headers), people),
    ]


def _rating_cells(stars: list[int], complaints: Mapping[Complaint, int], not_counted: int) -> list[str]:
    total = sum(complaints.values())
    return [str(len(stars)), _mean(stars), str(total), *(str(complaints.get(c, 0)) for c in _CATEGORIES),
            str(not_counted)]  # fmt: skip
