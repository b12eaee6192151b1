"""A restriction of processing from request to lifting (REQUIREMENTS.md:25, Art. 18 and 19):
recorded once the requester is verified, told to them, kept in force after the request closes,
and lifted only on a day they were told of beforehand (Art. 18(3))."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.restriction import restriction
from rightful.domain.staff import Principal

from .conftest import ANNA_MAIL, Desk
from .test_console import add, form_token, sign_in

DPO = Principal("cli:dana", Role.DPO)
SYSTEM = Principal("system", None)
WHY = "We checked your postal address against your contract: it is correct."


def verified_restriction(
    desk: Desk, language: str = "en", law: Jurisdiction = Jurisdiction.GDPR
) -> str:
    new = NewRequest(RequestType.RESTRICTION, law, email=ANNA_MAIL, language=language)
    rid: str = desk.c.requests.submit(new, Principal("public", None)).id
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    desk.c.requests.move(rid, Status.VERIFIED, SYSTEM, "e-mail code confirmed")
    return rid


def told(desk: Desk, rid: str) -> list[str]:
    return [m.subject for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject]


def test_a_restriction_is_told_kept_after_the_request_closes_and_lifted_only_after_notice(
    desk: Desk,
) -> None:
    rid = verified_restriction(desk)
    with pytest.raises(ConflictError, match="rightful requests restricted"):
        desk.c.requests.answer(rid, "We restricted the processing as asked.", DPO)
    placed = restriction("a", ["user.contact", "user.behavior"], 2, desk.c.datamap)
    with pytest.raises(PermissionDeniedError):
        desk.c.restrictions.place(rid, placed, Principal("cli:andy", Role.AGENT))
    desk.c.restrictions.place(rid, placed, DPO)
    assert desk.c.requests.get(rid).status == Status.CLOSED
    mail = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1]
    assert "is restricted" in mail.subject and "user." not in mail.text
    assert "covers: contact details, how you used our service." in mail.text
    assert "before the restriction is lifted" in mail.text and "2 recipients" in mail.text
    assert [v.request_id for v in desk.c.restrictions.listed()] == [rid]

    with pytest.raises(
        ConflictError, match=r"told before the restriction is lifted \(Art. 18\(3\)\)"
    ):
        desk.c.restrictions.lift(rid, DPO)
    today = desk.c.clock.now().date()
    with pytest.raises(InvalidInputError, match="14 days ahead"):
        desk.c.restrictions.announce_lifting(rid, today + timedelta(days=13), WHY, DPO)
    day = today + timedelta(days=14)
    desk.c.restrictions.announce_lifting(rid, day, WHY, DPO)
    assert "when the restriction ends" in told(desk, rid)[-1]
    notice = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1]
    assert day.isoformat() in notice.text and WHY in notice.text
    with pytest.raises(ConflictError, match=f"lifts on {day.isoformat()}"):
        desk.c.restrictions.lift(rid, DPO)

    desk.world.clock.advance(timedelta(days=14))
    lifted = desk.c.restrictions.lift(rid, DPO)
    assert not lifted.in_force and desk.c.restrictions.listed() == []
    assert [v.request_id for v in desk.c.restrictions.listed(in_force_only=False)] == [rid]
    with pytest.raises(ConflictError, match="lifted already"):
        desk.c.restrictions.lift(rid, DPO)

    actions = [e for e in desk.c.audit.timeline(rid) if e.action.startswith("request.restrict")]
    assert [e.action for e in actions] == [
        "request.restricted", "request.restriction_lift_announced", "request.restriction_lifted",
    ]  # fmt: skip
    assert actions[0].summary == {"ground": "a", "categories": 2, "recipients_told": 2}
    chain = str([e.summary for e in desk.c.audit.timeline(rid)])
    assert "postal" not in chain and "user.contact" not in chain


def test_only_a_verified_gdpr_restriction_request_gets_a_restriction(desk: Desk) -> None:
    placed = restriction("b", ["user.contact"], 0, desk.c.datamap)
    new = NewRequest(RequestType.RESTRICTION, Jurisdiction.GDPR, email=ANNA_MAIL)
    waiting = desk.c.requests.submit(new, Principal("public", None)).id
    with pytest.raises(ConflictError, match="once the requester is verified"):
        desk.c.restrictions.place(waiting, placed, DPO)
    ccpa = verified_restriction(desk, law=Jurisdiction.CCPA)
    with pytest.raises(ConflictError, match="rightful requests answer"):
        desk.c.restrictions.place(ccpa, placed, DPO)
    desk.c.requests.answer(ccpa, "We limited the use of your sensitive personal information.", DPO)
    rid = verified_restriction(desk, "de", Jurisdiction.UK_GDPR)
    desk.c.restrictions.place(rid, placed, DPO)
    with pytest.raises(ConflictError, match="is closed"):
        desk.c.restrictions.place(rid, placed, DPO)
    mail = [m for m in desk.mailer.to(ANNA_MAIL) if rid[:8] in m.subject][-1]
    assert "eingeschränkt" in mail.subject and "Art. 18 UK GDPR" in mail.text


def test_a_dpo_restricts_announces_and_lifts_from_the_request_page(desk: Desk) -> None:
    rid = verified_restriction(desk)
    add(desk, "andy", Role.AGENT)
    add(desk, "dana", Role.DPO)
    assert (
        "Record the restriction" not in sign_in(desk, "andy").get(f"/console/requests/{rid}").text
    )
    dana = sign_in(desk, "dana")
    page = dana.get(f"/console/requests/{rid}").text
    form = {"csrf": form_token(page), "ground": "d", "categories": "user.contact\nAnna",
            "recipients_told": "0"}  # fmt: skip
    wrong = dana.post(f"/console/requests/{rid}/restriction", data=form)
    assert "not a data category name" in wrong.text
    squared_form = {**form, "csrf": form_token(wrong.text), "recipients_told": "²"}
    squared = dana.post(f"/console/requests/{rid}/restriction", data=squared_form)
    assert squared.status_code == 422 and "a whole number" in squared.text
    form["csrf"] = form_token(squared.text)
    assert desk.c.requests.get(rid).status == Status.VERIFIED
    done = dana.post(
        f"/console/requests/{rid}/restriction", data={**form, "categories": "user.contact"}
    )
    assert "Restriction recorded" in done.text and "lifting not announced" in done.text
    assert "since" in done.text and ": Contact details (user.contact); recipients told" in done.text
    day = (desk.c.clock.now() + timedelta(days=20)).date().isoformat()
    notice = {"csrf": form_token(done.text), "lifts_on": day, "reason": WHY}
    announced = dana.post(f"/console/requests/{rid}/restriction/lift-notice", data=notice)
    assert f"lifts on {day}" in announced.text
    early = dana.post(f"/console/requests/{rid}/restriction/lift",
                      data={"csrf": form_token(announced.text)})  # fmt: skip
    assert "it can be lifted from that day" in early.text
    desk.world.clock.advance(timedelta(days=20))
    dana = sign_in(desk, "dana")  # the console session of 20 days ago has ended
    page = dana.get(f"/console/requests/{rid}").text
    lifted = dana.post(f"/console/requests/{rid}/restriction/lift", data={"csrf": form_token(page)})
    assert "Restriction lifted" in lifted.text and f"lifted {day}" in lifted.text


def test_the_requester_sees_the_restriction_and_the_day_it_lifts_on_their_status_page(
    desk: Desk,
) -> None:
    from .test_portal import submit

    rid = submit(desk, type="restriction")
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert desk.c.requests.get(rid).status == Status.VERIFIED
    desk.c.restrictions.place(rid, restriction("a", ["user.contact"], 0, desk.c.datamap), DPO)
    page = desk.client.get(f"/portal/requests/{rid}").text
    assert "Restriction of processing" in page and "We will tell you before it is lifted" in page
    day = desk.c.clock.now().date() + timedelta(days=30)
    desk.c.restrictions.announce_lifting(rid, day, WHY, DPO)
    assert (
        f"it will be lifted on {day.isoformat()}" in desk.client.get(f"/portal/requests/{rid}").text
    )
