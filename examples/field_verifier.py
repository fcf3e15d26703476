"""A minimal offline field verifier: a starting point for a device vendor.

    python examples/field_verifier.py PHOTO.jpg 'AXM1:...'      # each argument: an image file or a code
    scanner-tool | python examples/field_verifier.py            # or one code or image path per line on stdin
    python examples/field_verifier.py --root root.pub.pem --trust trust.cwt \\
        --status status-0.cwt --directory directory.cwt PHOTO.jpg

What a verifier at the door holds, loaded ONCE at start (spec §15): the pinned
root public key, the root-signed trust list, the issuers' status lists and the
enterprise directory.  Without options these are the bundled DEMO documents
(anyone can forge codes with the DEMO keys: for demonstrations only; the demo
status list then counts as fresh until it expires, as in ``anxinma demo``).
After that nothing is read from the network, ever: each code is checked
against what was loaded, with the device's clock.

For each code the verifier prints the colour (green / yellow / red), and for an
authentic code the worker summary a family needs at the door: name, card
number, enterprise, services, the issuer and whether revocation was checked.
The exit status is that of the worst verdict: 0 green, 3 yellow, 1 red.

It imports only ``anxinma`` (the lean verify path: no segno, click, sqlite3).
Images need the extra ``anxinma[scan]`` (zxing-cpp, Pillow), imported only
when the first image arrives; a device that gets text from its own scanner
never loads them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import anxinma
from anxinma import _demo

EXIT = {anxinma.Color.GREEN: 0, anxinma.Color.YELLOW: 3, anxinma.Color.RED: 1}
SEVERITY = (anxinma.Color.GREEN, anxinma.Color.YELLOW, anxinma.Color.RED)


@dataclass(frozen=True)
class Held:
    """What the verifier loaded at start."""

    trust: anxinma.TrustList
    status: tuple[anxinma.StatusListToken, ...]
    directory: anxinma.Directory | None
    policy: anxinma.Policy


def load(args: argparse.Namespace, now: dt.datetime) -> Held:
    """Load and check the documents once: a document that fails to load stops the verifier."""
    if args.trust is None:
        roots = [_demo.root_public_key()]
        trust = anxinma.TrustList.load(_demo.trust_document(), roots, now=now)
        token = anxinma.StatusListToken.load(_demo.status_document(), trust, now=now)
        demo_directory = anxinma.Directory.load(_demo.directory_document(), roots, now=now)
        policy = anxinma.Policy(max_status_age=token.expires_at - token.issued_at)
        print("DEMO documents: never trust their verdicts outside a demonstration", file=sys.stderr)
        return Held(trust, (token,), demo_directory, policy)
    roots = [anxinma.load_public_key(Path(p).read_bytes()) for p in args.root]
    trust = anxinma.TrustList.load(Path(args.trust).read_bytes(), roots, now=now)
    tokens = tuple(anxinma.StatusListToken.load(Path(p).read_bytes(), trust, now=now) for p in args.status)
    directory = (
        anxinma.Directory.load(Path(args.directory).read_bytes(), roots, now=now) if args.directory else None
    )
    return Held(trust, tokens, directory, anxinma.Policy())


def verdicts(item: str, held: Held, now: dt.datetime) -> list[tuple[str, anxinma.Verification | None]]:
    """An image file: each QR code in it (none: ``[(item, None)]``); anything else: a code's text."""
    if not Path(item).is_file():
        shown = item if len(item) <= 32 else item[:29] + "..."
        return [(shown, anxinma.verify(item, held.trust, now=now, status=held.status, policy=held.policy))]
    from anxinma import scan  # noqa: PLC0415  (only now: images need zxing-cpp and Pillow)

    data = Path(item).read_bytes()
    results = scan.verify_image(data, held.trust, now=now, status=held.status, policy=held.policy)
    return [(f"{item} #{n}", r.verification) for n, r in enumerate(results, 1)] or [(item, None)]


def summary(where: str, result: anxinma.Verification | None, held: Held) -> list[str]:
    """The lines shown for one code: colour first, then who the worker is."""
    if result is None:
        return [f"RED     {where}: no QR code found"]
    lines = [f"{result.color.value.upper():<7} {where}"]
    cred = result.credential
    if cred is None:
        return [*lines, f"        {', '.join(result.reasons)}: {result.detail}"]
    found = held.directory.find(cred.enterprise_uscc) if held.directory else None
    services = " ".join(s.label_zh for s in anxinma.Service if s in cred.services)
    lines += [
        f"        {cred.name}  card {cred.card_no}  services {services}",
        f"        enterprise {found.label if found else 'USCC ' + cred.enterprise_uscc}",
        f"        issuer {result.issuer.name if result.issuer else '?'}",
        f"        revocation {result.status.state.value.replace('_', ' ')}",
    ]
    if result.reasons:
        lines.append(f"        {', '.join(result.reasons)}: {result.detail}")
    return lines


def items(args: argparse.Namespace) -> Iterator[str]:
    """The arguments, or else standard input, a line at a time (line endings removed, blanks skipped)."""
    source: Iterable[str] = args.items or sys.stdin
    for line in source:
        item = line.rstrip("\r\n")
        if item:
            yield item


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify anxinma codes offline, from images or text.")
    parser.add_argument("items", nargs="*", metavar="PHOTO|CODE", help="image files or code texts [stdin]")
    parser.add_argument("--root", action="append", default=[], metavar="ROOT.pub.pem", help="pinned root key")
    parser.add_argument("--trust", metavar="TRUST.cwt", help="root-signed trust list [bundled DEMO]")
    parser.add_argument("--status", action="append", default=[], metavar="STATUS.cwt", help="status list")
    parser.add_argument("--directory", metavar="DIRECTORY.cwt", help="root-signed enterprise directory")
    parser.add_argument("--now", type=dt.datetime.fromisoformat, help="ISO 8601 time with offset [clock]")
    args = parser.parse_args(argv)
    if args.now is not None and args.now.tzinfo is None:
        parser.error("--now needs a UTC offset, e.g. 2026-11-27T10:30:00+08:00")
    if args.trust is None and (args.root or args.status or args.directory):
        parser.error("--root, --status and --directory go with --trust")
    now = args.now or dt.datetime.now(dt.UTC)
    try:
        held = load(args, now)
    except (OSError, anxinma.AnxinmaError) as exc:
        print(f"field_verifier: cannot load the documents: {exc}", file=sys.stderr)
        return 2
    worst = anxinma.Color.GREEN
    for item in items(args):
        try:
            found = verdicts(item, held, now)
        except anxinma.AnxinmaError as exc:  # not an image, or the scan extra is missing
            print(f"RED     {item}: {exc}")
            found, worst = [], anxinma.Color.RED
        for where, result in found:
            print("\n".join(summary(where, result, held)), flush=True)
            color = result.color if result is not None else anxinma.Color.RED
            worst = max(worst, color, key=SEVERITY.index)
    return EXIT[worst]


if __name__ == "__main__":
    sys.exit(main())
