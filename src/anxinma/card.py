"""Printable output: QR symbols, QR images and the home-visit service card (spec §9.3, §16).

Everything here is pure: text and a credential in, SVG text or PNG bytes out.

QR symbols (ISO/IEC 18004:2015).  :func:`qr_symbol` builds the same symbol as
:func:`anxinma.qr.make_qr` (segno, alphanumeric mode, boost_error off) --
module for module, mask included; ``tests/test_card.py`` compares them over
every level and version 1-11 -- some 20 times faster, because issuing a
city's cards renders tens of thousands of them.  The data mask is still chosen
the standard way (§7.8.3: the lowest penalty of the eight, the first on a tie),
with segno's reading of the rules; what is faster is evaluating them: the
matrix is held as one big integer (row-major, each row followed by zero guard
bits), so that a mask is one XOR and each penalty rule a handful of shifts,
ANDs and popcounts over the whole symbol: along the rows by shifts of one
module, down the columns by shifts of one row.

The card (家政服务员上门服务证) is an ID-1 card, 85.6 × 54 mm (ISO/IEC 7810),
see :func:`card_svg`; its QR module is 5 dots at 300 dpi (0.423 mm), reasoning
in docs/batch.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import itemgetter
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from .errors import UsageError
from .fonts import CJK_FONT_PACKAGE, Font, FontMissingError, font_for
from .model import CST, Credential, Service

__all__ = [
    "CARD_HEIGHT_MM",
    "CARD_WIDTH_MM",
    "MODULE_MM",
    "Photo",
    "QrSymbol",
    "card_fixed_text",
    "card_png",
    "card_svg",
    "card_text",
    "link_symbol",
    "qr_png",
    "qr_svg",
    "qr_symbol",
]

# -- QR symbols (ISO/IEC 18004:2015) ------------------------------------------------

_ALNUM = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")}
_LEVEL_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}
MAX_VERSION = 11
#: Error correction per version and level (§6.5.1 Table 9): EC codewords per
#: block, then (number of blocks, data codewords per block) for each group.
_EC: dict[int, dict[str, tuple[int, tuple[tuple[int, int], ...]]]] = {
    1: {"L": (7, ((1, 19),)), "M": (10, ((1, 16),)), "Q": (13, ((1, 13),)), "H": (17, ((1, 9),))},
    2: {"L": (10, ((1, 34),)), "M": (16, ((1, 28),)), "Q": (22, ((1, 22),)), "H": (28, ((1, 16),))},
    3: {"L": (15, ((1, 55),)), "M": (26, ((1, 44),)), "Q": (18, ((2, 17),)), "H": (22, ((2, 13),))},
    4: {"L": (20, ((1, 80),)), "M": (18, ((2, 32),)), "Q": (26, ((2, 24),)), "H": (16, ((4, 9),))},
    5: {
        "L": (26, ((1, 108),)),
        "M": (24, ((2, 43),)),
        "Q": (18, ((2, 15), (2, 16))),
        "H": (22, ((2, 11), (2, 12))),
    },
    6: {"L": (18, ((2, 68),)), "M": (16, ((4, 27),)), "Q": (24, ((4, 19),)), "H": (28, ((4, 15),))},
    7: {
        "L": (20, ((2, 78),)),
        "M": (18, ((4, 31),)),
        "Q": (18, ((2, 14), (4, 15))),
        "H": (26, ((4, 13), (1, 14))),
    },
    8: {
        "L": (24, ((2, 97),)),
        "M": (22, ((2, 38), (2, 39))),
        "Q": (22, ((4, 18), (2, 19))),
        "H": (26, ((4, 14), (2, 15))),
    },
    9: {
        "L": (30, ((2, 116),)),
        "M": (22, ((3, 36), (2, 37))),
        "Q": (20, ((4, 16), (4, 17))),
        "H": (24, ((4, 12), (4, 13))),
    },
    10: {
        "L": (18, ((2, 68), (2, 69))),
        "M": (26, ((4, 43), (1, 44))),
        "Q": (24, ((6, 19), (2, 20))),
        "H": (28, ((6, 15), (2, 16))),
    },
    11: {
        "L": (20, ((4, 81),)),
        "M": (30, ((1, 50), (4, 51))),
        "Q": (28, ((4, 22), (4, 23))),
        "H": (24, ((3, 12), (8, 13))),
    },
}
_ALIGNMENT = {2: (6, 18), 3: (6, 22), 4: (6, 26), 5: (6, 30), 6: (6, 34)} | {
    7: (6, 22, 38),
    8: (6, 24, 42),
    9: (6, 26, 46),
    10: (6, 28, 50),
    11: (6, 30, 54),
}
_GUARD = 16  # zero bits after each row: every shift below is at most 10
_MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)


@dataclass(frozen=True, slots=True)
class QrSymbol:
    """A QR symbol: ``rows[r]`` has bit ``c`` set when module (r, c) is dark."""

    version: int
    error: str
    mask: int
    rows: tuple[int, ...]

    @property
    def size(self) -> int:
        """Modules per side, without the quiet zone."""
        return 17 + 4 * self.version

    @property
    def designator(self) -> str:
        """Version and level, e.g. ``9-M``."""
        return f"{self.version}-{self.error}"

    def dark(self, row: int, col: int) -> bool:
        """Whether module (row, col) is dark."""
        return bool(self.rows[row] >> col & 1)


def _gf_tables() -> tuple[list[int], list[int]]:
    exp, log = [0] * 512, [0] * 256
    value = 1
    for i in range(255):
        exp[i], log[value] = value, i
        value = (value << 1) ^ (0x11D if value & 0x80 else 0)
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _gf_tables()


@cache
def _rs_table(degree: int) -> tuple[int, ...]:
    """For each byte f, f times the generator polynomial of ``degree`` (§7.5.2), as one integer."""
    gen = [1]
    for i in range(degree):  # multiply by (x - a^i)
        gen = [a ^ (_EXP[_LOG[b] + i] if b else 0) for a, b in zip([*gen, 0], [0, *gen], strict=True)]
    return tuple(int.from_bytes(bytes(_gf_mul(f, g) for g in gen[1:]), "big") for f in range(256))


def _gf_mul(a: int, b: int) -> int:
    return _EXP[_LOG[a] + _LOG[b]] if a and b else 0


def _rs_remainder(data: bytes, degree: int) -> bytes:
    """The error correction codewords of a block: the remainder is GF(2)-linear in the
    data, so it is the XOR of one table entry per data byte (tables per block shape)."""
    tables = _rs_position_tables(len(data), degree)
    rem = 0
    for table, byte in zip(tables, data, strict=True):
        rem ^= table[byte]
    return rem.to_bytes(degree, "big")


@cache
def _rs_position_tables(length: int, degree: int) -> tuple[tuple[int, ...], ...]:
    """For each data position, the remainder of each byte value alone at that position."""
    basis = [[_rs_divide(bytes([0] * i + [1 << b] + [0] * (length - 1 - i)), degree) for b in range(8)]
             for i in range(length)]  # fmt: skip
    tables = []
    for bits in basis:
        table = [0] * 256
        for value in range(1, 256):
            low = value & -value
            table[value] = table[value ^ low] ^ bits[low.bit_length() - 1]
        tables.append(tuple(table))
    return tuple(tables)


def _rs_divide(data: bytes, degree: int) -> int:
    """Polynomial division by the generator (§7.5.2), one byte at a time."""
    table, shift, mask = _rs_table(degree), 8 * (degree - 1), (1 << 8 * degree) - 1
    rem = 0
    for byte in data:
        rem = ((rem << 8) & mask) ^ table[byte ^ (rem >> shift)]
    return rem


def _cci_bits(version: int) -> int:
    return 9 if version <= 9 else 11


def _data_capacity(version: int, error: str) -> int:
    return sum(n * k for n, k in _EC[version][error][1])


def _pick_version(length: int, error: str) -> int:
    body = 11 * (length // 2) + 6 * (length % 2)
    for version in range(1, MAX_VERSION + 1):
        if 4 + _cci_bits(version) + body <= 8 * _data_capacity(version, error):
            return version
    raise UsageError(f"{length} characters do not fit a QR symbol up to version {MAX_VERSION}-{error}")


def _data_codewords(text: str, version: int, error: str) -> bytes:
    """Mode, count, data, terminator and padding (§7.4): the data codewords.

    Like segno, a stream that ends on a byte boundary after the terminator gets
    one more zero byte before the pad codewords (readers stop at the
    terminator, so the symbol reads the same; this keeps the symbols identical).
    """
    values = [_ALNUM[c] for c in text]
    cci = _cci_bits(version)
    pairs = [format(values[k] * 45 + values[k + 1], "011b") for k in range(0, len(values) - 1, 2)]
    tail = format(values[-1], "06b") if len(values) % 2 else ""
    bits_text = f"0010{len(values):0{cci}b}" + "".join(pairs) + tail
    bits, count = int(bits_text, 2), len(bits_text)
    capacity = _data_capacity(version, error)
    zeros = min(4, 8 * capacity - count)
    zeros += 8 - (count + zeros) % 8  # as segno: a whole zero byte when already on a boundary
    data = (bits << zeros).to_bytes((count + zeros) // 8, "big")[:capacity]
    return data + (b"\xec\x11" * capacity)[: capacity - len(data)]


def _codewords(data: bytes, version: int, error: str) -> bytes:
    """Blocks, error correction and interleaving (§7.5, §7.6)."""
    degree, groups = _EC[version][error]
    blocks, at = [], 0
    for number, length in groups:
        for _ in range(number):
            blocks.append(data[at : at + length])
            at += length
    ecs = [_rs_remainder(b, degree) for b in blocks]
    longest = max(len(b) for b in blocks)
    out = bytearray(b[i] for i in range(longest) for b in blocks if i < len(b))
    out += bytes(e[i] for i in range(degree) for e in ecs)
    return bytes(out)


@dataclass(frozen=True, slots=True)
class _Layout:
    """Everything about one version that does not depend on the data."""

    size: int
    stride: int
    full: int  # every module, row-major
    base: int  # finder, separator, timing and alignment patterns (dark modules), row-major
    masks: tuple[int, ...]  # data modules each mask darkens, row-major
    place: Callable[[bytes], tuple[int, ...]]  # bit stream -> ASCII digits of the row-major integer
    valid7: int  # positions where a 7-module window fits in the row
    valid7_down: int  # positions where a 7-module window fits in the column
    data_bits: int


@cache
def _layout(version: int) -> _Layout:
    size = 17 + 4 * version
    stride = size + _GUARD
    func = _function_patterns(version, size)
    order = _placement_order(size, func)
    positions = size * stride

    def getter(pos: Callable[[int, int], int]) -> Callable[[bytes], tuple[int, ...]]:
        where = {pos(r, c): k for k, (r, c) in enumerate(order)}
        filler = len(order)  # the bit stream ends with one '0' for every non-data position
        return itemgetter(*(where.get(positions - 1 - p, filler) for p in range(positions)))

    def ints(pos: Callable[[int, int], int]) -> tuple[int, int, tuple[int, ...]]:
        base = sum(1 << pos(r, c) for (r, c), dark in func.items() if dark)
        masks = tuple(sum(1 << pos(r, c) for r, c in order if m(r, c)) for m in _MASKS)
        return base, sum(1 << pos(r, c) for r in range(size) for c in range(size)), masks

    def row_major(r: int, c: int) -> int:
        return r * stride + c

    base, full, masks = ints(row_major)
    valid7 = sum(1 << row_major(r, c) for r in range(size) for c in range(size - 6))
    valid7_down = sum(1 << row_major(r, c) for r in range(size - 6) for c in range(size))
    return _Layout(size, stride, full, base, masks, getter(row_major), valid7, valid7_down, len(order))


def _function_patterns(version: int, size: int) -> dict[tuple[int, int], bool]:
    """Every non-data module and whether it is dark *while masks are evaluated* (§6.3):
    format and version areas and the dark module count as light then, as in segno.
    Drawn in segno's order: reserved areas, timing, finders, alignment patterns."""
    func = dict.fromkeys([*_format_cells(size), *_version_cells(version, size)], False)
    for i in range(8, size - 8):
        func[6, i] = func[i, 6] = i % 2 == 0
    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        for r in range(-1, 8):
            for c in range(-1, 8):
                if 0 <= top + r < size and 0 <= left + c < size:
                    ring = max(abs(r - 3), abs(c - 3))
                    func[top + r, left + c] = ring != 2 and ring <= 3
    centres = _ALIGNMENT.get(version, ())
    ends = (centres[0], centres[-1]) if centres else ()
    corners = {(a, b) for a in ends for b in ends} - {(ends[-1], ends[-1])} if ends else set()
    for r in centres:
        for c in centres:
            if (r, c) not in corners:
                for dr in range(-2, 3):
                    for dc in range(-2, 3):
                        func[r + dr, c + dc] = max(abs(dr), abs(dc)) != 1
    return func


def _format_cells(size: int) -> list[tuple[int, int]]:
    cells = [(i, 8) for i in range(9)] + [(8, i) for i in range(9)]
    return cells + [(size - 1 - i, 8) for i in range(8)] + [(8, size - 1 - i) for i in range(8)]


def _version_cells(version: int, size: int) -> list[tuple[int, int]]:
    if version < 7:
        return []
    return [(r, c) for r in range(6) for c in range(size - 11, size - 8)] + [
        (r, c) for r in range(size - 11, size - 8) for c in range(6)
    ]


def _placement_order(size: int, func: dict[tuple[int, int], bool]) -> list[tuple[int, int]]:
    """Data module positions in bit-stream order (§7.7.3): two-column strips, right to left."""
    order = []
    for strip in range(size - 1, 0, -2):
        right = strip - 1 if strip <= 6 else strip
        for step in range(size):
            for col in (right, right - 1):
                upwards = ((right & 2) == 0) ^ (col < 6)
                row = size - 1 - step if upwards else step
                if (row, col) not in func:
                    order.append((row, col))
    return order


def _n1(x: int, full: int, step: int) -> int:
    """Runs of five or more modules of one colour: 3 + (length - 5) each; along the rows
    (``step`` 1) or down the columns (``step`` the row stride)."""
    score = 0
    s2, s3, s4 = 2 * step, 3 * step, 4 * step
    for line in (x, ~x & full):
        five = line & line >> step & line >> s2 & line >> s3 & line >> s4
        score += five.bit_count() + 2 * (five & ~(five << step)).bit_count()
    return score


def _n2(x: int, full: int, stride: int) -> int:
    """2 x 2 blocks of one colour: 3 each (overlapping blocks all count)."""
    light = ~x & full
    below, light_below = x >> stride, light >> stride
    dark = x & x >> 1 & below & below >> 1
    return 3 * (dark.bit_count() + (light & light >> 1 & light_below & light_below >> 1).bit_count())


def _n3(x: int, valid7: int, step: int) -> int:
    """Finder-like 1:1:3:1:1 runs with four light modules before or after: 40 each,
    counted as segno counts them: left to right (top to bottom), a counted match
    resumes the search 7 modules on (a miss 4 on), and modules outside the symbol
    are light.  Along the rows (``step`` 1) or down the columns (``step`` the row
    stride: the same shifts, a row apart; the rows above the first and below the
    last are zero bits, light, as the guard bits are at the ends of a row).

    Bit-parallel: a match only overlaps another 4 or 6 modules on, so a match is
    skipped exactly when a counted match sits 4 or 6 modules before it; that
    recurrence is iterated to its fixed point (one or two rounds in practice).
    """
    s = step
    found = x & x >> 2 * s & x >> 3 * s & x >> 4 * s & x >> 6 * s & ~(x >> s | x >> 5 * s) & valid7
    if not found:
        return 0
    before = ~(x << s | x << 2 * s | x << 3 * s | x << 4 * s)
    after = ~(x >> 7 * s | x >> 8 * s | x >> 9 * s | x >> 10 * s)
    quiet = (before | after) & found
    counted = quiet
    while True:
        kept = quiet & ~((counted << 4 * s | counted << 6 * s) & found)
        if kept == counted:
            return 40 * counted.bit_count()
        counted = kept


def _n4(x: int, size: int) -> int:
    """Proportion of dark modules: 10 per 5 % away from 50 %."""
    percent = float(x.bit_count()) / (size**2)
    return 10 * int(abs(percent * 100 - 50) / 5)


def _penalty(x: int, layout: _Layout) -> int:
    """The penalty of a masked matrix (row-major): rules 1 and 3 along the rows and down
    the columns (the same bit operations, shifted by one row instead of one module)."""
    full, stride = layout.full, layout.stride
    n1 = _n1(x, full, 1) + _n1(x, full, stride)
    n3 = _n3(x, layout.valid7, 1) + _n3(x, layout.valid7_down, stride)
    return n1 + _n2(x, full, stride) + n3 + _n4(x, layout.size)


def _bch(value: int, generator: int, bits: int) -> int:
    rem = value << bits
    top = generator.bit_length() - 1
    for shift in range(rem.bit_length() - 1, top - 1, -1):
        if rem >> shift & 1:
            rem ^= generator << (shift - top)
    return value << bits | rem


def _finish(x: int, version: int, error: str, mask: int, layout: _Layout) -> tuple[int, ...]:
    """Rows of the final symbol: format information (§7.9), version information
    (§7.10) and the dark module added to the masked matrix, placed as segno does."""
    size, stride = layout.size, layout.stride
    fmt = _bch(_LEVEL_BITS[error] << 3 | mask, 0x537, 10) ^ 0x5412
    cells: dict[tuple[int, int], int] = {}
    for i in range(8):
        low, high = fmt >> i & 1, fmt >> (14 - i) & 1
        skip = 1 if i >= 6 else 0
        cells[i + skip, 8] = low
        cells[8, i + skip] = high
        cells[8, size - 1 - i] = low
        cells[size - 1 - i, 8] = high
    cells[size - 8, 8] = 1
    if version >= 7:
        info = _bch(version, 0x1F25, 12)
        for i in range(18):
            r, c = divmod(i, 3)
            cells[r, size - 11 + c] = cells[size - 11 + c, r] = info >> i & 1
    for (r, c), dark in cells.items():
        if dark:
            x |= 1 << (r * stride + c)
    row_mask = (1 << size) - 1
    return tuple(x >> (r * stride) & row_mask for r in range(size))


def qr_symbol(text: str, *, error: str = "M") -> QrSymbol:
    """The QR symbol of ``text`` (alphanumeric characters only) at level ``error``:
    the smallest version that holds it, the mask of lowest penalty (§7.8.3)."""
    if error not in _LEVEL_BITS:
        raise UsageError(f"error level must be one of L, M, Q, H, not {error!r}")
    bad = next((c for c in text if c not in _ALNUM), None)
    if bad is not None:
        raise UsageError(f"character {bad!r} is not in the QR alphanumeric set")
    version = _pick_version(len(text), error)
    layout = _layout(version)
    words = _codewords(_data_codewords(text, version, error), version, error)
    stream = format(int.from_bytes(words, "big"), f"0{8 * len(words)}b").encode()
    stream = stream.ljust(layout.data_bits, b"0") + b"0"  # remainder bits, then the filler
    data = int(bytes(layout.place(stream)), 2)
    x0 = layout.base | data
    scores = [_penalty(x0 ^ m, layout) for m in layout.masks]
    mask = scores.index(min(scores))
    rows = _finish(x0 ^ layout.masks[mask], version, error, mask, layout)
    return QrSymbol(version, error, mask, rows)


# -- QR images ----------------------------------------------------------------------


@lru_cache(maxsize=8)  # a QR image and a card drawn from one symbol share it
def _path(symbol: QrSymbol, border: int) -> str:
    """SVG path data drawing each dark run as a 1-module-thick horizontal stroke.

    Row by row: ``M`` to the row's first module, then ``h`` over each dark run and
    ``m`` over each light one (none after the last dark run; a row without dark
    modules draws nothing).  Built in one pass: the rows' bits, each after a marker
    character naming the row, are one string; one regular-expression scan cuts it
    into markers and runs, and a table gives each its command.
    """
    size = symbol.size
    markers = _ROW_MARKERS[:size]
    bits = "".join([marker + format(row, f"0{size}b")[::-1].rstrip("0")
                    for marker, row in zip(markers, symbol.rows, strict=True) if row])  # fmt: skip
    return "".join(map(_path_commands(border).__getitem__, _RUN_TOKENS.findall(bits)))


#: One marker character per row (never '0' or '1'), and the scan that cuts a row string into runs.
_ROW_MARKERS = "".join(chr(0x100 + r) for r in range(17 + 4 * 40))
_RUN_TOKENS = re.compile("1+|0+|[^01]")


@cache
def _path_commands(border: int) -> dict[str, str]:
    """The path command of every token: a row marker moves to the row's first module, a dark
    run draws itself, a light run moves over itself."""
    longest = 17 + 4 * 40
    commands = {"1" * n: f"h{n}" for n in range(1, longest + 1)}
    commands |= {"0" * n: f"m{n} 0" for n in range(1, longest + 1)}
    return commands | {marker: f"M{border} {r + border}.5" for r, marker in enumerate(_ROW_MARKERS)}


def qr_svg(symbol: QrSymbol, *, scale: float = 4, border: int = 4) -> str:
    """A standalone SVG image of ``symbol`` (``scale`` pixels per module, ``border``-module quiet zone)."""
    side = symbol.size + 2 * border
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side * scale:g}" height="{side * scale:g}" '
        f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path stroke="#000" d="{_path(symbol, border)}"/></svg>\n'
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", binascii.crc32(kind + data))


def qr_png(symbol: QrSymbol, *, scale: int = 8, border: int = 4) -> bytes:
    """A 1-bit greyscale PNG of ``symbol`` (``scale`` pixels per module)."""
    side = (symbol.size + 2 * border) * scale
    light_edge = "1" * (border * scale)
    pad = "1" * (-side % 8)
    widen = {ord("1"): "0" * scale, ord("0"): "1" * scale}  # dark module -> black (0) pixels
    width_bytes = (side + 7) // 8
    blank = b"\x00" + b"\xff" * width_bytes
    lines = [blank] * (border * scale)
    for row in symbol.rows:
        bits = light_edge + format(row, f"0{symbol.size}b")[::-1].translate(widen) + light_edge + pad
        lines += [b"\x00" + int(bits, 2).to_bytes(width_bytes, "big")] * scale
    lines += [blank] * (border * scale)
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(lines), 6))
        + _png_chunk(b"IEND", b"")
    )


# -- the home-visit service card (家政服务员上门服务证) --------------------------------

CARD_WIDTH_MM = 85.6
CARD_HEIGHT_MM = 54.0
_CORNER_MM = 3.18  # ISO/IEC 7810 ID-1 corner radius
#: QR module size on the card: 5 printer dots at 300 dpi (10 at 600 dpi), 0.423 mm.
MODULE_MM = 25.4 * 5 / 300
_QUIET = 4  # modules of quiet zone (ISO/IEC 18004 §6.3.8)
_QR_BOX = (CARD_WIDTH_MM - 2.4 - (17 + 4 * MAX_VERSION + 2 * _QUIET) * MODULE_MM, 10.6)
_TEXT_X, _TEXT_RIGHT = 25.5, 52.8
#: The card's font stack: Chinese sans-serif faces of Linux (Noto/Source Han, WenQuanYi, Droid),
#: macOS (PingFang, Hiragino, Heiti) and Windows (Microsoft YaHei, SimHei), then faces with CJK
#: Extension B and later (rare characters in names), then the generic family.  A browser or print
#: driver falls back along the list glyph by glyph; a PNG is drawn with one installed font that
#: covers the whole text (:func:`card_png`).
_FONTS = (
    "'Noto Sans CJK SC','Source Han Sans SC','Source Han Sans CN','PingFang SC','Hiragino Sans GB',"
    "'Heiti SC','Microsoft YaHei','SimHei','WenQuanYi Micro Hei','WenQuanYi Zen Hei',"
    "'Droid Sans Fallback','SimSun-ExtB','HanaMinB',sans-serif"
)
_ACCENT = "#b3261e"
_TITLE = "家政服务员上门服务证"
_SUBTITLE = "HOUSEHOLD SERVICE WORKER · HOME-VISIT CARD"
_FOOTER = "出示本证时请同时出示居民身份证 · 扫码离线核验（安心码）"
_MAX_PHOTO_BYTES = 4 << 20
_PHOTO_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass(frozen=True, slots=True)
class Photo:
    """A passport-style photo for the card: PNG or JPEG bytes (never in the credential)."""

    data: bytes
    media_type: str

    @classmethod
    def from_bytes(cls, data: bytes) -> Photo:
        """Recognise PNG or JPEG by its signature; raise :class:`UsageError` otherwise."""
        if len(data) > _MAX_PHOTO_BYTES:
            raise UsageError(f"a photo is at most {_MAX_PHOTO_BYTES >> 20} MiB, this one {len(data)} bytes")
        kind = next((t for magic, t in _PHOTO_TYPES if data.startswith(magic)), None)
        if kind is None:
            raise UsageError("a photo must be a PNG or JPEG file")
        return cls(data, kind)


def _text_width(text: str, size: float) -> float:
    """Estimated advance of ``text`` in mm: CJK glyphs 1 em, others 0.6 em."""
    return size * sum(1.0 if ord(c) >= 0x2E80 else 0.6 for c in text)


def _text(x: float, y: float, text: str, size: float, *, width: float, weight: str = "normal",
          fill: str = "#111", anchor: str = "start", minimum: float = 0.0) -> str:  # fmt: skip
    """A line of text at (x, y) that never overflows ``width`` mm: the font shrinks
    to ``minimum`` and then the glyphs are squeezed (textLength)."""
    estimate = _text_width(text, size)
    if estimate > width and minimum:
        size = max(minimum, size * width / estimate)
        estimate = _text_width(text, size)
    squeeze = f' textLength="{width:.2f}" lengthAdjust="spacingAndGlyphs"' if estimate > width else ""
    return (
        f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:.2f}" font-weight="{weight}" fill="{fill}" '
        f'text-anchor="{anchor}"{squeeze}>{escape(text)}</text>'
    )


def _photo(photo: Photo | None, box: tuple[float, float, float, float]) -> str:
    x, y, w, h = box
    frame = f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#888" stroke-width="0.2"/>'
    if photo is not None:
        href = f"data:{photo.media_type};base64,{base64.b64encode(photo.data).decode('ascii')}"
        image = (
            f'<image x="{x}" y="{y}" width="{w}" height="{h}" preserveAspectRatio="xMidYMid slice" '
            f'clip-path="url(#photo)" href="{href}"/>'
        )
        return image + frame
    cx = x + w / 2
    silhouette = (  # a placeholder: head and shoulders
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#e4e7eb"/>'
        f'<circle cx="{cx:.2f}" cy="{y + h * 0.36:.2f}" r="{w * 0.22:.2f}" fill="#a9b0b8"/>'
        f'<path d="M{x + w * 0.1:.2f} {y + h:.2f}C{x + w * 0.1:.2f} {y + h * 0.66:.2f} '
        f'{x + w * 0.9:.2f} {y + h * 0.66:.2f} {x + w * 0.9:.2f} {y + h:.2f}Z" fill="#a9b0b8"/>'
        f'<text x="{cx:.2f}" y="{y + h - 1.4:.2f}" font-size="1.8" fill="#5f6670" '
        f'text-anchor="middle">照片 PHOTO</text>'
    )
    return silhouette + frame


def _qr_group(symbol: QrSymbol) -> tuple[str, float, float]:
    """The symbol (quiet zone included) placed in the card's QR box; returns the
    SVG, the side of the symbol in mm and its bottom edge."""
    side = (symbol.size + 2 * _QUIET) * MODULE_MM
    box_side = (17 + 4 * MAX_VERSION + 2 * _QUIET) * MODULE_MM
    x = _QR_BOX[0] + (box_side - side) / 2
    y = _QR_BOX[1]
    svg = (
        f'<g transform="translate({x:.3f} {y:.3f}) scale({MODULE_MM:.5f})" shape-rendering="crispEdges">'
        f'<rect width="{symbol.size + 2 * _QUIET}" height="{symbol.size + 2 * _QUIET}" fill="#fff"/>'
        f'<path stroke="#000" stroke-width="1" d="{_path(symbol, _QUIET)}"/></g>'
    )
    return svg, side, y + side


def _services_lines(cred: Credential) -> list[str]:
    names = [s.label_zh for s in Service if s in cred.services]
    return ["  ".join(names[i : i + 3]) for i in range(0, len(names), 3)]


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(CST).date().isoformat()


#: The small link code of a card (the verifier page's address): its quiet zone in modules,
#: the largest module and the height it may take (between the code's box and the footer).
_LINK_QUIET = 2
_LINK_MODULE_MM = 0.33
_LINK_MAX_MM = 9.4
_LINK_LABEL = ("核验网页", "VERIFIER PAGE")


def link_symbol(url: str) -> QrSymbol:
    """The QR symbol of the verifier page's address for the small link code of a card (issue 11):
    segno in byte mode, level M (an address has lower-case letters: not alphanumeric)."""
    import segno  # noqa: PLC0415  (cards only)

    qr = segno.make_qr(url, error="m", boost_error=False)
    rows = tuple(sum(1 << c for c, dark in enumerate(row) if dark) for row in qr.matrix)
    return QrSymbol(int(qr.version), "M", int(qr.mask), rows)


def _link_group(link: QrSymbol) -> tuple[str, float]:
    """The link code at the bottom right, over the footer band, with its label to its left;
    returns the SVG and the left edge of the label (text further left must stop there)."""
    modules = link.size + 2 * _LINK_QUIET
    module = min(_LINK_MODULE_MM, _LINK_MAX_MM / modules)
    side = modules * module
    x, y = CARD_WIDTH_MM - 2.4 - side, CARD_HEIGHT_MM - 3.6 - 0.2 - side
    label_right = x - 0.6
    svg = (
        f'<g transform="translate({x:.3f} {y:.3f}) scale({module:.5f})" shape-rendering="crispEdges">'
        f'<rect width="{modules}" height="{modules}" fill="#fff"/>'
        f'<path stroke="#000" stroke-width="1" d="{_path(link, _LINK_QUIET)}"/></g>'
        + _text(label_right, y + side / 2, _LINK_LABEL[0], 1.7, width=8, fill="#555", anchor="end")
        + _text(label_right, y + side / 2 + 2.0, _LINK_LABEL[1], 1.2, width=12, fill="#555", anchor="end")
    )
    return svg, label_right - 12.5


def card_svg(
    cred: Credential,
    text: str,
    *,
    enterprise: str | None = None,
    photo: Photo | None = None,
    specimen: bool = False,
    symbol: QrSymbol | None = None,
    link: QrSymbol | None = None,
) -> str:
    """The printable card of a credential as SVG text, 85.6 × 54 mm (ISO/IEC 7810 ID-1).

    ``text`` is the code (``AXM1:...``) drawn as the QR symbol; ``enterprise``
    the enterprise name to print (from a :class:`~anxinma.Directory`), else the
    USCC is printed; ``photo`` else a placeholder silhouette; ``specimen``
    overprints 样例 SPECIMEN (synthetic data, demos); ``symbol`` the QR symbol of
    ``text`` when the caller has it already; ``link`` a small second QR code, the verifier
    page's address (:func:`link_symbol`), printed at the bottom right (issue 11).
    """
    symbol = symbol or qr_symbol(text)
    qr, side, qr_bottom = _qr_group(symbol)
    right = CARD_WIDTH_MM - 2.4
    link_svg, link_left = _link_group(link) if link is not None else ("", right)
    width = _TEXT_RIGHT - _TEXT_X
    body = [
        _text(_TEXT_X, 17.2, cred.name, 5.0, width=width, weight="bold", minimum=3.0),
        _text(_TEXT_X, 22.0, "证号", 2.1, width=5, fill="#666"),
        _text(_TEXT_X + 5.2, 22.0, cred.card_no, 2.6, width=width - 5.2, weight="bold"),
        _text(_TEXT_X, 26.2, "服务项目", 2.1, width=width, fill="#666"),
    ]
    for n, line in enumerate(_services_lines(cred)):
        body.append(_text(_TEXT_X, 29.4 + 3.1 * n, line, 2.35, width=width))
    body += [
        _text(4.0, 44.4, "所属企业", 2.1, width=9, fill="#666"),
        _text(
            13.4,
            44.4,
            enterprise or f"USCC {cred.enterprise_uscc}",
            2.6,
            width=min(right, link_left) - 13.4,
            minimum=1.8,
        ),
        _text(4.0, 48.4, "有效期", 2.1, width=9, fill="#666"),
        _text(13.4, 48.4, f"{_day(cred.issued_at)} 至 {_day(cred.expires_at)}", 2.4, width=40),
        _text(CARD_WIDTH_MM / 2, 52.3, _FOOTER, 1.55, width=78, fill="#555", anchor="middle"),
    ]
    if qr_bottom + 2.6 < 42.0:
        centre = _QR_BOX[0] + (17 + 4 * MAX_VERSION + 2 * _QUIET) * MODULE_MM / 2
        body.append(_text(centre, qr_bottom + 2.0, "扫码核验 SCAN TO VERIFY", 1.6, width=side, fill="#555",
                          anchor="middle"))  # fmt: skip
    mark = (
        f'<text x="{CARD_WIDTH_MM / 2}" y="{CARD_HEIGHT_MM / 2 + 4}" font-size="9" font-weight="bold" '
        f'fill="{_ACCENT}" fill-opacity="0.16" text-anchor="middle" '
        f'transform="rotate(-18 {CARD_WIDTH_MM / 2} {CARD_HEIGHT_MM / 2})">样例 SPECIMEN</text>'
        if specimen
        else ""
    )
    return _card_frame(mark + "".join(body) + _photo(photo, (4.0, 12.4, 19.0, 25.0)) + qr + link_svg)


def _card_frame(content: str) -> str:
    w, h, r = CARD_WIDTH_MM, CARD_HEIGHT_MM, _CORNER_MM
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}" '
        f'font-family="{_FONTS}">'
        f'<defs><clipPath id="card"><rect width="{w}" height="{h}" rx="{r}"/></clipPath>'
        f'<clipPath id="photo"><rect x="4" y="12.4" width="19" height="25"/></clipPath></defs>'
        f'<g clip-path="url(#card)"><rect width="{w}" height="{h}" fill="#fff"/>'
        f'<rect width="{w}" height="9.4" fill="{_ACCENT}"/>'
        f'<rect y="{h - 3.6}" width="{w}" height="3.6" fill="#f3f4f6"/></g>'
        f'<rect x="0.1" y="0.1" width="{w - 0.2}" height="{h - 0.2}" rx="{r}" fill="none" stroke="#bbb" '
        f'stroke-width="0.2"/>'
        + _text(w / 2, 5.6, _TITLE, 4.3, width=w - 8, weight="bold", fill="#fff", anchor="middle")
        + _text(w / 2, 8.2, _SUBTITLE, 1.5, width=w - 8, fill="#fff", anchor="middle")
        + content
        + "</svg>\n"
    )


def card_fixed_text() -> str:
    """Every character a card draws besides the worker's name and enterprise name: titles, labels,
    service names, digits and the letters of card numbers, USCCs and dates (for a font check
    before a whole batch is drawn)."""
    labels = "证号 服务项目 所属企业 有效期 至 扫码核验 SCAN TO VERIFY 照片 PHOTO 样例 SPECIMEN USCC "
    labels += " ".join(_LINK_LABEL)  # the label of the link to the verifier page (issue 11)
    services = "".join(s.label_zh for s in Service)
    return _TITLE + _SUBTITLE + _FOOTER + labels + services + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-:."


def card_text(svg: str) -> str:
    """Every character of text an SVG draws (the content of its ``text`` elements)."""
    root = ET.fromstring(svg)
    return "".join(
        "".join(element.itertext()) for element in root.iter() if element.tag.rsplit("}", 1)[-1] == "text"
    )


def card_png(svg: str, *, dpi: int = 300, font: Font | None = None) -> bytes:
    """Rasterise a card (or any SVG) to PNG at ``dpi``: needs the optional extra
    ``anxinma[png]`` (cairosvg, which needs the Cairo library) and a font with a
    glyph for every character of the text.

    The text is drawn with ``font`` (else the installed font
    :func:`anxinma.fonts.font_for` picks for it), named first in the SVG: the
    rasteriser draws every character with the first family only.  A character
    that font lacks raises :class:`~anxinma.fonts.FontMissingError` (a
    :class:`UsageError`) instead of printing a box.
    """
    text = card_text(svg)
    if font is None:
        font = font_for(text)
    elif missing := font.missing(text):
        raise FontMissingError(
            f"font {font.family} has no glyph for {missing[:5]!r}, so the PNG card would print boxes: "
            f"install a CJK font (Debian/Ubuntu: apt-get install {CJK_FONT_PACKAGE}), or write SVG cards"
        )
    try:
        import cairosvg  # noqa: PLC0415  (optional extra)
    except ImportError:
        raise UsageError("PNG cards need cairosvg: pip install 'anxinma[png]'") from None
    except OSError as exc:  # cairocffi found no Cairo library
        raise UsageError(f"PNG cards need the Cairo library (Debian: libcairo2): {exc}") from None
    drawn = svg.replace(f'font-family="{_FONTS}"', f"font-family=\"'{font.family}',{_FONTS}\"", 1)
    png: bytes = cairosvg.svg2png(bytestring=drawn.encode("utf-8"), dpi=dpi)
    return png
