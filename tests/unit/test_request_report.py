"""How the yearly figures count a request (domain/request_report.py), without a store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightful.domain.errors import InvalidInputError
from rightful.domain.lifecycle import Status
from rightful.domain.request_report import (
    DENIED,
    JURISDICTIONS,
    Facts,
    Line,
    Outcome,
    as_of,
    kind_name,
    period,
    tally,
)
from rightful.domain.requests import RequestType

T = datetime(2026, 3, 1, 12, tzinfo=UTC)
times = st.one_of(st.none(), st.integers(0, 400).map(lambda d: T + timedelta(days=d)))
facts = st.builds(
    Facts,
    jurisdiction=st.sampled_from(JURISDICTIONS),
    type=st.sampled_from([t.value for t in RequestType]),
    status=st.sampled_from([s.value for s in Status]),
    received_at=st.just(T),
    respond_by=st.integers(0, 100).map(lambda d: T + timedelta(days=d)),
    extended=st.booleans(),
    closed_at=times,
    delivered_at=times,
    refused_unverified=st.booleans(),
    refused_manifestly=st.booleans(),
)


@given(st.lists(facts, max_size=60))
def test_each_request_counts_once_so_the_outcomes_add_up_to_those_received(
    requests: list[Facts],
) -> None:
    """Per kind: complied + denied (every reason) + withdrawn + open = received; those
    answered are the complied and the denied, and no more are late than answered."""
    lines = tally(requests, JURISDICTIONS, ZoneInfo("America/Los_Angeles"))
    assert sum(line.received for line in lines) == len(requests)
    for line in lines:
        c = line.counts
        assert c[Outcome.COMPLIED] + line.denied + c[Outcome.WITHDRAWN] + c[Outcome.OPEN] == (
            line.received
        )
        answered = c[Outcome.COMPLIED] + sum(c[o] for o in DENIED)
        assert line.answered <= answered and line.late <= line.answered
        assert line.received == sum(
            1
            for f in requests
            if (f.jurisdiction, kind_name(f.jurisdiction, RequestType(f.type)))
            == (line.jurisdiction, line.kind)
        )


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    line = Line("gdpr", "Art. 15 access")
    line.days.update({1: 1, 4: 2, 30: 1})  # 1, 4, 4, 30
    assert line.median_days() == 4.0 and line.mean_days() == 9.8
    line.days.update({6: 1, 9: 1})  # 1, 4, 4, 6, 9, 30
    assert line.median_days() == 5.0
    assert Line("ccpa", "know").median_days() is None


def test_a_portability_request_under_the_ccpa_is_a_request_to_know() -> None:
    assert kind_name("ccpa", RequestType.PORTABILITY) == "know"
    assert kind_name("uk_gdpr", RequestType.PORTABILITY) == "Art. 20 portability"


def test_the_period_defaults_to_the_previous_calendar_year() -> None:
    """§7102(a)(1): the metrics of the previous calendar year."""
    assert period(date(2027, 3, 5)) == period(date(2027, 1, 1), year="2026")
    assert period(date(2027, 3, 5)).start == date(2026, 1, 1)
    chosen = period(date(2027, 3, 5), start="2026-04-01", end="2026-07-01")
    assert (chosen.start, chosen.end) == (date(2026, 4, 1), date(2026, 7, 1))
    with pytest.raises(InvalidInputError, match="at most 10 years"):
        period(date(2027, 3, 5), start="2000-01-01", end="2027-01-01")


def test_the_as_of_day_is_its_last_instant_in_the_controllers_zone_and_must_be_over() -> None:
    """Every move made on the day counts, up to midnight where the controller is; a day not
    over yet (today included) has no figures to give, and no day means now."""
    la = ZoneInfo("America/Los_Angeles")
    now = datetime(2027, 1, 1, 7, 59, tzinfo=UTC)  # 23:59 on 31 December in Los Angeles
    assert as_of(now, la) == now
    end = as_of(now, la, "2026-12-30")
    assert end.isoformat() == "2026-12-30T23:59:59.999999-08:00"
    assert end + timedelta(microseconds=1) == datetime(2026, 12, 31, tzinfo=la)
    with pytest.raises(InvalidInputError, match="has not ended yet"):
        as_of(now, la, "2026-12-31")
    assert as_of(now + timedelta(minutes=1), la, "2026-12-31") < now + timedelta(minutes=1)
    with pytest.raises(InvalidInputError, match="is not a day"):
        as_of(now, la, "yesterday")
