"""A refusal as manifestly unfounded or excessive (REQUIREMENTS.md:8, Art. 12(5)): the decision
is recorded with its ground and the count of earlier requests, the justification is required,
and the requester is told the ground with the remedies of Art. 12(4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.unfounded import Manifestly

from .conftest import ANNA_MAIL, Desk

PUBLIC = Principal("public", None)
DPO = Principal("cli:dana", Role.DPO)
WHY = "The fourth identical access request this month; each was answered in full within days."


def asked(desk: Desk, email: str = ANNA_MAIL) -> str:
    new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email=email)
    rid: str = desk.c.requests.submit(new, PUBLIC).id
    return rid


def test_an_excessive_request_is_refused_with_its_ground_recorded_and_told(desk: Desk) -> None:
    asked(desk)
    desk.world.clock.advance(timedelta(days=10))
    asked(desk)
    asked(desk, "someone.else@example.org")
    desk.world.clock.advance(timedelta(days=10))
    rid = asked(desk)
    with pytest.raises(InvalidInputError, match="at least 50 characters"):
        desk.c.requests.refuse(rid, DPO, ["again"], Manifestly.EXCESSIVE)
    assert desk.c.requests.get(rid).status == Status.RECEIVED, "nothing half-written"

    desk.c.requests.refuse(rid, DPO, [WHY], Manifestly.EXCESSIVE)
    assert desk.c.requests.get(rid).status == Status.REJECTED
    [entry] = [e for e in desk.c.audit.timeline(rid) if e.action == "request.refused_manifestly"]
    assert entry.summary["ground"] == "excessive" and entry.summary["earlier_requests"] == 2
    assert "identical" not in str(entry.summary)
    told = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1].text
    assert WHY in told and "manifestly excessive (Article 12(5) GDPR)" in told
    assert "we received 2 other requests from you" in told
    assert told.index("12(5)") < told.index("supervisory authority")


def test_a_plain_refusal_records_no_art_12_5_decision(desk: Desk) -> None:
    rid = asked(desk)
    desk.c.requests.refuse(rid, DPO, ["We are not the controller of this data."])
    assert not [e for e in desk.c.audit.timeline(rid) if e.action == "request.refused_manifestly"]
    told = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1].text
    assert "12(5)" not in told
