"""A notice the requester must get (acknowledgement, refusal, extension, expiry, answer) is
handed to a real SMTP relay (in-process aiosmtpd); when the relay refuses it, the notice says so,
staff see it on the console and the API, and the daily job sends it once the relay takes it,
never twice (REQUIREMENTS.md:6-7, Art. 12(3), 12(4); REQUIREMENTS.md:9, CCPA §7021)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from rightful.adapters.mail.sink import MailSink
from rightful.domain.lifecycle import Role, Status
from rightful.domain.staff import Principal
from rightful.services.request_mail import Unsent, unsent_line
from rightful.services.staff import issue_key

from ..packages.world import T0
from .conftest import ANNA, ANNA_MAIL, Desk
from .smtp_desks import (  # noqa: F401 - the fixtures, by their names desk, console_desk, relay
    console_desk_fixture,
    mails,
    relay_fixture,
    smtp_desk,
    smtp_desk_fixture,
)
from .test_console import add, form_token, sign_in

DPO = Principal("cli:dana", Role.DPO)
PUBLIC = Principal("public", None)


def test_a_refused_notice_is_recorded_shown_and_sent_once_when_the_relay_takes_it(
    desk: Desk, relay: MailSink
) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    relay.refusing = True
    row = desk.c.requests.refuse(rid, DPO, ["manifestly excessive: the tenth in a week"])
    assert row.status == Status.REJECTED  # the decision stands; its notice is owed
    [unsent] = desk.c.notice_mail.unsent()
    assert unsent == Unsent(rid, unsent.notice_id, "refusal", 1, T0)
    [notice] = [n for n in desk.c.requests.notices(rid) if n.kind == "refusal"]
    assert (notice.mail_state, notice.mail_attempts) == ("refused", 1)
    [entry] = [e for e in desk.c.audit.timeline(rid) if e.action == "notice.mail_refused"]
    assert entry.summary == {"notice": notice.id, "kind": "refusal", "attempt": 1}
    assert "anna" not in str([e.summary for e in desk.c.audit.timeline(rid)])

    assert desk.c.notice_mail.retry() == (0, [Unsent(rid, notice.id, "refusal", 2, T0)])
    relay.refusing = False
    assert desk.c.notice_mail.retry() == (1, [])
    assert desk.c.notice_mail.retry() == (0, [])  # never a second copy
    assert len([s for s in mails(relay, rid) if "decision" in s]) == 1
    actions = [e.action for e in desk.c.audit.timeline(rid)]
    assert actions.count("notice.mail_refused") == 2 and actions.count("notice.mailed") == 1


def test_staff_see_which_requests_have_a_notice_that_reached_nobody(
    console_desk: Desk, relay: MailSink
) -> None:
    desk = console_desk
    told = desk.world.request_for(ANNA, high=False)
    desk.c.requests.extend(told, DPO, reason="Recordings are held in three systems")
    untold = desk.world.request_for(ANNA, high=False)
    relay.refusing = True
    desk.c.requests.extend(untold, DPO, reason="Recordings are held in three systems")
    add(desk, "andy", Role.AGENT)
    andy = sign_in(desk, "andy")
    queue = andy.get("/console").text
    assert "Notices that reached nobody" in queue and f"/console/requests/{untold}" in queue
    assert f'/console/requests/{told}">{told[:8]}</a>: extension' not in queue
    page = andy.get(f"/console/requests/{untold}").text
    assert "the mail relay refused it (1 attempt" in page and "the requester was not told" in page
    assert "mailed" in andy.get(f"/console/requests/{told}").text


def test_the_api_lists_the_notices_that_reached_nobody(desk: Desk, relay: MailSink) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    relay.refusing = True
    desk.c.requests.extend(rid, DPO, reason="Recordings are held in three systems")
    with desk.c.store.transaction() as session:
        key = issue_key(session, desk.world.clock, name="andy", role="agent")
    listed = desk.client.get("/api/v1/requests/unsent-notices", headers={"X-API-Key": key.secret})
    assert listed.status_code == 200
    assert [(n["request_id"], n["kind"], n["attempts"]) for n in listed.json()] == [
        (rid, "extension", 1)
    ]


def test_the_console_says_when_the_requester_was_not_told(
    console_desk: Desk, relay: MailSink
) -> None:
    desk = console_desk
    rid = desk.world.request_for(ANNA, high=False)
    add(desk, "dana", Role.DPO)
    dana = sign_in(desk, "dana")
    page = dana.get(f"/console/requests/{rid}").text
    relay.refusing = True
    form = {"csrf": form_token(page), "reason": "Recordings are held in three systems"}
    done = dana.post(f"/console/requests/{rid}/extend", data=form)
    assert "the requester was NOT told" in done.text and "(extension)" in done.text
    assert desk.c.requests.get(rid).extended_at is not None  # the extension stands
    assert [u.request_id for u in desk.c.notice_mail.unsent()] == [rid]


def test_a_notice_whose_sender_was_lost_is_sent_by_the_daily_job_after_ten_minutes(
    desk: Desk, relay: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that ends (or fails) between the commit and the hand-over leaves the notice
    pending; the decision stands, and the daily job sends it once no sender can still be busy."""
    rid = desk.world.request_for(ANNA, high=False)
    mail = desk.c.notice_mail

    def lost(_: int) -> str:
        raise RuntimeError("the process ended")

    monkeypatch.setattr(mail, "_hand_over", lost)
    desk.c.requests.extend(rid, DPO, reason="Recordings are held in three systems")
    monkeypatch.undo()
    assert desk.c.requests.get(rid).extended_at is not None
    [notice] = [n for n in desk.c.requests.notices(rid) if n.kind == "extension"]
    assert notice.mail_state == "pending" and mail.unsent() == []
    assert mail.retry() == (0, [])  # it may still be on its way
    desk.world.clock.advance(timedelta(minutes=11))
    assert mail.retry() == (1, [])
    assert len([s for s in mails(relay, rid) if "more time" in s]) == 1


def test_a_notice_being_sent_is_not_sent_again_by_a_daily_job_running_at_the_same_time(
    desk: Desk, relay: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two senders of one refused notice (two daily jobs, or a job and a console retry): the
    first claims it before handing it over, the second finds it taken and sends nothing."""
    rid = desk.world.request_for(ANNA, high=False)
    mail = desk.c.notice_mail
    relay.refusing = True
    desk.c.requests.refuse(rid, DPO, ["manifestly excessive: the tenth in a week"])
    relay.refusing = False
    notices = mail._notices()
    hand_over = notices.notice
    meanwhile: list[tuple[int, list[Unsent]]] = []

    def slow_relay(*args: object, **kwargs: object) -> None:
        meanwhile.append(mail.retry())  # the other job runs while this one waits on the relay
        hand_over(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(notices, "notice", slow_relay)
    monkeypatch.setattr(mail, "_notices", lambda: notices)
    assert mail.retry() == (1, [])
    assert meanwhile == [(0, [])]
    assert len([s for s in mails(relay, rid) if "decision" in s]) == 1


def refusal_whose_sender_ended(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    """A refusal whose notice the relay took, but whose sender ended before recording it."""
    rid = desk.world.request_for(ANNA, high=False)

    def ended(_: int, __: str) -> None:
        raise RuntimeError("the process ended")

    monkeypatch.setattr(desk.c.notice_mail, "_record", ended)
    desk.c.requests.refuse(rid, DPO, ["manifestly excessive: the tenth in a week"])
    monkeypatch.undo()
    [notice] = [n for n in desk.c.requests.notices(rid) if n.kind == "refusal"]
    return rid, notice


def test_a_notice_whose_sender_ended_after_the_hand_over_is_sent_again_saying_so(
    desk: Desk, relay: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At least once: a process that ends between the relay taking a notice and recording it
    leaves it `sending`; after ten minutes the daily job sends it again, and the mail says the
    requester may have had it already (in the notice's language)."""
    mail = desk.c.notice_mail
    rid, notice = refusal_whose_sender_ended(desk, monkeypatch)
    assert (notice.mail_state, notice.mail_attempted_at) == ("sending", T0)
    assert mail.retry() == (0, [])  # its sender may still be waiting for the relay
    desk.world.clock.advance(timedelta(minutes=11))
    assert mail.retry() == (1, [])
    assert mail.retry() == (0, [])
    said_again = ["You may have received this message already" in m.text
                  for m in relay.messages() if "decision" in m.subject]  # fmt: skip
    assert sorted(said_again) == [False, True]
    [notice] = [n for n in desk.c.requests.notices(rid) if n.kind == "refusal"]
    assert (notice.mail_state, notice.mail_attempts) == ("sent", 1)


def test_an_api_write_says_in_its_answer_when_the_requester_was_not_told(
    desk: Desk, relay: MailSink
) -> None:
    """The CLI exits 1 and the console says "NOT told"; an API client reads `unsent_notices`
    in the answer (documented in the OpenAPI schema) and the notice's mail state in the detail."""
    with desk.c.store.transaction() as session:
        key = issue_key(session, desk.world.clock, name="dana", role="dpo")
    dpo = {"X-API-Key": key.secret}
    told = desk.world.request_for(ANNA, high=False)
    extend = {"reason": "Recordings are held in three systems"}
    done = desk.client.post(f"/api/v1/requests/{told}/extend", json=extend, headers=dpo)
    assert done.status_code == 200 and done.json()["unsent_notices"] == []

    untold = desk.world.request_for(ANNA, high=False)
    relay.refusing = True
    refuse = {"reasons": ["manifestly excessive: the tenth in a week"]}
    done = desk.client.post(f"/api/v1/requests/{untold}/refuse", json=refuse, headers=dpo)
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    [unsent] = done.json()["unsent_notices"]
    assert (unsent["request_id"], unsent["kind"], unsent["attempts"]) == (untold, "refusal", 1)

    shown = desk.client.get(f"/api/v1/requests/{untold}", headers=dpo).json()
    [notice] = [n for n in shown["notices"] if n["kind"] == "refusal"]
    assert (notice["mail_state"], notice["mail_attempts"]) == ("refused", 1)
    schema = desk.client.get("/openapi.json").json()["components"]["schemas"]
    assert (
        "requester was NOT told"
        in schema["RequestChanged"]["properties"]["unsent_notices"]["description"]
    )
    assert "unsent_notices" in schema["RestrictionChanged"]["properties"]


def test_a_notice_that_fails_unexpectedly_is_shown_as_not_told_and_stops_no_other(
    desk: Desk, relay: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error other than the relay's refusal (a template, a bug) while handing over one notice
    stopped the daily job: every notice after it stayed unsent, and the failed one looked as if
    it was being sent. Now it counts as refused (staff see it; tried again) and the rest go out."""
    first = desk.world.request_for(ANNA, high=False)
    second = desk.world.request_for(ANNA, high=False)
    relay.refusing = True
    for rid in (first, second):
        desk.c.requests.refuse(rid, DPO, ["manifestly excessive: the tenth in a week"])
    relay.refusing = False
    mail = desk.c.notice_mail
    notices = mail._notices()
    hand_over = notices.notice

    def broken_for_first(to: str, language: str, request_id: str, *args: object,
                         **kwargs: object) -> None:  # fmt: skip
        if request_id == first:
            raise KeyError("a template variable")
        hand_over(to, language, request_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(notices, "notice", broken_for_first)
    monkeypatch.setattr(mail, "_notices", lambda: notices)
    sent, unsent = mail.retry()
    assert sent == 1 and [(u.request_id, u.kind, u.attempts) for u in unsent] == [
        (first, "refusal", 2)
    ]
    assert len(mails(relay, second)) >= 1 and mails(relay, first) == []


def test_a_notice_stuck_sending_is_listed_with_the_unsent_ones_after_ten_minutes(
    console_desk: Desk, relay: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sender that ended between the hand-over and its record leaves the notice `sending`:
    nobody knows whether the requester got it (Art. 12(3)). Once no sender can still be busy
    (ten minutes), the console's list, the API and the daily job name it, marked as such."""
    desk = console_desk
    mail = desk.c.notice_mail
    rid, notice = refusal_whose_sender_ended(desk, monkeypatch)
    lost = Unsent(rid, notice.id, "refusal", 0, T0, "sending")
    listed_after_ten_minutes(desk, lost, "stuck sending")
    assert mail.retry() == (1, [])  # the daily job sends it again and it leaves the list


def listed_after_ten_minutes(desk: Desk, lost: Unsent, marked: str) -> None:
    """Not listed at first (a sender may still be busy); after ten minutes listed by the
    service, on the console's queue (marked so), in the API and in the command lines."""
    mail = desk.c.notice_mail
    add(desk, "andy", Role.AGENT)
    andy = sign_in(desk, "andy")
    assert mail.unsent() == [] and marked not in andy.get("/console").text

    desk.world.clock.advance(timedelta(minutes=11))
    assert mail.unsent() == [lost]
    queue = andy.get("/console").text
    assert f"{lost.request_id[:8]}</a>: {lost.kind}, <strong>{marked}</strong>" in queue
    with desk.c.store.transaction() as session:
        key = issue_key(session, desk.world.clock, name="andy-key", role="agent")
    listed = desk.client.get("/api/v1/requests/unsent-notices", headers={"X-API-Key": key.secret})
    assert [(n["request_id"], n["state"]) for n in listed.json()] == [(lost.request_id, lost.state)]
    assert marked in unsent_line(mail.unsent())


def test_a_notice_never_handed_over_is_listed_with_the_unsent_ones_after_ten_minutes(
    console_desk: Desk, relay: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that ended between the commit and the hand-over leaves the notice `pending`:
    the requester was never told (Art. 12(3)). After ten minutes the console's list and the API
    name it too, and the daily job sends it."""
    desk = console_desk
    rid = desk.world.request_for(ANNA, high=False)
    mail = desk.c.notice_mail

    def ended(_: int) -> None:
        return None  # the process ended before it handed the notice over

    monkeypatch.setattr(mail, "_try", ended)
    desk.c.requests.refuse(rid, DPO, ["manifestly excessive: the tenth in a week"])
    monkeypatch.undo()
    [notice] = [n for n in desk.c.requests.notices(rid) if n.kind == "refusal"]
    assert notice.mail_state == "pending"
    lost = Unsent(rid, notice.id, "refusal", 0, None, "pending")
    listed_after_ten_minutes(desk, lost, "never handed to the relay")
    assert mail.retry() == (1, [])


def test_a_request_staff_cancel_is_told_to_its_requester_without_staffs_words(
    desk: Desk, relay: MailSink
) -> None:
    """REQUIREMENTS.md:10 (Art. 12(4)): a request not acted on is told. Staff's cancel closed a
    request with no word to its requester, so a cancel could pass for an answer unseen."""
    with desk.c.store.transaction() as session:
        key = issue_key(session, desk.world.clock, name="dana", role="dpo")
    rid = desk.world.request_for(ANNA, high=False)
    reason = "Phoned on Tuesday: the customer no longer wants it."
    done = desk.client.post(f"/api/v1/requests/{rid}/cancel", json={"reason": reason},
                            headers={"X-API-Key": key.secret})  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    assert done.json()["unsent_notices"] == []
    [mail] = [m for m in relay.messages() if rid[:8] in m.subject]
    assert mail.to == (ANNA_MAIL,)
    assert "because it was withdrawn" in mail.text and "did not withdraw it" in mail.text
    assert "Phoned" not in mail.text  # staff's reason is for the record, not for the mail
    [notice] = [n for n in desk.c.requests.notices(rid) if n.kind == "withdrawn"]
    assert notice.mail_state == "sent"
