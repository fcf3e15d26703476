"""``anxinma demo``: issue, show, save and verify a code on the bundled DEMO keys."""

from __future__ import annotations

from pathlib import Path

import click

from .. import _demo
from ..issue import Issuer
from ..keys import kid_of
from ..model import CST
from ..qr import make_qr
from ..record import parse_worker
from ..status import StatusListToken
from ..verify import DEFAULT_POLICY, Policy
from .common import COLOR_EXIT, clock, say
from .documents import demo_held
from .files import make_dir
from .show import QUIET_ZONE, SVG_SCALE, print_verification, qr_summary, save_qr, terminal_qr, when

__all__ = ["demo_command"]

_DEMO_SVG = "anxinma-demo.svg"


def _demo_status_note(token: StatusListToken) -> str:
    """Why the demo's ten-year status list counts as fresh (a field verifier's would not)."""
    signed, until = (t.astimezone(CST).date() for t in (token.issued_at, token.expires_at))
    hours = DEFAULT_POLICY.max_status_age.total_seconds() / 3600
    return (
        "Verified offline against the bundled DEMO root key, trust list, status list and enterprise "
        f"directory, at the current time. The demo status list was signed {signed} and is valid until "
        f"{until}: the demo counts it fresh until then, where a field verifier wants one younger than "
        f"{hours:g} hours (verify --max-status-age)."
    )


@click.command("demo")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help=f"Where to save {_DEMO_SVG}.",
)
@click.pass_context
def demo_command(ctx: click.Context, out_dir: Path) -> None:
    """Issue, show, save and verify a code for the reference worker, on the bundled DEMO keys.

    The code is verified as a field verifier would: against the bundled DEMO
    root key, trust list (issuer nb-demo), status list 0 and enterprise
    directory.  The health exam and insurance dates of the reference record are
    moved to today + 300 and today + 365 days, so the demo is green whenever it
    runs.

    \b
    Example:
      anxinma demo --out-dir /tmp
      anxinma verify --demo "$(anxinma demo --out-dir /tmp | grep '^AXM1:')"
    """
    now = clock()
    held = demo_held(now)
    worker = parse_worker(_demo.demo_record(now.astimezone(CST).date()))
    issuer = Issuer(_demo.private_key())
    say(
        f"DEMO KEYS (issuer kid {issuer.kid.hex()}, root kid {kid_of(_demo.root_public_key()).hex()}): "
        "these private keys are public (they ship with anxinma), so anyone can forge codes and trust "
        "lists with them. "
        "Never trust the demo keys outside this demo.",
        fg="yellow",
        bold=True,
    )
    text = issuer.issue(worker, now=now, status=_demo.STATUS_REF)
    say(
        f"Issued at {when(now.replace(microsecond=0))} for the reference worker {worker.name}; its health "
        f"exam (until {worker.health_exam_valid_until}) and insurance (until {worker.insurance_valid_until}) "
        f"are set {_demo.HEALTH_EXAM_DAYS} and {_demo.INSURANCE_DAYS} days ahead of today for the demo; "
        f"it points at entry {_demo.STATUS_REF.index} of status list {_demo.STATUS_REF.list_id}."
    )
    say(f"Code ({len(text)} characters):")
    click.echo(text)
    qr = make_qr(text)
    terminal_qr(qr, border=QUIET_ZONE)
    make_dir(out_dir)
    svg = out_dir / _DEMO_SVG
    save_qr(qr, svg, kind="svg", scale=SVG_SCALE, border=QUIET_ZONE, mode=0o600)  # as render writes it
    say(f"{qr_summary(qr)}; saved as SVG to {svg.resolve()}")
    token = held.status[0]
    say(_demo_status_note(token))
    policy = Policy(max_status_age=token.expires_at - token.issued_at)
    result = held.verify(text, now=clock(), policy=policy)
    print_verification(result, held, now)
    ctx.exit(COLOR_EXIT[result.color])
