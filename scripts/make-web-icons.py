#!/usr/bin/env python3
"""Draw the web verifier's icons (src/anxinma/web/site/icons/): a white shield with a check on blue.

Run once after a change of design; the PNGs are committed (the page has no build step).
Needs Pillow (the [scan] extra).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parents[1] / "src" / "anxinma" / "web" / "site" / "icons"
BLUE = (11, 83, 148, 255)
SHIELD = [(0.5, 0.16), (0.8, 0.27), (0.77, 0.58), (0.5, 0.86), (0.23, 0.58), (0.2, 0.27)]
CHECK = [(0.35, 0.52), (0.46, 0.63), (0.67, 0.40)]

SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<rect width="100" height="100" rx="20" fill="#0b5394"/>
<path d="M50 16 80 27 77 58 50 86 23 58 20 27Z" fill="#fff"/>
<path d="M35 52 46 63 67 40" fill="none" stroke="#0b5394" stroke-width="8"
 stroke-linecap="round" stroke-linejoin="round"/>
</svg>
"""


def draw(size: int, *, maskable: bool = False) -> Image.Image:
    big = size * 4
    image = Image.new("RGBA", (big, big), BLUE if maskable else (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if not maskable:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BLUE)
    inset = 0.1 if maskable else 0.0  # maskable icons keep the motif inside the safe zone

    def at(x: float, y: float) -> tuple[float, float]:
        return ((inset + x * (1 - 2 * inset)) * big, (inset + y * (1 - 2 * inset)) * big)

    pen.polygon([at(x, y) for x, y in SHIELD], fill="white")
    pen.line([at(x, y) for x, y in CHECK], fill=BLUE, width=big // 12, joint="curve")
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    (ICONS / "icon.svg").write_text(SVG, "utf-8")
    for size in (192, 512):
        draw(size).save(ICONS / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(ICONS / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
