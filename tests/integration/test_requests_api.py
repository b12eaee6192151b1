"""The request API: public submission, staff operations by role, clear 4xx, nothing half-written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from hashlib import sha256
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from rightful.adapters.db.audit import AuditEntryRow
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.clock import FixedClock
from rightful.domain.lifecycle import Status
from rightful.entrypoints.api.app import create_app
from rightful.services.request_queries import RequestFilter

from .conftest import T0, App, make_container, running_app

ACCESS = {"type": "access", "jurisdiction": "gdpr", "email": "Anna.Schmidt@Example.ORG "}


def submit(app: App, **overrides: object) -> dict[str, object]:
    response = app.client.post("/api/v1/requests", json={**ACCESS, **overrides})
    assert response.status_code == 202, response.text
    return response.json()


def audit_count(app: App) -> int:
    return app.container.audit.verify().entries_checked


def test_anyone_may_submit_without_a_key_and_gets_the_legal_deadline(app: App) -> None:
    """REQUIREMENTS.md Art. 12(3): 31 January + one month -> 28 February (end of that day)."""
    body = submit(app)
    assert body["status"] == "received"
    assert body["respond_by"].startswith("2026-02-28T23:59:59")
    stored = app.container.requests.get(body["id"])
    assert stored.acknowledged_at == stored.received_at == T0  # acknowledged with the receipt
    shown = app.client.get(f"/api/v1/requests/{body['id']}", headers=app.as_role("agent")).json()
    assert "notice.recorded" in [e["action"] for e in shown["timeline"]]
    assert shown["acknowledged_at"].startswith("2026-01-31T09:30:00")


def test_ccpa_names_map_onto_request_types(app: App) -> None:
    body = submit(app, type="delete", jurisdiction="ccpa")
    shown = app.client.get(f"/api/v1/requests/{body['id']}", headers=app.as_role("agent")).json()
    assert shown["type"] == "erasure"
    assert shown["acknowledge_by"] is not None
    assert shown["respond_by"].startswith("2026-03-17")  # 45 calendar days from receipt


@pytest.mark.parametrize(
    ("type_", "jurisdiction", "said"),
    [
        ("opt_out", "ccpa", "We act on it without asking you to prove who you are"),
        ("limit", "ccpa", "We act on it without asking you to prove who you are"),
        ("access", "ccpa", "Before we act on it we will verify your identity"),
        ("access", "gdpr", "Before we act on it we will verify your identity"),
    ],
)
def test_the_submission_answer_says_whether_identity_is_checked_as_the_acknowledgement_does(
    app: App, type_: str, jurisdiction: str, said: str
) -> None:
    """An opt-out or limit request needs no proof of identity (Cal. Code Regs. tit. 11
    §7026(c), §7027): its answer must not promise an identity check."""
    body = submit(app, type=type_, jurisdiction=jurisdiction)
    assert said in str(body["message"]) and str(body["message"]).startswith("Request received.")


def test_the_submission_answer_does_not_echo_personal_data(app: App) -> None:
    body = submit(app)
    assert "anna" not in str(body).lower()


def test_staff_endpoints_need_a_key(app: App) -> None:
    response = app.client.get("/api/v1/requests")
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]
    bad = app.client.get("/api/v1/requests", headers={"X-API-Key": "rf_nope_nope"})
    assert bad.status_code == 401


def test_roles_are_checked_on_every_staff_endpoint(app: App) -> None:
    rid = submit(app)["id"]
    extend = {"reason": "a complex request", "months": 2}
    agent = app.client.post(
        f"/api/v1/requests/{rid}/extend", json=extend, headers=app.as_role("agent")
    )
    assert agent.status_code == 403
    keys = app.client.get("/api/v1/staff/keys", headers=app.as_role("dpo"))
    assert keys.status_code == 403
    assert app.client.get("/api/v1/staff/keys", headers=app.as_role("admin")).status_code == 200


def test_an_illegal_transition_is_409_with_a_reason_and_writes_nothing(app: App) -> None:
    rid = submit(app)["id"]
    before = audit_count(app)
    response = app.client.post(
        f"/api/v1/requests/{rid}/transitions",
        json={"to": "expired", "reason": "gave up"},
        headers=app.as_role("admin"),
    )
    assert response.status_code == 409
    assert "from received to expired" in response.json()["detail"]
    assert audit_count(app) == before
    shown = app.client.get(f"/api/v1/requests/{rid}", headers=app.as_role("agent")).json()
    assert shown["status"] == "received"


def test_staff_read_what_the_requester_wrote(app: App) -> None:
    """A rectification says what is wrong and what is right in the requester's own words."""
    words = "My street is Lindenallee 4,\nnot Lindenstraße 4."
    rid = submit(app, type="rectification", details=words)["id"]
    answer = app.client.get(f"/api/v1/requests/{rid}", headers=app.as_role("agent"))
    assert answer.json()["details"] == words
    assert answer.headers["cache-control"] == "no-store", "personal data stays out of caches"
    viewed = [e for e in app.container.audit.timeline(rid) if e.action == "api.request_viewed"]
    assert len(viewed) == 1 and viewed[0].role == "agent", "who saw the contact details"


def test_each_transition_lands_in_the_timeline_with_actor_and_role(app: App) -> None:
    rid = submit(app)["id"]
    steps = [
        ("awaiting_verification", ""),
        ("on_hold", "asked for proof of address"),
        ("awaiting_verification", ""),
    ]
    for target, reason in steps:
        r = app.client.post(
            f"/api/v1/requests/{rid}/transitions",
            json={"to": target, "reason": reason},
            headers=app.as_role("agent"),
        )
        assert r.status_code == 200, r.text
    shown = app.client.get(f"/api/v1/requests/{rid}", headers=app.as_role("agent")).json()
    moves = [e for e in shown["timeline"] if e["action"] == "request.transitioned"]
    targets = [t for t, _ in steps]
    assert [m["summary"]["target"] for m in moves] == targets
    assert {m["role"] for m in moves} == {"agent"}
    assert all(m["actor"].startswith("key:") for m in moves)
    assert [t["target"] for t in shown["transitions"]] == targets
    assert shown["transitions"][1]["reason"] == "asked for proof of address"


def test_days_on_hold_for_identity_move_the_deadline_only_where_the_clock_stops(
    app: App,
) -> None:
    """REQUIREMENTS.md:10: whether the clock pauses while awaiting identity is a policy;
    by default it does for UK GDPR (as the ICO allows) and not for GDPR."""
    due: dict[str, list[date]] = {}
    for jurisdiction in ("gdpr", "uk_gdpr"):
        rid = submit(app, jurisdiction=jurisdiction)["id"]
        due[jurisdiction] = [app.container.requests.get(rid).respond_by.date()]
        # on hold from 2 to 5 February: four days, both ends counted
        for target, after_days in (
            ("awaiting_verification", 0),
            ("on_hold", 2),
            ("awaiting_verification", 3),
        ):
            app.clock.advance(timedelta(days=after_days))
            r = app.client.post(
                f"/api/v1/requests/{rid}/transitions",
                json={"to": target, "reason": "asked for proof of identity"},
                headers=app.as_role("agent"),
            )
            assert r.status_code == 200, r.text
        due[jurisdiction].append(app.container.requests.get(rid).respond_by.date())
        app.clock.set(T0)
    assert due["gdpr"][1] == due["gdpr"][0]
    assert due["uk_gdpr"][1] - due["uk_gdpr"][0] == timedelta(days=4)


def test_evidenced_statuses_cannot_be_reached_by_hand(app: App) -> None:
    """Verified needs a verification, delivered a download: a bare move is refused."""
    rid = submit(app)["id"]
    app.client.post(
        f"/api/v1/requests/{rid}/transitions",
        json={"to": "awaiting_verification"},
        headers=app.as_role("admin"),
    )
    r = app.client.post(
        f"/api/v1/requests/{rid}/transitions", json={"to": "verified"}, headers=app.as_role("admin")
    )
    assert r.status_code == 409
    assert "not by a manual move" in r.json()["detail"]


def test_a_rejection_by_a_bare_move_is_refused_and_points_to_refuse(app: App) -> None:
    """REQUIREMENTS.md:7 (Art. 12(4)): a refusal states reasons and the right to complain, so a
    request is rejected only through `refuse`, never by a move that records neither."""
    rid = submit(app)["id"]
    r = app.client.post(
        f"/api/v1/requests/{rid}/transitions", json={"to": "rejected", "reason": "spam"},
        headers=app.as_role("dpo"),
    )  # fmt: skip
    assert r.status_code == 409
    assert "/refuse" in r.json()["detail"]
    assert (
        app.client.get(f"/api/v1/requests/{rid}", headers=app.as_role("dpo")).json()["status"]
        == "received"
    )


def test_the_chain_binds_an_extension_and_its_notice_by_digest_with_the_length_applied(
    app: App,
) -> None:
    """REQUIREMENTS.md:6 (Art. 12(3)): an extension without a length takes the most the law
    allows, and the chain records that length and digests of the reason and the notice's
    words (never the words), so the stored texts are provably those recorded."""
    rid = submit(app)["id"]
    reason = "14 source systems"
    r = app.client.post(
        f"/api/v1/requests/{rid}/extend", json={"reason": reason}, headers=app.as_role("dpo")
    )
    assert r.status_code == 200, r.text
    shown = app.client.get(f"/api/v1/requests/{rid}", headers=app.as_role("dpo")).json()
    extended = next(e for e in shown["timeline"] if e["action"] == "request.extended")
    assert extended["summary"]["months"] == 2
    assert extended["summary"]["reason_sha256"] == sha256(reason.encode()).hexdigest()[:32]
    notice = next(n for n in shown["notices"] if n["kind"] == "extension")
    recorded = [e["summary"] for e in shown["timeline"] if e["action"] == "notice.recorded"]
    assert {
        "kind": "extension",
        "wording_sha256": sha256(notice["body"].encode()).hexdigest()[:32],
    } in [{k: v for k, v in s.items() if k in ("kind", "wording_sha256")} for s in recorded]
    assert reason not in json.dumps(shown["timeline"])


def test_extension_is_recorded_once_with_its_notice(app: App) -> None:
    """REQUIREMENTS.md Art. 12(3): one extension by up to two months, told within the first."""
    rid = submit(app)["id"]
    app.clock.advance(timedelta(days=20))
    r = app.client.post(
        f"/api/v1/requests/{rid}/extend",
        json={"reason": "14 source systems", "months": 2},
        headers=app.as_role("dpo"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["respond_by"].startswith("2026-04-30")
    again = app.client.post(
        f"/api/v1/requests/{rid}/extend",
        json={"reason": "more", "months": 1},
        headers=app.as_role("dpo"),
    )
    assert again.status_code == 409
    shown = app.client.get(f"/api/v1/requests/{rid}", headers=app.as_role("agent")).json()
    assert [n["kind"] for n in shown["notices"]] == ["acknowledgement", "extension"]


def test_a_refusal_under_art_12_5_shows_its_ground_on_the_request(app: App) -> None:
    """REQUIREMENTS.md:8 (Art. 12(5)): the recorded decision is part of what staff read back."""
    rid = submit(app)["id"]
    why = "Sent daily for a month; every earlier copy was delivered in full."
    r = app.client.post(
        f"/api/v1/requests/{rid}/refuse", json={"reasons": [why], "manifestly": "unfounded"},
        headers=app.as_role("dpo"),
    )  # fmt: skip
    assert r.status_code == 200, r.text
    shown = app.client.get(f"/api/v1/requests/{rid}", headers=app.as_role("agent")).json()
    assert shown["refused_manifestly"] == {"ground": "unfounded", "earlier_requests": 0}
    other = submit(app)["id"]
    shown = app.client.get(f"/api/v1/requests/{other}", headers=app.as_role("agent")).json()
    assert shown["refused_manifestly"] is None


def test_extension_after_the_first_month_is_refused(app: App) -> None:
    rid = submit(app)["id"]
    app.clock.advance(timedelta(days=40))
    r = app.client.post(
        f"/api/v1/requests/{rid}/extend",
        json={"reason": "more sources were found", "months": 1},
        headers=app.as_role("dpo"),
    )
    assert r.status_code == 409


def test_refusal_notice_states_reasons_and_the_right_to_complain(app: App) -> None:
    """REQUIREMENTS.md Art. 12(4)."""
    rid = submit(app)["id"]
    r = app.client.post(
        f"/api/v1/requests/{rid}/refuse",
        json={"reasons": ["manifestly excessive: 40th request this month"]},
        headers=app.as_role("dpo"),
    )
    assert r.status_code == 200, r.text
    shown = app.client.get(f"/api/v1/requests/{rid}", headers=app.as_role("agent")).json()
    notice = next(n for n in shown["notices"] if n["kind"] == "refusal")
    assert "40th request" in notice["body"]
    assert "supervisory authority" in notice["body"]


def test_bad_input_is_a_clear_4xx(app: App) -> None:
    post = app.client.post
    malformed = post(
        "/api/v1/requests", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    unknown = post("/api/v1/requests", json={**ACCESS, "jurisdiction": "mars"})
    assert unknown.status_code == 422 and "jurisdiction" in unknown.json()["detail"]
    bad_type = post("/api/v1/requests", json={**ACCESS, "type": "everything"})
    assert bad_type.status_code == 422 and "unknown request type" in bad_type.json()["detail"]
    bad_email = post("/api/v1/requests", json={**ACCESS, "email": "not-an-address"})
    assert bad_email.status_code == 422
    nothing = post("/api/v1/requests", json={"type": "access", "jurisdiction": "gdpr"})
    assert nothing.status_code == 422
    for name in ("Anna\x00", "Anna \u202eregnoM"):  # a NUL byte; text that reads reversed
        odd = post("/api/v1/requests", json={**ACCESS, "name": name})
        assert odd.status_code == 422 and "name: contains control characters" in odd.text
    huge = post("/api/v1/requests", json={**ACCESS, "details": "x" * 2_000_000})
    assert huge.status_code == 413
    bad_filter = app.client.get("/api/v1/requests?status=lost", headers=app.as_role("agent"))
    assert bad_filter.status_code == 422


def test_unknown_request_is_404(app: App) -> None:
    r = app.client.get("/api/v1/requests/nope", headers=app.as_role("agent"))
    assert r.status_code == 404


def test_due_lists_open_requests_by_time_left_with_flags(app: App) -> None:
    old = submit(app)["id"]
    app.clock.advance(timedelta(days=25))
    fresh = submit(app)["id"]
    done = submit(app)["id"]
    app.client.post(
        f"/api/v1/requests/{done}/cancel",
        json={"reason": "withdrawn"},
        headers=app.as_role("agent"),
    )
    app.clock.advance(timedelta(days=5))
    due = app.client.get("/api/v1/requests/due", headers=app.as_role("agent")).json()
    assert [d["id"] for d in due] == [old, fresh]
    assert [d["urgency"] for d in due] == ["overdue", "ok"]


def test_the_due_list_reads_no_requester_contact_data(app: App) -> None:
    """The due list (API, CLI, console queue, daily sweep) needs deadlines, not people: no
    statement it issues reads a requester's name, e-mail, phone, identities or details."""
    submit(app)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    engine = app.container.store.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        [item] = app.container.requests.due()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert item.urgency == "ok"
    personal = ("requester_email", "requester_phone", "requester_name", "claimed_identities",
                "details")  # fmt: skip
    assert statements
    assert not [s for s in statements if any(column in s for column in personal)]


def test_list_filters_by_status(app: App) -> None:
    a = submit(app)["id"]
    submit(app)
    app.client.post(
        f"/api/v1/requests/{a}/transitions",
        json={"to": "awaiting_verification"},
        headers=app.as_role("agent"),
    )
    listed = app.client.get(
        "/api/v1/requests", params={"status": "awaiting_verification"}, headers=app.as_role("agent")
    ).json()
    assert [r["id"] for r in listed] == [a]
    assert listed[0]["status"] == Status.AWAITING_VERIFICATION


def test_openapi_is_served(app: App) -> None:
    assert app.client.get("/docs").status_code == 200
    paths = app.client.get("/openapi.json").json()["paths"]
    assert "/api/v1/requests" in paths


def test_one_network_address_submits_a_limited_number_an_hour(
    store_url: str, tmp_path: Path
) -> None:
    """Anyone may submit, but nobody can flood the queue or someone's inbox from one address:
    beyond `submissions_per_hour` the answer is 429 with Retry-After; others still get in."""
    c = make_container(store_url, tmp_path, FixedClock(T0), submissions_per_hour=2,
                       trusted_proxies=["192.0.2.10"])  # fmt: skip
    proxy = ("192.0.2.10", 50000)
    with TestClient(create_app(c), raise_server_exceptions=False, client=proxy) as client:
        for _ in range(2):
            assert client.post("/api/v1/requests", json=ACCESS).status_code == 202
        refused = client.post("/api/v1/requests", json=ACCESS)
        assert refused.status_code == 429
        assert "too many requests were sent from your network" in refused.json()["detail"]
        assert 0 < int(refused.headers["Retry-After"]) <= 3600
        other = client.post("/api/v1/requests", json=ACCESS,
                            headers={"X-Forwarded-For": "203.0.113.50"})  # fmt: skip
        assert other.status_code == 202
    assert len(c.requests.list(RequestFilter(limit=10))) == 3  # the refused one left no trace
    c.store.engine.dispose()


def test_an_admin_issues_a_key_that_works_and_the_chain_names_it_but_not_its_secret(
    app: App,
) -> None:
    issued = app.client.post("/api/v1/staff/keys", json={"name": "crm sync", "role": "agent",
                             "holder": "TEST-agent"}, headers=app.as_role("admin"))  # fmt: skip
    assert issued.status_code == 201
    key = issued.json()
    listed = app.client.get("/api/v1/requests", headers={"X-API-Key": key["key"]})
    assert listed.status_code == 200
    listed = app.client.get("/api/v1/staff/keys", headers=app.as_role("admin")).json()
    assert [k["holder"] for k in listed if k["id"] == key["id"]] == ["test-agent"]
    with app.container.store.transaction() as session:
        entry = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "staff.key_issued")
        ).one()
    assert json.loads(entry.summary) == {"key_id": key["id"], "role": "agent"}
    assert entry.role == "admin" and key["key"] not in entry.summary
    refused = app.client.post("/api/v1/staff/keys", json={"name": "x", "role": "agent"},
                              headers=app.as_role("dpo"))  # fmt: skip
    assert refused.status_code == 403
    gone = app.client.delete(f"/api/v1/staff/keys/{key['id']}", headers=app.as_role("admin"))
    assert gone.status_code == 204
    again = app.client.delete(f"/api/v1/staff/keys/{key['id']}", headers=app.as_role("admin"))
    assert again.status_code == 409 and "revoked already" in again.json()["detail"]
    assert app.client.get("/api/v1/requests", headers={"X-API-Key": key["key"]}).status_code == 401
    with app.container.store.transaction() as session:
        revoked = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "staff.key_revoked")
        ).all()
    assert len(revoked) == 1, "one revocation, one entry"
    odd_name = {"name": "a\x00b\x1b[2J", "role": "agent", "holder": "test-agent"}
    odd = app.client.post("/api/v1/staff/keys", json=odd_name, headers=app.as_role("admin"))
    assert odd.status_code == 422 and "a key's name: contains control characters" in odd.text


@pytest.mark.parametrize(
    ("holder", "said"),
    [
        ({}, "give --holder the console user name of the staff member who holds the key"),
        ({"holder": "alice"}, "no console user 'alice': give --holder the console user name"),
    ],
)
def test_a_key_names_a_console_user_as_its_holder(
    app: App, holder: dict[str, str], said: str
) -> None:
    """Every role acts in four-eyes decisions (an agent enters requests and uploads files), and
    four eyes count people: a key without a holder was a person of its own, so one person's two
    keys were two people."""
    body = {"name": "alice laptop", "role": "agent"} | holder
    refused = app.client.post("/api/v1/staff/keys", json=body, headers=app.as_role("admin"))
    assert refused.status_code == 422 and said in refused.json()["detail"]
    assert len(app.client.get("/api/v1/staff/keys", headers=app.as_role("admin")).json()) == 4


@pytest.fixture
def mapped_app(store_url: str, tmp_path: Path) -> Iterator[App]:
    """The app with the demo estate's data map, which outcomes are checked against."""
    with running_app(store_url, tmp_path, datamap_files=list(DATAMAP_FILES)) as running:
        yield running


def test_an_erasure_outcome_is_recorded_by_the_dpo_once_the_requester_is_verified(
    mapped_app: App,
) -> None:
    """REQUIREMENTS.md:25 (Art. 17(1), 17(3), 19): the ground, what was erased, what was kept and
    the exception relied on for each, and the recipients told; then the request is closed."""
    from rightful.domain.staff import SYSTEM

    app = mapped_app
    rid = str(submit(app, type="erasure")["id"])
    path = f"/api/v1/requests/{rid}/erasure"
    kept = [{"category": "user.content", "exception": "b"}]
    outcome = {"ground": "a", "erased": ["user.contact"], "kept": kept, "recipients_told": 1}
    assert app.client.post(path, json=outcome, headers=app.as_role("reviewer")).status_code == 403
    early = app.client.post(path, json=outcome, headers=app.as_role("dpo"))
    assert early.status_code == 409 and "once the requester is verified" in early.json()["detail"]
    app.container.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    app.container.requests.move(rid, Status.VERIFIED, SYSTEM, "code confirmed")
    for bad, reason in [
        ({**outcome, "ground": "g"}, "Art. 17(1)"),
        ({**outcome, "kept": [{"category": "user.content", "exception": "z"}]}, "Art. 17(3)"),
        ({**outcome, "erased": [], "kept": []}, "name what was erased"),
        ({**outcome, "erased": ["Anna Schmidt"]}, "not a data category name"),
        ({**outcome, "erased": ["not.a.category"]}, "not a data category of the data map"),
        ({**outcome, "erased": ["user.content"]}, "both erased and kept"),
    ]:
        answer = app.client.post(path, json=bad, headers=app.as_role("dpo"))
        assert answer.status_code == 422 and reason in answer.json()["detail"], answer.text
    assert app.container.requests.get(rid).status == Status.VERIFIED, "nothing half-written"
    done = app.client.post(path, json=outcome, headers=app.as_role("dpo"))
    assert done.status_code == 200, done.text
    shown = done.json()
    assert shown["status"] == "closed" and shown["erasure_outcome"]["ground"] == "a"
    assert [n.kind for n in app.container.requests.notices(rid)][-1] == "erasure"


def test_a_rectification_lists_where_else_the_data_is_held_and_closes_when_each_is_done(
    mapped_app: App,
) -> None:
    """REQUIREMENTS.md:25 (Art. 16): rectification updates every source. The API answers with
    the places also holding the corrected data and which are still open; bad input is a 422
    naming what to fix, and writes nothing."""
    from rightful.domain.staff import SYSTEM

    app = mapped_app
    rid = str(submit(app, type="rectification")["id"])
    app.container.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    app.container.requests.move(rid, Status.VERIFIED, SYSTEM, "code confirmed")
    path, dpo = f"/api/v1/requests/{rid}/rectification", app.as_role("dpo")
    first = app.client.post(path, json={"fields": ["accounts.customers.country"]}, headers=dpo)
    assert first.status_code == 200, first.text
    shown = first.json()
    assert shown["status"] == "verified"
    assert shown["rectification_outcome"]["open"] == ["shop.orders.shipping_address"]
    invoice = {"field": "shop.orders.shipping_address", "reason": "the invoice, kept as issued"}
    for bad, reason in [
        ({"kept": [{**invoice, "reason": "kept"}]}, "at least 10"),
        ({"kept": [{**invoice, "field": "accounts.customers.email"}]}, "does not hold the kind"),
        ({"fields": [], "kept": []}, "name the fields corrected"),
    ]:
        answer = app.client.post(path, json=bad, headers=dpo)
        assert answer.status_code == 422 and reason in answer.json()["detail"], answer.text
    assert app.container.requests.get(rid).rectification_outcome == shown["rectification_outcome"]
    done = app.client.post(path, json={"kept": [invoice]}, headers=dpo)
    assert done.status_code == 200 and done.json()["status"] == "closed", done.text
    assert done.json()["rectification_outcome"]["kept"] == [invoice]
    assert [n.kind for n in app.container.requests.notices(rid)][-1] == "rectification"


def test_an_objection_to_direct_marketing_is_marked_and_cannot_be_refused(app: App) -> None:
    """REQUIREMENTS.md:25 (Art. 21(3)): the objection to direct marketing is absolute."""
    body = {**ACCESS, "type": "access", "direct_marketing": True}
    wrong = app.client.post("/api/v1/requests", json=body)
    assert wrong.status_code == 422 and "applies to an objection" in wrong.json()["detail"]
    rid = str(submit(app, type="objection", direct_marketing=True)["id"])
    shown = app.client.get(f"/api/v1/requests/{rid}", headers=app.as_role("agent")).json()
    assert shown["direct_marketing"] is True
    refused = app.client.post(f"/api/v1/requests/{rid}/refuse", json={"reasons": ["no"]},
                              headers=app.as_role("dpo"))  # fmt: skip
    assert refused.status_code == 409 and "Art. 21(3)" in refused.json()["detail"]


def test_a_refusal_under_art_12_5_needs_its_ground_and_a_justification(app: App) -> None:
    """REQUIREMENTS.md:8 (Art. 12(5)): a recorded decision and justification."""
    rid = str(submit(app)["id"])
    path, dpo = f"/api/v1/requests/{rid}/refuse", app.as_role("dpo")
    wrong = app.client.post(path, json={"reasons": ["x" * 60], "manifestly": "rude"}, headers=dpo)
    assert wrong.status_code == 422
    short = app.client.post(path, json={"reasons": ["again"], "manifestly": "unfounded"},
                            headers=dpo)  # fmt: skip
    assert short.status_code == 422 and "at least 50 characters" in short.json()["detail"]
    why = ["It asks for data of a service we never offered, to disrupt a pending lawsuit."]
    done = app.client.post(path, json={"reasons": why, "manifestly": "unfounded"}, headers=dpo)
    assert done.status_code == 200 and done.json()["status"] == "rejected"


def test_a_restriction_is_recorded_announced_and_lifted_over_the_api(mapped_app: App) -> None:
    """REQUIREMENTS.md:25 (Art. 18, 19): ground and categories recorded, the person told before
    the restriction lifts (18(3)); the list shows what is in force."""
    from datetime import timedelta

    from rightful.domain.staff import SYSTEM

    app = mapped_app
    rid = str(submit(app, type="restriction")["id"])
    app.container.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    app.container.requests.move(rid, Status.VERIFIED, SYSTEM, "code confirmed")
    dpo, base = app.as_role("dpo"), f"/api/v1/requests/{rid}/restriction"
    body = {"ground": "a", "categories": ["user.contact"], "recipients_told": 0}
    assert app.client.post(base, json=body, headers=app.as_role("agent")).status_code == 403
    bad = app.client.post(base, json={**body, "ground": "x"}, headers=dpo)
    assert bad.status_code == 422 and "Art. 18(1)" in bad.json()["detail"]
    bad = app.client.post(base, json={**body, "categories": ["not.a.cat"]}, headers=dpo)
    assert bad.status_code == 422 and "not.a.cat' is not a data category" in bad.json()["detail"]
    assert app.client.get(base, headers=dpo).status_code == 404
    placed = app.client.post(base, json=body, headers=dpo)
    assert placed.status_code == 200 and placed.json()["status"] == "closed"
    listed = app.client.get("/api/v1/restrictions", headers=app.as_role("agent")).json()
    assert [(r["request_id"], r["in_force"], r["lifts_on"]) for r in listed] == [(rid, True, None)]
    early = app.client.post(f"{base}/lift", headers=dpo)
    assert early.status_code == 409 and "Art. 18(3)" in early.json()["detail"]
    day = (app.container.clock.now() + timedelta(days=30)).date().isoformat()
    notice = {"lifts_on": day, "reason": "We verified that your postal address is correct."}
    soon = app.client.post(f"{base}/lift-notice", json={**notice, "lifts_on": "2020-01-01"},
                           headers=dpo)  # fmt: skip
    assert soon.status_code == 422 and "announce a day on or after" in soon.json()["detail"]
    announced = app.client.post(f"{base}/lift-notice", json=notice, headers=dpo)
    assert announced.status_code == 200 and announced.json()["lifts_on"] == day
    assert app.client.get(base, headers=dpo).json()["lifts_on"] == day
    assert app.client.post(f"{base}/lift", headers=dpo).status_code == 409
    kinds = [n.kind for n in app.container.requests.notices(rid)]
    assert kinds[-2:] == ["restriction", "restriction_lifting"]


def test_only_a_verified_request_without_a_package_or_erasure_record_is_answered_in_words(
    app: App,
) -> None:
    from rightful.domain.staff import SYSTEM

    words = {"text": "We stopped sending you marketing e-mails on all lists."}
    access = str(submit(app)["id"])
    objection = str(submit(app, type="objection")["id"])
    erasure = str(submit(app, type="erasure")["id"])
    for rid in (access, objection, erasure):
        app.container.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
        app.container.requests.move(rid, Status.VERIFIED, SYSTEM, "code confirmed")
    dpo = app.as_role("dpo")
    for rid, status, reason in [
        (access, 409, "answered with its package"),
        (erasure, 409, "rightful requests erased"),
    ]:
        answer = app.client.post(f"/api/v1/requests/{rid}/answer", json=words, headers=dpo)
        assert answer.status_code == status and reason in answer.json()["detail"]
    path = f"/api/v1/requests/{objection}/answer"
    assert app.client.post(path, json=words, headers=app.as_role("reviewer")).status_code == 403
    for too_short in ("done", "x" + "\u200b" * 30):  # zero-width characters are not words
        short = app.client.post(path, json={"text": too_short}, headers=dpo)
        assert short.status_code == 422
        assert "at least 20 visible characters" in short.json()["detail"]
    done = app.client.post(path, json=words, headers=dpo)
    assert done.status_code == 200 and done.json()["status"] == "closed"
    assert [n.kind for n in app.container.requests.notices(objection)][-1] == "action_taken"


def test_two_changes_to_one_request_at_once_end_in_a_conflict_not_a_crash(app: App) -> None:
    """The second writer of a request row whose version moved meanwhile gets 409's error."""
    from rightful.adapters.db.tables import RequestRow
    from rightful.domain.errors import ConflictError

    rid = str(submit(app)["id"])
    store = app.container.store

    def write_over_a_stale_copy() -> None:
        with store.transaction() as first:
            stale = first.get(RequestRow, rid)
            assert stale is not None
            with store.transaction() as second:
                fresh = second.get(RequestRow, rid)
                assert fresh is not None
                fresh.details = "changed first"
            stale.details = "changed second"

    with pytest.raises(ConflictError, match="changed while this was being done"):
        write_over_a_stale_copy()
    assert app.container.requests.get(rid).details == "changed first"


def test_while_a_uk_request_waits_on_hold_its_deadline_in_the_due_list_moves_on(app: App) -> None:
    """REQUIREMENTS.md:6 (UK GDPR: the clock stops while identity information is awaited): each
    day of the hold moves the deadline on, not only once the hold ends."""
    from rightful.domain.staff import SYSTEM

    rid = str(submit(app, jurisdiction="uk_gdpr")["id"])
    app.container.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    app.container.requests.move(rid, Status.ON_HOLD, SYSTEM, "waiting for a copy of a bill")
    stored = app.container.requests.get(rid).respond_by
    app.clock.advance(timedelta(days=10))
    [item] = [i for i in app.container.requests.due() if i.request_id == rid]
    assert item.respond_by - stored == timedelta(days=10)
    assert app.container.requests.get(rid).respond_by == stored, "listing writes nothing"
