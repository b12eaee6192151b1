"""A console form the service turns down comes back with its error and with what staff typed
(status 4xx, the same page): the reason, the list of categories, the choices. Nothing of it
travels in the address, where personal data would stay in histories and logs."""

from __future__ import annotations

import html

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal

from .conftest import ANNA_MAIL, Desk
from .test_console import form_token
from .test_console_refuse import SYSTEM, on_its_page
from .test_left_out_console import on_a_package_page


def verified(desk: Desk, kind: RequestType) -> str:
    new = NewRequest(kind, Jurisdiction.GDPR, email=ANNA_MAIL)
    rid: str = desk.c.requests.submit(new, Principal("public", None)).id
    desk.c.requests.move(rid, Status.AWAITING_VERIFICATION, SYSTEM)
    desk.c.requests.move(rid, Status.VERIFIED, SYSTEM, "e-mail code confirmed")
    return rid


def test_an_extension_by_no_number_keeps_its_reason_and_months(desk: Desk) -> None:
    rid = verified(desk, RequestType.ACCESS)
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    reason = "Three systems hold data about you & one is archived off-site."
    form = {"csrf": form_token(page), "reason": reason, "months": "two"}
    back = dana.post(f"/console/requests/{rid}/extend", data=form, follow_redirects=False)
    assert back.status_code == 422 and "location" not in back.headers
    assert "extend by: a whole number of months" in back.text
    assert f'name="reason" required maxlength="2000">{html.escape(reason)}</textarea>' in back.text
    assert desk.c.requests.get(rid).extended_at is None


def test_an_erasure_record_the_service_refuses_keeps_the_categories_and_ground(
    desk: Desk,
) -> None:
    rid = verified(desk, RequestType.ERASURE)
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    back = dana.post(f"/console/requests/{rid}/erasure", follow_redirects=False,
                     data={"csrf": form_token(page), "ground": "b", "erased": "user.contact",
                           "kept": "user.financial=b", "recipients_told": "some"})  # fmt: skip
    assert back.status_code == 422
    assert "recipients told: a whole number, 0 or more" in back.text
    assert '<option value="b" selected>(b) consent withdrawn</option>' in back.text
    assert 'name="erased" maxlength="2000">user.contact</textarea>' in back.text
    assert 'name="kept" maxlength="2000">user.financial=b</textarea>' in back.text
    assert 'name="recipients_told" type="number" min="0" value="some"' in back.text
    assert desk.c.requests.get(rid).status == Status.VERIFIED


def test_an_answer_too_short_comes_back_to_be_finished(desk: Desk) -> None:
    rid = verified(desk, RequestType.OBJECTION)
    dana, page = on_its_page(desk, rid, "dana", Role.DPO)
    back = dana.post(f"/console/requests/{rid}/answer", follow_redirects=False,
                     data={"csrf": form_token(page), "text": "We stopped."})  # fmt: skip
    assert back.status_code == 422 and "the answer: at least 20" in back.text
    assert 'maxlength="5000">We stopped.</textarea>' in back.text
    assert desk.c.requests.get(rid).status == Status.VERIFIED


def test_a_row_left_out_with_too_short_a_reason_keeps_the_row_named(desk: Desk) -> None:
    rid, package_id, key, rita, page = on_a_package_page(desk)
    form = {"csrf": form_token(page), "collection": "accounts.contacts", "key": key,
            "field": "phone", "reason": "Her number."}  # fmt: skip
    back = rita.post(f"/console/packages/{package_id}/left-out", data=form,
                     follow_redirects=False)  # fmt: skip
    assert back.status_code == 422 and "Art. 15(4)" in back.text
    assert 'name="collection" type="text" required maxlength="200" value="accounts.contacts"' in (
        back.text
    )
    assert f'name="key" type="text" required maxlength="2000" value="{key}"' in back.text
    assert 'name="field" type="text" maxlength="100" value="phone"' in back.text
    assert 'maxlength="2000">Her number.</textarea>' in back.text
    assert desk.c.exclusions.of(rid) == []
