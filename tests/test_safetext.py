"""anxinma.safetext: CSV cells no spreadsheet runs, names from input shown short (issue 9 item 11)."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from anxinma.safetext import FORMULA_TRIGGERS, SHOWN_LIMIT, csv_text, safe_cell, shown


def test_every_trigger_gets_an_apostrophe_and_plain_numbers_stay_data() -> None:
    for text in ("=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "  =1", "＝1", "-", "-A1", "-1e9"):
        assert safe_cell(text) == "'" + text, text
    for text in ("-3", "-0.5", "12", "12.5%", "-12.5%", "0", "王秀英", "", "a=b", "'=1", "1-2"):
        assert safe_cell(text) == text, text
    assert safe_cell(None) == "" and safe_cell(-3) == "-3" and safe_cell(2.5) == "2.5"


@given(st.text())
def test_a_cell_is_either_unchanged_or_an_apostrophe_before_it(text: str) -> None:
    cell = safe_cell(text)
    assert cell in (text, "'" + text)
    if cell == text and text:
        assert text.lstrip(" ")[:1] not in FORMULA_TRIGGERS or text.lstrip("-").replace(".", "", 1).isdigit()


@given(st.lists(st.lists(st.text(), min_size=3, max_size=3), max_size=5))
def test_csv_text_reads_back_as_the_safe_cells(rows: list[list[str]]) -> None:
    text = csv_text(["a", "b", "c"], rows)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == [["a", "b", "c"], *([safe_cell(c) for c in row] for row in rows)]


@given(st.text())
def test_shown_is_printable_and_short(name: str) -> None:
    out = shown(name)
    assert out.isprintable() and len(out) <= SHOWN_LIMIT
    if name.isprintable() and len(name) <= SHOWN_LIMIT:
        assert out == name


def test_a_lone_cr_or_an_empty_single_cell_reads_back() -> None:
    text = csv_text(["a"], [["x\ry"], [""], ['q"uote,comma\nline']])
    assert text == 'a\n"x\ry"\n""\n"q""uote,comma\nline"\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a"], ["x\ry"], [""], ['q"uote,comma\nline']]
