"""Write the visit-record test vectors (spec/visit-v1.md §9): ``spec/vectors/visit.json``.

Run from the repository root::

    python spec/vectors/generate_visit.py            # rewrite visit.json beside this script
    python spec/vectors/generate_visit.py --out DIR  # write it somewhere else
    python spec/vectors/generate_visit.py --check    # exit 1 if the file on disk differs

Deterministic: fixed clock readings, device keys and record ids derived from fixed
labels, deterministic Ed25519 (RFC 8032 §5.1.6), a fixed JSON layout.  Every expected
result is written out below from the specification; before writing, the generator runs
the reference implementation on every vector (``anxinma.visit.open_visit`` for records,
``anxinma.visitdb.VisitDB`` for the endpoint sequence) and stops if they disagree.

The keys are TEST keys whose private halves are published here.  Never trust them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from anxinma import cbor
from anxinma.cose import parse_sign1, sign1
from anxinma.issuerdb import IssuedCredential
from anxinma.keys import kid_of, public_key_pem, raw_public_key
from anxinma.model import CST
from anxinma.registry import ALG_EDDSA, DocumentType, Header, VisitClaim
from anxinma.verify import Color
from anxinma.visit import (
    DEFAULT_LEEWAY,
    DEFAULT_MAX_AGE,
    MAX_RECORD_BYTES,
    VISIT_TYPE,
    Complaint,
    Evaluation,
    Tag,
    Visit,
    VisitError,
    open_visit,
    rating_summary,
    record_digest,
    sign_visit,
    visit_as_dict,
)
from anxinma.visitdb import VisitDB

HERE = Path(__file__).resolve().parent
_ = IssuedCredential  # (the endpoint sequence records credentials directly, below)


def _key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"anxinma/v1/visit-vectors/" + label.encode()).digest()
    )


def _id(label: str) -> bytes:
    return hashlib.sha256(b"anxinma/v1/visit-vectors/record/" + label.encode()).digest()[:16]


PHONE = _key("phone")
OTHER = _key("other")
KEYS = {"phone": PHONE, "other": OTHER}
#: The credential scanned: the id of a credential issued at ISSUED (any 8 bytes would do).
CREDENTIAL = hashlib.sha256(b"anxinma/v1/visit-vectors/credential").digest()[:8]
UNKNOWN = hashlib.sha256(b"anxinma/v1/visit-vectors/unknown").digest()[:8]
ISSUED = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)
SCANNED = dt.datetime(2026, 6, 15, 9, 30, tzinfo=CST)
RECEIVED = dt.datetime(2026, 6, 15, 18, 0, tzinfo=CST)


def _visit(label: str = "valid", **changes: Any) -> Visit:
    base = Visit(
        record_id=_id(label),
        device_key=raw_public_key(PHONE),
        credential_id=CREDENTIAL,
        color=Color.GREEN,
        reasons=(),
        scanned_at=SCANNED.astimezone(dt.UTC),
        entered_at=(SCANNED + dt.timedelta(minutes=2)).astimezone(dt.UTC),
        made_at=(SCANNED + dt.timedelta(hours=3)).astimezone(dt.UTC),
        issuer="nb-commerce",
        evaluation=Evaluation(5, frozenset({Tag.PUNCTUAL, Tag.PROFESSIONAL})),
    )
    return replace(base, **changes)


@dataclass(frozen=True)
class Case:
    id: str
    description: str
    record: bytes
    now: dt.datetime = RECEIVED
    error: str | None = None
    visit: Visit | None = None


def _claims(visit: Visit) -> dict[int, Any]:
    data = sign_visit(visit, PHONE)
    return dict(cbor.decode(parse_sign1(data, typ=VISIT_TYPE).payload, max_depth=1, max_items=32))


def _resigned(
    claims: dict[int, Any], *, key: Ed25519PrivateKey = PHONE, kid: bytes | None = None, typ: str = VISIT_TYPE
) -> bytes:
    return sign1(cbor.encode(claims), key, kid if kid is not None else kid_of(key), typ=typ)


def record_cases() -> Iterator[Case]:
    ok = _visit()
    yield Case(
        "valid-evaluation",
        "5 stars, tags punctual and professional, entry confirmed",
        sign_visit(ok, PHONE),
        visit=ok,
    )
    entry = _visit("entry", evaluation=None, made_at=(SCANNED + dt.timedelta(minutes=2)).astimezone(dt.UTC))
    yield Case(
        "valid-entry-only",
        "确认入户 only: sent at the entry, evaluated later in another record",
        sign_visit(entry, PHONE),
        visit=entry,
    )
    complaint = _visit(
        "complaint",
        color=Color.RED,
        reasons=("revoked",),
        entered_at=None,
        evaluation=None,
        complaint=frozenset({Complaint.IDENTITY, Complaint.SAFETY}),
        issuer=None,
    )
    yield Case(
        "valid-complaint-on-red",
        "a complaint (identity, safety) after a red verdict, no entry, no issuer",
        sign_visit(complaint, PHONE),
        visit=complaint,
    )
    yellow = _visit(
        "yellow",
        color=Color.YELLOW,
        reasons=("status_not_checked", "insurance_expired"),
        evaluation=Evaluation(3),
    )
    yield Case(
        "valid-yellow-3-stars",
        "yellow with two reasons in order, 3 stars without tags",
        sign_visit(yellow, PHONE),
        visit=yellow,
    )
    yield from _page_cases()
    made = ok.made_at
    yield Case(
        "valid-made-at-leeway",
        "made exactly 300 s after the receiver's clock",
        sign_visit(ok, PHONE),
        now=made - dt.timedelta(seconds=DEFAULT_LEEWAY),
        visit=ok,
    )
    yield Case(
        "valid-scanned-30-days-ago",
        "scanned exactly 30 days before it arrives",
        sign_visit(ok, PHONE),
        now=ok.scanned_at + DEFAULT_MAX_AGE,
        visit=ok,
    )
    yield from _refused_cases(ok)


def _page_cases() -> Iterator[Case]:
    """The other shapes the web page makes (src/anxinma/web/site/js/household.js): a record
    confirmed, rated or filed in the second of the scan; a complaint after the entry; a
    complaint on green without an entry; a red verdict of a known issuer (the page shows red
    with an issuer for a revoked or expired code); every tag, the lowest rating."""
    at = SCANNED.astimezone(dt.UTC)
    same = _visit("same-second", evaluation=None, entered_at=at, made_at=at)
    yield Case("valid-entry-same-second", "确认入户 in the second of the scan (scanned = entered = made)",
               sign_visit(same, PHONE), visit=same)  # fmt: skip
    after_entry = _visit("complaint-after-entry", evaluation=None,
                         complaint=frozenset({Complaint.LATENESS, Complaint.FEES}))  # fmt: skip
    yield Case("valid-complaint-after-entry", "green, entry confirmed, then a complaint (lateness, fees)",
               sign_visit(after_entry, PHONE), visit=after_entry)  # fmt: skip
    not_in = _visit("complaint-not-let-in", evaluation=None, entered_at=None,
                    complaint=frozenset({Complaint.ATTITUDE}))  # fmt: skip
    yield Case("valid-complaint-without-entry", "green, not let in: a complaint (attitude) without an entry",
               sign_visit(not_in, PHONE), visit=not_in)  # fmt: skip
    red = _visit("red-known-issuer", color=Color.RED, reasons=("expired", "status_list_stale"),
                 entered_at=None, evaluation=None, complaint=frozenset(Complaint))  # fmt: skip
    yield Case("valid-complaint-on-red-every-category",
               "red of a known issuer (expired, status_list_stale), a complaint of every category",
               sign_visit(red, PHONE), visit=red)  # fmt: skip
    low = _visit("one-star-every-tag", evaluation=Evaluation(1, frozenset(Tag)))
    yield Case("valid-one-star-every-tag", "1 star with every tag (the mask 63)", sign_visit(low, PHONE),
               visit=low)  # fmt: skip


def _refused_cases(ok: Visit) -> Iterator[Case]:
    claims = _claims(ok)
    yield Case(
        "out-of-window-future",
        "made 301 s after the receiver's clock",
        sign_visit(ok, PHONE),
        now=ok.made_at - dt.timedelta(seconds=DEFAULT_LEEWAY + 1),
        error="out_of_window",
    )
    yield Case(
        "out-of-window-old",
        "scanned 30 days and 1 s before it arrives",
        sign_visit(ok, PHONE),
        now=ok.scanned_at + DEFAULT_MAX_AGE + dt.timedelta(seconds=1),
        error="out_of_window",
    )
    yield Case(
        "wrong-signer",
        "claims naming the phone's key, signed by another key under the phone's kid",
        _resigned(claims, key=OTHER, kid=kid_of(PHONE)),
        error="signature_invalid",
    )
    good = sign_visit(ok, PHONE)
    yield Case(
        "tampered",
        "one bit of the signature flipped",
        good[:-1] + bytes([good[-1] ^ 1]),
        error="signature_invalid",
    )
    yield Case(
        "kid-not-device-key",
        "signed by the phone, header kid of another key",
        _resigned(claims, kid=kid_of(OTHER)),
        error="malformed",
    )
    padded = claims | {int(VisitClaim.REASONS): "x" * 900}  # a text 'reasons' with a green verdict
    big = _resigned(padded)
    assert len(big) > MAX_RECORD_BYTES
    yield Case("oversized", f"{len(big)} bytes (the cap is {MAX_RECORD_BYTES})", big, error="too_large")
    yield Case(
        "wrong-type",
        "a trust-list type in the protected header",
        _resigned(claims, typ=DocumentType.TRUST_LIST),
        error="wrong_type",
    )
    header = cbor.encode({Header.ALG: -7, Header.KID: kid_of(PHONE), Header.TYP: VISIT_TYPE})
    yield Case(
        "unsupported-algorithm",
        "alg -7 (ES256)",
        sign1(cbor.encode(claims), PHONE, kid_of(PHONE), protected=header),
        error="unsupported_algorithm",
    )
    bad = {
        "unknown-claim": ("claim label 99", claims | {99: 1}),
        "evaluation-without-entry": (
            "stars but no entry time",
            {k: v for k, v in claims.items() if k != VisitClaim.ENTERED_AT},
        ),
        "tags-without-stars": (
            "tags but no stars",
            {k: v for k, v in claims.items() if k != VisitClaim.STARS},
        ),
        "reasons-on-green": ("a green verdict with a reason", claims | {int(VisitClaim.REASONS): "expired"}),
        "red-without-reasons": ("a red verdict without reasons", claims | {int(VisitClaim.VERDICT): 2}),
        "stars-6": ("6 stars", claims | {int(VisitClaim.STARS): 6}),
        "unknown-tag-bit": ("tag bit 6 (there are 6 tags)", claims | {int(VisitClaim.TAGS): 64}),
        "evaluation-and-complaint": ("stars and a complaint", claims | {int(VisitClaim.COMPLAINT): 1}),
        "record-id-15-bytes": ("record id of 15 bytes", claims | {int(VisitClaim.RECORD_ID): bytes(15)}),
        "entered-before-scan": (
            "entry confirmed before the scan",
            claims | {int(VisitClaim.ENTERED_AT): claims[VisitClaim.SCANNED_AT] - 1},
        ),
    }
    for case_id, (description, changed) in bad.items():
        yield Case(f"malformed-{case_id}", description, _resigned(changed), error="malformed")
    unsorted = bytearray(sign_visit(ok, PHONE))
    yield Case(
        "malformed-trailing-byte",
        "one byte after the COSE_Sign1",
        bytes(unsorted) + b"\x00",
        error="malformed",
    )
    weak = bytes(32)  # y = 0: a point of small order; its 'signatures' need no private key
    weak_claims = claims | {int(VisitClaim.DEVICE_KEY): weak}
    kid = hashlib.sha256(weak).digest()[:8]
    yield Case(
        "malformed-small-order-device-key",
        "the device key is a point of small order",
        _resigned(weak_claims, kid=kid),
        error="malformed",
    )


def _check_record(case: Case) -> None:
    try:
        got = open_visit(case.record, now=case.now)
    except VisitError as exc:
        if exc.reason.value != case.error:
            sys.exit(f"{case.id}: expected {case.error}, the library says {exc}")
        return
    if case.error is not None or got != case.visit:
        sys.exit(f"{case.id}: expected {case.error or case.visit}, the library accepted {got}")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(CST).isoformat()


def _record_json(case: Case) -> dict[str, Any]:
    _check_record(case)
    expected: dict[str, Any] = {"error": case.error} if case.error else {"visit": visit_as_dict(case.visit)}  # type: ignore[arg-type]
    return {
        "id": case.id,
        "description": case.description,
        "record_hex": case.record.hex(),
        "now": _iso(case.now),
        "expected": expected,
    }


# -- the endpoint sequence (spec/visit-v1.md §6.3, §7.3) ------------------------------------------


def endpoint_sequence() -> dict[str, Any]:
    """Records submitted in order to an endpoint that issued one credential, with the outcome of
    each and, at the end, which evaluations count and the rating a re-issued code carries."""
    other_phone = _key("other-phone")
    first = _visit("seq-1", evaluation=Evaluation(5))
    second_same_day = _visit("seq-2", evaluation=Evaluation(1), made_at=first.made_at + dt.timedelta(hours=1))
    next_day = _visit(
        "seq-3",
        evaluation=Evaluation(4),
        scanned_at=first.scanned_at + dt.timedelta(days=1),
        entered_at=first.entered_at + dt.timedelta(days=1),  # type: ignore[operator]
        made_at=first.made_at + dt.timedelta(days=1),
    )
    red = _visit(
        "seq-4",
        color=Color.RED,
        reasons=("suspended",),
        evaluation=Evaluation(1),
        made_at=first.made_at - dt.timedelta(hours=1),
    )
    conflict = replace(first, evaluation=Evaluation(2))
    unknown = _visit("seq-5", credential_id=UNKNOWN)
    early = _visit(
        "seq-6",
        scanned_at=ISSUED.astimezone(dt.UTC) - dt.timedelta(seconds=DEFAULT_LEEWAY + 1),
        entered_at=ISSUED.astimezone(dt.UTC),
        made_at=ISSUED.astimezone(dt.UTC),
    )
    theirs = replace(_visit("seq-7", evaluation=Evaluation(4)), device_key=raw_public_key(other_phone))
    later = next_day.made_at + dt.timedelta(hours=1)
    steps = [
        (
            "first evaluation of the phone for the credential that day",
            sign_visit(first, PHONE),
            "stored",
            None,
        ),
        ("the same bytes again (a retry)", sign_visit(first, PHONE), "duplicate", None),
        (
            "a second evaluation by the phone, same credential, same day",
            sign_visit(second_same_day, PHONE),
            "stored",
            None,
        ),
        ("the next day", sign_visit(next_day, PHONE), "stored", None),
        ("a red verdict's evaluation, made before the first", sign_visit(red, PHONE), "stored", None),
        ("another phone", sign_visit(theirs, other_phone), "stored", None),
        ("the first record's id with other content", sign_visit(conflict, PHONE), "refused", "conflict"),
        (
            "a credential this issuer never issued",
            sign_visit(unknown, PHONE),
            "refused",
            "unknown_credential",
        ),
        (
            "scanned 301 s before the credential was issued",
            sign_visit(early, PHONE),
            "refused",
            "out_of_window",
        ),
    ]
    counted = sorted([5, 4, 4])
    rating = rating_summary(counted)
    assert rating is not None
    sequence = {
        "credential": {
            "credential_id": CREDENTIAL.hex(),
            "card_no": "NB2021000123",
            "issued_at": _iso(ISSUED),
            "expires_at": _iso(ISSUED + dt.timedelta(days=365)),
        },
        "now": _iso(later),
        "submissions": [
            {"description": d, "record_hex": r.hex(), "expected": {"outcome": o, "reason": why}}
            for d, r, o, why in steps
        ],
        "counted_stars": counted,
        "rating": {"average": rating.average, "count": rating.count},
        "keys": {"other-phone": _key_json(other_phone)},
    }
    _check_sequence(sequence, later)
    return sequence


def _check_sequence(sequence: dict[str, Any], now: dt.datetime) -> None:
    """Run the sequence through the reference endpoint's storage and compare."""
    from anxinma.issuerdb import Issuance  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp, VisitDB(Path(tmp) / "v.db") as db:
        cred = sequence["credential"]
        iat = int(dt.datetime.fromisoformat(cred["issued_at"]).timestamp())
        exp = int(dt.datetime.fromisoformat(cred["expires_at"]).timestamp())
        item = Issuance(
            b"",
            cred["credential_id"],
            cred["card_no"],
            "王秀英",
            "91330203MA2H123450",
            "330203",
            "330203",
            0,
            "00" * 32,
            b"\x00" * 8,
            iat,
            exp,
            None,
            None,
            None,
            False,
        )
        assert db.issue([item], now=ISSUED) == []
        for step in sequence["submissions"]:
            data = bytes.fromhex(step["record_hex"])
            try:
                visit = open_visit(data, now=now)
            except VisitError as exc:
                got = {"outcome": "refused", "reason": exc.reason.value}
            else:
                (stored,) = db.store_visits([(visit, data, record_digest(data))], now=now)
                got = {
                    "outcome": stored.outcome,
                    "reason": None if stored.reason is None else stored.reason.value,
                }
            if got != step["expected"]:
                sys.exit(f"endpoint sequence, {step['description']}: expected {step['expected']}, got {got}")
        stars = sorted(db.counted_stars().get(cred["card_no"], []))
        if stars != sequence["counted_stars"]:
            sys.exit(f"endpoint sequence: counted {stars}, expected {sequence['counted_stars']}")
        rating = db.rating_of(cred["card_no"])
        if rating is None or {"average": rating.average, "count": rating.count} != sequence["rating"]:
            sys.exit(f"endpoint sequence: rating {rating}, expected {sequence['rating']}")


def _key_json(key: Ed25519PrivateKey) -> dict[str, str]:
    """As in the other vector files (spec/anxinma-v1.md §14)."""
    return {
        "seed_hex": key.private_bytes_raw().hex(),
        "public_hex": raw_public_key(key).hex(),
        "kid_hex": kid_of(key).hex(),
        "public_pem": public_key_pem(key).decode(),
    }


def visit_file() -> dict[str, Any]:
    return {
        "kind": "visit",
        "specification": "spec/visit-v1.md",
        "note": "TEST keys: their private halves are published here. Never trust them.",
        "keys": {label: _key_json(key) for label, key in KEYS.items()},
        "alg": ALG_EDDSA,
        "typ": VISIT_TYPE,
        "leeway_seconds": DEFAULT_LEEWAY,
        "max_age_days": DEFAULT_MAX_AGE.days,
        "records": [_record_json(case) for case in record_cases()],
        "endpoint": endpoint_sequence(),
    }


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--check", action="store_true", help="exit 1 if visit.json on disk differs")
    args = parser.parse_args()
    text = _dump(visit_file())
    path = args.out / "visit.json"
    if args.check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            sys.exit(f"{path} differs from what generate_visit.py writes")
        print(f"{path}: up to date")
        return
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
