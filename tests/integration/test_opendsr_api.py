"""OpenDSR intake (REQUIREMENTS.md:43): another system posts a request in the open format,
reads its status and cancels it while pending; every answer is signed with the key of the
published certificate. What arrives is a claim: rightful verifies the person itself, and there
is no `results_url` (the format's weak point: a bearer link to someone's data)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select

from rightful.adapters.db.tables import RequestRow
from rightful.demo import seed_demo
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.lifecycle import Status
from rightful.domain.staff import SYSTEM
from rightful.services.request_queries import RequestFilter

from .conftest import T0, App, running_app

SRID = "5f8a2b1c-3d4e-4f60-8a7b-9c0d1e2f3a4b"


@pytest.fixture
def app(store_url: str, tmp_path: Path) -> Iterator[App]:
    """The app over the demo estate: verification needs a data map to start."""
    estate = seed_demo(tmp_path / "estate")
    with running_app(store_url, tmp_path, sources=estate.dsns,
                     datamap_files=list(DATAMAP_FILES)) as running:  # fmt: skip
        yield running


def body(**overrides: object) -> dict[str, object]:
    return {
        "subject_request_id": SRID,
        "subject_request_type": "access",
        "subject_identities": [
            {"identity_type": "email", "identity_value": "anna@example.org",
             "identity_format": "raw"},
            {"identity_type": "controller_customer_id", "identity_value": "C-1001"},
        ],
        "submitted_time": (T0 - timedelta(hours=2)).isoformat(),
        "regulation": "gdpr",
        "api_version": "0.1",
        "status_callback_urls": ["https://hub.example/callback"],
        "extensions": {"someone_else's": "field"},
        **overrides,
    }  # fmt: skip


def post(app: App, **overrides: object) -> Any:
    return app.client.post(
        "/opendsr/requests", json=body(**overrides), headers=app.as_role("agent")
    )


def signed_by_the_certificate(app: App, answer: Any) -> bool:
    pem = app.client.get("/opendsr/certificate").text
    key = x509.load_pem_x509_certificate(pem.encode()).public_key()
    assert isinstance(key, Ed25519PublicKey)
    signature = base64.b64decode(answer.headers["x-opendsr-signature"])
    key.verify(signature, answer.content)
    return True


def requests_stored(app: App) -> int:
    with app.container.store.transaction() as session:
        return session.scalar(select(func.count()).select_from(RequestRow)) or 0


def test_discovery_is_public_signed_and_names_what_is_supported(app: App) -> None:
    answer = app.client.get("/opendsr/discovery")
    assert answer.status_code == 200 and signed_by_the_certificate(app, answer)
    found = answer.json()
    assert found["supported_subject_request_types"] == ["access", "portability", "erasure"]
    assert {"identity_type": "email", "identity_format": "raw"} in found["supported_identities"]
    assert found["processor_certificate"].endswith("/opendsr/certificate")
    assert (
        app.client.get("/opendsr/certificate").text == app.client.get("/opendsr/certificate").text
    )


def test_a_request_is_taken_in_once_with_its_receipt_time_and_deadline(app: App) -> None:
    """Art. 12(3): the month runs from receipt by the sender's system, not from our POST; the
    person is asked at once, by e-mail, to confirm it is them (as from the portal)."""
    first = post(app)
    assert first.status_code == 201, first.text
    assert signed_by_the_certificate(app, first)
    answer = first.json()
    assert answer["subject_request_id"] == SRID and answer["request_status"] == "pending"
    assert answer["expected_completion_time"].startswith("2026-02-28")
    assert answer["results_url"] is None and "anna" not in str(answer)
    again = post(app)
    assert again.status_code == 200 and again.json()["subject_request_id"] == SRID
    assert requests_stored(app) == 1
    [row] = app.container.requests.list(RequestFilter())
    assert (row.channel, row.received_at, row.requester_email) == (
        "opendsr",
        T0 - timedelta(hours=2),
        "anna@example.org",
    )
    assert row.claimed_identities == [{"type": "customer_id", "value": "C-1001"}]
    entries = app.container.audit.timeline(row.id)
    opened = [e for e in entries if e.action == "opendsr.received"]
    assert opened and opened[0].summary == {"subject_request_id": SRID, "callback_urls": 1}
    actions = [e.action for e in entries]
    assert actions.count("verification.challenge_sent") == 1, "asked once to confirm, by e-mail"


def test_status_and_cancellation_while_pending(app: App) -> None:
    post(app)
    status = app.client.get(f"/opendsr/requests/{SRID}", headers=app.as_role("agent"))
    assert status.status_code == 200 and status.json()["request_status"] == "pending"
    assert signed_by_the_certificate(app, status)
    gone = app.client.delete(f"/opendsr/requests/{SRID}", headers=app.as_role("agent"))
    assert gone.status_code == 200 and gone.json()["request_status"] == "cancelled"
    twice = app.client.delete(f"/opendsr/requests/{SRID}", headers=app.as_role("agent"))
    assert twice.status_code == 409
    assert twice.json()["detail"] == (
        "this request is cancelled; its sender can cancel it only while it is pending"
    )


def test_only_its_sender_reads_or_cancels_a_request_and_a_conflicting_repeat_is_409(
    app: App,
) -> None:
    """Each sending system has its own key: another key (another system, or a staff member's)
    learns nothing of the request; the same id with another type is no repeat."""
    post(app)
    other = app.as_role("reviewer")
    assert app.client.get(f"/opendsr/requests/{SRID}", headers=other).status_code == 404
    assert app.client.delete(f"/opendsr/requests/{SRID}", headers=other).status_code == 404
    taken = app.client.post("/opendsr/requests", json=body(), headers=other)
    assert taken.status_code == 409 and "is taken" in taken.json()["detail"]
    refusals = [taken, app.client.get(f"/opendsr/requests/{SRID}", headers=other),
                app.client.get(f"/opendsr/requests/{SRID}"),  # no key: 401
                app.client.post("/opendsr/requests", json={"nonsense": 1},
                                headers=app.as_role("agent"))]  # fmt: skip
    assert [r.status_code for r in refusals] == [409, 404, 401, 422]
    assert all(signed_by_the_certificate(app, r) for r in refusals), "refusals are signed too"
    changed = post(app, subject_request_type="erasure", regulation="ccpa")
    assert changed.status_code == 409 and "another type, regulation" in changed.json()["detail"]
    same = post(app)
    assert same.status_code == 200 and same.json()["request_status"] == "pending"
    shouted = SRID.upper().replace("-", "")  # the same UUID as the sender may write it
    found = app.client.get(f"/opendsr/requests/{shouted}", headers=app.as_role("agent"))
    assert found.status_code == 200 and found.json()["subject_request_id"] == SRID


def test_once_the_person_is_verified_the_sender_cannot_cancel(app: App) -> None:
    post(app)
    rid = app.container.opendsr.get(SRID).request.id
    assert app.container.requests.get(rid).status == Status.AWAITING_VERIFICATION
    app.container.requests.move(rid, Status.VERIFIED, SYSTEM, "verified by e-mail code")
    refused = app.client.delete(f"/opendsr/requests/{SRID}", headers=app.as_role("agent"))
    # The sender learns the OpenDSR status only, not rightful's stage or its request id.
    assert refused.status_code == 409 and "in_progress" in refused.json()["detail"]
    assert rid not in refused.text and "verified" not in refused.text
    shown = app.client.get(f"/opendsr/requests/{SRID}", headers=app.as_role("agent")).json()
    assert shown["request_status"] == "in_progress"


def test_bad_submissions_are_refused_with_what_to_fix_and_nothing_is_kept(app: App) -> None:
    cases = [
        ({"subject_request_id": "not-a-uuid"}, "UUID (version 4)"),
        ({"subject_request_id": str(uuid.uuid1())}, "UUID (version 4)"),
        ({"subject_request_type": "rectification"}, "subject_request_type"),
        ({"regulation": "pipeda"}, "regulation"),
        ({"subject_identities": [{"identity_type": "email", "identity_format": "sha256",
                                  "identity_value": "ab" * 32}]}, "raw identities"),
        ({"subject_identities": [{"identity_type": "controller_customer_id",
                                  "identity_value": "C-1"}]}, "email or phone_number"),
        ({"subject_identities": [{"identity_type": "ios_advertising_id",
                                  "identity_value": "x"}]}, "not supported"),
        ({"submitted_time": (T0 + timedelta(days=1)).isoformat()}, "in the future"),
        ({"submitted_time": "2026-01-30T10:00:00"}, "timezone"),
        ({"submitted_time": "1900-01-01T00:00:00Z"}, "more than a year ago"),
        ({"subject_identities": [{"identity_type": "phone_number",
                                  "identity_value": "+49 151 23456789"}]}, "sends no SMS"),
    ]  # fmt: skip
    for overrides, reason in cases:
        answer = post(app, **overrides)
        assert answer.status_code == 422, (overrides, answer.text)
        assert reason in answer.json()["detail"], answer.json()
    assert requests_stored(app) == 0


def test_the_endpoints_need_a_staff_key_and_unknown_ids_are_404(app: App) -> None:
    assert app.client.post("/opendsr/requests", json=body()).status_code == 401
    assert app.client.get(f"/opendsr/requests/{SRID}").status_code == 401
    missing = app.client.get(f"/opendsr/requests/{SRID}", headers=app.as_role("agent"))
    assert missing.status_code == 404 and SRID in missing.json()["detail"]
    browser = {**app.as_role("agent"), "accept": "text/html,*/*"}
    unknown = app.client.get("/opendsr/nowhere", headers=browser)
    assert unknown.status_code == 404 and unknown.json()["error"] == "NotFoundError"


def test_a_repeated_post_asks_the_person_if_the_first_stopped_before_it_could(app: App) -> None:
    """The first POST wrote the request, then failed before the person was asked to confirm
    (say the server stopped): the sender's retry must not leave them unasked."""
    from rightful.adapters.db.opendsr import OpenDsrRequestRow
    from rightful.domain.deadlines import Jurisdiction
    from rightful.domain.intake import NewRequest
    from rightful.domain.lifecycle import Role
    from rightful.domain.requests import RequestType
    from rightful.domain.staff import Principal

    sender = "key:" + app.keys["agent"].split("_")[1]  # the key post() sends with

    def link(session: Any, row: RequestRow) -> None:
        session.add(OpenDsrRequestRow(subject_request_id=SRID, request_id=row.id,
                                      regulation="gdpr", received_at=T0, submitted_by=sender,
                                      callback_urls=0))  # fmt: skip

    new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email="anna@example.org",
                     channel="opendsr")  # fmt: skip
    rid = app.container.requests.submit(new, Principal(sender, Role.AGENT), also=link).id
    assert app.container.requests.get(rid).status == Status.RECEIVED
    again = post(app)
    assert again.status_code == 200 and again.json()["request_status"] == "pending"
    asked = [
        e for e in app.container.audit.timeline(rid) if e.action == "verification.challenge_sent"
    ]
    assert (
        len(asked) == 1 and app.container.requests.get(rid).status == Status.AWAITING_VERIFICATION
    )
    post(app)
    assert [e.action for e in app.container.audit.timeline(rid)].count(
        "verification.challenge_sent"
    ) == 1, "asked once, not on every retry"


def test_posts_that_race_for_one_id_are_each_answered_as_if_one_came_after_the_other(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two posts of one id at the same moment: the one that loses the insert is answered as a
    repeat would be, so another sender, or another request under the id, gets 409, never 200
    "taken in" for a request that does not exist (docs/opendsr.md; found with six threads)."""
    post(app)
    service = type(app.container.opendsr)
    find = service._find

    def racing(headers: dict[str, str], **overrides: object) -> Any:
        """A post that looked for the id before the first one's insert committed."""
        looks: list[str] = []

        def too_early(self: Any, srid: str, **kw: Any) -> Any:
            looks.append(srid)
            return None if len(looks) == 1 else find(self, srid, **kw)

        monkeypatch.setattr(service, "_find", too_early)
        try:
            return app.client.post("/opendsr/requests", json=body(**overrides), headers=headers)
        finally:
            monkeypatch.setattr(service, "_find", find)

    other_sender = racing(app.as_role("reviewer"))
    assert other_sender.status_code == 409 and "is taken" in other_sender.json()["detail"]
    other_request = racing(app.as_role("agent"), subject_request_type="erasure")
    assert other_request.status_code == 409
    assert "another type" in other_request.json()["detail"]
    assert racing(app.as_role("agent")).status_code == 200, "its own repeat is taken in"
    assert requests_stored(app) == 1
