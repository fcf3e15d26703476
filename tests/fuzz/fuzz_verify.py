"""atheris fuzz target: :func:`anxinma.verify` on arbitrary text, COSE bytes and raw bytes.

Run through ``tests/fuzz/run.sh`` (it installs atheris in its own virtual
environment); the properties are in :mod:`harness` (:func:`harness.check_verify`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["anxinma", "cbor2"]):
    import harness


def test_one_input(data: bytes) -> None:
    harness.check_verify(data)


def main() -> None:
    harness.green_texts()  # build the fixtures before fuzzing starts
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
