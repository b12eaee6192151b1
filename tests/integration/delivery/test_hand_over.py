"""A requester verified by letter, phone or in person has no verified address a download link
could go to: staff export the package, give it to them another way, and record that. The
request is then answered (delivered), with the note on its move and only a digest of it in
the audit chain (REQUIREMENTS.md:17-18, the access response in a commonly used form; brief:
personal data never goes into the audit chain)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from rightful.bootstrap import set_container
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.delivery import HandOver
from rightful.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.verification import Factor
from rightful.entrypoints.cli.main import app
from rightful.services.identity_set import Proof, record_proof
from rightful.services.request_queries import transitions

from ..packages.world import AGENT, PUBLIC, REVIEWER
from .conftest import ANNA, ANNA_MAIL, Desk
from .test_api_delivery import key
from .test_console import add, form_token, sign_in

NOTE = "Exported ZIP on a USB stick, registered post RR123456789DE, 2026-12-07"


def checked_by_staff(desk: Desk) -> tuple[str, str]:
    """A request verified by a staff check alone (a letter to the address on file; no code to
    any address), built and approved: (request id, package id)."""
    new = NewRequest(type=RequestType.ACCESS, jurisdiction=Jurisdiction.GDPR, email=ANNA_MAIL)
    rid = desk.c.requests.submit(new, PUBLIC).id
    with desk.c.store.transaction() as session:
        proof = Proof(Identity(IdentityType.CUSTOMER_ID, str(ANNA)), Factor.STAFF_CHECK,
                      f"letter-{rid[:8]}", desk.c.clock.now())  # fmt: skip
        record_proof(session, desk.c.audit, rid, proof, REVIEWER)
    assert desk.c.subjects.settle(rid).outcome == "bound"
    package = desk.c.packages.build(rid, AGENT)
    desk.c.package_review.approve(package.id, REVIEWER)
    return rid, package.id


def test_a_link_is_refused_with_the_way_out_and_the_hand_over_answers_the_request(
    desk: Desk,
) -> None:
    rid, pid = checked_by_staff(desk)
    with pytest.raises(ConflictError, match="rightful package handed-over"):
        desk.web.delivery.deliver(rid, pid, REVIEWER)
    desk.web.delivery.hand_over(rid, pid, HandOver.POST, f"  {NOTE}  ", REVIEWER)
    assert desk.world.status(rid) is Status.DELIVERED
    assert desk.c.packages.get(pid).status == "delivered"
    assert transitions(desk.c.store, rid)[-1].reason == f"handed over (post): {NOTE}"
    [event] = [e for e in desk.c.audit.timeline(rid) if e.action == "delivery.handed_over"]
    assert event.summary == {"package_id": pid, "how": "post"}
    assert "RR123456789DE" not in str([e.summary for e in desk.c.audit.timeline(rid)])
    assert not desk.web.delivery.links_of(rid)


def test_only_a_reviewer_records_it_with_a_note_and_only_for_an_approved_package(
    desk: Desk,
) -> None:
    rid, pid = checked_by_staff(desk)
    with pytest.raises(PermissionDeniedError):
        desk.web.delivery.hand_over(rid, pid, HandOver.IN_PERSON, NOTE, AGENT)
    with pytest.raises(InvalidInputError, match="at least 10 visible characters"):
        desk.web.delivery.hand_over(rid, pid, HandOver.IN_PERSON, "   given ", REVIEWER)
    with pytest.raises(InvalidInputError, match="control characters"):
        desk.web.delivery.hand_over(rid, pid, HandOver.POST, "\x1b[31msent by post\u202e", REVIEWER)
    other = desk.world.request_for(ANNA, high=False)
    unapproved = desk.c.packages.build(other, AGENT)
    with pytest.raises(ConflictError):
        desk.web.delivery.hand_over(other, unapproved.id, HandOver.POST, NOTE, REVIEWER)
    with pytest.raises(ConflictError, match="another request"):
        desk.web.delivery.hand_over(other, pid, HandOver.POST, NOTE, REVIEWER)
    assert desk.world.status(rid) is Status.APPROVED


def test_the_cli_records_it_and_refuses_an_unknown_way(desk: Desk) -> None:
    rid, pid = checked_by_staff(desk)
    set_container(desk.c)
    try:
        runner = CliRunner()
        wrong = runner.invoke(app, ["package", "handed-over", pid, "--how", "pigeon",
                                    "--note", NOTE])  # fmt: skip
        assert wrong.exit_code == 2
        done = runner.invoke(app, ["package", "handed-over", pid, "--how", "post", "--note", NOTE])
    finally:
        set_container(None)
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"recorded: package {pid} handed over (post)"
    assert desk.world.status(rid) is Status.DELIVERED


def test_the_api_records_it_for_a_reviewer_only(desk: Desk) -> None:
    rid, pid = checked_by_staff(desk)
    url, body = f"/api/v1/packages/{pid}/handed-over", {"how": "in_person", "note": NOTE}
    assert desk.client.post(url, json=body, headers=key(desk, "agent")).status_code == 403
    bad = desk.client.post(url, json={**body, "how": "fax"}, headers=key(desk, "reviewer"))
    assert bad.status_code == 422
    done = desk.client.post(url, json=body, headers=key(desk, "reviewer"))
    assert done.status_code == 200 and done.json()["status"] == "delivered", done.text
    assert desk.world.status(rid) is Status.DELIVERED


def test_the_console_package_page_records_it(desk: Desk) -> None:
    rid, pid = checked_by_staff(desk)
    add(desk, "rita", Role.REVIEWER)
    rita = sign_in(desk, "rita")
    page = rita.get(f"/console/packages/{pid}").text
    assert 'action="/console/packages/' + pid + '/handed-over"' in page
    done = rita.post(f"/console/packages/{pid}/handed-over",
                     data={"csrf": form_token(page), "how": "in_person", "note": NOTE})  # fmt: skip
    assert done.status_code == 200 and "handed over" in done.text, done.text
    assert desk.world.status(rid) is Status.DELIVERED


def test_a_second_hand_over_is_refused_so_that_no_note_is_lost(desk: Desk) -> None:
    rid, pid = checked_by_staff(desk)
    desk.web.delivery.hand_over(rid, pid, HandOver.POST, NOTE, REVIEWER)
    with pytest.raises(ConflictError, match="is delivered"):
        desk.web.delivery.hand_over(rid, pid, HandOver.IN_PERSON, "again, at reception", REVIEWER)
    assert [e.action for e in desk.c.audit.timeline(rid)].count("delivery.handed_over") == 1


def test_a_cancelled_request_gets_neither_a_link_nor_a_hand_over(desk: Desk) -> None:
    """Withdrawn after its package was approved: nothing goes out any more (brief: deliver
    only to the verified requester, and only what they still ask for)."""
    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    desk.c.package_review.approve(package.id, REVIEWER)
    desk.c.requests.cancel(rid, REVIEWER, "the requester withdrew it by phone")
    mails = len(desk.mailer.to(ANNA_MAIL))
    with pytest.raises(ConflictError, match="is cancelled: its package does not go out"):
        desk.web.delivery.deliver(rid, package.id, REVIEWER)
    with pytest.raises(ConflictError, match="is cancelled"):
        desk.web.delivery.hand_over(rid, package.id, HandOver.POST, NOTE, REVIEWER)
    assert len(desk.mailer.to(ANNA_MAIL)) == mails and not desk.web.delivery.links_of(rid)
    assert desk.c.packages.get(package.id).status == "approved"


def test_the_portal_says_the_data_was_handed_over_not_that_it_waits_below(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    desk.c.package_review.approve(package.id, REVIEWER)
    desk.web.delivery.hand_over(rid, package.id, HandOver.IN_PERSON, NOTE, REVIEWER)
    browser = desk.another_browser()
    page = browser.get(f"/portal/requests/{rid}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    browser.post(f"/portal/requests/{rid}/sign-in", data={"csrf": csrf.group(1)})
    form = {"csrf": csrf.group(1), "code": desk.code_for(ANNA_MAIL)}
    status = browser.post(f"/portal/requests/{rid}/sign-in/code", data=form)
    assert "We gave you your data another way" in status.text, status.text
    assert "Download it below" not in status.text
