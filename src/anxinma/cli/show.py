"""How the command line shows things: a verdict (spec §10), its JSON form (spec §14), times, QR symbols."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import click

from ..model import CST, Credential, Service
from ..status import Status
from ..trust import TrustList
from ..verify import Color, Reason, StatusState, Verification
from ..views import verification_as_dict
from .common import say
from .documents import GivenDocument, Held
from .files import replace_file

__all__ = [
    "COLOR_STYLE",
    "PNG_SCALE",
    "QUIET_ZONE",
    "STATUS_WORDS",
    "SVG_SCALE",
    "duration",
    "echo_json",
    "headline",
    "lifetime",
    "print_verification",
    "qr_summary",
    "save_qr",
    "terminal_qr",
    "verification_json",
    "when",
]

COLOR_STYLE = {Color.GREEN: "green", Color.YELLOW: "yellow", Color.RED: "red"}
_KIND_WORDS = {"trust_list": "trust list", "status_list": "status list", "directory": "directory"}


SVG_SCALE = 4
PNG_SCALE = 8
QUIET_ZONE = 4


def when(moment: dt.datetime) -> str:
    return moment.astimezone(CST).isoformat(sep=" ")


def _services(cred: Credential) -> str:
    return "; ".join(f"{s.label_zh} {s.value.replace('_', ' ')}" for s in Service if s in cred.services)


def _until(day: dt.date | None, expired: bool) -> str:
    if day is None:
        return "none on record"
    return f"valid until {day.isoformat()}" + (" (EXPIRED)" if expired else "")


def _id_line(cred: Credential, match: bool | None) -> str:
    note = {True: " (matches the number typed)", False: " (does NOT match the number typed)", None: ""}
    return cred.id_mask + note[match]


def duration(delta: dt.timedelta) -> str:
    """A short human duration: ``45 s``, ``12 min``, ``5 h``, ``3 d``."""
    seconds = int(delta.total_seconds())
    size = abs(seconds)
    sign = "-" if seconds < 0 else ""
    for unit, length, below in (("s", 1, 120), ("min", 60, 7200), ("h", 3600, 172_800)):
        if size < below:
            return f"{sign}{size // length} {unit}"
    return f"{sign}{size // 86_400} d"


def lifetime(issued: dt.datetime, expires: dt.datetime, now: dt.datetime) -> str:
    """``issued <when> (<age> ago), expires <when> (in <left>)``."""
    left = f"in {duration(expires - now)}" if now < expires else f"EXPIRED {duration(now - expires)} ago"
    return f"issued {when(issued)} ({duration(now - issued)} ago), expires {when(expires)} ({left})"


#: How a status value is named in the output (draft-ietf-oauth-status-list §7.1; reason codes).
STATUS_WORDS = {
    Status.VALID: "valid",
    Status.INVALID: "revoked",
    Status.SUSPENDED: "suspended",
    Status.RESERVED: "unknown",
}


def _enterprise_line(result: Verification, cred: Credential, held: Held | None) -> str:
    """The enterprise as the directory held names it, or why it was not (spec §15.4)."""
    found = result.enterprise
    if found is not None:
        return f"{found.label} (USCC {cred.enterprise_uscc})"
    uscc = f"USCC {cred.enterprise_uscc}"
    if held is not None and held.directory is not None:
        return f"{uscc}: NOT in the enterprise directory held (enterprise_unlisted)"
    refused = held.refused("directory") if held is not None else ()
    if refused:
        return f"{uscc} (not checked: the directory given was refused, {_refusals(refused)})"
    return f"{uscc} (not checked against an enterprise directory: none given, --directory)"


def _refusals(refused: tuple[GivenDocument, ...]) -> str:
    return ", ".join(f"{d.outcome.file}: {d.outcome.reason}" for d in refused)


def _issuer_line(result: Verification) -> str:
    kid = result.kid.hex() if result.kid else "?"
    if result.issuer is None:
        return f"key {kid} (a bare public key: no trust list, so no scope or status check)"
    return f"{result.issuer.name}; issuer id {result.issuer.id}, key {kid}"


def _status_line(result: Verification, cred: Credential, held: Held | None) -> str:
    """``checked``, ``STALE``, ``none`` or ``NOT CHECKED`` and why, with the list's age (spec §10.6)."""
    check = result.status
    if check.state is not StatusState.NOT_CHECKED:
        state = "checked" if check.state is StatusState.CHECKED else "STALE"
        age = duration(check.age) if check.age is not None else "?"
        value = STATUS_WORDS[check.value] if check.value is not None else "?"
        return f"{state} (list {age} old): {value} in {check.list_uri}"
    if check.list_uri is not None:
        return f"NOT CHECKED: the code's index is outside {check.list_uri}"
    if cred.status is None:
        return "none: this code has no status list entry (no list can revoke it)"
    return "NOT CHECKED: the card may have been revoked; " + _unchecked_why(result, cred.status.list_id, held)


def _unchecked_why(result: Verification, list_id: int, held: Held | None) -> str:
    """Why a code with a status entry was not checked: bare keys, a list refused, or none given."""
    if result.issuer is None:
        return "bare public keys (--trust PUB.pem) never check revocation: use a trust list and status list"
    wanted = f"no status list {list_id} of issuer {result.issuer.id}"
    refused = held.refused("status_list") if held is not None else ()
    if refused:
        return f"{wanted} loaded (refused: {_refusals(refused)})"
    return f"{wanted} was given (--status)"


def _trust_line(held: Held, now: dt.datetime) -> str:
    if not isinstance(held.trust, TrustList):
        return "none (bare public keys given with --trust)"
    trust = held.trust
    if held.state is not None:
        rollback = f"no older than the state in {held.state}"
    elif held.min_sequence is not None:
        rollback = f"no older than --trust-min-sequence {held.min_sequence}; no --state"
    else:
        rollback = "rollback not checked: no --state"
    return f"sequence {trust.sequence} ({rollback}), {lifetime(trust.issued_at, trust.expires_at, now)}"


def headline(result: Verification, *, refused: int = 0) -> str:
    """``GREEN: verified: all checks pass`` only when revocation was checked or cannot apply and
    no document given (``refused`` of them) was left out."""
    cred, check = result.credential, result.status
    if result.color is Color.RED:
        words = "DO NOT TRUST"
    elif result.color is Color.YELLOW:
        unchecked = Reason.STATUS_NOT_CHECKED in result.reasons
        words = "authentic, but revocation NOT checked" if unchecked else "authentic, with warnings"
    elif refused:
        given = "a document given was" if refused == 1 else f"{refused} documents given were"
        words = f"verified, but {given} refused and left out (see Refused)"
    elif cred is not None and (cred.status is None or check.state is StatusState.CHECKED):
        words = "verified: all checks pass"
    else:
        words = "verified"
    return f"{result.color.value.upper()}: {words}"


def _credential_lines(result: Verification, cred: Credential, held: Held | None) -> list[tuple[str, str]]:
    bg = cred.background_check
    rows = [
        ("Name", cred.name),
        ("ID number", _id_line(cred, result.id_match)),
        ("Card number", cred.card_no),
        ("Enterprise", _enterprise_line(result, cred, held)),
        ("Region", cred.region),
        ("Services", _services(cred)),
        ("Identity", "verified" if cred.identity_verified else "NOT verified"),
        ("Background", "none on record" if bg is None else f"{bg.result.value}, checked {bg.checked_on}"),
        ("Health exam", _until(cred.health_exam_valid_until, Reason.HEALTH_EXAM_EXPIRED in result.reasons)),
        ("Insurance", _until(cred.insurance_valid_until, Reason.INSURANCE_EXPIRED in result.reasons)),
    ]
    if cred.training_hours is not None:
        rows.append(("Training", f"{cred.training_hours} hours"))
    if cred.credit_score is not None:
        rows.append(("Credit score", str(cred.credit_score)))
    if cred.rating is not None:
        rows.append(("Rating", f"{cred.rating.average:.1f} from {cred.rating.count} ratings"))
    rows += [("Issued", when(cred.issued_at)), ("Expires", when(cred.expires_at))]
    return rows


def print_verification(
    result: Verification, held: Held | None = None, now: dt.datetime | None = None
) -> None:
    """The human summary: a coloured headline, issuer, credential, status, documents refused,
    reasons (spec §10)."""
    refused = [_refused_row(d) for d in held.documents if not d.outcome.loaded] if held is not None else []
    head, cred = headline(result, refused=len(refused)), result.credential
    if cred is None:  # nothing authentic to show: one line, and the documents refused
        say(f"{head}: {', '.join(result.reasons)}: {result.detail}", fg=COLOR_STYLE[result.color], bold=True)
        rows = refused
    else:
        kid = result.kid.hex() if result.kid else "?"
        say(f"{head} (issuer kid {kid})", fg=COLOR_STYLE[result.color], bold=True)
        rows = [("Issuer", _issuer_line(result)), *_credential_lines(result, cred, held)]
        rows.append(("Status", _status_line(result, cred, held)))
        if held is not None and now is not None:
            rows.append(("Trust list", _trust_line(held, now)))
        rows += refused
        if result.reasons:
            rows += [("Reasons", ", ".join(result.reasons)), ("Detail", result.detail)]
    for label, value in rows:
        say(f"  {label:<13} {value}")


def _refused_row(given: GivenDocument) -> tuple[str, str]:
    kind = _KIND_WORDS[given.outcome.kind]
    return "Refused", f"{given.outcome.file} ({kind}, left out): {given.detail}"


def verification_json(result: Verification, held: Held, now: dt.datetime) -> dict[str, Any]:
    """The JSON form of a verdict (spec §14.2, :func:`anxinma.verification_as_dict`), with the
    documents the verifier was given, loaded or refused."""
    return verification_as_dict(result, now=now, trust=held.trust, documents=held.outcomes)


def echo_json(value: Any) -> None:
    """JSON on stdout, readable Chinese, but every non-printable character escaped."""
    for line in json.dumps(value, ensure_ascii=False, indent=2).split("\n"):
        click.echo("".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in line))


def terminal_qr(qr: Any, *, border: int) -> None:
    """The QR symbol in half-block characters (two modules per text row), light on dark."""
    buffer = io.StringIO()
    qr.terminal(out=buffer, border=border, compact=True)
    click.echo(buffer.getvalue(), nl=False)


def save_qr(
    qr: Any, path: Path, *, kind: str | None, scale: int, border: int, mode: int | None = None
) -> None:
    """Write the symbol as an SVG or PNG file (segno), atomically: the image is
    rendered in memory and renamed into place, so a symlink at ``path`` is replaced,
    never followed, and no half-written image is left behind.  ``mode``: the file's
    permissions (else those of the file replaced, or 0644)."""
    buffer = io.BytesIO()
    qr.save(buffer, kind=kind or path.suffix.lstrip(".").lower(), scale=scale, border=border)
    if mode is None:
        replace_file(path, buffer.getvalue())
    else:
        replace_file(path, buffer.getvalue(), mode=mode, keep=False)


def qr_summary(qr: Any) -> str:
    width, height = qr.symbol_size(border=0)
    return f"QR version {qr.designator}, {width}x{height} modules"
