"""Resource bounds (spec/security.md §5), each tested at the boundary: at the limit accepted
(where an input of exactly that size can be valid), one over refused with the cap's message.

The CBOR depth cap itself is tested in test_cbor.py (test_depth_limit, 10,000 deep); here
are the caps each *caller* sets: input bytes and text characters, CBOR data items and
nesting per structure, and the decoded size of a status list (zlib inflation).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma
from anxinma import (
    Color,
    CredentialTooLargeError,
    Directory,
    DocumentError,
    DocumentReason,
    Keyring,
    Reason,
    StatusListToken,
    TrustList,
    cbor,
    verify,
)
from anxinma.base45 import b45encode
from anxinma.cli import main
from anxinma.cli.files import MAX_RECORD_BYTES
from anxinma.cose import CoseError, parse_sign1, sig_structure, sign1
from anxinma.directory import MAX_DIRECTORY_BYTES
from anxinma.document import sign_document
from anxinma.errors import CborError
from anxinma.issue import Issuer, credential_for
from anxinma.registry import DocumentType, IssuerLabel, TrustListClaim
from anxinma.status import MAX_SIZE, MAX_TOKEN_BYTES, MIN_SIZE, StatusList
from anxinma.transport import MAX_MESSAGE_BYTES, MAX_TEXT_CHARS, PREFIX, TransportError, from_text, to_text
from anxinma.trust import MAX_TRUST_LIST_BYTES

from .conftest import NOW, REFERENCE, TEST_SEED
from .pki import KEY_A, ROOT, T0, empty_status, issuer_key, load, trust_list

KEY = Ed25519PrivateKey.from_private_bytes(TEST_SEED)
KEYRING = Keyring([KEY.public_key()])
WORKER = anxinma.parse_worker(REFERENCE)
REPO = Path(__file__).resolve().parents[1]
TOO_MANY = "too many data items"


def items(value: Any) -> int:
    """The number of CBOR data items in ``value`` as the strict decoder counts them."""
    if isinstance(value, list):
        return 1 + sum(map(items, value))
    if isinstance(value, dict):
        return 1 + sum(items(k) + items(v) for k, v in value.items())
    return 1


# -- text and message size (spec §7.3, §9) ------------------------------------------------


def test_text_of_exactly_the_maximum_length_is_decoded_one_character_more_is_refused() -> None:
    longest = PREFIX + b45encode(bytes(MAX_MESSAGE_BYTES))
    assert len(longest) == MAX_TEXT_CHARS
    assert from_text(longest) == bytes(MAX_MESSAGE_BYTES)  # past the length check and decoded
    for extra in ("0", "000"):
        with pytest.raises(TransportError, match=f"the limit is {MAX_TEXT_CHARS}"):
            from_text(longest + extra)
    result = verify(longest + "000", KEYRING, now=NOW)
    assert (result.color, result.reasons) == (Color.RED, (Reason.MALFORMED,))
    assert f"the limit is {MAX_TEXT_CHARS}" in result.detail


def _credential_of_size(size: int) -> anxinma.Credential:
    """A valid credential whose signed message is exactly ``size`` bytes (long names, status ref)."""
    base = credential_for(WORKER, now=NOW, status=anxinma.StatusRef(list_id=255, index=2**24 - 1))
    issuer = Issuer(KEY)
    for wide in range(anxinma.model.NAME_MAX, 0, -1):
        for narrow in range(anxinma.model.NAME_MAX - wide + 1):
            cred = dataclasses.replace(base, name="\U00020000" * wide + "A" * narrow)
            message = anxinma.cbor.encode(anxinma.claims.to_claims(cred))
            if len(sign1(message, KEY, issuer.kid)) == size:
                return cred
    raise AssertionError(f"no credential of {size} bytes")


def test_credential_of_exactly_the_maximum_size_is_issued_and_green_one_byte_more_is_refused() -> None:
    largest = _credential_of_size(MAX_MESSAGE_BYTES)
    message = Issuer(KEY).sign(largest)
    assert len(message) == MAX_MESSAGE_BYTES
    text = to_text(message)
    assert len(text) == MAX_TEXT_CHARS
    assert verify(text, KEYRING, now=NOW).reasons == (
        Reason.STATUS_NOT_CHECKED,
    )  # a keyring checks no status
    with pytest.raises(CredentialTooLargeError, match=f"{MAX_MESSAGE_BYTES + 1} bytes"):
        Issuer(KEY).sign(_credential_of_size(MAX_MESSAGE_BYTES + 1))


# -- CBOR data items ---------------------------------------------------------------------


@pytest.mark.parametrize("cap", [1, 2, 16, 64, 1000])
def test_cbor_item_cap_counts_every_item_exactly(cap: int) -> None:
    at_cap = list(range(cap - 1))  # the array itself is an item
    assert cbor.decode(cbor.encode(at_cap), max_items=cap) == at_cap
    with pytest.raises(CborError, match=TOO_MANY):
        cbor.decode(cbor.encode([*at_cap, 0]), max_items=cap)
    pairs = (cap - 1) // 2
    as_map = {n: 0 for n in range(pairs)}
    assert cbor.decode(cbor.encode(as_map), max_items=cap) == as_map
    with pytest.raises(CborError, match=TOO_MANY):
        cbor.decode(cbor.encode({n: 0 for n in range(pairs + 1)}), max_items=cap)


def test_a_huge_declared_count_is_refused_before_any_allocation() -> None:
    for head in (b"\x9b", b"\xbb"):  # array / map of 2^64 - 1 entries, then nothing
        started = time.perf_counter()
        with pytest.raises(CborError, match=TOO_MANY):
            cbor.decode(head + b"\xff" * 8, max_items=1_000_000)
        assert time.perf_counter() - started < 0.1


def _signed(payload: bytes) -> str:
    """A code whose payload is ``payload``, validly signed with the test key."""
    protected = cbor.encode({1: -8, 4: anxinma.kid_of(KEY)})
    return to_text(cbor.encode([protected, {}, payload, KEY.sign(sig_structure(protected, payload))]))


def test_claims_cap_of_64_items_through_verify() -> None:
    """The claims set may hold 64 items (a map of 31 pairs): at 31 pairs the decoder gets to the
    claims rules (label 0 is unknown), at 32 it stops at the cap."""
    at_cap = {n: 0 for n in range(31)}
    assert items(at_cap) == 63
    result = verify(_signed(cbor.encode(at_cap)), KEYRING, now=NOW)
    assert result.reasons == (Reason.MALFORMED,) and "unknown claim label 0" in result.detail
    over = verify(_signed(cbor.encode({n: 0 for n in range(32)})), KEYRING, now=NOW)
    assert over.reasons == (Reason.MALFORMED,) and TOO_MANY in over.detail


def test_cose_envelope_cap_of_16_items() -> None:
    """[protected, unprotected, payload, signature] with the payload replaced by an array of k
    items: 5 + k items; at 16 the parser gets to the profile rules, at 17 it stops at the cap."""
    protected = cbor.encode({1: -8, 4: anxinma.kid_of(KEY)})
    for k, words in ((11, "payload must be a byte string"), (12, TOO_MANY)):
        message = b"\x84" + cbor.encode(protected) + b"\xa0" + cbor.encode([0] * k) + cbor.encode(bytes(64))
        with pytest.raises(CoseError, match=words):
            parse_sign1(message)


def test_protected_header_cap_of_8_items() -> None:
    """A map of 3 pairs (7 items) reaches the label rules; 4 pairs (9 items) stop at the cap of 8."""
    kid = anxinma.kid_of(KEY)
    with pytest.raises(CoseError, match="label 5 is not allowed"):
        parse_sign1(cbor.encode([cbor.encode({1: -8, 4: kid, 5: 0}), {}, b"", bytes(64)]))
    with pytest.raises(CoseError, match=TOO_MANY):
        parse_sign1(cbor.encode([cbor.encode({1: -8, 4: kid, 5: 0, 6: 0}), {}, b"", bytes(64)]))


# -- signed documents (spec §15) -------------------------------------------------------------


def _filler(count: int) -> dict[int, Any]:
    """A claims map of exactly ``count`` data items: {-99: [0, 0, ...]}."""
    claims = {-99: [0] * (count - 3)}
    assert items(claims) == count
    return claims


CAPS = {
    # document type, its item cap, the signer, and a loader
    "trust_list": (DocumentType.TRUST_LIST, 200_000, ROOT),
    "status_list": (DocumentType.STATUS_LIST, 32, KEY_A),
    "directory": (DocumentType.DIRECTORY, 1_000_000, ROOT),
}


def _load(kind: str, data: bytes) -> object:
    if kind == "trust_list":
        return TrustList.load(data, [ROOT.public_key()], now=T0)
    if kind == "directory":
        return Directory.load(data, [ROOT.public_key()], now=T0)
    return StatusListToken.load(data, load(trust_list(issuer_key(KEY_A)), now=T0), now=T0)


@pytest.mark.parametrize("kind", sorted(CAPS))
def test_document_item_cap_at_the_boundary(kind: str) -> None:
    typ, cap, signer = CAPS[kind]
    with pytest.raises(DocumentError) as at_cap:
        _load(kind, sign_document(_filler(cap), signer, typ=typ))
    assert at_cap.value.reason is DocumentReason.MALFORMED
    assert TOO_MANY not in str(at_cap.value)  # got past the cap, refused by the claim rules
    with pytest.raises(DocumentError, match=TOO_MANY) as over:
        _load(kind, sign_document(_filler(cap + 1), signer, typ=typ))
    assert over.value.reason is DocumentReason.MALFORMED


@pytest.mark.parametrize(
    ("kind", "cap"),
    [
        ("trust_list", MAX_TRUST_LIST_BYTES),
        ("status_list", MAX_TOKEN_BYTES),
        ("directory", MAX_DIRECTORY_BYTES),
    ],
)
def test_document_byte_cap_at_the_boundary(kind: str, cap: int) -> None:
    """Exactly ``cap`` bytes get past the size check (and are refused for what they are);
    one byte more is refused as too_large before any parsing."""
    junk = b"\x84" + b"\x00" * (cap - 1)
    with pytest.raises(DocumentError) as at_cap:
        _load(kind, junk)
    assert at_cap.value.reason is DocumentReason.MALFORMED
    with pytest.raises(DocumentError, match=f"{cap + 1} bytes; the limit is {cap}") as over:
        _load(kind, junk + b"\x00")
    assert over.value.reason is DocumentReason.TOO_LARGE


def _trust_of_size(size: int) -> bytes:
    """A valid root-signed trust list of exactly ``size`` bytes (the issuer name pads it)."""
    base = trust_list(issuer_key(KEY_A))

    def signed(pad: int) -> bytes:
        first = dataclasses.replace(base.issuers[0], name="宁" + "x" * pad)
        return dataclasses.replace(base, issuers=(first, *base.issuers[1:])).sign(ROOT)

    guess = size - len(signed(70_000)) + 70_000  # text heads are 5 bytes from 65,536 on
    data = signed(guess)
    assert len(data) == size
    return data


def test_valid_trust_list_of_exactly_the_byte_cap_loads() -> None:
    largest = _trust_of_size(MAX_TRUST_LIST_BYTES)
    assert TrustList.load(largest, [ROOT.public_key()], now=T0).issuers[0].name.startswith("宁x")
    with pytest.raises(DocumentError) as info:
        TrustList.load(_trust_of_size(MAX_TRUST_LIST_BYTES + 1), [ROOT.public_key()], now=T0)
    assert info.value.reason is DocumentReason.TOO_LARGE


def test_valid_trust_list_of_exactly_the_item_cap_loads() -> None:
    """200,000 items: one issuer with enough region prefixes ("33", Zhejiang) to reach the cap."""
    base = trust_list(issuer_key(KEY_A))
    claims = anxinma.trust._encode(base)
    spare = 200_000 - items(claims)
    claims[TrustListClaim.ISSUERS][0][IssuerLabel.REGIONS] += ["33"] * spare
    assert items(claims) == 200_000
    loaded = TrustList.load(
        sign_document(claims, ROOT, typ=DocumentType.TRUST_LIST), [ROOT.public_key()], now=T0
    )
    assert len(loaded.issuers[0].regions) == spare + 1
    claims[TrustListClaim.ISSUERS][0][IssuerLabel.REGIONS].append("33")
    with pytest.raises(DocumentError, match=TOO_MANY):
        TrustList.load(sign_document(claims, ROOT, typ=DocumentType.TRUST_LIST), [ROOT.public_key()], now=T0)


def test_trust_list_nesting_cap_is_exactly_what_the_structure_needs() -> None:
    """Claims (depth 0) > issuers (1) > issuer (2) > keys (3) > key (4) > values: a container at
    depth 5, e.g. a kid given as an array, stops at the cap."""
    claims = anxinma.trust._encode(trust_list(issuer_key(KEY_A)))
    TrustList.load(sign_document(claims, ROOT, typ=DocumentType.TRUST_LIST), [ROOT.public_key()], now=T0)
    key_entry = claims[TrustListClaim.ISSUERS][0][IssuerLabel.KEYS][0]
    key_entry[1] = [key_entry[1]]
    with pytest.raises(DocumentError, match="nesting deeper than 5"):
        TrustList.load(sign_document(claims, ROOT, typ=DocumentType.TRUST_LIST), [ROOT.public_key()], now=T0)


# -- status list inflation (draft-ietf-oauth-status-list §4.1; spec §15.3) ---------------------


def test_status_list_of_exactly_max_size_entries_inflates_four_more_are_refused() -> None:
    raw = bytes(MAX_SIZE // 4)  # 2 bits per entry: 4 MiB
    assert StatusList.from_compressed(zlib.compress(raw)).size == MAX_SIZE
    for over in (raw + bytes(1), raw + bytes(4)):
        with pytest.raises(DocumentError, match="too large"):
            StatusList.from_compressed(zlib.compress(over))


def test_status_list_of_exactly_min_size_entries_is_accepted_fewer_are_refused() -> None:
    assert StatusList.from_compressed(zlib.compress(bytes(MIN_SIZE // 4))).size == MIN_SIZE
    with pytest.raises(DocumentError, match=f"{MIN_SIZE}"):
        StatusList.from_compressed(zlib.compress(bytes(MIN_SIZE // 4 - 1)))


def test_largest_status_list_token_loads_through_the_trust_list() -> None:
    trust = load(trust_list(issuer_key(KEY_A)), now=T0)
    token = dataclasses.replace(empty_status(), statuses=StatusList(MAX_SIZE))
    token.statuses.set(MAX_SIZE - 1, anxinma.Status.INVALID)
    loaded = StatusListToken.load(token.sign(KEY_A), trust, now=T0 + dt.timedelta(hours=1))
    assert loaded.statuses.size == MAX_SIZE and loaded.statuses.get(MAX_SIZE - 1) is anxinma.Status.INVALID


def test_zlib_bomb_is_refused_in_bounded_time_and_memory() -> None:
    """64 MiB of zeros compress to ~64 KiB; inflation stops at the 4 MiB cap."""
    bomb = zlib.compress(bytes(64 << 20), 1)
    assert len(bomb) < 512 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(DocumentError, match="too large"):
            StatusList.from_compressed(bomb)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * (MAX_SIZE // 4)  # a few copies of the capped output, not 64 MiB
    assert elapsed < 1


# -- CLI input files ---------------------------------------------------------------------------


def _padded(content: bytes, size: int) -> bytes:
    assert len(content) <= size
    return content + b"\n" * (size - len(content))


def test_worker_record_file_of_exactly_1_mib_is_read_one_byte_more_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "k.key.pem"
    key_file.write_bytes(anxinma.private_key_pem(KEY))
    key_file.chmod(0o600)
    cap = MAX_RECORD_BYTES
    record = json.dumps(REFERENCE, ensure_ascii=False).encode()
    for size, code in ((cap, 0), (cap + 1, 2)):
        path = tmp_path / f"record-{size}.json"
        path.write_bytes(_padded(record, size))
        result = CliRunner().invoke(
            main, ["issue", str(path), "--key", str(key_file), "--now", NOW.isoformat()]
        )
        assert result.exit_code == code, result.output
        if code:
            assert f"larger than {cap} bytes" in result.stderr
