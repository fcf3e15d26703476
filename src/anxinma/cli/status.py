"""``anxinma status``: the issuer's status lists: revoke, suspend, reinstate, publish (spec §15.3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from ..status import MAX_SIZE, MIN_SIZE, Status, StatusList, StatusListToken
from .common import (
    MAX_DOCUMENT_DAYS,
    NOW_OPTION,
    PASSPHRASE_OPTION,
    CliError,
    check_expiry,
    clock,
    command_group,
    now_in_cst,
    out_option,
    say,
    valid_days_option,
)
from .documents import check_issuer_id, read_roots, read_status, read_trust
from .files import open_db, read_private_key, replace_file
from .show import STATUS_WORDS, lifetime, when

__all__ = ["status_group"]

status_group = command_group(
    "status",
    """The issuer's status lists: revoke, suspend, reinstate and publish (spec §15.3).

    The issuer database (SQLite) records every code issued with 'anxinma issue
    --db' and the entry its status lives in; 'status publish' signs a list for
    verifiers, who check it against the trust list:

    \b
    Example:
      anxinma status new --db issuer.db
      anxinma issue worker.json --key nb.key.pem --db issuer.db
      anxinma status revoke --db issuer.db NB2021000123
      anxinma status publish --db issuer.db --key nb.key.pem --issuer nb --out status-0.cwt
      anxinma verify CODE --trust trust.cwt --root root.pub.pem --status status-0.cwt
    """,
)


_DB_OPTION = click.option(
    "--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite)."
)


def _list_id_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--list-id", type=click.IntRange(0, 255), default=0, show_default=True, help=help_text
    )


@status_group.command("new")
@_DB_OPTION
@_list_id_option("The id of the new status list.")
@click.option(
    "--size",
    type=click.IntRange(MIN_SIZE, MAX_SIZE),
    default=MIN_SIZE,
    show_default=True,
    help="Entries in the list, a multiple of 4 (herd privacy: at least 131072).",
)
def status_new_command(db_path: str, list_id: int, size: int) -> None:
    """Create a status list (all entries valid) in the issuer database, creating the database
    (mode 0600: it holds names and card numbers; a symbolic link there is refused).

    \b
    Example:
      anxinma status new --db issuer.db --list-id 1
    """
    if size % 4:
        raise CliError("--size", f"{size} is not a multiple of 4")
    with open_db(db_path, create=True) as db:
        try:
            db.new_list(list_id, size)
        except UsageError as exc:
            raise CliError("--list-id", str(exc)) from None
    say(f"{db_path}: status list {list_id} with {size} entries, all valid", err=True)


def _status_command(name: str, status: Status, summary: str) -> None:
    example = f"\n\n\b\nExample:\n  anxinma status {name} --db issuer.db NB2021000123"

    @status_group.command(name, help=summary + example)
    @_DB_OPTION
    @click.argument("handle", metavar="CARD_NO|CRED_ID")
    @NOW_OPTION
    def command(db_path: str, handle: str, now: dt.datetime | None) -> None:
        if not handle.isprintable() or not handle.isascii():
            raise CliError("CARD_NO|CRED_ID", f"{handle!r} is not a card number or credential id")
        with open_db(db_path) as db:
            try:
                changed = db.set_status(handle, status, now=now_in_cst(now))
            except UsageError as exc:
                raise CliError(handle, str(exc)) from None
        for cred in changed:
            ref = cred.status_ref
            where = f"list {ref.list_id} index {ref.index}" if ref is not None else "no list"
            click.echo(f"{STATUS_WORDS[status]:<9} {cred.cred_id}  {cred.card_no}  {cred.name}  {where}")
        say("publish the list for verifiers to learn it: anxinma status publish", err=True)


_status_command(
    "revoke",
    Status.INVALID,
    "Revoke the codes of a card number (or one code, by credential id): red, revoked.",
)
_status_command(
    "suspend", Status.SUSPENDED, "Suspend the codes of a card number or credential id: red, suspended."
)
_status_command(
    "reinstate",
    Status.VALID,
    "Lift a suspension: the suspended code of a card number (or one code, by credential id) is valid "
    "again. Revocation is final: a revoked code is never reinstated (issue a new one).",
)


@status_group.command("publish")
@_DB_OPTION
@click.option("--key", "key_path", required=True, metavar="KEY.pem", help="The issuer's private key.")
@click.option("--issuer", "issuer_id", required=True, metavar="ID", help="The issuer's id in the trust list.")
@out_option("STATUS.cwt")
@_list_id_option("The status list to publish.")
@valid_days_option(7)
@click.option(
    "--ttl",
    type=click.IntRange(1, 86_400 * MAX_DOCUMENT_DAYS),
    default=86_400,
    show_default=True,
    help="Seconds a verifier may keep the list before fetching a new one.",
)
@PASSPHRASE_OPTION
@NOW_OPTION
def status_publish_command(
    db_path: str,
    key_path: str,
    issuer_id: str,
    out_path: Path,
    list_id: int,
    valid_days: int,
    ttl: int,
    passphrase_env: str | None,
    now: dt.datetime | None,
) -> None:
    """Sign the current statuses of a list with the issuer key (a Status List Token).

    \b
    Example:
      anxinma status publish --db issuer.db --key nb.key.pem --issuer nb --out status-0.cwt
    """
    check_issuer_id(issuer_id, "--issuer")
    key = read_private_key(key_path, passphrase_env)
    with open_db(db_path) as db:
        try:
            statuses = db.status_list(list_id)
        except UsageError as exc:
            raise CliError("--list-id", str(exc)) from None
    issued = now_in_cst(now)
    check_expiry(issued, valid_days)
    expires = issued + dt.timedelta(days=valid_days)
    token = StatusListToken(issuer_id, list_id, issued, expires, statuses, ttl)
    replace_file(out_path, token.sign(key))
    say(f"wrote {out_path}: {token.uri}, {_counts(statuses)}, valid until {when(expires)}", err=True)


def _counts(statuses: StatusList) -> str:
    """``131072 entries (131071 valid, 1 revoked, 0 suspended)``."""
    counts = statuses.counts()
    text = ", ".join(f"{counts[s]} {STATUS_WORDS[s]}" for s in Status if s is not Status.RESERVED)
    unknown = f", {counts[Status.RESERVED]} unknown (value 3)" if counts[Status.RESERVED] else ""
    return f"{statuses.size} entries ({text}{unknown})"


@status_group.command("show")
@click.argument("path", metavar="STATUS.cwt")
@click.option("--trust", "trust_path", required=True, metavar="TRUST.cwt", help="The signed trust list.")
@click.option(
    "--root", "root_paths", multiple=True, required=True, metavar="ROOT.pub.pem", help="The pinned root key."
)
@NOW_OPTION
def status_show_command(
    path: str, trust_path: str, root_paths: tuple[str, ...], now: dt.datetime | None
) -> None:
    """Show a status list, verified against the trust list: counts, age, expiry, uri.

    \b
    Example:
      anxinma status show status-0.cwt --trust trust.cwt --root root.pub.pem
    """
    moment = now or clock()
    trust = read_trust(trust_path, read_roots(root_paths), now=moment)
    token = read_status(path, trust, now=moment)
    issuer = trust.issuer(token.issuer_id)
    say(f"{path}: {token.uri}, signature verified with the trust list")
    name = issuer.name if issuer is not None else "?"
    say(f"  issuer  {name}; issuer id {token.issuer_id}, key {token.kid.hex()}")
    say(f"  list    {_counts(token.statuses)}")
    say(f"  dates   {lifetime(token.issued_at, token.expires_at, moment)}")
    if token.ttl is not None:
        say(f"  ttl     {token.ttl} s")
