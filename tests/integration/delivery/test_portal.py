"""The requester's portal: server-rendered, usable without JavaScript, accessible forms whose
errors are tied to their fields, English and German; submit, confirm, see the deadline, step
up, sign in again (REQUIREMENTS.md: Deadlines — Art. 12(3); Identity — proportionate proof)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rightful.adapters.db.tables import RequestRow
from rightful.domain.staff import Principal, Role
from rightful.domain.verification import Channel

from ..packages.world import AGENT, REVIEWER
from .conftest import ANNA_MAIL, Desk, make_desk

UUID = r"[0-9a-f-]{36}"


def submit(desk: Desk, email: str = ANNA_MAIL, **fields: str) -> str:
    """Make a request through the form; the id of the new request."""
    form = {"type": "access", "jurisdiction": "gdpr", "language": "en", **fields}
    page = desk.post("/portal/new", email=email, **form)
    found = re.search(rf"/portal/requests/({UUID})/verify", str(page.url))
    assert found is not None, page.text
    return found.group(1)


def test_the_form_has_a_label_for_every_field_and_no_script(desk: Desk) -> None:
    page = desk.client.get("/portal/new").text
    for name in ("type", "jurisdiction", "email", "phone", "name", "details"):
        assert f'<label for="f-{name}">' in page and f'id="f-{name}"' in page
    assert "<script" not in page
    assert 'name="viewport"' in page


def test_errors_are_named_per_field_and_tied_to_it(desk: Desk) -> None:
    page = desk.post("/portal/new", type="access", jurisdiction="gdpr", email="not-an-address",
                     phone="12", language="en")  # fmt: skip
    assert page.status_code == 422
    assert 'aria-describedby="f-email-hint f-email-error" aria-invalid="true"' in page.text
    assert '<p class="error" id="f-email-error">Enter an e-mail address' in page.text
    assert 'id="f-phone-error"' in page.text and 'role="alert"' in page.text
    assert 'value="not-an-address"' in page.text  # what was typed stays


@pytest.mark.parametrize(
    ("query", "kind", "law"),
    [
        ("type=opt_out&jurisdiction=ccpa", "objection", "ccpa"),  # a CCPA right's name
        ("type=erasure&jurisdiction=uk_gdpr", "erasure", "uk_gdpr"),
        ("type=sell&jurisdiction=mars", "access", "gdpr"),  # unknown: the form's defaults
    ],
)
def test_a_link_may_choose_the_kind_of_request_and_the_law(
    desk: Desk, query: str, kind: str, law: str
) -> None:
    """A denied CCPA deletion's notice links the form with the opt-out chosen (§7062(f))."""
    page = desk.client.get(f"/portal/new?{query}")
    assert page.status_code == 200
    assert f'<option value="{kind}" selected>' in page.text
    assert f'<option value="{law}" selected>' in page.text
    assert page.text.count(" selected>") == 2


def test_the_portal_speaks_german(desk: Desk) -> None:
    page = desk.client.get("/portal/new?lang=de")
    assert '<html lang="de">' in page.text and "Anfrage stellen" in page.text
    assert desk.client.get("/portal/check").text.count("Vorgang") >= 1  # the choice is kept
    errors = desk.post("/portal/new", type="access", jurisdiction="gdpr", email="", language="de")
    assert "Geben Sie Ihre E-Mail-Adresse ein" in errors.text


def test_submit_verify_and_see_status_with_the_legal_deadline(desk: Desk) -> None:
    rid = submit(desk)
    page = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert str(page.url).endswith(f"/portal/requests/{rid}?outcome=bound")
    assert "You are verified" in page.text
    assert "2026-04-02" in page.text  # one month after 2026-03-02 (Art. 12(3))
    assert "One month from receipt (GDPR Art. 12(3))." in page.text
    assert "31 days left" in page.text


def test_while_the_system_works_the_status_page_offers_to_look_again_and_never_reloads(
    desk: Desk,
) -> None:
    """A timed reload moves a reader on before they are done (WCAG 2.2.1; axe-core's
    meta-refresh): the page working for them offers a link to look again instead."""
    rid = submit(desk)
    asking = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert "One more confirmation" in asking.text
    assert 'http-equiv="refresh"' not in asking.text  # a reload would empty the form
    desk.post(f"/portal/requests/{rid}/step-up", channel="sms", address="0151 23456789")
    code = re.search(r"(\d{6})", desk.c.sms_sender.recent()[-1].text)
    assert code is not None
    working = desk.post(f"/portal/requests/{rid}/verify", code=code.group(1))
    assert "We are about to gather your data" in working.text
    assert 'http-equiv="refresh"' not in working.text
    assert f'<a href="/portal/requests/{rid}">Look again now</a>' in working.text
    assert "You can close this page: we tell you when your data is ready" in working.text


def test_a_page_that_waits_for_the_requester_or_is_done_does_not_reload(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.web.portal.send_sign_in_code(delivered.request_id)
    page = desk.post(f"/portal/requests/{delivered.request_id}/sign-in/code",
                     code=desk.code_for(ANNA_MAIL))  # fmt: skip
    assert "Ready to download" in page.text
    assert 'http-equiv="refresh"' not in page.text and "Look again" not in page.text


def test_a_wrong_code_says_how_many_attempts_are_left(desk: Desk) -> None:
    rid = submit(desk)
    page = desk.post(f"/portal/requests/{rid}/verify", code="000000")
    assert page.status_code == 400
    assert "This code is not right; 4 attempts left" in page.text
    for _ in range(3):
        page = desk.post(f"/portal/requests/{rid}/verify", code="000000")
    assert "This code is not right; 1 attempt left" in page.text


def test_a_code_entered_in_another_browser_says_where_it_works(desk: Desk) -> None:
    """The code was asked for in one browser and typed into another: the page says so and
    what to do, not that no code was ever sent."""
    rid = submit(desk)
    code = desk.code_for(ANNA_MAIL)
    other = desk.another_browser()
    page = other.get(f"/portal/requests/{rid}/verify")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    refused = other.post(f"/portal/requests/{rid}/verify",
                         data={"csrf": csrf.group(1), "code": code})  # fmt: skip
    assert "This browser did not ask for that code" in refused.text
    assert "No code was sent yet" not in refused.text


def test_sensitive_data_asks_for_a_step_up_by_a_code_to_the_phone_on_file(desk: Desk) -> None:
    rid = submit(desk)
    status = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert "One more confirmation" in status.text
    # The number is asked for, not optional: this request was made without one.
    assert re.search(r'<label for="f-address">[^<]*</label>', status.text)
    assert re.search(r'id="f-address"[^>]* required', status.text)
    page = desk.post(f"/portal/requests/{rid}/step-up", channel="sms", address="0151 23456789")
    assert "/verify" in str(page.url)
    sms = desk.c.sms_sender.recent()[-1]
    code = re.search(r"(\d{6})", sms.text)
    assert sms.to == "+4915123456789" and code is not None
    done = desk.post(f"/portal/requests/{rid}/verify", code=code.group(1))
    assert "One more confirmation" not in done.text


def test_without_an_sms_gateway_the_status_page_offers_no_code_by_text_message(
    tmp_path: Path,
) -> None:
    desk = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, sms_backend="none")
    try:
        rid = submit(desk)
        status = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
        assert "You are verified" in status.text
        assert "text message" not in status.text and 'value="sms"' not in status.text
        page = desk.post(f"/portal/requests/{rid}/step-up", channel="sms", address="0151 23456789")
        assert page.status_code == 409
        assert "SMS codes are not available here" in page.text
    finally:
        desk.c.store.engine.dispose()


def test_a_request_verified_by_sms_alone_gets_no_sign_in_code_once_sms_is_switched_off(
    tmp_path: Path,
) -> None:
    """Its only verified channel is the phone: the answer says so, rather than a code that
    would never arrive, and no code is recorded as sent."""
    url = f"sqlite:///{tmp_path}/r.db"
    before = make_desk(url, tmp_path)
    rid = submit(before, phone="+4915123456789")
    receipt = before.c.verification.start(rid, Channel.SMS)
    code = re.search(r"(\d{6})", before.c.sms_sender.recent()[-1].text).group(1)  # type: ignore[union-attr]
    before.c.verification.submit_code(rid, receipt.challenge_id, code)
    before.c.store.engine.dispose()
    desk = make_desk(url, tmp_path, sms_backend="none")
    try:
        csrf = desk.csrf(f"/portal/requests/{rid}/sign-in")
        page = desk.client.post(f"/portal/requests/{rid}/sign-in", data={"csrf": csrf})
        assert page.status_code == 409 and "SMS codes are not available here" in page.text
        assert "portal.sign_in_code_sent" not in [e.action for e in desk.c.audit.timeline(rid)]
    finally:
        desk.c.store.engine.dispose()


def test_the_status_page_needs_the_requester_and_a_new_browser_signs_in_by_code(
    desk: Desk,
) -> None:
    rid = submit(desk)
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    other = desk.another_browser()
    page = other.get(f"/portal/requests/{rid}")
    assert "Sign in to your request" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    sent = other.post(f"/portal/requests/{rid}/sign-in", data={"csrf": csrf})
    assert "a code is on its way" in sent.text
    code = desk.code_for(ANNA_MAIL)
    page = other.post(f"/portal/requests/{rid}/sign-in/code", data={"csrf": csrf, "code": code})
    assert "Your request" in page.text and "2026-04-02" in page.text


def test_signing_in_to_an_unknown_request_answers_like_a_known_one(desk: Desk) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    page = desk.post(f"/portal/requests/{unknown}/sign-in")
    assert page.status_code == 200 and "a code is on its way" in page.text
    assert desk.mailer.outbox == []


def test_a_form_without_its_token_is_refused(desk: Desk) -> None:
    page = desk.client.post("/portal/new", data={"type": "access", "email": ANNA_MAIL})
    assert page.status_code == 403 and "Reload the page" in page.text
    assert desk.mailer.outbox == []


def test_a_delivered_request_shows_its_download_on_the_status_page(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.web.portal.send_sign_in_code(delivered.request_id)
    desk.post(f"/portal/requests/{delivered.request_id}/sign-in/code",
              code=desk.code_for(ANNA_MAIL))  # fmt: skip
    page = desk.client.get(f"/portal/requests/{delivered.request_id}")
    assert "Ready to download" in page.text
    assert f'href="/download/{delivered.link_id}"' in page.text
    landing = desk.client.get(f"/download/{delivered.link_id}")  # reachable when signed in
    assert landing.status_code == 200 and "Send a code" in landing.text


def test_an_unknown_page_is_a_page_in_the_readers_language_not_json(desk: Desk) -> None:
    answer = desk.client.get("/portal/no-such-page?lang=de")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in answer.text and "Diese Seite gibt es nicht." in answer.text
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    elsewhere = desk.client.get("/no-such-page?lang=en", headers={"accept": "text/html"})
    assert elsewhere.status_code == 404 and "We could not find this page." in elsewhere.text


def test_a_request_id_that_cannot_be_one_is_not_echoed_as_a_reference(desk: Desk) -> None:
    """The resend and account forms rendered 'Your request has the reference zzz'."""
    desk.client.get("/portal/new")
    for action in ("resend", "account"):
        page = desk.post(f"/portal/requests/zzz/{action}")
        assert page.status_code == 404 and "zzz" not in page.text


def test_a_wrong_method_is_a_page_too(desk: Desk) -> None:
    answer = desk.client.get("/portal/sign-out?lang=en")
    assert answer.status_code == 405
    assert "This page cannot be used that way." in answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["allow"] == "POST"


def requests_stored(desk: Desk) -> int:
    with desk.c.store.transaction() as session:
        return session.scalar(select(func.count()).select_from(RequestRow)) or 0


def test_a_form_that_does_not_validate_is_a_page_and_loses_nothing(desk: Desk) -> None:
    before = requests_stored(desk)
    answer = desk.post("/portal/new", type="access", jurisdiction="gdpr", email=ANNA_MAIL,
                       name="x" * 401, language="en")  # fmt: skip
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "The form did not arrive complete." in answer.text
    assert "max_length" not in answer.text and '"detail"' not in answer.text
    assert requests_stored(desk) == before


def test_the_api_keeps_answering_in_json(desk: Desk) -> None:
    missing = desk.client.get("/api/v1/no-such-thing", headers={"accept": "text/html"})
    assert missing.status_code == 404 and missing.json() == {"error": "NotFoundError",
                                                           "detail": "Not Found"}  # fmt: skip
    invalid = desk.client.post("/api/v1/requests", content=b"{", headers={
        "content-type": "application/json"})  # fmt: skip
    assert invalid.status_code == 422 and invalid.json()["error"] == "InvalidInputError"


def test_what_was_typed_comes_back_escaped(desk: Desk) -> None:
    typed = '"><script>alert(1)</script>'
    page = desk.post("/portal/new", type="access", jurisdiction="gdpr", email="not-an-address",
                     name=typed, details=f"</textarea>{typed}", language="en")  # fmt: skip
    assert page.status_code == 422
    assert "<script>alert(1)" not in page.text and "</textarea><" not in page.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page.text


def test_every_text_field_says_how_long_it_may_be(desk: Desk) -> None:
    """The browser stops typing where the server would refuse (400 characters, details 5000)."""
    page = desk.client.get("/portal/new").text
    for name in ("email", "phone", "name"):
        assert re.search(rf'<input id="f-{name}"[^>]* maxlength="400"', page), name
    assert re.search(r'<textarea id="f-details"[^>]* maxlength="5000"', page)


def test_pages_carry_security_headers(desk: Desk) -> None:
    headers = desk.client.get("/portal/new").headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


def test_a_flood_from_one_network_is_stopped_with_a_page_that_says_when_to_return(
    tmp_path: Path,
) -> None:
    desk = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, submissions_per_hour=1)
    try:
        submit(desk)
        desk.client.get("/portal/new?lang=de")
        page = desk.post("/portal/new", type="access", jurisdiction="gdpr", email=ANNA_MAIL,
                         language="de")  # fmt: skip
        assert page.status_code == 429 and 3540 <= int(page.headers["retry-after"]) <= 3600
        assert "Aus Ihrem Netz wurden in der letzten Stunde zu viele Anfragen" in page.text
        assert "in 60 Minuten erneut" in page.text
        assert len(desk.mailer.to(ANNA_MAIL)) == 1  # one code, for the one request recorded
        kept = desk.post("/portal/new", type="erasure", jurisdiction="uk_gdpr", email=ANNA_MAIL,
                         name="Anna", details="Everything since 2018", language="de")  # fmt: skip
        assert kept.status_code == 429 and "in 60 Minuten erneut" in kept.text
        for typed in (
            f'value="{ANNA_MAIL}"',
            'value="Anna"',
            "Everything since 2018</textarea>",
            '<option value="erasure" selected>',
            '<option value="uk_gdpr" selected>',
        ):
            assert typed in kept.text  # nothing typed is lost; the form is there to send later
    finally:
        desk.c.store.engine.dispose()


def test_the_code_for_an_erasure_says_that_confirming_it_erases(desk: Desk) -> None:
    """The person must know what they confirm: an erasure cannot be undone (Art. 17)."""
    erasure = desk.post("/portal/new", type="erasure", jurisdiction="gdpr", email=ANNA_MAIL,
                        language="en")  # fmt: skip
    assert erasure.status_code == 200
    mail = desk.mailer.to(ANNA_MAIL)[-1]
    assert "ERASE personal data" in mail.text and "cannot be restored" in mail.text
    submit(desk)
    assert "ERASE" not in desk.mailer.to(ANNA_MAIL)[-1].text


def test_a_request_staff_carry_out_says_so_and_does_not_reload(desk: Desk) -> None:
    """An erasure, correction, restriction or objection is carried out by staff, who then write
    (Art. 12(3)): its page says so, in the requester's language, and neither promises data to
    gather nor offers to look again for days."""
    rid = submit(desk, type="objection", language="de")
    asking = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert "Unser Team führt Ihre Anfrage jetzt aus und schreibt Ihnen" in asking.text
    assert "Bevor wir Ihre Anfrage ausführen, bestätigen Sie" in asking.text
    assert "Daten zusammen" not in asking.text
    desk.post("/portal/sign-out")
    rid = submit(desk, type="erasure")
    asking = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert "Before we act on your request, please confirm a second way" in asking.text
    desk.post(f"/portal/requests/{rid}/step-up", channel="sms", address="0151 23456789")
    code = re.search(r"(\d{6})", desk.c.sms_sender.recent()[-1].text)
    assert code is not None
    verified = desk.post(f"/portal/requests/{rid}/verify", code=code.group(1))
    assert "Our team now carries out your request and writes to you" in verified.text
    assert "One more confirmation" not in verified.text
    assert "gather your data" not in verified.text and "data is ready" not in verified.text
    assert "Look again" not in verified.text


def test_the_page_for_a_step_up_code_speaks_of_it_and_sends_a_new_one_from_the_request(
    desk: Desk,
) -> None:
    """After a second code was sent by text message, the page asks for that code (not one from
    an e-mail) and sends the requester back to their request for a new one: resending the first
    e-mail code failed with 'this request is verified already' (German: a generic error)."""
    desk.client.get("/portal/new?lang=de")  # the reader chose German
    rid = submit(desk, language="de")
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    page = desk.post(f"/portal/requests/{rid}/step-up", channel="sms", address="0151 23456789")
    assert "/verify" in str(page.url) and '<html lang="de">' in page.text
    assert "Geben Sie den zweiten Code ein" in page.text
    assert "Wenn diese Kontaktangabe bei uns hinterlegt ist" in page.text
    assert "aus unserer E-Mail" not in page.text and "Adresse" not in page.text
    assert f'<a href="/portal/requests/{rid}">Zurück zu Ihrer Anfrage</a>' in page.text
    assert "/resend" not in page.text
    wrong = desk.post(f"/portal/requests/{rid}/verify", code="000000")
    assert "Geben Sie den zweiten Code ein" in wrong.text and "/resend" not in wrong.text
    again = desk.post(f"/portal/requests/{rid}/resend")  # a page left open from before
    assert str(again.url).endswith(f"/portal/requests/{rid}")
    assert "Noch eine Bestätigung" in again.text and "Es gibt ein Problem" not in again.text


def test_the_code_page_of_a_request_not_yet_confirmed_asks_for_the_mailed_code(
    desk: Desk,
) -> None:
    rid = submit(desk)
    page = desk.client.get(f"/portal/requests/{rid}/verify?sent=1")
    assert "Enter the code from our e-mail" in page.text
    assert "If this address is on file with us" in page.text and "/resend" in page.text


def test_a_number_that_is_none_says_how_to_write_it_and_is_kept(desk: Desk) -> None:
    """The step-up's number is checked as the form's is, in the reader's language: the page
    said 'phone: not a phone number' (in German a generic error) and emptied the field."""
    desk.client.get("/portal/new?lang=de")
    rid = submit(desk, language="de")
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    sent = len(desk.c.sms_sender.recent())
    page = desk.post(f"/portal/requests/{rid}/step-up", channel="sms", address="0151 2345x")
    assert page.status_code == 422
    assert "Geben Sie eine Mobilnummer wie 0151 2345678" in page.text
    assert "Bitte versuchen Sie es erneut" not in page.text
    assert 'id="f-address" name="address" type="tel" value="0151 2345x"' in page.text
    assert len(desk.c.sms_sender.recent()) == sent


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Enter the mobile number you use with us: this request has none"),
        ("de", "Geben Sie die Mobilnummer ein, die Sie bei uns nutzen: Für diese Anfrage"),
    ],
)
def test_a_step_up_with_no_number_names_the_phone_field(
    desk: Desk, language: str, said: str
) -> None:
    """A request made without a phone: the field says to enter one, in the reader's language.
    It said "this request has no sms contact; give one" (in German a generic error)."""
    desk.client.get(f"/portal/new?lang={language}")
    rid = submit(desk, language=language)
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    page = desk.post(f"/portal/requests/{rid}/step-up", channel="sms", address="")
    assert page.status_code == 422
    assert said in page.text
    assert "sms contact" not in page.text and "address:" not in page.text


def test_the_code_field_says_how_long_a_code_lives_as_configured(tmp_path: Path) -> None:
    """With codes valid for 10 minutes (`code_ttl_minutes`), the pages say 10, as the mail
    does: they said 15 whatever the setting."""
    desk = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, code_ttl_minutes=10)
    try:
        rid = submit(desk)
        assert "expires at" in desk.mailer.to(ANNA_MAIL)[-1].text
        page = desk.client.get(f"/portal/requests/{rid}/verify?lang=de")
        assert "6 Ziffern, 10 Minuten gültig." in page.text and "15 Minuten" not in page.text
        page = desk.client.get(f"/portal/requests/{rid}/sign-in?sent=1&lang=en")
        assert "6 digits, valid for 10 minutes." in page.text
    finally:
        desk.c.store.engine.dispose()


def test_a_failure_nothing_handled_is_a_page_in_the_readers_language_not_json(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug on a portal page shows the requester the error page in their language (it showed
    the API's JSON, in English); the API keeps its JSON, and the log has the type and path."""
    from rightful.entrypoints.web import portal

    def broken(_request_id: str) -> str:
        raise RuntimeError("anna.schmidt@example.com")

    monkeypatch.setattr(portal, "reference", broken)
    rid = "0" * 8 + "-0000-4000-8000-" + "0" * 12
    answer = desk.client.get(f"/portal/requests/{rid}/received?lang=de")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in answer.text and "Etwas stimmt nicht" in answer.text
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert "InternalError" not in answer.text and "anna.schmidt" not in answer.text
    assert "unexpected RuntimeError answering GET /portal/requests/" in caplog.text
    assert "anna.schmidt" not in caplog.text
    api_scope = {"type": "http", "method": "GET", "path": "/api/v1/requests", "query_string": b"",
                 "headers": [(b"accept", b"text/html")], "app": desk.client.app}  # fmt: skip
    assert desk.client.app.state.unexpected_page(api_scope) is None  # the API keeps its JSON


def test_an_extended_deadline_names_the_extension_as_its_basis(desk: Desk) -> None:
    """Art. 12(3) (REQUIREMENTS.md:6): one month, extended by up to two further months. Once
    extended, the page said "One month from receipt" beside a date three months away."""
    rid = submit(desk)
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    desk.c.requests.extend(rid, Principal("cli:dana", Role.DPO),
                           reason="Recordings are held in three systems")  # fmt: skip
    page = desk.client.get(f"/portal/requests/{rid}")
    assert "2026-06-02" in page.text  # one month and two more after 2026-03-02
    assert "One month from receipt, extended by up to two further months, as GDPR Art. 12(3)" in (
        page.text
    )
    assert "One month from receipt (GDPR Art. 12(3))." not in page.text
    german = desk.client.get(f"/portal/requests/{rid}?lang=de")
    assert "Ein Monat ab Eingang, verlängert um bis zu zwei weitere Monate" in german.text


def test_the_short_reference_of_the_mails_leads_to_the_sign_in(desk: Desk) -> None:
    """Every mail gives the 8-character reference, and "Check a request" wanted the full one,
    so a requester who closed the page could not come back to their request."""
    rid = submit(desk)
    short = rid[:8]
    assert any(short in m.subject or short in m.text for m in desk.mailer.outbox)
    found = desk.post("/portal/check", reference=f" {short.upper()} ")
    assert str(found.url).endswith(f"/portal/requests/{rid}/sign-in")
    unknown = desk.post("/portal/check", reference="00000000" if short != "00000000" else "1" * 8)
    assert unknown.status_code == 422 and "We know no request by this reference" in unknown.text


def test_the_requester_types_their_own_code_after_a_stranger_asked_for_all_the_others(
    desk: Desk,
) -> None:
    """Request ids are no secret (portal URLs, browser histories): a stranger who asks for
    every code the request may have voids none of them. The requester types the code of the
    mail they asked for, and is told plainly when no new code may go out yet and what to do."""
    rid = submit(desk)
    own = desk.code_for(ANNA_MAIL)
    stranger = TestClient(desk.client.app, raise_server_exceptions=False)
    answers = [
        stranger.post(f"/api/v1/verification/{rid}/start", json={}).status_code for _ in range(10)
    ]
    assert answers == [202] * 9 + [429]
    resent = desk.post(f"/portal/requests/{rid}/resend")
    assert resent.status_code == 429
    assert "Open the link in the newest of our mails, or ask again in 24 hours" in resent.text
    page = desk.post(f"/portal/requests/{rid}/verify", code=own)
    assert page.status_code == 200 and "outcome=bound" in str(page.url), page.text


def test_a_code_confirmed_after_staff_closed_the_request_says_how_it_ended(desk: Desk) -> None:
    """Art. 12(4): the requester learns that the request ended, in words; the page showed the
    message's key, "[outcome_cancelled]", for any outcome that had no text."""
    rid = submit(desk)
    code = desk.code_for(ANNA_MAIL)
    desk.c.requests.cancel(rid, Principal("staff", Role.AGENT), "withdrawn by phone")
    page = desk.post(f"/portal/requests/{rid}/verify", code=code)
    assert "[outcome_" not in page.text, page.text
    assert "outcome=cancelled" in str(page.url)
    assert "This request was withdrawn" in page.text


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_outcome_a_confirmation_can_lead_to_has_words(desk: Desk, lang: str) -> None:
    """The status page's notice after a code names no message key, in either language, for
    each outcome a confirmation settles to, or for one it does not know."""
    rid = submit(desk, language=lang)
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    outcomes = ["bound", "answered", "bound_waiting", "rejected", "no_subject", "ambiguous",
                "held", "awaiting_approval", "unverified", "closed", "cancelled", "expired",
                "made_up"]  # fmt: skip
    for outcome in outcomes:
        page = desk.client.get(f"/portal/requests/{rid}?outcome={outcome}")
        assert page.status_code == 200 and "[outcome_" not in page.text, outcome


def test_an_answered_request_says_it_was_answered_not_that_its_answer_is_coming(
    desk: Desk,
) -> None:
    """The status told to the requester (API `message`, the portal's notice) said "We are
    preparing the answer" after the answer had gone out."""
    rid = submit(desk)
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    package = desk.c.packages.build(rid, AGENT)
    desk.c.package_review.approve(package.id, REVIEWER)
    desk.web.delivery.deliver(rid, package.id, REVIEWER)
    told = desk.client.get(f"/api/v1/verification/{rid}").json()["message"]
    assert told.startswith("You are verified, and we have answered your request")
    page = desk.client.get(f"/portal/requests/{rid}?outcome=answered")
    assert "we have answered your request" in page.text


def test_a_requester_who_never_confirmed_comes_back_by_the_reference_and_confirms(
    desk: Desk,
) -> None:
    """The sign-in sends codes only to a confirmed contact: a requester who closed the page
    before confirming, and comes back by the mail's reference, is offered a new confirmation
    code there (it went to the sign-in, which sent them nothing, and no page led further)."""
    rid = submit(desk)
    desk.client = desk.another_browser()  # the page was closed; a new browser comes back
    sign_in = desk.post("/portal/check", reference=rid[:8])
    assert str(sign_in.url).endswith(f"/portal/requests/{rid}/sign-in")
    assert f'action="/portal/requests/{rid}/resend"' in sign_in.text
    assert "Not confirmed your request yet?" in sign_in.text
    asked = desk.post(f"/portal/requests/{rid}/resend")
    assert str(asked.url).endswith(f"/portal/requests/{rid}/verify?sent=1")
    page = desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert str(page.url).endswith(f"/portal/requests/{rid}?outcome=bound"), page.text
    german = desk.another_browser().get(f"/portal/requests/{rid}/sign-in?lang=de")
    assert "Noch nicht bestätigt?" in german.text
