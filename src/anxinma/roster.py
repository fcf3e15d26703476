"""Registered workers and enterprises, and service orders: CSV files in, rows out (docs/evaluation.md).

The city's denominators come from outside the issuer: the workers and
enterprises with a credit file on the national platform (the *roster*, for
持证率) and the service orders enterprises report (for 亮证率).  This module
reads the text of those files and checks each row.  It does no I/O: the CLI
reads and decodes the file (UTF-8 with or without a BOM and UTF-16 with a BOM
by themselves, GB 18030 when told: :func:`anxinma.cli.files.decode_text`, the
one text reader of every command), :mod:`anxinma.visitdb` stores the rows.

A roster row keeps the worker's ID number only long enough to compute its
keyed hash (:func:`anxinma.issuerdb.id_mac`), the same hash the issuer's
``workers`` table keeps, so that a registered worker is matched to the card
issued to them without storing the number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .batch import BadRow, csv_table
from .errors import UsageError
from .gbcodes import id_number_problem, uscc_problem
from .issuerdb import id_mac
from .model import CARD_NO_MAX, DATE_MAX, DATE_MIN

__all__ = [
    "ORDER_COLUMNS",
    "ROSTER_COLUMNS",
    "Order",
    "RosterEnterprise",
    "RosterWorker",
    "read_enterprises",
    "read_orders",
    "read_roster",
]

#: Roster columns (English name: accepted Chinese headers).  ``id_number``, ``name`` and
#: ``enterprise_uscc`` are required.
ROSTER_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "name": ("姓名",),
    "enterprise_uscc": ("统一社会信用代码", "企业统一社会信用代码", "企业信用代码"),
    "card_no": ("服务证号", "证号", "卡号"),
    "enterprise_name": ("企业名称", "所属企业"),
    "district": ("区县", "所属区县", "区域"),
}
_ROSTER_REQUIRED = ("id_number", "name", "enterprise_uscc")
#: Order columns; ``order_id``, ``card_no`` and ``service_date`` are required.
ORDER_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "order_id": ("订单号", "订单编号"),
    "card_no": ("服务证号", "证号", "卡号"),
    "service_date": ("服务日期", "上门日期"),
    "enterprise_uscc": ("统一社会信用代码", "企业统一社会信用代码", "企业信用代码"),
}
_ORDER_REQUIRED = ("order_id", "card_no", "service_date")
_CARD = re.compile(rf"[0-9A-Z]{{1,{CARD_NO_MAX}}}\Z", re.ASCII)
_ORDER_ID = re.compile(r"[\x21-\x7e]{1,64}\Z", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_TEXT = 80


@dataclass(frozen=True, slots=True)
class RosterWorker:
    """A registered worker: keyed hash of the ID number, name, enterprise, card (if known)."""

    id_mac: str
    name: str
    enterprise_uscc: str
    card_no: str | None = None


@dataclass(frozen=True, slots=True)
class RosterEnterprise:
    """A registered enterprise, with its name and district when the file gives them."""

    uscc: str
    name: str | None = None
    district: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """A service order an enterprise reported: the worker's card and the day of service."""

    order_id: str
    card_no: str
    service_date: dt.date
    enterprise_uscc: str | None = None
    row: int = field(default=0, compare=False)  # the line in the file


def _table(text: str, name: str, columns: Mapping[str, tuple[str, ...]], required: Sequence[str]
           ) -> tuple[list[tuple[int, dict[str, str]]], list[BadRow]]:  # fmt: skip
    """Rows of a CSV text as (row number, cells by English column name), and rows that are not CSV."""
    aliases = {alias: key for key, names in columns.items() for alias in (key, *names)}
    header, table, bad = csv_table(text, name, blank=lambda cells: not any(c.strip() for c in cells))
    keys = [aliases.get(h.strip()) for h in header]
    unknown = next((h for h, k in zip(header, keys, strict=True) if k is None), None)
    if unknown is not None:
        raise UsageError(f"{name} row 1: unknown column {unknown!r} (columns: {', '.join(columns)})")
    twice = next((k for k in keys if keys.count(k) > 1), None)
    if twice is not None:
        raise UsageError(f"{name} row 1: column {twice!r} appears twice")
    missing = next((c for c in required if c not in keys), None)
    if missing is not None:
        raise UsageError(f"{name} row 1: the required column {missing!r} is missing")
    rows = [(n, {k: c.strip() for k, c in zip(keys, cells, strict=True) if k}) for n, cells in table]
    return rows, bad


class _BadError(Exception):  # a bad row: its field and why
    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason


def _text(cells: Mapping[str, str], key: str, *, required: bool = False) -> str | None:
    value = cells.get(key, "")
    if not value:
        if required:
            raise _BadError(key, "is empty")
        return None
    if len(value) > MAX_TEXT or _CONTROL.search(value):
        raise _BadError(key, f"must be at most {MAX_TEXT} characters without control characters")
    return value


def _uscc(cells: Mapping[str, str], *, required: bool) -> str | None:
    value = cells.get("enterprise_uscc", "")
    if not value and not required:
        return None
    problem = uscc_problem(value)
    if problem is not None:
        raise _BadError("enterprise_uscc", f"{value!r} {problem}")
    return value


def _card(value: str) -> str:
    if not _CARD.match(value):
        raise _BadError("card_no", f"{value!r} is not 1-{CARD_NO_MAX} of 0-9 and A-Z")
    return value


def read_roster(text: str, *, name: str, id_key: bytes
                ) -> tuple[list[RosterWorker], list[RosterEnterprise], list[BadRow]]:  # fmt: skip
    """Registered workers (and the enterprises they name) of a roster CSV; bad rows apart.

    A person (by ID number) twice in one file is a bad row the second time.
    """
    rows, bad = _table(text, name, ROSTER_COLUMNS, _ROSTER_REQUIRED)
    workers: dict[str, RosterWorker] = {}
    firms: dict[str, RosterEnterprise] = {}
    for number, cells in rows:
        try:
            id_number = cells["id_number"].upper()  # a lower-case check character x is common
            number_problem = id_number_problem(id_number)
            if number_problem is not None:
                raise _BadError("id_number", number_problem)
            mac = id_mac(id_key, id_number)
            if mac in workers:
                raise _BadError("id_number", "this person is listed twice in the file")
            uscc = _uscc(cells, required=True)
            assert uscc is not None
            card = cells.get("card_no") or None
            person = RosterWorker(mac, _text(cells, "name", required=True) or "", uscc,
                                  None if card is None else _card(card))  # fmt: skip
            firm = RosterEnterprise(uscc, _text(cells, "enterprise_name"), _text(cells, "district"))
        except _BadError as exc:
            bad.append(BadRow(number, exc.field, exc.reason))
            continue
        workers[mac] = person
        known = firms.get(uscc, firm)
        firms[uscc] = RosterEnterprise(uscc, firm.name or known.name, firm.district or known.district)
    bad.sort(key=lambda b: b.row)
    return list(workers.values()), list(firms.values()), bad


def read_enterprises(text: str, *, name: str) -> tuple[list[RosterEnterprise], list[BadRow]]:
    """Registered enterprises (columns ``enterprise_uscc``, ``enterprise_name``, ``district``),
    including those with no registered worker yet."""
    columns = {k: ROSTER_COLUMNS[k] for k in ("enterprise_uscc", "enterprise_name", "district")}
    rows, bad = _table(text, name, columns, ("enterprise_uscc",))
    firms: list[RosterEnterprise] = []
    for number, cells in rows:
        try:
            uscc = _uscc(cells, required=True)
            assert uscc is not None
            firms.append(RosterEnterprise(uscc, _text(cells, "enterprise_name"), _text(cells, "district")))
        except _BadError as exc:
            bad.append(BadRow(number, exc.field, exc.reason))
    return firms, bad


def read_orders(text: str, *, name: str) -> tuple[list[Order], list[BadRow]]:
    """Service orders of an orders CSV; bad rows apart.  An order id twice in one file (for
    the same enterprise) is a bad row the second time."""
    rows, bad = _table(text, name, ORDER_COLUMNS, _ORDER_REQUIRED)
    orders: dict[tuple[str | None, str], Order] = {}
    for number, cells in rows:
        try:
            order_id = cells["order_id"]
            if not _ORDER_ID.match(order_id):
                raise _BadError("order_id", f"{order_id!r} is not 1-64 printable ASCII characters")
            day = cells["service_date"]
            try:
                service_date = dt.date.fromisoformat(day) if _DATE.match(day) else None
            except ValueError:
                service_date = None
            if service_date is None or not DATE_MIN <= service_date <= DATE_MAX:
                raise _BadError("service_date", f"{day!r} is not a date YYYY-MM-DD in 2000..2099")
            order = Order(
                order_id, _card(cells["card_no"]), service_date, _uscc(cells, required=False), number
            )
            if (order.enterprise_uscc, order_id) in orders:
                raise _BadError("order_id", f"order {order_id} is listed twice in the file")
        except _BadError as exc:
            bad.append(BadRow(number, exc.field, exc.reason))
            continue
        orders[(order.enterprise_uscc, order_id)] = order
    bad.sort(key=lambda b: b.row)
    return list(orders.values()), bad
