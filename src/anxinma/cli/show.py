"""How the command line shows things: a verdict (spec §10), its JSON form (spec §14), times, QR symbols."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import click

from ..directory import Enterprise
from ..model import CST, Credential, Service
from ..record import credential_as_dict
from ..status import Status
from ..trust import TrustList
from ..verify import Color, Reason, StatusCheck, StatusState, Verification
from .common import say
from .documents import Held
from .files import replace_file

__all__ = [
    "COLOR_STYLE",
    "PNG_SCALE",
    "QUIET_ZONE",
    "STATUS_WORDS",
    "SVG_SCALE",
    "duration",
    "echo_json",
    "lifetime",
    "print_verification",
    "qr_summary",
    "save_qr",
    "terminal_qr",
    "verification_json",
    "when",
]

COLOR_STYLE = {Color.GREEN: "green", Color.YELLOW: "yellow", Color.RED: "red"}
_HEADLINE = {
    Color.GREEN: "verified: all checks pass",
    Color.YELLOW: "authentic, with warnings",
    Color.RED: "DO NOT TRUST",
}


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


def _enterprise(cred: Credential, held: Held | None) -> Enterprise | None:
    directory = held.directory if held is not None else None
    return directory.find(cred.enterprise_uscc) if directory is not None else None


def _enterprise_line(cred: Credential, held: Held | None) -> str:
    found = _enterprise(cred, held)
    if found is not None:
        return f"{found.label} (USCC {cred.enterprise_uscc})"
    unlisted = held is not None and held.directory is not None
    return f"USCC {cred.enterprise_uscc}" + (" (NOT in the enterprise directory)" if unlisted else "")


def _issuer_line(result: Verification) -> str:
    kid = result.kid.hex() if result.kid else "?"
    if result.issuer is None:
        return f"key {kid} (a bare public key: no trust list, so no scope or status check)"
    return f"{result.issuer.name}; issuer id {result.issuer.id}, key {kid}"


def _status_line(check: StatusCheck, cred: Credential) -> str:
    """``checked``, ``not checked`` or ``STALE``, with the list's age (spec §10.6)."""
    if check.state is StatusState.NOT_CHECKED:
        if check.list_uri is not None:
            return f"not checked: the code's index is outside {check.list_uri}"
        if cred.status is None:
            return "not checked: the code has no status list entry"
        return f"not checked: no status list {cred.status.list_id} of this issuer was given (--status)"
    state = "checked" if check.state is StatusState.CHECKED else "STALE"
    age = duration(check.age) if check.age is not None else "?"
    value = STATUS_WORDS[check.value] if check.value is not None else "?"
    return f"{state} (list {age} old): {value} in {check.list_uri}"


def _trust_line(held: Held, now: dt.datetime) -> str:
    if not isinstance(held.trust, TrustList):
        return "none (bare public keys given with --trust)"
    trust = held.trust
    return f"sequence {trust.sequence}, {lifetime(trust.issued_at, trust.expires_at, now)}"


def _credential_lines(result: Verification, cred: Credential, held: Held | None) -> list[tuple[str, str]]:
    bg = cred.background_check
    rows = [
        ("Name", cred.name),
        ("ID number", _id_line(cred, result.id_match)),
        ("Card number", cred.card_no),
        ("Enterprise", _enterprise_line(cred, held)),
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
    """The human summary: a coloured headline, issuer, credential, status, reasons (spec §10)."""
    head = f"{result.color.value.upper()}: {_HEADLINE[result.color]}"
    cred = result.credential
    if cred is None:  # nothing authentic to show: one line
        say(f"{head}: {', '.join(result.reasons)}: {result.detail}", fg=COLOR_STYLE[result.color], bold=True)
        return
    kid = result.kid.hex() if result.kid else "?"
    say(f"{head} (issuer kid {kid})", fg=COLOR_STYLE[result.color], bold=True)
    rows = [("Issuer", _issuer_line(result)), *_credential_lines(result, cred, held)]
    rows.append(("Status", _status_line(result.status, cred)))
    if held is not None and now is not None:
        rows.append(("Trust list", _trust_line(held, now)))
    if result.reasons:
        rows += [("Reasons", ", ".join(result.reasons)), ("Detail", result.detail)]
    for label, value in rows:
        say(f"  {label:<13} {value}")


def _seconds(delta: dt.timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds())


def verification_json(
    result: Verification, held: Held | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    check, cred = result.status, result.credential
    found = _enterprise(cred, held) if cred is not None else None
    trust = held.trust if held is not None else None
    return {
        "color": result.color.value,
        "reasons": [r.value for r in result.reasons],
        "kid": result.kid.hex() if result.kid is not None else None,
        "credential": credential_as_dict(cred) if cred is not None else None,
        "id_match": result.id_match,
        "detail": result.detail,
        "issuer": None if result.issuer is None else {"id": result.issuer.id, "name": result.issuer.name},
        "status": {
            "state": check.state.value,
            "value": None if check.value is None else STATUS_WORDS[check.value],
            "list": check.list_uri,
            "age_seconds": _seconds(check.age),
        },
        "enterprise": None
        if found is None
        else {"uscc": found.uscc, "name": found.name, "district": found.district},
        "trust": None
        if not isinstance(trust, TrustList) or now is None
        else {"sequence": trust.sequence, "age_seconds": _seconds(now - trust.issued_at)},
    }


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
