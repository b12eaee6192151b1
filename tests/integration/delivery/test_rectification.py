"""Recording a rectification (REQUIREMENTS.md:25, Art. 16, 19): which fields were corrected,
from the console or the service, closing the request and telling the requester; the audit
chain holds counts only."""

from __future__ import annotations

import pytest

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.rectification import rectified
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Factor
from rightful.services.identity_set import Proof, record_proof

from .conftest import ANNA_MAIL, BEN, BEN_MAIL, Desk
from .test_console import add, form_token, sign_in

SYSTEM = Principal("system", None)
DPO = Principal("cli:dana", Role.DPO)


def verified_rectification(desk: Desk) -> str:
    new = NewRequest(RequestType.RECTIFICATION, Jurisdiction.GDPR, email=ANNA_MAIL)
    rid: str = desk.c.requests.submit(new, Principal("public", None)).id
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    desk.c.requests.move(rid, Status.VERIFIED, SYSTEM, "e-mail code confirmed")
    return rid


HISTORY = "the history proves which address signed in when"
ALSO_HELD = ["accounts.email_history.email", "shop.newsletter.email", "shop.support_tickets.email"]


def test_the_fields_corrected_are_recorded_told_and_only_counted_in_the_chain(desk: Desk) -> None:
    rid = verified_rectification(desk)
    outcome = rectified(["accounts.customers.full_name"], 1, desk.c.datamap)
    row = desk.c.requests.record_rectification(rid, outcome, desk.c.datamap, DPO)
    assert row.status == Status.CLOSED
    assert row.rectification_outcome == {"fields": ["accounts.customers.full_name"],
                                         "recipients_told": 1, "also_held": [], "kept": [],
                                         "no_records": [], "open": []}  # fmt: skip
    told = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1]
    assert "what we corrected" in told.subject and "full_name" in told.text
    [entry] = [
        e for e in desk.c.audit.timeline(rid) if e.action == "request.rectification_recorded"
    ]
    assert entry.summary == {
        "fields": 1, "also_held": 0, "kept": 0, "no_records": 0, "recipients_told": 1,
    }  # fmt: skip
    with pytest.raises(ConflictError, match="is closed"):
        desk.c.requests.record_rectification(rid, outcome, desk.c.datamap, DPO)


def test_a_correction_stays_open_until_every_place_also_holding_the_data_is_done(
    desk: Desk,
) -> None:
    """REQUIREMENTS.md:25: "rectification updates every source". The sign-in address corrected
    in the accounts is also held in the address history, the newsletter and support tickets:
    the request stays open, nobody is told yet, until each is corrected too or kept with a
    reason; then it closes and the requester reads what was corrected. The chain holds counts."""
    rid = verified_rectification(desk)
    first = rectified(["accounts.customers.email"], 1, desk.c.datamap)
    row = desk.c.requests.record_rectification(rid, first, desk.c.datamap, DPO)
    assert row.status == Status.VERIFIED
    assert row.rectification_outcome["also_held"] == row.rectification_outcome["open"] == ALSO_HELD
    assert not [m for m in desk.mailer.to(ANNA_MAIL) if "what we corrected" in m.subject]
    rest = rectified(["shop.newsletter.email", "shop.support_tickets.email"], 0, desk.c.datamap,
                     [("accounts.email_history.email", HISTORY)])  # fmt: skip
    row = desk.c.requests.record_rectification(rid, rest, desk.c.datamap, DPO)
    assert row.status == Status.CLOSED and row.rectification_outcome["open"] == []
    assert row.rectification_outcome["kept"] == [
        {"field": "accounts.email_history.email", "reason": HISTORY}
    ]
    told = [m for m in desk.mailer.to(ANNA_MAIL) if "what we corrected" in m.subject]
    assert len(told) == 1 and "The current sign-in address." in told[0].text
    entries = {e.action: e.summary for e in desk.c.audit.timeline(rid)}
    assert entries["request.rectification_progressed"] == {
        "fields": 1, "also_held": 3, "kept": 0, "no_records": 0, "recipients_told": 1, "open": 3,
    }  # fmt: skip
    assert entries["request.rectification_recorded"] == {
        "fields": 3, "also_held": 3, "kept": 1, "no_records": 0, "recipients_told": 1,
    }  # fmt: skip


def test_a_dpo_records_a_rectification_from_the_request_page(desk: Desk) -> None:
    rid = verified_rectification(desk)
    add(desk, "dana", Role.DPO)
    dana = sign_in(desk, "dana")
    page = dana.get(f"/console/requests/{rid}").text
    assert "Record the rectification" in page
    form = {
        "csrf": form_token(page),
        "fields": "accounts.customers.shoe_size",
        "kept": "",
        "recipients_told": "0",
    }
    wrong = dana.post(f"/console/requests/{rid}/rectification", data=form)
    assert "not a field of the data map" in wrong.text
    assert desk.c.requests.get(rid).status == Status.VERIFIED
    form = {**form, "csrf": form_token(wrong.text), "fields": "accounts.customers.email"}
    step = dana.post(f"/console/requests/{rid}/rectification", data=form)
    assert "3 places also holding the data still to correct" in step.text
    assert "Also held in</dt><dd>shop.newsletter.email: open" in step.text
    assert desk.c.requests.get(rid).status == Status.VERIFIED
    kept = "\n".join(f"{place}={HISTORY}" for place in ALSO_HELD[1:])
    form = {**form, "csrf": form_token(step.text), "fields": ALSO_HELD[0], "kept": kept}
    done = dana.post(f"/console/requests/{rid}/rectification", data=form)
    assert "the request is closed and the requester was told" in done.text
    assert "Also held in</dt><dd>shop.newsletter.email: kept: the history" in done.text
    assert "corrected accounts.customers.email, accounts.email_history.email" in done.text


def bound_rectification(desk: Desk, email: str) -> str:
    """A rectification request verified by an e-mail code and bound to its subject."""
    new = NewRequest(RequestType.RECTIFICATION, Jurisdiction.GDPR, email=email)
    rid: str = desk.c.requests.submit(new, Principal("public", None)).id
    proof = Proof(
        Identity(IdentityType.EMAIL, email), Factor.EMAIL_CODE, "test", desk.c.clock.now()
    )
    with desk.c.store.transaction() as session:
        record_proof(session, desk.c.audit, rid, proof, Principal("public", None))
    assert desk.c.subjects.settle(rid).outcome == "bound"
    return rid


def test_a_place_holding_none_of_the_subjects_records_by_their_package_is_not_left_open(
    desk: Desk,
) -> None:
    """REQUIREMENTS.md:25: the places that matter are those holding this subject's data. Where a
    package of the subject was built (for an access request), a collection it found none of
    their records in is settled as holding none, and says by which package; the others stay
    open."""
    package = desk.deliver(BEN).package_id
    assert "shop.support_tickets" not in desk.c.packages.get(package).counts_by_collection
    rid = bound_rectification(desk, BEN_MAIL)
    step = rectified(["accounts.customers.email"], 0, desk.c.datamap)
    row = desk.c.requests.record_rectification(rid, step, desk.c.datamap, DPO)
    assert row.status == Status.VERIFIED
    assert row.rectification_outcome["open"] == ALSO_HELD[:2]
    [none] = row.rectification_outcome["no_records"]
    assert none["field"] == "shop.support_tickets.email" and none["package_id"] == package
    add(desk, "dana", Role.DPO)
    page = sign_in(desk, "dana").get(f"/console/requests/{rid}").text
    said = f"shop.support_tickets.email: no records of this subject (package {package[:8]}"
    assert f"Also held in</dt><dd>{said}" in page
    step = rectified(ALSO_HELD[:2], 0, desk.c.datamap)
    assert desk.c.requests.record_rectification(rid, step, desk.c.datamap, DPO).status == "closed"
