"""The citizen ID number in a code: a display mask and a salted check value.

A code never carries the full ID number (spec §6).  It carries the first six
digits (shown as ``330203************``) and a 10-bit check value

    check = first 10 bits of SHA-256("anxinma/v1/id-check" 0x00 card_no 0x00 id_number)

so that a verifier who is shown the ID card can type its number and learn
"match" or "mismatch".  A wrong number is reported as a mismatch with
probability 1 - 2**-10 = 99.90 %; someone who knows the region and the sex of
the worker and has unlimited computation is still left with about 9,800
equally plausible numbers (spec §6.2 shows the arithmetic).  The salt is the
card number, which stays the same when a card is re-issued, so every credential
of one card carries the same check value and re-issuing leaks nothing new.
"""

from __future__ import annotations

from .model import IdHint

__all__ = ["CHECK_BITS", "id_hint", "id_matches", "normalize_id_number"]

CHECK_BITS = 10
_DOMAIN = b"anxinma/v1/id-check\x00"


def _check_value(id_number: str, card_no: str) -> int:
    import hashlib  # noqa: PLC0415  (a verifier loads it only when an ID number is typed: cold start)

    digest = hashlib.sha256(_DOMAIN + card_no.encode() + b"\x00" + id_number.encode()).digest()
    return int.from_bytes(digest[:2], "big") >> (16 - CHECK_BITS)


#: What a typed ID number may carry around its characters (spec §10.5): ASCII white
#: space (U+0009-U+000D, U+0020), U+00A0 NO-BREAK SPACE and U+3000 IDEOGRAPHIC SPACE.
_DROP = dict.fromkeys(map(ord, "\t\n\v\f\r \u00a0\u3000"))
#: Folded: fullwidth digits (a Chinese input method types them) and x, fullwidth X and x, to X.
_FOLD = {0xFF10 + n: ord("0") + n for n in range(10)} | dict.fromkeys(map(ord, "xＸｘ"), ord("X"))
_TYPED = _DROP | _FOLD


def normalize_id_number(typed: str) -> str:
    """A typed ID number as spec §10.5 normalises it: white space removed, fullwidth digits
    and every form of x folded to ASCII (``x`` -> ``X``); anything else is left for the
    GB 11643 check to refuse."""
    return typed.translate(_TYPED)


def id_hint(id_number: str, card_no: str) -> IdHint:
    """The ID hint an issuer puts in a code (spec §6.1)."""
    return IdHint(id_number[:6], _check_value(id_number, card_no))


def id_matches(hint: IdHint, card_no: str, id_number: str) -> bool:
    """Whether a (normalised, valid) typed ID number is consistent with ``hint``."""
    return id_number[:6] == hint.region and _check_value(id_number, card_no) == hint.check
