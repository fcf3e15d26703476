"""Budgets of the household verifier page (issue 11), measured in Debian's Chromium.

    python bench/web.py                # everything, medians over --rounds
    python bench/web.py --rounds 40

Four figures, each against its budget (docs/benchmarks.md, "The web verifier page"):

- **weight**: every file the page may load (the service worker's list: page, modules,
  QR reader and its wasm, Ed25519 fallback, icons, demo documents), raw and gzipped
  (gzip -9 per file, as a host would send it); budget 1.5 MB;
- **cold offline load**: after a first visit (service worker installed), the network is
  cut and a new tab opens the page: navigation start to ready-to-scan
  (``body[data-ready=true]``: documents read from IndexedDB and checked against the root,
  buttons live), and to the QR reader compiled (``anxinma-decoder-ready``); budget 1 s;
- **frame to verdict**: a fake camera shows a photographed card (as in the camera
  tests); each round takes one frame from the <video>, decodes it (zxing-wasm) and
  verifies the code (WebCrypto Ed25519, the held documents); decode and verify timed
  apart; budget: median 50 ms;
- **vectors**: all spec vectors (verify, document, base45, COSE) through the page's
  modules, WebCrypto and forced pure-JS fallback, total time.

Chromium runs headless on this machine's CPU with no throttling: a phone is slower
(docs/web.md says by how much to expect).  Needs the [test] extra and Chromium
(/usr/lib/chromium/chromium or $ANXINMA_CHROMIUM).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import pki  # noqa: E402
from tests.browser.camera import photograph, render_card, write_y4m  # noqa: E402
from tests.browser.conftest import HARNESS, NO_ED25519_SCRIPT  # noqa: E402
from tests.browser.test_web_vectors import DOCUMENT_VECTORS, load, verify_input  # noqa: E402

from anxinma.web import build_site, demo_documents, demo_policy, make_server  # noqa: E402

CHROMIUM = os.environ.get("ANXINMA_CHROMIUM", "/usr/lib/chromium/chromium")
ARGS = ["--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]


def serve(path: Path) -> tuple[Any, str]:
    server = make_server(path, port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def weight(site: Path) -> dict[str, Any]:
    sw = (site / "sw.js").read_text()
    assets = json.loads(sw.split("/*BUILD-MANIFEST*/", 1)[1].split("/*END-BUILD-MANIFEST*/", 1)[0])["assets"]
    files = [a for a in assets if a != "./"]
    raw = {f: (site / f).stat().st_size for f in files}
    packed = {f: len(gzip.compress((site / f).read_bytes(), 9)) for f in files}

    def group(f: str) -> str:
        if f.endswith(".wasm"):
            return "QR reader wasm"
        if f.startswith("vendor/zxing"):
            return "QR reader JS"
        if f.startswith("vendor/noble"):
            return "Ed25519 fallback (only without WebCrypto Ed25519)"
        if f.startswith("documents/"):
            return "documents (demo)"
        if f.startswith("icons/") or f.endswith(".webmanifest"):
            return "icons, manifest"
        return "page: HTML, CSS, modules, service worker"

    groups: dict[str, list[int]] = {}
    for f in files:
        g = groups.setdefault(group(f), [0, 0, 0])
        g[0] += 1
        g[1] += raw[f]
        g[2] += packed[f]
    return {"files": len(files), "raw": sum(raw.values()), "gzip": sum(packed.values()), "groups": groups}


def cold_offline(browser: Any, url: str, rounds: int) -> dict[str, list[float]]:
    ctx = browser.new_context(viewport={"width": 360, "height": 640})
    first = ctx.new_page()
    first.goto(url)
    first.wait_for_selector("#offline[data-offline=yes]")
    first.wait_for_function("() => navigator.serviceWorker.controller !== null")
    first.close()
    ctx.set_offline(True)
    ready, decoder = [], []
    for _ in range(rounds):
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        ready.append(page.evaluate("() => performance.getEntriesByName('anxinma-ready')[0].startTime"))
        page.evaluate("async () => (await import('./js/scanner.js')).getDecoder()")
        decoder.append(
            page.evaluate("() => performance.getEntriesByName('anxinma-decoder-ready')[0].startTime")
        )
        page.close()
    ctx.close()
    return {"ready": ready, "decoder": decoder}


FRAMES = """
async ({ rounds }) => {
  const scanner = await import('./js/scanner.js');
  const { verify } = await import('./js/verify.js');
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 960, height: 720 } });
  await video.play();
  await scanner.getDecoder();
  const camera = new scanner.Camera(video);
  const state = window.__anxinmaHeld;
  const out = { decode: [], verify: [], total: [], colors: {} };
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const image = camera.frame();
    const texts = await scanner.decode(image);
    const t1 = performance.now();
    const code = texts.find((t) => t.startsWith('AXM'));
    if (!code) { out.colors.none = (out.colors.none ?? 0) + 1; continue; }
    const result = await verify(code, state.trust, {
      now: Date.now() / 1000, status: state.statuses, directory: state.directory, policy: state.policy,
    });
    const t2 = performance.now();
    out.decode.push(t1 - t0);
    out.verify.push(t2 - t1);
    out.total.push(t2 - t0);
    out.colors[result.color] = (out.colors[result.color] ?? 0) + 1;
    await new Promise((r) => requestAnimationFrame(r));
  }
  return out;
}
"""


def frames(driver: Any, url: str, rounds: int, tmp: Path, code: str) -> dict[str, Any]:
    helper = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    card = render_card(helper, code, enterprise=pki.ENTERPRISE.name)
    helper.close()
    video = write_y4m(photograph(card, seed=3), tmp / "card.y4m")
    camera_args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = driver.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *camera_args])
    page = browser.new_context(viewport={"width": 360, "height": 640}, permissions=["camera"]).new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    page.click("#scan")  # end to end once: the app's own loop finds the code and shows the verdict
    page.wait_for_selector("#verdict[data-color]")
    end_to_end = page.get_attribute("#verdict", "data-color")
    page.evaluate(EXPOSE_HELD)
    result: dict[str, Any] = page.evaluate(FRAMES, {"rounds": rounds})
    browser.close()
    result["end_to_end"] = end_to_end
    return result


# The bench reaches into the page's held documents the way the app uses them: through
# the same modules and the IndexedDB the app filled, loaded again here.
EXPOSE_HELD = """
async () => {
  const config = (await import('./config.js')).default;
  const { Held } = await import('./js/held.js');
  const { openStore } = await import('./js/store.js');
  const { fromHex } = await import('./js/bytes.js');
  const { DEFAULT_POLICY } = await import('./js/verify.js');
  const held = new Held({ roots: config.roots.map(fromHex), store: await openStore() });
  await held.start(Date.now() / 1000);
  const policy = { ...DEFAULT_POLICY, ...config.policy };
  window.__anxinmaHeld = { trust: held.trust, statuses: held.statuses, directory: held.directory, policy };
}
"""


def vectors(browser: Any, url: str, *, fallback: bool) -> float:
    ctx = browser.new_context()
    if fallback:
        ctx.add_init_script(NO_ED25519_SCRIPT)
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    start = time.perf_counter()
    page.evaluate(HARNESS, {"op": "verify-vectors", "input": verify_input()})
    page.evaluate(HARNESS, {"op": "document-vectors", "input": DOCUMENT_VECTORS})
    page.evaluate(HARNESS, {"op": "base45", "input": load("base45.json")})
    page.evaluate(HARNESS, {"op": "cose-known-answer", "input": load("cose-eddsa-sig-01.json")})
    elapsed = time.perf_counter() - start
    ctx.close()
    return elapsed


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp_name, sync_playwright() as driver:
        tmp = Path(tmp_name)
        build_site(tmp / "demo", demo_documents(), now=dt.datetime.now(dt.UTC), policy=demo_policy())
        now = dt.datetime.now(dt.UTC).replace(
            microsecond=0
        )  # no fake clock here: it would fake performance.now
        day = dt.timedelta(days=1)
        docs = pki.documents(
            trust=pki.trust_list(issued=now - 2 * day),
            status=pki.status_list(issued=now - day / 8),
            directory=pki.directory(issued=now - 2 * day),
        )
        build_site(tmp / "pki", docs, now=now, verifier_url="https://verify.example.cn/")
        demo_server, demo_url = serve(tmp / "demo")
        pki_server, pki_url = serve(tmp / "pki")
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        w = weight(tmp / "demo")
        cold = cold_offline(browser, demo_url, args.rounds)
        n_vectors = sum(len(f["vectors"]) for f in verify_input()) + len(DOCUMENT_VECTORS)
        web = [vectors(browser, demo_url, fallback=False) for _ in range(3)]
        fb = [vectors(browser, demo_url, fallback=True) for _ in range(3)]
        browser.close()
        f = frames(driver, pki_url, args.rounds, tmp, pki.code(issued=now - 30 * day))
        demo_server.shutdown()
        pki_server.shutdown()

    med = statistics.median
    lines = [
        f"Chromium {CHROMIUM}; {platform.machine()}, {os.cpu_count()} cores; {args.rounds} rounds",
        "",
        f"weight: {w['files']} files, {w['raw'] / 1e6:.3f} MB raw, {w['gzip'] / 1e6:.3f} MB gzip -9"
        " (budget 1.5 MB)",
    ]
    for name, (n, raw, packed) in sorted(w["groups"].items(), key=lambda g: -g[1][1]):
        lines.append(f"  {name}: {n} files, {raw / 1e3:.0f} kB, gzip {packed / 1e3:.0f} kB")
    for label, key in (("ready-to-scan", "ready"), ("the QR reader compiled", "decoder")):
        lines.append(
            f"cold offline load to {label}: median {med(cold[key]):.0f} ms, p90 {pct(cold[key], 0.9):.0f} ms"
            + (" (budget 1000 ms)" if key == "ready" else "")
        )
    lines.append(
        f"frame to verdict ({len(f['total'])} frames, verdicts {f['colors']}; in the app: {f['end_to_end']}):"
    )
    for key in ("decode", "verify", "total"):
        budget = " (budget 50 ms)" if key == "total" else ""
        lines.append(f"  {key}: median {med(f[key]):.1f} ms, p90 {pct(f[key], 0.9):.1f} ms{budget}")
    lines.append(
        f"all vectors ({n_vectors} verify and document vectors, base45, COSE) in the page: "
        f"WebCrypto {min(web) * 1000:.0f} ms, pure-JS fallback {min(fb) * 1000:.0f} ms (best of 3)"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
