"""Real-browser tests of the verifier page (issue 11): Debian's Chromium driven by Playwright.

Chromium and the Playwright driver are found, never downloaded (``playwright install`` is
never run): the browser is ``$ANXINMA_CHROMIUM`` or ``/usr/lib/chromium/chromium``.
Where either is missing these tests SKIP with a loud reason, so that the README's test
line passes on a fresh machine; with ``ANXINMA_REQUIRE_BROWSER=1`` (set by ``.ci/run``,
which installs Chromium first) they FAIL instead, so CI can never pass without them.

One browser serves all these tests (tests take fresh contexts: no shared storage); the
camera tests launch their own, because a fake camera's video is a launch flag.  The
driver lives for this package only: Playwright's sync API runs an event loop in the main
thread, which later tests that call asyncio.run() must not find.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anxinma.web import build_site, demo_documents, demo_policy, make_server

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("ANXINMA_CHROMIUM", "/usr/lib/chromium/chromium"))
REQUIRED = os.environ.get("ANXINMA_REQUIRE_BROWSER") == "1"
HARNESS = (HERE / "harness.js").read_text("utf-8")
_skipped: list[str] = []
#: An init script that takes Ed25519 away from WebCrypto, as in browsers before Chrome 137,
#: Safari 17, Firefox 129: importKey refuses the algorithm with NotSupportedError.
NO_ED25519_SCRIPT = """
(() => {
  const importKey = SubtleCrypto.prototype.importKey;
  SubtleCrypto.prototype.importKey = function (format, data, algorithm, ...rest) {
    const name = typeof algorithm === 'string' ? algorithm : algorithm && algorithm.name;
    if (String(name).toLowerCase() === 'ed25519') {
      return Promise.reject(new DOMException('Unrecognized algorithm name', 'NotSupportedError'));
    }
    return importKey.call(this, format, data, algorithm, ...rest);
  };
})();
"""


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Playwright driver is not installed (pip install playwright; never `playwright install`)"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set ANXINMA_CHROMIUM)"
    return None


def require_browser() -> None:
    """Skip loudly, or fail when ANXINMA_REQUIRE_BROWSER=1."""
    problem = browser_problem()
    if problem is None:
        return
    if REQUIRED:
        pytest.fail(f"ANXINMA_REQUIRE_BROWSER=1 but {problem}", pytrace=False)
    _skipped.append(problem)
    pytest.skip(f"BROWSER TESTS SKIPPED: {problem}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped:
        terminalreporter.write_sep(
            "!", "the real-browser tests of the web verifier were SKIPPED", red=True, bold=True
        )
        terminalreporter.write_line(f"reason: {_skipped[0]}")
        terminalreporter.write_line(
            "CI sets ANXINMA_REQUIRE_BROWSER=1, which turns this skip into a failure."
        )


LAUNCH_ARGS = ["--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture(scope="package")
def driver() -> Iterator[Any]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def launch(driver: Any, *args: str) -> Any:
    return driver.chromium.launch(executable_path=str(CHROMIUM), args=[*LAUNCH_ARGS, *args])


@pytest.fixture(scope="package")
def chromium(driver: Any) -> Iterator[Any]:
    browser = launch(driver)
    yield browser
    browser.close()


class Site:
    """A built page served on 127.0.0.1 from a thread; documents can be swapped under it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.server: Any = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> Site:
        self.server = make_server(self.path, port=self.port, quiet=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def put_documents(
        self, *, trust: bytes, statuses: list[bytes] = (), directory: bytes | None = None
    ) -> None:  # type: ignore[assignment]
        """Serve these documents as they are, unchecked (as a misconfigured or hostile server could)."""
        docs = self.path / "documents"
        shutil.rmtree(docs)
        docs.mkdir()
        (docs / "trust.cwt").write_bytes(trust)
        names = []
        for n, data in enumerate(statuses):
            names.append(f"status-{n}.cwt")
            (docs / names[-1]).write_bytes(data)
        if directory is not None:
            (docs / "directory.cwt").write_bytes(directory)
        index = {"trust": "trust.cwt", "status": names, "directory": "directory.cwt" if directory else None}
        (docs / "index.json").write_text(json.dumps(index), "utf-8")


@pytest.fixture(scope="module")
def pki_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The small deployment of tests/browser/pki.py, built at its NOW and served."""
    from . import pki

    path = tmp_path_factory.mktemp("pki") / "site"
    build_site(path, pki.documents(), now=pki.NOW, verifier_url="https://verify.example.cn/")
    site = Site(path).start()
    yield site
    site.stop()


@pytest.fixture
def page(chromium: Any, pki_site: Site) -> Iterator[Any]:
    """A fresh page of the :func:`pki_site` deployment at its NOW, failing the test on any page
    error; a module that tests another site defines its own ``page``."""
    from . import pki

    page = open_page(chromium, pki_site.url, clock=pki.NOW)
    yield page
    assert page.errors == []
    page.context.close()


@pytest.fixture(scope="package")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("demo") / "site"
    build_site(path, demo_documents(), now=dt.datetime.now(dt.UTC), policy=demo_policy())
    site = Site(path).start()
    yield site
    site.stop()


def open_page(
    browser: Any,
    url: str,
    *,
    clock: dt.datetime | None = None,
    init_script: str | None = None,
    **context: Any,
) -> Any:
    """A fresh context (no storage shared with other tests) and its page at ``url``, ready."""
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, **context)
    if init_script is not None:
        ctx.add_init_script(init_script)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    if clock is not None:
        page.clock.install(time=clock)
        page.clock.set_fixed_time(clock)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    return page


def harness(page: Any, op: str, data: Any) -> Any:
    """Run the in-page harness (tests/browser/harness.js) on the page's own modules."""
    return page.evaluate(HARNESS, {"op": op, "input": data})


def check_code(page: Any, text: str, *, id_number: str | None = None) -> dict[str, str | None]:
    """Paste a code (#code, #check) and read the verdict's data attributes."""
    if id_number is not None:
        page.fill("#id-number", id_number)
    page.fill("#code", text)
    page.click("#check")
    page.wait_for_selector("#verdict[data-color]", timeout=10_000)
    return dict(
        page.eval_on_selector(
            "#verdict",
            "e => ({color: e.dataset.color, reasons: e.dataset.reasons, idMatch: e.dataset.idMatch ?? null})",
        )
    )
