"""QR rendering of a code (segno).  Imported lazily: verifying never loads segno.

The text of a code is entirely in the QR alphanumeric set, so the symbol is
encoded in alphanumeric mode.  The error correction level is M by default
(spec §9.3); segno's ``boost_error`` is off so that the level is what was asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import segno

__all__ = ["DEFAULT_ERROR", "make_qr"]

DEFAULT_ERROR = "M"


def make_qr(text: str, *, error: str = DEFAULT_ERROR) -> segno.QRCode:
    """A QR code (never a Micro QR) for ``text`` at error level ``error``."""
    import segno  # noqa: PLC0415  (lazy: the verify path must not load segno)

    return segno.make_qr(text, error=error.lower(), mode="alphanumeric", boost_error=False)
