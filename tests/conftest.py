"""Shared fixtures: the reference worker record (issue 2) and a fixed test key."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma

REFERENCE: dict[str, Any] = {
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
#: A fixed "now" at which the reference record is green.
NOW = dt.datetime(2026, 11, 27, 10, 30, tzinfo=anxinma.CST)
TEST_SEED = bytes(range(32))


@pytest.fixture
def record() -> dict[str, Any]:
    return copy.deepcopy(REFERENCE)


@pytest.fixture
def worker() -> anxinma.Worker:
    return anxinma.parse_worker(REFERENCE)


@pytest.fixture(scope="session")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(TEST_SEED)


@pytest.fixture(scope="session")
def keyring(key: Ed25519PrivateKey) -> anxinma.Keyring:
    return anxinma.Keyring([key.public_key()])


@pytest.fixture(scope="session")
def code(key: Ed25519PrivateKey) -> str:
    """The reference record issued at NOW with the test key."""
    return anxinma.issue(anxinma.parse_worker(REFERENCE), key, now=NOW)
