"""Write the seed corpora of both fuzz targets: ``python make_seeds.py OUT_DIR``.

Creates ``OUT_DIR/verify`` and ``OUT_DIR/decoders``, one file per seed, named by
the SHA-1 of its content (libFuzzer's convention).  Seeds come from the valid
and invalid codes and documents of spec/vectors (when present) and from codes
and documents signed with the fuzz keys (:mod:`harness`).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness


def write(directory: Path, seeds: Iterable[bytes]) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    names = set()
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()
        (directory / name).write_bytes(seed)
        names.add(name)
    return len(names)


def main(out: Path) -> None:
    n_verify = write(out / "verify", harness.verify_seeds())
    n_decoders = write(out / "decoders", harness.decoder_seeds())
    print(f"seeds: {n_verify} for fuzz_verify, {n_decoders} for fuzz_decoders in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
