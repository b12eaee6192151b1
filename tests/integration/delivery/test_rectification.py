"""Recording a rectification (REQUIREMENTS.md:25, Art. 16, 19): which fields were corrected,
from the console or the service, closing the request and telling the requester; the audit
chain holds counts only."""

from __future__ import annotations

import pytest

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.rectification import rectified
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal

from .conftest import ANNA_MAIL, Desk
from .test_console import add, form_token, sign_in

SYSTEM = Principal("system", None)
DPO = Principal("cli:dana", Role.DPO)


def verified_rectification(desk: Desk) -> str:
    new = NewRequest(RequestType.RECTIFICATION, Jurisdiction.GDPR, email=ANNA_MAIL)
    rid: str = desk.c.requests.submit(new, Principal("public", None)).id
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    desk.c.requests.move(rid, Status.VERIFIED, SYSTEM, "e-mail code confirmed")
    return rid


def test_the_fields_corrected_are_recorded_told_and_only_counted_in_the_chain(desk: Desk) -> None:
    rid = verified_rectification(desk)
    outcome = rectified(["accounts.customers.email"], 1, desk.c.datamap)
    row = desk.c.requests.record_rectification(rid, outcome, DPO)
    assert row.status == Status.CLOSED
    assert row.rectification_outcome == {"fields": ["accounts.customers.email"],
                                         "recipients_told": 1}  # fmt: skip
    told = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1]
    assert "what we corrected" in told.subject and "The current sign-in address." in told.text
    [entry] = [
        e for e in desk.c.audit.timeline(rid) if e.action == "request.rectification_recorded"
    ]
    assert entry.summary == {"fields": 1, "recipients_told": 1}
    with pytest.raises(ConflictError, match="is closed"):
        desk.c.requests.record_rectification(rid, outcome, DPO)


def test_a_dpo_records_a_rectification_from_the_request_page(desk: Desk) -> None:
    rid = verified_rectification(desk)
    add(desk, "dana", Role.DPO)
    dana = sign_in(desk, "dana")
    page = dana.get(f"/console/requests/{rid}").text
    assert "Record the rectification" in page
    form = {
        "csrf": form_token(page),
        "fields": "accounts.customers.shoe_size",
        "recipients_told": "0",
    }
    wrong = dana.post(f"/console/requests/{rid}/rectification", data=form)
    assert "not a field of the data map" in wrong.text
    assert desk.c.requests.get(rid).status == Status.VERIFIED
    form = {**form, "csrf": form_token(wrong.text), "fields": "accounts.customers.email"}
    done = dana.post(f"/console/requests/{rid}/rectification", data=form)
    assert (
        "Rectification recorded" in done.text and "corrected accounts.customers.email" in done.text
    )
