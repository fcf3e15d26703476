"""Robustness of printed codes: camera-like degradations, decode, verify; success by error level.

    python bench/robustness.py                        # 200 seeds per condition, Markdown tables
    python bench/robustness.py --seeds 40 --jobs 2    # quicker
    python bench/robustness.py --json results.json    # also every trial's outcome
    python bench/robustness.py --fixtures tests/data/robustness   # remake the test images

What is measured (docs/robustness.md): the reference worker's code with a
status reference (257 characters: version 8-L, 9-M or 11-Q), signed with the
DEMO issuer key, is drawn at the card's module size (0.423 mm, 5 dots at 300
dpi) on a white card on a grey table, then photographed by a simulated camera:
a projective view (rotation, tilt), optical blur (defocus, and the lens and
demosaicing of a focused camera), the sensor's pixel grid (each pixel
integrates the area it sees), uneven light, noise and JPEG.
Occlusion covers part of the symbol before the photo.  Each photo is read
with the library's own camera path (:func:`anxinma.scan.verify_image`,
zxing-cpp) and verified against the DEMO trust list and status list; a trial
succeeds when the verdict is green.

Every trial is deterministic: its parameters are drawn from
``random.Random("<condition>/<seed>")``, the same for L, M and Q (paired
trials), and its noise from the same generator.  Trials run on all cores
(multiprocessing).  Needs zxing-cpp and Pillow (``anxinma[scan]``); the test
fixtures' card photo also needs cairosvg (``anxinma[png]``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import io
import itertools
import json
import math
import multiprocessing
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageMath

import anxinma
from anxinma import _demo
from anxinma.issue import Issuer, credential_for
from anxinma.qr import make_qr
from anxinma.scan import verify_image
from anxinma.transport import to_text

LEVELS = ("L", "M", "Q")
#: The card's QR module: 5 printer dots at 300 dpi (anxinma.card.MODULE_MM).
MODULE_MM = 25.4 * 5 / 300
#: When the test codes are issued, how long they live, and when they are verified.
ISSUED = dt.datetime(2026, 6, 1, 9, 0, tzinfo=anxinma.CST)
VALID_DAYS = 1830
NOW = dt.datetime(2026, 11, 27, 10, 30, tzinfo=anxinma.CST)
#: Scene resolution: pixels per module of the "printed" symbol before it is photographed.
SCENE_PPM = 8
QUIET = 4  # quiet zone, modules
CARD_MARGIN = 3  # white card beyond the quiet zone, modules
TABLE_MARGIN = 12  # grey table around the card, modules
TABLE_GREY = 96
LIGHT_GREY = 250  # printed paper is not perfectly white ...
INK_GREY = 18  # ... nor the ink perfectly black
#: A focused phone camera's own blur (lens, demosaicing), standard deviation in photo pixels:
#: with the pixel's area this gives an MTF50 of about 0.32 cycles/pixel (a sharp, focused camera).
CAMERA_BLUR = 0.5


# -- phones ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Camera:
    """A phone camera: pixels across the image and horizontal field of view."""

    name: str
    pixels: int
    fov_deg: float

    def ppm(self, distance_mm: float, module_mm: float = MODULE_MM) -> float:
        """Pixels per module of a card held ``distance_mm`` from the lens, square to it."""
        field = 2 * distance_mm * math.tan(math.radians(self.fov_deg) / 2)
        return self.pixels * module_mm / field

    def distance(self, ppm: float, module_mm: float = MODULE_MM) -> float:
        """The distance (mm) at which a module covers ``ppm`` pixels."""
        return self.pixels * module_mm / (ppm * 2 * math.tan(math.radians(self.fov_deg) / 2))


#: A 12-megapixel main camera (26 mm equivalent lens: 69.4 degrees across), full photo.
PHOTO_12MP = Camera("12 MP photo", 4032, 69.4)
#: The same lens as most scanning apps use it: the 1080p video preview.
PREVIEW_1080P = Camera("1080p preview", 1920, 69.4)


# -- the printed code: a scene ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scene:
    """A printed symbol on a card on a table: the image, its resolution and where the symbol is."""

    image: Image.Image
    ppm: float  # scene pixels per module
    origin: tuple[int, int]  # scene pixel of the symbol's top-left module
    modules: int  # symbol side, modules (no quiet zone)


def code_text() -> str:
    """The reference worker's code, with a status reference, from the DEMO issuer key at ISSUED."""
    worker = anxinma.parse_worker(_demo.reference_record())
    cred = credential_for(worker, now=ISSUED, valid_days=VALID_DAYS, status=_demo.STATUS_REF)
    return to_text(Issuer(_demo.private_key()).sign(cred))


def qr_scene(text: str, level: str, *, scene_ppm: int = SCENE_PPM) -> Scene:
    """``text`` as a QR symbol at ``level``, printed (ink on paper greys) on a card on a table."""
    qr = make_qr(text, error=level)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scene_ppm, border=QUIET + CARD_MARGIN, dark="#121212", light="#fafafa")
    card = Image.open(buffer).convert("L")
    pad = TABLE_MARGIN * scene_ppm
    image = Image.new("L", (card.width + 2 * pad, card.height + 2 * pad), TABLE_GREY)
    image.paste(card, (pad, pad))
    at = pad + (QUIET + CARD_MARGIN) * scene_ppm
    return Scene(image, scene_ppm, (at, at), qr.symbol_size(border=0)[0])


@functools.cache
def level_scene(level: str) -> Scene:
    return qr_scene(code_text(), level)


# -- the camera ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shot:
    """One photo's parameters (0 / None: that degradation is off).

    ppm: pixels per module in the photo (at the symbol's centre); rotate: degrees;
    tilt: degrees the card is tilted away from square to the camera, about an
    axis at ``tilt_axis`` degrees; view: camera distance in card widths (for
    the perspective); blur: optical blur, standard deviation in modules;
    light: depth of a linear light fall-off across the photo (0.4: the dark
    side gets 60 % of the light); noise: sensor noise, standard deviation in
    grey levels (0-255); jpeg: JPEG quality; occlude: fraction of the symbol's
    area covered, by ink (``occlude_dark``) or glare.
    """

    ppm: float = 5.0
    rotate: float = 0.0
    tilt: float = 0.0
    tilt_axis: float = 0.0
    view: float = 3.5
    blur: float = 0.0
    light: float = 0.0
    noise: float = 0.0
    jpeg: int | None = None
    occlude: float = 0.0
    occlude_dark: bool = True

    def describe(self) -> str:
        parts = [f"{self.ppm:.2f} px/module"]
        if self.rotate:
            parts.append(f"rotated {self.rotate:.0f}°")
        if self.tilt:
            parts.append(f"tilted {self.tilt:.0f}° about {self.tilt_axis:.0f}°")
        for value, text in (
            (self.blur, f"blur σ {self.blur:.2f} module"),
            (self.light, f"light fall-off {self.light:.0%}"),
            (self.noise, f"noise σ {self.noise:.0f}"),
            (self.occlude, f"{self.occlude:.0%} occluded ({'ink' if self.occlude_dark else 'glare'})"),
        ):
            if value:
                parts.append(text)
        if self.jpeg is not None:
            parts.append(f"JPEG q{self.jpeg}")
        return ", ".join(parts)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8 unknowns)."""
    n = len(b)
    m = [[*row, v] for row, v in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[r][n] / m[r][r] for r in range(n)]


def perspective_coefficients(
    src: list[tuple[float, float]], dst: list[tuple[float, float]]
) -> tuple[float, ...]:
    """PIL PERSPECTIVE data mapping each ``dst`` point (output) to its ``src`` point (input)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return tuple(_solve(rows, rhs))


def _project(shot: Shot, scene: Scene, x: float, y: float) -> tuple[float, float]:
    """Where scene point (x, y) lands in the photo, before the final translation (pinhole camera)."""
    cx, cy = scene.image.width / 2, scene.image.height / 2
    u, v = x - cx, y - cy
    axis, tilt = math.radians(shot.tilt_axis), math.radians(shot.tilt)
    along = u * math.cos(axis) + v * math.sin(axis)
    across = -u * math.sin(axis) + v * math.cos(axis)
    depth = shot.view * scene.image.width
    k = depth / (depth + across * math.sin(tilt))
    along, across = along * k, across * math.cos(tilt) * k
    u, v = along * math.cos(axis) - across * math.sin(axis), along * math.sin(axis) + across * math.cos(axis)
    turn, scale = math.radians(shot.rotate), shot.ppm / scene.ppm
    return (
        scale * (u * math.cos(turn) - v * math.sin(turn)),
        scale * (u * math.sin(turn) + v * math.cos(turn)),
    )


def _occlude(scene: Scene, shot: Shot, rng: random.Random) -> Image.Image:
    """The scene with a rectangle over ``shot.occlude`` of the symbol's area, clear of the finder patterns."""
    image = scene.image.copy()
    n, ppm = scene.modules, scene.ppm
    area = shot.occlude * n * n
    for _ in range(1000):
        aspect = rng.uniform(0.5, 2.0)
        w = min(n - 1.0, math.sqrt(area * aspect))
        h = min(n - 1.0, area / w)
        x, y = rng.uniform(0, n - w), rng.uniform(0, n - h)
        finders = ((0, 0), (n - 8, 0), (0, n - 8))
        if not any(x < fx + 8 and fx < x + w and y < fy + 8 and fy < y + h for fx, fy in finders):
            break
    ox, oy = scene.origin
    box = (ox + x * ppm, oy + y * ppm, ox + (x + w) * ppm, oy + (y + h) * ppm)
    ImageDraw.Draw(image).rectangle(box, fill=INK_GREY if shot.occlude_dark else 255)
    return image


def _light(image: Image.Image, depth: float, rng: random.Random) -> Image.Image:
    """Multiply by a linear fall-off from 1 to 1 - ``depth`` across a random direction."""
    ramp = Image.linear_gradient("L").rotate(rng.uniform(0, 360), resample=Image.Resampling.BILINEAR)
    ramp = ramp.crop((38, 38, 218, 218))  # inside the circle the rotation keeps covered
    ramp = ramp.resize(image.size, Image.Resampling.BILINEAR)
    ramp = ramp.point(lambda g: round(255 * (1 - depth * g / 255)))
    return ImageChops.multiply(image, ramp)


def _noise(image: Image.Image, sigma: float, rng: random.Random) -> Image.Image:
    """Add noise of standard deviation ``sigma`` (the sum of four uniform variates: near Gaussian)."""
    n = image.width * image.height
    u = [Image.frombytes("L", image.size, rng.randbytes(n)) for _ in range(4)]
    k = sigma / (255 * math.sqrt(4 / 12))
    out = ImageMath.lambda_eval(
        lambda a: a["img"] + (a["u0"] + a["u1"] - a["u2"] - a["u3"]) * k,
        img=image.convert("F"),
        u0=u[0].convert("F"),
        u1=u[1].convert("F"),
        u2=u[2].convert("F"),
        u3=u[3].convert("F"),
    )
    assert isinstance(out, Image.Image)
    return out.convert("L")


def photograph(scene: Scene, shot: Shot, rng: random.Random) -> Image.Image:
    """The photo ``shot`` takes of ``scene``: grey pixels, JPEG-decoded when ``shot.jpeg`` is set."""
    image = _occlude(scene, shot, rng) if shot.occlude else scene.image
    pixel = scene.ppm / shot.ppm  # scene pixels per photo pixel
    # defocus or motion (in modules), the lens and demosaicing (in photo pixels), the pixel's area
    sigma = math.hypot(shot.blur * scene.ppm, CAMERA_BLUR * pixel, pixel / math.sqrt(12))
    if sigma > 0.3:
        image = image.filter(ImageFilter.GaussianBlur(sigma))
    w, h = image.size
    corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
    placed = [_project(shot, scene, x, y) for x, y in corners]
    left, top = min(p[0] for p in placed), min(p[1] for p in placed)
    dx, dy = rng.random() - left, rng.random() - top  # a random sub-pixel phase
    out = [(x + dx, y + dy) for x, y in placed]
    size = (math.ceil(max(p[0] for p in out)) + 1, math.ceil(max(p[1] for p in out)) + 1)
    data = perspective_coefficients(corners, out)
    photo = image.transform(size, Image.Transform.PERSPECTIVE, data, Image.Resampling.BICUBIC,
                            fillcolor=TABLE_GREY)  # fmt: skip
    if shot.light:
        photo = _light(photo, shot.light, rng)
    if shot.noise:
        photo = _noise(photo, shot.noise, rng)
    if shot.jpeg is not None:
        buffer = io.BytesIO()
        photo.save(buffer, "JPEG", quality=shot.jpeg)
        photo = Image.open(io.BytesIO(buffer.getvalue()))
        photo.load()
    return photo


# -- conditions ------------------------------------------------------------------------


def _arm(rng: random.Random, near_cm: float, far_cm: float) -> float:
    return PHOTO_12MP.ppm(10 * rng.uniform(near_cm, far_cm))


def _photo(rng: random.Random, near_cm: float, far_cm: float) -> Shot:
    return Shot(
        ppm=_arm(rng, near_cm, far_cm),
        rotate=rng.uniform(0, 360),
        tilt=rng.uniform(0, 35),
        tilt_axis=rng.uniform(0, 180),
        blur=rng.uniform(0.1, 0.35),
        light=rng.uniform(0, 0.5),
        noise=rng.uniform(2, 12),
        jpeg=rng.randint(30, 85),
    )


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    what: str
    draw: Callable[[random.Random], Shot]


CONDITIONS = (
    Condition("clean", "the print at 5 px/module (300 dpi), nothing else", lambda r: Shot()),
    Condition("rotate", "rotated by any angle, 0-360°", lambda r: Shot(rotate=r.uniform(0, 360))),
    Condition(
        "tilt",
        "card tilted 0-60° from square to the camera, about any axis (camera 3.5 card widths away)",
        lambda r: Shot(tilt=r.uniform(0, 60), tilt_axis=r.uniform(0, 180)),
    ),
    Condition("blur", "optical blur, σ 0.2-0.8 module", lambda r: Shot(blur=r.uniform(0.2, 0.8))),
    Condition("noise", "sensor noise, σ 10-70 grey levels", lambda r: Shot(noise=r.uniform(10, 70))),
    Condition("jpeg", "JPEG quality 30-60 at 3 px/module", lambda r: Shot(ppm=3.0, jpeg=r.randint(30, 60))),
    Condition(
        "arm",
        "arm's length: 12 MP photo from 40-70 cm (1.76-3.08 px/module)",
        lambda r: Shot(ppm=_arm(r, 40, 70)),
    ),
    Condition(
        "occlude",
        "2-20 % of the symbol covered by ink or glare, finder patterns clear",
        lambda r: Shot(occlude=r.uniform(0.02, 0.20), occlude_dark=r.random() < 0.5),
    ),
    Condition(
        "photo",
        "phone photo, 25-45 cm: any rotation, tilt 0-35°, blur σ 0.1-0.35 module, light fall-off "
        "0-50 %, noise σ 2-12, JPEG 30-85",
        lambda r: _photo(r, 25, 45),
    ),
    Condition("photo-arm", "the same phone photo from 45-65 cm (arm's length)", lambda r: _photo(r, 45, 65)),
)
#: Pixels per module for the resolution sweep (mild photo: rotation, tilt ≤ 15°, blur, noise, JPEG 75).
SWEEP = (1.5, 1.75, 2.0, 2.25, 2.5, 3.0)


def sweep_condition(ppm: float) -> Condition:
    def draw(r: random.Random) -> Shot:
        return Shot(ppm=ppm, rotate=r.uniform(0, 360), tilt=r.uniform(0, 15), tilt_axis=r.uniform(0, 180),
                    blur=0.15, noise=4.0, jpeg=75)  # fmt: skip

    return Condition(f"ppm-{ppm}", f"{ppm} px/module, mild photo", draw)


ALL = {c.name: c for c in (*CONDITIONS, *(sweep_condition(p) for p in SWEEP))}


@functools.cache
def _held() -> tuple[anxinma.TrustList, tuple[anxinma.StatusListToken, ...], anxinma.Policy]:
    trust = anxinma.TrustList.load(_demo.trust_document(), [_demo.root_public_key()], now=NOW)
    token = anxinma.StatusListToken.load(_demo.status_document(), trust, now=NOW)
    return trust, (token,), anxinma.Policy(max_status_age=token.expires_at - token.issued_at)


def outcome(photo: Image.Image, text: str) -> str:
    """``green`` (the trial succeeded), ``none`` (no code found), or the colour of a wrong verdict."""
    trust, status, policy = _held()
    results = verify_image(photo, trust, now=NOW, status=status, policy=policy)
    if not results:
        return "none"
    first = results[0]
    if first.text != text:
        return "misread"
    return first.color.value


def trial(task: tuple[str, int]) -> tuple[str, int, dict[str, str]]:
    """One seed of one condition, at every level (the same shot for each)."""
    name, seed = task
    found = {}
    for level in LEVELS:
        rng = random.Random(f"{name}/{seed}")
        shot = ALL[name].draw(rng)
        found[level] = outcome(photograph(level_scene(level), shot, rng), code_text())
    return name, seed, found


# -- the report ------------------------------------------------------------------------


Outcomes = dict[str, dict[int, dict[str, str]]]  # condition -> seed -> level -> outcome


def run(names: list[str], seeds: int, jobs: int) -> Outcomes:
    """The outcome of every trial: per condition, seed and level."""
    tasks = [(n, s) for n in names for s in range(seeds)]
    found: Outcomes = {n: {} for n in names}
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for name, seed, by_level in pool.imap_unordered(trial, tasks, chunksize=4):
            found[name][seed] = by_level
    return found


def counts(trials: dict[int, dict[str, str]], level: str) -> dict[str, int]:
    """How often each outcome occurred at ``level``."""
    out: dict[str, int] = {}
    for by_level in trials.values():
        out[by_level[level]] = out.get(by_level[level], 0) + 1
    return out


def _rate(c: dict[str, int]) -> str:
    total = sum(c.values())
    green = c.get("green", 0)
    wrong = total - green - c.get("none", 0)
    note = f" ({wrong} not green)" if wrong else ""
    return f"{100 * green / total:.1f} %{note}"


def _paired(trials: dict[int, dict[str, str]], a: str, b: str) -> str:
    """Seeds green at ``a`` but not ``b``, and the reverse (the same photo at both levels)."""
    ok = [(t[a] == "green", t[b] == "green") for t in trials.values()]
    return f"{sum(x and not y for x, y in ok)} / {sum(y and not x for x, y in ok)}"


def table(found: Outcomes, seeds: int) -> str:
    """Success rates per condition and level, and the paired differences M-L and Q-M."""
    versions = {lv: make_qr(code_text(), error=lv).designator for lv in LEVELS}
    head = " | ".join(f"{lv} ({versions[lv]})" for lv in LEVELS)
    lines = [
        f"| condition | degradation ({seeds} seeds) | {head} | only M / only L | only Q / only M |",
        "|---|---|" + "---:|" * (len(LEVELS) + 2),
    ]
    for name, trials in found.items():
        rates = " | ".join(_rate(counts(trials, lv)) for lv in LEVELS)
        pairs = f"{_paired(trials, 'M', 'L')} | {_paired(trials, 'Q', 'M')}"
        lines.append(f"| {name} | {ALL[name].what} | {rates} | {pairs} |")
    return "\n".join(lines)


#: Conditions broken down by their one varied parameter: (attribute, label, bin edges, format).
BREAKDOWNS = {
    "occlude": ("occlude", "symbol area covered", (0.02, 0.05, 0.10, 0.15, 0.20), "{:.0%}"),
    "blur": ("blur", "blur σ (modules)", (0.2, 0.35, 0.45, 0.55, 0.8), "{:.2f}"),
    "noise": ("noise", "noise σ (grey levels)", (10, 30, 40, 50, 70), "{:.0f}"),
}


def breakdown(name: str, trials: dict[int, dict[str, str]]) -> str:
    """A condition's trials binned by its varied parameter (re-drawn from each seed)."""
    attribute, label, edges, fmt = BREAKDOWNS[name]
    values = {seed: getattr(ALL[name].draw(random.Random(f"{name}/{seed}")), attribute) for seed in trials}
    head = " | ".join(LEVELS)
    lines = [f"| {label} | trials | {head} |", "|---|---:|" + "---:|" * len(LEVELS)]
    for low, high in itertools.pairwise(edges):
        inside = {seed: by_level for seed, by_level in trials.items() if low <= values[seed] < high}
        rates = " | ".join(_rate(counts(inside, lv)) if inside else "-" for lv in LEVELS)
        lines.append(f"| {fmt.format(low)}-{fmt.format(high)} | {len(inside)} | {rates} |")
    return "\n".join(lines)


def distances() -> str:
    """How far a phone may be for a given pixels-per-module, per module size and camera."""
    sizes = [(dots, 25.4 * dots / 300) for dots in (4, 5, 6)]
    head = " | ".join(f"{d} dots ({mm:.3f} mm)" for d, mm in sizes)
    lines = [f"| camera | px/module | {head} |", "|---|---:|" + "---:|" * len(sizes)]
    for camera in (PHOTO_12MP, PREVIEW_1080P):
        for ppm in (2.0, 2.5, 3.0):
            cells = " | ".join(f"{camera.distance(ppm, mm) / 10:.0f} cm" for _, mm in sizes)
            lines.append(f"| {camera.name} | {ppm} | {cells} |")
    return "\n".join(lines)


# -- the test fixtures -----------------------------------------------------------------------


def _card_scene(text: str) -> Scene:
    """The rendered service card (anxinma.card, cairosvg) at 600 dpi on the grey table."""
    from anxinma import card  # only for the fixtures (needs cairosvg)
    from anxinma.verify import decode_unverified

    cred = decode_unverified(text).credential
    assert cred is not None
    svg = card.card_svg(cred, text, enterprise="宁波市海曙大众社区服务有限公司", specimen=True)
    rgba = Image.open(io.BytesIO(card.card_png(svg, dpi=600))).convert("RGBA")
    white = Image.new("RGBA", rgba.size, TABLE_GREY)
    flat = Image.alpha_composite(white, rgba).convert("L")
    pad = 120
    image = Image.new("L", (flat.width + 2 * pad, flat.height + 2 * pad), TABLE_GREY)
    image.paste(flat, (pad, pad))
    ppm = card.MODULE_MM / 25.4 * 600
    return Scene(image, ppm, (pad, pad), 0)


#: name -> (what it shows, level, shot); all verify green except where noted in the manifest.
FIXTURES: dict[str, tuple[str, str, Shot]] = {
    "rotate-M.png": ("rotated 137°", "M", Shot(ppm=4.0, rotate=137)),
    "tilt-M.jpg": ("tilted 45° about 30°", "M", Shot(ppm=4.0, tilt=45, tilt_axis=30, jpeg=85)),
    "blur-M.jpg": ("blur σ 0.45 module", "M", Shot(ppm=4.0, blur=0.45, jpeg=85)),
    "noise-M.jpg": ("noise σ 25", "M", Shot(ppm=4.0, noise=25, jpeg=90)),
    "jpeg30-M.jpg": ("JPEG quality 30 at 3 px/module", "M", Shot(ppm=3.0, jpeg=30)),
    "arm-M.jpg": ("12 MP photo from 55 cm (2.2 px/module)", "M", Shot(ppm=PHOTO_12MP.ppm(550), jpeg=90)),
    "occlude-M.png": ("8 % of the symbol under ink", "M", Shot(ppm=3.0, occlude=0.08)),
    "occlude-Q.png": ("16 % of the symbol under glare", "Q", Shot(ppm=3.0, occlude=0.16, occlude_dark=False)),
    "photo-L.jpg": ("phone photo at level L", "L", Shot(ppm=3.2, rotate=-12, tilt=25, tilt_axis=70,
                                                        blur=0.25, light=0.35, noise=6, jpeg=55)),
}  # fmt: skip
CARD_SHOT = Shot(ppm=3.0, rotate=8, tilt=28, tilt_axis=100, blur=0.25, light=0.3, noise=5, jpeg=60)


def make_fixtures(out: Path) -> None:
    """Write the test images and manifest.json (what each shows and the code it must read as)."""
    out.mkdir(parents=True, exist_ok=True)
    text = code_text()
    manifest: dict[str, Any] = {
        "about": "made by bench/robustness.py --fixtures; codes signed with the DEMO issuer key",
        "issued_at": ISSUED.isoformat(),
        "valid_days": VALID_DAYS,
        "verify_at": NOW.isoformat(),
        "text": text,
        "images": {},
    }
    shots = {"card-photo.jpg": ("photo of the printed service card (level M)", "M", CARD_SHOT)}
    _save(_card_scene(text), CARD_SHOT, out / "card-photo.jpg")
    for name, (what, level, shot) in FIXTURES.items():
        _save(level_scene(level), shot, out / name)
        shots[name] = (what, level, shot)
    for name, (what, level, shot) in shots.items():
        manifest["images"][name] = {"shows": what, "level": level, "shot": shot.describe(), "codes": [text]}
    _extra_fixtures(out, manifest)
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")


def _save(scene: Scene, shot: Shot, path: Path) -> None:
    """Photograph ``scene`` and save the photo: JPEG at ``shot.jpeg`` (encoded once), or PNG."""
    photo = photograph(scene, dataclasses.replace(shot, jpeg=None), random.Random(path.name))
    if shot.jpeg is not None:
        photo.save(path, "JPEG", quality=shot.jpeg)
    else:
        photo.save(path, "PNG", optimize=True)


def _extra_fixtures(out: Path, manifest: dict[str, Any]) -> None:
    """Two codes in one photo, a QR code that is not an anxinma code, and a photo without a code."""
    worker = anxinma.parse_worker(_demo.reference_record() | {"insurance_valid_until": "2026-06-30"})
    yellow = anxinma.Issuer(_demo.private_key()).issue(worker, now=ISSUED, valid_days=VALID_DAYS)
    text = code_text()
    left, right = (photograph(qr_scene(t, "M"), Shot(ppm=3.0), random.Random(t)) for t in (text, yellow))
    both = Image.new("L", (left.width + right.width, max(left.height, right.height)), TABLE_GREY)
    both.paste(left, (0, 0))
    both.paste(right, (left.width, 0))
    both.save(out / "two-codes.png", optimize=True)
    url = "HTTPS://EXAMPLE.COM/NOT-AN-ANXINMA-CODE"
    photograph(qr_scene(url, "M"), Shot(ppm=4.0), random.Random(url)).save(
        out / "not-anxinma.png", optimize=True
    )
    _save(_blank_scene(), Shot(ppm=3.0, noise=5, jpeg=70), out / "no-code.jpg")
    manifest["images"] |= {
        "two-codes.png": {"shows": "two codes side by side: green (left), yellow (right: insurance lapsed)",
                          "level": "M", "shot": "3.00 px/module", "codes": [text, yellow]},
        "not-anxinma.png": {"shows": "a QR code holding a URL", "level": "M", "shot": "4.00 px/module",
                            "codes": [url]},
        "no-code.jpg": {"shows": "a card without a code", "level": None,
                        "shot": "3.00 px/module, noise σ 5, JPEG q70", "codes": []},
    }  # fmt: skip


def _blank_scene() -> Scene:
    scene = level_scene("M")
    image = Image.new("L", scene.image.size, TABLE_GREY)
    pad = TABLE_MARGIN * scene.ppm
    ImageDraw.Draw(image).rectangle((pad, pad, image.width - pad, image.height - pad), fill=LIGHT_GREY)
    return dataclasses.replace(scene, image=image)


# -- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=200, help="trials per condition and level [200]")
    parser.add_argument("--jobs", type=int, default=multiprocessing.cpu_count(), help="processes [all cores]")
    parser.add_argument(
        "--sweep-seeds", type=int, default=100, help="trials per point of the px/module sweep"
    )
    parser.add_argument("--only", nargs="*", metavar="CONDITION", help=f"conditions: {', '.join(ALL)}")
    parser.add_argument("--json", type=Path, help="also write every trial's outcome here")
    parser.add_argument("--fixtures", type=Path, metavar="DIR", help="write the test images to DIR and stop")
    args = parser.parse_args(argv)
    if args.fixtures:
        make_fixtures(args.fixtures)
        print(f"wrote the fixtures to {args.fixtures}")
        return 0
    started = time.perf_counter()
    main_names = [c.name for c in CONDITIONS if not args.only or c.name in args.only]
    sweep_names = [f"ppm-{p}" for p in SWEEP if not args.only or f"ppm-{p}" in args.only]
    found = run(main_names, args.seeds, args.jobs) if main_names else {}
    sweep = run(sweep_names, args.sweep_seeds, args.jobs) if sweep_names else {}
    elapsed = time.perf_counter() - started
    if main_names:
        print(table(found, args.seeds), end="\n\n")
    for name in BREAKDOWNS:
        if name in found:
            print(breakdown(name, found[name]), end="\n\n")
    if sweep_names:
        print(table(sweep, args.sweep_seeds), end="\n\n")
    print(distances(), end="\n\n")
    trials = len(LEVELS) * (len(main_names) * args.seeds + len(sweep_names) * args.sweep_seeds)
    print(f"{trials} trials in {elapsed:.0f} s on {args.jobs} processes")
    if args.json:
        args.json.write_text(json.dumps({"conditions": found, "sweep": sweep}, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
