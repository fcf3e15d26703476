"""Differential test: Python (the reference) and the page (the second implementation) agree.

Hypothesis draws worker records, issuance choices, signing keys, clocks around every
boundary, typed ID numbers, damaged texts and directly signed claims sets that issuance
would refuse (odd names, values out of range, missing or unknown labels); Python issues
them and both implementations verify each against the same documents: a trust list with
active, retired and compromised keys of two issuers, fresh, stale, future and revoking
status lists, an enterprise directory, or a bare keyring.  Every verdict must be the same
JSON: colour, reasons, kid, ID match, issuer, status, credential, enterprise.

At least 500 codes a run, verified in the page in batches (one page for all).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import anxinma
from anxinma import cbor
from anxinma.claims import to_claims
from anxinma.cose import sign1
from anxinma.directory import Directory, Enterprise
from anxinma.errors import AnxinmaError
from anxinma.keys import kid_of, raw_public_key
from anxinma.model import CST
from anxinma.registry import Claim
from anxinma.transport import to_text
from anxinma.views import verification_as_dict

from ..strategies import id_numbers, workers
from .conftest import harness, open_page

MIN_CODES = 500
BATCHES = 25
BATCH = 22

ROOT = Ed25519PrivateKey.from_private_bytes(b"r" * 32)
ACTIVE = Ed25519PrivateKey.from_private_bytes(b"a" * 32)
RETIRED = Ed25519PrivateKey.from_private_bytes(b"t" * 32)
COMPROMISED = Ed25519PrivateKey.from_private_bytes(b"c" * 32)
WIDE = Ed25519PrivateKey.from_private_bytes(b"w" * 32)
STRANGER = Ed25519PrivateKey.from_private_bytes(b"s" * 32)
SIGNERS = {
    "active": ACTIVE,
    "retired": RETIRED,
    "compromised": COMPROMISED,
    "wide": WIDE,
    "stranger": STRANGER,
    "root": ROOT,
}

T0 = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
#: The retired key's issuing window closed here.
RETIRED_AT = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
#: Status lists are signed here; a clock before it (beyond the leeway) refuses them.
LISTS_AT = dt.datetime(2026, 11, 26, 2, 30, tzinfo=dt.UTC)
#: The centre of the clocks drawn.
NOW = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
DIRECTORY_USCCS = ("91330203MA2H123450", "91330213MA2J4K5L63")


def _key(key: Ed25519PrivateKey, **kw: Any) -> anxinma.IssuerKey:
    return anxinma.IssuerKey(public_key=raw_public_key(key), valid_from=kw.pop("valid_from", T0), **kw)


TRUST = anxinma.TrustList(
    sequence=3,
    issued_at=T0,
    expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
    issuers=(
        anxinma.TrustedIssuer(
            id="nb",
            name="宁波市家政服务中心",
            regions=("3302",),
            keys=(
                _key(ACTIVE),
                _key(RETIRED, state=anxinma.KeyState.RETIRED, valid_until=RETIRED_AT),
                _key(COMPROMISED, state=anxinma.KeyState.COMPROMISED),
            ),
        ),
        anxinma.TrustedIssuer(
            id="wide", name="多地发证机构", regions=("11", "33", "44", "65"), keys=(_key(WIDE),)
        ),
    ),
)
TRUST_BYTES = TRUST.sign(ROOT)


def _status_list(
    issuer: str, list_id: int, issued: dt.datetime, marks: dict[int, anxinma.Status], key: Ed25519PrivateKey
) -> bytes:
    statuses = anxinma.StatusList(anxinma.status.MIN_SIZE)
    for index, value in marks.items():
        statuses.set(index, value)
    token = anxinma.StatusListToken(issuer, list_id, issued, issued + dt.timedelta(days=2), statuses)
    return token.sign(key)


#: Indexes below 8 carry every status value in the lists that revoke.
MARKS = {
    1: anxinma.Status.INVALID,
    2: anxinma.Status.SUSPENDED,
    3: anxinma.Status.RESERVED,
    5: anxinma.Status.INVALID,
}
STATUS_LISTS = [
    _status_list("nb", 0, LISTS_AT, MARKS, ACTIVE),  # fresh until it expires, LISTS_AT + 2 days
    _status_list("nb", 1, LISTS_AT - dt.timedelta(days=9), MARKS, ACTIVE),  # stale
    _status_list("wide", 0, NOW - dt.timedelta(hours=5), {1: anxinma.Status.INVALID}, WIDE),
    _status_list(
        "wide", 0, NOW - dt.timedelta(hours=5), {2: anxinma.Status.SUSPENDED}, WIDE
    ),  # same iat: a tie
    _status_list("nb", 2, NOW - dt.timedelta(hours=1), MARKS, COMPROMISED),  # refused: compromised key
]
DIRECTORY_BYTES = Directory(
    sequence=1,
    issued_at=T0,
    expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
    enterprises=tuple(Enterprise(u, f"企业{n}", "海曙区", "330203") for n, u in enumerate(DIRECTORY_USCCS)),
).sign(ROOT)

#: The documents a case is verified against.
BUNDLES: dict[str, dict[str, Any]] = {
    "full": {
        "roots": [raw_public_key(ROOT).hex()],
        "trust_list_hex": TRUST_BYTES.hex(),
        "status_lists_hex": [s.hex() for s in STATUS_LISTS],
        "directory_hex": DIRECTORY_BYTES.hex(),
    },
    "trust-only": {"roots": [raw_public_key(ROOT).hex()], "trust_list_hex": TRUST_BYTES.hex()},
    "no-directory": {
        "roots": [raw_public_key(ROOT).hex()],
        "trust_list_hex": TRUST_BYTES.hex(),
        "status_lists_hex": [s.hex() for s in STATUS_LISTS],
    },
    "keyring": {"keyring": [raw_public_key(k).hex() for k in (ACTIVE, RETIRED, COMPROMISED, WIDE)]},
}


@dataclass(frozen=True)
class Case:
    text: str
    now: int
    bundle: str
    id_number: str | None
    why: str


# -- drawing cases ------------------------------------------------------------------------

names = st.text(st.characters(exclude_categories=("Cs",)), min_size=0, max_size=22)
tampers = st.sampled_from(
    ["none"] * 6 + ["flip", "truncate", "append", "space", "lower", "prefix", "newline"]
)


@st.composite
def clocks(draw: st.DrawFn, iat: int, exp: int, cred: anxinma.Credential) -> int:
    """A clock reading near one of the boundaries that matter to this code."""
    day = 86400
    marks = [iat - 301, iat - 300, iat, exp - 1, exp, int(LISTS_AT.timestamp()) - 301, int(NOW.timestamp())]
    for until in (cred.health_exam_valid_until, cred.insurance_valid_until):
        if until is not None:
            end = int(anxinma.model.end_of_day(until).timestamp())
            marks += [end - 1, end]
    base = draw(st.sampled_from(marks))
    jitter = draw(st.sampled_from([0, 0, 0, 1, -1, day, -day, 3 * day]))
    return min(max(base + jitter, 0), 2**32 - 1)


def _flip(text: str, rng: random.Random) -> str:
    body = text[5:]
    at = rng.randrange(len(body))
    alphabet = anxinma.base45.ALPHABET
    return (
        "AXM1:"
        + body[:at]
        + alphabet[(alphabet.index(body[at]) + rng.randrange(1, 45)) % 45]
        + body[at + 1 :]
    )


#: Ways a code's text gets damaged or decorated on its way to a verifier.
TAMPERS: dict[str, Any] = {
    "none": lambda text, rng: text,
    "flip": _flip,
    "truncate": lambda text, rng: text[: rng.randrange(len(text))],
    "append": lambda text, rng: text + rng.choice(["0", "00", "000", " ", "\u3000"]),
    "space": lambda text, rng: (
        rng.choice([" ", "\t", "\n", "\r\n", " \n "]) + text + rng.choice(["", "\n", " ", "\t\r\n"])
    ),
    "lower": lambda text, rng: text.lower(),
    "prefix": lambda text, rng: (
        rng.choice(["AXM2:", "AXM10:", "AXM:", "axm1:", "AXM\u0661:", "XM1:"]) + text[5:]
    ),
    "newline": lambda text, rng: text[:40] + "\n" + text[40:],
}


def _tamper(text: str, how: str, rng: random.Random) -> str:
    return str(TAMPERS[how](text, rng))


@st.composite
def raw_claims(draw: st.DrawFn, claims: dict[int, Any]) -> dict[Any, Any]:
    """A claims set issuance would refuse: one value, label or name changed."""
    claims = dict(claims)
    change = draw(st.sampled_from(["name", "int", "drop", "extra", "bytes", "name-marks"]))
    if change == "name":
        claims[Claim.NAME] = draw(names)
    elif change == "name-marks":
        base = draw(st.sampled_from(["王", "e", "A", " ", "\u0301"]))
        marks = draw(
            st.lists(
                st.sampled_from(["\u0301", "\u0308", "\u20dd", "\u3099", "\u302a", "\ufe20"]), max_size=4
            )
        )
        tail = draw(st.sampled_from(["", "秀", " 英", "\u200b", "\u3164", "\u00b7李"]))
        claims[Claim.NAME] = base + "".join(marks) + tail
    elif change == "int":
        label = draw(st.sampled_from([c for c in Claim if c is not Claim.NAME and c is not Claim.ENTERPRISE]))
        claims[label] = draw(
            st.sampled_from(
                [
                    0,
                    1,
                    23,
                    24,
                    255,
                    256,
                    999999,
                    1000000,
                    10956,
                    10957,
                    47481,
                    47482,
                    4095,
                    4096,
                    2**32 - 1,
                    2**32,
                    2**64 - 1,
                    -1,
                ]
            )
            | st.integers(0, 2**40)
        )
    elif change == "drop":
        claims.pop(draw(st.sampled_from(sorted(claims))))
    elif change == "extra":
        claims[draw(st.sampled_from([-15, -24, 1, 7, 200]))] = 0
    else:
        claims[Claim.ENTERPRISE] = draw(st.binary(min_size=9, max_size=11))
    return claims


@st.composite
def cases(draw: st.DrawFn) -> Case:
    rng = random.Random(draw(st.integers(0, 2**32)))
    worker = draw(workers())
    if draw(st.booleans()):  # an enterprise of the directory
        worker = replace(worker, enterprise_uscc=draw(st.sampled_from(DIRECTORY_USCCS)))
    typical = draw(st.integers(0, 9)) < 6  # most codes as an issuer writes them: mostly green or yellow
    odd = [] if typical else ["retired", "compromised", "stranger", "root"]
    signer_name = draw(st.sampled_from(["active"] * 5 + ["wide"] * 3 + odd))
    signer = SIGNERS[signer_name]
    if typical:
        region = draw(
            st.sampled_from(["330203", "330212"] if signer_name != "wide" else ["110105", "440305", "330281"])
        )
        future = st.dates(dt.date(2027, 1, 1), dt.date(2099, 12, 31))
        worker = replace(
            worker,
            region=region,
            identity_verified=True,
            background_check=None
            if worker.background_check is None
            else replace(worker.background_check, result=anxinma.BackgroundResult.CLEAR),
            health_exam_valid_until=draw(future),
            insurance_valid_until=draw(future),
            enterprise_uscc=draw(
                st.sampled_from(
                    [*DIRECTORY_USCCS, *DIRECTORY_USCCS, *DIRECTORY_USCCS, worker.enterprise_uscc]
                )
            ),
        )
    iat = draw(
        st.sampled_from(
            [
                RETIRED_AT - dt.timedelta(days=30),
                RETIRED_AT + dt.timedelta(days=3),
                NOW - dt.timedelta(days=40),
                NOW - dt.timedelta(days=40),
            ]
        )
    )
    iat += dt.timedelta(seconds=draw(st.integers(0, 86399)))
    check = worker.background_check
    if check is not None and check.checked_on > iat.astimezone(CST).date():  # not checked in the future
        worker = replace(worker, background_check=replace(check, checked_on=dt.date(2019, 5, 4)))
    valid_days = draw(st.sampled_from([365, 1830] if typical else [1, 30, 365, 1830]))
    ref = draw(
        st.none()
        | st.builds(
            anxinma.StatusRef,
            list_id=st.sampled_from([0, 1, 2, 7]),
            index=st.sampled_from([0, 1, 2, 3, 4, 5, 2**17 - 1, 2**17, 2**24 - 1]),
        )
    )
    if typical and ref is not None and draw(st.booleans()):
        ref = anxinma.StatusRef(0, draw(st.sampled_from([0, 4, 2**17 - 1])))  # a valid entry of a fresh list
    cred = anxinma.credential_for(worker, now=iat, valid_days=valid_days, status=ref)
    claims = to_claims(cred)
    why = f"{signer_name} key, {valid_days} days, status {ref}"
    if draw(st.integers(0, 9)) == 0:
        claims = draw(raw_claims(claims))
        why += f", raw claims {claims!r}"
    try:
        text = to_text(sign1(cbor.encode(claims), signer, kid_of(signer)))
    except (AnxinmaError, ValueError, TypeError, OverflowError):  # an unencodable raw claims set
        text = anxinma.issue(worker, signer, now=iat, valid_days=valid_days, status=ref)
    tamper = "none" if typical and draw(st.booleans()) else draw(tampers)
    text = _tamper(text, tamper, rng)
    typed = draw(st.sampled_from([None, None, None, "true", "other", "lower", "spaced", "fullwidth", "bad"]))
    id_number = {
        None: None,
        "true": worker.id_number,
        "other": draw(id_numbers()),
        "lower": worker.id_number.lower(),
        "spaced": f" {worker.id_number[:6]} {worker.id_number[6:14]}\t{worker.id_number[14:]} ",
        "fullwidth": worker.id_number.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}),
        "bad": worker.id_number[:17] + ("0" if worker.id_number[17] != "0" else "1"),
    }[typed]
    bundle = draw(st.sampled_from(["full", "full", "no-directory", "trust-only", "keyring"]))
    if typical and draw(st.booleans()):
        now = int(NOW.timestamp()) + draw(st.integers(-3 * 86400, 3 * 86400))
    else:
        now = draw(clocks(int(cred.issued_at.timestamp()), int(cred.expires_at.timestamp()), cred))
    return Case(text, now, bundle, id_number, f"{why}, tamper {tamper}, typed {typed}, bundle {bundle}")


# -- the reference verdict ---------------------------------------------------------------


def _python_held(
    bundle: str, now: dt.datetime
) -> tuple[Any, list[anxinma.StatusListToken], Directory | None, list[dict[str, Any]]]:
    """The bundle's documents loaded by the library, each status list on its own then the
    directory; one that fails is not held and is reported (spec §14.1)."""
    spec = BUNDLES[bundle]
    if "keyring" in spec:
        return anxinma.Keyring([k.public_key() for k in (ACTIVE, RETIRED, COMPROMISED, WIDE)]), [], None, []
    trust = anxinma.TrustList.load(TRUST_BYTES, [ROOT.public_key()], now=now)
    lists, documents = [], []
    for data in STATUS_LISTS if "status_lists_hex" in spec else []:
        try:
            lists.append(anxinma.StatusListToken.load(data, trust, now=now))
            documents.append({"kind": "status_list", "loaded": True, "reason": None})
        except anxinma.DocumentError as exc:
            documents.append({"kind": "status_list", "loaded": False, "reason": exc.reason.value})
    directory = None
    if "directory_hex" in spec:
        directory = Directory.load(DIRECTORY_BYTES, [ROOT.public_key()], now=now)
        documents.append({"kind": "directory", "loaded": True, "reason": None})
    return trust, lists, directory, documents


def python_verdict(case: Case) -> dict[str, Any]:
    """The reference verdict, in the JSON form of spec §14.2 (without the informative detail)."""
    now = dt.datetime.fromtimestamp(case.now, dt.UTC)
    try:
        trust, lists, directory, documents = _python_held(case.bundle, now)
    except anxinma.DocumentError as exc:  # a trust list that fails stops everything
        return {"error": f"trust:{exc.reason.value}"}
    try:
        result = anxinma.verify(
            case.text, trust, now=now, status=lists, directory=directory, id_number=case.id_number
        )
    except anxinma.UsageError:
        return {"error": "UsageError"}
    verdict = verification_as_dict(result, now=now, trust=trust)
    verdict["documents"] = documents
    del verdict["detail"]
    return verdict


@pytest.fixture(scope="module")
def page(chromium: Any, demo_site: Any) -> Any:
    page = open_page(chromium, demo_site.url)
    yield page
    page.context.close()


def test_python_and_the_page_give_the_same_verdicts(page: Any) -> None:
    compared = 0
    colours: dict[str, int] = {}

    @settings(
        max_examples=BATCHES,
        deadline=None,
        database=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(cases(), min_size=BATCH, max_size=BATCH))
    def batch(drawn: list[Case]) -> None:
        nonlocal compared
        inputs = [
            {"text": c.text, "now": c.now, "docs": BUNDLES[c.bundle], "id_number": c.id_number} for c in drawn
        ]
        pages = harness(page, "cases", inputs)
        for case, got in zip(drawn, pages, strict=True):
            want = python_verdict(case)
            got.pop("detail", None)  # informative English, never compared (spec §14.2)
            assert got == want, f"{case}\npage:   {got}\npython: {want}"
            colours[want.get("color", "error")] = colours.get(want.get("color", "error"), 0) + 1
        compared += len(drawn)

    batch()
    print(f"differential: {compared} codes, identical verdicts; colours {colours}")
    assert compared >= MIN_CODES, compared
    assert all(colours.get(c, 0) >= 10 for c in ("green", "yellow", "red")), colours  # every colour reached
