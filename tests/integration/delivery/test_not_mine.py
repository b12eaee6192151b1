""" "This is not my data": one click without signing in revokes every link of the package at
once, opens an incident whose first event is the report, acknowledges the reporter on the page
and by e-mail, and asks, optionally, to confirm deletion (REQUIREMENTS.md:28, Breaches — a third
party reporting receipt of someone's data makes the controller aware)."""

from __future__ import annotations

import re

import pytest

from rightful.domain.delivery import NOBODY
from rightful.domain.lifecycle import Status
from rightful.services.incidents import incidents_of
from rightful.services.request_queries import transitions

from ..packages.world import REVIEWER
from .conftest import ANNA_MAIL, Desk


def test_opening_the_mail_link_changes_nothing(desk: Desk) -> None:
    delivered = desk.deliver()
    page = desk.client.get(f"/d/{delivered.token}/not-mine")
    assert page.status_code == 200 and 'method="post"' in page.text
    assert desk.web.delivery.view(delivered.link_id).state == "active"
    with desk.c.store.transaction() as session:
        assert incidents_of(session, delivered.request_id) == []


@pytest.mark.postgres
def test_one_click_revokes_every_link_and_opens_an_incident_with_the_report_first(
    store_desk: Desk,
) -> None:
    delivered = store_desk.deliver()
    second = store_desk.web.delivery.deliver(delivered.request_id, delivered.package_id, REVIEWER)
    page = store_desk.post(f"/d/{delivered.token}/not-mine")
    assert page.status_code == 200 and "We stopped 2 links" in page.text
    for link_id in (delivered.link_id, second.link_id):
        assert store_desk.web.delivery.view(link_id).state == "revoked"
    with store_desk.c.store.transaction() as session:
        (incident,) = incidents_of(session, delivered.request_id)
        assert (incident.kind, incident.source, incident.package_id) == (
            "misdelivery",
            "button",
            delivered.package_id,
        )
    actions = [e.action for e in store_desk.c.audit.timeline(delivered.request_id)]
    report = actions.index("delivery.not_mine_reported")
    assert actions[report : report + 3] == [
        "delivery.not_mine_reported",
        "delivery.package_links_revoked",
        "incident.opened",
    ]
    assert store_desk.c.packages.get(delivered.package_id).status == "frozen"
    assert store_desk.client.get(f"/d/{delivered.token}").status_code == 410


def test_the_reporter_is_acknowledged_by_mail_and_may_confirm_deletion(desk: Desk) -> None:
    delivered = desk.deliver()
    page = desk.post(f"/d/{delivered.token}/not-mine")
    ack = desk.mailer.to(ANNA_MAIL)[-1]
    assert "we stopped the download link" in ack.subject.lower()
    (report,) = desk.web.not_mine.reports_of(delivered.request_id)
    ref = f"INC-{report.incident_id[:8]}"
    assert ref in ack.text and ref in page.text, "the reference the register shows"
    confirm = re.search(r"/not-mine/([A-Za-z0-9_-]+)", ack.text)
    assert confirm is not None
    landing = desk.client.get(f"/not-mine/{confirm.group(1)}")
    assert "I deleted every copy" in landing.text
    done = desk.post(f"/not-mine/{confirm.group(1)}", answer="deleted")
    assert "We recorded your answer" in done.text
    (report,) = desk.web.not_mine.reports_of(delivered.request_id)
    assert report.deletion_answer == "deleted" and report.deletion_confirmed_at is not None
    assert "delivery.deletion_confirmed" in [
        e.action for e in desk.c.audit.timeline(delivered.request_id)
    ]


def test_a_second_click_opens_no_second_incident(desk: Desk) -> None:
    delivered = desk.deliver()
    first = desk.web.not_mine.report_token(delivered.token, NOBODY)
    again = desk.web.not_mine.report_token(delivered.token, NOBODY)
    assert again.repeated and again.incident_id == first.incident_id
    with desk.c.store.transaction() as session:
        assert len(incidents_of(session, delivered.request_id)) == 1
    assert len([m for m in desk.mailer.to(ANNA_MAIL) if "stopped" in m.subject]) == 1


def test_a_request_whose_package_was_not_the_recipients_is_open_again(desk: Desk) -> None:
    """The report means the request was not answered: it returns to collecting, moved by the
    system with the incident's reference, and counts down against its deadline again (Art.
    12(3)); a second click moves nothing."""
    delivered = desk.deliver()
    assert delivered.request_id not in [r.request_id for r in desk.c.requests.due()]
    first = desk.web.not_mine.report_token(delivered.token, NOBODY)
    desk.web.not_mine.report_token(delivered.token, NOBODY)
    assert desk.world.status(delivered.request_id) is Status.COLLECTING
    assert delivered.request_id in [r.request_id for r in desk.c.requests.due()]
    moves = [(t.source, t.target, t.actor, t.reason)
             for t in transitions(desk.c.store, delivered.request_id)]  # fmt: skip
    assert moves[-1] == ("delivered", "collecting", "system",
                         f"its package was reported as not my data: incident "
                         f"INC-{(first.incident_id or '')[:8]}")  # fmt: skip
    assert [m[0] for m in moves].count("delivered") == 1


def test_a_second_click_keeps_the_mailed_confirmation_link_working(desk: Desk) -> None:
    """Pressing the button again (anyone holding the link can) must not take the reporter's
    way to confirm deletion: the link in the acknowledgement still opens the question, and
    the second page says the report stands and points to that mail (docs/delivery.md)."""
    delivered = desk.deliver()
    desk.post(f"/d/{delivered.token}/not-mine")
    ack = desk.mailer.to(ANNA_MAIL)[-1]
    confirm = re.search(r"/not-mine/([A-Za-z0-9_-]+)", ack.text)
    assert confirm is not None
    again = desk.post(f"/d/{delivered.token}/not-mine")
    assert "You told us already" in again.text and "the link in the e-mail" in again.text
    assert "We also sent you this confirmation by e-mail" not in again.text
    assert "I deleted every copy" not in again.text
    assert "I deleted every copy" in desk.client.get(f"/not-mine/{confirm.group(1)}").text
    done = desk.post(f"/not-mine/{confirm.group(1)}", answer="deleted")
    assert "We recorded your answer" in done.text
    (report,) = desk.web.not_mine.reports_of(delivered.request_id)
    assert report.deletion_answer == "deleted"


def test_a_confirmation_link_never_handed_out_is_not_found(desk: Desk) -> None:
    """An unknown token is no answer that was recorded: the page says it is not valid."""
    page = desk.client.get("/not-mine/not-a-token-anyone-was-given")
    assert page.status_code == 404 and "We recorded your answer" not in page.text


def test_the_button_on_the_download_page_works_too_and_needs_no_sign_in(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.client.get(f"/d/{delivered.token}")
    page = desk.post(f"/download/{delivered.link_id}/not-mine")
    assert "the link is stopped" in page.text
    assert desk.web.delivery.view(delivered.link_id).state == "revoked"


def test_a_link_id_alone_stops_nothing(desk: Desk) -> None:
    """Link ids stand in the audit chain and its exports: knowing one is not holding the link."""
    delivered = desk.deliver()
    page = desk.post(f"/download/{delivered.link_id}/not-mine")  # this browser never opened it
    assert page.status_code == 403
    assert desk.client.get(f"/download/{delivered.link_id}/not-mine").status_code == 403
    assert desk.web.delivery.view(delivered.link_id).state == "active"
    assert not desk.web.not_mine.reports_of(delivered.request_id)


def test_a_forged_form_revokes_nothing(desk: Desk) -> None:
    delivered = desk.deliver()
    page = desk.client.post(f"/d/{delivered.token}/not-mine", data={"csrf": "forged"})
    assert page.status_code == 403
    assert desk.web.delivery.view(delivered.link_id).state == "active"


def test_a_report_on_an_expired_link_still_counts(desk: Desk) -> None:
    from datetime import timedelta

    delivered = desk.deliver()
    desk.world.clock.advance(timedelta(days=30))
    receipt = desk.web.not_mine.report_token(delivered.token, NOBODY)
    assert receipt.incident_id is not None


def test_an_acknowledgement_the_relay_refused_is_recorded_shown_and_sent_by_the_daily_job(
    desk: Desk,
) -> None:
    """The acknowledgement went through the outbox, a refusal only logged: the reporter was
    never asked to delete their copy. It is now a notice on the request like the others: the
    page does not claim a mail went out, staff see it among the notices that reached nobody,
    and the daily job sends it, in the request's language, with the link the page's form used."""
    delivered = desk.deliver()
    desk.mailer.fail_with = "the mail server did not accept the message"
    page = desk.post(f"/d/{delivered.token}/not-mine")
    assert "We also sent you this confirmation by e-mail" not in page.text
    [unsent] = desk.c.notice_mail.unsent()
    assert (unsent.request_id, unsent.kind, unsent.attempts) == (
        delivered.request_id, "not_mine_ack", 1,
    )  # fmt: skip
    desk.mailer.fail_with = None
    assert desk.c.notice_mail.retry() == (1, [])
    assert desk.c.notice_mail.retry() == (0, [])
    [ack] = [m for m in desk.mailer.to(ANNA_MAIL) if "stopped" in m.subject]
    (report,) = desk.web.not_mine.reports_of(delivered.request_id)
    assert f"INC-{(report.incident_id or '')[:8]}" in ack.text
    mailed = re.search(r"/not-mine/([A-Za-z0-9_-]+)", ack.text)
    on_page = re.search(r'action="/not-mine/([A-Za-z0-9_-]+)"', page.text)
    assert mailed is not None and on_page is not None
    assert mailed.group(1) == on_page.group(1), "one link, whichever copy the reporter uses"
    done = desk.post(f"/not-mine/{mailed.group(1)}", answer="deleted")
    assert "We recorded your answer" in done.text
    [notice] = [
        n for n in desk.c.requests.notices(delivered.request_id) if n.kind == "not_mine_ack"
    ]
    assert (notice.mail_state, notice.mail_attempts) == ("sent", 2)
    assert ANNA_MAIL not in notice.body and "not yours" in notice.body


def test_the_stop_link_in_a_download_code_mail_works_in_the_requesters_own_browser(
    desk: Desk,
) -> None:
    """Someone holding the link asks for a code; the code goes to the requester, whose mail
    says "tell us here and we will stop it". Opened from that mail, in a browser that never
    held the link, the page stops every link of the package. It is the owner speaking, not a
    recipient of someone else's data: no incident, no "not my data" report or mail. The link
    id without the mail's token stops nothing."""
    delivered = desk.deliver()
    desk.client.get(f"/d/{delivered.token}")  # the holder of the link
    desk.post(f"/download/{delivered.link_id}/code")
    mails = len(desk.mailer.to(ANNA_MAIL))
    stop = re.search(r"(/download/\S+/stop\?token=[\w-]+)", desk.mailer.to(ANNA_MAIL)[-1].text)
    assert stop is not None
    requester = desk.another_browser()
    forged = f"/download/{delivered.link_id}/stop?token=" + "A" * 43
    assert requester.get(forged).status_code == 404
    page = requester.get(stop.group(1))
    assert page.status_code == 200 and "Stop your download link" in page.text
    assert desk.web.delivery.view(delivered.link_id).state == "active", "opening changes nothing"
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert csrf is not None and token is not None
    wrong = requester.post(f"/download/{delivered.link_id}/stop",
                           data={"csrf": csrf.group(1), "token": "A" * 43})  # fmt: skip
    assert wrong.status_code == 404 and desk.web.delivery.view(delivered.link_id).state == "active"
    done = requester.post(f"/download/{delivered.link_id}/stop",
                          data={"csrf": csrf.group(1), "token": token.group(1)})  # fmt: skip
    assert done.status_code == 200 and "The link is stopped" in done.text
    assert desk.web.delivery.view(delivered.link_id).state == "revoked"
    with desk.c.store.transaction() as session:
        assert incidents_of(session, delivered.request_id) == []
    assert not desk.web.not_mine.reports_of(delivered.request_id)
    assert len(desk.mailer.to(ANNA_MAIL)) == mails
    actions = [e.action for e in desk.c.audit.timeline(delivered.request_id)]
    assert "delivery.link_stopped" in actions and "delivery.not_mine_reported" not in actions


def test_the_answer_comes_in_the_language_the_button_was_read_in(desk: Desk) -> None:
    """The recipient of an English request's mail reads the page in German (their browser):
    the confirmation that the link is stopped is German too, not English."""
    delivered = desk.deliver()
    form = desk.client.get(f"/d/{delivered.token}/not-mine",
                           headers={"Accept-Language": "de-DE,de;q=0.9"})  # fmt: skip
    assert '<html lang="de">' in form.text
    done = desk.client.post(f"/d/{delivered.token}/not-mine",
                            data={"csrf": desk.csrf(), "lang": "de"},
                            headers={"Accept-Language": "de-DE,de;q=0.9"})  # fmt: skip
    assert done.status_code == 200 and '<html lang="de">' in done.text
    assert "Thank you" not in done.text and "INC-" in done.text
    assert 'name="lang" value="de"' in form.text  # the form says which it was read in
