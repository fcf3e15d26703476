"""``anxinma directory``: build and show the root-signed enterprise directory (spec §15.4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import click

from .. import gbcodes
from ..directory import MAX_DIRECTORY_BYTES, Directory, Enterprise
from ..errors import UsageError
from .common import (
    EXIT_OK,
    EXIT_RED,
    NOW_OPTION,
    PASSPHRASE_OPTION,
    CliError,
    check_expiry,
    clock,
    command_group,
    now_in_cst,
    out_option,
    plural,
    say,
    valid_days_option,
)
from .documents import read_directory, read_roots, self_check
from .files import ENCODING_OPTION, not_same_file, read_private_key, read_text, replace_file
from .show import lifetime, when

__all__ = ["directory_group", "enterprises_from_tsv"]

directory_group = command_group(
    "directory",
    """Build and show the root-signed enterprise directory (spec §15.4).

    A verifier holding the directory shows an enterprise's name and district
    instead of its bare USCC:

    \b
    Example:
      anxinma directory build examples/enterprises.tsv --root-key root.key.pem --out directory.cwt
      anxinma verify CODE --trust trust.cwt --root root.pub.pem --directory directory.cwt
    """,
)

_TSV_COLUMNS = ("rank", "district", "region_code", "name", "uscc")


def _tsv_rows(text: str) -> list[tuple[int, list[str]]]:
    """Numbered rows of tab-separated cells; blank lines and lines starting with '#' are skipped."""
    return [
        (n, [cell.strip() for cell in line.split("\t")])
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.startswith("#")
    ]


def _tsv_enterprise(row: Mapping[str, str], where: str) -> Enterprise:
    if not row["rank"].isdigit():
        raise CliError(where, f"rank {row['rank']!r} is not a number")
    try:
        return Enterprise(row["uscc"], row["name"], row["district"], row["region_code"] or None)
    except UsageError as exc:
        raise CliError(where, str(exc)) from None


def enterprises_from_tsv(text: str, *, source: str) -> tuple[list[Enterprise], list[str]]:
    """The enterprises of a TSV table (columns rank, district, region_code, name, uscc).

    Rows naming an enterprise already listed with the same details are
    dropped (one note each, returned beside the list); the same name with other
    details, or one USCC for two names, raises :class:`CliError` naming the line.
    """
    rows = _tsv_rows(text)
    if not rows or sorted(rows[0][1]) != sorted(_TSV_COLUMNS):
        line = f" line {rows[0][0]}" if rows else ""
        raise CliError(f"{source}{line}", f"the header must name the columns {', '.join(_TSV_COLUMNS)}")
    columns = rows[0][1]
    kept: dict[str, tuple[int, Enterprise]] = {}
    notes: list[str] = []
    for n, cells in rows[1:]:
        where = f"{source} line {n}"
        if len(cells) != len(columns):
            raise CliError(where, f"{len(cells)} columns; the header has {len(columns)}")
        enterprise = _tsv_enterprise(dict(zip(columns, cells, strict=True)), where)
        note = _dedupe(kept, enterprise, n, where)
        if note:
            notes.append(note)
    return [e for _, e in kept.values()], notes


def _dedupe(kept: dict[str, tuple[int, Enterprise]], enterprise: Enterprise, n: int, where: str) -> str:
    """Keep ``enterprise`` (by name) unless it repeats an earlier row; return a note when dropped."""
    earlier = kept.get(enterprise.name)
    if earlier is not None:
        if earlier[1] != enterprise:
            raise CliError(where, f"{enterprise.name} is on line {earlier[0]} with other details")
        return f"{where}: {enterprise.name} repeats line {earlier[0]}; listed once"
    clash = next((m for m, e in kept.values() if e.uscc == enterprise.uscc), None)
    if clash is not None:
        raise CliError(where, f"USCC {enterprise.uscc} is already on line {clash} for another name")
    kept[enterprise.name] = (n, enterprise)
    return ""


@directory_group.command("build")
@click.argument("tsv", metavar="ENTERPRISES.tsv")
@click.option(
    "--root-key", "root_key_path", required=True, metavar="ROOT.key.pem", help="The root private key."
)
@out_option("DIRECTORY.cwt")
@valid_days_option(365)
@click.option(
    "--sequence", type=click.IntRange(0), default=1, show_default=True, help="The directory's version."
)
@ENCODING_OPTION
@PASSPHRASE_OPTION
@NOW_OPTION
def directory_build_command(
    tsv: str,
    root_key_path: str,
    out_path: Path,
    valid_days: int,
    sequence: int,
    encoding: str,
    passphrase_env: str | None,
    now: dt.datetime | None,
) -> None:
    """Sign a directory of the enterprises in a TSV file with the root key.

    Columns (tab-separated, header first): rank, district, region_code, name,
    uscc; region_code may be empty; lines starting with '#' are comments.  An
    enterprise listed twice with the same details is kept once (said on
    standard error).  The table is UTF-8 unless --encoding says otherwise.

    \b
    Example:
      anxinma directory build examples/enterprises.tsv --root-key root.key.pem --out directory.cwt
    """
    not_same_file(out_path, tsv, "--out")
    text = read_text(tsv, limit=MAX_DIRECTORY_BYTES, what="TSV file", encoding=encoding)
    enterprises, notes = enterprises_from_tsv(text, source=tsv)
    root = read_private_key(root_key_path, passphrase_env, option="--root-key")
    issued = now_in_cst(now)
    check_expiry(issued, valid_days)
    directory = Directory(sequence, issued, issued + dt.timedelta(days=valid_days), tuple(enterprises))
    data = directory.sign(root)
    self_check(out_path, lambda: Directory.load(data, [root.public_key()], now=issued))
    replace_file(out_path, data)
    for note in notes:
        say(note, err=True)
    say(
        f"wrote {out_path}: {plural(len(enterprises), 'enterprise')}, sequence {sequence}, "
        f"valid until {when(directory.expires_at)}",
        err=True,
    )


@directory_group.command("show")
@click.argument("path", metavar="DIRECTORY.cwt")
@click.option(
    "--root", "root_paths", multiple=True, required=True, metavar="ROOT.pub.pem", help="The pinned root key."
)
@click.option("--uscc", metavar="USCC", help="Show only this enterprise (exit 1 if it is not listed).")
@NOW_OPTION
@click.pass_context
def directory_show_command(
    ctx: click.Context, path: str, root_paths: tuple[str, ...], uscc: str | None, now: dt.datetime | None
) -> None:
    """Show a directory, verified with the root key, or look one USCC up.

    \b
    Examples:
      anxinma directory show directory.cwt --root root.pub.pem
      anxinma directory show directory.cwt --root root.pub.pem --uscc 91330203MA2H123450
    """
    if uscc is not None and (problem := gbcodes.uscc_problem(uscc)) is not None:
        raise CliError("--uscc", problem)
    moment = now or clock()
    directory = read_directory(path, read_roots(root_paths), now=moment)
    if uscc is not None:
        found = directory.find(uscc)
        say(f"{uscc}  {found.label}" if found else f"{uscc}  not in the directory")
        ctx.exit(EXIT_OK if found else EXIT_RED)
    listed = plural(len(directory.enterprises), "enterprise")
    say(f"{path}: directory sequence {directory.sequence}, {listed}")
    say(lifetime(directory.issued_at, directory.expires_at, moment))
    for e in directory.enterprises:
        say(f"{e.uscc}  {e.region or '------'}  {e.label}")
