"""A CCPA request to delete that staff refuse because the requester's identity could not be
verified is a deletion denied as unverified like the one closed at day 45: a business that sells
or shares asks whether the consumer would like to opt out of the sale or sharing, with a link to
the portal's opt-out form (REQUIREMENTS.md:15; Cal. Code Regs. tit. 11 §7062(f)), in the mail,
in the notice recorded on the request and on the portal's status page, in the very words of
the denial at day 45. A refusal on any other ground, of any other request, or by a business
that neither sells nor shares, is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rightful.bootstrap import set_container
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.lifecycle import Status
from rightful.domain.requests import RequestType
from rightful.entrypoints.api.app import create_app
from rightful.services import staff

from .conftest import ANNA_MAIL, Desk, make_desk
from .test_ccpa_deletion import (
    DPO,
    EMAIL,
    asked,
    day_45,
    deletion,
    denial_told,
    prove,
    sells_to_an_ad_network,
)
from .test_portal import submit

WHY = "We could not verify that the request is yours."
QUESTION = {
    "en": "Would you like to opt out of the sale or sharing of your personal information?",
    "de": "Möchten Sie dem Verkauf oder der Weitergabe Ihrer personenbezogenen",
}


def offer_in(told: str) -> str:
    """The paragraph of a notice that asks whether to opt out ('' when none does)."""
    asking = [p for p in told.split("\n\n") if any(q in p for q in QUESTION.values())]
    assert len(asking) <= 1
    return asking[0] if asking else ""


def refusal_recorded(desk: Desk, rid: str) -> str:
    [notice] = [n for n in desk.c.requests.notices(rid) if n.kind == "refusal"]
    body: str = notice.body
    return body


@pytest.fixture
def seller(desk: Desk) -> Desk:
    """Hearthly, its orders also sold to an ad network."""
    sells_to_an_ad_network(desk)
    return desk


def test_a_deletion_refused_as_unverified_offers_the_opt_out_in_the_words_of_day_45(
    seller: Desk,
) -> None:
    refused, denied = deletion(seller, EMAIL), deletion(seller, EMAIL)
    row = seller.c.requests.refuse(refused, DPO, [WHY], unverified=True)
    assert row.status == Status.REJECTED and row.refused_unverified
    told = denial_told(seller, refused)
    assert WHY in told, "the staff's reasons are told as before"
    recorded = refusal_recorded(seller, refused)
    assert "California Privacy Protection Agency" in recorded.split("\n\n")[-1], "remedies last"
    form = f"{seller.c.settings.public_base_url}/portal/new?type=opt_out&jurisdiction=ccpa&lang=en"
    assert QUESTION["en"] in offer_in(told) and form in offer_in(told)
    assert offer_in(recorded) == offer_in(told), "as recorded"
    assert day_45(seller) == [denied]
    assert offer_in(told) == offer_in(denial_told(seller, denied)), "the same words"
    [entry] = [e for e in seller.c.audit.timeline(refused)
               if e.action == "request.refused_unverified"]  # fmt: skip
    assert dict(entry.summary) == {"opt_out_offered": True}


def test_in_german_with_the_business_notice(tmp_path: Path) -> None:
    desk = make_desk(f"sqlite:///{tmp_path}/rightful.db", tmp_path,
                     ccpa_opt_out_notice_url="https://shop.example/do-not-sell")  # fmt: skip
    sells_to_an_ad_network(desk)
    rid = deletion(desk, EMAIL, language="de")
    desk.c.requests.refuse(rid, DPO, ["Wir konnten nicht bestätigen, dass Sie es sind."],
                           unverified=True)  # fmt: skip
    offer = offer_in(denial_told(desk, rid))
    assert QUESTION["de"] in offer and "jurisdiction=ccpa&lang=de" in offer
    assert "(Do Not Sell or Share My Personal Information): https://shop.example/do-not-sell" in (
        offer
    )
    desk.c.store.engine.dispose()


def test_a_refusal_on_another_ground_is_unchanged(seller: Desk) -> None:
    rid = deletion(seller, EMAIL)
    row = seller.c.requests.refuse(rid, DPO, ["We are not the business that holds this data."])
    assert not row.refused_unverified
    assert offer_in(denial_told(seller, rid)) == ""
    assert not any(e.action == "request.refused_unverified"
                   for e in seller.c.audit.timeline(rid))  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "law"),
    [
        (RequestType.ACCESS, Jurisdiction.CCPA),
        (RequestType.RECTIFICATION, Jurisdiction.CCPA),
        (RequestType.ERASURE, Jurisdiction.GDPR),
    ],
)
def test_no_other_request_refused_as_unverified_offers_it(
    seller: Desk, kind: RequestType, law: Jurisdiction
) -> None:
    """§7062(f) is about requests to delete under the CCPA; the ground is recorded anyway."""
    rid = asked(seller, kind, law)
    prove(seller, rid, EMAIL)
    assert seller.c.requests.refuse(rid, DPO, [WHY], unverified=True).refused_unverified
    assert offer_in(denial_told(seller, rid)) == ""


def test_a_business_that_neither_sells_nor_shares_offers_nothing(desk: Desk) -> None:
    assert not desk.c.datamap.sells_or_shares
    rid = deletion(desk, EMAIL)
    desk.c.requests.refuse(rid, DPO, [WHY], unverified=True)
    assert offer_in(denial_told(desk, rid)) == ""
    [entry] = [e for e in desk.c.audit.timeline(rid)
               if e.action == "request.refused_unverified"]  # fmt: skip
    assert dict(entry.summary) == {"opt_out_offered": False}


def test_the_status_page_of_the_refused_deletion_offers_it_too(seller: Desk) -> None:
    unverified = submit(seller, type="erasure", jurisdiction="ccpa")
    seller.post(f"/portal/requests/{unverified}/verify", code=seller.code_for(ANNA_MAIL))
    seller.c.requests.refuse(unverified, DPO, [WHY], unverified=True)
    page = seller.client.get(f"/portal/requests/{unverified}").text
    assert WHY in page and QUESTION["en"].split("?")[0] in page
    assert f'href="{seller.c.settings.public_base_url}/portal/new?type=opt_out&amp;' in page

    other = submit(seller, type="erasure", jurisdiction="ccpa")
    seller.post(f"/portal/requests/{other}/verify", code=seller.code_for(ANNA_MAIL))
    seller.c.requests.refuse(other, DPO, ["We are not the business that holds this data."])
    assert "opt out" not in seller.client.get(f"/portal/requests/{other}").text


def test_staff_refuse_so_with_the_cli_and_read_it_in_requests_show(seller: Desk) -> None:
    from rightful.entrypoints.cli.main import app

    rid = deletion(seller, EMAIL)
    set_container(seller.c)
    try:
        refused = CliRunner().invoke(
            app, ["requests", "refuse", rid, "--reason", WHY, "--unverified"]
        )
        shown = CliRunner().invoke(app, ["requests", "show", rid])
    finally:
        set_container(None)
    assert refused.exit_code == 0, refused.output
    assert f"{rid}  now rejected" in refused.output
    assert QUESTION["en"] in offer_in(denial_told(seller, rid))
    assert f"refused (identity not verified) because: {WHY}" in shown.output


def test_staff_refuse_so_through_the_api(seller: Desk) -> None:
    rid, other = deletion(seller, EMAIL), deletion(seller, EMAIL)
    with seller.c.store.transaction() as session:
        key = staff.issue_key(session, seller.c.clock, name="dora", role="dpo").secret
    client = TestClient(create_app(seller.c))
    headers = {"X-API-Key": key}
    refused = client.post(f"/api/v1/requests/{rid}/refuse", headers=headers,
                          json={"reasons": [WHY], "unverified": True})  # fmt: skip
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "rejected" and refused.json()["refused_unverified"]
    assert QUESTION["en"] in offer_in(denial_told(seller, rid))
    plain = client.post(f"/api/v1/requests/{other}/refuse", headers=headers,
                        json={"reasons": [WHY]})  # fmt: skip
    assert plain.status_code == 200 and not plain.json()["refused_unverified"]
    assert offer_in(denial_told(seller, other)) == ""
    body = json.dumps({"reasons": [WHY], "unverified": "perhaps"})
    wrong = client.post(f"/api/v1/requests/{other}/refuse", headers=headers, content=body)
    assert wrong.status_code == 422
