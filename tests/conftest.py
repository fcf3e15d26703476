"""Shared fixtures: the reference worker record (issue 2) and a fixed test key."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma
from anxinma import _demo

REFERENCE: dict[str, Any] = _demo.reference_record()  # the one copy: anxinma._demo
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
