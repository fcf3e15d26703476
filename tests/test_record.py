"""Worker records: strict parsing, every refusal names its field (spec §4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import anxinma
from anxinma import RecordError, Service


def test_reference_record_parses(record: dict[str, Any]) -> None:
    worker = anxinma.parse_worker(record)
    assert worker.services == {Service.HOUSEKEEPING, Service.INFANT_CARE, Service.ELDERLY_CARE}
    assert worker.rating == anxinma.Rating(average=4.8, count=37)
    assert worker.health_exam_valid_until == dt.date(2027, 9, 30)
    assert anxinma.worker_as_dict(worker) == record
    assert "330203198503150020" not in repr(worker)  # the ID number stays out of logs


def test_minority_name_with_middle_dot(record: dict[str, Any]) -> None:
    record["name"] = "阿依古丽·买买提"
    assert anxinma.parse_worker(record).name == "阿依古丽·买买提"


def test_optional_fields_may_be_absent_or_null(record: dict[str, Any]) -> None:
    for name in ("background_check", "health_exam_valid_until", "insurance_valid_until", "rating"):
        del record[name]
    record["training_hours"] = None
    worker = anxinma.parse_worker(record)
    assert worker.rating is None and worker.training_hours is None


BAD: list[tuple[str, object, str, int | None]] = [
    ("id_number", "330203198503150021", "check character", None),
    ("enterprise_uscc", "91330203MA2H123451", "check character", -3),
    ("services", ["housekeeping", "gardening"], "unknown service 'gardening'", -7),
    ("services", ["cooking", "cooking"], "twice", -7),
    ("services", [], "non-empty", -7),
    ("name", "王" * 21, "1..20", -1),
    ("name", "", "1..20", -1),
    ("name", " 王秀英", "leading or trailing", -1),
    ("name", "王\u200b秀英", "U+200B", -1),
    ("health_exam_valid_until", "2027-02-30", "not a calendar date", -9),
    ("health_exam_valid_until", "20270930", "not a calendar date", -9),
    ("insurance_valid_until", 20271231, "date string", -10),
    ("card_no", "nb2021000123", "capital letters", -2),
    ("card_no", "NB20210001234", "1..12", -2),
    ("region", "33020", "6 ASCII digits", -4),
    ("identity_verified", 1, "true or false", -5),
    ("training_hours", 64.0, "an integer", -11),
    ("training_hours", -1, "outside", -11),
    ("credit_score", 101, "outside 0..100", -12),
    ("credit_score", True, "an integer", -12),
    ("rating", {"average": 4.85, "count": 3}, "steps of 0.1", -13),
    ("rating", {"average": 4.8}, "exactly the keys", -13),
    ("background_check", {"result": "maybe", "checked_on": "2020-10-12"}, "clear", -8),
]


@pytest.mark.parametrize(("field", "value", "words", "label"), BAD)
def test_invalid_values_are_refused_naming_the_field(
    record: dict[str, Any], field: str, value: object, words: str, label: int | None
) -> None:
    record[field] = value
    with pytest.raises(RecordError) as info:
        anxinma.parse_worker(record)
    assert info.value.field.split(".")[0] == field
    assert words in str(info.value)
    assert str(info.value).startswith(field)
    if label is not None:
        assert f"(label {label})" in str(info.value)


def test_unknown_and_missing_fields(record: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match=r"^photo: is not a worker record field"):
        anxinma.parse_worker({**record, "photo": "x.jpg"})
    del record["card_no"]
    with pytest.raises(RecordError, match=r"^card_no"):
        anxinma.parse_worker(record)


def test_model_objects_validate_on_construction(worker: anxinma.Worker) -> None:
    with pytest.raises(RecordError, match="region"):
        anxinma.Worker(**{**_fields(worker), "region": "000000"})
    with pytest.raises(RecordError, match="services"):
        anxinma.Worker(**{**_fields(worker), "services": {"cooking"}})


def _fields(worker: anxinma.Worker) -> dict[str, Any]:
    return {name: getattr(worker, name) for name in worker.__dataclass_fields__}
