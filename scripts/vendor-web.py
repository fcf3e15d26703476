#!/usr/bin/env python3
"""Refresh the third-party files the web verifier vendors, from npm, and rewrite their manifest.

The page has no build step and loads nothing from elsewhere, so its two JavaScript
dependencies are copied into ``src/anxinma/web/site/vendor/`` at pinned versions:

- ``zxing-wasm`` (MIT; ZXing-C++, Apache-2.0, compiled to WebAssembly): the QR reader used
  where the browser has no ``BarcodeDetector``.  Files: ``dist/es/reader/index.js`` and
  the ``dist/es/share.js`` it imports (same relative layout), ``dist/reader/zxing_reader.wasm``.
- ``@noble/ed25519`` (MIT): Ed25519 point arithmetic for browsers without Ed25519 in
  WebCrypto (``index.js``, no imports; ``index.d.ts`` for scripts/check-web-types.sh).

``npm pack`` fetches each package's tarball (the registry's ordinary client; nothing is
installed, no scripts run); the script checks the tarball against the integrity npm
reports, copies the files, and writes ``vendor/MANIFEST.json`` with versions, licences,
the tarball integrity and the SHA-256 of every vendored file.  ``tests/test_web.py``
checks the files against that manifest and the ``.wasm`` against the ``ZXING_WASM_SHA256``
constant zxing-wasm itself carries.

Usage (from the repository root)::

    python scripts/vendor-web.py            # download the pinned versions, copy, rewrite the manifest
    python scripts/vendor-web.py --check    # offline: exit 1 if a vendored file differs from the manifest
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "anxinma" / "web" / "site" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"

#: package -> (version, licence, {path in the tarball (under package/): path under vendor/})
PINNED: dict[str, tuple[str, str, dict[str, str]]] = {
    "zxing-wasm": (
        "3.1.6",
        "MIT (zxing-wasm); Apache-2.0 (ZXing-C++, compiled into the .wasm)",
        {
            "dist/es/reader/index.js": "zxing-wasm/es/reader/index.js",
            "dist/es/share.js": "zxing-wasm/es/share.js",
            "dist/reader/zxing_reader.wasm": "zxing-wasm/reader/zxing_reader.wasm",
            "LICENSE": "zxing-wasm/LICENSE",
        },
    ),
    "@noble/ed25519": (
        "3.2.0",
        "MIT",
        {
            "index.js": "noble-ed25519/index.js",
            "index.d.ts": "noble-ed25519/index.d.ts",  # for the type check only (never fetched)
            "LICENSE": "noble-ed25519/LICENSE",
        },
    ),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_pack(package: str, version: str, into: Path) -> tuple[bytes, str]:
    """The package tarball and the integrity string npm reports for it."""
    run = subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--json", "--pack-destination", str(into)],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(run.stdout)[0]
    data = (into / info["filename"]).read_bytes()
    algorithm, _, expected = info["integrity"].partition("-")
    if algorithm != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != expected:
        raise SystemExit(
            f"{package}@{version}: the tarball does not match npm's integrity {info['integrity']}"
        )
    return data, info["integrity"]


def zxing_cpp_licence() -> bytes | None:
    """ZXing-C++'s Apache-2.0 licence, from the installed zxing-cpp wheel (the [scan] extra)."""
    try:
        dist = metadata.distribution("zxing-cpp")
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name.upper().startswith("LICENSE"):
            return Path(str(file.locate())).read_bytes()
    return None


def refresh() -> None:
    manifest: dict[str, object] = {
        "comment": "Written by scripts/vendor-web.py; checked by tests/test_web.py. Do not edit.",
        "packages": {},
    }
    packages: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for package, (version, licence, files) in PINNED.items():
            tarball, integrity = npm_pack(package, version, Path(tmp))
            with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
                copied: dict[str, str] = {}
                for source, target in files.items():
                    member = tar.extractfile(f"package/{source}")
                    if member is None:
                        raise SystemExit(f"{package}@{version}: {source} is not in the tarball")
                    data = member.read()
                    out = VENDOR / target
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(data)
                    copied[target] = sha256(data)
            packages[package] = {
                "version": version,
                "license": licence,
                "integrity": integrity,
                "files": copied,
            }
    apache = zxing_cpp_licence()
    if apache is not None:
        (VENDOR / "zxing-wasm" / "LICENSE.zxing-cpp").write_bytes(apache)
        files_ = packages["zxing-wasm"]["files"]  # type: ignore[index]
        files_["zxing-wasm/LICENSE.zxing-cpp"] = sha256(apache)  # type: ignore[index]
    manifest["packages"] = packages
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
    print(f"wrote {MANIFEST.relative_to(ROOT)}")


def check() -> int:
    manifest = json.loads(MANIFEST.read_text("utf-8"))
    bad = 0
    for package, entry in manifest["packages"].items():
        for path, digest in entry["files"].items():
            target = VENDOR / path
            if not target.is_file() or sha256(target.read_bytes()) != digest:
                print(f"{package}: {path} differs from {MANIFEST.relative_to(ROOT)}", file=sys.stderr)
                bad += 1
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare the vendored files with the manifest")
    args = parser.parse_args()
    if args.check:
        return check()
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed to refresh the vendored files")
    refresh()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
