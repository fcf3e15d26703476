"""A worker's name: what it may contain, at issuance and at verification (spec §4.2.1, §4.2.2).

A family at the door reads the name on the verifier's screen, so a name must
display as exactly one thing: no invisible or blank characters, no look-alikes
of other characters, no mixing of scripts that look alike.  Two rules:

- :func:`name_problem`, the **verifier subset** (spec §4.2.2): explicit code
  point ranges, no Unicode database, so that every verifier on every host
  (Python 3.11's Unicode 14, a browser's Unicode 17...) gives the same answer.
  A code point it does not list is accepted: a verifier never turns red on a
  character that is newer than its host.  NFC is checked with the host's
  normalization data, which can only refuse names no conforming issuer signs.
- :func:`issuance_name_problem`, the **full rule** (spec §4.2.1), following UTS #39
  and UAX #31 on the Unicode version pinned by the spec (:data:`UNICODE_VERSION`):
  general categories and normalization from ``unicodedata2``, Script_Extensions
  and Default_Ignorable_Code_Point from ``regex``.  Both are imported on first
  use, on the issuing path only; verifying never imports them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

__all__ = [
    "MAX_COMBINING_MARKS",
    "NAME_MAX",
    "UNICODE_VERSION",
    "issuance_name_problem",
    "name_problem",
]

#: The Unicode version of the full rule (spec §4.2.1): that of the pinned ``unicodedata2``.
UNICODE_VERSION = "18.0.0"
#: The most code points a name may have (spec §4.2).
NAME_MAX = 20
#: The most combining marks in a row (spec §4.2; UTS #39 §5.4 suggests 4 nonspacing marks).
MAX_COMBINING_MARKS = 4

#: Code points a verifier refuses in a name (spec §4.2.2): controls, format characters,
#: white space but U+0020, surrogates, private use, noncharacters, every
#: Default_Ignorable_Code_Point of Unicode 18.0, and the blank U+2800.
REFUSED_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F),
    (0x007F, 0x00A0),
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x1680, 0x1680),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x206F),
    (0x2800, 0x2800),
    (0x3000, 0x3000),
    (0x3164, 0x3164),
    (0xD800, 0xF8FF),
    (0xFDD0, 0xFDEF),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
    (0xF0000, 0x10FFFF),
)
#: The last two code points of every plane are noncharacters (refused too).
#: Combining marks as a verifier knows them (spec §4.2.2): the five combining blocks.
MARK_RANGES: tuple[tuple[int, int], ...] = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)


def _char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


_NONCHAR = "".join(f"\\U{p:08x}-\\U{p + 1:08x}" for p in range(0xFFFE, 0x110000, 0x10000))
_REFUSED = re.compile(f"[{_char_class(REFUSED_RANGES)}{_NONCHAR}]")
_MARK = f"[{_char_class(MARK_RANGES)}]"
#: A mark first, the same mark twice in a row, or more than MAX_COMBINING_MARKS in a row.
_MARK_PROBLEM = re.compile(f"\\A{_MARK}|({_MARK})\\1|{_MARK}{{{MAX_COMBINING_MARKS + 1}}}")


def name_problem(name: object) -> str | None:
    """Why ``name`` breaks the verifier subset of spec §4.2.2, or ``None``.

    Table-free: the same answer on every Unicode version, and a code point this
    rule does not list is accepted.
    """
    if not isinstance(name, str) or not 1 <= len(name) <= NAME_MAX:
        return f"must be 1..{NAME_MAX} characters"
    bad = _REFUSED.search(name)
    if bad is not None:
        return f"character U+{ord(bad[0]):04X} is invisible, blank, a control or not a character"
    if name[0] == " " or name[-1] == " " or "  " in name:
        return "must have no leading or trailing space and no two spaces in a row"
    marks = _MARK_PROBLEM.search(name)
    if marks is not None:
        return _mark_problem(marks[0])
    if not unicodedata.is_normalized("NFC", name):
        return "must be in Unicode Normalization Form C"
    return None


def _mark_problem(found: str) -> str:
    if len(found) == 2 and found[0] == found[1]:
        return f"combining mark U+{ord(found[0]):04X} twice in a row"
    if len(found) > 2:
        return f"more than {MAX_COMBINING_MARKS} combining marks in a row"
    return f"starts with combining mark U+{ord(found[0]):04X}"


# -- the full rule (issuance) ------------------------------------------------------

#: Scripts a name may be written in (spec §4.2.1): the Recommended Scripts of UAX #31
#: Table 4, and four scripts of China's minority languages.
ALLOWED_SCRIPTS = [
    "Latin",
    "Greek",
    "Cyrillic",
    "Armenian",
    "Hebrew",
    "Arabic",
    "Thaana",
    "Devanagari",
    "Bengali",
    "Gurmukhi",
    "Gujarati",
    "Oriya",
    "Tamil",
    "Telugu",
    "Kannada",
    "Malayalam",
    "Sinhala",
    "Thai",
    "Lao",
    "Tibetan",
    "Myanmar",
    "Georgian",
    "Hangul",
    "Ethiopic",
    "Khmer",
    "Han",
    "Hiragana",
    "Katakana",
    "Bopomofo",
    "Mongolian",
    "Yi",
    "Tai_Le",
    "New_Tai_Lue",
]
#: UTS #39 §5.1: what a character of each script also counts as (Hanb, Jpan, Kore).
_AUGMENT = {
    "Han": ("Han", "Han_with_Bopomofo", "Japanese", "Korean"),
    "Hiragana": ("Hiragana", "Japanese"),
    "Katakana": ("Katakana", "Japanese"),
    "Hangul": ("Hangul", "Korean"),
    "Bopomofo": ("Bopomofo", "Han_with_Bopomofo"),
}
_HIGHLY = frozenset({"Han_with_Bopomofo", "Japanese", "Korean"})
_NEVER_WITH_LATIN = frozenset({"Cyrillic", "Greek"})
#: Besides letters and marks: U+0020 SPACE, U+0027 APOSTROPHE, U+002D HYPHEN-MINUS, U+00B7 MIDDLE
#: DOT (minority names, 买买提·艾力) and U+0F0B TIBETAN MARK INTERSYLLABIC TSHEG, each between two letters.
_JOINERS = frozenset(" '-\u00b7\u0f0b")
_ALL = frozenset({"*"})


@lru_cache(maxsize=1)
def _tables() -> tuple[Any, Any]:
    """unicodedata2 and one compiled pattern: Default_Ignorable, then Script_Extensions per script."""
    import regex  # noqa: PLC0415  (lazy: the issuing path only, never verification)
    import unicodedata2  # noqa: PLC0415

    probes = [r"\p{Default_Ignorable_Code_Point}", r"\p{scx=Common}", r"\p{scx=Inherited}"]
    probes += [f"\\p{{scx={script}}}" for script in ALLOWED_SCRIPTS]
    pattern = regex.compile("".join(f"(?=({probe})|)" for probe in probes))
    return unicodedata2, pattern


@lru_cache(maxsize=16384)
def _char(c: str) -> tuple[str, bool, frozenset[str] | None]:
    """(general category, default ignorable, augmented scripts or None when Common/Inherited only)."""
    udata, pattern = _tables()
    groups = pattern.match(c).groups()
    ignorable, common, inherited = (g is not None for g in groups[:3])
    scripts = [s for s, g in zip(ALLOWED_SCRIPTS, groups[3:], strict=True) if g is not None]
    if not scripts and (common or inherited):
        return udata.category(c), ignorable, None
    augmented = frozenset(a for s in scripts for a in _AUGMENT.get(s, (s,)))
    return udata.category(c), ignorable, augmented


@lru_cache(maxsize=65536)
def issuance_name_problem(name: str) -> str | None:
    """Why an issuer must refuse ``name`` (the full rule of spec §4.2.1), or ``None``.

    Implies :func:`name_problem` for every verifier: whatever this accepts, the
    table-free subset accepts too.
    """
    problem = name_problem(name)
    if problem is not None:
        return problem
    udata, _ = _tables()
    if udata.normalize("NFKC", name) != name:
        return "must be NFKC-stable (no compatibility characters such as Kangxi radicals or fullwidth forms)"
    return _character_problem(name) or _script_problem(name)


def _character_problem(name: str) -> str | None:
    previous = ""
    marks = 0
    for n, c in enumerate(name):
        category, ignorable, _ = _char(c)
        kind = category[0]
        if ignorable:
            return f"character U+{ord(c):04X} is default-ignorable (invisible)"
        if kind == "L":
            marks = 0
        elif kind == "M":
            marks += 1
            if previous not in ("L", "M") or marks > MAX_COMBINING_MARKS:
                return f"combining mark U+{ord(c):04X} does not follow a letter"
        elif c in _JOINERS:
            following = _char(name[n + 1])[0][0] if n + 1 < len(name) else ""
            if previous not in ("L", "M") or following != "L":
                return f"U+{ord(c):04X} may only stand between two letters"
        elif category == "Cn":
            return f"character U+{ord(c):04X} is not assigned in Unicode {UNICODE_VERSION}"
        else:
            return f"character U+{ord(c):04X} ({category}) is not a letter, a mark or a name joiner"
        previous = kind if kind in ("L", "M") else "J"
    return None


def _script_problem(name: str) -> str | None:
    """UTS #39 §5.2: Single Script, Highly Restrictive, or Moderately Restrictive."""
    resolved: frozenset[str] = _ALL
    non_latin: frozenset[str] = _ALL
    for c in name:
        scripts = _char(c)[2]
        if scripts is None:
            continue
        if not scripts:
            return f"character U+{ord(c):04X} is of a script not allowed in names"
        resolved = scripts if resolved is _ALL else resolved & scripts
        if "Latin" not in scripts:
            non_latin = scripts if non_latin is _ALL else non_latin & scripts
    if resolved:
        return None  # Single Script
    if non_latin & _HIGHLY or non_latin - _NEVER_WITH_LATIN:
        return None  # Highly Restrictive (Latin + Han with kana, bopomofo or hangul); Moderately Restrictive
    return "mixes scripts (UTS #39: one script, Han with kana, bopomofo or hangul, or Latin with one other)"
