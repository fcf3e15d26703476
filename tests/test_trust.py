"""Trust lists (spec §15.2-15.5): rotation, compromise, scope, roles and rollback."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import anxinma
from anxinma import Color, DocumentError, DocumentReason, KeyState, Reason
from anxinma.document import sign_document
from anxinma.registry import DocumentType
from anxinma.trust import _encode

from .conftest import REFERENCE
from .pki import KEY_A, KEY_B, OTHER, ROOT, T0, issuer_key, load, trust_list

WORKER = anxinma.parse_worker(REFERENCE)  # region 330203 (Ningbo, Haishu)
DAY = dt.timedelta(days=1)


def test_rotation_story() -> None:
    """Key A active -> key B added -> A retired: A's old codes stay green, A can no
    longer issue; A compromised -> every code A signed is red."""
    stage1 = trust_list(issuer_key(KEY_A))
    old_code = anxinma.issue(WORKER, KEY_A, now=T0 + 10 * DAY)
    assert anxinma.verify(old_code, load(stage1, now=T0 + 11 * DAY), now=T0 + 11 * DAY).ok

    stage2 = dataclasses.replace(
        stage1.with_key("nb", issuer_key(KEY_B, valid_from=T0 + 20 * DAY)), sequence=2
    )
    overlap = load(stage2, now=T0 + 21 * DAY)
    b_code = anxinma.issue(WORKER, KEY_B, now=T0 + 21 * DAY)
    assert anxinma.verify(old_code, overlap, now=T0 + 22 * DAY).ok  # both keys valid during the overlap
    assert anxinma.verify(b_code, overlap, now=T0 + 22 * DAY).ok

    retired_at = T0 + 30 * DAY
    stage3 = dataclasses.replace(
        stage2.with_key_state(KEY_A_KID, KeyState.RETIRED, at=retired_at), sequence=3
    )
    after = load(stage3, now=T0 + 40 * DAY)
    assert anxinma.verify(old_code, after, now=T0 + 40 * DAY).ok  # issued before retirement: green
    late_a = anxinma.issue(WORKER, KEY_A, now=T0 + 31 * DAY)  # A signs after its window closed
    result = anxinma.verify(late_a, after, now=T0 + 40 * DAY)
    assert (result.color, result.reasons) == (Color.RED, (Reason.ISSUED_OUTSIDE_KEY_WINDOW,))
    assert anxinma.verify(b_code, after, now=T0 + 40 * DAY).ok

    stage4 = dataclasses.replace(stage3.with_key_state(KEY_A_KID, KeyState.COMPROMISED), sequence=4)
    compromised = load(stage4, now=T0 + 50 * DAY)
    for code in (old_code, late_a):
        verdict = anxinma.verify(code, compromised, now=T0 + 50 * DAY)
        assert verdict.color is Color.RED and Reason.KEY_COMPROMISED in verdict.reasons
    assert anxinma.verify(b_code, compromised, now=T0 + 50 * DAY).ok


KEY_A_KID = anxinma.kid_of(KEY_A)


def test_issuer_out_of_scope() -> None:
    trust = load(trust_list(issuer_key(KEY_A)), now=T0)
    code = anxinma.issue(WORKER, OTHER, now=T0)  # the Hangzhou issuer signs for a Ningbo region
    result = anxinma.verify(code, trust, now=T0)
    assert (result.color, result.reasons) == (Color.RED, (Reason.ISSUER_OUT_OF_SCOPE,))
    assert result.issuer is not None and result.issuer.id == "hz"


def test_code_issued_before_the_key_window_opened() -> None:
    trust = load(trust_list(issuer_key(KEY_A, valid_from=T0 + 5 * DAY)), now=T0 + 6 * DAY)
    code = anxinma.issue(WORKER, KEY_A, now=T0 + DAY)
    assert anxinma.verify(code, trust, now=T0 + 6 * DAY).reasons == (Reason.ISSUED_OUTSIDE_KEY_WINDOW,)


def test_a_root_key_cannot_sign_credentials() -> None:
    trust = load(trust_list(issuer_key(KEY_A)), now=T0)
    result = anxinma.verify(anxinma.issue(WORKER, ROOT, now=T0), trust, now=T0)
    assert (result.color, result.reasons) == (Color.RED, (Reason.ROLE_MISMATCH,))
    assert result.credential is None


def test_an_issuer_key_cannot_sign_a_trust_list() -> None:
    trust = trust_list(issuer_key(KEY_A))
    with pytest.raises(anxinma.UsageError, match="roles never mix"):
        trust.sign(KEY_A)  # the library will not produce one ...
    forged = sign_document(_encode(trust), KEY_A, typ=DocumentType.TRUST_LIST)  # ... a forger might
    with pytest.raises(DocumentError) as info:
        anxinma.TrustList.load(forged, [ROOT.public_key()], now=T0)
    assert info.value.reason is DocumentReason.ROLE_MISMATCH


def test_a_root_key_listed_as_an_issuer_key_is_refused() -> None:
    with pytest.raises(anxinma.UsageError, match="roles never mix"):
        trust_list(issuer_key(ROOT)).sign(ROOT)


def test_unknown_signer_and_bad_signature() -> None:
    with pytest.raises(DocumentError) as info:
        load(trust_list(issuer_key(KEY_A)), now=T0, signer=KEY_B)
    assert info.value.reason is DocumentReason.UNKNOWN_KEY
    signed = bytearray(trust_list(issuer_key(KEY_A)).sign(ROOT))
    signed[-1] ^= 1
    with pytest.raises(DocumentError) as info:
        anxinma.TrustList.load(bytes(signed), [ROOT.public_key()], now=T0)
    assert info.value.reason is DocumentReason.SIGNATURE_INVALID


def test_rollback_is_refused() -> None:
    newer = trust_list(issuer_key(KEY_A), sequence=7).sign(ROOT)
    older = trust_list(issuer_key(KEY_A), sequence=6).sign(ROOT)
    held = anxinma.TrustList.load(newer, [ROOT.public_key()], now=T0)
    assert (
        anxinma.TrustList.load(newer, [ROOT.public_key()], now=T0, min_sequence=held.sequence).sequence == 7
    )
    with pytest.raises(DocumentError) as info:
        anxinma.TrustList.load(older, [ROOT.public_key()], now=T0, min_sequence=held.sequence)
    assert info.value.reason is DocumentReason.ROLLBACK


def test_expired_and_future_trust_lists() -> None:
    signed = trust_list(issuer_key(KEY_A)).sign(ROOT)
    with pytest.raises(DocumentError) as info:
        anxinma.TrustList.load(signed, [ROOT.public_key()], now=T0 + 400 * DAY)
    assert info.value.reason is DocumentReason.EXPIRED
    with pytest.raises(DocumentError) as info:
        anxinma.TrustList.load(signed, [ROOT.public_key()], now=T0 - DAY)
    assert info.value.reason is DocumentReason.NOT_YET_VALID


def test_documents_cannot_be_taken_for_one_another(code: str) -> None:
    signed = trust_list(issuer_key(KEY_A)).sign(ROOT)
    with pytest.raises(DocumentError) as info:
        anxinma.Directory.load(signed, [ROOT.public_key()], now=T0)
    assert info.value.reason is DocumentReason.WRONG_TYPE
    from anxinma.transport import from_text

    with pytest.raises(DocumentError) as info:
        anxinma.TrustList.load(from_text(code), [ROOT.public_key()], now=T0)
    assert info.value.reason is DocumentReason.WRONG_TYPE
    as_text = anxinma.transport.to_text(signed)
    result = anxinma.verify(as_text, load(trust_list(issuer_key(KEY_A)), now=T0), now=T0)
    assert result.reasons == (Reason.MALFORMED,)


def test_trust_list_round_trips() -> None:
    original = trust_list(issuer_key(KEY_A), issuer_key(KEY_B, valid_until=T0 + DAY, state=KeyState.RETIRED))
    loaded = load(original, now=T0)
    assert loaded.issuers == original.issuers
    assert loaded.sequence == 1 and loaded.root_kids == {anxinma.kid_of(ROOT)}
