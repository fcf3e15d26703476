"""A fake camera for Chromium: a photo of a printed service card, as a Y4M video.

The card is drawn by anxinma.card (SVG) and rasterised by the browser under test; the
"photo" puts it on a table, rotated, blurred, lit unevenly and noisy, then JPEG-compressed,
and the result is written as a few YUV 4:2:0 frames that Chromium loops as its camera
(``--use-file-for-fake-video-capture``).
"""

from __future__ import annotations

import base64
import io
import math
import random
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter

import anxinma
from anxinma.card import card_svg

#: The frame size: a phone camera's frame as the page scales it (at most 960 px wide).
WIDTH, HEIGHT = 960, 720


def render_card(
    browser: Any, text: str, *, enterprise: str | None = None, width: int = 1300, **card: Any
) -> Image.Image:
    """The card of the code ``text`` as the browser draws its SVG, ``width`` pixels wide."""
    from anxinma.transport import from_text

    cred = anxinma.decode_unverified(text).credential
    assert cred is not None, "the card of a code needs its credential"
    assert from_text(text)
    svg = card_svg(cred, text, enterprise=enterprise, **card)
    page = browser.new_page(viewport={"width": width + 40, "height": width})
    page.set_content(
        f'<body style="margin:0;background:#fff"><img id="card" style="width:{width}px" '
        f'src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}"></body>'
    )
    page.wait_for_function("() => document.getElementById('card').complete")
    png = page.locator("#card").screenshot()
    page.close()
    return Image.open(io.BytesIO(png)).convert("RGB")


def photograph(
    card: Image.Image,
    *,
    seed: int = 11,
    angle: float = 9.0,
    blur: float = 1.1,
    fall_off: float = 0.35,
    noise: float = 6.0,
    quality: int = 70,
) -> Image.Image:
    """The card on a grey table as a phone sees it: rotated, blurred, unevenly lit, noisy, JPEG."""
    rng = random.Random(seed)
    scale = 0.85 * WIDTH / card.width
    card = card.resize((round(card.width * scale), round(card.height * scale)), Image.LANCZOS)
    rotated = card.convert("RGBA").rotate(angle, resample=Image.BICUBIC, expand=True)
    frame = Image.new("RGB", (WIDTH, HEIGHT), (118, 112, 104))
    frame.paste(rotated, ((WIDTH - rotated.width) // 2, (HEIGHT - rotated.height) // 2), rotated)
    frame = frame.filter(ImageFilter.GaussianBlur(blur))
    side = math.ceil(math.hypot(WIDTH, HEIGHT)) + 2  # rotate a larger gradient, keep its middle
    light = (
        Image.linear_gradient("L").resize((side, side)).rotate(rng.uniform(0, 360), resample=Image.BICUBIC)
    )
    left, top = (side - WIDTH) // 2, (side - HEIGHT) // 2
    light = light.crop((left, top, left + WIDTH, top + HEIGHT))
    light = light.point(lambda v: round(255 * (1 - fall_off * v / 255)))
    frame = ImageChops.multiply(frame, Image.merge("RGB", (light, light, light)))
    grain = Image.effect_noise((WIDTH, HEIGHT), noise).convert("RGB")
    frame = ImageChops.add(frame, grain, scale=1.0, offset=-128)
    out = io.BytesIO()
    frame.save(out, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def write_y4m(frame: Image.Image, path: Path, *, frames: int = 3) -> Path:
    """``frame`` as a YUV4MPEG2 (4:2:0, full range) video of a few identical frames."""
    y, cb, cr = frame.convert("YCbCr").split()
    half = (frame.width // 2, frame.height // 2)
    planes = y.tobytes() + cb.resize(half, Image.BOX).tobytes() + cr.resize(half, Image.BOX).tobytes()
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{frame.width} H{frame.height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + planes)
    return path


def blank_frame() -> Image.Image:
    """A table with no card on it."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), (118, 112, 104))
    ImageDraw.Draw(frame).rectangle((100, 100, 300, 250), fill=(200, 190, 170))
    return frame
