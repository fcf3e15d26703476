"""Hypothesis strategies for valid worker records (shared by the property tests)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

import anxinma
from anxinma import gbcodes
from anxinma.model import DATE_MAX, DATE_MIN

REGIONS = ("330203", "330212", "330281", "110105", "440305", "650102", "330204")
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(dt.date(1950, 1, 1), dt.date(2008, 12, 31)))
    seq = draw(st.integers(0, 999))
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + gbcodes.id_check_char(first17)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    alpha = gbcodes.USCC_ALPHABET
    head = draw(st.text(alphabet=alpha, min_size=2, max_size=2))
    region = draw(st.sampled_from(REGIONS))
    tail = draw(st.text(alphabet=alpha, min_size=9, max_size=9))
    first17 = head + region + tail
    return first17 + gbcodes.uscc_check_char(first17)


names = st.one_of(
    st.text(alphabet=CJK, min_size=1, max_size=20),
    st.builds(
        lambda a, b: f"{a}·{b}",
        st.text(alphabet=CJK, min_size=1, max_size=9),
        st.text(alphabet=CJK, min_size=1, max_size=10),
    ),
    st.from_regex(r"[A-Z][a-z]{0,8}( [A-Z][a-z]{0,8})?", fullmatch=True),
)
dates = st.dates(DATE_MIN, DATE_MAX)
card_numbers = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12)
ratings = st.builds(
    anxinma.Rating, average=st.integers(0, 50).map(lambda t: t / 10), count=st.integers(0, 1_000_000)
)
backgrounds = st.builds(
    anxinma.BackgroundCheck,
    result=st.sampled_from(anxinma.BackgroundResult),
    checked_on=st.dates(DATE_MIN, dt.date(2026, 11, 1)),
)


@st.composite
def workers(draw: st.DrawFn) -> anxinma.Worker:
    return anxinma.Worker(
        name=draw(names),
        id_number=draw(id_numbers()),
        card_no=draw(card_numbers),
        enterprise_uscc=draw(usccs()),
        region=draw(st.sampled_from(REGIONS)),
        services=frozenset(draw(st.sets(st.sampled_from(anxinma.Service), min_size=1))),
        identity_verified=draw(st.booleans()),
        background_check=draw(st.none() | backgrounds),
        health_exam_valid_until=draw(st.none() | dates),
        insurance_valid_until=draw(st.none() | dates),
        training_hours=draw(st.none() | st.integers(0, 65535)),
        credit_score=draw(st.none() | st.integers(0, 100)),
        rating=draw(st.none() | ratings),
    )


statuses = st.none() | st.builds(
    anxinma.StatusRef, list_id=st.integers(0, 255), index=st.integers(0, 2**24 - 1)
)
