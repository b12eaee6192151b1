"""Deadline arithmetic per jurisdiction (REQUIREMENTS.md "Deadlines", lines 6-10)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.domain.deadline_texts import (
    acknowledgement_text,
    build_refusal_notice,
    extension_text,
    refusal_notice,
)
from rightful.domain.deadlines import (
    Deadlines,
    Extension,
    ExtensionNotAllowedError,
    ExtensionUnit,
    Jurisdiction,
    Language,
    Pause,
    Urgency,
    add_business_days,
    add_calendar_months,
    compute_deadlines,
    end_of_day,
    ensure_can_extend,
    parse_jurisdiction,
    pauses_count,
    time_left,
    urgency,
    urgency_at,
)
from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.requests import RequestType

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
ZONES = [ZoneInfo(z) for z in ("UTC", "Europe/Berlin", "America/Los_Angeles", "Pacific/Kiritimati")]
GDPR_LIKE = [Jurisdiction.GDPR, Jurisdiction.UK_GDPR]
PROPERTY = settings(max_examples=150, deadline=None)


def at(y: int, m: int, d: int, hh: int = 12, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime(y, m, d, hh, tzinfo=tz)


def gdpr(received: datetime, **kwargs: Any) -> Deadlines:
    return compute_deadlines(Jurisdiction.GDPR, received, tz=BERLIN, **kwargs)


def told(decided: datetime, reason: str = "many systems to search", **kwargs: Any) -> Extension:
    return Extension(decided_at=decided, reason=reason, notice_sent_at=decided, **kwargs)


# --- calendar months (line 6) ------------------------------------------------------------------


def test_31_january_plus_one_month_is_28_february_in_a_common_year() -> None:
    """Line 6: a missing date falls to the month's last day."""
    assert add_calendar_months(date(2027, 1, 31), 1) == date(2027, 2, 28)


def test_31_january_plus_one_month_is_29_february_in_leap_year_2028() -> None:
    """Line 6: in a leap year February's last day is the 29th."""
    assert add_calendar_months(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_31_march_plus_one_month_is_30_april() -> None:
    """Line 6: April has no 31st."""
    assert add_calendar_months(date(2027, 3, 31), 1) == date(2027, 4, 30)


def test_months_cross_the_year_end() -> None:
    """Line 6: one calendar month from mid-December is mid-January."""
    assert add_calendar_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


# --- GDPR respond_by (line 6) ------------------------------------------------------------------


def test_gdpr_request_received_31_january_is_due_end_of_28_february() -> None:
    """Line 6: due by the end of the same date next month, in the controller's timezone."""
    result = gdpr(at(2027, 1, 31))
    assert result.respond_by == datetime.combine(date(2027, 2, 28), time.max, tzinfo=BERLIN)
    assert result.original_respond_by == result.respond_by
    assert not result.extended
    assert result.acknowledge_by is None


def test_gdpr_receipt_date_is_the_controllers_local_date() -> None:
    """Line 6: 23:30 UTC on 31 January is 1 February in Berlin, so the answer is due 1 March."""
    received = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    assert gdpr(received).respond_by.date() == date(2027, 3, 1)
    in_utc = compute_deadlines(Jurisdiction.GDPR, received)
    assert in_utc.respond_by.date() == date(2027, 2, 28)


def test_uk_gdpr_follows_the_same_calendar_month_rule() -> None:
    """Line 6: UK GDPR keeps Art. 12(3)."""
    result = compute_deadlines(Jurisdiction.UK_GDPR, at(2027, 3, 31, tz=UTC))
    assert result.respond_by.date() == date(2027, 4, 30)
    assert (result.max_extension_months_or_days, result.extension_unit) == (2, ExtensionUnit.MONTHS)


def test_naive_receipt_time_is_rejected() -> None:
    """A deadline computed from a time without a zone would silently shift by hours."""
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        compute_deadlines(Jurisdiction.GDPR, datetime(2027, 1, 31, 12))


# --- GDPR extension (line 6) -------------------------------------------------------------------


def test_extension_counts_three_months_from_receipt() -> None:
    """Line 6: extended by two further months, i.e. three months from receipt (30 April)."""
    received = at(2027, 1, 31)
    result = gdpr(received, extension=told(at(2027, 2, 10)))
    assert result.respond_by.date() == date(2027, 4, 30)
    assert result.original_respond_by.date() == date(2027, 2, 28)
    assert result.extended


def test_extension_on_the_last_day_of_the_first_month_is_allowed() -> None:
    """Line 6: the extension may be decided and told up to the end of the first month."""
    last_moment = datetime.combine(date(2027, 2, 28), time.max, tzinfo=BERLIN)
    result = gdpr(at(2027, 1, 31), extension=told(last_moment, months=1))
    assert result.respond_by.date() == date(2027, 3, 31)


def test_extension_on_the_day_after_the_first_month_is_refused() -> None:
    """Line 6: only within the first month."""
    with pytest.raises(ExtensionNotAllowedError, match="while the first period runs"):
        gdpr(at(2027, 1, 31), extension=told(at(2027, 3, 1, hh=0)))


@pytest.mark.parametrize("months", [0, 3, -1])
def test_extension_outside_one_to_two_months_is_refused(months: int) -> None:
    """Line 6: by up to two further months."""
    with pytest.raises(ExtensionNotAllowedError, match="1 to 2 months"):
        gdpr(at(2027, 1, 31), extension=told(at(2027, 2, 1), months=months))


def test_gdpr_extension_given_in_days_is_refused() -> None:
    """Line 6: a GDPR extension is counted in months; days are a CCPA unit."""
    with pytest.raises(ExtensionNotAllowedError, match="counted in months"):
        gdpr(at(2027, 1, 31), extension=told(at(2027, 2, 1), days=30))


def test_second_extension_is_refused() -> None:
    """Line 6: one extension only."""
    extended = gdpr(at(2027, 1, 31), extension=told(at(2027, 2, 1), months=1))
    with pytest.raises(ExtensionNotAllowedError, match="extended already"):
        ensure_can_extend(extended, told(at(2027, 2, 2), months=1))


def test_first_extension_passes_the_check_that_refuses_the_second() -> None:
    """Line 6: the check that refuses a second extension lets a valid first one through."""
    ensure_can_extend(gdpr(at(2027, 1, 31)), told(at(2027, 2, 2)))


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_extension_without_a_reason_is_refused(reason: str) -> None:
    """Line 6: only with reasons."""
    with pytest.raises(ExtensionNotAllowedError, match="reason"):
        gdpr(at(2027, 1, 31), extension=told(at(2027, 2, 1), reason=reason))


def test_extension_without_a_recorded_notice_is_refused() -> None:
    """Line 6: only if the requester is told."""
    untold = Extension(decided_at=at(2027, 2, 1), reason="a complex request")
    with pytest.raises(ExtensionNotAllowedError, match="must be told"):
        gdpr(at(2027, 1, 31), extension=untold)


def test_extension_notice_sent_after_the_first_month_is_refused() -> None:
    """Line 6: the requester is told within the first month."""
    late = Extension(at(2027, 2, 27), "a complex request", notice_sent_at=at(2027, 3, 1))
    with pytest.raises(ExtensionNotAllowedError, match="within the first period"):
        gdpr(at(2027, 1, 31), extension=late)


def test_extension_notice_before_the_decision_is_refused() -> None:
    """A notice cannot announce a decision not yet taken."""
    early = Extension(at(2027, 2, 10), "a complex request", notice_sent_at=at(2027, 2, 9))
    with pytest.raises(ExtensionNotAllowedError, match="follow the decision"):
        gdpr(at(2027, 1, 31), extension=early)


def test_extension_decided_before_receipt_is_refused() -> None:
    """There is no first period before the request arrives."""
    with pytest.raises(ExtensionNotAllowedError):
        gdpr(at(2027, 1, 31), extension=told(at(2027, 1, 30)))


def test_extension_not_allowed_is_a_conflict() -> None:
    """The API maps it to 409 with the reason."""
    assert issubclass(ExtensionNotAllowedError, ConflictError)
    assert ExtensionNotAllowedError.http_status == 409


# --- pauses while awaiting identity (line 10) --------------------------------------------------


def test_gdpr_clock_pauses_only_when_the_policy_is_on() -> None:
    """Line 10: a pause 3-5 February (three days, both ends counted) moves 28 Feb to 3 Mar."""
    pause = Pause(at(2027, 2, 3, hh=10), at(2027, 2, 5, hh=9))
    on = gdpr(at(2027, 1, 31), pauses=[pause], pause_policy=True)
    off = gdpr(at(2027, 1, 31), pauses=[pause], pause_policy=False)
    assert (on.respond_by.date(), on.paused_days) == (date(2027, 3, 3), 3)
    assert (off.respond_by.date(), off.paused_days) == (date(2027, 2, 28), 0)


def test_pause_within_one_day_counts_that_day() -> None:
    """Line 10: a started day counts as paused."""
    pause = Pause(at(2027, 2, 3, hh=9), at(2027, 2, 3, hh=17))
    assert gdpr(at(2027, 1, 31), pauses=[pause], pause_policy=True).paused_days == 1


def test_overlapping_pauses_count_each_day_once() -> None:
    """Line 10: the deadline moves by the number of paused days, not pause records."""
    pauses = [Pause(at(2027, 2, 3), at(2027, 2, 6)), Pause(at(2027, 2, 5), at(2027, 2, 8))]
    result = gdpr(at(2027, 1, 31), pauses=pauses, pause_policy=True)
    assert (result.paused_days, result.respond_by.date()) == (6, date(2027, 3, 6))


def test_pause_on_the_day_of_receipt_adds_nothing_for_that_day() -> None:
    """Line 6: the day of receipt never counts, so pausing it changes nothing."""
    pause = Pause(at(2027, 1, 31, hh=13), at(2027, 2, 1, hh=9))
    assert gdpr(at(2027, 1, 31), pauses=[pause], pause_policy=True).paused_days == 1


def test_pause_started_after_the_deadline_does_not_revive_it() -> None:
    """Line 10: a pause only stops a clock that is still running."""
    pause = Pause(at(2027, 3, 2), at(2027, 3, 10))
    result = gdpr(at(2027, 1, 31), pauses=[pause], pause_policy=True)
    assert (result.paused_days, result.respond_by.date()) == (0, date(2027, 2, 28))


def test_open_pause_counts_up_to_today_and_needs_now() -> None:
    """Line 10: while still waiting, the deadline moves on each day."""
    pause = Pause(at(2027, 2, 20))
    result = gdpr(at(2027, 1, 31), pauses=[pause], pause_policy=True, now=at(2027, 2, 22))
    assert (result.paused_days, result.clock_paused) == (3, True)
    assert result.respond_by.date() == date(2027, 3, 3)
    with pytest.raises(InvalidInputError, match="open pause"):
        gdpr(at(2027, 1, 31), pauses=[pause], pause_policy=True)


def test_extension_may_be_decided_in_the_days_a_pause_added() -> None:
    """Lines 6, 10: a paused clock also prolongs the window in which the extension may come."""
    pause = Pause(at(2027, 2, 3), at(2027, 2, 5))
    result = gdpr(
        at(2027, 1, 31), pauses=[pause], pause_policy=True, extension=told(at(2027, 3, 2))
    )
    assert result.original_respond_by.date() == date(2027, 3, 3)
    assert result.respond_by.date() == date(2027, 5, 3)


@pytest.mark.parametrize(
    "pause",
    [Pause(at(2027, 1, 30), at(2027, 2, 2)), Pause(at(2027, 2, 5), at(2027, 2, 4))],
    ids=["before-receipt", "ends-before-start"],
)
def test_inconsistent_pauses_are_rejected(pause: Pause) -> None:
    """A pause must lie after receipt and end after it starts."""
    with pytest.raises(InvalidInputError):
        gdpr(at(2027, 1, 31), pauses=[pause], pause_policy=True)


@settings(max_examples=60, deadline=None)
@given(
    jurisdiction=st.sampled_from(Jurisdiction),
    policy=st.booleans(),
    start=st.integers(0, 60),
    length=st.one_of(st.none(), st.integers(0, 40)),
)
def test_where_pauses_do_not_count_they_change_nothing(
    jurisdiction: Jurisdiction, policy: bool, start: int, length: int | None
) -> None:
    """Line 9-10: the request service reads no pauses where pauses_count() says so; that is
    only sound if such pauses never move a deadline."""
    received = at(2027, 1, 31)
    began = received + timedelta(days=start)
    pause = Pause(began, None if length is None else began + timedelta(days=length))
    now = received + timedelta(days=100)
    paused = compute_deadlines(jurisdiction, received, pauses=[pause], pause_policy=policy, now=now)
    plain = compute_deadlines(jurisdiction, received, pause_policy=policy, now=now)
    assert pauses_count(jurisdiction, policy) or paused == plain
    assert pauses_count(Jurisdiction.UK_GDPR, True) and pauses_count(Jurisdiction.GDPR, True)
    assert not pauses_count(Jurisdiction.GDPR, False)
    assert not pauses_count(Jurisdiction.CCPA, True)


def test_ccpa_ignores_the_pause_policy() -> None:
    """Line 9-10: 45 days from receipt whether or not verification is finished; never paused."""
    received = at(2026, 11, 20, tz=LOS_ANGELES)
    pauses = [
        Pause(at(2026, 11, 21, tz=LOS_ANGELES), at(2026, 12, 20, tz=LOS_ANGELES)),
        Pause(at(2026, 12, 21, tz=LOS_ANGELES)),
    ]
    paused = compute_deadlines(
        Jurisdiction.CCPA, received, tz=LOS_ANGELES, pauses=pauses, pause_policy=True
    )
    plain = compute_deadlines(Jurisdiction.CCPA, received, tz=LOS_ANGELES)
    assert paused == plain
    assert (paused.paused_days, paused.clock_paused) == (0, False)


# --- CCPA (line 9) -----------------------------------------------------------------------------


def test_ccpa_answer_is_due_45_calendar_days_after_receipt() -> None:
    """Line 9: respond within 45 calendar days from receipt."""
    result = compute_deadlines(Jurisdiction.CCPA, at(2026, 11, 20, tz=LOS_ANGELES), tz=LOS_ANGELES)
    assert result.respond_by == end_of_day(date(2027, 1, 4), LOS_ANGELES)
    assert (result.max_extension_months_or_days, result.extension_unit) == (45, ExtensionUnit.DAYS)


def test_ccpa_extension_adds_45_days_for_90_in_total() -> None:
    """Line 9: one extension of 45 days with notice and reason."""
    received = at(2026, 11, 20, tz=LOS_ANGELES)
    result = compute_deadlines(
        Jurisdiction.CCPA, received, tz=LOS_ANGELES, extension=told(at(2026, 12, 1))
    )
    assert result.respond_by.date() == date(2026, 11, 20) + timedelta(days=90)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"days": 46}, "1 to 45 days"), ({"months": 1}, "counted in days")],
)
def test_ccpa_extension_beyond_45_days_or_in_months_is_refused(
    kwargs: dict[str, int], message: str
) -> None:
    """Line 9: total at most 90 days, counted in days."""
    with pytest.raises(ExtensionNotAllowedError, match=message):
        compute_deadlines(
            Jurisdiction.CCPA, at(2026, 11, 20), extension=told(at(2026, 12, 1), **kwargs)
        )


def test_ccpa_receipt_confirmation_skips_weekends_and_a_holiday() -> None:
    """Line 9: confirm within 10 business days; Thanksgiving (26 Nov 2026) does not count."""
    received = at(2026, 11, 20, tz=LOS_ANGELES)  # a Friday
    plain = compute_deadlines(Jurisdiction.CCPA, received, tz=LOS_ANGELES)
    thanksgiving = compute_deadlines(
        Jurisdiction.CCPA, received, tz=LOS_ANGELES, holidays=frozenset({date(2026, 11, 26)})
    )
    assert plain.acknowledge_by == end_of_day(date(2026, 12, 4), LOS_ANGELES)
    assert thanksgiving.acknowledge_by == end_of_day(date(2026, 12, 7), LOS_ANGELES)


def test_ccpa_request_received_on_a_saturday_counts_from_monday() -> None:
    """Line 9: business days are counted after receipt; the weekend adds none."""
    assert add_business_days(date(2026, 11, 21), 10) == date(2026, 12, 4)


# --- time left and urgency (issue 2, item 5) ---------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2027, 3, 1, tzinfo=BERLIN), Urgency.OVERDUE),
        (datetime(2027, 2, 28, 23, 59, 59, 999999, tzinfo=BERLIN), Urgency.DUE_SOON),
        (datetime(2027, 2, 21, 23, 59, 59, 999999, tzinfo=BERLIN), Urgency.DUE_SOON),
        (datetime(2027, 2, 25, tzinfo=BERLIN), Urgency.DUE_SOON),
        (datetime(2027, 2, 21, 23, 59, 59, 999998, tzinfo=BERLIN), Urgency.OK),
    ],
    ids=["overdue", "last-instant", "exactly-7-days", "3-days", "just-over-7-days"],
)
def test_urgency_flags_overdue_and_due_within_seven_days(now: datetime, expected: Urgency) -> None:
    """Overdue and due-within-7-days requests are flagged."""
    deadlines = gdpr(at(2027, 1, 31))
    assert urgency(deadlines, now) is expected
    assert urgency_at(deadlines.respond_by, now.astimezone(UTC)) is expected


def test_time_left_is_negative_once_overdue() -> None:
    """The due list sorts by time left; overdue requests come first."""
    deadlines = gdpr(at(2027, 1, 31))
    assert time_left(deadlines, datetime(2027, 2, 28, 23, tzinfo=BERLIN)) > timedelta(0)
    assert time_left(deadlines, datetime(2027, 3, 1, 1, tzinfo=BERLIN)) < timedelta(0)


# --- jurisdictions and notices (lines 7, 9) ----------------------------------------------------


def test_cpra_is_read_as_ccpa_and_unknown_names_are_refused() -> None:
    """CPRA is the CCPA as amended; other names are input errors."""
    assert parse_jurisdiction(" CPRA ") is Jurisdiction.CCPA
    assert parse_jurisdiction("UK_GDPR") is Jurisdiction.UK_GDPR
    with pytest.raises(InvalidInputError, match="jurisdiction"):
        parse_jurisdiction("lgpd")


def test_gdpr_refusal_states_reasons_complaint_and_judicial_remedy() -> None:
    """Line 7: reasons, the right to complain to a supervisory authority, a judicial remedy."""
    notice = build_refusal_notice(Jurisdiction.GDPR, ["manifestly unfounded", " repeat "])
    assert notice.reasons == ("manifestly unfounded", "repeat")
    assert "- manifestly unfounded\n- repeat" in notice.text
    assert "complaint with a supervisory authority" in notice.paragraphs[-1]
    assert "judicial remedy (Article 12(4) GDPR)" in notice.paragraphs[-1]


def test_german_refusal_names_the_same_remedies() -> None:
    """Line 7: the same content in German."""
    notice = build_refusal_notice(Jurisdiction.GDPR, ["offenkundig unbegründet"], language="de")
    assert notice.language is Language.DE
    assert "Aufsichtsbehörde Beschwerde" in notice.text
    assert "gerichtlichen Rechtsbehelf" in notice.text
    assert "Art. 12 Abs. 4 DSGVO" in notice.text


def test_uk_refusal_names_the_ico() -> None:
    """Line 7: under UK GDPR the supervisory authority is the Information Commissioner."""
    assert "Information Commissioner's Office" in refusal_notice(Jurisdiction.UK_GDPR, ["x"])


def test_ccpa_unverifiable_know_refusal_offers_categories_instead() -> None:
    """Line 9: unverifiable 'know' requests fall back to categories."""
    with_fallback = build_refusal_notice(
        Jurisdiction.CCPA, ["identity not verified"], categories_instead=True
    )
    without = build_refusal_notice(Jurisdiction.CCPA, ["identity not verified"])
    assert "categories of personal information" in with_fallback.text
    assert "categories" not in without.text
    assert "supervisory authority" not in with_fallback.text


@pytest.mark.parametrize("reasons", [[], ["ok", "  "]])
def test_refusal_without_reasons_is_rejected(reasons: list[str]) -> None:
    """Line 7: a refusal states its reasons."""
    with pytest.raises(InvalidInputError, match="reason"):
        build_refusal_notice(Jurisdiction.GDPR, reasons)


def test_categories_fallback_is_ccpa_only_and_languages_are_checked() -> None:
    """The categories fall-back is a CCPA rule; only English and German notices exist."""
    with pytest.raises(InvalidInputError, match="CCPA"):
        build_refusal_notice(Jurisdiction.GDPR, ["x"], categories_instead=True)
    with pytest.raises(InvalidInputError, match="language"):
        build_refusal_notice(Jurisdiction.GDPR, ["x"], language="fr")


def test_acknowledgement_gives_the_local_due_date_and_for_ccpa_how_we_verify() -> None:
    """Line 9: the CCPA confirmation says how the request is processed and when to expect it."""
    due = end_of_day(date(2027, 1, 4), LOS_ANGELES)  # 08:00 UTC on 5 January
    ccpa = acknowledgement_text(Jurisdiction.CCPA, "r-1", due, "en", tz=LOS_ANGELES)
    gdpr_de = acknowledgement_text(Jurisdiction.GDPR, "r-2", due, "de", tz=LOS_ANGELES)
    assert "r-1" in ccpa
    assert "2027-01-04" in ccpa
    assert "verify your identity" in ccpa
    assert "spätestens am 2027-01-04" in gdpr_de
    assert "Identität" not in gdpr_de


def test_extension_notice_states_reason_new_date_and_basis() -> None:
    """Line 6: the requester is told of the extension with reasons."""
    text = extension_text(Jurisdiction.GDPR, "r-1", end_of_day(date(2027, 4, 30)), " complex ")
    assert "for this reason: complex" in text
    assert "2027-04-30" in text
    assert "Article 12(3) GDPR" in text
    with pytest.raises(ExtensionNotAllowedError):
        extension_text(Jurisdiction.GDPR, "r-1", end_of_day(date(2027, 4, 30)), " ")


# --- properties --------------------------------------------------------------------------------

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
months = st.integers(min_value=0, max_value=60)
receipts = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(ZONES),
    allow_imaginary=False,
)


@PROPERTY
@given(dates, months)
def test_add_calendar_months_never_skips_a_month_and_never_raises_the_day(d: date, n: int) -> None:
    """Line 6: the result lies n months on, on the same day or its month's last day."""
    result = add_calendar_months(d, n)
    assert result.year * 12 + result.month == d.year * 12 + d.month + n
    assert result.month == (d.month - 1 + n) % 12 + 1
    assert result.day <= d.day
    assert result.day == d.day or result.day == calendar.monthrange(result.year, result.month)[1]


@PROPERTY
@given(dates, dates, months, months)
def test_add_calendar_months_is_monotone(a: date, b: date, m: int, n: int) -> None:
    """Line 6: a later receipt or a longer period never gives an earlier date."""
    a, b = min(a, b), max(a, b)
    m, n = min(m, n), max(m, n)
    assert add_calendar_months(a, n) <= add_calendar_months(b, n)
    assert add_calendar_months(a, m) <= add_calendar_months(a, n)


@PROPERTY
@given(receipts, st.sampled_from(list(Jurisdiction)))
def test_deadline_is_always_after_receipt(received: datetime, jurisdiction: Jurisdiction) -> None:
    """Lines 6, 9: no deadline falls before the request arrived."""
    result = compute_deadlines(jurisdiction, received, tz=received.tzinfo)
    assert result.respond_by > received
    assert result.acknowledge_by is None or received < result.acknowledge_by < result.respond_by


@PROPERTY
@given(receipts, st.sampled_from(GDPR_LIKE))
def test_gdpr_deadline_is_28_to_31_days_after_receipt(
    received: datetime, jurisdiction: Jurisdiction
) -> None:
    """Line 6: one calendar month is never shorter than 28 nor longer than 31 days."""
    result = compute_deadlines(jurisdiction, received, tz=received.tzinfo)
    assert 28 <= (result.respond_by.date() - received.date()).days <= 31


@PROPERTY
@given(receipts, st.none() | st.integers(min_value=1, max_value=45), st.booleans())
def test_ccpa_answer_is_exactly_45_days_plus_the_extension(
    received: datetime, extra: int | None, extend: bool
) -> None:
    """Line 9: 45 calendar days from receipt, up to 90 with the one extension."""
    ext = told(received, days=extra) if extend else None
    result = compute_deadlines(Jurisdiction.CCPA, received, tz=received.tzinfo, extension=ext)
    expected = 45 + ((45 if extra is None else extra) if extend else 0)
    assert (result.respond_by.date() - received.date()).days == expected
    assert result.respond_by.tzinfo is received.tzinfo


@PROPERTY
@given(receipts, st.sampled_from(list(Jurisdiction)), st.floats(0, 1), st.booleans())
def test_extension_never_shortens_the_deadline(
    received: datetime, jurisdiction: Jurisdiction, when: float, longest: bool
) -> None:
    """Line 6: an extension only ever gives more time."""
    tz = received.tzinfo
    plain = compute_deadlines(jurisdiction, received, tz=tz)
    decided = received + (plain.original_respond_by - received) * when
    length = None if longest else 1
    unit = {"months": length} if jurisdiction is not Jurisdiction.CCPA else {"days": length}
    extended = compute_deadlines(jurisdiction, received, tz=tz, extension=told(decided, **unit))
    assert extended.respond_by > plain.respond_by
    assert extended.original_respond_by == plain.respond_by


pause_offsets = st.lists(st.tuples(st.integers(0, 40 * 24), st.integers(0, 10 * 24)), max_size=4)


@PROPERTY
@given(receipts, st.sampled_from(GDPR_LIKE), pause_offsets)
def test_pauses_move_the_gdpr_deadline_by_exactly_the_paused_days(
    received: datetime, jurisdiction: Jurisdiction, offsets: list[tuple[int, int]]
) -> None:
    """Line 10: the deadline moves later by the number of paused days, never earlier."""
    tz = received.tzinfo
    pauses = [
        Pause(received + timedelta(hours=s), received + timedelta(hours=s + length))
        for s, length in offsets
    ]
    plain = compute_deadlines(jurisdiction, received, tz=tz)
    paused = compute_deadlines(jurisdiction, received, tz=tz, pauses=pauses, pause_policy=True)
    shift = (paused.respond_by.date() - plain.respond_by.date()).days
    assert shift == paused.paused_days >= 0
    assert paused.paused_days <= sum(length // 24 + 2 for _, length in offsets)


@PROPERTY
@given(dates, st.integers(0, 30), st.frozensets(dates, max_size=20))
def test_business_days_land_on_a_working_day_after_exactly_n_of_them(
    d: date, n: int, holidays: frozenset[date]
) -> None:
    """Line 9: the confirmation date is the n-th weekday after receipt that is not a holiday."""
    result = add_business_days(d, n, holidays)
    days = [d + timedelta(days=i) for i in range(1, (result - d).days + 1)]
    working = [x for x in days if x.weekday() < 5 and x not in holidays]
    assert len(working) == n
    assert n == 0 or working[-1] == result


@pytest.mark.parametrize("reason", ["\x00\u200b", "\u200b", "see \u202eelow"])
def test_a_refusal_reason_is_words_the_requester_can_read(reason: str) -> None:
    """A reason of a NUL byte and a zero-width space was mailed as the refusal's reasons."""
    with pytest.raises(InvalidInputError, match="a reason: "):
        build_refusal_notice(Jurisdiction.GDPR, [reason])


@pytest.mark.parametrize("kind", [RequestType.OBJECTION, RequestType.RESTRICTION])
def test_a_ccpa_opt_out_or_limit_is_due_in_15_business_days_and_never_extended(
    kind: RequestType,
) -> None:
    """Cal. Code Regs. tit. 11, §7026(f), §7027(g) (REQUIREMENTS.md:3): opt-outs of sale or
    sharing and limits on sensitive information are acted on within 15 business days; they
    were given the 45 days of a request to know, and its extension."""
    received = at(2026, 12, 1)  # a Tuesday
    due = compute_deadlines(Jurisdiction.CCPA, received, kind=kind, tz=BERLIN)
    assert due.respond_by == end_of_day(date(2026, 12, 22), BERLIN)
    assert due.acknowledge_by is None
    with pytest.raises(ExtensionNotAllowedError, match="15 business days"):
        ensure_can_extend(due, told(at(2026, 12, 5)))
    know = compute_deadlines(Jurisdiction.CCPA, received, kind=RequestType.ACCESS, tz=BERLIN)
    assert know.respond_by == end_of_day(date(2027, 1, 15), BERLIN)


def test_an_opt_out_is_acknowledged_without_promising_a_verification() -> None:
    """§7060(b): an opt-out or limit request needs no verification, so the receipt says so."""
    due = at(2026, 12, 22)
    opt_out = acknowledgement_text(Jurisdiction.CCPA, "r1", due, kind=RequestType.OBJECTION)
    assert "without asking you to prove who you are" in opt_out and "verify" not in opt_out
    know = acknowledgement_text(Jurisdiction.CCPA, "r1", due, kind=RequestType.ACCESS)
    assert "we will verify your identity" in know


def test_an_extension_gives_the_requester_a_reason_they_can_read() -> None:
    """A reason of "x" was mailed as the reason, and used up the one extension allowed."""
    received = at(2026, 3, 2)
    with pytest.raises(InvalidInputError, match="at least 10 visible characters"):
        gdpr(received, extension=told(at(2026, 3, 10), reason="x"))
