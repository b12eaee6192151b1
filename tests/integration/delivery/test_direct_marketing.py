"""An objection to direct marketing is absolute (REQUIREMENTS.md:25, Art. 21(2), (3)): it is
marked when it comes in, by the requester or staff, and rightful refuses to refuse it."""

from __future__ import annotations

import re

import pytest

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal

from .conftest import ANNA_MAIL, Desk
from .test_portal import submit

DPO = Principal("cli:dana", Role.DPO)
WHY = ["We have no record of sending you marketing, and this looks like a test message."]


def test_only_an_objection_can_be_to_direct_marketing() -> None:
    with pytest.raises(InvalidInputError, match="applies to an objection"):
        NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email=ANNA_MAIL, direct_marketing=True)


def test_an_objection_to_direct_marketing_is_answered_and_never_refused(desk: Desk) -> None:
    new = NewRequest(RequestType.OBJECTION, Jurisdiction.GDPR, email=ANNA_MAIL,
                     direct_marketing=True)  # fmt: skip
    rid = desk.c.requests.submit(new, Principal("public", None)).id
    with pytest.raises(ConflictError, match=r"cannot be refused \(Art. 21\(3\)\)"):
        desk.c.requests.refuse(rid, DPO, WHY)
    assert desk.c.requests.get(rid).status == Status.RECEIVED
    [submitted] = [e for e in desk.c.audit.timeline(rid) if e.action == "request.submitted"]
    assert submitted.summary["direct_marketing"] is True
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, DPO)
    desk.c.requests.move(rid, Status.VERIFIED, DPO, "e-mail code confirmed")
    desk.c.requests.answer(rid, "We removed you from every marketing list and audience.", DPO)
    assert desk.c.requests.get(rid).status == Status.CLOSED


def test_the_portal_marks_an_objection_to_direct_marketing_and_explains_a_wrong_tick(
    desk: Desk,
) -> None:
    wrong = desk.post("/portal/new", type="access", jurisdiction="gdpr", email=ANNA_MAIL,
                      language="de", direct_marketing="yes")  # fmt: skip
    assert wrong.status_code == 422 and "nur bei einem Widerspruch" in wrong.text
    assert re.search(r'id="f-direct_marketing"[^>]* checked', wrong.text), "the tick stays"
    forged = desk.post("/portal/new", type="objection", jurisdiction="gdpr", email=ANNA_MAIL,
                       language="en", direct_marketing="false")  # fmt: skip
    assert forged.status_code == 422 and "Choose one of the options" in forged.text
    rid = submit(desk, type="objection", direct_marketing="yes")
    assert desk.c.requests.get(rid).direct_marketing
    plain = submit(desk, type="objection")
    assert not desk.c.requests.get(plain).direct_marketing
