"""Sign-in codes for a request that is over (closed, or answered with a package). Its requester
comes back for the outcome and the download while those last; whoever holds its id (no secret)
could otherwise keep mailing them ten codes a day for ever. So a request that is over is sent
at most `sign_in_codes_after_closing` (3) codes a window, and none once
`sign_in_days_after_closing` (30) have passed since it ended and its download links expired.
The public answer stays the same as for an open request, so that it tells nobody whether a
request is over (REQUIREMENTS.md, Identity: no oracle; Art. 12(2): the controller facilitates
the exercise of the rights, here by leaving the requester in peace)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightful.domain.errors import RightfulError
from rightful.domain.lifecycle import Role, Status
from rightful.domain.staff import Principal

from .conftest import ANNA, ANNA_MAIL, Desk, make_desk
from .test_portal_codes import _words, stranger_asks, verified

DPO = Principal("cli:dora", Role.DPO)


def closed(desk: Desk, rid: str | None = None) -> str:
    """A verified request its DPO closed (answered in words, say)."""
    rid = rid or verified(desk)
    desk.c.requests.move(rid, Status.CLOSED, DPO, "answered by letter")
    return rid


def mails_about(desk: Desk, rid: str) -> int:
    return sum(1 for m in desk.mailer.to(ANNA_MAIL) if f"request {rid[:8]}" in m.text)


def withheld(desk: Desk, rid: str) -> list[dict[str, object]]:
    return [dict(e.summary) for e in desk.c.audit.timeline(rid)
            if e.action == "portal.sign_in_code_withheld"]  # fmt: skip


def test_a_closed_request_is_sent_three_codes_a_day_answered_as_an_open_one_is(
    desk: Desk,
) -> None:
    answers: dict[str, list[tuple[int, str, str | None]]] = {}
    sent: dict[str, int] = {}
    rids = {"open": verified(desk), "closed": closed(desk)}
    for kind, rid in rids.items():
        before = mails_about(desk, rid)
        stranger = desk.another_browser()
        seen = [stranger_asks(stranger, rid) for _ in range(11)]
        answers[kind] = [(status, _words(text, rid), wait) for status, text, wait in seen]
        sent[kind] = mails_about(desk, rid) - before
    assert answers["closed"] == answers["open"]
    assert [a[0] for a in answers["closed"]] == [200] * 10 + [429]
    assert sent == {"open": 10, "closed": 3}
    held = withheld(desk, rids["closed"])
    assert len(held) == 7 and {frozenset(h) for h in held} == {
        frozenset({"code_id", "reason", "codes", "window_hours"})
    }
    assert {(h["reason"], h["codes"], h["window_hours"]) for h in held} == {("closed_cap", 3, 24)}
    desk.world.clock.advance(timedelta(hours=24))
    stranger_asks(desk.another_browser(), rids["closed"])
    assert mails_about(desk, rids["closed"]) == 4  # a new window, within the 30 days


def test_a_month_after_closing_no_sign_in_mail_goes_out_and_the_answer_is_the_same(
    desk: Desk,
) -> None:
    rid = closed(desk)
    before = mails_about(desk, rid)
    desk.world.clock.advance(timedelta(days=30))
    status, text, _ = stranger_asks(desk.another_browser(), rid)
    assert status == 200 and mails_about(desk, rid) == before
    [held] = withheld(desk, rid)
    assert held["reason"] == "period_over" and held["days"] == 30
    assert set(held) == {"code_id", "reason", "days"}
    fresh = verified(desk)
    assert _words(text, rid) == _words(stranger_asks(desk.another_browser(), fresh)[1], fresh)


def test_an_answered_request_gets_sign_in_codes_while_its_download_link_works(
    tmp_path: Path,
) -> None:
    """With no days after closing, the download period alone decides: the link of the "ready"
    mail works 14 days (`link_ttl_days`), and the portal's sign-in opens its download too."""
    desk = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, sign_in_days_after_closing=0)
    try:
        delivered = desk.deliver()
        rid = delivered.request_id
        desk.world.clock.advance(timedelta(days=13))
        before = mails_about(desk, rid)
        stranger_asks(desk.another_browser(), rid)
        assert mails_about(desk, rid) == before + 1
        desk.world.clock.advance(timedelta(days=1))
        assert stranger_asks(desk.another_browser(), rid)[0] == 200
        assert mails_about(desk, rid) == before + 1
        assert [h["reason"] for h in withheld(desk, rid)] == ["period_over"]
    finally:
        desk.c.store.engine.dispose()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(gaps=st.lists(st.sampled_from([0, 60, 3600, 6 * 3600, 86400, 10 * 86400]), max_size=16))
def test_whatever_anyone_asks_a_closed_request_answers_as_an_open_one_and_mails_little(
    desk: Desk, gaps: list[int]
) -> None:
    """Any sequence of asks, at any pace: the same answers (and waits) as an open request's,
    at most three mails in any 24 hours, none 30 days after closing."""
    made = [desk.world.request_for(ANNA, high=False) for _ in range(2)]  # by an e-mail code
    rids = {"open": made[0], "closed": closed(desk, made[1])}
    ended = desk.world.clock.now()
    answers: dict[str, list[str]] = {"open": [], "closed": []}
    for gap in gaps:
        desk.world.clock.advance(timedelta(seconds=gap))
        for kind, rid in rids.items():
            answers[kind].append(_answer(desk, rid))
    assert answers["closed"] == answers["open"]
    mailed = [e.at for e in desk.c.audit.timeline(rids["closed"])
              if e.action == "portal.sign_in_code_sent"]  # fmt: skip
    assert all(at < ended + timedelta(days=30) for at in mailed)
    assert all(_within(mailed, at, timedelta(hours=24)) <= 3 for at in mailed)


def _answer(desk: Desk, rid: str) -> str:
    """What the sign-in says to whoever asks: nothing, or the refusal and its wait."""
    try:
        desk.web.portal.send_sign_in_code(rid)
    except RightfulError as refused:
        return f"{type(refused).__name__} {getattr(refused, 'retry_after', None)}"
    return "sent"


def _within(times: list[datetime], end: datetime, window: timedelta) -> int:
    return sum(1 for t in times if end - window < t <= end)
