"""Worker records and fixed inputs shared by the benchmark and the COSE cross-check.

Every USCC and citizen ID number here is synthetic: made up, with its check
character computed (GB 32100, GB 11643), so that the records are valid without
naming a real enterprise's code or a real person.  The reference record is the
canonical example of issue 2; the worst case fills every field to its largest
encoding (spec §7): a 20-character CJK name, an ID number from another region
(so the ID_REGION claim is present), a 12-character card number, all eight
services, every optional field at its maximum, the longest validity and a
status reference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anxinma import _demo

ROOT = Path(__file__).resolve().parents[1]
DEMO_KEY = ROOT / "keys" / "demo-issuer.key.pem"
#: The fixed clock of every benchmark and cross-check: 2026-05-01 09:00 in China.
NOW = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

REFERENCE: dict[str, Any] = _demo.reference_record()  # the one copy: anxinma._demo

WORST_CASE: dict[str, Any] = {
    "name": "阿卜杜热合曼买买提依明艾则孜托合提尼亚孜",
    "id_number": "650102198807120042",
    "card_no": "ZZZZZZZZZZZZ",
    "enterprise_uscc": "91330212YYYYYYYYYU",
    "region": "330212",
    "services": [
        "housekeeping",
        "infant_care",
        "maternity_care",
        "elderly_care",
        "patient_care",
        "cleaning",
        "cooking",
        "home_appliance_repair",
    ],
    "identity_verified": True,
    "background_check": {"result": "clear", "checked_on": "2026-05-01"},
    "health_exam_valid_until": "2099-12-31",
    "insurance_valid_until": "2099-12-31",
    "training_hours": 65535,
    "credit_score": 100,
    "rating": {"average": 5.0, "count": 1_000_000},
}


def variant(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``base`` with some fields replaced."""
    return {**base, **changes}


@dataclass(frozen=True)
class Case:
    """One code to issue: a record and the issuance options (spec §11.1)."""

    label: str
    record: dict[str, Any]
    valid_days: int = 365
    status: tuple[int, int] | None = None  # (list_id, index)


REFERENCE_CASE = Case("reference record", REFERENCE)
REFERENCE_STATUS_CASE = Case("reference + status ref", REFERENCE, status=(3, 123_456))
WORST_CASE_CASE = Case(
    "worst case (20 CJK chars, all fields max)",
    WORST_CASE,
    valid_days=5 * 366,
    status=(255, (1 << 24) - 1),
)
#: The same worst case with a name of 20 characters outside the BMP (4 UTF-8 bytes each).
WORST_SUPPLEMENTARY_CASE = Case(
    "worst case, 20 CJK Ext-B chars",
    variant(WORST_CASE, name="𠀀𠀁𠀂𠀃𠀄𠀅𠀆𠀇𠀈𠀉𠀊𠀋𠀌𠀍𠀎𠀏𠀐𠀑𠀒𠀓"),
    valid_days=5 * 366,
    status=(255, (1 << 24) - 1),
)
#: The reference record with that 20-character Ext-B name: it still fits.
REFERENCE_SUPPLEMENTARY_CASE = Case(
    "reference, 20 CJK Ext-B chars", variant(REFERENCE, name=WORST_SUPPLEMENTARY_CASE.record["name"])
)
MINORITY_CASES = (
    Case("Uyghur name, Chinese transliteration", variant(REFERENCE, name="阿依古丽·买买提")),
    Case(
        "Uyghur name, Arabic script",
        variant(REFERENCE, name="ئايگۈل مەمەت", id_number="650102198807120042"),
    ),
    Case(
        "Tibetan name, Tibetan script",
        variant(REFERENCE, name="བཀྲ་ཤིས་སྒྲོལ་མ", id_number="54010219920305002X"),
    ),
    Case("name with a CJK Ext-B character", variant(REFERENCE, name="王𠮷")),
)
