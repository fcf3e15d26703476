"""Text from input, written back out: CSV cells no spreadsheet runs, names shown short.

Every CSV file anxinma writes (the batch's ``errors.csv``, ``report --format
csv``, the synthetic population) goes through :func:`csv_text`, and so every
cell through :func:`safe_cell` (CWE-1236, "CSV injection"): a spreadsheet
opening the file treats a cell that starts with ``=``, ``+``, ``-`` or ``@``
(or TAB, CR, LF before one) as a formula, which can fetch URLs with the
sheet's data (``=HYPERLINK``, ``=WEBSERVICE``) or, in old versions, start
programs (DDE).  Such a cell is written with a leading apostrophe ``'``: the
spreadsheet shows the text, and a program reading the file sees the
apostrophe.  (The synthetic population, read back by ``anxinma batch``,
holds made-up digits, names, codes and dates that never start with a
trigger, so it reads back unchanged.)

Decisions (issue 9 item 11):

- A cell that is a plain decimal number, optionally negative or a percentage
  (``-3``, ``-0.5``, ``12.5%``), is data, not a formula, and is written as it
  is (OWASP's advice): it cannot call anything, and prefixing it would turn a
  number into text in every sheet.  Anything more (``-3+1``, ``-1e9``,
  ``-A1``) is not a plain number and gets the apostrophe.
- A cell whose first character after leading spaces is a trigger, or which
  starts with TAB, CR or LF, gets the apostrophe too (some spreadsheets trim
  spaces before deciding), as do the fullwidth ``＝ ＋ － ＠`` (U+FF1D,
  U+FF0B, U+FF0D, U+FF20) that an input method for Chinese types.

:func:`shown` is how a name taken from input (a JSON key, a column header)
appears in a message or a file: non-printable characters escaped
(``\\u202e``), at most :data:`SHOWN_LIMIT` characters, a longer one cut with
``...``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_TRIGGERS", "SHOWN_LIMIT", "csv_text", "safe_cell", "shown"]

#: First characters that make a spreadsheet read a cell as a formula (after leading spaces).
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?%?")
#: Longest name from input that :func:`shown` echoes in full.
SHOWN_LIMIT = 40


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell no spreadsheet evaluates: ``'`` before a would-be formula."""
    text = "" if value is None else str(value)
    if _NUMBER.fullmatch(text):
        return text
    start = text[:1]
    if start in FORMULA_TRIGGERS or text.lstrip(" ")[:1] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A CSV file with every cell through :func:`safe_cell`: RFC 4180 quoting, LF line ends.

    Written here rather than by the ``csv`` module, whose writer with LF line
    ends leaves a lone CR unquoted (a reader then splits the row there).
    """
    lines = [_csv_line(header), *(_csv_line(row) for row in rows)]
    return "".join(line + "\n" for line in lines)


def _csv_line(cells: Sequence[object]) -> str:
    fields = [_quoted(safe_cell(cell)) for cell in cells]
    return '""' if fields == [""] else ",".join(fields)  # a lone empty cell is not a blank line


def _quoted(cell: str) -> str:
    """RFC 4180 §2.6-2.7: a field holding a comma, quote, CR or LF is quoted, its quotes doubled."""
    if any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _escaped(char: str) -> str:
    return char if char.isprintable() else char.encode("unicode_escape").decode("ascii")


def shown(name: str, *, limit: int = SHOWN_LIMIT) -> str:
    """A name from input as a message shows it: non-printables escaped, cut at ``limit`` characters."""
    text = "".join(_escaped(c) for c in name)
    return text if len(text) <= limit else text[: limit - 3] + "..."
