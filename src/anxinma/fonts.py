"""Which installed font can draw a card's text: a check before any PNG with text is written.

Rasterising a card (:func:`anxinma.card.card_png`, cairosvg) draws every
character with ONE font, the first family the SVG names, found through
fontconfig; a character that font lacks becomes an empty box ("tofu") and
nothing fails.  So before a PNG card is written, :func:`font_for` asks
fontconfig (``fc-list``) for the installed fonts and the characters each
covers, picks one that covers every character of the text (a known CJK
family first), and the PNG is drawn with exactly that family.  When no font
covers the text, :class:`FontMissingError` says which characters are missing
and which package to install.

This module runs a program (``fc-list``): it is I/O, used by the card writers
(batch, CLI), never by the verifier.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import UsageError

__all__ = ["CJK_FONT_PACKAGE", "Font", "FontMissingError", "font_for", "installed_fonts"]

#: What to install on Debian or Ubuntu for Chinese text (Fedora: google-noto-sans-cjk-fonts).
CJK_FONT_PACKAGE = "fonts-noto-cjk"
#: Families preferred when several fonts cover the text: the card's SVG font stack, in its order.
PREFERRED = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Heiti SC",
    "SimHei",
    "Droid Sans Fallback",
)
_FC_LIST_TIMEOUT = 60
_UNSAFE = frozenset("'\"<>&;,\\")


class FontMissingError(UsageError):
    """No installed font can draw some characters of a card (a PNG would show boxes)."""

    code = "font_missing"


@dataclass(frozen=True, slots=True)
class Font:
    """An installed font: its family name, file, and the code points it covers (sorted ranges)."""

    family: str
    file: str
    ranges: tuple[tuple[int, int], ...]

    def missing(self, text: str) -> str:
        """The characters of ``text`` this font has no glyph for (white space aside), in order, once."""
        out: list[str] = []
        for char in text:
            if char not in out and not char.isspace() and not self._covers(ord(char)):
                out.append(char)
        return "".join(out)

    def _covers(self, point: int) -> bool:
        low, high = 0, len(self.ranges)
        while low < high:
            mid = (low + high) // 2
            first, last = self.ranges[mid]
            if point < first:
                high = mid
            elif point > last:
                low = mid + 1
            else:
                return True
        return False


def _ranges(charset: str) -> tuple[tuple[int, int], ...]:
    """fontconfig's charset text (``20-7e a0-17f 4e00``) as sorted (first, last) ranges."""
    out = []
    for part in charset.split():
        first, _, last = part.partition("-")
        out.append((int(first, 16), int(last or first, 16)))
    return tuple(sorted(out))


def installed_fonts() -> list[Font]:
    """Every font fontconfig knows, with its coverage (``fc-list``); raise :class:`FontMissingError`
    when fontconfig is not installed (then nothing can be checked)."""
    program = shutil.which("fc-list")
    if program is None:
        raise FontMissingError(
            "cannot check that a font has the card's characters: fontconfig's fc-list is not installed "
            "(Debian: apt-get install fontconfig); or write SVG cards"
        )
    try:
        listing = subprocess.run(
            [program, "--format", "%{family[0]}\\t%{file}\\t%{charset}\\n"],
            capture_output=True,
            check=True,
            timeout=_FC_LIST_TIMEOUT,
            env=os.environ.copy(),
        ).stdout.decode("utf-8", errors="replace")
    except (OSError, subprocess.SubprocessError) as exc:
        raise FontMissingError(f"cannot list the installed fonts with fc-list ({exc})") from None
    fonts = []
    for line in listing.splitlines():
        family, _, rest = line.partition("\t")
        file, _, charset = rest.partition("\t")
        if family and charset and not _UNSAFE & set(family):
            try:
                fonts.append(Font(family, file, _ranges(charset)))
            except ValueError:
                continue
    return fonts


def _rank(font: Font) -> tuple[int, str]:
    return (PREFERRED.index(font.family) if font.family in PREFERRED else len(PREFERRED), font.family)


def _shown(chars: str) -> str:
    listed = ", ".join(f"{c} (U+{ord(c):04X})" for c in chars[:5])
    return listed + (f" and {len(chars) - 5} more" if len(chars) > 5 else "")


def font_for(text: str, *, fonts: Iterable[Font] | None = None, where: str = "the card") -> Font:
    """An installed font with a glyph for every character of ``text``; a known CJK family first.

    Raise :class:`FontMissingError` naming the missing characters (``where``:
    whose text it is, e.g. ``row 17 name``) and the package to install.
    """
    candidates = sorted(installed_fonts() if fonts is None else fonts, key=_rank)
    for font in candidates:
        if not font.missing(text):
            return font
    if not candidates:
        raise FontMissingError(
            f"no font is installed, so PNG cards would print boxes instead of text: install a CJK font "
            f"(Debian/Ubuntu: apt-get install {CJK_FONT_PACKAGE}), or write SVG cards"
        )
    fewest = min((font.missing(text) for font in candidates), key=len)
    rare = " (beyond U+FFFF, CJK Extension B on: also fonts-hanazono)" if max(fewest) > "\uffff" else ""
    raise FontMissingError(
        f"no installed font has {_shown(fewest)} of {where}, so a PNG card would print boxes: install a "
        f"CJK font (Debian/Ubuntu: apt-get install {CJK_FONT_PACKAGE}{rare}), or write SVG cards"
    )
