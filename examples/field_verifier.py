"""A minimal offline field verifier: a starting point for a device vendor.

    python examples/field_verifier.py PHOTO.jpg 'AXM1:...'      # each argument: an image file or a code
    scanner-tool | python examples/field_verifier.py            # or one code or image path per line on stdin
    python examples/field_verifier.py --root root.pub.pem --trust trust.cwt \\
        --status status-0.cwt --directory directory.cwt --state state.json PHOTO.jpg

What a verifier at the door holds, loaded ONCE at start (spec §15): the pinned
root public key, the root-signed trust list, the issuers' status lists and the
enterprise directory.  Without options these are the bundled DEMO documents
(anyone can forge codes with the DEMO keys: for demonstrations only; the demo
status list then counts as fresh until it expires, as in ``anxinma demo``).
After that nothing is read from the network, ever: each code is checked
against what was loaded, with the device's clock.

A trust list that fails to load stops the verifier (exit 2).  A status list or
directory that fails to load is reported on standard error and left out: the
codes are judged without it (a code with a status entry is then
``status_not_checked``, yellow; a code of a compromised key stays red).  With
``--state FILE`` the device remembers the newest documents it loaded
(:class:`anxinma.VerifierState`, spec §15.7) and refuses older ones as
``rollback``: a real device keeps that file across runs.

For each code the verifier prints the colour (green / yellow / red), and for an
authentic code the worker summary a family needs at the door: name, card
number, enterprise (or that it is not in the directory), services, the issuer
and whether revocation was checked.  The exit status is that of the worst
verdict: 0 green, 3 yellow, 1 red.

It imports only ``anxinma`` (the lean verify path: no segno, click, sqlite3).
Images need the extra ``anxinma[scan]`` (zxing-cpp, Pillow), imported only
when the first image arrives; a device that gets text from its own scanner
never loads them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import anxinma
from anxinma import _demo

EXIT = {anxinma.Color.GREEN: 0, anxinma.Color.YELLOW: 3, anxinma.Color.RED: 1}
SEVERITY = (anxinma.Color.GREEN, anxinma.Color.YELLOW, anxinma.Color.RED)
T = TypeVar("T")


@dataclass(frozen=True)
class Held:
    """What the verifier loaded at start."""

    trust: anxinma.TrustList
    status: tuple[anxinma.StatusListToken, ...]
    directory: anxinma.Directory | None
    policy: anxinma.Policy


def read_state(path: str | None) -> anxinma.VerifierState | None:
    """The state file's content; the empty state on first use."""
    if path is None:
        return None
    if not Path(path).exists():
        return anxinma.VerifierState()
    return anxinma.VerifierState.from_json(Path(path).read_bytes())


def save_state(path: str, state: anxinma.VerifierState) -> None:
    """Write the state atomically: a complete temporary file renamed over the old one."""
    temporary = Path(f"{path}.tmp")
    temporary.write_bytes(state.to_json())
    os.replace(temporary, path)


def optional(path: str, load: Callable[[bytes], T]) -> T | None:
    """A status list or directory: loaded, or reported on stderr and left out (spec §10)."""
    try:
        return load(Path(path).read_bytes())
    except anxinma.DocumentError as exc:
        print(f"field_verifier: {path} refused, left out: {exc}", file=sys.stderr)
        return None


def load(args: argparse.Namespace, now: dt.datetime) -> Held:
    """Load and check the documents once: a trust list that fails to load stops the verifier."""
    if args.trust is None:
        roots = [_demo.root_public_key()]
        trust = anxinma.TrustList.load(_demo.trust_document(), roots, now=now)
        token = anxinma.StatusListToken.load(_demo.status_document(), trust, now=now)
        demo_directory = anxinma.Directory.load(_demo.directory_document(), roots, now=now)
        policy = anxinma.Policy(max_status_age=token.expires_at - token.issued_at)
        print("DEMO documents: never trust their verdicts outside a demonstration", file=sys.stderr)
        return Held(trust, (token,), demo_directory, policy)
    state = read_state(args.state)
    roots = [anxinma.load_public_key(Path(p).read_bytes()) for p in args.root]
    trust = anxinma.TrustList.load(Path(args.trust).read_bytes(), roots, now=now, state=state)
    load_status = functools.partial(anxinma.StatusListToken.load, trust=trust, now=now, state=state)
    found = [optional(p, load_status) for p in args.status]
    tokens = tuple(t for t in found if t is not None)
    directory = None
    if args.directory:
        load_directory = functools.partial(anxinma.Directory.load, roots=roots, now=now, state=state)
        directory = optional(args.directory, load_directory)
    if state is not None:
        loaded = [d for d in (trust, *tokens, directory) if d is not None]
        save_state(args.state, state.remember(*loaded))
    return Held(trust, tokens, directory, anxinma.Policy())


def verdicts(item: str, held: Held, now: dt.datetime) -> list[tuple[str, anxinma.Verification | None]]:
    """An image file: each QR code in it (none: ``[(item, None)]``); anything else: a code's text."""
    if not Path(item).is_file():
        shown = item if len(item) <= 32 else item[:29] + "..."
        found = anxinma.verify(
            item, held.trust, now=now, status=held.status, directory=held.directory, policy=held.policy
        )
        return [(shown, found)]
    from anxinma import scan  # noqa: PLC0415  (only now: images need zxing-cpp and Pillow)

    data = Path(item).read_bytes()
    results = scan.verify_image(
        data, held.trust, now=now, status=held.status, directory=held.directory, policy=held.policy
    )
    return [(f"{item} #{n}", r.verification) for n, r in enumerate(results, 1)] or [(item, None)]


def summary(where: str, result: anxinma.Verification | None, held: Held) -> list[str]:
    """The lines shown for one code: colour first, then who the worker is."""
    if result is None:
        return [f"RED     {where}: no QR code found"]
    lines = [f"{result.color.value.upper():<7} {where}"]
    cred = result.credential
    if cred is None:
        return [*lines, f"        {', '.join(result.reasons)}: {result.detail}"]
    services = " ".join(s.label_zh for s in anxinma.Service if s in cred.services)
    lines += [
        f"        {cred.name}  card {cred.card_no}  services {services}",
        f"        enterprise {enterprise(result, cred, held)}",
        f"        issuer {result.issuer.name if result.issuer else '?'}",
        f"        revocation {revocation(result, cred)}",
    ]
    if result.reasons:
        lines.append(f"        {', '.join(result.reasons)}: {result.detail}")
    return lines


def enterprise(result: anxinma.Verification, cred: anxinma.Credential, held: Held) -> str:
    """The enterprise as the directory names it, or why not."""
    if result.enterprise is not None:
        return result.enterprise.label
    if held.directory is not None:
        return f"USCC {cred.enterprise_uscc} NOT in the directory"
    return f"USCC {cred.enterprise_uscc} (no directory: not checked)"


def revocation(result: anxinma.Verification, cred: anxinma.Credential) -> str:
    """Whether revocation was checked: checked, stale, NOT CHECKED, or no status entry to check."""
    if cred.status is None:
        return "none (this code has no status entry)"
    if result.status.state is anxinma.StatusState.NOT_CHECKED:
        return "NOT CHECKED (no status list of this issuer loaded): the card may have been revoked"
    return result.status.state.value


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
    parser.add_argument("--state", metavar="FILE", help="remember the newest documents; refuse older ones")
    parser.add_argument("--now", type=dt.datetime.fromisoformat, help="ISO 8601 time with offset [clock]")
    args = parser.parse_args(argv)
    if args.now is not None and args.now.tzinfo is None:
        parser.error("--now needs a UTC offset, e.g. 2026-11-27T10:30:00+08:00")
    if args.trust is None and (args.root or args.status or args.directory or args.state):
        parser.error("--root, --status, --directory and --state go with --trust")
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
