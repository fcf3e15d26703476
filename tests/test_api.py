"""Public surface: __all__, typing marker, and the lean verify path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import anxinma


def test_all_names_exist_and_are_sorted_sensibly() -> None:
    for name in anxinma.__all__:
        assert hasattr(anxinma, name), name
    assert len(set(anxinma.__all__)) == len(anxinma.__all__)


def test_py_typed_marker_ships() -> None:
    assert (Path(anxinma.__file__).parent / "py.typed").exists()


def test_reason_values_are_stable() -> None:
    # These strings are a public contract (spec §10.1): changing one is a breaking change.
    assert {r.value for r in anxinma.Reason} >= {
        "malformed", "unsupported_version", "signature_invalid", "unknown_key", "expired",
        "not_yet_valid", "identity_unverified", "background_check_flagged", "health_exam_expired",
        "health_exam_missing", "insurance_expired", "insurance_missing", "id_number_mismatch",
    }  # fmt: skip


def test_error_codes_are_distinct() -> None:
    classes = [getattr(anxinma, n) for n in anxinma.__all__ if n.endswith("Error")]
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes))
    assert all(issubclass(c, anxinma.AnxinmaError) for c in classes)


def test_verifying_does_not_import_segno_click_or_sqlite() -> None:
    script = (
        "import sys, anxinma; from anxinma import verify;"
        "print(','.join(m for m in ('segno', 'click', 'sqlite3', 'zxingcpp') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_verifier_with_a_bare_keyring_loads_no_document_module() -> None:
    """Cold start (bench/coldstart.py): verifying with a Keyring loads neither the trust-list,
    status-list, directory and document modules nor hashlib; every name of the package still
    resolves (loaded on first use), and ``anxinma.verify`` stays the function."""
    from .conftest import NOW, REFERENCE
    from .pki import KEY_A

    text = anxinma.issue(anxinma.parse_worker(REFERENCE), KEY_A, now=NOW)
    raw = KEY_A.public_key().public_bytes_raw()
    script = (
        "import sys, datetime, anxinma\n"
        "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey\n"
        f"ring = anxinma.Keyring([Ed25519PublicKey.from_public_bytes({raw!r})])\n"
        f"now = datetime.datetime.fromisoformat({NOW.isoformat()!r})\n"
        f"assert anxinma.verify({text!r}, ring, now=now).credential is not None\n"
        "heavy = ('anxinma.trust', 'anxinma.status', 'anxinma.directory', 'anxinma.document',"
        " 'anxinma.state', 'anxinma.views', 'anxinma.record', 'hashlib', 'zlib')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
        "assert all(getattr(anxinma, name) is not None for name in anxinma.__all__)\n"
        "import anxinma.views\n"
        "assert callable(anxinma.verify) and callable(anxinma.issue) and anxinma.TrustList.load\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
