"""The request lifecycle: every move is in the table or refused; no sequence of calls escapes it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from rightful.domain.errors import (
    IllegalTransitionError,
    InvalidInputError,
    PermissionDeniedError,
    RightfulError,
)
from rightful.domain.lifecycle import (
    ALLOWED,
    IDENTITY_WAIT,
    OPEN,
    TERMINAL,
    Role,
    Status,
    check_manual_move,
    check_transition,
    transition,
)

HAPPY_PATH = [
    Status.RECEIVED,
    Status.AWAITING_VERIFICATION,
    Status.VERIFIED,
    Status.COLLECTING,
    Status.IN_REVIEW,
    Status.APPROVED,
    Status.DELIVERED,
    Status.CLOSED,
]


def test_the_happy_path_is_allowed_step_by_step() -> None:
    for source, target in itertools.pairwise(HAPPY_PATH):
        step = transition(source, target, held_from=None, actor="key:a", role=Role.ADMIN)
        assert (step.source, step.target) == (source, target)


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
def test_terminal_statuses_have_no_way_out(terminal: Status) -> None:
    for target in Status:
        with pytest.raises(IllegalTransitionError):
            check_transition(terminal, target, held_from=None, role=Role.ADMIN, reason="x")


def test_skipping_verification_is_refused_with_a_reason() -> None:
    with pytest.raises(IllegalTransitionError, match="from received to collecting"):
        check_transition(
            Status.RECEIVED, Status.COLLECTING, held_from=None, role=Role.ADMIN, reason=""
        )


def test_nothing_is_delivered_without_approval() -> None:
    for source in Status:
        if source is not Status.APPROVED:
            assert Status.DELIVERED not in ALLOWED[source]


def test_approval_needs_a_reviewer() -> None:
    with pytest.raises(PermissionDeniedError, match="reviewer"):
        check_transition(
            Status.IN_REVIEW, Status.APPROVED, held_from=None, role=Role.AGENT, reason=""
        )
    check_transition(
        Status.IN_REVIEW, Status.APPROVED, held_from=None, role=Role.REVIEWER, reason=""
    )


@pytest.mark.parametrize("current", sorted(OPEN - {Status.ON_HOLD}))
def test_an_agent_cancels_only_a_request_still_waiting_for_its_requesters_identity(
    current: Status,
) -> None:
    """Ending a verified request unanswered is a decision: the lowest role (the one OpenDSR
    senders get) silently cancelled a direct-marketing objection."""
    if Status.CANCELLED not in ALLOWED[current]:
        return
    if current in IDENTITY_WAIT:
        check_transition(current, Status.CANCELLED, held_from=None, role=Role.AGENT, reason="dup")
        return
    with pytest.raises(PermissionDeniedError, match="reviewer role once its requester"):
        check_transition(current, Status.CANCELLED, held_from=None, role=Role.AGENT, reason="dup")
    check_transition(current, Status.CANCELLED, held_from=None, role=Role.REVIEWER, reason="dup")


def test_a_verified_request_is_closed_by_its_outcome_not_by_hand() -> None:
    """Closing tells the requester the outcome (Art. 12(3)); a bare move told nobody."""
    with pytest.raises(IllegalTransitionError, match="closed by its outcome"):
        check_manual_move(Status.CLOSED, Status.VERIFIED)
    check_manual_move(Status.CLOSED, Status.DELIVERED)


@pytest.mark.parametrize("waiting", [Status.RECEIVED, Status.AWAITING_VERIFICATION])
def test_a_request_waiting_for_its_requester_closes_only_with_its_answer(waiting: Status) -> None:
    """REQUIREMENTS.md:15 (§7026(c), §7027): a CCPA opt-out or limit is answered unverified;
    that answer is the only way from these statuses to closed, never a bare move."""
    check_transition(waiting, Status.CLOSED, held_from=None, role=Role.DPO, reason="")
    with pytest.raises(IllegalTransitionError, match="closed by its outcome"):
        check_manual_move(Status.CLOSED, waiting)


@pytest.mark.parametrize(
    ("reason", "said"),
    [("\x00\u200b", "contains control characters"), ("\u200b\u200b", "1 visible character"),
     ("\u202edlrow olleh", "contains control characters")],
)  # fmt: skip
def test_a_reason_is_words_someone_can_read(reason: str, said: str) -> None:
    """A cancellation made of a NUL byte and a zero-width space was accepted (and a refusal
    or extension of them was mailed to the requester)."""
    with pytest.raises(InvalidInputError, match=said):
        check_transition(
            Status.RECEIVED, Status.CANCELLED, held_from=None, role=Role.DPO, reason=reason
        )


def test_refusal_needs_a_dpo_and_a_reason() -> None:
    """REQUIREMENTS.md, Art. 12(4): a refusal is told with reasons."""
    with pytest.raises(PermissionDeniedError):
        check_transition(
            Status.VERIFIED,
            Status.REJECTED,
            held_from=None,
            role=Role.REVIEWER,
            reason="manifestly unfounded",
        )
    with pytest.raises(InvalidInputError, match="needs a reason"):
        check_transition(
            Status.VERIFIED, Status.REJECTED, held_from=None, role=Role.DPO, reason="  "
        )


def test_on_hold_returns_only_where_it_came_from() -> None:
    held = transition(
        Status.AWAITING_VERIFICATION,
        Status.ON_HOLD,
        held_from=None,
        actor="system",
        role=None,
        reason="waiting for the requester",
    )
    assert held.held_from is Status.AWAITING_VERIFICATION
    with pytest.raises(IllegalTransitionError, match="returns to awaiting_verification"):
        check_transition(
            Status.ON_HOLD, Status.VERIFIED, held_from=held.held_from, role=Role.ADMIN, reason=""
        )
    back = transition(
        Status.ON_HOLD,
        Status.AWAITING_VERIFICATION,
        held_from=held.held_from,
        actor="system",
        role=None,
    )
    assert back.held_from is None


class LifecycleMachine(RuleBasedStateMachine):
    """Random sequences of move attempts by random roles never reach a state outside the table."""

    def __init__(self) -> None:
        super().__init__()
        self.status = Status.RECEIVED
        self.held_from: Status | None = None
        self.history: list[Status] = [Status.RECEIVED]

    @rule(
        goal=st.sampled_from(Status),
        role=st.sampled_from([None, *Role]),
        reason=st.sampled_from(["", "requester asked"]),
    )
    def attempt(self, goal: Status, role: Role | None, reason: str) -> None:
        before = self.status
        try:
            step = transition(
                self.status, goal, held_from=self.held_from, actor="t", role=role, reason=reason
            )
        except RightfulError:
            assert self.status is before
            return
        assert goal in ALLOWED[before]
        self.status, self.held_from = step.target, step.held_from
        self.history.append(self.status)

    @invariant()
    def stays_in_the_table(self) -> None:
        for source, target in zip(self.history, self.history[1:], strict=False):
            assert target in ALLOWED[source]

    @invariant()
    def hold_remembers_where_it_came_from(self) -> None:
        assert (self.status is Status.ON_HOLD) == (self.held_from is not None)
        if self.held_from is not None:
            assert self.held_from in OPEN

    @invariant()
    def delivered_only_after_approved(self) -> None:
        if Status.DELIVERED in self.history:
            i = self.history.index(Status.DELIVERED)
            assert self.history[i - 1] is Status.APPROVED


TestLifecycleMachine = LifecycleMachine.TestCase
TestLifecycleMachine.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)


@given(st.sampled_from(sorted(OPEN)), st.sampled_from(Status))
def test_every_refusal_names_both_statuses(source: Status, target: Status) -> None:
    if target in ALLOWED[source]:
        return
    with pytest.raises(IllegalTransitionError) as caught:
        check_transition(source, target, held_from=None, role=Role.ADMIN, reason="r")
    assert str(source) in str(caught.value) and str(target) in str(caught.value)


@pytest.mark.parametrize("held", [Status.VERIFIED, Status.COLLECTING, Status.IN_REVIEW])
def test_staff_resume_a_request_from_hold_into_the_status_it_was_held_in(held: Status) -> None:
    """The evidence for `held` was produced before the hold; resuming is not a shortcut."""
    check_manual_move(held, Status.ON_HOLD, held)
    with pytest.raises(IllegalTransitionError):
        check_manual_move(held, Status.ON_HOLD, Status.AWAITING_VERIFICATION)
    with pytest.raises(IllegalTransitionError):
        check_manual_move(held)


@pytest.mark.parametrize("held", sorted(set(Status) - IDENTITY_WAIT - {Status.ON_HOLD}))
def test_only_a_request_held_before_verification_may_expire(held: Status) -> None:
    """REQUIREMENTS.md:7: the expiry notice says the requester was never verified; a verified
    request held later must not be told that."""
    with pytest.raises(IllegalTransitionError, match="waiting for the requester's identity"):
        check_transition(Status.ON_HOLD, Status.EXPIRED, held_from=held, role=Role.DPO,
                         reason="no answer")  # fmt: skip
    for waiting in IDENTITY_WAIT:
        check_transition(Status.ON_HOLD, Status.EXPIRED, held_from=waiting, role=Role.DPO,
                         reason="no answer")  # fmt: skip


def test_words_that_go_to_the_requester_are_plain_text() -> None:
    """An answer, a lifting reason and an exclusion's reason refuse what a reason refuses."""
    from rightful.adapters.datamap.fides_yaml import load_datamap
    from rightful.demo.estate import DATAMAP_FILES
    from rightful.domain.exclusions import exclusion
    from rightful.domain.restriction import lift_reason

    reversed_text = "The restriction ends: \u202eyadot\u202c we corrected the data."
    with pytest.raises(InvalidInputError, match="contains control characters"):
        lift_reason(reversed_text)
    with pytest.raises(InvalidInputError, match="contains control characters"):
        exclusion("speaker.recordings", ["1"], None, "\x00" * 30, load_datamap(DATAMAP_FILES))
