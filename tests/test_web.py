"""The web verifier page without a browser: what ships, what a build writes, the CLI.

The page itself is tested in Chromium (tests/browser/); here: the vendored third-party
files against their manifest and checksums, the page's own files (no address elsewhere,
type-checked modules), ``build_site`` and ``anxinma web build`` / ``web serve``.  In CI
the package is installed from its wheel, so these tests also show that the wheel carries
the page.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from anxinma import _demo
from anxinma.cli import main
from anxinma.errors import UsageError
from anxinma.web import (
    CONTENT_SECURITY_POLICY,
    SiteDocuments,
    build_site,
    check_verifier_url,
    check_visits_url,
    demo_documents,
    demo_policy,
    site_files,
    site_headers,
)
from anxinma.web.build import MARKER

from .conftest import NOW

ROOT = Path(__file__).resolve().parents[1]
FILES = dict(site_files())


def test_the_page_ships_in_the_package() -> None:
    for path in (
        "index.html",
        "app.css",
        "sw.js",
        "manifest.webmanifest",
        "js/app.js",
        "js/verify.js",
        "vendor/zxing-wasm/reader/zxing_reader.wasm",
        "vendor/noble-ed25519/index.js",
        "icons/icon-192.png",
    ):
        assert path in FILES, path


def test_vendored_files_match_their_manifest() -> None:
    manifest = json.loads(FILES["vendor/MANIFEST.json"])
    listed = {
        f"vendor/{path}": digest
        for entry in manifest["packages"].values()
        for path, digest in entry["files"].items()
    }
    vendored = {path for path in FILES if path.startswith("vendor/") and path != "vendor/MANIFEST.json"}
    assert set(listed) == vendored
    for path, digest in listed.items():
        assert hashlib.sha256(FILES[path]).hexdigest() == digest, path


def test_the_wasm_is_the_one_zxing_wasm_names() -> None:
    """zxing-wasm carries the SHA-256 of its own .wasm (ZXING_WASM_SHA256): the vendored copy is it."""
    index = FILES["vendor/zxing-wasm/es/reader/index.js"].decode()
    exported = re.search(r"(\w+) as ZXING_WASM_SHA256", index)
    assert exported is not None
    constant = re.search(rf'\b{exported[1]} = "([0-9a-f]{{64}})"', index)
    assert constant is not None
    assert hashlib.sha256(FILES["vendor/zxing-wasm/reader/zxing_reader.wasm"]).hexdigest() == constant[1]
    assert re.search(r'= "3\.1\.6"', FILES["vendor/zxing-wasm/es/share.js"].decode())


def test_pinned_versions_and_licences() -> None:
    spec = importlib.util.spec_from_file_location("vendor_web", ROOT / "scripts" / "vendor-web.py")
    if spec is None or spec.loader is None or not (ROOT / "scripts" / "vendor-web.py").is_file():
        pytest.skip("scripts/vendor-web.py is not in this checkout")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    manifest = json.loads(FILES["vendor/MANIFEST.json"])
    assert {name: entry["version"] for name, entry in manifest["packages"].items()} == {
        name: pinned[0] for name, pinned in script.PINNED.items()
    }
    assert b"MIT License" in FILES["vendor/zxing-wasm/LICENSE"]
    assert b"Apache License" in FILES["vendor/zxing-wasm/LICENSE.zxing-cpp"]
    assert b"MIT License" in FILES["vendor/noble-ed25519/LICENSE"]


def test_the_page_names_no_other_site() -> None:
    """No analytics, fonts or scripts from elsewhere: the page's own files hold no address."""
    for path, data in FILES.items():
        if path.startswith(("vendor/", "icons/")):
            continue
        assert not re.search(rb"https?://", data), path


def test_every_module_is_type_checked_and_cites_what_it_is() -> None:
    modules = [p for p in FILES if p.startswith("js/") or p == "sw.js"]
    assert len(modules) >= 20
    for path in modules:
        text = FILES[path].decode()
        assert text.startswith("// @ts-check\n"), path
        assert path == "sw.js" or "@module" in text, path


def test_the_csp_meta_tag_is_the_header_minus_frame_ancestors() -> None:
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', FILES["index.html"].decode())
    assert meta is not None
    assert meta[1] + "; frame-ancestors 'none'" == CONTENT_SECURITY_POLICY
    sources = CONTENT_SECURITY_POLICY.replace(";", " ").split()
    assert (
        "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    )  # wasm compiles, JS never evals


# -- build --------------------------------------------------------------------------------


def test_build_writes_the_page_the_pin_and_the_documents(tmp_path: Path) -> None:
    out = tmp_path / "site"
    written = build_site(
        out, demo_documents(), now=NOW, policy=demo_policy(), verifier_url="https://verify.example.cn/"
    )
    assert (out / MARKER).is_file()
    config = (out / "config.js").read_text()
    root = _demo.root_public_key().public_bytes_raw().hex()
    assert f'"{root}"' in config and '"demo": true' in config
    index = json.loads((out / "documents" / "index.json").read_text())
    assert index == {"trust": "trust.cwt", "status": ["status-nb-demo-0.cwt"], "directory": "directory.cwt"}
    assert (out / "documents" / "trust.cwt").read_bytes() == _demo.trust_document()
    manifest = json.loads(
        re.search(r"/\*BUILD-MANIFEST\*/ (.*) /\*END-BUILD-MANIFEST\*/", (out / "sw.js").read_text())[1]
    )  # type: ignore[index]
    assert {
        "./",
        "index.html",
        "js/verify.js",
        "vendor/zxing-wasm/reader/zxing_reader.wasm",
        "documents/trust.cwt",
    } <= set(manifest["assets"])
    assert set(manifest["assets"]) - {"./"} <= set(written)
    assert (out / "verifier-link.svg").read_text().startswith("<?xml")


def test_a_rebuild_replaces_the_old_build_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(out, demo_documents(), now=NOW)
    (out / "stale.txt").write_text("from the old build")
    build_site(out, demo_documents(), now=NOW)
    assert not (out / "stale.txt").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "precious.txt").write_text("mine")
    with pytest.raises(UsageError, match="not an earlier build"):
        build_site(other, demo_documents(), now=NOW)
    assert (other / "precious.txt").read_text() == "mine"


def test_a_document_that_does_not_load_stops_the_build(tmp_path: Path) -> None:
    docs = demo_documents()
    bad = SiteDocuments(roots=docs.roots, trust=docs.trust[:-1] + bytes([docs.trust[-1] ^ 1]))
    with pytest.raises(UsageError, match="signature_invalid"):
        build_site(tmp_path / "site", bad, now=NOW)
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://verify.example.cn/",
        "ftp://x.cn/",
        "https://verify.example.cn/#AXM1:",
        "https://u:p@x.cn/",
        "https://验证.cn/",
        "https:///nohost",
        "https://x.cn/" + "a" * 200,
    ],
)
def test_unusable_verifier_urls(url: str) -> None:
    with pytest.raises(UsageError):
        check_verifier_url(url)


def test_usable_verifier_urls() -> None:
    for url in ("https://verify.nb.gov.cn/", "https://x.cn/axm/?v=1", "http://127.0.0.1:8000/"):
        check_verifier_url(url)


@pytest.mark.parametrize(
    "url",
    ["v1/visits", "//evil.example/v1/visits", "http://example.cn/v1/visits", "/v1/visits#x",
     "https://u:p@x.cn/v1/visits", "/v1/visits ", "ftp://x.cn/v1", "/" + "a" * 200],
)  # fmt: skip
def test_unusable_visits_urls(url: str) -> None:
    with pytest.raises(UsageError, match="visits URL"):
        check_visits_url(url)


def test_the_page_may_connect_to_its_own_origin_and_the_visits_endpoint_only(tmp_path: Path) -> None:
    """connect-src: 'self' for a page sending records home (the default) or none at all; plus
    exactly the endpoint's origin when it lives elsewhere, in the <meta> tag and the header the
    build records for its servers (anxinma.web.headers.site_headers)."""
    cases = {
        "home": ({}, "connect-src 'self';", "/v1/visits"),
        "none": ({"visits_url": None}, "connect-src 'self';", None),
        "elsewhere": ({"visits_url": "https://api.example.cn:8443/v1/visits"},
                      "connect-src 'self' https://api.example.cn:8443;", "https://api.example.cn:8443/v1/visits"),
        "same-as-page": ({"visits_url": "https://verify.example.cn/v1/visits",
                          "verifier_url": "https://verify.example.cn/"}, "connect-src 'self';",
                         "https://verify.example.cn/v1/visits"),
    }  # fmt: skip
    for name, (options, connect, url) in cases.items():
        out = tmp_path / name
        build_site(out, demo_documents(), now=NOW, **options)  # type: ignore[arg-type]
        meta = re.search(
            r'http-equiv="Content-Security-Policy" content="([^"]+)"', (out / "index.html").read_text()
        )
        assert meta is not None and connect in meta[1] + ";", (name, meta)
        headers = site_headers(out)
        assert headers["Content-Security-Policy"] == meta[1] + "; frame-ancestors 'none'", name
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
        assert f'"visitsUrl": {json.dumps(url)}' in (out / "config.js").read_text(), name
    assert site_headers(tmp_path / "not-a-build")["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


# -- the CLI ------------------------------------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_cli_web_build_demo(tmp_path: Path) -> None:
    result = run("web", "build", "--demo", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert "anxinma web serve" in result.output and "DEMO" in result.output
    assert (tmp_path / "site" / "index.html").is_file()


def test_cli_web_build_from_files(tmp_path: Path) -> None:
    keys = ROOT / "keys"
    result = run(
        "web",
        "build",
        "--root",
        str(keys / "demo-root.pub.pem"),
        "--trust",
        str(keys / "demo-trust.cwt"),
        "--status",
        str(keys / "demo-status-0.cwt"),
        "--directory",
        str(keys / "demo-directory.cwt"),
        "--verifier-url",
        "https://verify.example.cn/",
        "--unchecked",
        "red",
        "--out",
        str(tmp_path / "site"),
    )
    assert result.exit_code == 0, result.output
    config = (tmp_path / "site" / "config.js").read_text()
    assert (
        '"uncheckedStatusColor": "red"' in config and '"verifierUrl": "https://verify.example.cn/"' in config
    )
    assert '"demo": false' in config


@pytest.mark.parametrize(
    ("args", "where"),
    [
        ([], "--root"),
        (["--root", "keys/demo-root.pub.pem"], "--trust"),
        (["--root", "keys/demo-root.pub.pem", "--trust", "keys/demo-status-0.cwt"], "keys/demo-status-0.cwt"),
        (["--demo", "--root", "keys/demo-root.pub.pem"], "--demo"),
        (["--demo", "--verifier-url", "http://example.cn/"], "--verifier-url"),
        (["--demo", "--visits-url", "http://example.cn/v1/visits"], "--visits-url"),
        (["--demo", "--visits-url", "v1/visits"], "--visits-url"),
        (["--demo", "--visits-url", "/v1/visits", "--no-visits"], "--no-visits"),
    ],
)
def test_cli_web_build_refusals_name_the_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], where: str
) -> None:
    monkeypatch.chdir(ROOT)
    result = run("web", "build", *args, "--out", str(tmp_path / "site"))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"anxinma: error: {where}"), result.output
    assert not (tmp_path / "site").exists()


def test_cli_web_serve_refuses_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    result = run("web", "serve", str(tmp_path))
    assert result.exit_code == 2 and "is not a built verifier page" in result.output


def test_cli_web_serve_serves_with_the_security_headers(tmp_path: Path) -> None:
    build_site(tmp_path / "site", demo_documents(), now=NOW)
    command = [sys.executable, "-m", "anxinma", "web", "serve", str(tmp_path / "site"), "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            url = re.search(r"http://127\.0\.0\.1:\d+/", line)
            assert url is not None, line
            with urllib.request.urlopen(url[0] + "js/verify.js") as response:
                assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
                assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
                assert response.headers["X-Content-Type-Options"] == "nosniff"
            with urllib.request.urlopen(url[0] + "vendor/zxing-wasm/reader/zxing_reader.wasm") as response:
                assert response.headers["Content-Type"] == "application/wasm"
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url[0] + "js/")  # no directory listings
            refused.value.close()
            assert refused.value.code == 404
        finally:
            process.terminate()


def test_web_serve_and_anxinma_serve_send_the_same_security_headers_and_types(tmp_path: Path) -> None:
    """One definition (anxinma.web.headers) for both servers of the page: the build's policy
    (here with an endpoint elsewhere), nosniff, no referrer, and the same media types."""
    pytest.importorskip("starlette", reason="the [server] extra is not installed")
    import threading

    from starlette.testclient import TestClient

    from anxinma.server import ServerConfig, create_app
    from anxinma.visitdb import VisitDB
    from anxinma.web import make_server

    site = tmp_path / "site"
    build_site(site, demo_documents(), now=NOW, visits_url="https://api.example.cn/v1/visits")
    VisitDB(tmp_path / "issuer.db").close()
    server = make_server(site, port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    names = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Content-Type")
    paths = ["", "js/app.js", "sw.js", "app.css", "manifest.webmanifest", "documents/trust.cwt",
             "documents/index.json", "vendor/zxing-wasm/reader/zxing_reader.wasm",
             "icons/icon-192.png"]  # fmt: skip
    try:
        with TestClient(create_app(ServerConfig(db=tmp_path / "issuer.db", site=site))) as client:
            for path in paths:
                with urllib.request.urlopen(base + path) as response:
                    local = {n: response.headers[n] for n in names}
                answer = client.get("/" + path)
                assert answer.status_code == 200, path
                assert {n: answer.headers[n] for n in names} == local, path
                assert "https://api.example.cn;" in local["Content-Security-Policy"]
            assert client.get("/" + MARKER).status_code == 404  # the build's own file is not served
            assert (
                client.get("/v1/health").headers["Content-Security-Policy"]
                == local["Content-Security-Policy"]
            )
    finally:
        server.shutdown()
        server.server_close()


# -- the printed card's link code (issue 11) ----------------------------------------------


def test_a_card_carries_the_verifier_page_s_address_as_a_small_second_code() -> None:
    from anxinma import decode_unverified, issue, parse_worker
    from anxinma.card import _path, card_svg, link_symbol

    text = issue(parse_worker(_demo.reference_record()), _demo.private_key(), now=NOW)
    cred = decode_unverified(text).credential
    assert cred is not None
    link = link_symbol("https://verify.nb.gov.cn/")
    assert link.version == 2 and link.error == "M"
    plain = card_svg(cred, text, enterprise="宁波市海曙大众社区服务有限公司")
    linked = card_svg(cred, text, enterprise="宁波市海曙大众社区服务有限公司", link=link)
    assert _path(link, 2) in linked and _path(link, 2) not in plain
    assert "核验网页" in linked and "核验网页" not in plain
    assert linked.count('<path stroke="#000"') == 2  # the worker's code and the link


def test_batch_prints_the_link_on_cards(tmp_path: Path) -> None:
    keys = ROOT / "keys"
    workers = tmp_path / "w.csv"
    assert (
        run(
            "population",
            "--out",
            str(workers),
            "--count",
            "2",
            "--bad-rate",
            "0",
            "--enterprises",
            str(ROOT / "examples" / "enterprises.tsv"),
        ).exit_code
        == 0
    )
    assert run("status", "new", "--db", str(tmp_path / "i.db")).exit_code == 0
    key = tmp_path / "k.pem"
    key.write_bytes((keys / "demo-issuer.key.pem").read_bytes())
    key.chmod(0o600)
    base = ["batch", str(workers), "--key", str(key), "--db", str(tmp_path / "i.db"), "--jobs", "1"]
    refused = run(*base, "--out", str(tmp_path / "a"), "--verifier-url", "https://verify.nb.gov.cn/")
    assert refused.exit_code == 2 and "--verifier-url: is printed on cards" in refused.output
    refused = run(
        *base, "--out", str(tmp_path / "a"), "--cards", "--verifier-url", "http://verify.nb.gov.cn/"
    )
    assert refused.exit_code == 2 and "https://" in refused.output
    done = run(*base, "--out", str(tmp_path / "b"), "--cards", "--verifier-url", "https://verify.nb.gov.cn/")
    assert done.exit_code == 0, done.output
    cards = sorted((tmp_path / "b" / "cards").glob("*.svg"))
    assert len(cards) == 2 and all("核验网页" in c.read_text() for c in cards)
