"""The bundled DEMO issuer key pair and the reference worker record (for ``anxinma demo``).

The demo private key is public: it ships in every wheel, so anyone can forge
codes with it.  It exists only so that ``anxinma demo`` and the examples work
out of the box; a verifier must never trust its public key (kid
``02334e17b73904c6``) for real decisions.

The PEM files live in the repository's ``keys/`` directory; the wheel carries
them as ``anxinma/_demo/*.pem`` (pyproject force-include).  They are found with
:mod:`importlib.resources`, and in a source or editable checkout, where the
package directory has no copies, in ``<repo>/keys/``.  Loading them here skips
the CLI's file-permission check on purpose: they are package data, not secrets.
"""

from __future__ import annotations

import copy
import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..keys import load_private_key, load_public_key

__all__ = [
    "HEALTH_EXAM_DAYS",
    "INSURANCE_DAYS",
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "REFERENCE_RECORD",
    "demo_record",
    "private_key",
    "public_key",
    "reference_record",
]

PRIVATE_KEY_FILE = "demo-issuer.key.pem"
PUBLIC_KEY_FILE = "demo-issuer.pub.pem"
#: ``anxinma demo`` moves the health exam and insurance dates this many days past today.
HEALTH_EXAM_DAYS = 300
INSURANCE_DAYS = 365

#: The canonical worker record (issue 2; also ``examples/workers/reference.json``).
#: Its USCC and ID number are synthetic, with valid check characters.
REFERENCE_RECORD: dict[str, Any] = {
    "name": "王秀英",
    "id_number": "330203198503150020",
    "card_no": "NB2021000123",
    "enterprise_uscc": "91330203MA2H123450",
    "region": "330203",
    "services": ["housekeeping", "infant_care", "elderly_care"],
    "identity_verified": True,
    "background_check": {"result": "clear", "checked_on": "2020-10-12"},
    "health_exam_valid_until": "2027-09-30",
    "insurance_valid_until": "2027-12-31",
    "training_hours": 64,
    "credit_score": 92,
    "rating": {"average": 4.8, "count": 37},
}


def reference_record() -> dict[str, Any]:
    """A fresh copy of :data:`REFERENCE_RECORD` (the caller may change it)."""
    return copy.deepcopy(REFERENCE_RECORD)


def demo_record(today: dt.date) -> dict[str, Any]:
    """The reference record with its health exam valid until ``today`` + 300 days and its
    insurance until ``today`` + 365 days, so that a demo code is green whenever it is run."""
    record = reference_record()
    record["health_exam_valid_until"] = (today + dt.timedelta(days=HEALTH_EXAM_DAYS)).isoformat()
    record["insurance_valid_until"] = (today + dt.timedelta(days=INSURANCE_DAYS)).isoformat()
    return record


def _pem(name: str) -> bytes:
    packaged = resources.files(__name__).joinpath(name)
    if packaged.is_file():
        return packaged.read_bytes()
    checkout = Path(__file__).resolve().parents[3] / "keys" / name
    if checkout.is_file():
        return checkout.read_bytes()
    raise FileNotFoundError(f"demo key {name} is neither package data (anxinma/_demo) nor in {checkout}")


def private_key() -> Ed25519PrivateKey:
    """The DEMO issuer private key (public knowledge: never trust codes it signs)."""
    return load_private_key(_pem(PRIVATE_KEY_FILE))


def public_key() -> Ed25519PublicKey:
    """The DEMO issuer public key."""
    return load_public_key(_pem(PUBLIC_KEY_FILE))
