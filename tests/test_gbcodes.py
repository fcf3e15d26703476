"""GB 11643 ID numbers, GB 32100 USCCs and GB/T 2260 region codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anxinma import gbcodes


@pytest.mark.parametrize(
    "number",
    ["330203198503150020", "11010519491231002X", "440524188001010014", "110101199003074477"],
)
def test_valid_id_numbers(number: str) -> None:
    assert gbcodes.id_number_problem(number) is None


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("330203198503150021", "check character is 1, expected 0"),
        ("33020319850315002", "18 characters"),
        ("3302031985031500x0", "17 digits"),
        ("330203198502300020", "not a calendar date"),
        ("990203198503150020", "province"),
        ("３３０２０３１９８５０３１５００２０", "18 characters"),  # full-width digits are not ASCII
    ],
)
def test_invalid_id_numbers(number: str, words: str) -> None:
    problem = gbcodes.id_number_problem(number)
    assert problem is not None and words in problem


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_id_check_char_detects_every_single_digit_error(first17: str) -> None:
    number = first17 + gbcodes.id_check_char(first17)
    for i in range(17):
        for digit in "0123456789":
            if digit != number[i]:
                changed = number[:i] + digit + number[i + 1 :]
                assert gbcodes.id_check_char(changed[:17]) != number[17]


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "91330203MA2H123450"])
def test_valid_usccs(code: str) -> None:
    assert gbcodes.uscc_problem(code) is None


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("91350100M000100Y44", "expected 3"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M0001O0Y43", "not a USCC character"),  # letter O
        ("913501O0M000100Y43", "not a USCC character"),
        ("91A50100M000100Y43", "3-8 must be"),
    ],
)
def test_invalid_usccs(code: str, words: str) -> None:
    problem = gbcodes.uscc_problem(code)
    assert problem is not None and words in problem


@given(st.text(alphabet=gbcodes.USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_detects_single_substitutions(first17: str) -> None:
    check = gbcodes.uscc_check_char(first17)
    for i in range(17):
        for char in gbcodes.USCC_ALPHABET[:5]:
            if char != first17[i]:
                assert gbcodes.uscc_check_char(first17[:i] + char + first17[i + 1 :]) != check


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("330203", None),
        ("110105", None),
        ("330000", "whole province"),
        ("990203", "province"),
        ("33020", "6"),
    ],
)
def test_region_codes(code: str, problem: str | None) -> None:
    found = gbcodes.region_problem(code)
    assert (found is None) if problem is None else (found is not None and problem in found)
