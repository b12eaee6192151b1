"""People an Art. 34 communication has not told: each is told "without undue delay" from when
they could be (REQUIREMENTS.md:30), so each has a due time of their own; and an incident whose
people must be told closes with some untold only on a recorded Art. 34(3) exception
(REQUIREMENTS.md:30, "Exemptions ... need a recorded justification"; :32, provable)."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.incident_clocks import BUILTIN_REGIMES
from rightful.domain.incident_untold import (
    MIN_UNTOLD_JUSTIFICATION,
    Sent,
    Untold,
    UntoldException,
    check_closing,
    closing_exception,
    due_of,
    joined,
    never_told,
    reached,
    untold_of,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOURS = 72  # the gdpr regime's subjects_hours: rightful's target for "without undue delay"
WHY = "The data was encrypted with a key that never left the vault."


def test_someone_added_after_the_notice_went_out_is_due_from_when_they_were_added() -> None:
    sent = T0 + timedelta(hours=70)
    added = T0 + timedelta(days=10)
    assert due_of(added, sent, HOURS) == added + timedelta(hours=HOURS)


def test_someone_in_the_scope_whom_the_notice_missed_is_due_from_when_it_went_out() -> None:
    """The notice's own deadline (72 hours after awareness) was met when it went out; the
    person it did not reach is told without undue delay from then, not from awareness (which
    would make them overdue the moment the mail service refused them)."""
    sent = T0 + timedelta(hours=70)
    assert due_of(T0, sent, HOURS) == sent + timedelta(hours=HOURS)
    assert due_of(None, sent, HOURS) == sent + timedelta(hours=HOURS)


def test_a_regime_without_a_fixed_time_gives_no_due_time() -> None:
    assert due_of(T0, T0, None) is None


def test_whom_a_notice_reached_is_told_by_their_last_attempt() -> None:
    """A failed attempt sent again and delivered told them; one delivered, then refused on a
    later attempt (the notice sent again to everyone), is read by that last outcome."""
    attempts = [("anna", "failed"), ("carl", "sent"), ("anna", "sent"), ("carl", "failed"),
                ("dora", "no_address")]  # fmt: skip
    assert reached(attempts) == {"anna"}


def test_each_sent_notice_names_the_people_of_the_scope_it_did_not_reach() -> None:
    """Under GDPR each is due 72 hours after they came into the scope (or after the notice went
    out, if they were in it before); California's regime gives them no fixed time."""
    gdpr, ccpa = BUILTIN_REGIMES["gdpr"], BUILTIN_REGIMES["ccpa"]
    sent_at, added = T0 + timedelta(hours=10), T0 + timedelta(days=3)
    notices = [Sent("n1", "gdpr", sent_at, {"anna"}), Sent("n2", "ccpa", sent_at, set())]
    untold = untold_of(notices, ("anna", "carl", "dora"), {"dora": added}, (gdpr, ccpa))
    assert untold["n1"] == Untold(
        "n1",
        "gdpr",
        {"carl": sent_at + timedelta(hours=HOURS), "dora": added + timedelta(hours=HOURS)},
    )
    assert untold["n2"] == Untold("n2", "ccpa", {"anna": None, "carl": None, "dora": None})


def test_the_untold_are_overdue_one_by_one_and_the_reminder_mark_follows() -> None:
    u = Untold("n1", "gdpr", {"p1": T0, "p2": T0 + timedelta(hours=30), "p3": None})
    assert u.due_at == T0
    assert u.overdue(T0) == () and u.overdue(T0 + timedelta(minutes=1)) == ("p1",)
    marks = (24, 6)
    # nothing reached, then 24 hours before p2's due time, then overdue: three reminders
    before = u.mark(T0 - timedelta(hours=30), marks)
    day_before = u.mark(T0 - timedelta(hours=20), marks)
    assert len({before, day_before, u.mark(T0 + timedelta(minutes=1), marks)}) == 3
    # the same people in the same state: the same mark, no second reminder
    assert u.mark(T0 - timedelta(hours=21), marks) == day_before
    assert Untold("n1", "gdpr", {}).mark(T0, marks) is None


def test_closing_with_people_never_told_needs_an_art_34_3_exception() -> None:
    untold = {"gdpr": {"p1", "p2"}}
    with pytest.raises(
        ConflictError, match=r"2 people of the scope must be told .* and were not.*exception"
    ):
        check_closing(untold, None)
    given_ = closing_exception("public_communication", WHY)
    assert given_ is not None and given_.exception is UntoldException.PUBLIC_COMMUNICATION
    assert check_closing(untold, given_) == 2
    assert check_closing({}, None) == 0
    with pytest.raises(InvalidInputError, match="everyone of the scope was told"):
        check_closing({}, given_)


@pytest.mark.parametrize(
    ("exception", "justification", "reason"),
    [
        ("because", WHY, "one of unintelligible, risk_removed, public_communication"),
        (None, WHY, "name the Art. 34(3) exception"),
        ("unintelligible", None, f"at least {MIN_UNTOLD_JUSTIFICATION}"),
        ("unintelligible", "short", f"at least {MIN_UNTOLD_JUSTIFICATION}"),
    ],
)
def test_an_exception_is_named_and_justified(
    exception: str | None, justification: str | None, reason: str
) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(reason)):
        closing_exception(exception, justification)


def test_someone_the_other_language_told_is_not_untold() -> None:
    english = Untold("en", "gdpr", {"p1": T0, "p2": T0})
    german = Untold("de", "gdpr", {"p2": T0, "p3": T0})
    other = Untold("ca", "ccpa", {"p9": None})
    assert never_told([english, german, other], {"gdpr"}) == {"gdpr": {"p2"}}


PEOPLE = st.sampled_from([f"p{i}" for i in range(6)])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("scope"), st.frozensets(PEOPLE, max_size=6)),
        st.tuples(st.just("send"), st.frozensets(PEOPLE, max_size=6)),  # whom it reached
    ),
    min_size=1,
    max_size=12,
)


@given(STEPS, st.integers(min_value=1, max_value=200), st.randoms(use_true_random=False))
def test_nobody_in_scope_ends_untold_without_a_due_time_or_a_recorded_exception(
    steps: list[tuple[str, frozenset[str]]], gap_hours: int, rnd: random.Random
) -> None:
    """Whatever order the scope changes and the notice goes (and again) in: each person of
    the final scope is told, or has a due time no earlier than when they could be told and at
    most the regime's hours after it; and closing with any of them untold is refused unless an
    exception is recorded, which then counts exactly them."""
    at, scopes, sent_at, reached = T0, [(T0, frozenset({"p0"}))], None, set()
    for kind, people in steps:
        at += timedelta(hours=gap_hours)
        if kind == "scope":
            scopes.append((at, people))
        else:
            sent_at = sent_at or at
            reached |= people & scopes[-1][1]  # a notice mails the scope of its time
    current = scopes[-1][1]
    if sent_at is None:
        return  # nothing went out: the notice's own deadline governs (incident_clocks)
    since = joined(rnd.sample(scopes, len(scopes)))  # the order they are read in is irrelevant
    assert since == joined(scopes)
    due = {p: due_of(since.get(p), sent_at, HOURS) for p in current if p not in reached}
    for person, when in due.items():
        start = max(since[person], sent_at)
        assert when is not None and start <= when <= start + timedelta(hours=HOURS)
    untold = never_told([Untold("n", "gdpr", due)], {"gdpr"})
    if not due:
        assert check_closing(untold, None) == 0
        return
    with pytest.raises(ConflictError):
        check_closing(untold, None)
    assert check_closing(untold, closing_exception("risk_removed", WHY)) == len(due)
