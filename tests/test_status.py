"""Status lists (spec §15.3, draft-ietf-oauth-status-list): revocation story, staleness, refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib

import pytest

import anxinma
from anxinma import Color, DocumentError, DocumentReason, Reason, Status, StatusState
from anxinma.status import MIN_SIZE, StatusList

from .conftest import REFERENCE
from .pki import KEY_A, OTHER, ROOT, T0, empty_status, issuer_key, load, trust_list

WORKER = anxinma.parse_worker(REFERENCE)
REF = anxinma.StatusRef(list_id=0, index=98_765)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def trust() -> anxinma.TrustList:
    return load(trust_list(issuer_key(KEY_A)), now=T0)


def publish(token: anxinma.StatusListToken, trust: anxinma.TrustList, key=KEY_A) -> anxinma.StatusListToken:  # type: ignore[no-untyped-def]
    return anxinma.StatusListToken.load(token.sign(key), trust, now=token.issued_at + HOUR)


def test_bit_layout_matches_the_draft_example() -> None:
    """draft-ietf-oauth-status-list §4.1: statuses 1,2,0,3,0,1,0,1,1,2,3,3 -> bytes C9 44 F9."""
    statuses = StatusList(MIN_SIZE)
    for index, value in enumerate([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]):
        statuses.set(index, Status(value))
    assert zlib.decompress(statuses.compressed())[:3] == bytes([0xC9, 0x44, 0xF9])
    assert [statuses.get(i) for i in range(4)] == [
        Status.INVALID,
        Status.SUSPENDED,
        Status.VALID,
        Status.RESERVED,
    ]


def test_revocation_story(trust: anxinma.TrustList) -> None:
    code = anxinma.issue(WORKER, KEY_A, now=T0, status=REF)
    token = empty_status()
    now = T0 + 2 * HOUR

    def verdict() -> anxinma.Verification:
        return anxinma.verify(code, trust, now=now, status=[publish(token, trust)])

    first = verdict()
    assert first.ok and first.status.state is StatusState.CHECKED and first.status.value is Status.VALID
    assert first.status.list_uri == "urn:anxinma:status:nb:0"
    token.statuses.set(REF.index, Status.INVALID)
    assert (verdict().color, verdict().reasons) == (Color.RED, (Reason.REVOKED,))
    token.statuses.set(REF.index, Status.SUSPENDED)
    assert (verdict().color, verdict().reasons) == (Color.RED, (Reason.SUSPENDED,))
    token.statuses.set(REF.index, Status.VALID)
    assert verdict().ok


def test_without_a_status_list_the_result_says_not_checked(trust: anxinma.TrustList) -> None:
    code = anxinma.issue(WORKER, KEY_A, now=T0, status=REF)
    result = anxinma.verify(code, trust, now=T0 + HOUR)
    assert result.status.state is StatusState.NOT_CHECKED
    assert (result.color, result.reasons) == (Color.YELLOW, (Reason.STATUS_NOT_CHECKED,))  # issue 9 item 3
    other_list = publish(empty_status(list_id=1), trust)  # a list of the same issuer, another list id
    other = anxinma.verify(code, trust, now=T0 + HOUR, status=[other_list])
    assert other.status.state is StatusState.NOT_CHECKED and other.reasons == (Reason.STATUS_NOT_CHECKED,)


def test_stale_status_list_colour_follows_the_policy(trust: anxinma.TrustList) -> None:
    code = anxinma.issue(WORKER, KEY_A, now=T0, status=REF)
    token = publish(empty_status(), trust)
    old = anxinma.verify(code, trust, now=T0 + dt.timedelta(days=4), status=[token])  # older than 3 days
    assert (old.color, old.reasons, old.status.state) == (
        Color.YELLOW,
        (Reason.STATUS_LIST_STALE,),
        StatusState.STALE,
    )
    assert old.status.age == dt.timedelta(days=4)
    strict = anxinma.Policy(stale_status_color=Color.RED)
    expired = anxinma.verify(code, trust, now=T0 + dt.timedelta(days=8), status=[token], policy=strict)
    assert (expired.color, expired.reasons) == (Color.RED, (Reason.STATUS_LIST_STALE,))
    lenient = anxinma.Policy(max_status_age=dt.timedelta(days=5))
    assert anxinma.verify(code, trust, now=T0 + dt.timedelta(days=4), status=[token], policy=lenient).ok


def test_index_out_of_range_is_red(trust: anxinma.TrustList) -> None:
    far = anxinma.StatusRef(list_id=0, index=MIN_SIZE)  # one past the end of a minimum-size list
    code = anxinma.issue(WORKER, KEY_A, now=T0, status=far)
    result = anxinma.verify(code, trust, now=T0 + HOUR, status=[publish(empty_status(), trust)])
    assert (result.color, result.reasons) == (Color.RED, (Reason.STATUS_INDEX_OUT_OF_RANGE,))


def test_status_list_signed_by_another_issuer_is_refused(trust: anxinma.TrustList) -> None:
    with pytest.raises(DocumentError) as info:
        publish(empty_status(issuer="nb"), trust, key=OTHER)  # Hangzhou's key signs Ningbo's list
    assert info.value.reason is DocumentReason.WRONG_ISSUER


def test_status_list_signed_by_the_root_is_refused(trust: anxinma.TrustList) -> None:
    with pytest.raises(DocumentError) as info:
        publish(empty_status(), trust, key=ROOT)
    assert info.value.reason is DocumentReason.ROLE_MISMATCH


def test_status_list_signed_by_a_compromised_key_is_refused() -> None:
    bad = load(trust_list(issuer_key(KEY_A, state=anxinma.KeyState.COMPROMISED)), now=T0)
    with pytest.raises(DocumentError) as info:
        publish(empty_status(), bad)
    assert info.value.reason is DocumentReason.KEY_COMPROMISED


def test_decompression_is_bounded() -> None:
    with pytest.raises(DocumentError, match="too large"):
        StatusList.from_compressed(zlib.compress(bytes(((1 << 24) // 4) + 4)))
    with pytest.raises(DocumentError, match="junk"):
        StatusList.from_compressed(zlib.compress(bytes(MIN_SIZE // 4)) + b"x")
    with pytest.raises(DocumentError, match="status list"):
        StatusList.from_compressed(b"not zlib")


def test_token_round_trip(trust: anxinma.TrustList) -> None:
    token = empty_status()
    token.statuses.set(7, Status.SUSPENDED)
    loaded = publish(token, trust)
    assert (loaded.issuer_id, loaded.list_id, loaded.ttl) == ("nb", 0, 86400)
    assert loaded.statuses.get(7) is Status.SUSPENDED
    assert loaded.statuses.counts()[Status.SUSPENDED] == 1
    assert dataclasses.replace(loaded, kid=b"", statuses=token.statuses) == token
