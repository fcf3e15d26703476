"""Write the anxinma v1 test vectors (spec/anxinma-v1.md §14).

Run from the repository root::

    python spec/vectors/generate.py            # rewrite the JSON files beside this script
    python spec/vectors/generate.py --out DIR  # write them somewhere else
    python spec/vectors/generate.py --check    # exit 1 if the files on disk differ

The output is deterministic: the clock readings are fixed, the keys are derived
from fixed labels (Ed25519 signatures are deterministic, RFC 8032 §5.1.6), and
the JSON is written with a fixed layout.  Every expected verdict below is
written out by hand from the spec; before anything is written the generator
runs the library on each vector and stops if the two disagree.

The keys are TEST keys whose private halves are published in the vectors.
Never trust them for anything real.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import struct
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from anxinma import _demo, cbor, cose
from anxinma.base45 import b45encode
from anxinma.claims import to_claims
from anxinma.directory import Directory, Enterprise
from anxinma.document import DocumentError, DocumentReason, sign_document
from anxinma.errors import AnxinmaError, RecordError, UsageError
from anxinma.gbcodes import id_number_problem, uscc_check_char
from anxinma.idcheck import normalize_id_number
from anxinma.issue import Issuer, credential_for
from anxinma.keys import kid_of, public_key_pem, raw_public_key
from anxinma.model import CST, Credential, StatusRef
from anxinma.qr import make_qr
from anxinma.record import credential_as_dict, parse_worker
from anxinma.registry import (
    Claim,
    DirectoryClaim,
    DocumentType,
    IssuerLabel,
    KeyLabel,
    StatusListClaim,
    TrustListClaim,
)
from anxinma.state import VerifierState
from anxinma.status import MIN_SIZE, Status, StatusList, StatusListToken
from anxinma.transport import PREFIX, to_text
from anxinma.trust import IssuerKey, KeyState, TrustedIssuer, TrustList
from anxinma.verify import DEFAULT_LEEWAY, Color, Keyring, Policy, Reason, StatusState, verify
from anxinma.views import document_summary

HERE = Path(__file__).resolve().parent

# -- fixed inputs -----------------------------------------------------------------


def _test_key(label: str) -> Ed25519PrivateKey:
    seed = hashlib.sha256(b"anxinma/v1/test-vectors/" + label.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


ISSUER = _test_key("issuer")
OTHER = _test_key("other")
ROOT = _test_key("root")
HANGZHOU = _test_key("hangzhou")
KEYS = {"issuer": ISSUER, "other": OTHER, "root": ROOT, "hangzhou": HANGZHOU}

#: When the codes are issued, and when most of them are checked.
ISSUED = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)
CHECKED = dt.datetime(2026, 6, 15, 10, 0, tzinfo=CST)

#: The reference record (spec §7.2); its USCC is synthetic, with a valid check character.
REFERENCE: dict[str, Any] = _demo.reference_record()  # the one copy: anxinma._demo
#: A worker from Lu'an (Anhui) working in Ningbo: ID_REGION is carried.  Check character X.
MIGRANT = REFERENCE | {
    "name": "李桂兰",
    "id_number": "34240119900101018X",
    "card_no": "NB2023004567",
    "services": ["maternity_care", "infant_care"],
}
MINIMAL = {k: REFERENCE[k] for k in ("name", "id_number", "card_no", "enterprise_uscc", "region")} | {
    "services": ["cleaning"],
    "identity_verified": True,
}
#: Every field at its largest: the worst case of spec §7.2.
WORST = {
    "name": "欧阳" + "慧" * 18,
    "id_number": "11010119900307002X",
    "card_no": "ZZZZZZZZZZZZ",
    "enterprise_uscc": "91330203MA2H123450",
    "region": "330203",
    "services": [
        "housekeeping",
        "infant_care",
        "maternity_care",
        "elderly_care",
        "patient_care",
        "cleaning",
        "cooking",
        "home_appliance_repair",
    ],
    "identity_verified": True,
    "background_check": {"result": "flagged", "checked_on": "2026-02-28"},
    "health_exam_valid_until": "2099-12-31",
    "insurance_valid_until": "2099-12-31",
    "training_hours": 65535,
    "credit_score": 100,
    "rating": {"average": 5.0, "count": 1_000_000},
}
WORST_STATUS = StatusRef(list_id=255, index=(1 << 24) - 1)
#: Names with one rare character from each CJK extension (spec §4.2.1): (id, name, block).
RARE_NAMES = (
    ("b", "王\U00020000", "Extension B (U+20000)"),
    ("c", "\U0002a700明", "Extension C (U+2A700)"),
    ("d", "\U0002b740明", "Extension D (U+2B740)"),
    ("e", "\U0002b820明", "Extension E (U+2B820)"),
    ("f", "\U0002ceb0明", "Extension F (U+2CEB0)"),
    ("g", "陈\U00030000", "Extension G (U+30000)"),
    ("h", "李\U00031350", "Extension H (U+31350)"),
    ("i", "\U0002ebf0芳", "Extension I (U+2EBF0)"),
    ("j", "王\U000323b0", "Extension J (U+323B0)"),
)
#: Names the verifier subset of spec §4.2.2 refuses (issued anyway, past issuance checks).
SUBSET_REFUSED_NAMES = (
    ("hangul-filler", "王\u3164", "U+3164 HANGUL FILLER after the name: it displays as nothing"),
    ("hangul-choseong-filler", "\u115f王", "U+115F HANGUL CHOSEONG FILLER before the name"),
    ("halfwidth-hangul-filler", "王\uffa0秀", "U+FFA0 HALFWIDTH HANGUL FILLER inside the name"),
    ("braille-blank", "\u2800", "U+2800 BRAILLE PATTERN BLANK alone: a blank name"),
    ("variation-selector", "王\ufe0f秀英", "U+FE0F VARIATION SELECTOR-16 inside the name"),
    ("combining-grapheme-joiner", "王\u034f秀英", "U+034F COMBINING GRAPHEME JOINER inside the name"),
    ("lone-combining-mark", "\u0301", "U+0301 alone: a name that starts with a combining mark"),
    (
        "stacked-marks",
        "x" + "".join(chr(c) for c in range(0x0300, 0x0311)),
        "x and 17 different combining marks (U+0300-U+0310), in NFC: more than 4 in a row",
    ),
    ("ideographic-space", "王\u3000秀英", "U+3000 IDEOGRAPHIC SPACE: the only white space allowed is U+0020"),
)
#: Names only the full rule of spec §4.2.1 refuses (issue.json error vectors).
ISSUANCE_REFUSED_NAMES = (
    ("kangxi-radical", "\u2f5f兰", "U+2F5F KANGXI RADICAL JADE, which looks like 玉: not NFKC-stable"),
    ("fullwidth-latin", "\uff2c\uff49", "Fullwidth Ｌｉ: not NFKC-stable"),
    ("mixed-cyrillic-latin", "\u0410lice", "Cyrillic А (U+0410) with Latin lice: mixed scripts (UTS #39)"),
    ("digit", "王1", "A digit: not a letter, a mark or a joiner"),
    ("katakana-middle-dot", "买买提\u30fb艾力", "U+30FB instead of U+00B7: one dot, one look"),
)

# -- raw CBOR and COSE building blocks ---------------------------------------------


def _head(major: int, n: int) -> bytes:
    """The shortest head of major type ``major`` with argument ``n`` (RFC 8949 §3)."""
    if n < 24:
        return bytes([major << 5 | n])
    size = next(s for s in (1, 2, 4, 8) if n < 1 << (8 * s))
    return bytes([major << 5 | {1: 24, 2: 25, 4: 26, 8: 27}[size]]) + n.to_bytes(size, "big")


def _bstr(data: bytes) -> bytes:
    return _head(2, len(data)) + data


def _entries(claims: dict[int, Any]) -> list[tuple[bytes, bytes]]:
    """(key, value) encodings of a claims map, in deterministic order."""
    return sorted((cbor.encode(int(k)), cbor.encode(v)) for k, v in claims.items())


def _map(entries: list[tuple[bytes, bytes]]) -> bytes:
    return _head(5, len(entries)) + b"".join(k + v for k, v in entries)


def _message(
    payload: bytes,
    *,
    key: Ed25519PrivateKey = ISSUER,
    protected: bytes | None = None,
    unprotected: bytes = b"\xa0",
) -> bytes:
    """An untagged COSE_Sign1 assembled byte by byte, signed with ``key`` (RFC 9052 §4.4)."""
    protected = cose.protected_header(kid_of(key)) if protected is None else protected
    signature = key.sign(cose.sig_structure(protected, payload))
    return b"\x84" + _bstr(protected) + unprotected + _bstr(payload) + _bstr(signature)


def _credential(record: dict[str, Any] = REFERENCE, **options: Any) -> Credential:
    return credential_for(parse_worker(record), now=ISSUED, **options)


def _signed(cred: Credential, key: Ed25519PrivateKey = ISSUER) -> bytes:
    return _message(cbor.encode(to_claims(cred)), key=key)


def _claims(cred: Credential | None = None) -> dict[int, Any]:
    return to_claims(cred or _credential())


def _with(**changes: Any) -> bytes:
    """Reference claims with some labels replaced (value None removes the label), signed."""
    claims = _claims()
    for name, value in changes.items():
        label = Claim[name.upper()]
        if value is None:
            del claims[label]
        else:
            claims[label] = value
    return _message(cbor.encode(claims))


REFERENCE_MESSAGE = _signed(_credential())
REFERENCE_TEXT = to_text(REFERENCE_MESSAGE)
REFERENCE_KID = kid_of(ISSUER)
REFERENCE_EXP = _credential().expires_at

# -- verification vectors ------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One verification vector and the verdict the spec requires."""

    id: str
    description: str
    text: str
    color: str
    reasons: tuple[Reason, ...] = ()
    kid: bytes | None = None
    credential: Credential | None = None
    now: dt.datetime = CHECKED
    trust: tuple[str, ...] = ("issuer",)
    id_number: str | None = None
    id_match: bool | None = None
    message: bytes | None = None
    trust_list: bytes | None = None
    status_lists: tuple[bytes, ...] = ()
    issuer: str | None = None
    status: tuple[StatusState, Status | None] = (StatusState.NOT_CHECKED, None)
    directory: bytes | None = None
    policy: tuple[tuple[str, str], ...] = ()
    #: The expected directory entry (USCC) and, per document given, its refusal reason or None.
    enterprise: str | None = None
    refused: tuple[DocumentReason | None, ...] = ()


def _red(case_id: str, description: str, message: bytes, reason: Reason, **more: Any) -> Case:
    return Case(case_id, description, to_text(message), "red", (reason,), message=message, **more)


def _malformed_signed(case_id: str, description: str, message: bytes) -> Case:
    """Malformed past the signature check: the kid is known and the signature holds."""
    return _red(case_id, description, message, Reason.MALFORMED, kid=REFERENCE_KID)


def _malformed(case_id: str, description: str, message: bytes) -> Case:
    return _red(case_id, description, message, Reason.MALFORMED)


def _ok(case_id: str, description: str, cred: Credential, color: str, *reasons: Reason, **more: Any) -> Case:
    message = _signed(cred)
    return Case(
        case_id,
        description,
        to_text(message),
        color,
        reasons,
        kid=REFERENCE_KID,
        credential=cred,
        message=message,
        **more,
    )


def positive_cases() -> Iterator[Case]:
    """Authentic, current codes: green, or yellow for a document problem (spec §10.2)."""
    ref = _credential()
    yield _ok("green-reference", "The reference record (spec §7.2), checked 2026-06-15.", ref, "green")
    yield _ok(
        "green-id-typed-match",
        "The reference code with the worker's ID number typed from the card: id_match is true.",
        ref,
        "green",
        id_number="330203198503150020",
        id_match=True,
    )
    yield _ok(
        "green-id-region",
        "A worker whose ID number is from another region (342401): ID_REGION (-6) is carried; "
        "the typed number has spaces and a lower-case x, normalised before the check (spec §10.5).",
        _credential(MIGRANT),
        "green",
        id_number=" 342401 19900101 018x ",
        id_match=True,
    )
    yield _ok(
        "yellow-status-ref-keyring",
        "The reference record with a status reference (list 1, index 123456; 170 bytes, still QR 9-M), "
        "verified with a bare keyring, which never checks status: status_not_checked (spec §10.6).",
        _credential(status=StatusRef(list_id=1, index=123456)),
        "yellow",
        Reason.STATUS_NOT_CHECKED,
    )
    yield replace(
        _ok("green-surrounding-white-space", "", ref, "green"),
        description="The reference text with a leading space and tab and a trailing CR LF: surrounding "
        "ASCII white space is removed before anything else (spec §9.1).",
        text=" \t" + REFERENCE_TEXT + "\r\n",
    )
    yield _ok(
        "green-id-typed-fullwidth",
        "The migrant worker's ID number typed with a Chinese input method: fullwidth digits, a fullwidth "
        "x and ideographic spaces, folded and removed before the check (spec §10.5).",
        _credential(MIGRANT),
        "green",
        id_number="３４２４０１\u3000１９９００１０１\u3000０１８ｘ",
        id_match=True,
    )
    for case_id, name, block in RARE_NAMES:
        yield _ok(
            f"green-ext-{case_id}",
            f"A name with a CJK {block} character (生僻字): green on every host, whatever its Unicode "
            "version (spec §4.2.2).",
            _credential(REFERENCE | {"name": name}),
            "green",
        )
    no_bg = REFERENCE | {"background_check": None}
    yield _ok(
        "green-no-background-check",
        "No background check on record is not a warning.",
        _credential(no_bg),
        "green",
    )
    yield _ok(
        "green-iat-at-leeway",
        "iat is exactly 300 s after now: inside the clock leeway (spec §10.3).",
        ref,
        "green",
        now=ref.issued_at - dt.timedelta(seconds=DEFAULT_LEEWAY),
    )
    yield _ok(
        "green-last-second",
        "One second before exp the code is still valid (spec §10.3).",
        ref,
        "green",
        now=ref.expires_at - dt.timedelta(seconds=1),
    )
    yield from _yellow_cases()


def _yellow_cases() -> Iterator[Case]:
    short = REFERENCE | {"health_exam_valid_until": "2026-05-31", "insurance_valid_until": "2026-05-31"}
    cred = _credential(short)
    last = dt.datetime(2026, 5, 31, 23, 59, 59, tzinfo=CST)
    yield _ok(
        "green-documents-last-second",
        "Health exam and insurance valid until 2026-05-31, checked at 23:59:59+08:00 that day (spec §4.4).",
        cred,
        "green",
        now=last,
    )
    yield _ok(
        "yellow-documents-expired",
        "The same code one second later, 2026-06-01T00:00:00+08:00: both documents have expired.",
        cred,
        "yellow",
        Reason.HEALTH_EXAM_EXPIRED,
        Reason.INSURANCE_EXPIRED,
        now=last + dt.timedelta(seconds=1),
    )
    for field, reason in (
        ("health_exam_valid_until", Reason.HEALTH_EXAM_EXPIRED),
        ("insurance_valid_until", Reason.INSURANCE_EXPIRED),
    ):
        yield _ok(
            f"yellow-{reason.value.replace('_', '-')}",
            f"{field} is 2026-06-14, the day before the check.",
            _credential(REFERENCE | {field: "2026-06-14"}),
            "yellow",
            reason,
        )
    for field, reason in (
        ("health_exam_valid_until", Reason.HEALTH_EXAM_MISSING),
        ("insurance_valid_until", Reason.INSURANCE_MISSING),
    ):
        yield _ok(
            f"yellow-{reason.value.replace('_', '-')}",
            f"The record has no {field}.",
            _credential(REFERENCE | {field: None}),
            "yellow",
            reason,
        )
    yield _ok(
        "yellow-minimal-record",
        "Only the required fields: both documents missing.",
        _credential(MINIMAL),
        "yellow",
        Reason.HEALTH_EXAM_MISSING,
        Reason.INSURANCE_MISSING,
    )


def negative_cases() -> Iterator[Case]:
    """Codes that must be shown red: one or more per red reason code (spec §10.1)."""
    yield from _text_cases()
    yield from _structure_cases()
    yield from _encoding_cases()
    yield from _claims_cases()
    yield from _name_cases()
    yield from _trust_cases()
    yield from _verdict_cases()


def _text_cases() -> Iterator[Case]:
    body = REFERENCE_TEXT[len(PREFIX) :]
    yield Case("malformed-empty", "The empty string.", "", "red", (Reason.MALFORMED,))
    yield Case(
        "malformed-ideographic-space",
        "The reference text followed by U+3000 IDEOGRAPHIC SPACE: only ASCII white space is removed "
        "(spec §9.1).",
        REFERENCE_TEXT + "\u3000",
        "red",
        (Reason.MALFORMED,),
    )
    yield Case(
        "malformed-inner-space",
        "A space between the prefix and the base45: a base45 digit, so the decoding fails (spec §9.1).",
        PREFIX + " " + body,
        "red",
        (Reason.MALFORMED,),
    )
    yield Case(
        "malformed-arabic-indic-digit",
        "AXM and U+0661 ARABIC-INDIC DIGIT ONE: a version has ASCII digits only (spec §9.1).",
        "AXM\u0661:" + body,
        "red",
        (Reason.MALFORMED,),
    )
    yield Case(
        "malformed-other-prefix",
        "Another scheme's prefix (HC1:).",
        "HC1:" + body,
        "red",
        (Reason.MALFORMED,),
    )
    yield Case(
        "malformed-lowercase-prefix",
        "The prefix is case-sensitive.",
        "axm1:" + body,
        "red",
        (Reason.MALFORMED,),
    )
    yield Case(
        "unsupported-version",
        "A later version's prefix, AXM2:, over an otherwise valid code.",
        "AXM2:" + body,
        "red",
        (Reason.UNSUPPORTED_VERSION,),
    )
    yield Case(
        "malformed-oversized-other-version",
        "AXM2: and 358 base45 characters: longer than 362 characters, so malformed before the prefix is "
        "read (spec §10.4 step 1).",
        "AXM2:" + (body * 2)[:358],
        "red",
        (Reason.MALFORMED,),
    )
    yield Case(
        "malformed-base45-character",
        "A lower-case letter is not in the base45 alphabet (RFC 9285 §4).",
        PREFIX + "a" + body[1:],
        "red",
        (Reason.MALFORMED,),
    )
    yield Case(
        "malformed-base45-dangling",
        "Text length after the prefix is 1 mod 3: a dangling character (RFC 9285 §4.2).",
        REFERENCE_TEXT + "0",
        "red",
        (Reason.MALFORMED,),
    )
    yield Case(
        "malformed-base45-overflow",
        "The first group GGW is 65536, above 65535 (RFC 9285 §4.2).",
        PREFIX + "GGW" + body[3:],
        "red",
        (Reason.MALFORMED,),
    )
    big = _credential(WORST | {"name": "\U00020000" * 20}, valid_days=1830, status=WORST_STATUS)
    big_message = _signed(big)
    yield Case(
        "malformed-text-too-long",
        f"A correctly signed credential of {len(big_message)} bytes (the worst case of spec §7.2 with a "
        "name of 20 supplementary-plane characters): its text is longer than 362 characters and is "
        "refused unread (spec §7.3).",
        to_text(big_message),
        "red",
        (Reason.MALFORMED,),
        message=big_message,
    )


def _structure_cases() -> Iterator[Case]:
    payload = cbor.encode(_claims())
    kid = REFERENCE_KID
    yield _malformed(
        "malformed-protected-typ",
        "The protected header carries typ (16), which only signed documents have (spec §15.1).",
        _message(payload, protected=cose.protected_header(kid, DocumentType.TRUST_LIST)),
    )
    yield _malformed(
        "malformed-protected-typ-null",
        "The protected header is {1: -8, 4: kid, 16: null}: a credential carries no label 16 at all "
        "(spec §8.1).",
        _message(payload, protected=cbor.encode({1: -8, 4: kid, 16: None})),
    )
    yield _malformed(
        "malformed-document-as-code",
        "A root-signed, empty enterprise directory (a document short enough to pass the length cap) "
        "presented as a code: refused at its typ in step 5 (spec §10.4).",
        EMPTY_DIRECTORY,
    )
    yield _malformed(
        "malformed-tag-18", "A tagged COSE_Sign1 (tag 18, spec §8.1).", b"\xd2" + REFERENCE_MESSAGE
    )
    yield _malformed(
        "malformed-trailing-byte", "One byte (0x00) after the COSE_Sign1 array.", REFERENCE_MESSAGE + b"\x00"
    )
    yield _malformed(
        "malformed-array-of-3", "A COSE_Sign1 array of three items.", b"\x83" + REFERENCE_MESSAGE[1:-66]
    )
    yield _malformed(
        "malformed-unprotected-alg",
        "The unprotected header carries alg (1: -8); the signature itself is valid.",
        _message(payload, unprotected=b"\xa1\x01\x27"),
    )
    yield _malformed(
        "malformed-unprotected-kid",
        "The unprotected header carries the kid (4: kid); the signature itself is valid.",
        _message(payload, unprotected=b"\xa1\x04" + _bstr(kid)),
    )
    yield _malformed(
        "malformed-protected-extra-label",
        "The protected header is {1: -8, 3: 0, 4: kid}: content type is not allowed.",
        _message(payload, protected=cbor.encode({1: -8, 3: 0, 4: kid})),
    )
    yield _malformed(
        "malformed-protected-no-alg",
        "The protected header is {4: kid}: no algorithm.",
        _message(payload, protected=cbor.encode({4: kid})),
    )
    yield _malformed(
        "malformed-protected-unsorted",
        "The protected header {4: kid, 1: -8} in non-deterministic key order (spec §12).",
        _message(payload, protected=b"\xa2\x04" + _bstr(kid) + b"\x01\x27"),
    )
    yield _malformed(
        "malformed-kid-length",
        "A 16-byte kid (spec §8.2 requires 8).",
        _message(payload, protected=cbor.encode({1: -8, 4: hashlib.sha256(kid).digest()[:16]})),
    )
    no_payload = b"\x84" + _bstr(cose.protected_header(kid)) + b"\xa0\xf6" + REFERENCE_MESSAGE[-66:]
    yield _malformed("malformed-detached-payload", "The payload is nil (detached).", no_payload)
    yield _malformed(
        "malformed-signature-length",
        "A 63-byte signature.",
        REFERENCE_MESSAGE[:-66] + b"\x58\x3f" + REFERENCE_MESSAGE[-64:-1],
    )
    yield _red(
        "unsupported-algorithm-es256",
        "The protected header says alg -7 (ES256).",
        _message(payload, protected=cbor.encode({1: -7, 4: kid})),
        Reason.UNSUPPORTED_ALGORITHM,
    )
    yield _red(
        "unsupported-algorithm-text",
        'The protected header says alg "EdDSA" (a text string, not -8).',
        _message(payload, protected=cbor.encode({1: "EdDSA", 4: kid})),
        Reason.UNSUPPORTED_ALGORITHM,
    )


def _encoding_cases() -> Iterator[Case]:
    """Claims sets that are not deterministic CBOR, signed: they fail after the signature."""
    entries = _entries(_claims())
    iat = cbor.encode(int(Claim.IAT))
    yield _malformed_signed(
        "malformed-duplicate-key",
        "The claims map has the name (-1) twice.",
        _message(_map(entries[:3] + entries[2:])),
    )
    yield _malformed_signed(
        "malformed-unsorted-keys",
        "iat (6) before exp (4) in the claims map: not in RFC 8949 §4.2.1 order.",
        _message(_map([entries[1], entries[0], *entries[2:]])),
    )
    yield _malformed_signed(
        "malformed-indefinite-map",
        "The claims map has indefinite length (0xBF ... 0xFF).",
        _message(b"\xbf" + b"".join(k + v for k, v in entries) + b"\xff"),
    )
    iat_value = _claims()[Claim.IAT]
    long_iat = (iat, b"\x1b" + iat_value.to_bytes(8, "big"))
    yield _malformed_signed(
        "malformed-non-shortest-int",
        "iat written with an 8-byte argument where 4 bytes suffice.",
        _message(_map([long_iat if k == iat else (k, v) for k, v in entries])),
    )
    rating = cbor.encode(int(Claim.RATING))
    yield _malformed_signed(
        "malformed-float",
        "The rating (-13) is a float64, 4.8.",
        _message(_map([(k, b"\xfb" + struct.pack(">d", 4.8) if k == rating else v) for k, v in entries])),
    )
    name = cbor.encode(int(Claim.NAME))
    yield _malformed_signed(
        "malformed-invalid-utf8",
        "The name (-1) is a text string holding the bytes FF FE.",
        _message(_map([(k, b"\x62\xff\xfe" if k == name else v) for k, v in entries])),
    )
    yield _malformed_signed(
        "malformed-tagged-claim",
        "iat wrapped in tag 1 (epoch date-time): tags are not allowed (spec §12).",
        _message(_map([(k, b"\xc1" + v if k == iat else v) for k, v in entries])),
    )
    yield _malformed_signed(
        "malformed-claims-not-map",
        "The payload is a CBOR array, not a claims map.",
        _message(cbor.encode([1, 2, 3])),
    )


def _claims_cases() -> Iterator[Case]:
    """Deterministic claims sets that break a rule of spec §5, signed."""
    ref = _claims()
    region = ref[Claim.REGION]
    for case_id, description, message in (
        (
            "unknown-label",
            "An extra claim labelled 7 (cti) that v1 does not define.",
            _with_label(7, b"\x01"),
        ),
        ("missing-card-no", "The card number (-2) is missing.", _with(card_no=None)),
        ("name-bytes", "The name (-1) is a byte string.", _with(name="王秀英".encode())),
        ("name-not-nfc", "The name is not NFC-normalised (e + U+0301).", _with(name="Rene\u0301e")),
        ("services-zero", "The services mask (-7) is 0: no service.", _with(services=0)),
        ("services-bit-8", "The services mask has bit 8 set, beyond the vocabulary.", _with(services=0x100)),
        ("region-province", "The region (-4) 990101 has no GB/T 2260 province 99.", _with(region=990101)),
        ("id-region-equal", "ID_REGION (-6) is present and equal to the region.", _with(id_region=region)),
        (
            "flagged-without-date",
            "The background-flagged bit (bit 11 of -5) is set with no background check date (-8).",
            _with(identity=ref[Claim.IDENTITY] | 1 << 11, background_checked_on=None),
        ),
        ("exp-not-after-iat", "exp equals iat.", _with(exp=ref[Claim.IAT])),
        (
            "validity-too-long",
            "exp is 1,831 days after iat, one day past the maximum validity (spec §10.3).",
            _with(exp=ref[Claim.IAT] + 1831 * 86400),
        ),
        ("rating-average", "The rating (-13) has 51 tenths: an average of 5.1.", _with(rating=37 * 64 + 51)),
        (
            "date-before-2000",
            "The health exam date (-9) is day 0, 1970-01-01.",
            _with(health_exam_valid_until=0),
        ),
        ("enterprise-length", "The enterprise (-3) is 9 bytes.", _with(enterprise=ref[Claim.ENTERPRISE][1:])),
        ("credit-score", "The credit score (-12) is 101.", _with(credit_score=101)),
        ("card-no-zero", "The card number (-2) is 0, the empty string.", _with(card_no=0)),
    ):
        yield _malformed_signed(f"malformed-claim-{case_id}", description, message)


def _name_cases() -> Iterator[Case]:
    """Names the verifier subset refuses, signed by the test issuer key past issuance checks."""
    for case_id, name, why in SUBSET_REFUSED_NAMES:
        yield _malformed_signed(f"malformed-name-{case_id}", f"{why} (spec §4.2.2).", _with(name=name))


def _with_label(label: int, value: bytes) -> bytes:
    return _message(_map(sorted([*_entries(_claims()), (cbor.encode(label), value)])))


def _trust_cases() -> Iterator[Case]:
    yield _red(
        "unknown-key",
        "Signed by a key the verifier does not trust.",
        _signed(_credential(), OTHER),
        Reason.UNKNOWN_KEY,
        kid=kid_of(OTHER),
    )
    flipped = REFERENCE_MESSAGE[:-1] + bytes([REFERENCE_MESSAGE[-1] ^ 1])
    yield _red(
        "signature-invalid-flipped-bit",
        "The reference code with the last bit of the signature flipped.",
        flipped,
        Reason.SIGNATURE_INVALID,
        kid=REFERENCE_KID,
    )
    claims = _claims()
    claims[Claim.CREDIT_SCORE] = 100
    forged = REFERENCE_MESSAGE.replace(cbor.encode(_claims()), cbor.encode(claims))
    yield _red(
        "signature-invalid-altered-claim",
        "The reference code with the credit score changed from 92 to 100 after signing.",
        forged,
        Reason.SIGNATURE_INVALID,
        kid=REFERENCE_KID,
    )
    payload = cbor.encode(_claims())
    yield _red(
        "signature-invalid-borrowed-kid",
        "Signed by another key under the trusted issuer's kid.",
        _message(payload, key=OTHER, protected=cose.protected_header(REFERENCE_KID)),
        Reason.SIGNATURE_INVALID,
        kid=REFERENCE_KID,
    )


def _verdict_cases() -> Iterator[Case]:
    """Authentic codes that are red: time, identity, background, typed ID."""
    ref = _credential()
    yield _ok(
        "expired",
        "Checked exactly at exp: expired (no leeway on exp, spec §10.3).",
        ref,
        "red",
        Reason.EXPIRED,
        now=ref.expires_at,
    )
    yield _ok(
        "not-yet-valid-iat",
        "iat is 301 s after now: beyond the 300 s leeway.",
        ref,
        "red",
        Reason.NOT_YET_VALID,
        now=ref.issued_at - dt.timedelta(seconds=DEFAULT_LEEWAY + 1),
    )
    later = replace(ref, not_before=ref.issued_at + dt.timedelta(days=30))
    yield _ok(
        "not-yet-valid-nbf",
        "nbf (5) is 30 days after iat; checked 1 day after iat.",
        later,
        "red",
        Reason.NOT_YET_VALID,
        now=ref.issued_at + dt.timedelta(days=1),
    )
    yield _ok(
        "identity-unverified",
        "identity_verified is false.",
        _credential(REFERENCE | {"identity_verified": False}),
        "red",
        Reason.IDENTITY_UNVERIFIED,
    )
    flagged = REFERENCE | {"background_check": {"result": "flagged", "checked_on": "2025-11-20"}}
    yield _ok(
        "background-check-flagged",
        "The background check of 2025-11-20 was flagged.",
        _credential(flagged),
        "red",
        Reason.BACKGROUND_CHECK_FLAGGED,
    )
    yield _ok(
        "id-number-mismatch",
        "A different valid ID number of the same region and birth date is typed.",
        ref,
        "red",
        Reason.ID_NUMBER_MISMATCH,
        id_number="330203198503150047",
        id_match=False,
    )
    yield _ok(
        "id-number-mismatch-region",
        "A valid ID number of another region is typed.",
        ref,
        "red",
        Reason.ID_NUMBER_MISMATCH,
        id_number="11010119900307002X",
        id_match=False,
    )
    yield _combined()


def _combined() -> Case:
    record = REFERENCE | {
        "identity_verified": False,
        "background_check": {"result": "flagged", "checked_on": "2025-11-20"},
        "health_exam_valid_until": None,
        "insurance_valid_until": "2026-05-31",
    }
    cred = _credential(record)
    return _ok(
        "red-all-reasons-in-order",
        "Expired, identity unverified, background flagged, health exam missing, insurance expired and a "
        "mismatching typed ID number: every reason, in the order of spec §10.4; the colour is red.",
        cred,
        "red",
        Reason.EXPIRED,
        Reason.IDENTITY_UNVERIFIED,
        Reason.BACKGROUND_CHECK_FLAGGED,
        Reason.HEALTH_EXAM_MISSING,
        Reason.INSURANCE_EXPIRED,
        Reason.ID_NUMBER_MISMATCH,
        now=cred.expires_at + dt.timedelta(days=1),
        id_number="330203198503150047",
        id_match=False,
    )


# -- trust lists and status lists (spec §10.6, §15) -----------------------------------

#: When the trust list is issued (valid for a year) and the status lists' default issue time.
LIST_ISSUED = dt.datetime(2026, 1, 1, tzinfo=CST)
LISTED = CHECKED - dt.timedelta(days=1)
STATUS_REF = StatusRef(list_id=1, index=123456)


def _issuer_key(key: Ed25519PrivateKey, **options: Any) -> IssuerKey:
    return IssuerKey(
        public_key=raw_public_key(key), valid_from=options.pop("valid_from", LIST_ISSUED), **options
    )


def _trust_list(nb_key: IssuerKey | None = None, *more: IssuerKey, sequence: int = 1) -> bytes:
    """Root-signed: Ningbo (regions 3302*) with the issuer key, Hangzhou (3301*) with its own."""
    ningbo = TrustedIssuer(
        id="nb", name="宁波市家政服务中心", regions=("3302",), keys=(nb_key or _issuer_key(ISSUER), *more)
    )
    hangzhou = TrustedIssuer(
        id="hz", name="杭州市家政服务中心", regions=("3301",), keys=(_issuer_key(HANGZHOU),)
    )
    trust = TrustList(
        sequence=sequence,
        issued_at=LIST_ISSUED,
        expires_at=LIST_ISSUED + dt.timedelta(days=365),
        issuers=(ningbo, hangzhou),
    )
    return trust.sign(ROOT)


TRUST_LIST = _trust_list()


def _status_list(
    value: Status = Status.VALID,
    *,
    issued: dt.datetime = LISTED,
    index: int = 123456,
    key: Ed25519PrivateKey = ISSUER,
    list_id: int = 1,
) -> bytes:
    """Ningbo's status list ``list_id`` (2^17 entries), all valid but ``index``, signed by ``key``."""
    statuses = StatusList(MIN_SIZE)
    statuses.set(index, value)
    token = StatusListToken("nb", list_id, issued, issued + dt.timedelta(days=7), statuses, ttl=86400)
    return token.sign(key)


def _listed(
    case_id: str, description: str, cred: Credential, color: str, *reasons: Reason, **more: Any
) -> Case:
    """A code checked against the test trust list (and status lists, if given)."""
    more.setdefault("trust_list", TRUST_LIST)
    more.setdefault("issuer", "nb")
    key = more.pop("key", ISSUER)
    message = _signed(cred, key)
    return Case(
        case_id,
        description,
        to_text(message),
        color,
        reasons,
        kid=kid_of(key),
        credential=cred,
        message=message,
        **more,
    )


def trust_cases() -> Iterator[Case]:
    """Verdicts that depend on the trust list and the status lists."""
    ref, listed = _credential(), _credential(status=STATUS_REF)
    checked = (StatusState.CHECKED, Status.VALID)
    yield _listed(
        "trust-green", "The reference code, its key found in the root-signed trust list.", ref, "green"
    )
    yield _listed(
        "trust-green-status-valid",
        "A code with a status reference, and a one-day-old status list that says valid.",
        listed,
        "green",
        status_lists=(_status_list(),),
        status=checked,
    )
    yield _listed(
        "yellow-status-not-checked",
        "A code with a status reference but no status list held: revocation was not checked, so not "
        "green (spec §10.6).",
        listed,
        "yellow",
        Reason.STATUS_NOT_CHECKED,
    )
    yield _listed(
        "red-status-not-checked-policy",
        "The same under a policy that makes status_not_checked red (a fail-closed verifier).",
        listed,
        "red",
        Reason.STATUS_NOT_CHECKED,
        policy=(("unchecked_status_color", "red"),),
    )
    yield from _trust_status_cases(listed)
    yield from _list_choice_cases(listed)
    yield from _trust_key_cases(ref)
    yield from _enterprise_cases(ref)


def _trust_status_cases(listed: Credential) -> Iterator[Case]:
    for value, reason in (
        (Status.INVALID, Reason.REVOKED),
        (Status.SUSPENDED, Reason.SUSPENDED),
        (Status.RESERVED, Reason.STATUS_UNKNOWN),
    ):
        yield _listed(
            f"status-{reason.value.replace('_', '-')}",
            f"The status list holds {int(value)} ({value.name.lower()}) at the code's index.",
            listed,
            "red",
            reason,
            status_lists=(_status_list(value),),
            status=(StatusState.CHECKED, value),
        )
    yield _listed(
        "status-list-stale",
        "The status list was issued 4 days before the check: older than the 3-day policy (spec §10.6).",
        listed,
        "yellow",
        Reason.STATUS_LIST_STALE,
        status_lists=(_status_list(issued=CHECKED - dt.timedelta(days=4)),),
        status=(StatusState.STALE, Status.VALID),
    )
    far = _credential(status=StatusRef(list_id=1, index=MIN_SIZE + 5))
    yield _listed(
        "status-index-out-of-range",
        f"The code's status index {MIN_SIZE + 5} is past the end of a {MIN_SIZE}-entry list.",
        far,
        "red",
        Reason.STATUS_INDEX_OUT_OF_RANGE,
        status_lists=(_status_list(),),
        status=(StatusState.NOT_CHECKED, None),
    )


def _list_choice_cases(listed: Credential) -> Iterator[Case]:
    """Which list decides (spec §15.3), and lists that must not (issue 9 items 1, 2, 4)."""
    revoked = (StatusState.CHECKED, Status.INVALID)
    older = _status_list(Status.VALID, issued=LISTED - dt.timedelta(hours=6))
    newer = _status_list(Status.INVALID, issued=LISTED)
    for order, lists in (("newer-first", (newer, older)), ("older-first", (older, newer))):
        yield _listed(
            f"status-newest-decides-{order}",
            f"Two lists of the issuer's list 1, the {order.split('-')[0]} given first: the newer (highest "
            "iat) says revoked and decides, whatever the order (spec §15.3).",
            listed,
            "red",
            Reason.REVOKED,
            status_lists=lists,
            status=revoked,
        )
    tied = _status_list(Status.VALID, issued=LISTED)
    yield _listed(
        "status-tie-never-green",
        "Two lists with the same iat, valid one first, revoked one second: on a tie the entry that is "
        "not valid decides (order: past the end, 1, 2, 3, 0; spec §15.3).",
        listed,
        "red",
        Reason.REVOKED,
        status_lists=(tied, newer),
        status=revoked,
    )
    rotated = _trust_list(
        _issuer_key(ISSUER, state=KeyState.RETIRED, valid_until=LISTED - dt.timedelta(days=2)),
        _issuer_key(OTHER, valid_from=LISTED - dt.timedelta(days=2)),
    )
    forged = _status_list(Status.VALID, issued=LISTED, key=ISSUER)
    genuine = _status_list(Status.INVALID, issued=LISTED - dt.timedelta(hours=6), key=OTHER)
    yield _listed(
        "status-retired-key-list-refused",
        "The key that signed the code is retired; its holder publishes a newer all-valid list, which is "
        "refused (key_retired: only active keys sign status lists), and the active key's list keeps the "
        "code revoked (spec §15.3).",
        _credential(status=STATUS_REF),
        "red",
        Reason.REVOKED,
        trust_list=rotated,
        status_lists=(genuine, forged),
        status=revoked,
        refused=(None, DocumentReason.KEY_RETIRED),
    )
    pending = _trust_list(_issuer_key(ISSUER), _issuer_key(OTHER, valid_from=LISTED + dt.timedelta(hours=1)))
    yield _listed(
        "status-future-key-list-refused",
        "A second key of the issuer is published ahead of its window; its holder signs an all-valid list "
        "newer than the genuine one before the window opens: refused (issued_outside_key_window), and "
        "the active key's list keeps the code revoked (spec §15.3).",
        listed,
        "red",
        Reason.REVOKED,
        trust_list=pending,
        status_lists=(
            _status_list(Status.INVALID, issued=LISTED - dt.timedelta(hours=6)),
            _status_list(Status.VALID, issued=LISTED, key=OTHER),
        ),
        status=revoked,
        refused=(None, DocumentReason.ISSUED_OUTSIDE_KEY_WINDOW),
    )
    yield _listed(
        "yellow-status-other-list-held",
        "The issuer's list 2 is held, not list 1 that the code names: revocation was not checked, "
        "status_not_checked, yellow (spec §10.6, §15.3).",
        listed,
        "yellow",
        Reason.STATUS_NOT_CHECKED,
        status_lists=(_status_list(Status.VALID, list_id=2),),
    )
    compromised = _trust_list(_issuer_key(ISSUER, state=KeyState.COMPROMISED))
    yield _listed(
        "key-compromised-status-list-refused",
        "The signing key is compromised and so is the status list it signed (refused, key_compromised): "
        "the code, judged without it, is red key_compromised and status_not_checked (spec §10.4).",
        listed,
        "red",
        Reason.KEY_COMPROMISED,
        Reason.STATUS_NOT_CHECKED,
        trust_list=compromised,
        status_lists=(_status_list(),),
        refused=(DocumentReason.KEY_COMPROMISED,),
    )


def _enterprise_cases(ref: Credential) -> Iterator[Case]:
    """The enterprise directory (spec §15.4)."""
    yield _listed(
        "trust-green-enterprise-listed",
        "The code's enterprise is in the root-signed directory held: green, with its directory entry.",
        ref,
        "green",
        directory=DIRECTORY.sign(ROOT),
        enterprise=ref.enterprise_uscc,
    )
    yield _listed(
        "yellow-enterprise-unlisted",
        "A directory is held and the code's enterprise is not in it: enterprise_unlisted (spec §15.4).",
        ref,
        "yellow",
        Reason.ENTERPRISE_UNLISTED,
        directory=EMPTY_DIRECTORY,
    )
    yield _listed(
        "red-enterprise-unlisted-policy",
        "The same under a policy that makes enterprise_unlisted red.",
        ref,
        "red",
        Reason.ENTERPRISE_UNLISTED,
        directory=EMPTY_DIRECTORY,
        policy=(("unlisted_enterprise_color", "red"),),
    )


def _trust_key_cases(ref: Credential) -> Iterator[Case]:
    yield _listed(
        "key-compromised",
        "The trust list marks the signing key compromised.",
        ref,
        "red",
        Reason.KEY_COMPROMISED,
        trust_list=_trust_list(_issuer_key(ISSUER, state=KeyState.COMPROMISED)),
    )
    yield _listed(
        "issued-outside-key-window",
        "The signing key's window opens 2026-04-01; the code was issued 2026-03-01.",
        ref,
        "red",
        Reason.ISSUED_OUTSIDE_KEY_WINDOW,
        trust_list=_trust_list(_issuer_key(ISSUER, valid_from=dt.datetime(2026, 4, 1, tzinfo=CST))),
    )
    yield _listed(
        "trust-green-retired-key",
        "The key was retired on 2026-04-01, after it signed this code: still green (rotation, spec §15.3).",
        ref,
        "green",
        trust_list=_trust_list(
            _issuer_key(ISSUER, state=KeyState.RETIRED, valid_until=dt.datetime(2026, 4, 1, tzinfo=CST))
        ),
    )
    yield _listed(
        "issuer-out-of-scope",
        "Signed by the Hangzhou issuer (regions 3301*) for a worker in region 330203.",
        ref,
        "red",
        Reason.ISSUER_OUT_OF_SCOPE,
        key=HANGZHOU,
        issuer="hz",
    )
    yield _red(
        "role-mismatch",
        "Signed by the root key, which signs trust lists only (spec §15.5).",
        _signed(ref, ROOT),
        Reason.ROLE_MISMATCH,
        kid=kid_of(ROOT),
        trust_list=TRUST_LIST,
    )
    yield _red(
        "trust-unknown-key",
        "Signed by a key that is in no trust list.",
        _signed(ref, OTHER),
        Reason.UNKNOWN_KEY,
        kid=kid_of(OTHER),
        trust_list=TRUST_LIST,
    )


# -- signed documents (spec §15) ---------------------------------------------------------


@dataclass(frozen=True)
class DocCase:
    """One document-loading vector: load ``data`` as ``kind`` at ``now``; expect ``error`` or ``summary``."""

    id: str
    description: str
    kind: str
    data: bytes
    error: DocumentReason | None = None
    now: dt.datetime = CHECKED
    trust_list: bytes | None = None
    state: VerifierState | None = None


def _trust_claims(
    issuers: list[dict[int, Any]], *, sequence: int = 1, extra: dict[int, Any] | None = None
) -> dict[int, Any]:
    claims: dict[int, Any] = {
        TrustListClaim.IAT: int(LIST_ISSUED.timestamp()),
        TrustListClaim.EXP: int((LIST_ISSUED + dt.timedelta(days=365)).timestamp()),
        TrustListClaim.SEQUENCE: sequence,
        TrustListClaim.ISSUERS: issuers,
    }
    return claims | (extra or {})


def _issuer_entry(issuer_id: str, region: str, key: Ed25519PrivateKey) -> dict[int, Any]:
    return {
        IssuerLabel.ID: issuer_id,
        IssuerLabel.NAME: issuer_id,
        IssuerLabel.REGIONS: [region],
        IssuerLabel.KEYS: [
            {
                KeyLabel.KID: kid_of(key),
                KeyLabel.PUBLIC_KEY: raw_public_key(key),
                KeyLabel.STATE: 0,
                KeyLabel.VALID_FROM: int(LIST_ISSUED.timestamp()),
            }
        ],
    }


#: y of a point of order 8 (spec §8.2), little-endian as an Ed25519 public key.
_ORDER_8 = (0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7).to_bytes(32, "little")


def _reversed_window_entry() -> dict[int, Any]:
    entry = _issuer_entry("nb", "3302", ISSUER)
    key = entry[IssuerLabel.KEYS][0]
    key[KeyLabel.VALID_UNTIL] = key[KeyLabel.VALID_FROM] - 1
    return entry


def _weak_issuer_entry(raw: bytes = bytes([1]) + bytes(31)) -> dict[int, Any]:
    """An issuer whose key is a small-order point (the identity by default), with its correct kid."""
    return {
        IssuerLabel.ID: "weak",
        IssuerLabel.NAME: "weak",
        IssuerLabel.REGIONS: ["33"],
        IssuerLabel.KEYS: [
            {
                KeyLabel.KID: hashlib.sha256(raw).digest()[:8],
                KeyLabel.PUBLIC_KEY: raw,
                KeyLabel.STATE: 0,
                KeyLabel.VALID_FROM: int(LIST_ISSUED.timestamp()),
            }
        ],
    }


def _status_claims(sub: str, *, bits: int = 2, exp_days: int = 7) -> dict[int, Any]:
    return {
        StatusListClaim.SUB: sub,
        StatusListClaim.IAT: int(LISTED.timestamp()),
        StatusListClaim.EXP: int((LISTED + dt.timedelta(days=exp_days)).timestamp()),
        StatusListClaim.STATUS_LIST: {"bits": bits, "lst": StatusList(MIN_SIZE).compressed()},
    }


#: Two enterprises from the shared Ningbo list; their USCCs are SYNTHETIC (valid check characters).
DIRECTORY = Directory(
    sequence=1,
    issued_at=LIST_ISSUED,
    expires_at=LIST_ISSUED + dt.timedelta(days=365),
    enterprises=(
        Enterprise("91330203MA2H123450", "宁波市海曙大众社区服务有限公司", "海曙区", "330203"),
        Enterprise(
            "91330213MA2J4K5L6" + uscc_check_char("91330213MA2J4K5L6"),
            "浙江捷达物业服务有限公司",
            "奉化区",
            "330213",
        ),
    ),
)


#: The shortest useful document: a root-signed directory with no entries (also used as a code).
EMPTY_DIRECTORY = replace(DIRECTORY, enterprises=()).sign(ROOT)


def document_cases() -> Iterator[DocCase]:
    """Loading trust lists, status lists and directories (spec §15.6)."""
    yield from _trust_list_docs()
    yield from _status_list_docs()
    yield DocCase("directory-ok", "The root-signed enterprise directory.", "directory", DIRECTORY.sign(ROOT))
    yield DocCase(
        "directory-empty", "A root-signed directory with no enterprise.", "directory", EMPTY_DIRECTORY
    )
    yield DocCase(
        "directory-rollback",
        "The verifier state remembers directory sequence 2; this one is sequence 1 (spec §15.4, §15.7).",
        "directory",
        DIRECTORY.sign(ROOT),
        DocumentReason.ROLLBACK,
        state=VerifierState(directory_sequence=2),
    )
    yield DocCase(
        "directory-exp-not-after-iat",
        "exp one second before iat (spec §15.1).",
        "directory",
        sign_document(
            {
                DirectoryClaim.IAT: int(LIST_ISSUED.timestamp()),
                DirectoryClaim.EXP: int(LIST_ISSUED.timestamp()) - 1,
                DirectoryClaim.SEQUENCE: 1,
                DirectoryClaim.ENTERPRISES: [],
            },
            ROOT,
            typ=DocumentType.DIRECTORY,
        ),
        DocumentReason.MALFORMED,
    )
    yield DocCase(
        "directory-unknown-key",
        "A directory signed by an issuer key: only the root speaks for the registry.",
        "directory",
        DIRECTORY.sign(ISSUER),
        DocumentReason.UNKNOWN_KEY,
    )


def _trust_list_docs() -> Iterator[DocCase]:
    typ = DocumentType.TRUST_LIST
    flipped = TRUST_LIST[:-1] + bytes([TRUST_LIST[-1] ^ 1])
    year = dt.timedelta(days=365)
    nb = _issuer_entry("nb", "3302", ISSUER)
    yield DocCase("trust-list-ok", "The test trust list.", "trust_list", TRUST_LIST)
    for case_id, description, data, error, more in (
        (
            "unknown-key",
            "Signed by a key that is not a pinned root.",
            sign_document(_trust_claims([nb]), OTHER, typ=typ),
            DocumentReason.UNKNOWN_KEY,
            {},
        ),
        (
            "signed-by-issuer",
            "Signed by an issuer key the list itself names.",
            sign_document(_trust_claims([nb]), ISSUER, typ=typ),
            DocumentReason.ROLE_MISMATCH,
            {},
        ),
        (
            "root-as-issuer",
            "The root key is listed as an issuer key.",
            sign_document(_trust_claims([nb, _issuer_entry("rt", "33", ROOT)]), ROOT, typ=typ),
            DocumentReason.ROLE_MISMATCH,
            {},
        ),
        (
            "signature-invalid",
            "The last bit of the signature flipped.",
            flipped,
            DocumentReason.SIGNATURE_INVALID,
            {},
        ),
        (
            "weak-key",
            "An issuer key is the identity point (y = 1), of small order: anyone could forge (spec §8.2).",
            sign_document(_trust_claims([nb, _weak_issuer_entry()]), ROOT, typ=typ),
            DocumentReason.MALFORMED,
            {},
        ),
        (
            "status-list-as-trust-list",
            "A status list presented as a trust list.",
            _status_list(),
            DocumentReason.WRONG_TYPE,
            {},
        ),
        (
            "code-as-trust-list",
            "A credential presented as a trust list.",
            REFERENCE_MESSAGE,
            DocumentReason.WRONG_TYPE,
            {},
        ),
        (
            "es256",
            "alg -7 in the protected header.",
            _message(
                cbor.encode(_trust_claims([nb])),
                key=ROOT,
                protected=cbor.encode({1: -7, 4: kid_of(ROOT), 16: typ}),
            ),
            DocumentReason.UNSUPPORTED_ALGORITHM,
            {},
        ),
        (
            "unknown-claim",
            "An extra claim labelled -3.",
            sign_document(_trust_claims([nb], extra={-3: 0}), ROOT, typ=typ),
            DocumentReason.MALFORMED,
            {},
        ),
        (
            "expired",
            "Checked one day after the list's exp.",
            TRUST_LIST,
            DocumentReason.EXPIRED,
            {"now": LIST_ISSUED + year + dt.timedelta(days=1)},
        ),
        (
            "not-yet-valid",
            "Checked a day before the list's iat.",
            TRUST_LIST,
            DocumentReason.NOT_YET_VALID,
            {"now": LIST_ISSUED - dt.timedelta(days=1)},
        ),
        (
            "rollback",
            "The verifier state remembers trust list sequence 2 (spec §15.7).",
            TRUST_LIST,
            DocumentReason.ROLLBACK,
            {"state": VerifierState(trust_list_sequence=2)},
        ),
        (
            "same-sequence-again",
            "The verifier state remembers sequence 1, this very list: it loads again (spec §15.7).",
            TRUST_LIST,
            None,
            {"state": VerifierState(trust_list_sequence=1)},
        ),
        (
            "weak-key-order-8",
            "An issuer key is a point of order 8 (y = 0x7a03ac92...17c7, spec §8.2): anyone could forge.",
            sign_document(_trust_claims([nb, _weak_issuer_entry(_ORDER_8)]), ROOT, typ=typ),
            DocumentReason.MALFORMED,
            {},
        ),
        (
            "exp-not-after-iat",
            "exp equals iat (spec §15.1).",
            sign_document(
                _trust_claims([nb], extra={TrustListClaim.EXP: int(LIST_ISSUED.timestamp())}), ROOT, typ=typ
            ),
            DocumentReason.MALFORMED,
            {},
        ),
        (
            "negative-sequence",
            "sequence -1: a sequence is 0 to 2^53 - 1 (spec §15.2).",
            sign_document(_trust_claims([nb], sequence=-1), ROOT, typ=typ),
            DocumentReason.MALFORMED,
            {},
        ),
        (
            "region-no-province",
            "A region prefix 99: no GB/T 2260 province has code 99 (spec §15.2).",
            sign_document(_trust_claims([_issuer_entry("nb", "99", ISSUER)]), ROOT, typ=typ),
            DocumentReason.MALFORMED,
            {},
        ),
        (
            "empty-name",
            "An issuer with an empty display name (spec §15.2).",
            sign_document(_trust_claims([nb | {IssuerLabel.NAME: ""}]), ROOT, typ=typ),
            DocumentReason.MALFORMED,
            {},
        ),
        (
            "window-reversed",
            "A key whose valid-until is one second before its valid-from (spec §15.2).",
            sign_document(_trust_claims([_reversed_window_entry()]), ROOT, typ=typ),
            DocumentReason.MALFORMED,
            {},
        ),
    ):
        yield DocCase(f"trust-list-{case_id}", description, "trust_list", data, error, **more)


def _status_list_docs() -> Iterator[DocCase]:
    typ = DocumentType.STATUS_LIST
    compromised = _trust_list(_issuer_key(ISSUER, state=KeyState.COMPROMISED))
    future = CHECKED + dt.timedelta(days=1)
    yield DocCase("status-list-ok", "Ningbo's status list 1.", "status_list", _status_list())
    for case_id, description, data, error, more in (
        (
            "wrong-issuer",
            "Hangzhou's list signed by the Ningbo key.",
            sign_document(_status_claims("urn:anxinma:status:hz:1"), ISSUER, typ=typ),
            DocumentReason.WRONG_ISSUER,
            {},
        ),
        (
            "signed-by-root",
            "Signed by the root key.",
            sign_document(_status_claims("urn:anxinma:status:nb:1"), ROOT, typ=typ),
            DocumentReason.ROLE_MISMATCH,
            {},
        ),
        (
            "unknown-key",
            "Signed by a key in no trust list.",
            sign_document(_status_claims("urn:anxinma:status:nb:1"), OTHER, typ=typ),
            DocumentReason.UNKNOWN_KEY,
            {},
        ),
        (
            "key-compromised",
            "Signed by a key the trust list marks compromised.",
            _status_list(),
            DocumentReason.KEY_COMPROMISED,
            {"trust_list": compromised},
        ),
        (
            "bits-1",
            "bits is 1; anxinma lists have 2 bits per entry.",
            sign_document(_status_claims("urn:anxinma:status:nb:1", bits=1), ISSUER, typ=typ),
            DocumentReason.MALFORMED,
            {},
        ),
        (
            "not-yet-valid",
            "Issued a day after the check.",
            _status_list(issued=future),
            DocumentReason.NOT_YET_VALID,
            {},
        ),
        (
            "key-retired",
            "Signed by a key the trust list marks retired: only active keys sign status lists (spec §15.3).",
            _status_list(issued=LISTED - dt.timedelta(days=10)),
            DocumentReason.KEY_RETIRED,
            {"trust_list": _trust_list(_issuer_key(ISSUER, state=KeyState.RETIRED, valid_until=LISTED))},
        ),
        (
            "key-not-yet-valid",
            "Issued a day before the signing key's window opens: issued_outside_key_window (spec §15.3).",
            _status_list(),
            DocumentReason.ISSUED_OUTSIDE_KEY_WINDOW,
            {"trust_list": _trust_list(_issuer_key(ISSUER, valid_from=LISTED + dt.timedelta(days=1)))},
        ),
        (
            "rollback",
            "The verifier state remembers a list nb:1 issued an hour later than this one (spec §15.7).",
            _status_list(),
            DocumentReason.ROLLBACK,
            {
                "state": VerifierState(
                    status_lists=(("urn:anxinma:status:nb:1", int(LISTED.timestamp()) + 3600),)
                )
            },
        ),
        (
            "list-id-leading-zero",
            "sub ends in :01: a list id is decimal 0-255 without leading zeros (spec §15.3).",
            sign_document(_status_claims("urn:anxinma:status:nb:01"), ISSUER, typ=typ),
            DocumentReason.MALFORMED,
            {},
        ),
        (
            "exp-not-after-iat",
            "exp equals iat (spec §15.1).",
            sign_document(_status_claims("urn:anxinma:status:nb:1", exp_days=0), ISSUER, typ=typ),
            DocumentReason.MALFORMED,
            {},
        ),
    ):
        more.setdefault("trust_list", TRUST_LIST)
        yield DocCase(f"status-list-{case_id}", description, "status_list", data, error, **more)


def load_document(case: DocCase) -> dict[str, Any]:
    """Load ``case.data`` as the library does and summarise what was loaded (spec §14.3)."""
    roots = [ROOT.public_key()]
    if case.kind == "trust_list":
        return document_summary(TrustList.load(case.data, roots, now=case.now, state=case.state))
    if case.kind == "status_list":
        held = TrustList.load(case.trust_list or TRUST_LIST, roots, now=case.now)
        return document_summary(StatusListToken.load(case.data, held, now=case.now, state=case.state))
    return document_summary(Directory.load(case.data, roots, now=case.now, state=case.state))


def _doc_json(case: DocCase) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": case.id,
        "description": case.description,
        "document": case.kind,
        "now": case.now.isoformat(),
        "roots": [raw_public_key(ROOT).hex()],
    }
    if case.kind == "status_list":
        out["trust_list_hex"] = (case.trust_list or TRUST_LIST).hex()
    if case.state is not None:
        out["state"] = json.loads(case.state.to_json())
    out["data_hex"] = case.data.hex()
    try:
        summary = load_document(case)
    except DocumentError as exc:
        if exc.reason is not case.error:
            raise SystemExit(
                f"document {case.id}: the library says {exc.reason}, the spec says {case.error}"
            ) from None
        out["expected"] = {"error": exc.reason.value}
        return out
    if case.error is not None:
        raise SystemExit(f"document {case.id}: the library loads it, the spec says {case.error}")
    out["expected"] = {"error": None, "loaded": summary}
    return out


def documents_file() -> dict[str, Any]:
    return {
        "kind": "document",
        "title": "anxinma v1 signed documents: trust lists, status lists, directories",
        "spec": "spec/anxinma-v1.md §15, §14",
        "leeway_seconds": DEFAULT_LEEWAY,
        "keys": {name: _key_json(key) for name, key in KEYS.items()},
        "vectors": [_doc_json(c) for c in document_cases()],
    }


# -- JSON ------------------------------------------------------------------------------


def _key_json(key: Ed25519PrivateKey) -> dict[str, str]:
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return {
        "seed_hex": seed.hex(),
        "public_hex": raw_public_key(key).hex(),
        "kid_hex": kid_of(key).hex(),
        "public_pem": public_key_pem(key).decode(),
    }


def _case_json(case: Case) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": case.id,
        "description": case.description,
        "text": case.text,
        "now": case.now.isoformat(),
    }
    if case.trust_list is None:
        out["trust"] = {"keyring": [raw_public_key(KEYS[name]).hex() for name in case.trust]}
    else:
        out["trust"] = {"roots": [raw_public_key(ROOT).hex()], "trust_list_hex": case.trust_list.hex()}
    if case.status_lists:
        out["status_lists_hex"] = [token.hex() for token in case.status_lists]
    if case.directory is not None:
        out["directory_hex"] = case.directory.hex()
    if case.policy:
        out["policy"] = dict(case.policy)
    if case.id_number is not None:
        out["id_number"] = case.id_number
    if case.message is not None:
        out["message_hex"] = case.message.hex()
    state, value = case.status
    out["expected"] = {
        "color": case.color,
        "reasons": [r.value for r in case.reasons],
        "kid": None if case.kid is None else case.kid.hex(),
        "id_match": case.id_match,
        "issuer": case.issuer,
        "status": {"state": state.value, "value": None if value is None else int(value)},
        "enterprise": _enterprise_json(case.enterprise),
        "documents": _documents_json(case),
        "credential": None if case.credential is None else credential_as_dict(case.credential),
    }
    return out


def _enterprise_json(uscc: str | None) -> dict[str, str] | None:
    found = None if uscc is None else DIRECTORY.find(uscc)
    if uscc is not None and found is None:
        raise SystemExit(f"the test directory has no {uscc}")
    return None if found is None else {"uscc": found.uscc, "name": found.name, "district": found.district}


def _documents_json(case: Case) -> list[dict[str, Any]]:
    """One outcome per document the vector gives, status lists first, then the directory (§14.2)."""
    kinds = ["status_list"] * len(case.status_lists) + ["directory"] * (case.directory is not None)
    refused = case.refused or (None,) * len(kinds)
    if len(refused) != len(kinds):
        raise SystemExit(f"vector {case.id}: {len(kinds)} documents, {len(refused)} outcomes written down")
    return [
        {"kind": kind, "loaded": reason is None, "reason": None if reason is None else reason.value}
        for kind, reason in zip(kinds, refused, strict=True)
    ]


def _trust_of(case: Case) -> Keyring | TrustList:
    if case.trust_list is None:
        return Keyring([KEYS[name].public_key() for name in case.trust])
    return TrustList.load(case.trust_list, [ROOT.public_key()], now=case.now)


def _load_each(
    case: Case, trust: Keyring | TrustList
) -> tuple[list[StatusListToken], Directory | None, list[Any]]:
    """Load the vector's documents as §14.1 says; a refused one is reported, not held."""
    lists: list[StatusListToken] = []
    outcomes: list[Any] = []
    for data in case.status_lists:
        if not isinstance(trust, TrustList):
            raise SystemExit(f"vector {case.id}: status lists need a trust list")
        try:
            lists.append(StatusListToken.load(data, trust, now=case.now))
            outcomes.append(None)
        except DocumentError as exc:
            outcomes.append(exc.reason)
    directory = None
    if case.directory is not None:
        try:
            directory = Directory.load(case.directory, [ROOT.public_key()], now=case.now)
            outcomes.append(None)
        except DocumentError as exc:
            outcomes.append(exc.reason)
    return lists, directory, outcomes


def _policy(case: Case) -> Policy:
    colours = {name: Color(value) for name, value in case.policy}
    return Policy(**colours)  # type: ignore[arg-type]


def _checked(case: Case) -> Case:
    """Stop if the library's verdict differs from the one written down for ``case``."""
    trust = _trust_of(case)
    lists, directory, outcomes = _load_each(case, trust)
    got = verify(
        case.text,
        trust,
        now=case.now,
        status=lists,
        directory=directory,
        id_number=case.id_number,
        policy=_policy(case),
    )
    refused = case.refused or (None,) * len(outcomes)
    want = (
        case.color,
        case.reasons,
        case.kid,
        case.credential,
        case.id_match,
        case.issuer,
        case.status,
        case.enterprise,
        tuple(refused),
    )
    have = (
        got.color.value,
        got.reasons,
        got.kid,
        got.credential,
        got.id_match,
        None if got.issuer is None else got.issuer.id,
        (got.status.state, got.status.value),
        None if got.enterprise is None else got.enterprise.uscc,
        tuple(outcomes),
    )
    if have != want:
        raise SystemExit(f"vector {case.id}: the library says {have}, the spec says {want} ({got.detail})")
    return case


def _verify_file(title: str, cases: Iterator[Case]) -> dict[str, Any]:
    return {
        "kind": "verify",
        "title": title,
        "spec": "spec/anxinma-v1.md §10, §14",
        "leeway_seconds": DEFAULT_LEEWAY,
        "keys": {name: _key_json(key) for name, key in KEYS.items()},
        "vectors": [_case_json(_checked(c)) for c in cases],
    }


def _issue_case(case_id: str, description: str, record: dict[str, Any], **options: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": case_id,
        "description": description,
        "record": record,
        "now": ISSUED.isoformat(),
        "valid_days": options.get("valid_days", 365),
        "status": None,
        "key": "issuer",
    }
    status = options.get("status")
    if status is not None:
        out["status"] = {"list_id": status.list_id, "index": status.index}
    try:
        worker = parse_worker(record)
    except RecordError as exc:
        out["expected"] = {"error": exc.code, "field": exc.field, "label": exc.label}
        return out
    cred = credential_for(worker, now=ISSUED, **options)
    payload = cbor.encode(to_claims(cred))
    try:
        message = Issuer(ISSUER).sign(cred)
    except AnxinmaError as exc:
        out["expected"] = {
            "error": exc.code,
            "claims_bytes": len(payload),
            "message_bytes": len(_signed(cred)),
        }
        return out
    text = to_text(message)
    out["expected"] = {
        "text": text,
        "message_hex": message.hex(),
        "protected_hex": cose.protected_header(kid_of(ISSUER)).hex(),
        "claims_hex": payload.hex(),
        "claims_bytes": len(payload),
        "message_bytes": len(message),
        "text_chars": len(text),
        "qr_version_m": make_qr(text).version,
    }
    return out


def issue_file() -> dict[str, Any]:
    """Issuance known answers (spec §7.2, §11)."""
    supplementary = WORST | {"name": "\U00020000" * 20}
    cases = [
        _issue_case("reference", "The reference record (spec §7.2).", REFERENCE),
        _issue_case(
            "reference-status",
            "The reference record with a status reference.",
            REFERENCE,
            status=StatusRef(list_id=1, index=123456),
        ),
        _issue_case("id-region", "ID number from another region: ID_REGION is carried.", MIGRANT),
        _issue_case("minimal", "Only the required fields.", MINIMAL),
        _issue_case(
            "worst-case",
            "Every field at its maximum, a 20-character CJK name (3 UTF-8 bytes each), "
            "ID_REGION, a status reference, 1830 valid days (spec §7.2).",
            WORST,
            valid_days=1830,
            status=WORST_STATUS,
        ),
        _issue_case(
            "too-large",
            "The worst case with 20 supplementary-plane characters (4 UTF-8 bytes each): refused "
            "(spec §7.3).",
            supplementary,
            valid_days=1830,
            status=WORST_STATUS,
        ),
        *(
            _issue_case(
                f"ext-{case_id}",
                f"A name with a CJK {block} character: issued (spec §4.2.1).",
                REFERENCE | {"name": name},
            )
            for case_id, name, block in RARE_NAMES
        ),
        *(
            _issue_case(
                f"name-{case_id}", f"{why}: refused at issuance (spec §4.2.1).", REFERENCE | {"name": name}
            )
            for case_id, name, why in ISSUANCE_REFUSED_NAMES + SUBSET_REFUSED_NAMES
        ),
    ]
    return {
        "kind": "issue",
        "title": "anxinma v1 issuance known answers",
        "spec": "spec/anxinma-v1.md §7.2, §11, §14",
        "keys": {"issuer": _key_json(ISSUER)},
        "vectors": cases,
    }


#: Typed ID numbers (spec §10.5): what a user might type, and why.
TYPED_ID_NUMBERS = (
    ("34240119900101018X", "as printed"),
    ("34240119900101018x", "lower-case x"),
    (" 342401 19900101 018X\n", "ASCII spaces and a line feed"),
    ("342401\t19900101\r018X", "tab and carriage return"),
    ("３４２４０１１９９００１０１０１８Ｘ", "fullwidth digits and fullwidth X, from a Chinese input method"),
    ("３４２４０１\u3000１９９００１０１\u3000０１８ｘ", "fullwidth, ideographic spaces, fullwidth x"),
    ("342401\u00a019900101018X", "a no-break space"),
    ("34240119900101018X\ufeff", "U+FEFF is not removed: invalid"),
    ("34240119900101018X\x1f", "U+001F is not white space here: invalid"),
    ("342401-19900101-018X", "hyphens are not removed: invalid"),
    ("34240119900101018\u0445", "Cyrillic х is not folded: invalid"),
    ("٣٤٢٤٠١١٩٩٠٠١٠١٠١٨X", "Arabic-Indic digits are not folded: invalid"),
    ("34240119900101018Y", "a check character that is not 0-9 or X: invalid"),
    ("342401199001010181", "the wrong check character: invalid"),
)


def id_number_file() -> dict[str, Any]:
    """Typed ID number normalisation (spec §10.5)."""
    cases = []
    for n, (typed, why) in enumerate(TYPED_ID_NUMBERS):
        normalized = normalize_id_number(typed)
        valid = id_number_problem(normalized) is None
        try:
            verify(REFERENCE_TEXT, Keyring([ISSUER.public_key()]), now=CHECKED, id_number=typed)
            accepted = True
        except UsageError:
            accepted = False
        if accepted != valid:
            raise SystemExit(f"id number {typed!r}: verify and the normalisation disagree")
        cases.append(
            {"id": f"typed-{n + 1:02d}", "typed": typed, "why": why, "normalized": normalized, "valid": valid}
        )
    return {
        "kind": "id-number",
        "title": "anxinma v1 typed ID numbers: normalisation and validity",
        "spec": "spec/anxinma-v1.md §10.5, §14",
        "vectors": cases,
    }


#: RFC 9285 §4.3 (encoding examples) and §4.4 (decoding example).
BASE45_RFC = (
    ("AB", "BB8", "RFC 9285 §4.3, encoding example 1"),
    ("Hello!!", "%69 VD92EX0", "RFC 9285 §4.3, encoding example 2"),
    ("base-45", "UJCLQE7W581", "RFC 9285 §4.3, encoding example 3"),
    ("ietf!", "QED8WEX0", "RFC 9285 §4.4, decoding example 1"),
)
#: Edge values derived from the RFC 9285 §4.2 arithmetic.
BASE45_EDGES = (("", ""), ("00", "00"), ("ff", "U5"), ("0000", "000"), ("ffff", "FGW"))
#: Text a strict decoder refuses, with the 0-based position it names (spec §12).
BASE45_INVALID = (
    ("GGW", 0, "group value 65536 > 65535"),
    (":::", 0, "group value 91124 > 65535"),
    ("BB8GGW", 3, "second group value 65536 > 65535"),
    ("A", 0, "dangling single character"),
    ("BB8A", 3, "dangling single character after a group"),
    ("ZZ", 0, "final pair value 35 + 35*45 = 1610 > 255"),
    ("bb8", 0, "lower case is not in the alphabet"),
    ("BB=", 2, "'=' is not in the alphabet"),
    ("BB8\u00e9", 3, "non-ASCII character"),
)


def base45_file() -> dict[str, Any]:
    valid = [{"ascii": a, "hex": a.encode().hex(), "base45": t, "source": s} for a, t, s in BASE45_RFC] + [
        {"hex": h, "base45": t, "source": "RFC 9285 §4.2 arithmetic"} for h, t in BASE45_EDGES
    ]
    invalid = [{"base45": t, "position": p, "why": w} for t, p, w in BASE45_INVALID]
    for item in valid:
        if b45encode(bytes.fromhex(item["hex"])) != item["base45"]:
            raise SystemExit(f"base45 vector {item} does not encode as stated")
    return {
        "kind": "base45",
        "title": "Base45 (RFC 9285) known answers and strict-decoding failures",
        "spec": "spec/anxinma-v1.md §9.1, §12, §14",
        "valid": valid,
        "invalid": invalid,
    }


def cose_eddsa_file() -> dict[str, Any]:
    """cose-wg/Examples eddsa-examples/eddsa-sig-01.json, the parts needed to check Sig_structure."""
    return {
        "kind": "cose-known-answer",
        "title": "EdDSA-01: EdDSA - 25519 - sign0",
        "source": "https://github.com/cose-wg/Examples, eddsa-examples/eddsa-sig-01.json",
        "notes": (
            "A TAGGED COSE_Sign1 (tag 18) whose protected header is {1: -8, 3: 0} and whose unprotected "
            "header carries kid '11' (h'3131'): not an anxinma profile message (spec §8), so a verifier "
            "refuses it as malformed.  It is here to check Sig_structure (RFC 9052 §4.4) and Ed25519 "
            "(RFC 8032; the key is RFC 8032 §7.1 TEST 1) against an independent implementation."
        ),
        "key": {
            "kty": "OKP",
            "crv": "Ed25519",
            "kid": "11",
            "x_hex": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "d_hex": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        },
        "external_aad_hex": "",
        "protected_hex": "a201270300",
        "payload_hex": b"This is the content.".hex(),
        "to_be_signed_hex": (
            "846a5369676e61747572653145a2012703004054546869732069732074686520636f6e74656e742e"
        ),
        "signature_hex": (
            "7142fd2ff96d56db85bee905a76ba1d0b7321a95c8c4d3607c5781932b7afb87"
            "11497dfa751bf40b58b3bcc32300b1487f3db34085eef013bf08f4a44d6fef0d"
        ),
        "message_hex": (
            "d28445a201270300a10442313154546869732069732074686520636f6e74656e742e5840"
            "7142fd2ff96d56db85bee905a76ba1d0b7321a95c8c4d3607c5781932b7afb87"
            "11497dfa751bf40b58b3bcc32300b1487f3db34085eef013bf08f4a44d6fef0d"
        ),
    }


# -- output ------------------------------------------------------------------------------

FILES: dict[str, Callable[[], dict[str, Any]]] = {
    "verify-positive.json": lambda: _verify_file(
        "anxinma v1 verification: authentic, current codes (green and yellow)", positive_cases()
    ),
    "verify-negative.json": lambda: _verify_file(
        "anxinma v1 verification: codes that must be shown red", negative_cases()
    ),
    "verify-trust.json": lambda: _verify_file(
        "anxinma v1 verification against a trust list and status lists", trust_cases()
    ),
    "documents.json": documents_file,
    "id-number.json": id_number_file,
    "issue.json": issue_file,
    "base45.json": base45_file,
    "cose-eddsa-sig-01.json": cose_eddsa_file,
}


def render(document: dict[str, Any]) -> str:
    """The fixed JSON layout of every vector file."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def build() -> dict[str, str]:
    """Every vector file, name -> text."""
    return {name: render(make()) for name, make in FILES.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="directory to write (default: beside this script)"
    )
    parser.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [
            n
            for n, text in files.items()
            if not (args.out / n).is_file() or (args.out / n).read_text("utf-8") != text
        ]
        for name in stale:
            print(f"{args.out / name}: differs from the generator's output")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
