"""``anxinma report``: coverage and rankings from an issuer database."""

from __future__ import annotations

import datetime as dt

import click

from ..errors import UsageError
from ..report import FORMATS, RANKING_HEADERS, coverage, coverage_tables, ranking, render_table
from .common import NOW_OPTION, CliError, clock, command_group
from .documents import DIRECTORY_OPTION, ROOT_OPTION, optional_directory
from .files import open_db

__all__ = ["report_group"]

report_group = command_group(
    "report",
    """Coverage and rankings from an issuer database.

    With the root-signed enterprise directory (--directory, --root) the
    reports name each enterprise and its district; without it, enterprises
    are listed by USCC and grouped by the region their USCC names.

    \b
    Example:
      anxinma report coverage --db issuer.db --directory directory.cwt --root root.pub.pem
      anxinma report ranking --db issuer.db --directory directory.cwt --root root.pub.pem --top 10
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

    \b
    Example:
      anxinma report coverage --db issuer.db --directory directory.cwt --root root.pub.pem
      anxinma report coverage --db issuer.db --format csv > coverage.csv
    """
    moment = now or clock()
    directory = optional_directory(directory_path, root_paths, moment)
    with open_db(db_path) as db:
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
    click.echo(render_table(title, RANKING_HEADERS, rows[:top] if top else rows, fmt), nl=False)
