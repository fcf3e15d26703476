"""Claims set (spec §5): exact round trips, packing, size budget, strict claim decoding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

import anxinma
from anxinma import Claim, RecordError, cbor
from anxinma.claims import from_claims, pack_card_no, pack_uscc, to_claims, unpack_card_no, unpack_uscc
from anxinma.idcheck import id_matches
from anxinma.qr import make_qr
from anxinma.transport import MAX_MESSAGE_BYTES, from_text, to_text

from .conftest import NOW
from .strategies import card_numbers, statuses, usccs, workers

PROFILE = [f for f in anxinma.Worker.__dataclass_fields__ if f != "id_number"]


def same_profile(a: Any, b: Any) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in PROFILE)


@settings(max_examples=300, deadline=None)
@given(worker=workers(), status=statuses, valid_days=st.integers(1, 1830))
def test_any_valid_record_round_trips_exactly(
    key: Ed25519PrivateKey, worker: anxinma.Worker, status: anxinma.StatusRef | None, valid_days: int
) -> None:
    issuer = anxinma.Issuer(key)
    cred = anxinma.credential_for(worker, now=NOW, valid_days=valid_days, status=status)
    try:
        text = to_text(issuer.sign(cred))
    except anxinma.CredentialTooLargeError:
        assert len(cbor.encode(to_claims(cred))) + 84 > MAX_MESSAGE_BYTES
        assert any(ord(c) > 0xFFFF for c in worker.name)  # only astral-plane names can exceed
        return
    result = anxinma.verify(text, anxinma.Keyring([key.public_key()]), now=NOW)
    decoded = result.credential
    assert decoded is not None and decoded == cred
    assert same_profile(decoded, worker)
    assert id_matches(decoded.id_hint, decoded.card_no, worker.id_number)
    assert decoded.id_mask == worker.id_number[:6] + "*" * 12


@given(card_numbers)
def test_card_number_packing_is_a_bijection(card_no: str) -> None:
    value = pack_card_no(card_no)
    assert 0 < value < 2**64
    assert unpack_card_no(value) == card_no


@given(usccs())
def test_uscc_packing_round_trips_in_ten_bytes(uscc: str) -> None:
    raw = pack_uscc(uscc)
    assert len(raw) == 10
    assert unpack_uscc(raw) == uscc


def test_reference_code_fits_qr_version_9_m_with_room_for_status(worker: anxinma.Worker, key: Any) -> None:
    text = anxinma.issue(worker, key, now=NOW)
    assert len(from_text(text)) == 164
    assert make_qr(text).designator == "9-M"
    with_status = anxinma.issue(worker, key, now=NOW, status=anxinma.StatusRef(list_id=255, index=2**24 - 1))
    assert len(from_text(with_status)) == 170  # 9-M holds 171 bytes after the prefix
    assert make_qr(with_status).designator == "9-M"


def worst_case(name: str) -> anxinma.Worker:
    return anxinma.Worker(
        name=name,
        id_number="650102199912319998",
        card_no="Z" * 12,
        enterprise_uscc="YY" + "999999" + "YYYYYYYYY" + "2",
        region="330203",
        services=frozenset(anxinma.Service),
        identity_verified=True,
        background_check=anxinma.BackgroundCheck(
            result=anxinma.BackgroundResult.FLAGGED, checked_on=dt.date(2026, 11, 1)
        ),
        health_exam_valid_until=dt.date(2099, 12, 31),
        insurance_valid_until=dt.date(2099, 12, 31),
        training_hours=65535,
        credit_score=100,
        rating=anxinma.Rating(average=5.0, count=1_000_000),
    )


MAX_STATUS = anxinma.StatusRef(list_id=255, index=2**24 - 1)


def test_worst_case_bmp_record_fits_version_11_m(key: Ed25519PrivateKey) -> None:
    text = anxinma.issue(worst_case("龘" * 20), key, now=NOW, status=MAX_STATUS)
    assert len(from_text(text)) <= MAX_MESSAGE_BYTES
    assert make_qr(text).designator in ("10-M", "11-M")


def test_oversize_credential_is_refused(key: Ed25519PrivateKey) -> None:
    with pytest.raises(anxinma.CredentialTooLargeError, match="at most 238"):
        anxinma.issue(worst_case("𠮷" * 20), key, now=NOW, status=MAX_STATUS)


def _claims(worker: anxinma.Worker) -> dict[int, Any]:
    return to_claims(anxinma.credential_for(worker, now=NOW))


@pytest.mark.parametrize(
    ("change", "label"),
    [
        ({Claim.NAME: b"x"}, Claim.NAME),
        ({Claim.CARD_NO: 0}, Claim.CARD_NO),
        ({Claim.ENTERPRISE: b"\x00" * 9}, Claim.ENTERPRISE),
        ({Claim.ENTERPRISE: b"\xff" * 10}, Claim.ENTERPRISE),
        ({Claim.REGION: 990203}, Claim.REGION),
        ({Claim.SERVICES: 256}, Claim.SERVICES),
        ({Claim.SERVICES: -1}, Claim.SERVICES),
        ({Claim.IDENTITY: 1 << 12}, Claim.IDENTITY),
        ({Claim.RATING: 51}, Claim.RATING),
        ({Claim.CREDIT_SCORE: 101}, Claim.CREDIT_SCORE),
        ({Claim.ID_REGION: 330203}, Claim.ID_REGION),
        ({Claim.EXP: 0}, Claim.EXP),
        ({Claim.IAT: True}, Claim.IAT),
    ],
)
def test_bad_claim_values_name_their_label(
    worker: anxinma.Worker, change: dict[int, Any], label: Claim
) -> None:
    claims = {**_claims(worker), **change}
    with pytest.raises(RecordError) as info:
        from_claims(claims)
    assert info.value.label == label, str(info.value)
    assert f"(label {int(label)})" in str(info.value)


def test_unknown_and_missing_claims(worker: anxinma.Worker) -> None:
    with pytest.raises(RecordError, match="unknown claim label -15"):
        from_claims({**_claims(worker), -15: 0})
    claims = _claims(worker)
    del claims[Claim.SERVICES]
    with pytest.raises(RecordError, match=r"services \(label -7\): required"):
        from_claims(claims)
    with pytest.raises(RecordError, match="must be a map"):
        from_claims([1, 2])  # type: ignore[arg-type]


def test_flagged_bit_without_background_date_is_refused(worker: anxinma.Worker) -> None:
    claims = _claims(worker)
    del claims[Claim.BACKGROUND_CHECKED_ON]
    claims[Claim.IDENTITY] |= 1 << 11
    with pytest.raises(RecordError, match="background-flagged"):
        from_claims(claims)


_OPTIONAL_LABELS = {Claim.NBF, Claim.ID_REGION, Claim.BACKGROUND_CHECKED_ON, Claim.HEALTH_EXAM_VALID_UNTIL,
                    Claim.INSURANCE_VALID_UNTIL, Claim.TRAINING_HOURS, Claim.CREDIT_SCORE, Claim.RATING,
                    Claim.STATUS}  # fmt: skip


_NAMES = ["王秀英", " 王", "e\u0301", "a\u00ad", "a" * 21, ""]


@st.composite
def _claims_sets(draw: st.DrawFn) -> dict[int, Any]:
    """Claims sets as a verifier decodes them: a valid one with up to three claims set to
    values near the edges of their rules, or left out."""
    worker = draw(workers())
    valid_days = draw(st.integers(1, 5 * 366))
    claims = to_claims(anxinma.credential_for(worker, now=NOW, valid_days=valid_days, status=draw(statuses)))
    day = st.integers(0, 0xFFFF) | st.sampled_from([10956, 10957, 47481, 47482])
    moment = st.integers(0, 2**32 - 1) | st.integers(claims[Claim.IAT] - 10, claims[Claim.IAT] + 10)
    region = st.sampled_from([330203, 110101, 330000, 990101, 1, 999999])
    edges = {
        Claim.IAT: moment,
        Claim.EXP: moment | st.just(claims[Claim.IAT] + 1830 * 86400 + draw(st.integers(-1, 1))),
        Claim.NBF: moment,
        Claim.NAME: st.sampled_from(_NAMES) | st.text(max_size=8),
        Claim.CARD_NO: st.integers(0, 2**64 - 1) | st.integers(0, 40),
        Claim.ENTERPRISE: st.binary(min_size=10, max_size=10),
        Claim.REGION: region,
        Claim.ID_REGION: region,
        Claim.IDENTITY: st.integers(0, 0xFFF),
        Claim.SERVICES: st.integers(0, 255),
        Claim.BACKGROUND_CHECKED_ON: day,
        Claim.HEALTH_EXAM_VALID_UNTIL: day,
        Claim.INSURANCE_VALID_UNTIL: day,
        Claim.TRAINING_HOURS: st.integers(0, 0xFFFF),
        Claim.CREDIT_SCORE: st.integers(0, 100),
        Claim.RATING: st.integers(0, 2**32 - 1) | st.integers(0, 2**20),
        Claim.STATUS: st.integers(0, 2**32 - 1),
    }
    for label in draw(st.lists(st.sampled_from(sorted(edges)), max_size=3, unique=True)):
        if draw(st.booleans()) and label in _OPTIONAL_LABELS:
            claims.pop(int(label), None)  # an optional claim left out
        else:
            claims[int(label)] = draw(edges[label])
    return claims


@settings(max_examples=600)
@given(_claims_sets())
def test_decoding_assembles_exactly_what_the_constructor_would(claims: dict[int, Any]) -> None:
    """Credential.from_claim_values skips the checks a decoded value passes by construction;
    with the full constructor instead, every claims set gives the same credential or error."""
    import dataclasses

    def outcome() -> object:
        try:
            return from_claims(claims)
        except RecordError as exc:
            return (exc.field, exc.label, str(exc))

    fast = outcome()
    names = [f.name for f in dataclasses.fields(anxinma.Credential)]
    full = classmethod(lambda cls, values: cls(**dict(zip(names, values, strict=True))))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(anxinma.Credential, "from_claim_values", full)
        assert outcome() == fast
