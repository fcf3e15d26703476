"""A small test PKI: a root key, two Ningbo issuer keys, trust lists and status lists."""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import anxinma
from anxinma.keys import raw_public_key

ROOT = Ed25519PrivateKey.from_private_bytes(b"R" * 32)
KEY_A = Ed25519PrivateKey.from_private_bytes(b"A" * 32)
KEY_B = Ed25519PrivateKey.from_private_bytes(b"B" * 32)
OTHER = Ed25519PrivateKey.from_private_bytes(b"O" * 32)
T0 = dt.datetime(2026, 1, 1, tzinfo=anxinma.CST)


def issuer_key(key: Ed25519PrivateKey, **kw: object) -> anxinma.IssuerKey:
    return anxinma.IssuerKey(public_key=raw_public_key(key), valid_from=kw.pop("valid_from", T0), **kw)  # type: ignore[arg-type]


def trust_list(*keys: anxinma.IssuerKey, sequence: int = 1, issued: dt.datetime = T0) -> anxinma.TrustList:
    ningbo = anxinma.TrustedIssuer(id="nb", name="宁波市家政服务中心", regions=("3302",), keys=keys)
    hangzhou = anxinma.TrustedIssuer(
        id="hz", name="杭州市家政服务中心", regions=("3301",), keys=(issuer_key(OTHER),)
    )
    return anxinma.TrustList(
        sequence=sequence,
        issued_at=issued,
        expires_at=issued + dt.timedelta(days=365),
        issuers=(ningbo, hangzhou),
    )


def load(
    trust: anxinma.TrustList, *, now: dt.datetime, signer: Ed25519PrivateKey = ROOT
) -> anxinma.TrustList:
    return anxinma.TrustList.load(trust.sign(signer), [ROOT.public_key()], now=now)


def empty_status(issuer: str = "nb", list_id: int = 0, issued: dt.datetime = T0) -> anxinma.StatusListToken:
    return anxinma.StatusListToken(
        issuer_id=issuer,
        list_id=list_id,
        issued_at=issued,
        expires_at=issued + dt.timedelta(days=7),
        statuses=anxinma.StatusList(anxinma.status.MIN_SIZE),
        ttl=86400,
    )
