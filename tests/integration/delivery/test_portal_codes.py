"""Portal sign-in codes and download codes against a stranger who holds a request id (it is no
secret: portal URLs, browser histories, audit exports). A new code voids none sent before, the
cap counts per `code_window_hours` and says when to ask again, and the sign-in answers alike
whether or not the request was ever verified (REQUIREMENTS.md, Identity: a code to contact
details already on file; Art. 12(2): the controller facilitates the exercise of the rights)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from .conftest import ANNA_MAIL, Desk
from .test_download_code_link import newest_link as newest_download_link
from .test_download_code_link import open_link as open_download_link
from .test_portal import submit

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LINK = re.compile(r"(/portal/requests/[0-9a-f-]{36}/sign-in/link\?token=[0-9a-f]{32}\.[\w-]+)")


def verified(desk: Desk) -> str:
    """A request whose requester confirmed their address with the mailed code."""
    rid = submit(desk)
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    return rid


def stranger_asks(client: TestClient, rid: str) -> tuple[int, str, str | None]:
    """A sign-in code asked for by whoever holds the id: status, page text, Retry-After."""
    csrf = CSRF.search(client.get(f"/portal/requests/{rid}/sign-in").text)
    assert csrf is not None
    page = client.post(f"/portal/requests/{rid}/sign-in", data={"csrf": csrf.group(1)})
    return page.status_code, page.text, page.headers.get("Retry-After")


def newest_link(desk: Desk) -> str:
    """The sign-in link of the newest mail to the requester."""
    found = LINK.search(desk.mailer.to(ANNA_MAIL)[-1].text)
    assert found is not None, "no sign-in link in the newest mail"
    return found.group(1)


def open_link(client: TestClient, path: str) -> tuple[int, str]:
    """Open a mailed sign-in link and press its button, as the requester would."""
    page = client.get(path)
    assert page.status_code == 200 and "Sign in" in page.text
    csrf, token = CSRF.search(page.text), re.search(r'name="token" value="([^"]+)"', page.text)
    assert csrf is not None and token is not None
    rid = path.split("/")[3]
    done = client.post(f"/portal/requests/{rid}/sign-in/link",
                       data={"csrf": csrf.group(1), "token": token.group(1)})  # fmt: skip
    return done.status_code, done.text


def sign_in(client: TestClient, rid: str, code: str) -> tuple[int, str]:
    csrf = CSRF.search(client.get(f"/portal/requests/{rid}/sign-in").text)
    assert csrf is not None
    page = client.post(f"/portal/requests/{rid}/sign-in/code",
                       data={"csrf": csrf.group(1), "code": code})  # fmt: skip
    return page.status_code, page.text


def test_a_sign_in_code_keeps_working_when_a_stranger_asks_for_another(desk: Desk) -> None:
    rid = verified(desk)
    requester = desk.another_browser()
    assert stranger_asks(requester, rid)[0] == 200
    own = desk.code_for(ANNA_MAIL)
    stranger_asks(desk.another_browser(), rid)
    status, text = sign_in(requester, rid, own)
    assert status == 200 and "Your request" in text, text


def test_a_stranger_who_asked_for_every_code_keeps_the_requester_out_of_nothing(
    desk: Desk,
) -> None:
    """Ten codes in a day, then 429 with Retry-After and the audited cap; the codes already
    mailed still sign in, and when the window has passed the requester gets a new one."""
    rid = verified(desk)
    stranger = desk.another_browser()
    answers = [stranger_asks(stranger, rid) for _ in range(11)]
    assert [a[0] for a in answers] == [200] * 10 + [429]
    _, text, wait = answers[-1]
    assert wait == str(24 * 3600)
    assert "A code we sent in the last 15 minutes still works; or ask again in 24 hours" in text
    caps = [e for e in desk.c.audit.timeline(rid) if e.action == "portal.code_cap_reached"]
    assert [(e.summary["codes"], e.summary["window_hours"]) for e in caps] == [(10, 24)]
    requester = desk.another_browser()
    assert sign_in(requester, rid, desk.code_for(ANNA_MAIL))[0] == 200
    desk.world.clock.advance(timedelta(hours=24))
    later = desk.another_browser()
    assert stranger_asks(later, rid)[0] == 200
    status, text = open_link(later, newest_link(desk))
    assert status == 200 and "Your request" in text, text


def test_the_mails_link_signs_in_when_a_strangers_guesses_locked_every_code(desk: Desk) -> None:
    """A link (128 bits) is no guess: wrong codes lock the code, not the link of its mail,
    which works once, for `code_window_hours`."""
    rid = verified(desk)
    stranger = desk.another_browser()
    stranger_asks(stranger, rid)
    for _ in range(5):
        sign_in(stranger, rid, "000000")
    link = newest_link(desk)
    requester = desk.another_browser()
    status, text = open_link(requester, link)
    assert status == 200 and "Your request" in text, text
    assert open_link(desk.another_browser(), link)[0] == 409
    made_up = link.split("token=")[0] + "token=" + "0" * 32 + ".x"
    status, text = open_link(desk.another_browser(), made_up)
    assert status == 404 and "This link is not valid" in text


def test_after_ten_sign_in_codes_a_mail_carries_only_its_link_so_guesses_stay_bounded(
    desk: Desk,
) -> None:
    """The first ten sign-in codes of a request's life carry digits; later mails only the
    link, so that, window after window, guesses stay at ten times five in a million."""
    rid = verified(desk)
    stranger = desk.another_browser()
    for _ in range(10):
        stranger_asks(stranger, rid)
    used_up = [e for e in desk.c.audit.timeline(rid)
               if e.action == "portal.sign_in_codes_used_up"]  # fmt: skip
    assert [(e.summary["codes"], e.summary["guesses"]) for e in used_up] == [(10, 50)]
    desk.world.clock.advance(timedelta(hours=24))
    assert stranger_asks(stranger, rid)[0] == 200
    mail = desk.mailer.to(ANNA_MAIL)[-1]
    assert "Your sign-in link" in mail.subject and "code:" not in mail.text, mail.text
    assert "Open this link to sign in" in mail.text
    status, text = open_link(desk.another_browser(), newest_link(desk))
    assert status == 200 and "Your request" in text, text


def test_wrong_guesses_lock_the_codes_but_not_the_next_one_the_requester_asks_for(
    desk: Desk,
) -> None:
    """A guess costs every live code one attempt: five wrong ones lock them all, so that a
    window's codes never take more than ten times five guesses however many are live."""
    rid = verified(desk)
    stranger = desk.another_browser()
    stranger_asks(stranger, rid)
    stranger_asks(stranger, rid)
    locked = [desk.code_for(ANNA_MAIL)]
    for _ in range(5):
        sign_in(stranger, rid, "000000" if locked[0] != "000000" else "111111")
    assert sign_in(desk.another_browser(), rid, locked[0])[0] == 400
    requester = desk.another_browser()
    stranger_asks(requester, rid)
    assert sign_in(requester, rid, desk.code_for(ANNA_MAIL))[0] == 200


def test_the_sign_in_tells_a_stranger_nothing_of_whether_the_request_was_verified(
    desk: Desk,
) -> None:
    """Before any code, after one, after a resend too soon, after a wrong guess: the same
    status and words for a verified request as for one never verified."""
    shown: dict[str, list[tuple[int, str]]] = {}
    for kind, rid in (("verified", verified(desk)), ("unverified", submit(desk))):
        stranger = desk.another_browser()
        seen = [sign_in(stranger, rid, "123456")]
        seen.append(stranger_asks(stranger, rid)[:2])
        seen.append(sign_in(stranger, rid, "123456"))
        shown[kind] = [(status, _words(text, rid)) for status, text in seen]
    assert shown["verified"] == shown["unverified"]
    assert [status for status, _ in shown["verified"]] == [400, 200, 400]
    assert "not right, or no longer works" in shown["verified"][0][1]


def _words(page: str, rid: str) -> str:
    """What a page says, without its per-page token and the request's own id."""
    return CSRF.sub("", page).replace(rid, "<id>")


def test_a_download_code_keeps_working_when_another_is_asked_for(desk: Desk) -> None:
    delivered = desk.deliver()
    assert desk.client.get(f"/d/{delivered.token}").status_code == 200
    desk.post(f"/download/{delivered.link_id}/code")
    first = desk.code_for(desk.address_of(delivered))
    desk.post(f"/download/{delivered.link_id}/code")
    page = desk.post(f"/download/{delivered.link_id}/confirm", code=first)
    assert "Ready to download" in page.text, page.text


def test_download_codes_are_capped_per_window_with_retry_after_and_audited(desk: Desk) -> None:
    delivered = desk.deliver()
    assert desk.client.get(f"/d/{delivered.token}").status_code == 200
    pages = [desk.post(f"/download/{delivered.link_id}/code") for _ in range(11)]
    assert [p.status_code for p in pages] == [200] * 10 + [429]
    assert pages[-1].headers["Retry-After"] == str(24 * 3600)
    timeline = desk.c.audit.timeline(delivered.request_id)
    caps = [e for e in timeline if e.action == "delivery.code_cap_reached"]
    assert [(e.summary["link_id"], e.summary["codes"]) for e in caps] == [(delivered.link_id, 10)]
    desk.world.clock.advance(timedelta(hours=24))
    # the browser's hold on the download link ended within the day: the ready mail's link again
    assert desk.client.get(f"/d/{delivered.token}").status_code == 200
    assert desk.post(f"/download/{delivered.link_id}/code").status_code == 200
    status, text = open_download_link(desk.client, newest_download_link(desk, delivered))
    assert status == 200 and "Ready to download" in text, text
