"""Chinese national code standards used in a worker record.

- GB 11643-1999 citizen identity number: 6-digit region, 8-digit birth date,
  3-digit sequence (odd for men, even for women), ISO 7064 MOD 11-2 check
  character (``0``-``9`` or ``X``).
- GB 32100-2015 unified social credit code (USCC): 18 characters from a
  31-character alphabet (no I, O, S, V, Z); positions 3-8 are a GB/T 2260
  region code; position 18 is a MOD 31 check character.
- GB/T 2260 administrative division codes: six digits whose first two name a
  province-level division.  Only the province is checked offline; the county
  table changes every year and is not shipped.

All checks are pure functions returning ``None`` when the value is valid or a
short English reason when it is not, so that callers can attach the field name.
"""

from __future__ import annotations

import datetime as dt
from operator import mul

__all__ = [
    "PROVINCES",
    "USCC_ALPHABET",
    "id_check_char",
    "id_number_problem",
    "region_problem",
    "uscc_check_char",
    "uscc_problem",
]

#: Province-level codes of GB/T 2260 (first two digits of a region code).
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
)
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"
#: The 31 characters of a USCC (GB 32100-2015 §4.2), in value order.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_CHARS = frozenset(USCC_ALPHABET)
_USCC_VALUE_BYTES = bytes(_USCC_VALUE.get(chr(b), 0) for b in range(256))
_ID_ASCII_ZEROS = ord("0") * sum(_ID_WEIGHTS)


def region_problem(code: str) -> str | None:
    """Why ``code`` is not a GB/T 2260 six-digit region code, or ``None``."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return "must be 6 ASCII digits"
    if int(code[:2]) not in PROVINCES:
        return f"{code[:2]} is not a GB/T 2260 province code"
    if code[2:] == "0000":
        return "names a whole province; a prefecture or county code is expected"
    return None


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) != 17:
        raise ValueError("17 digits expected")
    if first17.isascii() and first17.isdigit():  # the digits' ASCII codes, less 48 per weight
        return _ID_CHECK[(sum(map(mul, first17.encode(), _ID_WEIGHTS)) - _ID_ASCII_ZEROS) % 11]
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def id_number_problem(number: str) -> str | None:
    """Why ``number`` is not a valid 18-character GB 11643 citizen ID, or ``None``."""
    if len(number) != 18 or not number.isascii():
        return "must be 18 characters"
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "must be 17 digits and a check character 0-9 or X"
    region = region_problem(number[:6])
    if region is not None:
        return f"region digits {number[:6]}: {region}"
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return f"birth date {number[6:14]} is not a calendar date"
    expected = id_check_char(number[:17])
    if number[17] != expected:
        return f"check character is {number[17]}, expected {expected}"
    return None


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 USCC characters (MOD 31)."""
    if len(first17) != 17:
        raise ValueError("17 characters expected")
    if _USCC_CHARS.issuperset(first17):  # the characters' values by one byte translation
        values = first17.encode("ascii").translate(_USCC_VALUE_BYTES)
        return USCC_ALPHABET[-sum(map(mul, values, _USCC_WEIGHTS)) % 31]
    return USCC_ALPHABET[-sum(map(mul, map(_USCC_VALUE.__getitem__, first17), _USCC_WEIGHTS)) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid GB 32100 unified social credit code, or ``None``."""
    if len(code) != 18:
        return "must be 18 characters"
    if not _USCC_CHARS.issuperset(code):
        bad = next(c for c in code if c not in _USCC_VALUE)
        return f"{bad!r} is not a USCC character (0-9 and A-Y without I, O, S, V, Z)"
    if not code[2:8].isdigit():
        return "characters 3-8 must be a 6-digit region code"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]}, expected {expected}"
    return None
