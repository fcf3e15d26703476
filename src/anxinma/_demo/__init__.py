"""The bundled DEMO keys and documents and the reference worker record (for ``anxinma demo``).

The demo private keys are public: the issuer key ships in every wheel and both
are in the repository, so anyone can forge codes and trust lists with them.
They exist only so that ``anxinma demo`` and the examples work out of the box;
a verifier must never trust the demo issuer key (kid ``02334e17b73904c6``) or
pin the demo root key (kid ``c0a1a12c223b0ed6``) for real decisions.

Besides the key pairs, the demo has three root- or issuer-signed documents
(spec §15), made by ``examples/make_demo_documents.py`` and valid for ten years
(2026-01-01 to 2036-01-01, CST) so that the demo keeps working (real ones live for days):

- ``demo-trust.cwt``: the root's trust list, naming issuer ``nb-demo``
  (宁波市家政服务指导中心 (DEMO), regions 3302) with the demo issuer key;
- ``demo-status-0.cwt``: ``nb-demo``'s status list 0, every entry valid;
- ``demo-directory.cwt``: the root's enterprise directory, from
  ``examples/enterprises.tsv`` (real Ningbo enterprises, synthetic USCCs).

That table itself ships too, as ``anxinma/_demo/enterprises.tsv``
(:func:`enterprises_tsv`): ``anxinma population`` draws its synthetic workers
from it wherever it runs.

The files live in the repository's ``keys/`` directory; the wheel carries them
as ``anxinma/_demo/*`` (pyproject force-include; the root *private* key stays
out of the wheel: the demo only verifies with the root).  They are found with
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
from ..model import CST, StatusRef

__all__ = [
    "DIRECTORY_FILE",
    "DOCUMENTS_EXPIRE_AT",
    "DOCUMENTS_ISSUED_AT",
    "ENTERPRISES_FILE",
    "HEALTH_EXAM_DAYS",
    "INSURANCE_DAYS",
    "ISSUER_ID",
    "ISSUER_NAME",
    "ISSUER_REGIONS",
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "REFERENCE_RECORD",
    "ROOT_PRIVATE_KEY_FILE",
    "ROOT_PUBLIC_KEY_FILE",
    "STATUS_FILE",
    "STATUS_REF",
    "TRUST_FILE",
    "demo_record",
    "directory_document",
    "enterprises_tsv",
    "private_key",
    "public_key",
    "reference_record",
    "root_private_key",
    "root_public_key",
    "status_document",
    "trust_document",
]

PRIVATE_KEY_FILE = "demo-issuer.key.pem"
PUBLIC_KEY_FILE = "demo-issuer.pub.pem"
ROOT_PRIVATE_KEY_FILE = "demo-root.key.pem"
ROOT_PUBLIC_KEY_FILE = "demo-root.pub.pem"
TRUST_FILE = "demo-trust.cwt"
STATUS_FILE = "demo-status-0.cwt"
DIRECTORY_FILE = "demo-directory.cwt"
ENTERPRISES_FILE = "enterprises.tsv"

#: The demo issuer in the demo trust list.
ISSUER_ID = "nb-demo"
ISSUER_NAME = "宁波市家政服务指导中心 (DEMO)"
ISSUER_REGIONS = ("3302",)
#: The demo documents are issued and expire at these instants (ten years; real ones live days).
DOCUMENTS_ISSUED_AT = dt.datetime(2026, 1, 1, tzinfo=CST)
DOCUMENTS_EXPIRE_AT = dt.datetime(2036, 1, 1, tzinfo=CST)
#: The status list entry a demo code points at (list 0 of ``nb-demo``; valid in ``demo-status-0.cwt``).
STATUS_REF = StatusRef(list_id=0, index=23_456)
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


def _data(name: str, folder: str = "keys") -> bytes:
    packaged = resources.files(__name__).joinpath(name)
    if packaged.is_file():
        return packaged.read_bytes()
    checkout = Path(__file__).resolve().parents[3] / folder / name
    if checkout.is_file():
        return checkout.read_bytes()
    raise FileNotFoundError(f"demo file {name} is neither package data (anxinma/_demo) nor in {checkout}")


def enterprises_tsv() -> str:
    """The demo enterprise table (``examples/enterprises.tsv``: real Ningbo enterprises, synthetic
    USCCs), as text: columns rank, district, region_code, name, uscc."""
    return _data(ENTERPRISES_FILE, "examples").decode("utf-8")


def private_key() -> Ed25519PrivateKey:
    """The DEMO issuer private key (public knowledge: never trust codes it signs)."""
    return load_private_key(_data(PRIVATE_KEY_FILE))


def public_key() -> Ed25519PublicKey:
    """The DEMO issuer public key."""
    return load_public_key(_data(PUBLIC_KEY_FILE))


def root_private_key() -> Ed25519PrivateKey:
    """The DEMO root private key (public knowledge; in the repository, not in the wheel)."""
    return load_private_key(_data(ROOT_PRIVATE_KEY_FILE))


def root_public_key() -> Ed25519PublicKey:
    """The DEMO root public key, which ``anxinma demo`` pins."""
    return load_public_key(_data(ROOT_PUBLIC_KEY_FILE))


def trust_document() -> bytes:
    """The signed demo trust list (spec §15.2)."""
    return _data(TRUST_FILE)


def status_document() -> bytes:
    """The signed status list 0 of issuer ``nb-demo`` (spec §15.3), every entry valid."""
    return _data(STATUS_FILE)


def directory_document() -> bytes:
    """The signed demo enterprise directory (spec §15.4)."""
    return _data(DIRECTORY_FILE)
