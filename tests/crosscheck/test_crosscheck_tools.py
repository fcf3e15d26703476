"""The cross-check's own parts that run in the main environment (no pycose here).

``check.py`` itself needs pycose and runs in its own environment through
``run.sh``; here: its base45 decoder against RFC 9285 and anxinma's encoder,
and ``export.py``'s output against anxinma.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import anxinma
from anxinma.base45 import b45encode
from anxinma.transport import from_text
from tests.crosscheck import export
from tests.crosscheck.crosscheck_base45 import Base45DecodeError, decode

DEMO_KID = "02334e17b73904c6"


@pytest.mark.parametrize(
    ("text", "raw"),
    [  # RFC 9285 §4.3 and §4.4 examples
        ("BB8", b"AB"),
        ("%69 VD92EX0", b"Hello!!"),
        ("UJCLQE7W581", b"base-45"),
        ("QED8WEX0", b"ietf!"),
        ("", b""),
    ],
)
def test_decoder_matches_rfc_examples(text: str, raw: bytes) -> None:
    assert decode(text) == raw


@given(st.binary(max_size=300))
def test_decoder_inverts_anxinma_encoder(data: bytes) -> None:
    assert decode(b45encode(data)) == data


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("GGW", "too large for 2"),  # 16 + 16*45 + 32*2025 = 65536
        ("GG", "too large for 1"),  # 16 + 16*45 = 736
        ("BB8A", "dangling"),
        ("bb8", "not base45"),
        ("BB=", "not base45"),
    ],
)
def test_decoder_refuses_bad_text(text: str, problem: str) -> None:
    with pytest.raises(Base45DecodeError, match=problem):
        decode(text)


def _export(tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "codes.json"
    assert export.main([str(out), *extra]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_export_codes_verify_and_carry_what_the_checker_needs(tmp_path: Path) -> None:
    data = _export(tmp_path)
    assert len(data["codes"]) == len(export.CASES) >= 5
    keyring = anxinma.Keyring([anxinma.load_public_key(data["codes"][0]["public_key_pem"].encode())])
    for code in data["codes"]:
        assert code["kid_hex"] == DEMO_KID
        assert from_text(code["text"]).hex() == code["cose_hex"]
        result = anxinma.verify(code["text"], keyring, now=export.NOW)
        assert result.credential is not None, code["label"]
        assert result.credential.name == code["expected"]["name"]
        assert int(result.credential.issued_at.timestamp()) == code["expected"]["iat"]
        assert int(result.credential.expires_at.timestamp()) == code["expected"]["exp"]


def test_export_tamper_breaks_only_the_first_signature(tmp_path: Path) -> None:
    codes = _export(tmp_path, "--tamper")["codes"]
    keyring = anxinma.Keyring([anxinma.load_public_key(codes[0]["public_key_pem"].encode())])
    first = anxinma.verify(codes[0]["text"], keyring, now=export.NOW)
    assert first.reasons == (anxinma.Reason.SIGNATURE_INVALID,)
    assert all(anxinma.verify(c["text"], keyring, now=export.NOW).credential for c in codes[1:])
