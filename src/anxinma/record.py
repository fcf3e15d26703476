"""Worker records as JSON-style mappings (spec §4), and credentials back to them.

:func:`parse_worker` is the one gate from untrusted JSON to the model: it
accepts exactly the documented fields, checks JSON types strictly (``true`` is
not ``1``, ``64.0`` is not ``64``, dates are ``YYYY-MM-DD``) and raises
:class:`~anxinma.errors.RecordError` naming the field.  :func:`credential_as_dict`
is the inverse view of a decoded credential, used by the CLI's JSON output.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from .errors import RecordError
from .model import BackgroundCheck, BackgroundResult, Credential, Profile, Rating, Service, Worker
from .registry import Claim

__all__ = ["FIELDS", "credential_as_dict", "parse_worker", "worker_as_dict"]

REQUIRED = ("name", "id_number", "card_no", "enterprise_uscc", "region", "services", "identity_verified")
OPTIONAL = (
    "background_check",
    "health_exam_valid_until",
    "insurance_valid_until",
    "training_hours",
    "credit_score",
    "rating",
)
#: Every field a worker record may have, in documentation order.
FIELDS = REQUIRED + OPTIONAL
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_LABELS = {c.field: int(c) for c in Claim} | {"identity_verified": int(Claim.IDENTITY)}


def _err(field: str, message: str) -> RecordError:
    return RecordError(field, message, label=_LABELS.get(field.split(".", maxsplit=1)[0]))


def _expect(value: object, kind: type | tuple[type, ...], field: str, what: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _err(field, f"must be {what}")


def _date(value: object, field: str) -> dt.date:
    _expect(value, str, field, "a date string YYYY-MM-DD")
    assert isinstance(value, str)
    try:
        if not _DATE.match(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _err(field, f"{value!r} is not a calendar date YYYY-MM-DD") from None


#: A member by its value or by itself, as ``Service(x)`` finds it (an Enum member hashes by name).
_SERVICES: dict[object, Service] = {**{s.value: s for s in Service}, **{s: s for s in Service}}
_RESULTS: dict[object, BackgroundResult] = {**{r.value: r for r in BackgroundResult}}
_RESULTS |= {r: r for r in BackgroundResult}
_BACKGROUND_KEYS = frozenset({"result", "checked_on"})


def _services(value: object) -> frozenset[Service]:
    _expect(value, list, "services", "a list of service names")
    assert isinstance(value, list)
    out = set()
    for item in value:
        try:
            out.add(_SERVICES[item])  # what Service(item) returns, without the Enum call
        except (KeyError, TypeError):
            known = ", ".join(s.value for s in Service)
            raise _err("services", f"unknown service {item!r} (known: {known})") from None
    if len(out) != len(value):
        raise _err("services", "lists a service twice")
    return frozenset(out)


def _background(value: object) -> BackgroundCheck:
    _expect(value, dict, "background_check", "an object with result and checked_on")
    assert isinstance(value, dict)
    if value.keys() != _BACKGROUND_KEYS:
        raise _err("background_check", "must have exactly the keys result and checked_on")
    try:
        result = _RESULTS[value["result"]]  # what BackgroundResult(...) returns
    except (KeyError, TypeError):
        raise _err("background_check.result", "must be 'clear' or 'flagged'") from None
    return BackgroundCheck(
        result=result, checked_on=_date(value["checked_on"], "background_check.checked_on")
    )


def _rating(value: object) -> Rating:
    _expect(value, dict, "rating", "an object with average and count")
    assert isinstance(value, dict)
    if set(value) != {"average", "count"}:
        raise _err("rating", "must have exactly the keys average and count")
    _expect(value["average"], (int, float), "rating.average", "a number")
    _expect(value["count"], int, "rating.count", "an integer")
    return Rating(average=value["average"], count=value["count"])


def _int(value: object, field: str) -> int:
    _expect(value, int, field, "an integer")
    assert isinstance(value, int)
    return value


_PARSERS: dict[str, Any] = {
    "background_check": _background,
    "health_exam_valid_until": lambda v: _date(v, "health_exam_valid_until"),
    "insurance_valid_until": lambda v: _date(v, "insurance_valid_until"),
    "training_hours": lambda v: _int(v, "training_hours"),
    "credit_score": lambda v: _int(v, "credit_score"),
    "rating": _rating,
}


def parse_worker(record: Mapping[str, Any]) -> Worker:
    """Build a :class:`Worker` from a JSON-style mapping (spec §4); raise :class:`RecordError`."""
    if not isinstance(record, Mapping):
        raise RecordError("record", "must be a JSON object")
    if not _FIELD_SET.issuperset(record):
        unknown = sorted(set(record) - _FIELD_SET, key=str)
        raise RecordError(str(unknown[0]), "is not a worker record field")
    if not _REQUIRED_SET.issubset(record):
        missing = [f for f in REQUIRED if f not in record]
        raise _err(missing[0], "is required")
    for name in _TEXT_FIELDS:
        if not isinstance(record[name], str):
            raise _err(name, "must be a string")
    if not isinstance(record["identity_verified"], bool):
        raise _err("identity_verified", "must be true or false")
    optional = {k: _PARSERS[k](record[k]) for k in OPTIONAL if record.get(k) is not None}
    required = {k: record[k] for k in _TEXT_FIELDS}
    return Worker(
        **required,
        identity_verified=record["identity_verified"],
        services=_services(record["services"]),
        **optional,
    )


_FIELD_SET = frozenset(FIELDS)
_REQUIRED_SET = frozenset(REQUIRED)
_TEXT_FIELDS = ("name", "id_number", "card_no", "enterprise_uscc", "region")


def _profile_dict(p: Profile) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": p.name,
        "card_no": p.card_no,
        "enterprise_uscc": p.enterprise_uscc,
        "region": p.region,
        "services": [s.value for s in Service if s in p.services],
        "identity_verified": p.identity_verified,
    }
    if p.background_check is not None:
        bg = p.background_check
        out["background_check"] = {"result": bg.result.value, "checked_on": bg.checked_on.isoformat()}
    for name in ("health_exam_valid_until", "insurance_valid_until"):
        day = getattr(p, name)
        if day is not None:
            out[name] = day.isoformat()
    for name in ("training_hours", "credit_score"):
        if getattr(p, name) is not None:
            out[name] = getattr(p, name)
    if p.rating is not None:
        out["rating"] = {"average": p.rating.average, "count": p.rating.count}
    return out


def worker_as_dict(worker: Worker) -> dict[str, Any]:
    """The JSON record of ``worker`` (inverse of :func:`parse_worker`)."""
    out = _profile_dict(worker)
    out["id_number"] = worker.id_number
    return out


def credential_as_dict(cred: Credential) -> dict[str, Any]:
    """A JSON-ready view of a decoded credential: the profile fields, the
    masked ID number, and validity in ISO 8601."""
    out = _profile_dict(cred)
    out["id_number_masked"] = cred.id_mask
    out["issued_at"] = cred.issued_at.isoformat()
    out["expires_at"] = cred.expires_at.isoformat()
    if cred.not_before is not None:
        out["not_before"] = cred.not_before.isoformat()
    if cred.status is not None:
        out["status"] = {"list_id": cred.status.list_id, "index": cred.status.index}
    return out
