"""CCPA requests still unverified at their deadline (REQUIREMENTS.md:9, §7021; §7024(c), (e)):
the 45 days run whether or not verification is finished, so the daily job closes them and tells
the consumer; a request to know is told the business's general practices instead."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rightful.adapters.db.tables import RequestRow
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import SYSTEM, Principal

from .conftest import ANNA_MAIL, Desk, make_desk

PUBLIC = Principal("public", None)
AGENT = Principal("cli:andy", Role.AGENT)


def asked_to_verify(desk: Desk, kind: RequestType, law: Jurisdiction = Jurisdiction.CCPA) -> str:
    rid: str = desk.c.requests.submit(NewRequest(kind, law, email=ANNA_MAIL), PUBLIC).id
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, AGENT)
    return rid


def last_mail(desk: Desk, rid: str) -> str:
    return [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1].text


def test_unverified_ccpa_requests_close_at_the_deadline_and_a_request_to_know_gets_practices(
    desk: Desk,
) -> None:
    know = asked_to_verify(desk, RequestType.ACCESS)
    delete = asked_to_verify(desk, RequestType.ERASURE)
    held = asked_to_verify(desk, RequestType.ACCESS)
    desk.c.requests.move(held, Status.ON_HOLD, AGENT, "waiting for a second data point")
    gdpr = asked_to_verify(desk, RequestType.ACCESS, Jurisdiction.GDPR)
    opt_out = asked_to_verify(desk, RequestType.OBJECTION)  # needs no verification (§7060(b))
    untouched = desk.c.requests.submit(
        NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL), PUBLIC
    ).id  # still `received`: nobody asked the requester yet
    held_unasked = desk.c.requests.submit(
        NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL), PUBLIC
    ).id
    desk.c.requests.move(held_unasked, Status.ON_HOLD, AGENT, "a letter we have to read first")

    desk.world.clock.advance(timedelta(days=44))
    assert desk.c.requests.close_unverified_at_deadline() == []
    desk.world.clock.advance(timedelta(days=2))
    assert sorted(desk.c.requests.close_unverified_at_deadline()) == sorted([know, delete, held])

    for rid in (know, delete, held):
        assert desk.c.requests.get(rid).status == Status.EXPIRED
    assert desk.c.requests.get(gdpr).status == Status.AWAITING_VERIFICATION
    assert desk.c.requests.get(opt_out).status == Status.AWAITING_VERIFICATION, "never unverified"
    assert desk.c.requests.get(untouched).status == Status.RECEIVED
    assert desk.c.requests.get(held_unasked).status == Status.ON_HOLD
    told = last_mail(desk, know)
    assert "could not verify your identity" in told and "without disclosing" in told
    assert "§7024(e)" in told and "Categories of personal information we collect:" in told
    assert "California Privacy Protection Agency" in told
    deleted = last_mail(desk, delete)
    assert "without deleting any personal information" in deleted and "§7024(e)" not in deleted
    moves = [e for e in desk.c.audit.timeline(know) if e.action == "request.transitioned"]
    assert moves[-1].summary["target"] == "expired" and moves[-1].role == "system"
    assert desk.c.requests.close_unverified_at_deadline() == [], "a second run closes nothing"


def test_the_denial_goes_out_on_the_45th_day_not_after_it(tmp_path: Path) -> None:
    """REQUIREMENTS.md:9 (§7021): unverifiable by day 45, deny; the denial is the response due
    within the 45 days. The job closed a request only once its deadline had passed, so every
    denial went out on day 46 or later, late. Days are the controller's: received on 2 March in
    California, due by the end of 16 April there."""
    desk = make_desk(f"sqlite:///{tmp_path}/rightful.db", tmp_path,
                     timezone="America/Los_Angeles")  # fmt: skip
    try:
        rid = asked_to_verify(desk, RequestType.ACCESS)
        respond_by = desk.c.requests.get(rid).respond_by
        assert f"{respond_by.astimezone(desk.c.settings.zone):%Y-%m-%d %H:%M}" == "2026-04-16 23:59"
        desk.world.clock.advance(datetime(2026, 4, 16, 6, tzinfo=UTC) - desk.world.clock.now())
        assert desk.c.requests.close_unverified_at_deadline() == [], "15 April, 23:00 there"
        desk.world.clock.advance(timedelta(hours=12))
        assert desk.c.requests.close_unverified_at_deadline() == [rid]
        [denial] = [n for n in desk.c.requests.notices(rid) if n.kind == "expiry"]
        assert denial.sent_at <= respond_by and "could not verify your identity" in denial.body
    finally:
        desk.c.store.engine.dispose()


def test_the_deadline_closing_can_be_left_to_staff(desk: Desk) -> None:
    rid = asked_to_verify(desk, RequestType.ACCESS)
    desk.c.requests.settings = desk.c.settings.model_copy(
        update={"ccpa_close_unverified_at_deadline": False}
    )
    desk.world.clock.advance(timedelta(days=60))
    assert desk.c.requests.close_unverified_at_deadline() == []
    assert desk.c.requests.get(rid).status == Status.AWAITING_VERIFICATION


@pytest.mark.postgres
def test_two_daily_jobs_at_once_close_a_request_once(pg_url: str, tmp_path: Path) -> None:
    """The other job closed the request while this one was about to: this one leaves it."""
    desk = make_desk(pg_url, tmp_path)
    rid = asked_to_verify(desk, RequestType.ERASURE)
    desk.world.clock.advance(timedelta(days=46))
    second: list[list[str]] = []
    with desk.c.store.transaction() as session:  # the first job, closing it
        row = session.get(RequestRow, rid, with_for_update=True)
        assert row is not None
        desk.c.requests.move_in(session, row, Status.EXPIRED, SYSTEM, "unverified at deadline")
        session.flush()
        job = threading.Thread(
            target=lambda: second.append(desk.c.requests.close_unverified_at_deadline())
        )
        job.start()
        time.sleep(1.0)
    job.join(timeout=60)
    desk.c.store.engine.dispose()
    assert second == [[]]
    moves = [e for e in desk.c.audit.timeline(rid) if e.action == "request.transitioned"]
    assert [m.summary["target"] for m in moves].count("expired") == 1
