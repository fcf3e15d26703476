"""``anxinma worker show``: the one file per card (一证一档)."""

from __future__ import annotations

import json
from typing import Any

import click

from .common import CliError, say
from .files import open_db

__all__ = ["worker_group"]


@click.group("worker", invoke_without_command=True)
@click.pass_context
def worker_group(ctx: click.Context) -> None:
    """A worker's file: who, which credentials, what happened, what households said.

    \b
      anxinma worker show NB2021000123 --db issuer.db
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@worker_group.command("show")
@click.argument("card_no", metavar="CARD_NO")
@click.option("--db", "db_path", required=True, metavar="ISSUER.db", help="The issuer database (SQLite).")
@click.option("--json", "as_json", is_flag=True, help="The file as one JSON object.")
def worker_show_command(card_no: str, db_path: str, as_json: bool) -> None:
    """Show the file of card CARD_NO: the worker (ID number masked), enterprise, every
    credential issued and its status, the status events, the visits, the evaluations
    that count (rating) and the complaints by category. Exit 2 for an unknown card.

    \b
      anxinma worker show NB2021000123 --db issuer.db --json
    """
    with open_db(db_path) as db:
        file = db.worker_file(card_no)
    if file is None:
        raise CliError("CARD_NO", f"no worker or credential with card number {card_no!r} in {db_path}")
    if as_json:
        click.echo(json.dumps(file, ensure_ascii=False, indent=2))
        return
    for line in _lines(file):
        say(line)


def _lines(f: dict[str, Any]) -> list[str]:
    w = f["worker"]
    out = [f"card {f['card_no']}"]
    if w is not None:
        out.append(f"  worker      {w['name']}  ID {w['id_number_masked']}  region {w['region']}")
        roster = "registered on the platform" if w["in_roster"] else "not in the roster"
        if w["deregistered_at"] is not None:
            roster = f"deregistered from the roster on {w['deregistered_at'][:10]}"
        out.append(f"  enterprise  {w['enterprise_uscc']}  ({roster})")
    out.append(f"credentials ({len(f['credentials'])})")
    for c in f["credentials"]:
        dates = f"issued {c['issued_at'][:10]}  expires {c['expires_at'][:10]}"
        out.append(
            f"  {c['cred_id']}  {c['status']:<9}  {dates}  list {c['status_list']} index {c['status_index']}"
        )
    out.append(f"events ({len(f['events'])})")
    out += [f"  {e['at'][:16]}  {e['action']:<9}  {e['cred_id']}" + (f"  {e['note']}" if e["note"] else "")
            for e in f["events"]]  # fmt: skip
    out.append(f"visits ({len(f['visits'])})")
    for v in f["visits"]:
        what = (f"{v['stars']} stars {' '.join(v['tags'])}".rstrip() if v["stars"] is not None
                else "complaint: " + ", ".join(v["complaint"]) if v["complaint"]
                else "entry confirmed" if v["entered_at"] else "scan")  # fmt: skip
        notes = [n for n in (None if v["live_at_scan"] else "credential not live at the scan",
                             *(f"flagged {x}" for x in v["flags"])) if n]  # fmt: skip
        out.append(
            f"  {v['scanned_at'][:16]}  {v['color']:<6}  {what}"
            + (f"  ({'; '.join(notes)})" if notes else "")
        )
    rating = f["rating"]
    out.append(
        "rating      "
        + ("none yet" if rating is None else f"{rating['average']:.1f} ({rating['count']} counted)")
    )
    complaints = ", ".join(f"{k} {n}" for k, n in f["complaints"].items()) or "none"
    out.append(f"complaints  {complaints}")
    return out
