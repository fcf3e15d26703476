"""Verdict integrity (issue 9) and the spec gaps of issue 11: one named regression test per finding.

Each test says in its docstring which item it holds; each failed on the code before the
fix (the red-team table in docs/security-testing.md gives the result before and after).
New public names are reached through ``anxinma.`` inside the tests, so that on the old
code each test fails on its own instead of the whole module failing to import.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma
from anxinma import (
    CST,
    Color,
    Directory,
    DocumentError,
    Enterprise,
    Keyring,
    KeyState,
    Reason,
    RecordError,
    Status,
    StatusRef,
    UsageError,
    cbor,
    cose,
)
from anxinma.claims import to_claims
from anxinma.document import sign_document
from anxinma.issue import credential_for
from anxinma.keys import raw_public_key
from anxinma.registry import DirectoryClaim, DocumentType, IssuerLabel, KeyLabel, TrustListClaim
from anxinma.transport import to_text

from .conftest import REFERENCE
from .pki import KEY_A, KEY_B, ROOT, T0, empty_status, issuer_key, trust_list

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
REF = StatusRef(list_id=0, index=4242)
ROOTS = [ROOT.public_key()]


def _worker(**changes: Any) -> anxinma.Worker:
    return anxinma.parse_worker(REFERENCE | changes)


def _load_trust(*keys: anxinma.IssuerKey, sequence: int = 1) -> anxinma.TrustList:
    return anxinma.TrustList.load(trust_list(*keys, sequence=sequence).sign(ROOT), ROOTS, now=T0 + HOUR)


def _status_doc(key: Ed25519PrivateKey, *, issued: dt.datetime, revoked: bool) -> bytes:
    token = empty_status(issued=issued)
    if revoked:
        token.statuses.set(REF.index, Status.INVALID)
    return token.sign(key)


def _reason(excinfo: pytest.ExceptionInfo[DocumentError]) -> str:
    return excinfo.value.reason.value


# -- item 1: only an active key, inside its window, signs a status list -------------------------


def test_status_list_signed_by_a_retired_key_cannot_undo_a_revocation() -> None:
    """Issue 9 item 1: a holder of a RETIRED issuer key publishes a fresh all-valid list; it is
    refused (``key_retired``) and the genuine list, signed by the active key, keeps the code red."""
    retired = issuer_key(KEY_A, state=KeyState.RETIRED, valid_until=T0 + 2 * HOUR)
    trust = _load_trust(retired, issuer_key(KEY_B, valid_from=T0 + 2 * HOUR))
    code = anxinma.issue(_worker(), KEY_A, now=T0 + HOUR, status=REF)
    now = T0 + 5 * HOUR
    genuine = anxinma.StatusListToken.load(
        _status_doc(KEY_B, issued=T0 + 3 * HOUR, revoked=True), trust, now=now
    )
    with pytest.raises(DocumentError) as refused:
        anxinma.StatusListToken.load(_status_doc(KEY_A, issued=T0 + HOUR, revoked=False), trust, now=now)
    assert _reason(refused) == "key_retired"
    result = anxinma.verify(code, trust, now=now, status=[genuine])
    assert (result.color, result.reasons) == (Color.RED, (Reason.REVOKED,))


def test_status_list_issued_outside_its_key_window_is_refused() -> None:
    """Issue 9 item 1: a list whose ``iat`` lies before the signing key's window opens (a key
    that was not yet valid) is ``issued_outside_key_window``, as a code would be."""
    trust = _load_trust(issuer_key(KEY_A, valid_from=T0 + 3 * HOUR))
    with pytest.raises(DocumentError) as refused:
        anxinma.StatusListToken.load(
            _status_doc(KEY_A, issued=T0 + 2 * HOUR, revoked=False), trust, now=T0 + 4 * HOUR
        )
    assert _reason(refused) == "issued_outside_key_window"


# -- item 2: the newest list decides, whatever the order ------------------------------------------


@pytest.mark.parametrize("newer_first", [True, False])
def test_the_newest_status_list_decides_in_either_order(newer_first: bool) -> None:
    """Issue 9 item 2: ``verify(status=[older, newer])`` used the first list given (green);
    the one with the highest ``iat`` decides, in any order."""
    trust = _load_trust(issuer_key(KEY_A))
    code = anxinma.issue(_worker(), KEY_A, now=T0 + HOUR, status=REF)
    now = T0 + 5 * HOUR
    older = anxinma.StatusListToken.load(_status_doc(KEY_A, issued=T0 + HOUR, revoked=False), trust, now=now)
    newer = anxinma.StatusListToken.load(
        _status_doc(KEY_A, issued=T0 + 2 * HOUR, revoked=True), trust, now=now
    )
    lists = [newer, older] if newer_first else [older, newer]
    result = anxinma.verify(code, trust, now=now, status=lists)
    assert (result.color, result.reasons, result.status.value) == (
        Color.RED,
        (Reason.REVOKED,),
        Status.INVALID,
    )


@pytest.mark.parametrize("order", [0, 1])
def test_a_tie_between_status_lists_never_makes_green(order: int) -> None:
    """Issue 9 item 2: two lists with the same ``iat`` that disagree: the one that is not green
    decides (tie order: past the end, 1, 2, 3, 0)."""
    trust = _load_trust(issuer_key(KEY_A))
    code = anxinma.issue(_worker(), KEY_A, now=T0 + HOUR, status=REF)
    now = T0 + 5 * HOUR
    same = T0 + 2 * HOUR
    lists = [
        anxinma.StatusListToken.load(_status_doc(KEY_A, issued=same, revoked=r), trust, now=now)
        for r in (False, True)
    ]
    result = anxinma.verify(code, trust, now=now, status=lists[order:] + lists[:order])
    assert result.reasons == (Reason.REVOKED,)


# -- item 3: a status entry and no list is not green -------------------------------------------------


def test_a_code_with_a_status_entry_and_no_list_is_yellow_status_not_checked() -> None:
    """Issue 9 item 3: no list held (or only a bare keyring) for a code that carries a status
    reference gave GREEN; now ``status_not_checked``, yellow by default, red by policy."""
    trust = _load_trust(issuer_key(KEY_A))
    code = anxinma.issue(_worker(), KEY_A, now=T0 + HOUR, status=REF)
    now = T0 + 2 * HOUR
    for held in (trust, Keyring([KEY_A.public_key()])):
        result = anxinma.verify(code, held, now=now)
        assert (result.color, result.reasons) == (Color.YELLOW, (Reason.STATUS_NOT_CHECKED,))
    strict = anxinma.Policy(unchecked_status_color=Color.RED)
    assert anxinma.verify(code, trust, now=now, policy=strict).color is Color.RED
    plain = anxinma.issue(_worker(), KEY_A, now=T0 + HOUR)  # no status entry: nothing to check
    assert anxinma.verify(plain, trust, now=now).ok


# -- item 4 (library part): a refused list does not stop the verdict ------------------------------


def test_a_compromised_key_code_is_red_even_though_its_status_list_is_refused() -> None:
    """Issue 9 item 4: the issuer's status list signed by its compromised key is refused
    (``key_compromised``, a DocumentError the caller reports); the code, judged without it,
    is red ``key_compromised`` (and ``status_not_checked``), never an error."""
    trust = _load_trust(issuer_key(KEY_A, state=KeyState.COMPROMISED))
    code = anxinma.issue(_worker(), KEY_A, now=T0 + HOUR, status=REF)
    now = T0 + 3 * HOUR
    with pytest.raises(DocumentError) as refused:
        anxinma.StatusListToken.load(_status_doc(KEY_A, issued=T0 + 2 * HOUR, revoked=False), trust, now=now)
    assert _reason(refused) == "key_compromised"
    result = anxinma.verify(code, trust, now=now)
    assert (result.color, result.reasons) == (Color.RED, (Reason.KEY_COMPROMISED, Reason.STATUS_NOT_CHECKED))


# -- item 5: rollback of every signed document, remembered ---------------------------------------


def _directory(sequence: int, *enterprises: Enterprise) -> bytes:
    return Directory(sequence, T0, T0 + 365 * DAY, enterprises).sign(ROOT)


def test_verifier_state_refuses_rollback_of_trust_list_directory_and_status_list() -> None:
    """Issue 9 item 5: rollback protection needed a manual ``min_sequence`` and the directory
    had none; a :class:`VerifierState` remembers the newest of each and the loaders refuse
    anything older as ``rollback`` (the same document again still loads)."""
    now = T0 + 5 * HOUR
    old_trust, new_trust = (trust_list(issuer_key(KEY_A), sequence=n).sign(ROOT) for n in (1, 2))
    old_dir, new_dir = _directory(3), _directory(4)
    trust = anxinma.TrustList.load(new_trust, ROOTS, now=now)
    token = anxinma.StatusListToken.load(
        _status_doc(KEY_A, issued=T0 + 2 * HOUR, revoked=True), trust, now=now
    )
    state = anxinma.VerifierState().remember(trust, Directory.load(new_dir, ROOTS, now=now), token)
    for load in (
        lambda: anxinma.TrustList.load(old_trust, ROOTS, now=now, state=state),
        lambda: Directory.load(old_dir, ROOTS, now=now, state=state),
        lambda: anxinma.StatusListToken.load(
            _status_doc(KEY_A, issued=T0 + HOUR, revoked=False), trust, now=now, state=state
        ),
    ):
        with pytest.raises(DocumentError) as refused:
            load()
        assert _reason(refused) == "rollback"
    assert anxinma.TrustList.load(new_trust, ROOTS, now=now, state=state).sequence == 2
    assert Directory.load(new_dir, ROOTS, now=now, state=state).sequence == 4


def test_verifier_state_never_goes_back_and_round_trips_through_json() -> None:
    """Issue 9 item 5: the state is pure (``remember`` returns a new one that never lowers a
    value) and has one JSON form (spec §15.7) that reads back strictly."""
    state = anxinma.VerifierState(5, 2, (("urn:anxinma:status:nb:0", 1_800_000_000),))
    older = anxinma.TrustList(3, T0, T0 + DAY, ())
    assert state.remember(older) == state
    text = state.to_json()
    assert text == (
        b'{"format":1,"trust_list_sequence":5,"directory_sequence":2,'
        b'"status_lists":{"urn:anxinma:status:nb:0":1800000000}}\n'
    )
    assert anxinma.VerifierState.from_json(text) == state
    assert anxinma.VerifierState.from_json(anxinma.VerifierState().to_json()) == anxinma.VerifierState()
    for bad in (b"", b"[]", b'{"format":2}', text.replace(b"5,", b"-5,"), text.replace(b"5,", b"true,")):
        with pytest.raises(UsageError):
            anxinma.VerifierState.from_json(bad)


# -- item 6: an unlisted enterprise ---------------------------------------------------------------


def test_an_unlisted_enterprise_is_yellow_when_a_directory_is_held() -> None:
    """Issue 9 item 6: a USCC not in the held root-signed directory was GREEN with a note; it is
    ``enterprise_unlisted`` (yellow, red by policy); a listed one is reported with the verdict."""
    listed = Enterprise("91330203MA2H123450", "宁波市海曙大众社区服务有限公司", "海曙区", "330203")
    now = T0 + 2 * HOUR
    code = anxinma.issue(_worker(), KEY_A, now=T0 + HOUR)
    trust = _load_trust(issuer_key(KEY_A))
    empty = Directory.load(_directory(1), ROOTS, now=now)
    result = anxinma.verify(code, trust, now=now, directory=empty)
    assert (result.color, result.reasons) == (Color.YELLOW, (Reason.ENTERPRISE_UNLISTED,))
    strict = anxinma.Policy(unlisted_enterprise_color=Color.RED)
    assert anxinma.verify(code, trust, now=now, directory=empty, policy=strict).color is Color.RED
    full = Directory.load(_directory(1, listed), ROOTS, now=now)
    found = anxinma.verify(code, trust, now=now, directory=full)
    assert found.ok and found.enterprise == listed
    assert anxinma.verify(code, trust, now=now).enterprise is None  # no directory: not checked


# -- items 7 and 8: names ---------------------------------------------------------------------------

#: Names that display blank or as someone else's (issue 9 item 7), with what refuses them.
REFUSED_NAMES = {
    "hangul-filler-3164": "王\u3164",
    "hangul-filler-115f": "\u115f王",
    "halfwidth-filler-ffa0": "王\uffa0秀",
    "braille-blank": "\u2800",
    "variation-selector": "王\ufe0f秀英",
    "combining-grapheme-joiner": "王\u034f秀英",
    "lone-combining-mark": "\u0301",
    "stacked-marks": "x"
    + "".join(chr(c) for c in range(0x0300, 0x0300 + 17)),  # NFC: one class, no composite
    "kangxi-radical": "\u2f5f兰",
    "fullwidth-latin": "\uff2c\uff49",
    "mixed-cyrillic-latin": "\u0410lice",
}
#: Of these, the verifier subset (spec §4.2.2) catches all but the last three.
ISSUANCE_ONLY = {"kangxi-radical", "fullwidth-latin", "mixed-cyrillic-latin"}


@pytest.mark.parametrize("kind", sorted(REFUSED_NAMES))
def test_names_that_display_blank_or_as_someone_else_are_refused_at_issuance(kind: str) -> None:
    """Issue 9 item 7: each of these was issued and verified GREEN; issuance refuses it,
    naming the name field and its label."""
    with pytest.raises(RecordError) as refused:
        anxinma.parse_worker(REFERENCE | {"name": REFUSED_NAMES[kind]})
    assert (refused.value.field, refused.value.label) == ("name", -1)


@pytest.mark.parametrize("kind", sorted(set(REFUSED_NAMES) - ISSUANCE_ONLY))
def test_the_verifier_subset_refuses_what_it_lists_even_when_signed(kind: str) -> None:
    """Issue 9 item 7: signed by an issuer key past issuance checks, a name the table-free
    verifier subset lists is ``malformed`` (the kid is reported: it failed at step 9)."""
    claims = to_claims(credential_for(_worker(), now=T0)) | {-1: REFUSED_NAMES[kind]}
    payload = cbor.encode(claims)
    text = to_text(cose.sign1(payload, KEY_A, anxinma.kid_of(KEY_A)))
    result = anxinma.verify(text, Keyring([KEY_A.public_key()]), now=T0 + HOUR)
    assert result.reasons == (Reason.MALFORMED,) and result.kid == anxinma.kid_of(KEY_A)


@pytest.mark.parametrize(
    "name",
    [
        "王\U00020000",
        "\U0002a6d6丽",
        "\U0002b740明",
        "陈\U00030000",
        "李\U00031350",
        "\U0002ebf0芳",
        "王\U000323b0",
    ],
)
def test_rare_character_names_issue_and_verify_green(name: str) -> None:
    """Issue 9 item 8: CJK Extension B-J names (U+20000 ... U+31350 Ext H, U+2EBF0 Ext I,
    U+323B0 Ext J) were refused on Python 3.11 (Unicode 14) as 'a control or separator
    character'; a legal name is issued and verified green whatever the host's Unicode."""
    code = anxinma.issue(_worker(name=name), KEY_A, now=T0)
    assert anxinma.verify(code, Keyring([KEY_A.public_key()]), now=T0 + HOUR).ok


def test_verifying_never_imports_the_unicode_database_of_issuance() -> None:
    """Issue 9 item 8: unicodedata2 and regex are imported on the issuing path only (cold start)."""
    script = (
        "import sys, datetime as dt, anxinma\n"
        "from anxinma import _demo\n"
        "now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)\n"
        "code = anxinma.Issuer(_demo.private_key()).sign(anxinma.credential_for("
        "anxinma.parse_worker(_demo.reference_record()), now=now))\n"
        "loaded = ('regex' in sys.modules, 'unicodedata2' in sys.modules)\n"
        "sys.modules.pop('regex'); sys.modules.pop('unicodedata2')\n"
        "anxinma.verify(anxinma.transport.to_text(code), anxinma.Keyring([_demo.public_key()]), now=now)\n"
        "print(loaded, 'regex' in sys.modules, 'unicodedata2' in sys.modules)\n"
    )
    fresh = "import sys, anxinma; from anxinma import verify, Keyring; print('regex' in sys.modules)"
    assert subprocess.run(
        [sys.executable, "-c", fresh], capture_output=True, text=True, check=True
    ).stdout == ("False\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout == "(True, True) False False\n"


# -- item 9: one encoding per credential -----------------------------------------------------------


def test_typ_null_in_a_credential_header_is_malformed() -> None:
    """Issue 9 item 9: ``{1: -8, 4: kid, 16: null}`` was accepted (``header.get(16) is None``)."""
    payload = cbor.encode(to_claims(credential_for(_worker(), now=T0)))
    protected = cbor.encode({1: -8, 4: anxinma.kid_of(KEY_A), 16: None})
    text = to_text(cose.sign1(payload, KEY_A, anxinma.kid_of(KEY_A), protected=protected))
    result = anxinma.verify(text, Keyring([KEY_A.public_key()]), now=T0 + HOUR)
    assert result.reasons == (Reason.MALFORMED,) and result.kid is None


# -- item 12: the clock's range ----------------------------------------------------------------------

OUT_OF_RANGE = [
    dt.datetime.max.replace(tzinfo=dt.UTC),
    dt.datetime.min.replace(tzinfo=dt.UTC),
    dt.datetime.min.replace(tzinfo=CST),
    dt.datetime.max.replace(tzinfo=dt.timezone(-dt.timedelta(hours=23))),
    dt.datetime(9999, 1, 1, tzinfo=dt.UTC),
    dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
    dt.datetime(2106, 2, 7, 6, 28, 16, tzinfo=dt.UTC),
]


@pytest.mark.parametrize("now", OUT_OF_RANGE, ids=lambda n: n.isoformat())
def test_a_now_outside_the_format_range_is_a_usage_error_everywhere(now: dt.datetime) -> None:
    """Issue 9 item 12: ``datetime.max`` gave OverflowError and 2106-03-01 issued a code no verifier
    accepts; issue, verify and every loader raise UsageError (never OverflowError)."""
    trust = _load_trust(issuer_key(KEY_A))
    code = anxinma.issue(_worker(), KEY_A, now=T0)
    for call in (
        lambda: anxinma.issue(_worker(), KEY_A, now=now),
        lambda: anxinma.verify(code, trust, now=now),
        lambda: anxinma.TrustList.load(trust_list(issuer_key(KEY_A)).sign(ROOT), ROOTS, now=now),
        lambda: anxinma.StatusListToken.load(_status_doc(KEY_A, issued=T0, revoked=False), trust, now=now),
        lambda: Directory.load(_directory(1), ROOTS, now=now),
    ):
        with pytest.raises(UsageError):
            call()


def test_an_expiry_past_2106_is_a_usage_error_and_the_last_second_works() -> None:
    """Issue 9 item 12: ``now`` + validity past 2^32 - 1 is refused at issuance; up to it, fine."""
    last = dt.datetime.fromtimestamp(2**32 - 1, dt.UTC)
    with pytest.raises(UsageError, match="2106-02-07T06:28:15Z"):
        anxinma.issue(_worker(), KEY_A, now=last - 365 * DAY + dt.timedelta(seconds=1))
    code = anxinma.issue(_worker(health_exam_valid_until=None), KEY_A, now=last - 365 * DAY)
    assert anxinma.verify(code, Keyring([KEY_A.public_key()]), now=last).reasons[0] is Reason.EXPIRED


# -- item 14 and issue 10 item 3: the text form ----------------------------------------------------------


def test_an_oversized_text_is_malformed_whatever_its_prefix() -> None:
    """Issue 9 item 14: ``AXM2:`` + too long gave ``unsupported_version``; the length comes first."""
    ring = Keyring([KEY_A.public_key()])
    assert anxinma.verify("AXM2:" + "0" * 358, ring, now=T0).reasons == (Reason.MALFORMED,)
    assert anxinma.verify("AXM2:" + "0" * 357, ring, now=T0).reasons == (Reason.UNSUPPORTED_VERSION,)


def test_surrounding_ascii_white_space_is_removed_and_nothing_else() -> None:
    """Issue 10 item 3: a pasted code with a trailing newline or a leading space was RED in the
    library; ASCII white space around it is removed (spec §9.1), other white space is not."""
    code = anxinma.issue(_worker(), KEY_A, now=T0)
    ring = Keyring([KEY_A.public_key()])
    for text in (code + "\n", code + "\r\n", " \t" + code + " \x0b\x0c", "\n" + code):
        assert anxinma.verify(text, ring, now=T0 + HOUR).ok, repr(text)
    for text in (code + "\u3000", "\u00a0" + code, code + "\x85", code[:8] + " " + code[8:]):
        assert anxinma.verify(text, ring, now=T0 + HOUR).color is Color.RED, repr(text)
    assert anxinma.verify(" " * 10 + code + " " * 10, ring, now=T0 + HOUR).ok  # stripped before the cap


def test_a_version_prefix_has_ascii_digits_only() -> None:
    """Issue 11 (§9.1): ``AXM١:`` (an Arabic-Indic digit) read as a later version."""
    ring = Keyring([KEY_A.public_key()])
    assert anxinma.verify("AXM\u0661:ABC", ring, now=T0).reasons == (Reason.MALFORMED,)
    assert anxinma.verify("AXM12:ABC", ring, now=T0).reasons == (Reason.UNSUPPORTED_VERSION,)


# -- issue 11: spec gaps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "matches"),
    [
        ("34240119900101018x", True),
        ("\u3000３４２４０１　１９９００１０１　０１８ｘ\t", True),
        ("３４２４０１１９９００１０１０１８Ｘ", True),
        ("34240119900101018X\u00a0", True),
        ("34240119900101018X\ufeff", None),
        ("34240119900101018X\x1f", None),
        ("342401-19900101-018X", None),
    ],
)
def test_a_typed_id_number_is_normalised_as_the_spec_says(typed: str, matches: bool | None) -> None:
    """Issue 11 (§10.5): which white space is removed (ASCII, U+00A0, U+3000) and that fullwidth
    digits and X from a Chinese input method fold; U+FEFF, U+001F or a hyphen is an input error."""
    code = anxinma.issue(_worker(id_number="34240119900101018X"), KEY_A, now=T0)
    ring = Keyring([KEY_A.public_key()])
    if matches is None:
        with pytest.raises(UsageError):
            anxinma.verify(code, ring, now=T0 + HOUR, id_number=typed)
    else:
        assert anxinma.verify(code, ring, now=T0 + HOUR, id_number=typed).id_match is matches


def _trust_claims(issuer: dict[int, Any], **changes: Any) -> dict[int, Any]:
    claims = {
        TrustListClaim.IAT: int(T0.timestamp()),
        TrustListClaim.EXP: int((T0 + 365 * DAY).timestamp()),
        TrustListClaim.SEQUENCE: 1,
        TrustListClaim.ISSUERS: [issuer],
    }
    return claims | {getattr(TrustListClaim, k.upper()): v for k, v in changes.items()}


def _issuer(**changes: Any) -> dict[int, Any]:
    key = {
        KeyLabel.KID: anxinma.kid_of(KEY_A),
        KeyLabel.PUBLIC_KEY: raw_public_key(KEY_A),
        KeyLabel.STATE: 0,
        KeyLabel.VALID_FROM: int(T0.timestamp()),
    }
    key |= {getattr(KeyLabel, k.upper()): v for k, v in changes.pop("key", {}).items()}
    issuer = {
        IssuerLabel.ID: "nb",
        IssuerLabel.NAME: "宁波",
        IssuerLabel.REGIONS: ["3302"],
        IssuerLabel.KEYS: [key],
    }
    return issuer | {getattr(IssuerLabel, k.upper()): v for k, v in changes.items()}


@pytest.mark.parametrize(
    "claims",
    [
        _trust_claims(_issuer(key={"valid_until": int(T0.timestamp()) - 1})),
        _trust_claims(_issuer(), exp=int(T0.timestamp())),
        _trust_claims(_issuer(regions=["99"])),
        _trust_claims(_issuer(regions=["0101"])),
        _trust_claims(_issuer(name="")),
        _trust_claims(_issuer(), sequence=-1),
        _trust_claims(_issuer(), sequence=2**53),
    ],
    ids=[
        "valid-until-before-from",
        "exp-equals-iat",
        "prefix-99",
        "prefix-01",
        "empty-name",
        "sequence-1",
        "sequence-2^53",
    ],
)
def test_trust_list_edges_of_section_15_2_are_malformed(claims: dict[int, Any]) -> None:
    """Issue 11 (§15.2): a window that ends before it starts, ``exp`` not after ``iat``, a region
    prefix with no valid province, an empty display name, a sequence outside 0..2^53 - 1."""
    data = sign_document(claims, ROOT, typ=DocumentType.TRUST_LIST)
    with pytest.raises(DocumentError) as refused:
        anxinma.TrustList.load(data, ROOTS, now=T0 + HOUR)
    assert _reason(refused) == "malformed"


@pytest.mark.parametrize(
    "sub", ["urn:anxinma:status:nb:00", "urn:anxinma:status:nb:007", "urn:anxinma:status:nb:256"]
)
def test_a_status_list_id_is_decimal_0_to_255_without_leading_zeros(sub: str) -> None:
    """Issue 11 (§15.3): the CDDL allowed 1 to 3 digits (``007``, ``999``); the list id is 0-255."""
    trust = _load_trust(issuer_key(KEY_A))
    claims = {2: sub, 6: int(T0.timestamp()), 4: int((T0 + DAY).timestamp())}
    claims[65533] = {"bits": 2, "lst": anxinma.StatusList(anxinma.status.MIN_SIZE).compressed()}
    data = sign_document(claims, KEY_A, typ=DocumentType.STATUS_LIST)
    with pytest.raises(DocumentError) as refused:
        anxinma.StatusListToken.load(data, trust, now=T0 + HOUR)
    assert _reason(refused) == "malformed"


def test_a_directory_whose_exp_is_not_after_its_iat_is_malformed() -> None:
    """Issue 11 (§15.1): every document's ``exp`` must be later than its ``iat``."""
    claims = {
        DirectoryClaim.IAT: int(T0.timestamp()),
        DirectoryClaim.EXP: int(T0.timestamp()),
        DirectoryClaim.SEQUENCE: 1,
        DirectoryClaim.ENTERPRISES: [],
    }
    with pytest.raises(DocumentError) as refused:
        Directory.load(sign_document(claims, ROOT, typ=DocumentType.DIRECTORY), ROOTS, now=T0 + HOUR)
    assert _reason(refused) == "malformed"


def test_the_verdict_json_form_has_the_members_of_section_14() -> None:
    """Issue 11 (§14.2): one JSON form of a verdict for the CLI and the page."""
    trust = _load_trust(issuer_key(KEY_A))
    now = T0 + 2 * HOUR
    token = anxinma.StatusListToken.load(_status_doc(KEY_A, issued=T0 + HOUR, revoked=False), trust, now=now)
    code = anxinma.issue(_worker(), KEY_A, now=T0 + HOUR, status=REF)
    result = anxinma.verify(code, trust, now=now, status=[token])
    outcome = anxinma.DocumentOutcome("s.cwt", "status_list")
    out = anxinma.verification_as_dict(result, now=now, trust=trust, documents=[outcome])
    assert list(out) == [
        "color", "reasons", "kid", "id_match", "detail", "issuer", "status", "credential", "enterprise",
        "trust", "documents",
    ]  # fmt: skip
    assert out["status"] == {
        "state": "checked",
        "value": 0,
        "list": "urn:anxinma:status:nb:0",
        "age_seconds": 3600,
    }
    assert out["trust"] == {"sequence": 1, "age_seconds": 7200}
    assert out["documents"] == [{"file": "s.cwt", "kind": "status_list", "loaded": True, "reason": None}]
    assert out["credential"]["issued_at"] == "2025-12-31T17:00:00+00:00"
    assert json.loads(json.dumps(out, ensure_ascii=False)) == out


def test_documents_that_would_be_malformed_are_not_signed() -> None:
    """Issue 11 (§15.1, §15.2): what a loader refuses as malformed, a signer refuses as misuse."""
    with pytest.raises(UsageError, match="expiry"):
        anxinma.TrustList(1, T0, T0, ()).sign(ROOT)
    with pytest.raises(UsageError, match="sequence"):
        anxinma.TrustList(-1, T0, T0 + DAY, ()).sign(ROOT)
    with pytest.raises(UsageError, match="sequence"):
        Directory(2**53, T0, T0 + DAY, ()).sign(ROOT)
    with pytest.raises(UsageError, match="expiry"):
        empty_status(issued=T0).__class__("nb", 0, T0, T0, empty_status().statuses).sign(KEY_A)
    with pytest.raises(UsageError, match="NumericDate"):
        Directory(1, T0, dt.datetime(2200, 1, 1, tzinfo=dt.UTC), ()).sign(ROOT)
