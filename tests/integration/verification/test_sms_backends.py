"""SMS codes go out only where `sms_backend` names a way to send them. Without one, the SMS
channel is refused with the reason, nothing is recorded as sent, and no step-up offers it; the
demo keeps its texts for its inbox page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rightful.adapters.mail.memory import MemoryMailer
from rightful.adapters.outbox import InlineOutbox
from rightful.bootstrap import Container
from rightful.domain.clock import FixedClock
from rightful.domain.lifecycle import Status
from rightful.entrypoints.api.app import create_app
from rightful.services.demo import prepare_demo
from rightful.settings import load_settings

from . import estate
from .conftest import CODE, T0, World, make_world

NO_SMS = "SMS codes are not available here"


@pytest.fixture
def no_sms(store_url: str, tmp_path: Path) -> Iterator[World]:
    w = make_world(store_url, tmp_path, sms_backend="none")
    yield w
    w.c.store.engine.dispose()


def verified_by_mail(world: World, client: TestClient, rid: str | None = None) -> str:
    rid = rid or world.submit(phone=estate.ANNA_PHONE)
    started = client.post(f"/api/v1/verification/{rid}/start", json={}).json()
    body = {"challenge_id": started["challenge_id"], "code": world.code_for(estate.ANNA)}
    answer = client.post(f"/api/v1/verification/{rid}/code", json=body)
    assert answer.json()["outcome"] == "bound", answer.text
    return rid


def test_without_an_sms_gateway_an_sms_code_is_refused_and_nothing_is_recorded(
    no_sms: World,
) -> None:
    with TestClient(create_app(no_sms.c)) as client:
        rid = no_sms.submit(phone=estate.ANNA_PHONE)
        before = no_sms.actions(rid)
        first = client.post(f"/api/v1/verification/{rid}/start", json={"channel": "sms"})
        assert first.status_code == 409 and NO_SMS in first.json()["detail"]
        assert no_sms.actions(rid) == before and no_sms.status(rid) is Status.RECEIVED
        verified_by_mail(no_sms, client, rid)
        step = client.post(
            f"/api/v1/verification/{rid}/step-up",
            json={"channel": "sms", "address": estate.ANNA_PHONE},
        )
    assert step.status_code == 409 and NO_SMS in step.json()["detail"]
    sent = no_sms.summaries(rid, "verification.challenge_sent")
    assert [s["channel"] for s in sent] == ["email"]


def test_without_an_sms_gateway_no_step_up_offers_sms(no_sms: World) -> None:
    """Here the data needs the high level and e-mail was the only proof: nothing is offered,
    rather than a code that would never arrive."""
    with TestClient(create_app(no_sms.c)) as client:
        rid = verified_by_mail(no_sms, client)
        progress = client.get(f"/api/v1/verification/{rid}").json()
    assert (progress["assurance"], progress["required"]) == ("standard", "high")
    assert progress["step_up_options"] == [] and progress["step_up_offered"] is False


def test_without_an_sms_gateway_a_signed_in_account_is_still_offered(
    store_url: str, tmp_path: Path
) -> None:
    w = make_world(
        store_url, tmp_path, sms_backend="none",
        account_assertion_issuer="https://shop.example", account_assertion_secret="k" * 64,
    )  # fmt: skip
    with TestClient(create_app(w.c)) as client:
        rid = verified_by_mail(w, client)
        progress = client.get(f"/api/v1/verification/{rid}").json()
    assert progress["step_up_options"] == ["account_assertion"]
    w.c.store.engine.dispose()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Container]:
    """The demo as `rightful demo` prepares it, from settings that name no SMS backend."""
    settings = load_settings(data_dir=tmp_path / "var", collect_when_verified=False)
    c = Container(settings=settings, clock=FixedClock(T0))
    prepare_demo(c)
    c.settings.demo_mode = True
    c.mailer, c.outbox = MemoryMailer(), InlineOutbox()  # type: ignore[misc]
    yield c
    c.close()


def test_the_demo_sends_sms_codes_to_its_inbox_page(demo: Container) -> None:
    anna, phone = "anna.schmidt@example.com", "+4915123456789"
    assert demo.settings.sms_backend == "log"
    with TestClient(create_app(demo)) as client:
        rid = _submit(client, anna)
        started = client.post(f"/api/v1/verification/{rid}/start", json={}).json()
        mail = demo.mailer.to(anna)[-1]  # type: ignore[attr-defined]
        code = _code(mail.text)
        body = {"challenge_id": started["challenge_id"], "code": code}
        assert client.post(f"/api/v1/verification/{rid}/code", json=body).status_code == 200
        step = client.post(
            f"/api/v1/verification/{rid}/step-up", json={"address": phone, "channel": "sms"}
        )
        assert step.status_code == 202, step.text
        [text] = client.get("/demo/mail.json").json()["sms"]
        page = client.get("/demo/mail").text
    assert text["to"] == phone and _code(text["text"]) in page


def _submit(client: TestClient, email: str) -> Any:
    body = {"type": "access", "jurisdiction": "gdpr", "email": email}
    return client.post("/api/v1/requests", json=body).json()["id"]


def _code(text: str) -> str:
    found = CODE.search(text)
    assert found is not None, "no code in the message"
    return found.group(1)
