"""Delivery by the staff API: only an approved package goes out, only to the verified address."""

from __future__ import annotations

from rightful.domain.lifecycle import Status
from rightful.services import staff

from ..packages.world import AGENT, REVIEWER
from .conftest import ANNA, ANNA_MAIL, Desk


def key(desk: Desk, role: str) -> dict[str, str]:
    with desk.c.store.transaction() as session:
        return {"X-API-Key": staff.issue_key(session, desk.c.clock, name=role, role=role).secret}


def test_an_approved_package_is_delivered_by_the_api_to_the_verified_address(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    desk.c.package_review.approve(package.id, REVIEWER)
    sent = desk.client.post(f"/api/v1/packages/{package.id}/deliver", headers=key(desk, "reviewer"))
    assert sent.status_code == 200, sent.text
    assert sent.json()["max_downloads"] == 3
    mail = desk.mailer.to(ANNA_MAIL)[-1]
    assert "/d/" in mail.text
    assert desk.world.status(rid) is Status.DELIVERED


def test_delivery_needs_a_reviewer_and_an_approved_package(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    agent = desk.client.post(f"/api/v1/packages/{package.id}/deliver", headers=key(desk, "agent"))
    assert agent.status_code == 403
    early = desk.client.post(
        f"/api/v1/packages/{package.id}/deliver", headers=key(desk, "reviewer")
    )
    assert early.status_code == 409
    assert not any("/d/" in m.text for m in desk.mailer.to(ANNA_MAIL))
