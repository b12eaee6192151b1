"""The portal's step-up by e-mail code: offered to a requester whose request was confirmed by
text message alone (an e-mail code then proves a second, independent channel; REQUIREMENTS.md:
Identity — a code only proves control of the channel it was sent to), sent through the real
mail adapter to an SMTP relay, rate-limited and audited as every code, and usable when the
request holds no e-mail address: the page asks for the one the requester uses with us."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from rightful.adapters.mail.sink import MailSink
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Channel

from .conftest import ANNA_MAIL, Desk
from .smtp_desks import relay_fixture, smtp_desk  # noqa: F401 - the fixture, by its name relay

ANNA_PHONE = "+4915123456789"  # on file for Anna, as her e-mail address is
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture(name="desk")
def waiting_desk(store_url: str, tmp_path: Path, relay: MailSink) -> Iterator[Desk]:
    """On SQLite and on PostgreSQL, mail over SMTP, a minute between two codes to one detail."""
    d = smtp_desk(store_url, tmp_path, relay, resend_interval_seconds=60)
    yield d
    d.c.store.engine.dispose()


def texted(desk: Desk) -> str:
    found = CODE.search(desk.c.sms_sender.recent()[0].text)  # the newest text first
    assert found is not None, "no code in the newest text message"
    return found.group(1)


def confirmed_by_text(desk: Desk, email: str | None) -> str:
    """A request of Anna's made through the API with her phone (and `email`), confirmed by a
    code by text message, and this browser signed in to it by another; its id."""
    new = NewRequest(type=RequestType.ACCESS, jurisdiction=Jurisdiction.GDPR, email=email,
                     phone=ANNA_PHONE, channel="api")  # fmt: skip
    rid: str = desk.c.requests.submit(new, Principal(id="public", role=None)).id
    receipt = desk.c.verification.start(rid, Channel.SMS)
    desk.c.verification.submit_code(rid, receipt.challenge_id, texted(desk))
    desk.post(f"/portal/requests/{rid}/sign-in")
    signed_in = desk.post(f"/portal/requests/{rid}/sign-in/code", code=texted(desk))
    assert str(signed_in.url).endswith(rid), signed_in.text
    return rid


def test_a_request_holding_no_address_asks_for_it_and_steps_up_by_a_mailed_code(
    desk: Desk, relay: MailSink
) -> None:
    rid = confirmed_by_text(desk, email=None)
    status = desk.client.get(f"/portal/requests/{rid}")
    assert "One more confirmation" in status.text and "text message" not in status.text
    assert re.search(r'<label for="f-email">E-mail address you use with us</label>', status.text)
    assert re.search(r'id="f-email"[^>]* type="email"[^>]* required', status.text)
    # Sent empty, the form says what is missing and points to its own field on the page.
    empty = desk.post(f"/portal/requests/{rid}/step-up", channel="email", email="")
    assert empty.status_code == 422
    assert '<a href="#f-email">Enter the e-mail address you use with us' in empty.text
    assert 'id="f-email-error"' in empty.text and 'aria-invalid="true"' in empty.text
    malformed = desk.post(f"/portal/requests/{rid}/step-up", channel="email", email="anna@@x")
    assert malformed.status_code == 422 and 'value="anna@@x"' in malformed.text
    assert "Enter an e-mail address like name@example.com" in malformed.text
    sent = desk.post(f"/portal/requests/{rid}/step-up", channel="email", email=ANNA_MAIL)
    assert str(sent.url).endswith("/verify?sent=1")
    mail = relay.wait_for(ANNA_MAIL)[-1]  # through the SMTP adapter, to the address typed
    code = CODE.search(mail.text)
    assert code is not None
    done = desk.post(f"/portal/requests/{rid}/verify", code=code.group(1))
    assert "One more confirmation" not in done.text
    assert desk.c.verification.progress(rid).assurance == "high"


def test_an_e_mail_step_up_waits_as_every_code_does_and_is_audited_without_the_address(
    desk: Desk, relay: MailSink
) -> None:
    rid = confirmed_by_text(desk, email=None)
    desk.post(f"/portal/requests/{rid}/step-up", channel="email", email=ANNA_MAIL)
    again = desk.post(f"/portal/requests/{rid}/step-up", channel="email", email=ANNA_MAIL)
    assert again.status_code == 429
    assert 'href="#f-email"' in again.text and f'value="{ANNA_MAIL}"' in again.text
    assert len(relay.wait_for(ANNA_MAIL)) == 1
    sent = [e.summary for e in desk.c.audit.timeline(rid)
            if e.action == "verification.challenge_sent"]  # fmt: skip
    assert [(s["channel"], s["purpose"]) for s in sent] == [("sms", "verify"),
                                                           ("email", "step_up")]  # fmt: skip
    chain = repr([e.summary for e in desk.c.audit.timeline(rid)])
    assert ANNA_MAIL not in chain and "anna" not in chain.lower()
