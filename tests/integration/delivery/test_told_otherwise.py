"""A notice that reached nobody by mail (the relay refused it, or the requester gave no e-mail
address: a request by letter or phone) is listed until staff record that they told the requester
another way (phone, letter, in person); a request no longer closes with its requester silently
untold (REQUIREMENTS.md:6-7, Art. 12(3), 12(4); REQUIREMENTS.md:9, CCPA §7021). Real SMTP relay
(in-process aiosmtpd), as in test_notice_mail.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rightful.adapters.db.tables import RequestRow
from rightful.adapters.mail.sink import MailSink
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.services.staff import issue_key

from .conftest import ANNA, Desk
from .smtp_desks import (  # noqa: F401 - the fixtures, by their names desk, console_desk, relay
    console_desk_fixture,
    mails,
    relay_fixture,
    smtp_desk,
    smtp_desk_fixture,
)
from .test_console import add, form_token, sign_in

DPO = Principal("cli:dana", Role.DPO)
HOW = "Called her on 5 December at 10:15 and read the decision out; she understood"


def by_phone(desk: Desk) -> str:
    """A request staff entered from a phone call: no e-mail address to mail its notices to."""
    new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, phone="+49 30 1234567",
                     channel="staff")  # fmt: skip
    return str(desk.c.requests.submit(new, DPO).id)


def key(desk: Desk, role: str) -> dict[str, str]:
    with desk.c.store.transaction() as session:
        issued = issue_key(session, desk.world.clock, name=f"{role}-key", role=role)
    return {"X-API-Key": issued.secret}


def test_a_notice_with_no_email_address_is_listed_as_reaching_nobody(desk: Desk) -> None:
    rid = by_phone(desk)
    [unsent] = desk.c.notice_mail.unsent()
    assert (unsent.request_id, unsent.kind, unsent.state) == (rid, "acknowledgement", "no_address")
    agent = key(desk, "agent")
    listed = desk.client.get("/api/v1/requests/unsent-notices", headers=agent).json()
    assert [(n["request_id"], n["kind"], n["state"]) for n in listed] == [
        (rid, "acknowledgement", "no_address")
    ]
    refuse = {"reasons": ["manifestly excessive: the tenth in a week"]}
    done = desk.client.post(f"/api/v1/requests/{rid}/refuse", json=refuse, headers=key(desk, "dpo"))
    assert done.status_code == 200
    assert [(n["kind"], n["state"]) for n in done.json()["unsent_notices"]] == [
        ("refusal", "no_address")
    ]


def test_staff_record_that_a_refused_notice_was_told_by_phone_and_it_is_never_mailed(
    desk: Desk, relay: MailSink
) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    relay.refusing = True
    desk.c.requests.refuse(rid, DPO, ["manifestly excessive: the tenth in a week"])
    [unsent] = desk.c.notice_mail.unsent()
    url = f"/api/v1/requests/{rid}/notices/{unsent.notice_id}/told-otherwise"
    done = desk.client.post(url, json={"way": "phone", "how": HOW}, headers=key(desk, "agent"))
    assert done.status_code == 200, done.text
    told = done.json()
    assert (told["mail_state"], told["told_way"], told["told_how"]) == (
        "told_otherwise", "phone", HOW,
    )  # fmt: skip
    assert told["told_by"].startswith("key:") and told["told_at"] is not None
    assert desk.c.notice_mail.unsent() == []

    relay.refusing = False
    assert desk.c.notice_mail.retry() == (0, [])  # the daily job mails it no more
    assert [s for s in mails(relay, rid) if "decision" in s] == []
    [entry] = [e for e in desk.c.audit.timeline(rid) if e.action == "notice.told_otherwise"]
    assert entry.summary == {"notice": unsent.notice_id, "kind": "refusal", "way": "phone"}
    assert "December" not in str([e.summary for e in desk.c.audit.timeline(rid)])


def test_told_otherwise_refuses_what_it_cannot_record(desk: Desk, relay: MailSink) -> None:
    rid = by_phone(desk)
    [unsent] = desk.c.notice_mail.unsent()
    agent = key(desk, "agent")
    url = f"/api/v1/requests/{rid}/notices/{unsent.notice_id}/told-otherwise"
    short = desk.client.post(url, json={"way": "phone", "how": "  called  "}, headers=agent)
    assert short.status_code == 422 and "10 visible characters" in short.json()["detail"]
    assert desk.client.post(url, json={"way": "fax", "how": HOW}, headers=agent).status_code == 422
    other = desk.world.request_for(ANNA, high=False)
    wrong = f"/api/v1/requests/{other}/notices/{unsent.notice_id}/told-otherwise"
    by_letter = {"way": "letter", "how": HOW}
    assert desk.client.post(wrong, json=by_letter, headers=agent).status_code == 404
    assert desk.client.post(url, json=by_letter).status_code == 401
    assert desk.client.post(url, json=by_letter, headers=agent).status_code == 200
    again = desk.client.post(url, json={"way": "phone", "how": HOW}, headers=agent)
    assert again.status_code == 409 and "already" in again.json()["detail"]

    desk.c.requests.extend(other, DPO, reason="Recordings are held in three systems")
    [sent] = [n for n in desk.c.requests.notices(other) if n.kind == "extension"]
    assert sent.mail_state == "sent"
    told_sent = f"/api/v1/requests/{other}/notices/{sent.id}/told-otherwise"
    refused = desk.client.post(told_sent, json={"way": "phone", "how": HOW}, headers=agent)
    assert refused.status_code == 409 and "reached nobody" in refused.json()["detail"]


def test_an_agent_records_in_the_console_that_the_requester_was_told_by_letter(
    console_desk: Desk,
) -> None:
    desk = console_desk
    rid = by_phone(desk)
    add(desk, "andy", Role.AGENT)
    andy = sign_in(desk, "andy")
    queue = andy.get("/console").text
    assert "Notices that reached nobody" in queue and "no e-mail address" in queue
    page = andy.get(f"/console/requests/{rid}").text
    [notice] = desk.c.requests.notices(rid)
    action = f"/console/requests/{rid}/notices/{notice.id}/told-otherwise"
    assert f'action="{action}"' in page and "the requester was not told" in page
    form = {"csrf": form_token(page), "way": "letter", "how": "Letter posted on 5 December"}
    done = andy.post(action, data=form)
    assert "Recorded that the requester was told another way" in done.text
    assert "told another way (letter)" in done.text and action not in done.text
    assert "Notices that reached nobody" not in andy.get("/console").text


def test_the_daily_job_mails_a_notice_that_had_no_address_once_there_is_one(
    desk: Desk, relay: MailSink
) -> None:
    """A requester who called, then wrote with an address: the notice they were owed goes out
    by mail and leaves the list, rather than waiting for staff to record another way."""
    rid = by_phone(desk)
    assert desk.c.notice_mail.retry() == (0, desk.c.notice_mail.unsent())
    assert [u.state for u in desk.c.notice_mail.unsent()] == ["no_address"]
    with desk.c.store.transaction() as session:
        session.get(RequestRow, rid).requester_email = ANNA  # type: ignore[union-attr]
    assert desk.c.notice_mail.retry() == (1, [])
    assert len(mails(relay, rid)) == 1
    assert desk.c.notice_mail.retry() == (0, []), "once sent, never again"
    assert len(mails(relay, rid)) == 1


class ProcessEnded(BaseException):
    """The sender's process ended while the relay had the notice (a kill, a lost machine)."""


def test_a_notice_whose_sender_was_lost_can_be_told_another_way_once_nobody_sends_it(
    console_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notice stuck `sending` is listed after ten minutes, with the console's form; staff may
    then record that they told the requester, and the lost sender's late refusal does not list
    it again."""
    desk = console_desk
    add(desk, "andy", Role.AGENT)
    andy = sign_in(desk, "andy")
    rid = desk.world.request_for(ANNA, high=False)
    mail = desk.c.notice_mail
    notices = mail._notices()

    def ended(*_: object, **__: object) -> None:
        raise ProcessEnded

    monkeypatch.setattr(notices, "notice", ended)
    monkeypatch.setattr(mail, "_notices", lambda: notices)
    with pytest.raises(ProcessEnded):
        desk.c.requests.extend(rid, DPO, reason="Recordings are held in three systems")
    monkeypatch.undo()
    [stuck] = [n for n in desk.c.requests.notices(rid) if n.kind == "extension"]
    assert stuck.mail_state == "sending"

    action = f"/console/requests/{rid}/notices/{stuck.id}/told-otherwise"
    assert action not in andy.get(f"/console/requests/{rid}").text
    with pytest.raises(ConflictError, match="being mailed right now"):
        mail.told_otherwise(rid, stuck.id, DPO, "phone", HOW)
    desk.world.clock.advance(timedelta(minutes=11))
    assert [u.notice_id for u in mail.unsent()] == [stuck.id]
    assert f'action="{action}"' in andy.get(f"/console/requests/{rid}").text
    told = mail.told_otherwise(rid, stuck.id, DPO, "phone", HOW)
    assert (told.mail_state, told.told_way) == ("told_otherwise", "phone")
    assert mail.unsent() == []

    mail._record(stuck.id, "refused")  # the lost sender's relay answers at last
    [after] = [n for n in desk.c.requests.notices(rid) if n.kind == "extension"]
    assert after.mail_state == "told_otherwise" and mail.unsent() == []
    assert mail.retry() == (0, [])
    assert [e.action for e in desk.c.audit.timeline(rid)].count("notice.mail_refused") == 1
