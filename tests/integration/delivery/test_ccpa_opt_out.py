"""A CCPA opt-out of sale/sharing or limit of sensitive use is not a verifiable consumer request
(REQUIREMENTS.md:15; Cal. Code Regs. tit. 11 §7026(c), §7027): nobody is asked to prove who
they are, staff answer it as it is, and the daily job never closes it as unverified. Every other
request keeps its verification."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Channel, needs_verification
from rightful.services.request_queries import RequestFilter

from .conftest import ANNA_MAIL, CODE, Desk

PUBLIC = Principal("public", None)
DPO = Principal("cli:dana", Role.DPO)
DONE = "We stopped selling and sharing the personal information we hold about you."


def submitted(desk: Desk, kind: RequestType, law: Jurisdiction = Jurisdiction.CCPA) -> str:
    rid: str = desk.c.requests.submit(NewRequest(kind, law, email=ANNA_MAIL), PUBLIC).id
    return rid


def test_only_a_ccpa_opt_out_or_limit_goes_without_verification() -> None:
    ccpa = Jurisdiction.CCPA
    assert not needs_verification(ccpa, RequestType.OBJECTION)
    assert not needs_verification(ccpa, RequestType.RESTRICTION)
    for kind in (RequestType.ACCESS, RequestType.ERASURE, RequestType.RECTIFICATION):
        assert needs_verification(ccpa, kind)
    for law in (Jurisdiction.GDPR, Jurisdiction.UK_GDPR):
        assert all(needs_verification(law, kind) for kind in RequestType)


@pytest.mark.parametrize("kind", [RequestType.OBJECTION, RequestType.RESTRICTION])
def test_staff_answer_an_opt_out_or_limit_without_any_verification(
    desk: Desk, kind: RequestType
) -> None:
    rid = submitted(desk, kind)
    desk.c.requests.answer(rid, DONE, DPO)
    assert desk.c.requests.get(rid).status == Status.CLOSED
    assert DONE in desk.mailer.to(ANNA_MAIL)[-1].text
    actions = [e.action for e in desk.c.audit.timeline(rid)]
    assert not any(a.startswith(("verification.", "subject.")) for a in actions)


def test_the_requester_is_never_sent_a_code_for_an_opt_out(desk: Desk) -> None:
    """Whoever holds its id is answered as for any request (the answer tells no request's
    type or stage), and no code goes out."""
    rid = submitted(desk, RequestType.OBJECTION)
    desk.c.verification.start(rid, Channel.EMAIL)
    assert desk.c.requests.get(rid).status == Status.RECEIVED
    desk.world.clock.advance(timedelta(seconds=61))
    response = desk.client.post(f"/api/v1/verification/{rid}/start", json={"channel": "email"})
    assert response.status_code == 202
    assert not any(CODE.search(m.text) for m in desk.mailer.to(ANNA_MAIL)), "no code went out"


def test_an_opt_out_already_awaiting_verification_is_answered_and_never_expires(
    desk: Desk,
) -> None:
    rid = submitted(desk, RequestType.OBJECTION)
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, DPO)  # made before this rule
    desk.world.clock.advance(timedelta(days=60))
    assert desk.c.requests.close_unverified_at_deadline() == []
    desk.c.requests.answer(rid, DONE, DPO)
    assert desk.c.requests.get(rid).status == Status.CLOSED


@pytest.mark.parametrize(
    ("kind", "law"),
    [(RequestType.ERASURE, Jurisdiction.CCPA), (RequestType.OBJECTION, Jurisdiction.GDPR)],
)
def test_every_other_request_is_still_answered_only_once_verified(
    desk: Desk, kind: RequestType, law: Jurisdiction
) -> None:
    rid = submitted(desk, kind, law)
    with pytest.raises(ConflictError, match="answered once the requester is verified"):
        desk.c.requests.answer(rid, DONE, DPO)
    receipt = desk.c.verification.start(rid, Channel.EMAIL)
    assert receipt.challenge_id
    assert desk.c.requests.get(rid).status == Status.AWAITING_VERIFICATION


def test_the_portal_confirms_an_opt_out_without_asking_for_a_code(desk: Desk) -> None:
    page = desk.post("/portal/new", type="objection", jurisdiction="ccpa", email=ANNA_MAIL,
                     language="en")  # fmt: skip
    assert page.status_code == 200, page.text
    assert "We have your request" in page.text and "only to find your records" in page.text
    assert str(page.url).endswith("/received"), "redirected: a reload submits nothing again"
    [row] = desk.c.requests.list(RequestFilter(jurisdiction=Jurisdiction.CCPA))
    assert row.status == Status.RECEIVED and row.type == RequestType.OBJECTION
    assert not any(CODE.search(m.text) for m in desk.mailer.to(ANNA_MAIL)), "no code went out"
