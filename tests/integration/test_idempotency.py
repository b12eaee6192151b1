"""A request sent twice is one request: `POST /api/v1/requests` with an `Idempotency-Key`
retried after a timeout, or two submissions with one key at once, make one request, one audit
entry, one acknowledgement; the same key with another body is refused (REQUIREMENTS.md:
Art. 5(2), every state change provable, and nothing recorded twice)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from rightful.adapters.db.audit import AuditEntryRow
from rightful.adapters.db.idempotency import IdempotencyKeyRow
from rightful.adapters.db.tables import NoticeRow, RequestRow
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.idempotency import KEPT_FOR, PORTAL, Once
from rightful.domain.intake import NewRequest
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.services.idempotency import IdempotentIntake, Submitted

from .conftest import App, running_app

ACCESS = {"type": "access", "jurisdiction": "gdpr", "email": "anna.schmidt@example.org"}
KEY = "5f0c8a3e-8d1b-4c47-9a55-2b1f7c3d9e10"
PUBLIC = Principal(id="public", role=None)
NEW = NewRequest(type=RequestType.ACCESS, jurisdiction=Jurisdiction.GDPR, email="a@example.org")


def post(app: App, body: dict[str, object], key: str | None = KEY, **headers: str) -> Any:
    sent = {**headers, **({"Idempotency-Key": key} if key is not None else {})}
    return app.client.post("/api/v1/requests", json=body, headers=sent)


def count(app: App, table: type[object]) -> int:
    with app.container.store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def submitted_entries(app: App) -> int:
    """Entries in the audit chain for a new request."""
    with app.container.store.transaction() as session:
        query = select(func.count()).where(AuditEntryRow.action == "request.submitted")
        return int(session.scalar(query) or 0)


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_makes_nothing(
    app: App,
) -> None:
    first = post(app, ACCESS)
    again = post(app, ACCESS)
    assert first.status_code == again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["respond_by"] == first.json()["respond_by"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(app, RequestRow) == 1
    assert count(app, NoticeRow) == 1  # one acknowledgement, so one mail
    assert submitted_entries(app) == 1  # the repeat is no new request in the audit chain


def test_the_same_key_with_another_body_is_refused_with_a_reason(app: App) -> None:
    post(app, ACCESS)
    other = post(app, {**ACCESS, "email": "ben.krueger@example.org"})
    assert other.status_code == 422
    assert other.json()["error"] == "IdempotencyKeyReusedError"
    assert "already used for a request with other details" in other.json()["detail"]
    assert count(app, RequestRow) == 1


def test_without_a_key_every_post_is_a_request_of_its_own(app: App) -> None:
    post(app, ACCESS, key=None)
    post(app, ACCESS, key=None)
    assert count(app, RequestRow) == 2


def test_a_key_is_its_senders_the_public_and_each_staff_key_apart(app: App) -> None:
    ids = {
        post(app, ACCESS).json()["id"],
        post(app, ACCESS, **app.as_role("agent")).json()["id"],
        post(app, ACCESS, **app.as_role("dpo")).json()["id"],
    }
    assert len(ids) == 3
    assert post(app, ACCESS, **app.as_role("agent")).json()["id"] in ids
    assert count(app, RequestRow) == 3


def test_a_key_that_is_not_one_or_a_staff_key_that_is_not_valid_is_refused(app: App) -> None:
    for bad in ("", "two words", "k" * 256):
        refused = post(app, ACCESS, key=bad)
        assert refused.status_code == 422 and "1 to 255 visible ASCII" in refused.text, bad
    unknown = post(app, ACCESS, **{"X-API-Key": "rf_nope_nope"})
    assert unknown.status_code == 401
    assert count(app, RequestRow) == 0


def test_a_retry_is_not_counted_against_the_network_limit(tmp_path: Path, store_url: str) -> None:
    with running_app(store_url, tmp_path, submissions_per_hour=1) as app:
        first = post(app, ACCESS)
        assert post(app, ACCESS).json()["id"] == first.json()["id"]
        assert post(app, ACCESS, key="another").status_code == 429


def test_the_same_key_sent_at_once_from_many_clients_makes_one_request(app: App) -> None:
    """Each submission finds no key, then all insert it: the store's primary key lets one win;
    the others are rolled back whole and answer with its request."""
    c, runs = app.container, 6
    once = c.idempotency.once(PORTAL, KEY, {"email": "a@example.org"})
    start = threading.Barrier(runs)

    def send() -> Submitted:
        start.wait(timeout=30)
        return c.idempotency.submit(NEW, PUBLIC, once)

    with ThreadPoolExecutor(runs) as pool:
        made = [f.result() for f in [pool.submit(send) for _ in range(runs)]]
    assert len({m.request.id for m in made}) == 1
    assert sum(m.created for m in made) == 1
    assert count(app, RequestRow) == count(app, IdempotencyKeyRow) == 1
    assert submitted_entries(app) == 1


class LateToLook(IdempotentIntake):
    """Looks for the key once before another submission made it, then sees the store: as a
    submission sent at the same moment as another does."""

    looked = False

    def first(self, once: Once) -> RequestRow | None:
        if not self.looked:
            self.looked = True
            return None
        return super().first(once)


def test_a_submission_that_looked_too_early_is_rolled_back_and_finds_the_first(app: App) -> None:
    c = app.container
    once = c.idempotency.once(PORTAL, KEY, {"email": "a@example.org"})
    made = c.idempotency.submit(NEW, PUBLIC, once)
    late = LateToLook(c.store, c.clock, c.requests, lambda: c.web_keys("idempotency"))
    again = late.submit(NEW, PUBLIC, once)
    assert late.looked and not again.created and again.request.id == made.request.id
    assert count(app, RequestRow) == 1 and count(app, NoticeRow) == 1
    assert submitted_entries(app) == 1


def test_keys_are_kept_a_day_and_then_forgotten_by_the_daily_cleanup(app: App) -> None:
    c = app.container
    first = post(app, ACCESS).json()["id"]
    app.clock.advance(KEPT_FOR)
    assert c.idempotency.forget_old() == 0
    assert post(app, ACCESS).json()["id"] == first  # still within the day
    app.clock.advance(timedelta(seconds=1))
    assert c.idempotency.forget_old() == 1
    assert count(app, IdempotencyKeyRow) == 0
    assert post(app, ACCESS).json()["id"] != first  # forgotten: a new request
    assert count(app, RequestRow) == 2


def test_the_key_table_holds_no_personal_data(app: App) -> None:
    post(app, ACCESS)
    with app.container.store.transaction() as session:
        row = session.scalars(select(IdempotencyKeyRow)).one()
        stored = " ".join(str(v) for v in vars(row).values())
    for personal in ("anna", "example.org", KEY):
        assert personal not in stored


def test_a_retry_across_a_rotation_of_web_secret_gets_the_first_answer_while_the_old_is_listed(
    store_url: str, tmp_path: Path
) -> None:
    """The digest of what was sent is keyed by web_secret: a client retrying the same body just
    after a rotation (a timeout across the restart) must not be told it reused its key."""
    old, new = "o" * 40, "n" * 40
    with running_app(store_url, tmp_path, web_secret=old) as before:
        first = post(before, ACCESS)
    with running_app(store_url, tmp_path, web_secret=new) as unlisted:
        assert post(unlisted, ACCESS).status_code == 422
    with running_app(store_url, tmp_path, web_secret=new, web_previous_secrets=[old]) as listed:
        again = post(listed, ACCESS)
        assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
        assert again.headers["Idempotent-Replayed"] == "true"
        assert post(listed, {**ACCESS, "email": "ben@example.org"}).status_code == 422
        assert count(listed, RequestRow) == 1 and submitted_entries(listed) == 1
