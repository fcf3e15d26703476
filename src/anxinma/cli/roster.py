"""``anxinma roster import`` and ``anxinma orders import``: the registered workers and
enterprises (持证率) and the service orders (亮证率) an issuer is measured against."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import click

from ..batch import BadRow
from ..errors import UsageError
from ..roster import read_enterprises, read_orders, read_roster
from .common import EXIT_OK, EXIT_RED, NOW_OPTION, CliError, clock, command_group, plural, say
from .files import ENCODING_OPTION, open_db, read_text

__all__ = ["orders_group", "roster_group"]

MAX_FILE = 1 << 30
_SHOWN_BAD = 20

roster_group = command_group(
    "roster",
    """The workers and enterprises registered on the national platform (持证率's denominator).

    \b
      anxinma roster import registered.csv --db issuer.db
      anxinma report coverage --db issuer.db
    """,
)
orders_group = command_group(
    "orders",
    """Service orders reported by enterprises (亮证率's denominator).

    \b
      anxinma orders import orders.csv --db issuer.db
      anxinma report display-rate --db issuer.db
    """,
)


def _bad_rows(bad: list[BadRow], source: str) -> None:
    """The first bad rows, one warning line each (as 'anxinma batch' prints its warnings)."""
    for row in bad[:_SHOWN_BAD]:
        say(f"anxinma: warning: {source} row {row.row}: {row.field}: {row.reason}", err=True)
    if len(bad) > _SHOWN_BAD:
        say(f"anxinma: warning: {source}: {plural(len(bad) - _SHOWN_BAD, 'more bad row')}", err=True)


@contextlib.contextmanager
def _as_cli_error() -> Iterator[None]:
    """A malformed file (header, encoding) as one line naming it."""
    try:
        yield
    except UsageError as exc:
        where, _, message = str(exc).partition(": ")
        raise CliError(where, message or where) from None


def _csv(path: str, encoding: str) -> str:
    return read_text(path, limit=MAX_FILE, what="CSV file", encoding=encoding)


@roster_group.command("import")
@click.argument("registered", metavar="REGISTERED.csv")
@click.option("--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite).")
@click.option("--enterprises", "firms_path", metavar="ENTERPRISES.csv",
              help="Registered enterprises (enterprise_uscc, enterprise_name, district), also those "
              "without registered workers.")  # fmt: skip
@click.option(
    "--replace",
    is_flag=True,
    help="The file is the whole roster now: registered workers (and enterprises) missing from it "
    "are marked deregistered today and no longer counted. Refused when a row is bad.",
)
@ENCODING_OPTION
@NOW_OPTION
@click.pass_context
def roster_import_command(ctx: click.Context, registered: str, db_path: str, firms_path: str | None,
                          replace: bool, encoding: str, now: dt.datetime | None) -> None:  # fmt: skip
    """Add or update the registered workers of REGISTERED.csv (- for stdin).

    Columns (English or Chinese headers): id_number (身份证号), name (姓名),
    enterprise_uscc (统一社会信用代码), and optionally card_no (服务证号),
    enterprise_name (企业名称), district (区县). UTF-8 (BOM or not) and UTF-16
    with a BOM are recognised; a GB 18030 file (Excel on Chinese Windows) needs
    --encoding gb18030. The ID number is kept only as its keyed hash, which
    matches the worker to the card issued to them. Re-importing updates rows,
    never duplicates them; a worker missing from the file stays registered
    unless --replace says the file is the whole roster. Exit status: 0 every
    row imported, 1 some rows bad (listed; the others imported), 2 nothing done.

    \b
      anxinma roster import registered.csv --db issuer.db
      anxinma roster import registered-2027-03.csv --db issuer.db --replace
    """
    moment = now or clock()
    with open_db(db_path) as db, _as_cli_error():
        workers, firms, bad = read_roster(_csv(registered, encoding), name=registered, id_key=db.id_key)
        if firms_path is not None:
            more, more_bad = read_enterprises(_csv(firms_path, encoding), name=firms_path)
            firms, bad = firms + more, bad + more_bad
        if replace and bad:
            _bad_rows(bad, registered)
            raise CliError("--replace", f"{plural(len(bad), 'bad row')}: a roster with bad rows is not "
                           "the whole roster; fix them (nothing was imported)")  # fmt: skip
        done = db.import_roster(workers, firms, now=moment, replace=replace)
        people, enterprises = db.roster_size()
    _bad_rows(bad, registered)
    gone = f", {done.deregistered:,} deregistered" if replace else ""
    say(f"roster: {plural(done.added, 'worker')} added, {done.updated:,} updated{gone}, "
        f"{plural(len(bad), 'bad row')}; {plural(people, 'registered worker')} and "
        f"{plural(enterprises, 'enterprise')} in {db_path}", err=True)  # fmt: skip
    ctx.exit(EXIT_RED if bad else EXIT_OK)


@orders_group.command("import")
@click.argument("orders", metavar="ORDERS.csv")
@click.option("--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite).")
@ENCODING_OPTION
@NOW_OPTION
@click.pass_context
def orders_import_command(ctx: click.Context, orders: str, db_path: str, encoding: str,
                          now: dt.datetime | None) -> None:  # fmt: skip
    """Add or update the service orders of ORDERS.csv (- for stdin).

    Columns (English or Chinese headers): order_id (订单号), card_no (服务证号),
    service_date (服务日期, YYYY-MM-DD, China time), and optionally
    enterprise_uscc (统一社会信用代码; else the card's enterprise). UTF-8 (BOM or
    not) and UTF-16 with a BOM are recognised; GB 18030 needs --encoding
    gb18030. An order is identified by its
    enterprise and order id: importing it again updates it. Exit status: 0
    every row imported, 1 some rows bad, 2 nothing done.

    \b
      anxinma orders import orders.csv --db issuer.db
    """
    moment = now or clock()
    with _as_cli_error():
        rows, bad = read_orders(_csv(orders, encoding), name=orders)
    with open_db(db_path) as db:
        done, refused = db.import_orders(rows, now=moment)
    bad = sorted(bad + [BadRow(o.row, "card_no", why) for o, why in refused], key=lambda b: b.row)
    _bad_rows(bad, orders)
    say(f"orders: {done.added:,} added, {done.updated:,} updated, {plural(len(bad), 'bad row')}", err=True)
    ctx.exit(EXIT_RED if bad else EXIT_OK)
