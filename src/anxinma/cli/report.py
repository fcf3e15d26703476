"""``anxinma report``: coverage (持证率), rankings, display rate (亮证率) and ratings from an
issuer database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import click

from ..errors import UsageError
from ..report import (
    FORMATS,
    RANKING_HEADERS,
    RANKING_HEADERS_BY_USCC,
    coverage,
    coverage_tables,
    display_rate,
    display_rate_tables,
    names_known,
    ranking,
    ratings_tables,
    render_table,
    roster_coverage,
)
from .common import NOW_OPTION, CliError, clock, command_group, say
from .documents import DIRECTORY_OPTION, ROOT_OPTION, optional_directory
from .files import open_db

__all__ = ["report_group"]

report_group = command_group(
    "report",
    """Coverage (持证率), rankings, display rate (亮证率) and ratings from an issuer database.

    With the root-signed enterprise directory (--directory, --root) the
    reports name each enterprise and its district; without it, enterprises
    are listed by USCC and grouped by the region their USCC names.

    \b
    Example:
      anxinma report coverage --db issuer.db --directory directory.cwt --root root.pub.pem
      anxinma report coverage --db issuer.db --format markdown
      anxinma report display-rate --db issuer.db --from 2027-01-01 --to 2027-01-31
      anxinma report ratings --db issuer.db
    """,
)


_REPORT_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format."
)


@report_group.command("coverage")
@click.option("--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite).")
@DIRECTORY_OPTION
@ROOT_OPTION
@_REPORT_FORMAT
@NOW_OPTION
def coverage_command(db_path: str, directory_path: str | None, root_paths: tuple[str, ...], fmt: str,
                     now: dt.datetime | None) -> None:  # fmt: skip
    """Per enterprise and per district: workers registered, with a live credential, green,
    yellow (health exam or insurance lapsed), red, suspended, revoked, expired; the
    certification rate (live / registered).

    After 'anxinma roster import', registered means registered on the national
    platform, the rate is 持证率, every registered enterprise is listed (carded or
    not), and a summary gives the city's 持证率 and the share of enterprises with a
    carded worker. Without a roster, registered means holding a card.

    \b
    Example:
      anxinma report coverage --db issuer.db --directory directory.cwt --root root.pub.pem
      anxinma report coverage --db issuer.db --format csv > coverage.csv
    """
    moment = now or clock()
    directory = optional_directory(directory_path, root_paths, moment)
    with open_db(db_path) as db:
        if db.roster_size()[0]:
            states, unlisted = db.roster_states()
            cov = roster_coverage(states, now=moment, firms=db.roster_enterprises(), unlisted_cards=unlisted,
                                  directory=directory)  # fmt: skip
        else:
            cov = coverage(db.worker_states(), now=moment, directory=directory)
    tables = coverage_tables(cov)
    if fmt == "csv":  # one CSV: the enterprise table (districts are its column)
        tables = tables[:1]
    click.echo(
        "\n".join(render_table(title, headers, rows, fmt) for title, headers, rows in tables), nl=False
    )


@report_group.command("ranking")
@click.option("--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite).")
@DIRECTORY_OPTION
@ROOT_OPTION
@_REPORT_FORMAT
@click.option("--district", help="Rank only the enterprises of this district.")
@click.option("--top", type=click.IntRange(1), help="Show only the first N.")
@NOW_OPTION
def ranking_command(db_path: str, directory_path: str | None, root_paths: tuple[str, ...], fmt: str,
                    district: str | None, top: int | None, now: dt.datetime | None) -> None:  # fmt: skip
    """Enterprises ranked by workers with a live credential, with their district.

    \b
    Example:
      anxinma report ranking --db issuer.db --directory directory.cwt --root root.pub.pem \\
          --district 海曙区 --top 10
    """
    moment = now or clock()
    directory = optional_directory(directory_path, root_paths, moment)
    with open_db(db_path) as db:
        cov = coverage(db.worker_states(), now=moment, directory=directory)
    try:
        rows = ranking(cov, district=district)
    except UsageError as exc:
        raise CliError("--district", str(exc).partition(": ")[2]) from None
    title = f"Ranking by live credentials{f' in {district}' if district else ''}, {moment.date()}"
    headers = RANKING_HEADERS if names_known(cov) else RANKING_HEADERS_BY_USCC
    click.echo(render_table(title, headers, rows[:top] if top else rows, fmt), nl=False)


def _echo_tables(tables: list[tuple[str, Sequence[str], list[list[str]]]], fmt: str) -> None:
    if fmt == "csv":  # one CSV: the first table (the others are its grouping)
        tables = tables[:1]
    click.echo(
        "\n".join(render_table(title, headers, rows, fmt) for title, headers, rows in tables), nl=False
    )


@report_group.command("display-rate")
@click.option("--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite).")
@DIRECTORY_OPTION
@ROOT_OPTION
@_REPORT_FORMAT
@click.option(
    "--from", "since", type=click.DateTime(["%Y-%m-%d"]), help="First service date counted (China time)."
)
@click.option(
    "--to", "until", type=click.DateTime(["%Y-%m-%d"]), help="Last service date counted (China time)."
)
@NOW_OPTION
def display_rate_command(db_path: str, directory_path: str | None, root_paths: tuple[str, ...], fmt: str,
                         since: dt.datetime | None, until: dt.datetime | None,
                         now: dt.datetime | None) -> None:  # fmt: skip
    """亮证率 per enterprise and district: of the service orders ('anxinma orders import'),
    how many have a visit record of that worker on that day (the card shown and checked),
    with the entry confirmed, with an evaluation or complaint (spec/visit-v1.md §7.2).
    Records flagged as a device's flood are not counted.

    \b
    Example:
      anxinma report display-rate --db issuer.db --from 2027-01-01 --to 2027-01-31 --format markdown
    """
    if since is not None and until is not None and since > until:
        raise CliError("--from", f"{since.date()} is after --to {until.date()}")
    directory = optional_directory(directory_path, root_paths, now or clock())
    with open_db(db_path) as db:
        orders = list(db.order_states(since=since and since.date(), until=until and until.date()))
        places = db.roster_enterprises(deregistered=True)
    if not orders:
        say("anxinma: no orders in that period; import them with 'anxinma orders import'", err=True)
    _echo_tables(display_rate_tables(*display_rate(orders, directory=directory, places=places)), fmt)


@report_group.command("ratings")
@click.option("--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite).")
@DIRECTORY_OPTION
@ROOT_OPTION
@_REPORT_FORMAT
@NOW_OPTION
def ratings_command(db_path: str, directory_path: str | None, root_paths: tuple[str, ...], fmt: str,
                    now: dt.datetime | None) -> None:  # fmt: skip
    """Evaluations and complaints from households' visit records, per enterprise and per
    worker: evaluations that count and their average (what a re-issued code carries),
    complaints by category for a person to act on, and records that do not count (a red
    scan, a second one of a device on a day, a flooding device; spec/visit-v1.md §7.3).

    \b
    Example:
      anxinma report ratings --db issuer.db --format csv > ratings.csv
    """
    directory = optional_directory(directory_path, root_paths, now or clock())
    with open_db(db_path) as db:
        workers = db.ratings()
        places = db.roster_enterprises(deregistered=True)
    _echo_tables(ratings_tables(workers, directory=directory, places=places), fmt)
