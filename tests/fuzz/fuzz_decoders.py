"""atheris fuzz target: the strict decoders and document loaders, one per selector byte.

``cbor.decode``, base45, the ``AXM1:`` transport, the COSE_Sign1 profile,
``TrustList.load``, ``StatusListToken.load``, ``Directory.load`` and
``decode_unverified``; the properties are in :mod:`harness`
(:func:`harness.check_decoders`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["anxinma", "cbor2"]):
    import harness


def test_one_input(data: bytes) -> None:
    harness.check_decoders(data)


def main() -> None:
    harness.accepted_documents()  # build the fixtures before fuzzing starts
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
