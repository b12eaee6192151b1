"""The portal's request form sent twice (a double click, a reload while it was sent, the
browser's "resend form data") is one request: one reference, one code mail, one audit entry,
and the second answer leads where the first did. The form carries a one-time token for that
(REQUIREMENTS.md: Art. 5(2); Identity: a code only for the request it confirms)."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from rightful.adapters.db.audit import AuditEntryRow
from rightful.adapters.db.tables import RequestRow
from rightful.services.verification_mail import reference

from .conftest import ANNA_MAIL, BEN_MAIL, Desk, make_desk

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
FORM = {"type": "access", "jurisdiction": "gdpr", "language": "en", "email": ANNA_MAIL}


def form_page(desk: Desk) -> dict[str, str]:
    """The hidden fields of a freshly rendered form: its CSRF token and its one-time token."""
    page = desk.client.get("/portal/new").text
    csrf, token = re.search(r'name="csrf" value="([^"]+)"', page), TOKEN.search(page)
    assert csrf is not None and token is not None
    return {"csrf": csrf.group(1), "form_token": token.group(1)}


def send(desk: Desk, hidden: dict[str, str], **fields: str) -> Any:
    """Press Send: the answer as the browser gets it (a redirect), not followed."""
    return desk.client.post("/portal/new", data={**hidden, **FORM, **fields},
                            follow_redirects=False)  # fmt: skip


def requests_made(desk: Desk) -> int:
    with desk.c.store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(RequestRow)) or 0)


def submitted_entries(desk: Desk) -> int:
    with desk.c.store.transaction() as session:
        query = select(func.count()).where(AuditEntryRow.action == "request.submitted")
        return int(session.scalar(query) or 0)


def test_every_rendering_of_the_form_has_its_own_token(desk: Desk) -> None:
    first, second = form_page(desk)["form_token"], form_page(desk)["form_token"]
    assert first != second and len(first) >= 32


def test_the_form_sent_twice_is_one_request_with_one_code_and_the_same_page(desk: Desk) -> None:
    hidden = form_page(desk)
    first = send(desk, hidden)
    # The first answer never reached the browser (the second click cancelled it): its cookie
    # for the code is not there when the second answer comes.
    desk.client.cookies.delete("rf_pending")
    second = send(desk, hidden)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    assert re.fullmatch(r"/portal/requests/[0-9a-f-]{36}/verify\?sent=1", first.headers["location"])
    assert requests_made(desk) == 1 and submitted_entries(desk) == 1
    assert len(desk.mailer.to(ANNA_MAIL)) == 1  # one code, no second mail
    # ... and the second answer lets this browser confirm with the code of the first.
    rid = first.headers["location"].split("/")[3]
    code = {"csrf": hidden["csrf"], "code": desk.code_for(ANNA_MAIL)}
    page = desk.client.post(f"/portal/requests/{rid}/verify", data=code, follow_redirects=True)
    assert "You are verified" in page.text


def test_the_form_sent_again_at_the_same_moment_is_one_request_and_one_code(
    store_desk: Desk,
) -> None:
    """Presses whose forms reach the server at once (SQLite and PostgreSQL): the store lets one
    make the request and one ask for its code, even where codes may be sent again at once; the
    others answer with the same page."""
    desk, runs = store_desk, 4
    hidden, start = form_page(desk), threading.Barrier(runs)

    def press() -> Any:
        start.wait(timeout=30)
        return send(desk, hidden)

    with ThreadPoolExecutor(runs) as pool:
        answers = [f.result() for f in [pool.submit(press) for _ in range(runs)]]
    assert [a.status_code for a in answers] == [303] * runs
    assert len({a.headers["location"] for a in answers}) == 1
    assert requests_made(desk) == 1 and submitted_entries(desk) == 1
    assert len(desk.mailer.to(ANNA_MAIL)) == 1


def test_sent_again_after_confirming_it_leads_to_the_request_not_to_a_new_code(
    desk: Desk,
) -> None:
    hidden = form_page(desk)
    rid = send(desk, hidden).headers["location"].split("/")[3]
    desk.client.post(f"/portal/requests/{rid}/verify",
                     data={"csrf": hidden["csrf"], "code": desk.code_for(ANNA_MAIL)})  # fmt: skip
    again = send(desk, hidden)
    assert again.headers["location"] == f"/portal/requests/{rid}"
    assert requests_made(desk) == 1 and len(desk.mailer.to(ANNA_MAIL)) == 1


def test_an_opt_out_sent_twice_is_confirmed_once(desk: Desk) -> None:
    hidden = form_page(desk)
    first = send(desk, hidden, type="objection", jurisdiction="ccpa")
    second = send(desk, hidden, type="objection", jurisdiction="ccpa")
    assert first.headers["location"].endswith("/received")
    assert second.headers["location"] == first.headers["location"]
    assert requests_made(desk) == 1


def test_the_form_changed_and_sent_again_comes_back_to_be_sent_as_a_new_request(
    desk: Desk,
) -> None:
    """Sent, then back, the address corrected, sent again with the same page: not taken for a
    repeat of the first (whose code went to the other address), nor silently made a second
    request; the form comes back as typed, saying so, with a new token."""
    hidden = form_page(desk)
    rid = send(desk, hidden).headers["location"].split("/")[3]
    changed = send(desk, hidden, email=BEN_MAIL)
    assert changed.status_code == 422
    assert f"This form was already sent, as request {reference(rid)}" in changed.text
    assert f'value="{BEN_MAIL}"' in changed.text
    token = TOKEN.search(changed.text)
    assert token is not None and token.group(1) != hidden["form_token"]
    assert requests_made(desk) == 1
    made = send(desk, {**hidden, "form_token": token.group(1)}, email=BEN_MAIL)
    assert made.status_code == 303 and rid not in made.headers["location"]
    assert requests_made(desk) == 2


def test_the_form_sent_again_is_not_counted_against_the_network_limit(tmp_path: Path) -> None:
    desk = make_desk(f"sqlite:///{tmp_path}/rightful.db", tmp_path, submissions_per_hour=1)
    try:
        hidden = form_page(desk)
        first = send(desk, hidden)
        assert send(desk, hidden).headers["location"] == first.headers["location"]
        assert send(desk, form_page(desk)).status_code == 429
    finally:
        desk.c.store.engine.dispose()


def test_a_form_with_errors_keeps_its_unused_token(desk: Desk) -> None:
    hidden = form_page(desk)
    wrong = send(desk, hidden, email="not-an-address")
    assert wrong.status_code == 422
    assert f'name="form_token" value="{hidden["form_token"]}"' in wrong.text
    assert send(desk, hidden).status_code == 303 and requests_made(desk) == 1


def test_a_form_without_a_token_still_makes_a_request_as_before(desk: Desk) -> None:
    """A page rendered before the upgrade, or a script: taken as it always was (each one a
    request), since refusing it would lose what the requester typed."""
    csrf = form_page(desk)["csrf"]
    assert send(desk, {"csrf": csrf}).status_code == 303
    assert send(desk, {"csrf": csrf}).status_code == 303
    assert requests_made(desk) == 2


def test_a_token_that_is_not_one_of_ours_brings_the_form_back(desk: Desk) -> None:
    hidden = {**form_page(desk), "form_token": "not a token"}
    refused = send(desk, hidden)
    assert refused.status_code == 422 and "This form expired" in refused.text
    assert requests_made(desk) == 0
