"""The name rule (spec §4.2.1, §4.2.2) against the Unicode 18.0 data it is written from."""

from __future__ import annotations

import re

import pytest
import regex
import unicodedata2
from hypothesis import given
from hypothesis import strategies as st

from anxinma import names

from .test_spec import section


def test_the_pinned_unicode_databases_are_the_version_the_spec_names() -> None:
    """unicodedata2 is Unicode 18.0.0 and regex agrees with it on every assigned code point."""
    assert unicodedata2.unidata_version == names.UNICODE_VERSION
    assert f"**Unicode {names.UNICODE_VERSION}**" in section("4.2.1")
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    unassigned_regex = {ord(c) for c in regex.findall(r"\p{Cn}", everything)}
    unassigned_udata = {ord(c) for c in everything if unicodedata2.category(c) == "Cn"}
    assert unassigned_regex == unassigned_udata


def _refused_from_unicode() -> list[tuple[int, int]]:
    """Spec §4.2.2's refused set, derived from Unicode 18.0: C* but Cn, Z* but U+0020, DI, U+2800."""
    ignorable = regex.compile(r"\p{Default_Ignorable_Code_Point}")
    ranges: list[list[int]] = []
    for cp in range(0x110000):
        c = chr(cp)
        kind = unicodedata2.category(c)
        noncharacter = 0xFDD0 <= cp <= 0xFDEF or cp & 0xFFFE == 0xFFFE
        bad = kind in ("Cc", "Cf", "Cs", "Co", "Zs", "Zl", "Zp") or ignorable.match(c) or cp == 0x2800
        if (bad or noncharacter) and cp != 0x20:
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return [(a, b) for a, b in ranges]


def _listed(ranges: tuple[tuple[int, int], ...]) -> set[int]:
    noncharacters = {p + n for p in range(0xFFFE, 0x110000, 0x10000) for n in (0, 1)}
    return {c for a, b in ranges for c in range(a, b + 1)} | noncharacters


def test_the_verifier_subset_lists_exactly_what_unicode_18_says() -> None:
    derived = {c for a, b in _refused_from_unicode() for c in range(a, b + 1)}
    assert _listed(names.REFUSED_RANGES) == derived


def test_the_spec_lists_the_same_ranges_as_the_code() -> None:
    text = section("4.2.2")
    block = text.split("Refused code points", 1)[1].split("What the subset catches", 1)[0]
    block = "\n".join(line for line in block.splitlines() if line.startswith("    "))
    found = re.findall(r"\b([0-9A-F]{4,6})(?:-([0-9A-F]{4,6}))?\b", block)
    spec = tuple((int(a, 16), int(b or a, 16)) for a, b in found)
    assert spec == names.REFUSED_RANGES
    marks = re.findall(r"U\+([0-9A-F]{4})–U\+([0-9A-F]{4})", text.split("**combining mark**", 1)[1][:200])
    assert tuple((int(a, 16), int(b, 16)) for a, b in marks) == names.MARK_RANGES


def test_every_mark_of_the_verifier_subset_is_a_mark_or_unassigned() -> None:
    for a, b in names.MARK_RANGES:
        assert {unicodedata2.category(chr(c))[0] for c in range(a, b + 1)} <= {"M", "C"}


@given(st.text(min_size=1, max_size=20))
def test_whatever_issuance_accepts_every_verifier_accepts(name: str) -> None:
    if names.issuance_name_problem(name) is None:
        assert names.name_problem(name) is None


@pytest.mark.parametrize(
    "name",
    ["王秀英", "买买提·艾力", "欧阳慧", "田中さくら", "김민수", "Nguyễn Văn An", "O'Brien", "Jean-Luc",
     "བཀྲ་ཤིས", "Σοφία", "Алиса", "ภูมิพล", "王\U00031350", "\U0002ebf0芳"],
)  # fmt: skip
def test_real_names_pass_the_full_rule(name: str) -> None:
    assert names.issuance_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("王 ", "trailing"),
        ("王  明", "two spaces"),
        ("·王", "between two letters"),
        ("王·", "between two letters"),
        ("王··明", "between two letters"),
        ("a\u0301\u0301", "twice in a row"),
        ("x\u0300\u0301\u0302\u0303\u0304", "more than 4"),
        ("王\U000e0100", "invisible"),
        ("\U00033480", "not assigned"),
        ("王😀", "not a letter"),
        ("\U00010000", "script not allowed"),
        ("Аlice", "mixes scripts"),
        ("αβγa", "mixes scripts"),
    ],
)
def test_refusals_say_what_is_wrong(name: str, words: str) -> None:
    problem = names.issuance_name_problem(name)
    assert problem is not None and words in problem
