"""Codes from camera images: find every QR symbol in a photo, then verify each (spec §10).

This is the field verifier's camera path.  :func:`read_symbols` finds and
decodes the QR symbols in an image (zxing-cpp); :func:`verify_image` also runs
:func:`anxinma.verify` on each and returns one :class:`ScanResult` per symbol,
in reading order (rows top to bottom, each left to right).  A symbol whose text is
not an anxinma code is not an error: its verdict is red (``malformed`` or
``unsupported_version``), like any other text that is not a code.  An image
with no QR symbol gives an empty list.

Images are read with Pillow and decoded with zxing-cpp, the optional extra
``anxinma[scan]``.  Both are imported only when an image is read, so importing
this module (and verifying text) never loads them; when either is missing,
:class:`ScanUnavailableError` says how to install them.

Exceptions, as everywhere in anxinma, are for misuse: bytes that are not a
readable image raise :class:`ImageError`; a naive ``now`` or a wrong ``trust``
type raises :class:`~anxinma.UsageError`.  The image is read in memory and
never written anywhere; robustness of printed codes is measured in
``docs/robustness.md``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .directory import Directory
from .errors import AnxinmaError, UsageError
from .model import checked_now
from .status import StatusListToken
from .trust import TrustList
from .verify import DEFAULT_LEEWAY, DEFAULT_POLICY, Color, Keyring, Policy, Verification, verify

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "IMAGE_FORMATS",
    "INSTALL_HINT",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "ImageError",
    "Point",
    "ScanResult",
    "ScanUnavailableError",
    "Symbol",
    "ensure_available",
    "read_symbols",
    "verify_image",
]

#: How to get the optional dependencies of this module.
INSTALL_HINT = "pip install 'anxinma[scan]'"
#: Image file formats read (Pillow's names): what cameras, phones and scanners write.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")
#: Largest image file accepted, in bytes (a 50-megapixel JPEG is about 20 MB).
MAX_IMAGE_BYTES = 64 << 20
#: Largest image accepted, in pixels (width × height); refused before its pixels are decoded.
MAX_IMAGE_PIXELS = 64_000_000


class ScanUnavailableError(AnxinmaError, ImportError):
    """Reading images needs zxing-cpp and Pillow (the extra ``anxinma[scan]``), and one is missing."""

    code = "scan_unavailable"


class ImageError(AnxinmaError, ValueError):
    """Bytes are not a readable image (or one too large to read)."""

    code = "invalid_image"


#: A pixel position in the image: (x, y), x to the right, y down, from the top-left corner.
Point = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Symbol:
    """A QR symbol found in an image: its text and where it is.

    ``position`` holds the symbol's corners as the symbol is oriented
    (top-left, top-right, bottom-right, bottom-left: top-left is the corner
    between the finder patterns), in pixels of the image as displayed.
    """

    text: str
    position: tuple[Point, Point, Point, Point]

    @property
    def center(self) -> tuple[float, float]:
        """The mean of the four corners."""
        return (sum(p[0] for p in self.position) / 4, sum(p[1] for p in self.position) / 4)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One QR symbol of an image and the verdict on its text."""

    text: str
    position: tuple[Point, Point, Point, Point]
    verification: Verification

    @property
    def color(self) -> Color:
        """The verdict's colour."""
        return self.verification.color

    @property
    def ok(self) -> bool:
        """True for green."""
        return self.verification.ok


def _imports() -> tuple[Any, Any, Any]:
    """The modules ``zxingcpp``, ``PIL.Image`` and ``PIL.ImageOps``, imported on first use."""
    try:
        import zxingcpp  # noqa: PLC0415  (optional extra, lazy: verifying text never loads it)
        from PIL import Image, ImageOps  # noqa: PLC0415
    except ImportError as exc:
        missing = "zxing-cpp" if (exc.name or "").startswith("zxing") else "Pillow"
        raise ScanUnavailableError(
            f"reading codes from images needs zxing-cpp and Pillow, and {missing} is not installed: "
            f"{INSTALL_HINT}"
        ) from None
    return zxingcpp, Image, ImageOps


def ensure_available() -> None:
    """Raise :class:`ScanUnavailableError` unless zxing-cpp and Pillow can be imported."""
    _imports()


#: An SVG file: optional BOM, XML declaration, comments and doctype, then the svg element.
_SVG = re.compile(
    rb"\A(\xef\xbb\xbf)?\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]", re.S
)


def _opened(data: bytes, pil: Any) -> Image.Image:
    """Decode image file bytes; refuse what is not an image or too large before decoding pixels."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"{len(data)} bytes; images are read up to {MAX_IMAGE_BYTES} bytes")
    if _SVG.match(data[:4096]):
        raise ImageError(
            "an SVG drawing, not a photo: scan reads camera and raster images (JPEG, PNG...); write the "
            "QR code as PNG instead (anxinma render CODE --out qr.png; batch --format png), convert the "
            "SVG (e.g. rsvg-convert -o qr.png FILE.svg), or verify the code's text with anxinma verify"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pil.DecompressionBombWarning)
            image: Image.Image = pil.open(io.BytesIO(data), formats=IMAGE_FORMATS)
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ImageError(f"{image.width}x{image.height} pixels; the limit is {MAX_IMAGE_PIXELS}")
            image.load()
    except ImageError:
        raise
    except Exception as exc:  # a crafted or broken file may fail in any decoder: never a traceback
        if isinstance(exc, pil.DecompressionBombError | pil.DecompressionBombWarning):
            raise ImageError(
                f"too many pixels to read safely (over {MAX_IMAGE_PIXELS}): scan a photo or a smaller image"
            ) from None
        if isinstance(exc, pil.UnidentifiedImageError):
            raise ImageError(f"not an image in a format read here ({', '.join(IMAGE_FORMATS)})") from None
        raise ImageError(f"not a readable image ({type(exc).__name__}: {exc})") from None
    return image


def _grey(image: Image.Image, pil: Any, ops: Any) -> Image.Image:
    """8-bit grey, upright as displayed (EXIF orientation), transparency over white."""
    try:
        image = ops.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            image = pil.alpha_composite(pil.new("RGBA", rgba.size, "white"), rgba)
        return image.convert("L")
    except Exception as exc:  # an odd mode or broken metadata: a bad image, not a crash
        raise ImageError(f"cannot convert the image to grey ({type(exc).__name__}: {exc})") from None


def read_symbols(image: bytes | Image.Image) -> list[Symbol]:
    """Every QR symbol in ``image`` (file bytes: JPEG, PNG...; or a Pillow image), decoded.

    Symbols are in reading order (rows top to bottom, each left to right);
    an image without one gives ``[]``.  Raises :class:`ImageError` for
    bytes that are not a readable image and :class:`ScanUnavailableError`
    without the ``scan`` extra.
    """
    zxing, pil, ops = _imports()
    if isinstance(image, bytes | bytearray | memoryview):
        image = _opened(bytes(image), pil)
    elif not isinstance(image, pil.Image):
        raise UsageError(f"an image is file bytes or a PIL image, not {type(image).__name__}")
    grey = _grey(image, pil, ops)
    found = zxing.read_barcodes(grey, formats=zxing.BarcodeFormat.QRCode, text_mode=zxing.TextMode.Plain)
    return _reading_order([Symbol(b.text, _corners(b.position)) for b in found])


def _reading_order(symbols: list[Symbol]) -> list[Symbol]:
    """Rows top to bottom, each left to right: a symbol whose centre lies within the
    vertical extent of the row's first symbol belongs to that row."""
    rows: list[list[Symbol]] = []
    for symbol in sorted(symbols, key=lambda s: s.center[1]):
        if rows and symbol.center[1] <= max(y for _, y in rows[-1][0].position):
            rows[-1].append(symbol)
        else:
            rows.append([symbol])
    return [s for row in rows for s in sorted(row, key=lambda s: s.center[0])]


def _corners(position: Any) -> tuple[Point, Point, Point, Point]:
    tl, tr, br, bl = position.top_left, position.top_right, position.bottom_right, position.bottom_left
    return ((tl.x, tl.y), (tr.x, tr.y), (br.x, br.y), (bl.x, bl.y))


def verify_image(
    image: bytes | Image.Image,
    trust: Keyring | TrustList,
    *,
    now: dt.datetime,
    status: Iterable[StatusListToken] = (),
    directory: Directory | None = None,
    id_number: str | None = None,
    leeway: int = DEFAULT_LEEWAY,
    policy: Policy = DEFAULT_POLICY,
) -> list[ScanResult]:
    """Find the QR symbols in ``image`` and verify each one's text (spec §10).

    The options are those of :func:`anxinma.verify`, applied to every symbol;
    the result has one :class:`ScanResult` per symbol, in reading order, and
    is empty when the image holds no QR symbol.  Misuse (a naive ``now``, a
    wrong ``trust`` type) raises before the image is read.
    """
    now = checked_now(now)
    if not isinstance(trust, Keyring | TrustList):
        raise UsageError(f"trust must be a TrustList or a Keyring, not {type(trust).__name__}")
    lists = tuple(status)  # used once per symbol: an iterator would be spent by the first
    return [
        ScanResult(
            s.text,
            s.position,
            verify(
                s.text,
                trust,
                now=now,
                status=lists,
                directory=directory,
                id_number=id_number,
                leeway=leeway,
                policy=policy,
            ),
        )
        for s in read_symbols(image)
    ]
