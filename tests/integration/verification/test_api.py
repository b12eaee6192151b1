"""Verification through HTTP: from submission to a verified request bound to one subject, and
the status codes a requester and staff see for every failure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from rightful.domain.lifecycle import Status
from rightful.entrypoints.api.app import create_app
from rightful.services.package_keys import pseudonym_key, subject_pseudonym

from ..conftest import held_key
from . import estate
from .conftest import World


@dataclass
class Api:
    world: World
    client: TestClient
    keys: dict[str, str]

    def staff(self, role: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}

    def submit(self, **body: Any) -> str:
        payload = {"type": "access", "jurisdiction": "gdpr", "email": estate.ANNA, **body}
        response = self.client.post("/api/v1/requests", json=payload)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def start(self, rid: str, **body: Any) -> Any:
        return self.client.post(f"/api/v1/verification/{rid}/start", json=body)

    def code(self, rid: str, challenge: str, code: str) -> Any:
        return self.client.post(
            f"/api/v1/verification/{rid}/code", json={"challenge_id": challenge, "code": code}
        )


@pytest.fixture
def api(world: World) -> Iterator[Api]:
    keys = {}
    with world.c.store.transaction() as session:
        for role in ("agent", "reviewer"):
            keys[role] = held_key(session, world.clock, role, role, f"{role}-1").secret
        keys["reviewer2"] = held_key(session, world.clock, "r2", "reviewer", "reviewer-2").secret
    with TestClient(create_app(world.c), raise_server_exceptions=False) as client:
        yield Api(world, client, keys)


def test_from_submission_to_a_verified_request_bound_to_one_subject(api: Api) -> None:
    rid = api.submit(phone="+49 151 12345678")
    started = api.start(rid)
    assert started.status_code == 202
    body = started.json()
    assert set(body) == {"challenge_id", "channel", "expires_at", "message"}
    answer = api.code(rid, body["challenge_id"], api.world.code_for(estate.ANNA))
    assert answer.status_code == 200, answer.text
    progress = answer.json()
    assert progress["status"] == "verified"
    assert progress["outcome"] == "bound"
    assert (progress["assurance"], progress["required"]) == ("standard", "high")
    assert progress["step_up_options"] == ["sms_code"]
    assert api.world.c.subjects.seed(rid).subject.value == 1
    shown = api.client.get(f"/api/v1/requests/{rid}", headers=api.staff("agent")).json()
    actions = [e["action"] for e in shown["timeline"]]
    assert actions.index("verification.factor_verified") < actions.index("subject.bound")
    step = api.client.post(f"/api/v1/verification/{rid}/step-up", json={"channel": "sms"})
    assert step.status_code == 202
    stepped = api.code(rid, step.json()["challenge_id"], api.world.code_for(estate.ANNA_PHONE))
    assert stepped.json()["assurance"] == "high"
    assert api.world.c.audit.verify().ok
    assert estate.ANNA not in str(shown["timeline"])
    assert_keyed_subject_reference(api, rid, shown["timeline"])


def test_a_step_up_by_sms_with_no_number_names_the_address_field(api: Api) -> None:
    """The request was made without a phone: the 422 says which field to fill (it said "this
    request has no sms contact; give one")."""
    rid = api.submit()
    started = api.start(rid).json()
    api.code(rid, started["challenge_id"], api.world.code_for(estate.ANNA))
    step = api.client.post(f"/api/v1/verification/{rid}/step-up", json={"channel": "sms"})
    assert step.status_code == 422
    detail = step.json()["detail"]
    assert detail.startswith("address: give the mobile number you use with us;"), detail
    assert detail.endswith("this request has none to send the code to")


def assert_keyed_subject_reference(api: Api, rid: str, timeline: list[dict[str, Any]]) -> None:
    """The chain names the bound subject by a keyed pseudonym, the one the package manifest
    uses; an unkeyed hash of "collection#id" could be reversed by hashing guessed ids."""
    bound = next(e["summary"] for e in timeline if e["action"] == "subject.bound")
    subject = api.world.c.subjects.seed(rid).subject
    key = pseudonym_key(api.world.c.settings)
    assert bound["subject_pseudonym"] == subject_pseudonym(key, subject)
    assert bound["subject_pseudonym"] not in sha256(str(subject).encode()).hexdigest()
    assert "subject_sha256" not in bound


def test_the_status_is_for_the_requester_who_confirmed_and_for_staff_only(api: Api) -> None:
    """A request id is no secret (portal URLs, the audit chain and its exports), while the
    status says whether the person was found: whoever merely holds the id learns nothing."""
    rid, other = api.submit(), api.submit(email=estate.STRANGER)
    stranger = TestClient(api.client.app, raise_server_exceptions=False)
    before = [stranger.get(f"/api/v1/verification/{r}") for r in (rid, other, str(uuid4()))]
    assert {(r.status_code, r.text) for r in before} == {(before[0].status_code, before[0].text)}
    assert before[0].status_code == 401
    challenge = api.start(rid).json()["challenge_id"]
    assert api.code(rid, challenge, api.world.code_for(estate.ANNA)).status_code == 200
    assert api.client.get(f"/api/v1/verification/{rid}").json()["outcome"] == "bound"
    assert stranger.get(f"/api/v1/verification/{rid}").status_code == 401
    assert api.client.get(f"/api/v1/verification/{other}").status_code == 401  # not theirs
    staff_view = stranger.get(f"/api/v1/verification/{rid}", headers=api.staff("agent"))
    assert staff_view.status_code == 200 and staff_view.json()["status"] == "verified"


def test_the_link_page_confirms_only_when_its_button_is_pressed(api: Api) -> None:
    rid = api.submit()
    api.start(rid)
    token = api.world.link_for(estate.ANNA)
    page = api.client.get("/verify/link", params={"token": token})
    assert page.status_code == 200
    assert 'method="post"' in page.text
    assert api.world.status(rid) is Status.AWAITING_VERIFICATION
    confirmed = api.client.post("/verify/link", data={"token": token})
    assert confirmed.status_code == 200
    assert "You are verified" in confirmed.text
    again = api.client.post("/verify/link", data={"token": token})
    assert again.status_code == 409


def test_the_link_page_carries_the_pages_security_headers(api: Api) -> None:
    """It holds a confirm button: it may not be framed (clickjacking), sniffed or cached, and
    its styles come from the site's stylesheet, which its policy allows (brief: the link in a
    mail opens nothing by itself)."""
    api.start(rid := api.submit())
    for page in (api.client.get("/verify/link", params={"token": api.world.link_for(estate.ANNA)}),
                 api.client.post("/verify/link", data={"token": "x" * 40})):  # fmt: skip
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert 'href="/static/site.css"' in page.text and "style=" not in page.text
    assert api.world.status(rid) is Status.AWAITING_VERIFICATION


def test_a_link_without_its_token_says_so_on_a_page_not_in_json(api: Api) -> None:
    """A link cut short by a mail client: the page says what to do and offers no button
    that could only fail; a form sent without the token gets the same page."""
    page = api.client.get("/verify/link")
    assert page.status_code == 400 and "missing its code" in page.text
    assert 'method="post"' not in page.text
    posted = api.client.post("/verify/link", data={})
    assert posted.status_code == 400 and "missing its code" in posted.text
    assert posted.headers["content-type"].startswith("text/html")


def test_a_wrong_code_answers_400_with_attempts_left_then_423(api: Api) -> None:
    rid = api.submit()
    challenge = api.start(rid).json()["challenge_id"]
    bad = "000000" if api.world.code_for(estate.ANNA) != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = api.code(rid, challenge, bad)
        assert response.status_code == 400
        assert response.json()["attempts_left"] == left
    locked = api.code(rid, challenge, bad)
    assert locked.status_code == 423
    assert "too many wrong attempts" in locked.json()["detail"]


def test_expired_reused_and_unknown_codes_have_clear_errors(api: Api) -> None:
    rid = api.submit()
    challenge = api.start(rid).json()["challenge_id"]
    code = api.world.code_for(estate.ANNA)
    api.world.clock.advance(timedelta(minutes=16))
    expired = api.code(rid, challenge, code)
    assert (expired.status_code, "expired" in expired.json()["detail"]) == (410, True)
    fresh = api.start(rid).json()["challenge_id"]
    assert api.code(rid, fresh, api.world.code_for(estate.ANNA)).status_code == 200
    reused = api.code(rid, fresh, api.world.code_for(estate.ANNA))
    assert (reused.status_code, "used already" in reused.json()["detail"]) == (409, True)
    assert api.code(rid, "0" * 32, "123456").status_code == 404


def test_a_resend_too_soon_answers_429_with_retry_after(api: Api) -> None:
    rid = api.submit()
    api.start(rid)
    again = api.start(rid)
    assert again.status_code == 429
    assert again.headers["Retry-After"] == "60"


def not_the_code(api: Api) -> str:
    """A wrong guess at the code of the newest mail."""
    return f"{(int(api.world.code_for(estate.ANNA)) + 1) % 1_000_000:06d}"


def test_a_stranger_hammering_start_leaves_the_requester_the_link_of_a_mail_already_sent(
    api: Api,
) -> None:
    """Request ids are no secret. A stranger asks for every code the request may have, a minute
    apart, and locks each with wrong guesses; the requester, who has only their mailbox, opens
    the link of the newest mail hours later and is verified. The next code waits for the
    window (429 with Retry-After), and the chain says the cap was reached (ids and counts)."""
    rid = api.submit()
    stranger = TestClient(api.client.app, raise_server_exceptions=False)
    for _ in range(10):
        started = stranger.post(f"/api/v1/verification/{rid}/start", json={})
        assert started.status_code == 202
        guess = {"challenge_id": started.json()["challenge_id"], "code": not_the_code(api)}
        answers = [
            stranger.post(f"/api/v1/verification/{rid}/code", json=guess).status_code
            for _ in range(5)
        ]
        assert answers == [400, 400, 400, 400, 423]
        api.world.clock.advance(timedelta(seconds=61))
    capped = stranger.post(f"/api/v1/verification/{rid}/start", json={})
    assert (capped.status_code, capped.json()["error"]) == (429, "TooManyChallengesError")
    assert int(capped.headers["Retry-After"]) == capped.json()["retry_after"] > 3600
    assert api.world.status(rid) is Status.AWAITING_VERIFICATION
    api.world.clock.advance(timedelta(hours=20))
    confirmed = api.client.post("/verify/link", data={"token": api.world.link_for(estate.ANNA)})
    assert confirmed.status_code == 200 and "You are verified" in confirmed.text
    assert api.world.status(rid) is Status.VERIFIED
    [cap] = api.world.summaries(rid, "verification.code_cap_reached")
    assert estate.ANNA not in str(cap) and cap["codes"] == 10


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"channel": "email", "address": "anna@@example.org"}, "email"),
        ({"channel": "sms", "address": "0000"}, "phone"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_malformed_contact_details_answer_422_with_the_reason(
    api: Api, body: dict[str, str], reason: str
) -> None:
    response = api.start(api.submit(), **body)
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_staff_review_and_pick_through_the_api(api: Api) -> None:
    rid = api.submit(email=estate.FAMILY)
    challenge = api.start(rid).json()["challenge_id"]
    answer = api.code(rid, challenge, api.world.code_for(estate.FAMILY)).json()
    assert answer["outcome"] == "ambiguous"
    assert api.client.get("/api/v1/verification/reviews").status_code == 401
    listed = api.client.get("/api/v1/verification/reviews", headers=api.staff("reviewer")).json()
    [review] = [r for r in listed if r["request_id"] == rid]
    assert [c["subject_key"] for c in review["candidates"]] == [3, 4]
    assert review["candidates"][0]["matched_by"] == [
        {"type": "email", "masked": "f***@example.org"}
    ]
    url = f"/api/v1/verification/{rid}/candidates/{review['candidates'][0]['id']}/pick"
    assert api.client.post(url, json={}, headers=api.staff("agent")).status_code == 403
    picked = api.client.post(
        url, json={"reason": "caller knew the order"}, headers=api.staff("reviewer")
    )
    assert picked.json()["outcome"] == "bound"
    assert api.world.status(rid) is Status.VERIFIED


MANDATE = b"%PDF-1.4\n%%EOF\n"


def upload_mandate(api: Api, rid: str) -> int:
    """An agent's authority document uploaded for `rid`; its id."""
    upload = api.client.post(
        f"/api/v1/verification/{rid}/authority",
        data={"kind": "authorised_agent", "agent_name": "Privacy Helpers LLC"},
        files={"document": ("mandate.pdf", MANDATE, "application/pdf")},
    )
    assert upload.status_code == 201, upload.text
    return int(upload.json()["id"])


def test_an_agent_uploads_authority_and_a_different_reviewer_approves(api: Api) -> None:
    rid = api.submit()
    doc = upload_mandate(api, rid)
    challenge = api.start(rid).json()["challenge_id"]
    answer = api.code(rid, challenge, api.world.code_for(estate.ANNA)).json()
    assert answer["outcome"] == "awaiting_approval"
    url = f"/api/v1/verification/{rid}/authority/{doc}/document"
    fetched = api.client.get(url, headers=api.staff("reviewer"))
    assert (fetched.status_code, fetched.content) == (200, MANDATE)
    assert fetched.headers["content-type"] == "application/pdf"
    [read] = [e for e in api.world.c.audit.timeline(rid)
              if e.action == "verification.authority_document_read"]  # fmt: skip
    assert read.role == "reviewer" and read.summary == {"authority_id": doc}
    decision = api.client.post(
        f"/api/v1/verification/{rid}/authority/{doc}/decision",
        json={"approve": True},
        headers=api.staff("reviewer"),
    )
    assert decision.json()["outcome"] == "bound"


def test_an_authority_document_altered_on_disk_is_refused_not_served(api: Api) -> None:
    rid = api.submit()
    doc = upload_mandate(api, rid)
    [row] = api.world.c.approvals.authorities(rid)
    stored = api.world.c.settings.data_dir / row.file_path
    stored.write_bytes(stored.read_bytes()[:16] + bytes(len(stored.read_bytes()) - 16))
    fetched = api.client.get(
        f"/api/v1/verification/{rid}/authority/{doc}/document",
        headers=api.staff("reviewer"),
    )
    assert fetched.status_code == 500
    assert fetched.json()["error"] == "TamperedError" and b"%PDF" not in fetched.content


def test_a_staff_made_request_needs_two_different_staff_keys(api: Api) -> None:
    rid = api.world.submit(channel="staff")
    check = api.client.post(
        f"/api/v1/verification/{rid}/staff-checks",
        json={
            "method": "callback_to_phone_on_file",
            "note": "called back",
            "identities": [{"type": "phone", "value": estate.ANNA_PHONE}],
        },
        headers=api.staff("reviewer"),
    )
    assert check.status_code == 201, check.text
    url = f"/api/v1/verification/{rid}/staff-checks/{check.json()['id']}/decision"
    same = api.client.post(url, json={"approve": True}, headers=api.staff("reviewer"))
    assert same.status_code == 403
    other = api.client.post(url, json={"approve": True}, headers=api.staff("reviewer2"))
    assert other.json()["outcome"] == "bound"


def test_the_demo_inbox_exists_only_in_demo_mode(api: Api) -> None:
    assert api.client.get("/demo/mail").status_code == 404


def test_the_link_page_speaks_the_readers_language(api: Api) -> None:
    """A German requester follows "Oder öffnen Sie diesen Link zur Bestätigung" from the mail:
    the page and its answer are German (they were English only, `<html lang="en">`)."""
    rid = api.submit()
    api.start(rid)
    token = api.world.link_for(estate.ANNA)
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    page = api.client.get("/verify/link", params={"token": token}, headers=german)
    assert '<html lang="de">' in page.text and "Anfrage bestätigen" in page.text
    assert '<button type="submit">Bestätigen</button>' in page.text
    assert api.world.status(rid) is Status.AWAITING_VERIFICATION
    confirmed = api.client.post("/verify/link", data={"token": token, "lang": "de"})
    assert confirmed.status_code == 200 and '<html lang="de">' in confirmed.text
    assert "Sie sind bestätigt." in confirmed.text and "You are" not in confirmed.text
    again = api.client.post("/verify/link", data={"token": token, "lang": "de"})
    assert again.status_code == 409 and "Nicht bestätigt" in again.text
    cut = api.client.get("/verify/link", headers=german)
    assert cut.status_code == 400 and "Diesem Link fehlt sein Code" in cut.text
