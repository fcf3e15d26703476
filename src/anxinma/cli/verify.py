"""``anxinma verify``: load what the verifier holds, verify the code, show the verdict (spec §10).

The whole walk: :func:`~anxinma.cli.documents.held_for` (with
:func:`~anxinma.cli.documents.load_held`: trust list or keys, status lists,
directory, against the ``--state`` file; or the bundled DEMO documents with
``--demo``), :func:`anxinma.verify`,
then :func:`~anxinma.cli.show.print_verification` or ``--json``; the exit
status follows the colour.  ``--image`` hands a photo to
:func:`~anxinma.cli.scan.verify_photo`.  The options it shares with ``scan``
are defined once, in :mod:`~anxinma.cli.verifier`.
"""

from __future__ import annotations

import datetime as dt

import click

from ..verify import Policy
from .common import COLOR_EXIT, clock
from .documents import Sources, held_for
from .files import read_code
from .show import echo_json, print_verification, verification_json
from .verifier import verifier_options

__all__ = ["verify_command"]


@click.command("verify")
@click.argument("code", metavar="CODE|-")
@verifier_options
@click.option(
    "--demo",
    is_flag=True,
    help="Verify against the bundled DEMO root, trust list, status list and directory, as 'anxinma demo' "
    "does (demonstrations only; the demo status list counts as fresh until it expires).",
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
    help="Print one JSON object instead of a summary (spec §14.2): color, reasons, kid, id_match, detail, "
    "issuer {id, name}, status {state, value, list, age_seconds}, credential, enterprise {uscc, name, "
    "district}, trust {sequence, age_seconds}, documents [{file, kind, loaded, reason}].",
)
@click.pass_context
def verify_command(
    ctx: click.Context,
    code: str,
    sources: Sources,
    policy: Policy,
    demo: bool,
    now: dt.datetime | None,
    id_number: str | None,
    is_image: bool,
    as_json: bool,
) -> None:
    """Verify a code offline (CODE, or - to read it from stdin) and show the verdict.

    A field verifier holds the root public key (--root), the root-signed trust
    list (--trust), its issuers' status lists (--status) and the enterprise
    directory (--directory), and remembers the newest of each it loaded
    (--state), so that an older one is refused as rollback.

    A trust list that fails to load stops with exit 2, naming the file and the
    reason (e.g. rollback, expired): nothing can be judged without it.  A status
    list or directory that fails to load (too large, forged, rolled back...)
    is reported (Refused; in --json, documents) and the code is judged without
    it; a path that cannot be read at all is exit 2.  A code with a status entry
    is then status_not_checked (yellow, or --unchecked red), a code of a
    compromised key red key_compromised.  The output says when revocation was
    not checked, and why.

    Exit status: 0 green, 3 yellow, 1 red, 2 usage error or the trust list refused.

    \b
    Examples:
      anxinma verify 'AXM1:...' --trust trust.cwt --root root.pub.pem --status status-0.cwt
      anxinma verify - --trust nb.pub.pem < code.txt
      anxinma verify --demo 'AXM1:...'        # a code from 'anxinma demo'
    """
    moment = now or clock()
    held, policy = held_for(demo, sources, now=moment, policy=policy)
    if is_image:
        from .scan import verify_photo  # noqa: PLC0415  (--image only: cold start of verify)

        ctx.exit(verify_photo(code, held, now=moment, policy=policy, id_number=id_number, as_json=as_json))
    text = read_code(code)
    result = held.verify(text, now=moment, policy=policy, id_number=id_number)
    if as_json:
        echo_json(verification_json(result, held, moment))
    else:
        print_verification(result, held, moment)
    ctx.exit(COLOR_EXIT[result.color])
