"""``anxinma verify``: load what the verifier holds, verify the code, show the verdict (spec §10).

The whole walk: :func:`~anxinma.cli.documents.held_for` (trust list or keys,
status lists, directory; or the bundled DEMO documents with ``--demo``), :func:`anxinma.verify`, then
:func:`~anxinma.cli.show.print_verification` or ``--json``; the exit status
follows the colour.  ``--image`` hands a photo to
:func:`~anxinma.cli.scan.verify_photo`.
"""

from __future__ import annotations

import datetime as dt

import click

from .. import gbcodes
from ..idcheck import normalize_id_number
from ..verify import Color, Policy, verify
from .common import COLOR_EXIT, MAX_STATUS_AGE_OPTION, NOW_HELP, STALE_OPTION, CliError, clock, parse_time
from .documents import held_for
from .files import read_code
from .scan import verify_photo
from .show import echo_json, print_verification, verification_json

__all__ = ["verify_command"]


@click.command("verify")
@click.argument("code", metavar="CODE|-")
@click.option(
    "--trust",
    "trust_paths",
    multiple=True,
    metavar="TRUST.cwt|PUB.pem",
    help="A root-signed trust list (needs --root), or, for quick tests, a trusted issuer public key "
    "(repeat for several). A .cwt file or COSE content is a trust list; anything else a PEM key.",
)
@click.option(
    "--root",
    "root_paths",
    multiple=True,
    metavar="ROOT.pub.pem",
    help="The pinned root public key that signs the trust list and the directory; repeat for several.",
)
@click.option(
    "--status",
    "status_paths",
    multiple=True,
    metavar="STATUS.cwt",
    help="A status list of an issuer (checked against the trust list); repeat for several.",
)
@click.option(
    "--directory", "directory_path", metavar="DIR.cwt", help="The root-signed enterprise directory."
)
@click.option(
    "--trust-min-sequence",
    "min_sequence",
    type=click.IntRange(0),
    metavar="N",
    help="Refuse a trust list older than sequence N (the newest one seen: no rollback).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Verify against the bundled DEMO root, trust list, status list and directory, as 'anxinma demo' "
    "does (demonstrations only; the demo status list counts as fresh until it expires).",
)
@MAX_STATUS_AGE_OPTION
@STALE_OPTION
@click.option("--now", metavar="ISO8601", callback=parse_time, help=NOW_HELP)
@click.option(
    "--id-number", metavar="ID", help="The number on the worker's ID card, to check against the code."
)
@click.option(
    "--image",
    "is_image",
    is_flag=True,
    help="CODE is a photo or image file (JPEG, PNG, WEBP...; - for stdin): verify every QR code in it "
    "(needs the extra anxinma[scan]; with --json, one object: image, codes [...]).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object instead of a summary: color, reasons, kid, credential, id_match, detail, "
    "issuer {id, name}, status {state, value, list, age_seconds}, enterprise {uscc, name, district}, "
    "trust {sequence, age_seconds}.",
)
@click.pass_context
def verify_command(
    ctx: click.Context,
    code: str,
    trust_paths: tuple[str, ...],
    root_paths: tuple[str, ...],
    status_paths: tuple[str, ...],
    directory_path: str | None,
    min_sequence: int | None,
    demo: bool,
    max_status_age: float,
    stale: str,
    now: dt.datetime | None,
    id_number: str | None,
    is_image: bool,
    as_json: bool,
) -> None:
    """Verify a code offline (CODE, or - to read it from stdin) and show the verdict.

    A field verifier holds the root public key (--root), the root-signed trust
    list (--trust), its issuers' status lists (--status) and the enterprise
    directory (--directory).  A trust list, status list or directory that fails
    to load stops with exit 2, naming the file and the reason (e.g. rollback,
    wrong_issuer, expired).

    Exit status: 0 green, 3 yellow, 1 red, 2 usage error or a document refused.

    \b
    Examples:
      anxinma verify 'AXM1:...' --trust trust.cwt --root root.pub.pem --status status-0.cwt
      anxinma verify - --trust nb.pub.pem < code.txt
      anxinma verify --demo 'AXM1:...'        # a code from 'anxinma demo'
    """
    if id_number is not None:
        problem = gbcodes.id_number_problem(normalize_id_number(id_number))
        if problem is not None:
            raise CliError("--id-number", problem)
    moment = now or clock()
    policy = Policy(max_status_age=dt.timedelta(hours=max_status_age), stale_status_color=Color(stale))
    held, policy = held_for(
        demo, trust_paths, root_paths, status_paths, directory_path, now=moment, min_sequence=min_sequence,
        policy=policy,
    )  # fmt: skip
    if is_image:
        ctx.exit(verify_photo(code, held, now=moment, policy=policy, id_number=id_number, as_json=as_json))
    text = read_code(code)
    result = verify(text, held.trust, now=moment, status=held.status, id_number=id_number, policy=policy)
    if as_json:
        echo_json(verification_json(result, held, moment))
    else:
        print_verification(result, held, moment)
    ctx.exit(COLOR_EXIT[result.color])
