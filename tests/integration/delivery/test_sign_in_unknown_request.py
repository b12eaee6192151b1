"""Portal sign-in for a request id that no request has. A request without a verified channel
gets a decoy code under the resend wait and the window's cap, so that asking tells nothing; an
id no request has was answered at once, every time, so eleven asks told whoever held an id (or
made one up, or tried a short reference) whether the request existed: only a real one answered
429. Now it meets the same limits, kept in the store like codes, and is answered alike
(REQUIREMENTS.md:16, "Identity": forged requests in a third party's name; an answer that says
"this request exists" is the first step of one)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from rightful.adapters.db.delivery import UnknownSignInAskRow
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal

from .conftest import ANNA_MAIL, Desk, make_desk
from .test_portal import submit
from .test_portal_codes import _words, stranger_asks
from .test_sign_in_after_closing import _answer

Answer = tuple[int, str, str | None]
PUBLIC = Principal(id="public", role=None)


def asks(desk: Desk, rid: str, gaps: list[int]) -> list[Answer]:
    """A stranger asks for a sign-in code after each gap (seconds): status, words, Retry-After."""
    stranger, seen = desk.another_browser(), []
    for gap in gaps:
        desk.world.clock.advance(timedelta(seconds=gap))
        status, text, wait = stranger_asks(stranger, rid)
        seen.append((status, _words(text, rid), wait))
    return seen


def made_up() -> str:
    return str(uuid.uuid4())


def unknown_asks(desk: Desk) -> int:
    with desk.c.store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(UnknownSignInAskRow)) or 0)


def test_an_unknown_id_meets_the_cap_of_a_request_with_no_verified_channel(desk: Desk) -> None:
    """Eleven asks in a day: ten answered "sent", the eleventh 429 with the same page and
    Retry-After, for an id no request has as for a request never verified (a decoy)."""
    answers = {"decoy": asks(desk, submit(desk), [0] * 11)}
    head = desk.c.audit.head().last_seq
    answers["unknown"] = asks(desk, made_up(), [0] * 11)
    assert answers["unknown"] == answers["decoy"]
    assert [a[0] for a in answers["unknown"]] == [200] * 10 + [429]
    assert answers["unknown"][-1][2] == str(24 * 3600)
    assert "or ask again in 24 hours" in answers["unknown"][-1][1]
    assert desk.c.audit.head().last_seq == head  # no request: nothing in the chain


def test_an_unknown_id_meets_the_resend_wait_of_a_request_with_no_verified_channel(
    tmp_path: Path,
) -> None:
    desk = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, resend_interval_seconds=60)
    try:
        gaps = [0, 0, 30, 30, 59, 1]
        answers = {"decoy": asks(desk, submit(desk), gaps), "unknown": asks(desk, made_up(), gaps)}
        assert answers["unknown"] == answers["decoy"]
        seen = [(status, wait) for status, _, wait in answers["unknown"]]
        assert seen == [(200, None), (429, "60"), (429, "30"), (200, None), (429, "1"), (200, None)]
    finally:
        desk.c.store.engine.dispose()


def test_the_limits_of_an_unknown_id_hold_across_processes(desk: Desk, tmp_path: Path) -> None:
    """Another server on the same store (or this one restarted) refuses the eleventh ask too."""
    rid = made_up()
    asks(desk, rid, [0] * 10)
    other = make_desk(f"sqlite:///{tmp_path}/rightful.db", tmp_path)
    try:
        [(status, _, wait)] = asks(other, rid, [0])
        assert (status, wait) == (429, str(24 * 3600))
    finally:
        other.c.store.engine.dispose()


def test_asks_for_unknown_ids_are_forgotten_once_they_count_for_no_limit(desk: Desk) -> None:
    """The daily job's cleanup removes an ask when the window has passed, never before: an ask
    that still counts keeps refusing."""
    portal, rid = desk.web.portal, made_up()
    asks(desk, rid, [0] * 10)
    desk.world.clock.advance(timedelta(hours=24) - timedelta(seconds=1))
    assert portal.forget_unknown_asks() == 0 and unknown_asks(desk) == 10
    assert asks(desk, rid, [0])[0][::2] == (429, "1")
    desk.world.clock.advance(timedelta(seconds=1))
    assert portal.forget_unknown_asks() == 10 and unknown_asks(desk) == 0
    assert asks(desk, rid, [0])[0][::2] == (200, None)
    assert unknown_asks(desk) == 1


def test_an_ask_is_kept_while_a_resend_wait_longer_than_the_window_still_counts(
    tmp_path: Path,
) -> None:
    desk = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, resend_interval_seconds=30 * 3600)
    try:
        rid = made_up()
        asks(desk, rid, [0])
        desk.world.clock.advance(timedelta(hours=25))
        assert desk.web.portal.forget_unknown_asks() == 0
        assert asks(desk, rid, [0])[0][::2] == (429, str(5 * 3600))
        desk.world.clock.advance(timedelta(hours=30))
        assert desk.web.portal.forget_unknown_asks() == 1
    finally:
        desk.c.store.engine.dispose()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from([0, 1, 60, 3600, 6 * 3600, 86400]), st.integers(1, 6)),
        max_size=12,
    )
)
def test_whatever_anyone_asks_an_unknown_id_answers_as_a_request_with_no_verified_channel(
    desk: Desk, steps: list[tuple[int, int]]
) -> None:
    """Any sequence of asks (bursts after a gap), at any pace, with the daily cleanup run
    between them: the same answers and waits for an id no request has as for a request whose
    codes are decoys."""
    new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email=ANNA_MAIL)
    rids = {"decoy": desk.c.requests.submit(new, PUBLIC).id, "unknown": made_up()}
    answers: dict[str, list[str]] = {"decoy": [], "unknown": []}
    for gap, burst in steps:
        desk.world.clock.advance(timedelta(seconds=gap))
        desk.web.portal.forget_unknown_asks()
        for kind, rid in rids.items():
            answers[kind] += [_answer(desk, rid) for _ in range(burst)]
    assert answers["unknown"] == answers["decoy"]
