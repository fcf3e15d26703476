"""Regenerate the DEMO documents in keys/: trust list, status list 0 and enterprise directory.

    python examples/make_demo_documents.py            # rewrite keys/demo-*.cwt
    python examples/make_demo_documents.py --check    # exit 1 if keys/ is not what this makes
    python examples/make_demo_documents.py --out-dir DIR

The documents are signed with the demo keys in keys/ (their private halves are
public knowledge: DEMO ONLY), at the fixed instant ``_demo.DOCUMENTS_ISSUED_AT``
(2026-01-01 00:00 CST), and are valid for ten years (to 2036-01-01) so that ``anxinma demo``
keeps working; real trust and status lists live for days (spec §15).  Ed25519
signatures are deterministic (RFC 8032), so a run over unchanged inputs
reproduces the bundled files byte for byte.

- demo-trust.cwt: signed by the demo root; one issuer, ``nb-demo``
  (宁波市家政服务指导中心 (DEMO), regions 3302), with the demo issuer key,
  active from the issuing instant; sequence 1.
- demo-status-0.cwt: signed by the demo issuer key; ``nb-demo``'s list 0 with
  131072 entries, ALL VALID (the demo code points at entry
  ``_demo.STATUS_REF.index``).
- demo-directory.cwt: signed by the demo root; the enterprises of
  examples/enterprises.tsv (real Ningbo enterprise names, SYNTHETIC USCCs),
  the duplicate row kept once; sequence 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import anxinma
from anxinma import _demo
from anxinma.cli import enterprises_from_tsv
from anxinma.keys import raw_public_key
from anxinma.status import MIN_SIZE

REPO = Path(__file__).resolve().parents[1]
ENTERPRISES = REPO / "examples" / "enterprises.tsv"
KEYS = REPO / "keys"


def documents() -> dict[str, bytes]:
    """File name -> signed document."""
    issued = _demo.DOCUMENTS_ISSUED_AT
    expires = _demo.DOCUMENTS_EXPIRE_AT
    # The root private key is in the repository's keys/, never in the wheel (read it from there).
    root = anxinma.load_private_key((KEYS / _demo.ROOT_PRIVATE_KEY_FILE).read_bytes())
    issuer_key = anxinma.IssuerKey(public_key=raw_public_key(_demo.public_key()), valid_from=issued)
    issuer = anxinma.TrustedIssuer(
        id=_demo.ISSUER_ID, name=_demo.ISSUER_NAME, regions=_demo.ISSUER_REGIONS, keys=(issuer_key,)
    )
    trust = anxinma.TrustList(sequence=1, issued_at=issued, expires_at=expires, issuers=(issuer,))
    status = anxinma.StatusListToken(
        issuer_id=_demo.ISSUER_ID,
        list_id=_demo.STATUS_REF.list_id,
        issued_at=issued,
        expires_at=expires,
        statuses=anxinma.StatusList(MIN_SIZE),
    )
    enterprises, _ = enterprises_from_tsv(ENTERPRISES.read_text("utf-8"), source=str(ENTERPRISES))
    directory = anxinma.Directory(
        sequence=1, issued_at=issued, expires_at=expires, enterprises=tuple(enterprises)
    )
    return {
        _demo.TRUST_FILE: trust.sign(root),
        _demo.STATUS_FILE: status.sign(_demo.private_key()),
        _demo.DIRECTORY_FILE: directory.sign(root),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=KEYS, help="where to write (default: keys/)")
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for name, data in documents().items():
        path = args.out_dir / name
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
            continue
        path.write_bytes(data)
        print(f"wrote {path} ({len(data)} bytes)")
    if stale:
        print(f"out of date in {args.out_dir}: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
