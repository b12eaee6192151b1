"""A request confirmed by text message alone, whose data needs no more than `standard`, gets its
download link: a link goes only to an e-mail address proven by a code that leads to the bound
subject (docs/delivery.md, "Download links"; REQUIREMENTS.md: Identity — a code only proves
control of the channel it was sent to), so the approved package waits, staff see why, the
portal asks the requester for such an address, and the link goes out by itself once they
confirm one. An address never proven gets nothing. Through the real app, mail over SMTP, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from rightful.adapters.mail.sink import MailSink
from rightful.bootstrap import set_container
from rightful.domain.lifecycle import Role
from rightful.domain.sensitivity import Sensitivity

from ..packages.world import AGENT, DATAMAP, REVIEWER
from .conftest import ANNA_MAIL, BEN_MAIL, Desk
from .smtp_desks import relay_fixture, smtp_desk  # noqa: F401 - the fixture, by its name relay
from .test_api_delivery import key
from .test_cli_delivery import run
from .test_console import add, form_token, sign_in
from .test_portal_email_step_up import CODE, confirmed_by_text

# Every category of the Hearthly estate at `standard`: a code by text message is proof enough.
STANDARD_ONLY = dataclasses.replace(
    DATAMAP, declared_sensitivity={c: Sensitivity.STANDARD for c in DATAMAP.categories}
)
ASKED = "To receive your data we need an e-mail address confirmed by a code"
WAITS = "the link waits for the requester to confirm an e-mail address by a code"
LINK = re.compile(r"/d/[A-Za-z0-9_-]{20,}")


@pytest.fixture(name="desk")
def standard_desk(store_url: str, tmp_path: Path, relay: MailSink) -> Iterator[Desk]:
    """On SQLite and on PostgreSQL, mail over SMTP, data that needs no step-up."""
    d = smtp_desk(store_url, tmp_path, relay)
    d.c.datamap = STANDARD_ONLY
    yield d
    d.c.store.engine.dispose()


def approved_by_a_reviewer(desk: Desk, rid: str) -> str:
    """The request's package built, and approved in the console by a reviewer (who asks for
    the link to go out with it); the console's answer."""
    package = desk.c.packages.build(rid, AGENT)
    add(desk, "rita", Role.REVIEWER)
    reviewer = sign_in(desk, "rita")
    review = reviewer.get(f"/console/packages/{package.id}").text
    done = reviewer.post(f"/console/packages/{package.id}/approve",
                         data={"csrf": form_token(review)})  # fmt: skip
    assert done.status_code == 200, done.text
    detail = reviewer.get(f"/console/requests/{rid}").text
    return done.text + detail


def links_mailed(relay: MailSink) -> list[str]:
    return [m.text for m in relay.messages() if LINK.search(m.text)]


def test_a_request_confirmed_by_text_alone_gets_its_link_once_an_address_is_confirmed(
    desk: Desk, relay: MailSink
) -> None:
    rid = confirmed_by_text(desk, email=None)
    assert desk.c.verification.progress(rid).step_up_options == ()  # the level is reached
    staff = approved_by_a_reviewer(desk, rid)
    # Staff read why the link waits, as a state of the request, not an error.
    assert f"Approved; {WAITS}" in staff
    assert "<dt>Link waits</dt>" in staff and "error" not in staff.lower()
    assert desk.c.requests.get(rid).status == "approved"
    assert WAITS in (desk.web.delivery.link_waits(rid) or "") and links_mailed(relay) == []
    status = desk.client.get(f"/portal/requests/{rid}")
    assert f'<h2 id="delivery-email-title">{ASKED}</h2>' in status.text
    assert re.search(r'id="f-email"[^>]* type="email"[^>]* required', status.text)
    assert "One more confirmation" not in status.text
    sent = desk.post(f"/portal/requests/{rid}/step-up", channel="email", email=ANNA_MAIL)
    assert str(sent.url).endswith("/verify?sent=1")
    code = CODE.search(relay.wait_for(ANNA_MAIL)[0].text)
    assert code is not None and links_mailed(relay) == []  # the code first, never a link
    desk.post(f"/portal/requests/{rid}/verify", code=code.group(1))
    ready = relay.wait_for(ANNA_MAIL, count=2)[0]
    assert LINK.search(ready.text) and ANNA_MAIL in ready.to
    assert desk.c.requests.get(rid).status == "delivered"
    assert desk.web.delivery.link_waits(rid) is None
    after = desk.client.get(f"/portal/requests/{rid}").text
    assert ASKED not in after and "Open the download page" in after
    moved = [e.summary for e in desk.c.audit.timeline(rid) if e.action == "delivery.link_issued"]
    assert len(moved) == 1 and ANNA_MAIL not in repr(desk.c.audit.timeline(rid))


def test_an_address_never_proven_gets_no_link(desk: Desk, relay: MailSink) -> None:
    rid = confirmed_by_text(desk, email=None)
    approved_by_a_reviewer(desk, rid)
    # Another customer's address is not on file for Anna: no code goes to it, only the
    # neutral mail; Anna's own address gets a code that is never typed, then a wrong one.
    desk.post(f"/portal/requests/{rid}/step-up", channel="email", email=BEN_MAIL)
    desk.post(f"/portal/requests/{rid}/step-up", channel="email", email=ANNA_MAIL)
    relay.wait_for(BEN_MAIL), relay.wait_for(ANNA_MAIL)
    wrong = desk.post(f"/portal/requests/{rid}/verify", code="000000")
    assert wrong.status_code == 400
    # Staff asking again changes nothing: the link still waits.
    delivered = desk.web.delivery.deliver(rid, desk.c.packages.current(rid).id, REVIEWER)
    assert WAITS in getattr(delivered, "reason", "")
    assert links_mailed(relay) == [] and desk.web.delivery.links_of(rid) == []
    assert desk.c.requests.get(rid).status == "approved"
    assert ASKED in desk.client.get(f"/portal/requests/{rid}").text
    german = desk.client.get(f"/portal/requests/{rid}?lang=de").text
    assert "Damit Sie Ihre Daten erhalten, brauchen wir eine per Code bestätigte E-Mail" in german


def test_the_cli_and_the_api_say_why_the_link_waits(desk: Desk, relay: MailSink) -> None:
    rid = confirmed_by_text(desk, email=None)
    package = desk.c.packages.build(rid, AGENT)
    desk.c.package_review.approve(package.id, REVIEWER)
    set_container(desk.c)
    try:
        code, out = run("package", "deliver", package.id)
        assert code == 0 and out.startswith(f"no link went out yet: {WAITS}"), out
        code, out = run("requests", "show", rid)
        assert code == 0 and f"link waits: {WAITS}" in " ".join(out.split()), out
    finally:
        set_container(None)
    sent = desk.client.post(f"/api/v1/packages/{package.id}/deliver", headers=key(desk, "reviewer"))
    assert sent.status_code == 202, sent.text
    assert sent.json()["link_id"] is None and WAITS in sent.json()["waiting_for"]
    shown = desk.client.get(f"/api/v1/requests/{rid}", headers=key(desk, "agent")).json()
    assert WAITS in shown["link_waits"]
    assert links_mailed(relay) == [] and desk.c.requests.get(rid).status == "approved"
