"""Restriction of processing (REQUIREMENTS.md:25, Art. 18 and 19): the ground of Art. 18(1), the
categories restricted, the recipients told, and the rule that the person is told before the
restriction is lifted (Art. 18(3))."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.notices import remedies
from rightful.domain.restriction import (
    Ground,
    check_can_lift,
    check_lift_day,
    lift_reason,
    lifting_text,
    restriction,
    restriction_text,
)

RID = "0f3a9c2e-1111-4222-8333-444455556666"
TODAY = date(2026, 12, 5)
DATAMAP = load_datamap(list(DATAMAP_FILES))


def test_a_restriction_keeps_its_categories_in_order_once() -> None:
    placed = restriction("D", ["user.contact", "user.behavior", "user.contact"], 2, DATAMAP)
    assert placed.ground is Ground.OBJECTION_PENDING
    assert placed.categories == ("user.contact", "user.behavior")
    assert placed.recipients_told == 2


@pytest.mark.parametrize(
    ("ground", "categories", "told", "reason"),
    [
        ("e", ["user.contact"], 0, "Art. 18(1)"),
        ("a", [], 0, "name the data categories"),
        ("a", ["anna@example.org"], 0, "not a data category name"),
        # A restriction in force for a category nobody holds bound no system (house rule).
        ("a", ["not.a.cat"], 0, "'not.a.cat' is not a data category of the data map"),
        ("a", ["user.contact.emial"], 0, "'user.contact.emial' is not a data category of the"),
        ("a", ["user.contact"], -1, "0 to 1,000,000"),
        ("a", ["user.contact"], 10**23, "0 to 1,000,000"),  # overflowed the store's integer
    ],
)
def test_a_restriction_that_cannot_be_right_is_refused_with_what_to_fix(
    ground: str, categories: list[str], told: int, reason: str
) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(reason)):
        restriction(ground, categories, told, DATAMAP)


def test_the_person_is_told_what_is_restricted_why_and_that_they_hear_before_it_lifts() -> None:
    placed = restriction("a", ["user.contact"], 1, DATAMAP)
    text = restriction_text(placed, RID, "en", "gdpr", remedies(Jurisdiction.GDPR, "en"))
    assert "Article 18 GDPR" in text and "Article 18(1)(a)" in text
    assert "contested the accuracy" in text
    assert "The restriction covers: contact details." in text and "user." not in text
    assert "We will tell you before the restriction is lifted (Article 18(3))" in text
    assert (
        "We told the recipient to whom we had disclosed your data about the restriction "
        "(Article 19)." in text
    )
    assert text.endswith(remedies(Jurisdiction.GDPR, "en"))


def test_german_and_uk_notices_name_their_own_law() -> None:
    placed = restriction("c", ["user.content"], 0, DATAMAP)
    german = restriction_text(placed, RID, "de", "gdpr", remedies(Jurisdiction.GDPR, "de"))
    assert "Art. 18 DSGVO" in german and "Art. 18 Abs. 1 Buchst. c" in german
    assert "Bevor wir die Einschränkung aufheben" in german and "Empfänger" not in german
    assert "Die Einschränkung umfasst: Ihre Inhalte." in german and "user." not in german
    uk = restriction_text(placed, RID, "en", "uk_gdpr", remedies(Jurisdiction.UK_GDPR, "en"))
    assert "Article 18 UK GDPR" in uk


def test_the_lifting_notice_gives_the_day_and_the_reason_as_written() -> None:
    why = lift_reason("  We verified that your postal address is correct.  ")
    text = lifting_text(RID, date(2027, 1, 30), why, "en", remedies(Jurisdiction.GDPR, "en"))
    assert "on 2027-01-30. Why: We verified that your postal address is correct." in text
    assert "tell us before then" in text
    with pytest.raises(InvalidInputError, match="20 to 2000 characters"):
        lift_reason("verified")


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=-30, max_value=90))
def test_a_lifting_day_is_accepted_exactly_when_it_leaves_the_notice_period(
    notice_days: int, offset: int
) -> None:
    """Art. 18(3): told *before* it lifts; the house rule gives the person `notice_days`."""
    day = TODAY + timedelta(days=offset)
    if offset >= notice_days:
        assert check_lift_day(day, TODAY, notice_days) == day
    else:
        with pytest.raises(InvalidInputError, match="announce a day on or after"):
            check_lift_day(day, TODAY, notice_days)


def test_a_lifting_day_years_away_is_no_plan_to_announce() -> None:
    with pytest.raises(InvalidInputError, match="not one years away"):
        check_lift_day(date(9999, 12, 31), TODAY, 14)
    assert check_lift_day(TODAY + timedelta(days=14 + 366), TODAY, 14)


@given(st.one_of(st.none(), st.integers(min_value=-30, max_value=30)), st.booleans())
def test_a_restriction_lifts_only_once_announced_and_not_before_its_day(
    announced: int | None, lifted: bool
) -> None:
    lifts_on = None if announced is None else TODAY + timedelta(days=announced)
    if lifted or lifts_on is None or lifts_on > TODAY:
        with pytest.raises(ConflictError):
            check_can_lift(lifts_on, TODAY, lifted)
    else:
        check_can_lift(lifts_on, TODAY, lifted)
