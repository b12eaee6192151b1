"""The staff console: sign-in with password and TOTP (or SSO), secure cookies, session timeout,
CSRF on every form, roles, the queue by deadline, request detail with its audit timeline, review
and approval, extension with reason, revocation; every action audited (Art. 5(2))."""

from __future__ import annotations

import html
import io
import json
import re
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from rightful.adapters.db.console import StaffSignInFailureRow, StaffUserRow
from rightful.adapters.db.packages import GateRunRow
from rightful.domain.console import SignInError
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.erasure import erasure_outcome
from rightful.domain.errors import ConflictError, IllegalTransitionError, PermissionDeniedError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.services.staff_auth import StaffAuthService

from ..packages.world import AGENT, REVIEWER, manifest_of
from .conftest import ANNA, ANNA_MAIL, Desk, make_desk

ADMIN = Principal("cli:test", Role.ADMIN)
PASSWORD = "a long enough password"
SSO_SECRET = "k" * 40


def add(desk: Desk, name: str, role: Role) -> None:
    desk.web.staff_auth.add_user(name, role, ADMIN, PASSWORD)


def sign_in(desk: Desk, user: str, client: TestClient | None = None, **wrong: str) -> TestClient:
    """Sign `user` in through the form (a fresh browser unless one is given); `wrong` replaces
    fields of the form."""
    client = client or desk.another_browser()
    client.post("/console/sign-in", data=sign_in_form(desk, client, user, **wrong))
    return client


def sign_in_form(desk: Desk, client: TestClient, user: str, **wrong: str) -> dict[str, str]:
    page = client.get("/console/sign-in")
    return {"csrf": form_token(page.text), "name": user, "password": PASSWORD,
            "code": desk.web.staff_auth.totp_now(user), **wrong}  # fmt: skip


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_sign_in_sets_a_strict_httponly_session_cookie_for_the_console(desk: Desk) -> None:
    add(desk, "rita", Role.REVIEWER)
    client = desk.another_browser()
    page = client.get("/console/sign-in")
    response = client.post("/console/sign-in", follow_redirects=False, data={
        "csrf": form_token(page.text), "name": "rita", "password": PASSWORD,
        "code": desk.web.staff_auth.totp_now("rita")})  # fmt: skip
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "rf_staff=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/console" in cookie
    assert "Secure" not in cookie  # the demo runs on plain http://127.0.0.1 only
    assert "Open requests by deadline" in client.get("/console").text


@pytest.mark.postgres
def test_a_staff_member_signs_in_with_password_and_code_on_postgresql(
    pg_url: str, tmp_path: Path
) -> None:
    """The session's sign-in method ("password_totp") fits its column on a store that holds
    lengths: it did not, and console sign-in failed on PostgreSQL."""
    d = make_desk(pg_url, tmp_path)
    add(d, "rita", Role.REVIEWER)
    assert "Open requests by deadline" in sign_in(d, "rita").get("/console").text
    d.c.store.engine.dispose()


def test_cookies_are_secure_everywhere_but_plain_loopback_http(tmp_path: Path) -> None:
    d = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, public_base_url="https://dsr.example")
    page = d.client.get("/portal/new")
    assert "Secure" in page.headers["set-cookie"]
    d.c.store.engine.dispose()


def test_every_kind_of_wrong_sign_in_gets_the_same_answer_and_a_code_works_once(
    desk: Desk,
) -> None:
    add(desk, "rita", Role.REVIEWER)
    answers = set()
    for wrong in ({"password": "not the password!"}, {"code": "000000"}, {"name": "nobody"}):
        client = desk.another_browser()
        page = client.post("/console/sign-in", data=sign_in_form(desk, client, "rita", **wrong))
        assert page.status_code == 401
        answers.add(re.search(r'role="alert">([^<]+)<', page.text).group(1))  # type: ignore[union-attr]
    assert answers == {"name, password or code is wrong"}
    first = sign_in(desk, "rita")
    assert "Open requests" in first.get("/console").text
    replay = sign_in(desk, "rita")  # the same TOTP code again, within its 30 seconds
    assert "Staff sign-in" in replay.get("/console", follow_redirects=True).text


def test_too_many_failures_lock_the_user_until_an_admin_unlocks(desk: Desk) -> None:
    add(desk, "rita", Role.REVIEWER)
    for _ in range(5):
        sign_in(desk, "rita", password="wrong password!!")
    desk.world.clock.advance(timedelta(seconds=30))
    assert "Staff sign-in" in sign_in(desk, "rita").get("/console", follow_redirects=True).text
    desk.web.staff_auth.unlock_user("rita", ADMIN)
    desk.world.clock.advance(timedelta(seconds=30))
    assert "Open requests" in sign_in(desk, "rita").get("/console").text
    actions = [(e["action"], e["summary"].get("locked")) for e in chain(desk)
               if e["action"].startswith("console.")]  # fmt: skip
    assert actions[:5] == [("console.user_added", None)] + [("console.sign_in_failed", None)] * 4
    assert ("console.sign_in_failed", True) in actions
    assert actions[-2:] == [("console.user_unlocked", None), ("console.signed_in", None)]


def from_address(desk: Desk, address: str) -> TestClient:
    return TestClient(desk.client.app, raise_server_exceptions=False, client=(address, 50000))


def test_failing_on_purpose_locks_the_attackers_address_not_the_user(desk: Desk) -> None:
    add(desk, "rita", Role.REVIEWER)
    for _ in range(5):
        sign_in(desk, "rita", from_address(desk, "198.51.100.66"), password="wrong password!!")
    desk.world.clock.advance(timedelta(seconds=30))
    attacker = sign_in(desk, "rita", from_address(desk, "198.51.100.66"))  # even the right one
    assert "Staff sign-in" in attacker.get("/console", follow_redirects=True).text
    desk.world.clock.advance(timedelta(seconds=30))
    rita = sign_in(desk, "rita", from_address(desk, "203.0.113.7"))
    assert "Open requests" in rita.get("/console").text
    locked = [e["summary"] for e in chain(desk) if e["action"] == "console.sign_in_failed"
              and e["summary"].get("locked")]  # type: ignore[attr-defined]  # fmt: skip
    assert len(locked) == 1 and "198.51.100.66" not in json.dumps(chain(desk))


def test_failures_from_many_addresses_lock_the_user_everywhere(tmp_path: Path) -> None:
    d = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path,
                  console_max_sign_in_failures_per_user=8)  # fmt: skip
    add(d, "rita", Role.REVIEWER)
    for n in range(8):  # two tries from each of four addresses: none of them is locked
        sign_in(d, "rita", from_address(d, f"198.51.100.{n // 2}"), password="wrong password!!")
    d.world.clock.advance(timedelta(seconds=30))
    assert "Staff sign-in" in sign_in(d, "rita", from_address(d, "203.0.113.7")).get(
        "/console", follow_redirects=True).text  # fmt: skip
    assert any(e["summary"].get("user_locked") for e in chain(d))  # type: ignore[attr-defined]
    d.web.staff_auth.unlock_user("rita", ADMIN)
    d.world.clock.advance(timedelta(seconds=30))
    assert "Open requests" in sign_in(d, "rita", from_address(d, "198.51.100.0")).get(
        "/console").text  # fmt: skip
    d.c.store.engine.dispose()


def test_two_first_failures_from_one_address_at_once_are_both_counted(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both saw no count for the pair and both inserted one: the second is counted on the first
    one's row, and the answer is the usual refusal, not a server error."""
    add(desk, "rita", Role.REVIEWER)
    auth = desk.web.staff_auth
    with pytest.raises(SignInError):
        auth.sign_in("rita", "wrong password!!", "000000", "198.51.100.9")
    found = StaffAuthService._pair
    raced = iter([True])

    def as_if_unseen(self: StaffAuthService, session: Any, row: Any, client: Any) -> Any:
        pair = found(self, session, row, client)
        if pair is not None and next(raced, False):
            return StaffSignInFailureRow(user_id=pair.user_id, client=pair.client, failures=0)
        return pair

    monkeypatch.setattr(StaffAuthService, "_pair", as_if_unseen)
    with pytest.raises(SignInError):
        auth.sign_in("rita", "wrong password!!", "000000", "198.51.100.9")
    with desk.c.store.transaction() as session:
        [pair] = session.scalars(select(StaffSignInFailureRow)).all()
        assert pair.failures == 2


@pytest.mark.postgres
def test_parallel_wrong_sign_ins_are_each_counted_and_lock_once_on_postgresql(
    pg_url: str, tmp_path: Path
) -> None:
    """Every wrong attempt counts even when many arrive at once: read-modify-write counting lost
    increments on PostgreSQL, and a guesser got more tries than the limit."""
    d = make_desk(pg_url, tmp_path, console_max_sign_in_failures=5,
                  console_max_sign_in_failures_per_user=12)  # fmt: skip
    add(d, "rita", Role.REVIEWER)
    auth, start = d.web.staff_auth, threading.Barrier(12)

    def guess(n: int) -> str:
        start.wait()
        try:
            auth.sign_in("rita", f"wrong password {n}", "000000", "198.51.100.9")
        except SignInError:
            return "refused"
        return "signed in"

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(guess, range(12)))
    assert answers == ["refused"] * 12
    with d.c.store.transaction() as session:
        [pair] = session.scalars(select(StaffSignInFailureRow)).all()
        user = session.scalars(select(StaffUserRow)).one()
        assert (pair.failures, user.failures) == (12, 12)
        assert pair.locked_at is not None and user.locked_at is not None
    failed = [e["summary"] for e in chain(d) if e["action"] == "console.sign_in_failed"]
    assert len(failed) == 12
    assert sum(bool(f.get("locked")) for f in failed) == 1  # type: ignore[attr-defined]
    assert sum(bool(f.get("user_locked")) for f in failed) == 1  # type: ignore[attr-defined]
    with pytest.raises(SignInError):  # even the right password and code from elsewhere
        auth.sign_in("rita", PASSWORD, auth.totp_now("rita"), "203.0.113.7")
    d.c.store.engine.dispose()


@pytest.mark.postgres
def test_one_code_signs_in_once_even_when_sent_twice_at_once_on_postgresql(
    pg_url: str, tmp_path: Path
) -> None:
    one_code_sent_four_times_at_once(pg_url, tmp_path)


def test_one_code_signs_in_once_even_when_sent_twice_at_once_on_sqlite(tmp_path: Path) -> None:
    """The embedded default serves the console from a thread pool: four sign-ins with one code
    all succeeded here before the code's step was claimed by compare-and-set."""
    one_code_sent_four_times_at_once(f"sqlite:///{tmp_path}/rightful.db", tmp_path)


def one_code_sent_four_times_at_once(url: str, tmp_path: Path) -> None:
    d = make_desk(url, tmp_path)
    add(d, "rita", Role.REVIEWER)
    auth, start = d.web.staff_auth, threading.Barrier(4)
    code = auth.totp_now("rita")

    def sign_in_with_the_code(_: int) -> bool:
        start.wait()
        try:
            auth.sign_in("rita", PASSWORD, code, "203.0.113.7")
        except SignInError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(sign_in_with_the_code, range(4))) == [False, False, False, True]
    d.c.store.engine.dispose()


def chain(desk: Desk) -> list[dict[str, object]]:
    """Every entry of the audit chain (console events belong to no request)."""
    path = desk.world.c.settings.data_dir / "audit-export.jsonl"
    desk.c.audit.export(path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [line for line in lines if line["type"] == "entry"]


def test_a_session_ends_after_idle_time(desk: Desk) -> None:
    add(desk, "rita", Role.REVIEWER)
    client = sign_in(desk, "rita")
    desk.world.clock.advance(timedelta(minutes=29))
    assert "Open requests" in client.get("/console").text
    desk.world.clock.advance(timedelta(minutes=30))
    page = client.get("/console", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/console/sign-in")


def cancelled_after_the_session_ended(desk: Desk) -> tuple[TestClient, str, Any]:
    """An agent opens a request's page, is idle past the session's end, then sends a cancel:
    (their browser, the request id, the answer to the cancel, unfollowed)."""
    rid = desk.world.request_for(ANNA, high=False)
    add(desk, "andy", Role.AGENT)
    client = sign_in(desk, "andy")
    token = form_token(client.get(f"/console/requests/{rid}").text)
    desk.world.clock.advance(timedelta(minutes=31))
    sent = client.post(f"/console/requests/{rid}/cancel", follow_redirects=False,
                       data={"csrf": token, "reason": "asked by phone to stop"})  # fmt: skip
    return client, rid, sent


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page_after_sign_in(
    desk: Desk,
) -> None:
    """Signed out while writing: after signing in the member is on the request's page again,
    told that nothing was done (the form's address answers only POST: it was a 405 page)."""
    client, rid, sent = cancelled_after_the_session_ended(desk)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/console/sign-in")
    assert desk.c.requests.get(rid).status != "cancelled"
    page = client.get(sent.headers["location"]).text
    then = re.search(r'name="next" value="([^"]+)"', page)
    assert then is not None
    form = {**sign_in_form(desk, client, "andy"), "next": html.unescape(then.group(1))}
    landed = client.post("/console/sign-in", data=form)
    assert landed.status_code == 200 and landed.url.path == f"/console/requests/{rid}"
    assert "You were signed out, so that was not done: do it again." in landed.text
    signed_out = desk.another_browser().post("/console/sign-out", follow_redirects=False)
    assert signed_out.headers["location"] == "/console/sign-in?next=/console"


def test_the_not_done_message_outlasts_a_slow_sign_in(
    desk: Desk,
) -> None:
    """The words that the form was not done travel signed with the sign-in page's address. They
    lasted the five minutes of an action's outcome: someone who fetched their phone for the code
    came back to the page with no word, and took the action for done."""
    client, rid, sent = cancelled_after_the_session_ended(desk)
    then = re.search(r'name="next" value="([^"]+)"', client.get(sent.headers["location"]).text)
    assert then is not None
    desk.world.clock.advance(timedelta(minutes=20))  # twenty minutes on the sign-in page
    form = {**sign_in_form(desk, client, "andy"), "next": html.unescape(then.group(1))}
    landed = client.post("/console/sign-in", data=form)
    assert landed.url.path == f"/console/requests/{rid}"
    assert "You were signed out, so that was not done: do it again." in landed.text


def test_the_queue_puts_overdue_first_and_marks_due_soon(desk: Desk) -> None:
    clock = desk.world.clock
    start = clock.now()
    clock.set(start - timedelta(days=40))
    overdue = desk.world.request_for(ANNA, high=False)
    clock.set(start - timedelta(days=27))
    soon = desk.world.request_for(2, high=False)
    clock.set(start)
    fresh = desk.world.request_for(4, high=False)
    add(desk, "andy", Role.AGENT)
    page = sign_in(desk, "andy").get("/console").text
    rows = re.findall(r'<tr class="(\w+)">\s*<td><a class="mono" href="/console/requests/([\w-]+)"',
                      page)  # fmt: skip
    assert rows == [("overdue", overdue), ("due_soon", soon), ("ok", fresh)]


def test_a_link_cannot_make_the_console_say_what_it_likes(desk: Desk) -> None:
    """Outcome messages travel signed: a crafted link shows nothing of its own words."""
    delivered = desk.deliver()
    add(desk, "andy", Role.AGENT)
    browser = sign_in(desk, "andy")
    base = f"/console/requests/{delivered.request_id}"
    for crafted in ("?error=Session expired: call IT on 555-0100", "?flash=error:call IT",
                    "?done=call IT"):  # fmt: skip
        page = browser.get(base + crafted).text
        assert "call IT" not in page and "Audit timeline" in page


def test_request_detail_shows_the_audit_timeline_and_the_view_is_audited(desk: Desk) -> None:
    delivered = desk.deliver()
    add(desk, "andy", Role.AGENT)
    page = sign_in(desk, "andy").get(f"/console/requests/{delivered.request_id}").text
    assert (
        "Audit timeline" in page and "delivery.link_issued" in page and "request.submitted" in page
    )
    assert "a***@e***.com" in page  # the verified channel, masked
    confirmed = re.search(r"<dt>Receipt confirmed</dt><dd>([^<]*)</dd>", page)
    assert confirmed is not None and "not yet" not in confirmed.group(1), confirmed
    assert "console.request_viewed" in [
        e.action for e in desk.c.audit.timeline(delivered.request_id)
    ]


def test_an_agent_cannot_extend_a_dpo_can_and_the_requester_is_told_why(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    add(desk, "andy", Role.AGENT)
    add(desk, "dana", Role.DPO)
    agent = sign_in(desk, "andy")
    token = form_token(agent.get(f"/console/requests/{rid}").text)
    refused = agent.post(f"/console/requests/{rid}/extend", data={
        "csrf": token, "reason": "many systems", "months": "2"})  # fmt: skip
    assert refused.status_code == 403 and "dpo" in refused.text
    dpo = sign_in(desk, "dana")
    detail = dpo.get(f"/console/requests/{rid}").text
    assert "Extend and notify" in detail
    done = dpo.post(f"/console/requests/{rid}/extend", data={
        "csrf": form_token(detail), "reason": "Recordings are held in three systems",
        "months": "2"})  # fmt: skip
    assert "Extended" in done.text
    told = [m for m in desk.mailer.to(ANNA_MAIL) if "more time" in m.subject]
    assert len(told) == 1  # one notice, one mail
    assert "Recordings are held in three systems" in told[0].text
    assert "2026-06-02" in told[0].text


def test_an_extension_by_a_length_that_is_no_number_of_months_is_refused_and_nothing_changes(
    desk: Desk,
) -> None:
    """A tampered form's "abc" extended by the most the law allows, and "²" was a server error."""
    rid = desk.world.request_for(ANNA, high=False)
    add(desk, "dana", Role.DPO)
    dpo = sign_in(desk, "dana")
    for months in ("abc", "²", "-1", "1.5"):
        answer = dpo.post(f"/console/requests/{rid}/extend", data={
            "csrf": form_token(dpo.get(f"/console/requests/{rid}").text),
            "reason": "Recordings are held in three systems", "months": months})  # fmt: skip
        assert answer.status_code == 422 and "a whole number of months" in answer.text, months
    assert desk.c.requests.get(rid).extended_at is None
    assert not [m for m in desk.mailer.to(ANNA_MAIL) if "more time" in m.subject]


def test_a_refusal_and_an_extension_by_cli_or_api_reach_the_requester_by_mail(desk: Desk) -> None:
    """REQUIREMENTS.md:6-7 (Art. 12(3), 12(4)): the requester is told of an extension with its
    reason, and of a refusal with its reasons and the right to complain, whichever door staff
    used (the service behind CLI, API and console sends them, once committed)."""
    dpo = Principal("cli:dana", Role.DPO)
    extended = desk.world.request_for(ANNA, high=False)
    desk.c.requests.extend(extended, dpo, reason="Recordings are held in three systems")
    refused = desk.world.request_for(ANNA, high=False)
    desk.c.requests.refuse(refused, dpo, ["manifestly excessive: the tenth in a week"])
    mails = desk.mailer.to(ANNA_MAIL)
    extension = [m for m in mails if refused[:8] not in m.subject and "more time" in m.subject]
    assert len(extension) == 1 and "three systems" in extension[0].text
    refusal = [m for m in mails if "decision" in m.subject]
    assert len(refusal) == 1 and refused[:8] in refusal[0].subject
    assert "the tenth in a week" in refusal[0].text
    assert "supervisory authority" in refusal[0].text and "judicial remedy" in refusal[0].text


def test_a_request_that_expires_unverified_tells_the_requester_and_their_remedies(
    desk: Desk,
) -> None:
    """REQUIREMENTS.md:7 (Art. 12(4)): no action is told too, with the right to complain and to
    a judicial remedy, in the requester's language."""
    new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email=ANNA_MAIL, language="de")
    rid = desk.c.requests.submit(new, Principal("public", None)).id
    dpo = Principal("cli:dana", Role.DPO)
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, dpo)
    desk.c.requests.move_by_hand(rid, Status.EXPIRED, dpo, "no confirmation within 30 days")
    assert [n.kind for n in desk.c.requests.notices(rid)][-1] == "expiry"
    told = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject]
    assert len(told) == 1 and "geschlossen" in told[0].subject
    assert "Aufsichtsbehörde" in told[0].text and "Rechtsbehelf" in told[0].text
    assert "30 days" not in told[0].text  # the staff's reason stays internal


def test_a_form_with_another_sessions_token_is_refused(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    add(desk, "andy", Role.AGENT)
    add(desk, "anne", Role.AGENT)
    theirs = form_token(sign_in(desk, "anne").get(f"/console/requests/{rid}").text)
    desk.world.clock.advance(timedelta(seconds=30))
    mine = sign_in(desk, "andy")
    page = mine.post(f"/console/requests/{rid}/cancel", data={"csrf": theirs, "reason": "x"})
    assert page.status_code == 403 and "forged" in page.text
    assert desk.c.requests.get(rid).status != "cancelled"
    token = form_token(mine.get("/console").text)
    too_long = mine.post(
        f"/console/requests/{rid}/cancel", data={"csrf": token, "reason": "x" * 3000}
    )
    assert too_long.status_code == 422 and "<h1>Check the form</h1>" in too_long.text
    assert "Privacy requests" not in too_long.text, "the console's page, not the portal's"
    missing = mine.get("/console/requests/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and "<h1>Not found</h1>" in missing.text


def test_a_reviewer_reviews_approves_and_the_link_goes_out(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    add(desk, "rita", Role.REVIEWER)
    reviewer = sign_in(desk, "rita")
    review = reviewer.get(f"/console/packages/{package.id}").text
    assert "Leak gate" in review and "passed" in review and "Sample of items" in review
    # what a reviewer needs to leave a row out: its key, and whose data it also holds
    contact = next(i for i in manifest_of(desk.world, package.id)["items"]
                   if i["collection"] == "accounts.contacts")  # fmt: skip
    assert f'<td class="mono">{contact["key"][0]}</td>' in review
    assert "contact_name, contact_phone" in review
    done = reviewer.post(f"/console/packages/{package.id}/approve",
                         data={"csrf": form_token(review)})  # fmt: skip
    assert "Approved; the download link went" in done.text
    assert "/d/" in desk.mailer.to(ANNA_MAIL)[-1].text
    assert desk.c.requests.get(rid).status == "delivered"


def test_a_mail_the_relay_refuses_leaves_the_package_approved_and_says_so(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    add(desk, "rita", Role.REVIEWER)
    reviewer = sign_in(desk, "rita")
    review = reviewer.get(f"/console/packages/{package.id}").text
    desk.mailer.fail_with = "the mail server did not accept the message"
    refused = reviewer.post(f"/console/packages/{package.id}/approve",
                            data={"csrf": form_token(review)})  # fmt: skip
    assert "Approved, but no link went out" in refused.text
    assert desk.c.requests.get(rid).status == "approved"
    desk.mailer.fail_with = None
    sent = reviewer.post(f"/console/packages/{package.id}/deliver",
                         data={"csrf": form_token(refused.text)})  # fmt: skip
    assert "A new download link went" in sent.text
    assert desk.c.requests.get(rid).status == "delivered"


def test_the_package_page_counts_checked_items_in_words(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    with desk.c.store.transaction() as session:
        session.execute(update(GateRunRow).where(GateRunRow.package_id == package.id)
                        .values(items_checked=1))  # fmt: skip
    add(desk, "rita", Role.REVIEWER)
    review = sign_in(desk, "rita").get(f"/console/packages/{package.id}").text
    assert "1 item checked" in review and "1 items" not in review


def test_the_package_page_names_each_category_in_words_beside_its_key(desk: Desk) -> None:
    """A reviewer approves what the requester will read (Art. 12(1): plain language), so the
    review names "E-mail addresses", not only user.contact.email; the key stays beside the
    words, for staff wire the data map in keys."""
    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    add(desk, "rita", Role.REVIEWER)
    review = html.unescape(sign_in(desk, "rita").get(f"/console/packages/{package.id}").text)
    assert re.search(r"<li>E-mail addresses \(user\.contact\.email\): \d+</li>", review)
    withheld = re.search(r"speaker\.recordings</span> \([^)]*\): ([^<]*)</li>", review)
    assert withheld is not None and "Voice recordings (user.biometric.voice)" in withheld[1]
    sample = review.split('aria-label="Sample of items"')[1].split("</table>")[0]
    assert "Device serial numbers (user.device.device_id)</td>" in sample
    assert "<td>user." not in sample and "<td>system." not in sample


def test_an_agent_revokes_a_link_from_the_request_page(desk: Desk) -> None:
    delivered = desk.deliver()
    add(desk, "andy", Role.AGENT)
    agent = sign_in(desk, "andy")
    detail = agent.get(f"/console/requests/{delivered.request_id}").text
    agent.post(f"/console/links/{delivered.link_id}/revoke", data={"csrf": form_token(detail)})
    assert desk.web.delivery.view(delivered.link_id).state == "revoked"
    assert desk.client.get(f"/d/{delivered.token}").status_code == 410
    assert "package.reviewed" not in [e.action for e in desk.c.audit.timeline(delivered.request_id)]


def test_an_agent_may_not_open_a_package_review(desk: Desk) -> None:
    delivered = desk.deliver()
    add(desk, "andy", Role.AGENT)
    page = sign_in(desk, "andy").get(f"/console/packages/{delivered.package_id}")
    assert page.status_code == 403


@pytest.fixture
def sso_desk(tmp_path: Path) -> Iterator[Desk]:
    d = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, staff_sso_issuer="https://idp.example",
                  staff_sso_secret=SSO_SECRET)  # fmt: skip
    yield d
    d.c.store.engine.dispose()


def sso_assertion(desk: Desk, name: str, jti: str | None = None) -> str:
    exp = int((desk.world.clock.now() + timedelta(minutes=5)).timestamp())
    claims = {"iss": "https://idp.example", "aud": "rightful-console", "sub": name,
              "jti": jti or uuid.uuid4().hex, "exp": exp}  # fmt: skip
    return jwt.encode(claims, SSO_SECRET, algorithm="HS256")


def sso_sign_in(client: TestClient, assertion: str) -> str:
    """Post the assertion as the identity provider would, then confirm on our page."""
    page = client.post("/console/sso", data={"assertion": assertion})
    if "Continue as" not in page.text:
        return page.text
    return client.post("/console/sso/confirm", data={"csrf": form_token(page.text),
                       "assertion": assertion}).text  # fmt: skip


def test_sso_signs_in_an_existing_user_once_per_assertion(sso_desk: Desk) -> None:
    add(sso_desk, "rita", Role.REVIEWER)
    token = sso_assertion(sso_desk, "rita", jti="one")
    client = sso_desk.another_browser()
    sso_sign_in(client, token)
    assert "Open requests" in client.get("/console").text
    again = sso_desk.another_browser()
    assert "used already" in sso_sign_in(again, token)
    stranger = sso_desk.another_browser()
    assert "no enabled console user" in sso_sign_in(stranger, sso_assertion(sso_desk, "mallory"))


def test_an_assertion_posted_from_another_site_signs_nobody_in_without_a_click_here(
    sso_desk: Desk,
) -> None:
    """Login CSRF: a page elsewhere makes the browser post an assertion for the attacker's own
    user. The browser is not signed in; our page names the user and asks first."""
    add(sso_desk, "mallory", Role.AGENT)
    victim = sso_desk.another_browser()
    assertion = sso_assertion(sso_desk, "mallory")
    page = victim.post("/console/sso", data={"assertion": assertion})
    assert "Sign in as mallory?" in page.text and "rf_staff" not in victim.cookies
    assert victim.get("/console", follow_redirects=False).status_code == 303
    forged = victim.post("/console/sso/confirm", data={"assertion": assertion, "csrf": "x" * 43})
    assert forged.status_code == 403 and "rf_staff" not in victim.cookies
    assert "Open requests" in sso_sign_in(victim, assertion)  # the person's own click


def test_signing_in_again_in_a_browser_ends_the_session_it_held(desk: Desk) -> None:
    add(desk, "rita", Role.REVIEWER)
    browser = sign_in(desk, "rita")
    old = browser.cookies["rf_staff"]
    desk.world.clock.advance(timedelta(seconds=31))  # a code is good once: the next one
    sign_in(desk, "rita", browser)
    assert browser.cookies["rf_staff"] != old
    assert browser.get("/console", follow_redirects=False).status_code == 200
    copied = desk.another_browser()
    copied.cookies.set("rf_staff", old, path="/console")
    assert copied.get("/console", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session(desk: Desk) -> None:
    add(desk, "rita", Role.REVIEWER)
    client = sign_in(desk, "rita")
    page = client.get("/console").text
    client.post("/console/sign-out", data={"csrf": form_token(page)})
    assert client.get("/console", follow_redirects=False).status_code == 303
    _ = REVIEWER


def upload_for(desk: Desk, rid: str, by: Principal) -> str:
    return desk.c.attachments.upload(  # type: ignore[no-any-return]
        rid, by, filename="letter.pdf", content=io.BytesIO(b"%PDF scanned letter"),
        collection="shop.orders", labels=[("customer_id", str(ANNA))],
        justification="Scanned letter the customer sent with the request.",
    ).id  # fmt: skip


def test_a_second_person_approves_an_uploaded_file_from_the_request_page(desk: Desk) -> None:
    """Four eyes (issue 5, manual additions): the uploader sees no approve button and cannot
    approve by posting the form; another reviewer can, and the audit chain says who."""
    rid = desk.world.request_for(ANNA)
    uma_id = desk.web.staff_auth.add_user("uma", Role.REVIEWER, ADMIN, PASSWORD).id
    rita_id = desk.web.staff_auth.add_user("rita", Role.REVIEWER, ADMIN, PASSWORD).id
    uma = sign_in(desk, "uma")
    uploaded = upload_for(desk, rid, Principal(f"staff:{uma_id}", Role.REVIEWER))
    page = uma.get(f"/console/requests/{rid}").text
    assert "<h2>Attachments</h2>" in page and "uploaded file letter.pdf" in page
    assert f"Approve {uploaded[:8]}" not in page, "no button for the uploader"
    refused = uma.post(f"/console/requests/{rid}/attachments/{uploaded}/approve",
                       data={"csrf": form_token(page)})  # fmt: skip
    assert "second" in refused.text.lower() or "another" in refused.text.lower(), refused.text
    assert desk.c.attachments.for_request(rid)[0].state == "pending"
    rita = sign_in(desk, "rita")
    page = rita.get(f"/console/requests/{rid}").text
    assert f"Approve {uploaded[:8]}" in page
    done = rita.post(f"/console/requests/{rid}/attachments/{uploaded}/approve",
                     data={"csrf": form_token(page), "note": "checked the letter"})  # fmt: skip
    assert "Attachment approved" in done.text
    [row] = desk.c.attachments.for_request(rid)
    assert (row.state, row.decided_by, row.decision_note) == (
        "approved",
        f"staff:{rita_id}",
        "checked the letter",
    )
    assert "attachment.approved" in [e.action for e in desk.c.audit.timeline(rid)]


def test_an_agent_withdraws_an_attachment_with_a_reason_and_cannot_approve(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA)
    uploaded = upload_for(desk, rid, REVIEWER)
    add(desk, "andy", Role.AGENT)
    andy = sign_in(desk, "andy")
    page = andy.get(f"/console/requests/{rid}").text
    assert f"Approve {uploaded[:8]}" not in page and f"Withdraw {uploaded[:8]}" in page
    denied = andy.post(f"/console/requests/{rid}/attachments/{uploaded}/approve",
                       data={"csrf": form_token(page)})  # fmt: skip
    assert desk.c.attachments.for_request(rid)[0].state == "pending", denied.text
    empty = andy.post(f"/console/requests/{rid}/attachments/{uploaded}/withdraw",
                      data={"csrf": form_token(page), "note": " "})  # fmt: skip
    assert "needs a reason" in empty.text
    short = andy.post(f"/console/requests/{rid}/attachments/{uploaded}/withdraw",
                      data={"csrf": form_token(page), "note": "x"})  # fmt: skip
    assert "at least 10 visible characters" in short.text
    assert desk.c.attachments.for_request(rid)[0].state == "pending"
    done = andy.post(f"/console/requests/{rid}/attachments/{uploaded}/withdraw",
                     data={"csrf": form_token(page), "note": "sent to us by mistake"})  # fmt: skip
    assert "Attachment withdrawn" in done.text
    [row] = desk.c.attachments.for_request(rid)
    assert (row.state, row.withdrawal_reason) == ("withdrawn", "sent to us by mistake")
    other = desk.world.request_for(4)
    wrong = andy.post(f"/console/requests/{other}/attachments/{uploaded}/withdraw",
                      data={"csrf": form_token(page), "note": "not for this one"})  # fmt: skip
    assert "no such attachment on this request" in wrong.text


def verified_erasure(desk: Desk, language: str = "en") -> str:
    new = NewRequest(RequestType.ERASURE, Jurisdiction.GDPR, email=ANNA_MAIL, language=language)
    rid: str = desk.c.requests.submit(new, Principal("public", None)).id
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM_PRINCIPAL)
    desk.c.requests.move(rid, Status.VERIFIED, SYSTEM_PRINCIPAL, "e-mail code confirmed")
    return rid


SYSTEM_PRINCIPAL = Principal("system", None)


def test_an_erasure_outcome_tells_the_requester_what_was_erased_kept_and_why(desk: Desk) -> None:
    """REQUIREMENTS.md:25 (Art. 17, 19): the ground is recorded, every category kept names the
    Art. 17(3) exception relied on, recipients are told, and so is the requester."""
    rid = verified_erasure(desk, "de")
    outcome = erasure_outcome(
        "b", ["user.contact", "user.behavior"], [("user.content", "b")], 2, desk.c.datamap
    )
    with pytest.raises(PermissionDeniedError):
        desk.c.requests.record_erasure(rid, outcome, Principal("cli:andy", Role.REVIEWER))
    row = desk.c.requests.record_erasure(rid, outcome, Principal("cli:dana", Role.DPO))
    assert row.status == Status.CLOSED and row.erasure_outcome["kept"] == [
        {"category": "user.content", "exception": "b"}
    ]
    [told] = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject]
    assert "gelöscht" in told.subject
    assert "Einwilligung widerrufen" in told.text
    assert "Kontaktdaten, Nutzung unseres Dienstes" in told.text and "user." not in told.text
    assert "Ihre Inhalte, zur Erfüllung einer rechtlichen Verpflichtung" in told.text
    assert "Art. 17 Abs. 3 Buchst. b" in told.text and "2 Empfänger" in told.text
    [entry] = [e for e in desk.c.audit.timeline(rid) if e.action == "request.erasure_recorded"]
    assert entry.summary == {"ground": "b", "erased": 2, "kept": 1, "exceptions": ["b"],
                             "recipients_told": 2}  # fmt: skip
    again = desk.c.requests
    with pytest.raises(ConflictError, match="is closed"):
        again.record_erasure(rid, outcome, Principal("cli:dana", Role.DPO))
    access = desk.world.request_for(ANNA, high=False)
    with pytest.raises(ConflictError, match="gdpr access request"):
        again.record_erasure(access, outcome, Principal("cli:dana", Role.DPO))


def test_a_dpo_records_an_erasure_from_the_request_page(desk: Desk) -> None:
    rid = verified_erasure(desk)
    add(desk, "andy", Role.AGENT)
    add(desk, "dana", Role.DPO)
    assert "Record the erasure" not in sign_in(desk, "andy").get(f"/console/requests/{rid}").text
    dana = sign_in(desk, "dana")
    page = dana.get(f"/console/requests/{rid}").text
    assert "Record the erasure" in page
    form = {"csrf": form_token(page), "ground": "a", "erased": "user.contact\nuser.behavior",
            "kept": "user.content=x", "recipients_told": "1"}  # fmt: skip
    wrong = dana.post(f"/console/requests/{rid}/erasure", data=form)
    assert "Art. 17(3)" in wrong.text and desk.c.requests.get(rid).status == Status.VERIFIED
    done = dana.post(f"/console/requests/{rid}/erasure", data={**form, "kept": "user.content=b"})
    assert "Erasure recorded" in done.text
    assert ("erased Contact details (user.contact), How you used our service (user.behavior); "
            "kept Content you created (user.content) (17(3)(b))") in done.text  # fmt: skip
    assert desk.c.requests.get(rid).status == Status.CLOSED


def test_a_rectification_is_answered_with_what_was_done_and_the_requester_is_told(
    desk: Desk,
) -> None:
    """REQUIREMENTS.md:6-7 (Art. 12(3)): the requester is told of the action taken, with their
    remedies; the words are staff's, kept on the notice, only their digest in the chain."""
    new = NewRequest(RequestType.RECTIFICATION, Jurisdiction.GDPR, email=ANNA_MAIL,
                     details="My address is <Lindenallee 4>, not Lindenstraße 4.")  # fmt: skip
    rid: str = desk.c.requests.submit(new, Principal("public", None)).id
    add(desk, "dora", Role.AGENT)
    page = sign_in(desk, "dora").get(f"/console/requests/{rid}").text
    assert "<dt>In their words</dt>" in page and "&lt;Lindenallee 4&gt;, not" in page
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM_PRINCIPAL)
    desk.c.requests.move(rid, Status.VERIFIED, SYSTEM_PRINCIPAL, "e-mail code confirmed")
    words = "We corrected your postal address in the customer and the shipping systems."
    desk.c.requests.answer(rid, words, Principal("cli:dana", Role.DPO))
    assert desk.c.requests.get(rid).status == Status.CLOSED
    [told] = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject]
    assert "what we did" in told.subject and words in told.text
    assert "supervisory authority" in told.text and "judicial remedy" in told.text
    chain = str([e.summary for e in desk.c.audit.timeline(rid)])
    assert "postal" not in chain and "action_taken" in chain


def test_a_verified_request_put_on_hold_resumes_and_cannot_expire(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    status = Status(desk.c.requests.get(rid).status)
    agent, dpo = Principal("cli:andy", Role.AGENT), Principal("cli:dana", Role.DPO)
    desk.c.requests.move_by_hand(rid, Status.ON_HOLD, agent, "waiting for the reviewer")
    with pytest.raises(IllegalTransitionError, match="waiting for the requester's identity"):
        desk.c.requests.move_by_hand(rid, Status.EXPIRED, dpo, "no answer")
    assert desk.c.requests.move_by_hand(rid, status, agent).status == status
    assert not [n for n in desk.c.requests.notices(rid) if n.kind == "expiry"]


def test_a_delivered_request_is_answered_and_cannot_be_extended(desk: Desk) -> None:
    delivered = desk.deliver()
    with pytest.raises(ConflictError, match="cannot be extended"):
        desk.c.requests.extend(delivered.request_id, Principal("cli:dana", Role.DPO), reason="x")


def test_a_request_staff_entered_is_confirmed_by_mail_one_from_the_portal_on_its_page(
    desk: Desk,
) -> None:
    """CCPA §7021(a) (REQUIREMENTS.md:9): receipt is confirmed to the requester; a request typed
    in by staff has no page to say so, so it goes by mail."""
    staff = Principal("cli:andy", Role.AGENT)
    entered = NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL, channel="staff")
    rid = desk.c.requests.submit(entered, staff).id
    [confirmed] = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject]
    assert "We have received your request" in confirmed.subject
    web = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email=ANNA_MAIL)
    online = desk.c.requests.submit(web, Principal("public", None)).id
    assert not [m for m in desk.mailer.to(ANNA_MAIL) if online[:8] in m.subject]
