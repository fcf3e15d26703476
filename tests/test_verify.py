"""Verification (spec §10): colour rule, clock rule, reason codes, and tampering never goes green."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

import anxinma
from anxinma import Color, Keyring, Reason, UsageError, verify
from anxinma.base45 import ALPHABET, b45encode
from anxinma.transport import PREFIX, from_text

from .conftest import NOW

CST = anxinma.CST


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=CST)


def issue_with(record: dict[str, Any], key: Ed25519PrivateKey, **changes: Any) -> str:
    record.update(changes)
    record = {k: v for k, v in record.items() if v is not None}
    return anxinma.issue(anxinma.parse_worker(record), key, now=NOW)


def test_reference_is_green(code: str, keyring: Keyring, key: Ed25519PrivateKey) -> None:
    result = verify(code, keyring, now=NOW)
    assert result.color is Color.GREEN and result.ok
    assert result.reasons == () and result.detail == ""
    assert result.kid == anxinma.kid_of(key)
    assert result.credential is not None and result.credential.name == "王秀英"
    assert result.id_match is None


def test_health_exam_expires_after_its_day_in_china_standard_time(code: str, keyring: Keyring) -> None:
    assert verify(code, keyring, now=at(2027, 9, 30, 23, 59, 59)).color is Color.GREEN
    late = verify(code, keyring, now=at(2027, 10, 1))
    assert late.color is Color.YELLOW
    assert late.reasons == (Reason.HEALTH_EXAM_EXPIRED,)
    assert "2027-09-30" in late.detail
    # 2027-09-30 16:00 UTC is already 2027-10-01 00:00 in CST
    assert verify(code, keyring, now=dt.datetime(2027, 9, 30, 16, tzinfo=dt.UTC)).color is Color.YELLOW


def test_both_documents_lapsed_are_both_reported(code: str, keyring: Keyring) -> None:
    result = verify(code, keyring, now=at(2028, 1, 1))
    assert result.reasons == (Reason.EXPIRED, Reason.HEALTH_EXAM_EXPIRED, Reason.INSURANCE_EXPIRED)
    assert result.color is Color.RED  # exp (2027-11-27) passed too


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("health_exam_valid_until", Reason.HEALTH_EXAM_MISSING),
        ("insurance_valid_until", Reason.INSURANCE_MISSING),
    ],
)
def test_missing_documents_are_yellow(
    record: dict[str, Any], key: Ed25519PrivateKey, keyring: Keyring, field: str, reason: Reason
) -> None:
    result = verify(issue_with(record, key, **{field: None}), keyring, now=NOW)
    assert (result.color, result.reasons) == (Color.YELLOW, (reason,))


def test_identity_and_background_failures_are_red(
    record: dict[str, Any], key: Ed25519PrivateKey, keyring: Keyring
) -> None:
    flagged = {"result": "flagged", "checked_on": "2020-10-12"}
    text = issue_with(
        record, key, identity_verified=False, background_check=flagged, insurance_valid_until=None
    )
    result = verify(text, keyring, now=NOW)
    assert result.color is Color.RED
    assert result.reasons == (
        Reason.IDENTITY_UNVERIFIED,
        Reason.BACKGROUND_CHECK_FLAGGED,
        Reason.INSURANCE_MISSING,
    )


def test_expiry_has_no_leeway(code: str, keyring: Keyring) -> None:
    cred = verify(code, keyring, now=NOW).credential
    assert cred is not None
    exp = cred.expires_at
    assert Reason.EXPIRED not in verify(code, keyring, now=exp - dt.timedelta(seconds=1)).reasons
    assert verify(code, keyring, now=exp).reasons[0] is Reason.EXPIRED
    assert verify(code, keyring, now=exp, leeway=3600).reasons[0] is Reason.EXPIRED


def test_issued_in_the_future_within_leeway(code: str, keyring: Keyring) -> None:
    assert verify(code, keyring, now=NOW - dt.timedelta(seconds=300)).color is Color.GREEN
    early = verify(code, keyring, now=NOW - dt.timedelta(seconds=301))
    assert early.reasons == (Reason.NOT_YET_VALID,)
    assert verify(code, keyring, now=NOW - dt.timedelta(seconds=301), leeway=600).ok


def test_typed_id_number(code: str, keyring: Keyring) -> None:
    right = verify(code, keyring, now=NOW, id_number=" 330203 19850315 0020 ")
    assert right.id_match is True and right.ok
    wrong = verify(code, keyring, now=NOW, id_number="330203198503150039")
    assert wrong.id_match is False
    assert (wrong.color, wrong.reasons) == (Color.RED, (Reason.ID_NUMBER_MISMATCH,))
    with pytest.raises(UsageError, match="id_number: check character"):
        verify(code, keyring, now=NOW, id_number="330203198503150021")


def test_wrong_number_is_a_mismatch_at_least_99_9_percent_of_the_time(code: str, keyring: Keyring) -> None:
    """Every other valid ID number of the same region and birth month: measure the false-match rate."""
    from anxinma.gbcodes import id_check_char

    cred = verify(code, keyring, now=NOW).credential
    assert cred is not None
    from anxinma.idcheck import id_matches

    tried = matched = 0
    for day in range(1, 29):
        for seq in range(1000):
            first17 = f"3302031985{3:02d}{day:02d}{seq:03d}"
            number = first17 + id_check_char(first17)
            if number == "330203198503150020":
                continue
            tried += 1
            matched += id_matches(cred.id_hint, cred.card_no, number)
    assert tried == 27_999
    assert matched / tried < 0.001 * 1.25  # expected 1/1024 = 0.098 %; allow sampling noise
    assert matched > 0  # the check value is truncated on purpose: collisions exist


def test_unknown_key(code: str) -> None:
    other = Keyring([Ed25519PrivateKey.from_private_bytes(b"\x01" * 32).public_key()])
    result = verify(code, other, now=NOW)
    assert (result.color, result.reasons) == (Color.RED, (Reason.UNKNOWN_KEY,))
    assert result.credential is None and result.kid is not None


def test_keyring_refuses_a_kid_collision(key: Ed25519PrivateKey) -> None:
    with pytest.raises(UsageError, match="share kid"):
        Keyring([key.public_key(), key.public_key()])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", Reason.MALFORMED),
        ("hello", Reason.MALFORMED),
        ("HC1:6BFOXN%TS3DH0YOJ58S", Reason.MALFORMED),
        ("AXM2:BB8", Reason.UNSUPPORTED_VERSION),
        ("AXM10:BB8", Reason.UNSUPPORTED_VERSION),
        ("AXM1:", Reason.MALFORMED),
        ("AXM1:BB8", Reason.MALFORMED),
        ("AXM1:ab", Reason.MALFORMED),
        ("AXM1:" + "0" * 400, Reason.MALFORMED),
    ],
)
def test_garbage_is_red_with_a_reason(text: str, reason: Reason, keyring: Keyring) -> None:
    result = verify(text, keyring, now=NOW)
    assert (result.color, result.reasons) == (Color.RED, (reason,))
    assert result.detail


def test_misuse_raises(code: str, keyring: Keyring) -> None:
    with pytest.raises(UsageError, match="timezone-aware"):
        verify(code, keyring, now=dt.datetime(2026, 11, 27))
    with pytest.raises(UsageError, match="Keyring"):
        verify(code, {"kid": "key"}, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="text"):
        verify(12345, keyring, now=NOW)  # type: ignore[arg-type]


def test_every_single_bit_flip_of_the_signed_message_is_rejected(code: str, keyring: Keyring) -> None:
    message = from_text(code)
    for i in range(len(message)):
        for bit in range(8):
            tampered = bytearray(message)
            tampered[i] ^= 1 << bit
            result = verify(PREFIX + b45encode(bytes(tampered)), keyring, now=NOW)
            assert result.color is Color.RED, (i, bit)
            assert result.credential is None, (i, bit)


def test_every_single_character_change_of_the_text_is_rejected(code: str, keyring: Keyring) -> None:
    for i in range(len(code)):
        for char in ALPHABET:
            if char != code[i]:
                changed = code[:i] + char + code[i + 1 :]
                assert verify(changed, keyring, now=NOW).color is Color.RED, (i, char)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_truncations_extensions_and_splices_never_go_green(
    code: str, keyring: Keyring, data: st.DataObject
) -> None:
    body = code[len(PREFIX) :]
    a, b = sorted(data.draw(st.tuples(st.integers(0, len(body)), st.integers(0, len(body)))))
    insert = data.draw(st.text(alphabet=ALPHABET, max_size=12))
    variant = data.draw(st.sampled_from(["cut", "insert", "splice", "extend"]))
    mutated = {
        "cut": body[:a] + body[b:],
        "insert": body[:a] + insert + body[a:],
        "splice": body[:a] + insert + body[b:],
        "extend": body + insert,
    }[variant]
    if mutated.rstrip(" ") == body:  # trailing spaces are removed before decoding (spec §9.1)
        return
    result = verify(PREFIX + mutated, keyring, now=NOW)
    assert result.color is Color.RED
