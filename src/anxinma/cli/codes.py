"""Codes: ``anxinma issue`` (sign a worker record), ``inspect`` (decode, never a verdict) and
``render`` (a QR symbol)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from ..errors import AnxinmaError, CredentialTooLargeError, UsageError
from ..issue import DEFAULT_VALID_DAYS, MAX_VALID_DAYS, Issuer, credential_for
from ..issuerdb import Issuance, IssuedCredential, IssuerDB
from ..model import Credential, StatusRef, Worker
from ..qr import make_qr
from ..record import credential_as_dict
from ..registry import Claim
from ..status import Status
from ..transport import to_text
from ..trust import KeyState
from ..verify import Unverified, decode_unverified
from ..visitdb import VisitDB
from .common import (
    NOW_OPTION,
    PASSPHRASE_OPTION,
    CliError,
    check_expiry,
    clock,
    say,
)
from .documents import ROOT_OPTION, read_roots, read_trust
from .files import open_db, read_code, read_private_key, read_record
from .show import PNG_SCALE, QUIET_ZONE, SVG_SCALE, qr_summary, save_qr, terminal_qr, when

__all__ = ["inspect_command", "issue_command", "render_command"]


@click.command("issue")
@click.argument("worker", metavar="WORKER.json")
@click.option("--key", "key_path", required=True, metavar="KEY.pem", help="Issuer private key (mode 0600).")
@click.option(
    "--valid-days",
    type=click.IntRange(1, MAX_VALID_DAYS),
    default=DEFAULT_VALID_DAYS,
    show_default=True,
    help="Days until the code expires.",
)
@click.option(
    "--db",
    "db_path",
    metavar="ISSUER.db",
    help="Record the code in this issuer database (see 'anxinma status new') and give it a "
    "random entry in a status list, so that it can be revoked.",
)
@click.option(
    "--list-id",
    type=click.IntRange(0, 255),
    help="The status list for --db. [default: 0]",
)
@click.option(
    "--replace",
    is_flag=True,
    help="With --db: re-issue (new health exam, new insurance): revoke the card's live credential "
    "in the same step (and say which). Without it a card with a live credential is refused.",
)
@click.option(
    "--trust",
    "trust_path",
    metavar="TRUST.cwt",
    help="Before signing, check against this root-signed trust list (needs --root) that the key may "
    "issue now and for the record's region; refuse a code every verifier would show red.",
)
@ROOT_OPTION
@NOW_OPTION
@PASSPHRASE_OPTION
def issue_command(
    worker: str,
    key_path: str,
    valid_days: int,
    db_path: str | None,
    list_id: int | None,
    replace: bool,
    trust_path: str | None,
    root_paths: tuple[str, ...],
    now: dt.datetime | None,
    passphrase_env: str | None,
) -> None:
    """Issue a code for the worker record WORKER.json (- for stdin); print its text.

    With --db, the code carries a status list reference (list and a random
    unused index, spec §15.3) and is recorded in the issuer database; its
    credential id, which 'anxinma status revoke' accepts, goes to standard error.
    When households have evaluated the card (visit records, 'anxinma serve'), the
    code carries the summary of the evaluations that count instead of the
    record's rating (spec/visit-v1.md §7.3).

    An invalid record is refused with exit 2, naming the field; nothing is
    printed on standard output then.  So is a record outside the issuer's
    regions, or a key the trust list does not let issue now, when --trust
    is given.

    \b
    Examples:
      anxinma issue worker.json --key keys/ningbo-2026.key.pem
      anxinma issue worker.json --key keys/ningbo-2026.key.pem --db issuer.db \\
          --trust trust.cwt --root root.pub.pem
    """
    if db_path is None and (list_id is not None or replace):
        raise CliError("--list-id" if list_id is not None else "--replace", "needs --db ISSUER.db")
    if root_paths and trust_path is None:
        raise CliError("--root", "is used only with --trust TRUST.cwt")
    moment = now or clock()
    check_expiry(moment, valid_days)
    record = read_record(worker)
    issuer = Issuer(read_private_key(key_path, passphrase_env))
    if trust_path is not None:
        _check_scope(trust_path, root_paths, issuer, record, moment)
    if db_path is None:
        click.echo(to_text(_signed(issuer, credential_for(record, now=moment, valid_days=valid_days))))
        return
    with open_db(db_path) as db:
        live = {c.cred_id for c in _live(db, record.card_no, moment)} if replace else set()
        text, cred_id, ref = _issue_recorded(
            db, issuer, record, now=moment, valid_days=valid_days, list_id=list_id or 0, replace=replace
        )
        revoked = [c for c in db.find(record.card_no) if c.cred_id in live and c.status is Status.INVALID]
    click.echo(text)
    say(
        f"credential {cred_id}: status list {ref.list_id}, index {ref.index}; recorded in {db_path}", err=True
    )
    if replace:
        _say_replaced(record.card_no, revoked, cred_id)


def _check_scope(
    trust_path: str, root_paths: tuple[str, ...], issuer: Issuer, record: Worker, now: dt.datetime
) -> None:
    """Refuse, before signing, a code that every verifier holding the trust list would show red."""
    trust = read_trust(trust_path, read_roots(root_paths), now=now)
    kid = issuer.kid.hex()
    found = trust.lookup(issuer.kid)
    if trust.is_root(issuer.kid):
        raise CliError(
            "--key",
            f"key {kid} is the ROOT key of {trust_path} (--root): the root signs trust lists and "
            "directories, never codes; give an issuer's private key (one added with 'anxinma trust add')",
        )
    if found is None or found.issuer is None:
        raise CliError(
            "--key",
            f"key {kid} is not an issuer key of {trust_path} (sequence {trust.sequence}); every verifier "
            "would show its codes red (unknown_key): add it with 'anxinma trust add'",
        )
    key, who = found.key, found.issuer
    if key.state is KeyState.COMPROMISED:
        raise CliError("--key", f"key {kid} of issuer {who.id} is marked compromised in {trust_path}")
    if not key.issued_within_window(now):
        until = "" if key.valid_until is None else f" until {when(key.valid_until)}"
        raise CliError(
            "--key",
            f"key {kid} of issuer {who.id} may issue from {when(key.valid_from)}{until}, not at {when(now)}; "
            "every verifier would show the code red (issued_outside_key_window)",
        )
    if not who.covers(record.region):
        raise CliError(
            "region",
            f"{record.region} is outside the regions of issuer {who.id} ({', '.join(who.regions)}) in "
            f"{trust_path}; every verifier would show the code red (issuer_out_of_scope); nothing issued",
        )


def _live(db: IssuerDB, card_no: str, now: dt.datetime) -> list[IssuedCredential]:
    """The card's credentials that are live now (valid or suspended, not expired)."""
    moment = int(now.timestamp())
    return [c for c in db.find(card_no) if c.status in (Status.VALID, Status.SUSPENDED) and c.exp > moment]


def _say_replaced(card_no: str, revoked: list[IssuedCredential], new: str) -> None:
    """Which credentials ``issue --replace`` revoked (on standard error)."""
    if not revoked:
        say(f"card {card_no} had no live credential; --replace revoked nothing", err=True)
    for cred in revoked:
        issued = when(dt.datetime.fromtimestamp(cred.iat, dt.UTC))
        say(f"revoked credential {cred.cred_id} of card {card_no} (issued {issued}); new: {new}", err=True)


def _signed(issuer: Issuer, cred: Credential) -> bytes:
    try:
        return issuer.sign(cred)
    except CredentialTooLargeError as exc:
        raise CliError("record", str(exc)) from None


def _issue_recorded(
    db: IssuerDB,
    issuer: Issuer,
    record: Worker,
    *,
    now: dt.datetime,
    valid_days: int,
    list_id: int,
    replace: bool = False,
) -> tuple[str, str, StatusRef]:
    """Allocate a random status index, sign, record (spec §16) through the same
    :meth:`IssuerDB.issue` path as a batch (one card per person, one live
    credential per card; ``replace`` revokes the previous one in the same
    transaction); the text, credential id and ref."""
    try:
        ref = db.allocate(list_id)
    except UsageError as exc:
        raise CliError("--list-id", str(exc)) from None
    rating = db.rating_of(record.card_no) if isinstance(db, VisitDB) else None
    if rating is not None:  # what households said (spec/visit-v1.md §7.3) replaces the record's rating
        record = dataclasses.replace(record, rating=rating)
    cred = credential_for(record, now=now, valid_days=valid_days, status=ref)
    message = _signed(issuer, cred)
    item = Issuance.of(message, cred, record, key=db.id_key, kid=issuer.kid)
    refused = db.issue([item], now=now, replace=replace)
    if refused:
        raise CliError(refused[0].field, refused[0].reason)
    return to_text(message), item.cred_id, ref


def _decode_or_fail(text: str) -> Unverified:
    """:func:`decode_unverified`, or one line and exit 2 when the text is not a code: an invalid
    input, nothing done (the rule of 'anxinma --help'; exit 1 is a red verdict, which these
    commands never give)."""
    try:
        return decode_unverified(text)
    except AnxinmaError as exc:
        raise CliError("code", str(exc)) from None


def _raw_value(value: Any) -> str:
    if isinstance(value, bytes):
        return f"h'{value.hex()}'"
    if isinstance(value, str | bool) or value is None:
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _label_name(label: Any) -> str:
    try:
        claim = Claim(label) if type(label) is int else None
    except ValueError:
        claim = None
    return f"unknown label {label!r}" if claim is None else f"{claim.name.lower()} ({label})"


def _field_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@click.command("inspect")
@click.argument("code", metavar="CODE|-")
def inspect_command(code: str) -> None:
    """Show what a code contains WITHOUT checking its signature (never a verdict).

    Exit status: 0 decoded (whatever it says: use 'anxinma verify' for a
    verdict); 2 the text is not an anxinma code (one line saying why).

    \b
    Example:
      anxinma inspect 'AXM1:...'
      anxinma inspect - < code.txt
    """
    content = _decode_or_fail(read_code(code))
    say("UNVERIFIED: decoded WITHOUT checking the signature; trust nothing below.", fg="red", bold=True)
    say(f"kid  {content.kid.hex()}")
    say("claims (raw values by label):")
    claims: Mapping[Any, Any] = content.claims
    for label, value in claims.items():
        say(f"  {_label_name(label):<32} {_raw_value(value)}")
    if content.credential is None:
        say(f"credential: none, the claims are not a valid credential: {content.problem}")
        return
    say("credential (what the claims say, if the signature held):")
    for key, value in credential_as_dict(content.credential).items():
        say(f"  {key:<24} {_field_value(value)}")


def _image_kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("svg", "png"):
        raise CliError("--out", f"{path.name}: the file name must end in .svg or .png")
    return kind


@click.command("render")
@click.argument("code", metavar="CODE|-")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.svg|FILE.png",
    help="Save the symbol; the format follows the file name.",
)
@click.option("--terminal", is_flag=True, help="Draw the QR code in the terminal.")
@click.option(
    "--group-readable",
    is_flag=True,
    help="Write the image with mode 0640 (owner and group may read) instead of 0600: for a print "
    "shop's group (see docs/batch.md, file modes).",
)
@click.option("--scale", type=click.IntRange(1, 100), help="Pixels per module [default: 4 SVG, 8 PNG].")
@click.option(
    "--border",
    type=click.IntRange(0, 40),
    default=QUIET_ZONE,
    show_default=True,
    help="Quiet zone around the symbol, in modules.",
)
def render_command(
    code: str, out_path: Path | None, terminal: bool, group_readable: bool, scale: int | None, border: int
) -> None:
    """Render a code as a QR symbol (error level M): to an SVG or PNG file and/or the terminal.

    The image holds a worker's personal data: it is written with mode 0600
    (0640 with --group-readable), like the files of 'anxinma batch'. The
    signature is not checked. Exit status: 0 rendered; 2 the text is not an
    anxinma code, or a usage error (nothing written); 1 the file could not be
    written.

    \b
    Examples:
      anxinma render 'AXM1:...' --out card.svg
      anxinma render - --out qr.png --scale 10 < code.txt
      anxinma render 'AXM1:...' --terminal
    """
    if out_path is None and not terminal:
        raise CliError("--out", "give --out FILE.svg|FILE.png and/or --terminal")
    kind = _image_kind(out_path) if out_path is not None else None
    text = read_code(code)
    _decode_or_fail(text)
    qr = make_qr(text)
    if out_path is not None:
        default_scale = SVG_SCALE if kind == "svg" else PNG_SCALE
        mode = 0o640 if group_readable else 0o600
        save_qr(qr, out_path, kind=kind, scale=scale or default_scale, border=border, mode=mode)
    if terminal:
        terminal_qr(qr, border=border)
    say(qr_summary(qr))
    if out_path is not None:
        say(f"wrote {out_path}")
