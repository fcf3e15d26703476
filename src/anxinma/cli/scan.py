"""Codes from photos on the command line: ``anxinma scan PHOTO...`` and ``verify --image``.

``scan`` finds every QR symbol in each photo (JPEG, PNG, WEBP, BMP, GIF,
TIFF; ``-`` reads standard input) and verifies each one against what a field
verifier holds: the same ``--trust``/``--root``/``--status``/``--directory``
options as ``anxinma verify``, or ``--demo`` for the bundled DEMO documents.
:func:`verify_photo` is the same for one photo, behind ``verify --image``.

Failures are reported as one line by :mod:`anxinma.cli`
(:class:`~anxinma.cli.common.CliError`).
Reading images needs the extra ``anxinma[scan]`` (zxing-cpp, Pillow); without
it the command says how to install it and exits 2.

Exit status over all photos: 0 when every symbol is green, 3 when the worst
is yellow, 1 when any is red, including a QR symbol that is not an anxinma
code and a photo with no QR symbol at all; 2 for a usage error, a trust list
that fails to load or a file that is not a readable image (a status list or
directory that fails to load is reported and left out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import click

from ..scan import (
    MAX_IMAGE_BYTES,
    ImageError,
    ScanResult,
    ScanUnavailableError,
    ensure_available,
    verify_image,
)
from ..verify import Color, Policy, Reason
from .common import COLOR_EXIT, CliError, clock, say
from .documents import Held, Sources, held_for
from .files import read_bytes
from .show import COLOR_STYLE, echo_json, print_verification, verification_json
from .verifier import verifier_options

__all__ = ["scan_command", "verify_photo"]

_SEVERITY = (Color.GREEN, Color.YELLOW, Color.RED)
_NOT_A_CODE = frozenset({Reason.MALFORMED, Reason.UNSUPPORTED_VERSION})
_SHOWN_TEXT = 80


def _available(where: str) -> None:
    try:
        ensure_available()
    except ScanUnavailableError as exc:
        raise CliError(where, str(exc)) from None


def _results(
    path: str, held: Held, *, now: dt.datetime, policy: Policy, id_number: str | None
) -> list[ScanResult]:
    """Every QR symbol in the photo at ``path`` with its verdict; an unreadable image exits 2."""
    data = read_bytes(path, limit=MAX_IMAGE_BYTES, what="photo")
    try:
        return verify_image(
            data,
            held.trust,
            now=now,
            status=held.status,
            directory=held.directory,
            id_number=id_number,
            policy=policy,
        )
    except ImageError as exc:
        raise CliError(path, str(exc)) from None


def _worst(results: Sequence[ScanResult]) -> Color:
    """The worst colour of a photo's symbols; red when there is none (nothing was verified)."""
    if not results:
        return Color.RED
    return max((r.color for r in results), key=_SEVERITY.index)


def _text_note(result: ScanResult) -> str | None:
    """For a symbol whose text could not be read as a code: the text, and whether it is one at all."""
    v = result.verification
    if v.credential is not None or not v.reasons or v.reasons[0] not in _NOT_A_CODE:
        return None
    kind = "an anxinma code it cannot read" if result.text.startswith("AXM") else "not an anxinma code"
    return f"{_shown(result.text)}: {kind}"


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN_TEXT else text[: _SHOWN_TEXT - 3] + "...")


def _print_photo(path: str, results: Sequence[ScanResult], held: Held, now: dt.datetime) -> None:
    if not results:
        say(f"{path}: no QR code found: RED, nothing verified", fg=COLOR_STYLE[Color.RED], bold=True)
        return
    for n, result in enumerate(results, 1):
        (x, y) = result.position[0]
        say(f"{path}: QR code {n} of {len(results)}, top-left corner at pixel ({x}, {y})")
        print_verification(result.verification, held, now)
        note = _text_note(result)
        if note is not None:
            say(f"  {'Text':<13} {note}")


def _photo_json(path: str, results: Sequence[ScanResult], held: Held, now: dt.datetime) -> dict[str, Any]:
    """``{"image": path, "codes": [{"text", "position", ...verify --json fields}]}``."""
    return {
        "image": path,
        "codes": [
            {"text": r.text, "position": [list(p) for p in r.position]}
            | verification_json(r.verification, held, now)
            for r in results
        ],
    }


def verify_photo(
    path: str,
    held: Held,
    *,
    now: dt.datetime,
    policy: Policy,
    id_number: str | None = None,
    as_json: bool = False,
) -> int:
    """``verify --image``: verify every QR code in the photo at ``path``, print, return the exit status."""
    _available("--image")
    results = _results(path, held, now=now, policy=policy, id_number=id_number)
    if as_json:
        echo_json(_photo_json(path, results, held, now))
    else:
        _print_photo(path, results, held, now)
    return COLOR_EXIT[_worst(results)]


@click.command("scan")
@click.argument("photos", nargs=-1, required=True, metavar="PHOTO...")
@verifier_options
@click.option(
    "--demo",
    is_flag=True,
    help="Verify against the bundled DEMO root, trust list, status list and directory (demonstrations only; "
    "the demo status list counts as fresh until it expires).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON array, one object per photo: image, codes [{text, position, and the fields of "
    "'verify --json'}].",
)
@click.pass_context
def scan_command(
    ctx: click.Context,
    photos: tuple[str, ...],
    sources: Sources,
    policy: Policy,
    demo: bool,
    now: dt.datetime | None,
    id_number: str | None,
    as_json: bool,
) -> None:
    """Verify every QR code in each photo (JPEG, PNG, WEBP...; - for stdin) and show the verdicts.

    Each photo may hold several codes; each is verified as 'anxinma verify'
    would.  A QR code that is not an anxinma code, and a photo with no QR
    code, are red.  A status list or directory that fails to load is reported
    and left out, as in 'anxinma verify'.  Needs the extra anxinma[scan]
    (zxing-cpp and Pillow).

    Exit status: 0 all green, 3 worst yellow, 1 any red or a photo without a
    code, 2 usage error, the trust list refused or a file that is not an image.

    \b
    Examples:
      anxinma scan door.jpg --trust trust.cwt --root root.pub.pem --status status-0.cwt
      anxinma scan photo.jpg --demo
    """
    _available("scan")
    if photos.count("-") > 1:
        raise CliError("PHOTO", "standard input (-) can be read once")
    moment = now or clock()
    held, policy = held_for(demo, sources, now=moment, policy=policy)
    found = [(p, _results(p, held, now=moment, policy=policy, id_number=id_number)) for p in photos]
    if as_json:
        echo_json([_photo_json(p, results, held, moment) for p, results in found])
    else:
        for path, results in found:
            _print_photo(path, results, held, moment)
    ctx.exit(COLOR_EXIT[max((_worst(r) for _, r in found), key=_SEVERITY.index)])
