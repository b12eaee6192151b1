"""A link alone opens nothing: it names a package; each download needs a fresh code sent to the
requester's verified channel. Links expire, allow a limited number of downloads and can be
revoked; every attempt is recorded (REQUIREMENTS.md: Identity; Art. 5(2) accountability)."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from rightful.adapters.db.delivery import DownloadAttemptRow, DownloadLinkRow
from rightful.domain.delivery import Client, NotDeliverableError
from rightful.domain.lifecycle import Status
from rightful.domain.staff import Principal

from ..packages.world import AGENT, REVIEWER
from .conftest import ANNA, ANNA_MAIL, BEN, BEN_MAIL, Delivered, Desk, make_desk


@pytest.mark.postgres
def test_delivery_mails_a_link_to_the_verified_address_and_stores_only_its_hash(
    store_desk: Desk,
) -> None:
    delivered = store_desk.deliver()
    mail = store_desk.mailer.to(ANNA_MAIL)[-1]
    assert f"/d/{delivered.token}" in mail.text and f"/d/{delivered.token}/not-mine" in mail.text
    assert store_desk.c.requests.get(delivered.request_id).status == Status.DELIVERED
    with store_desk.c.store.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM download_links"))
                        for v in row)  # fmt: skip
    assert delivered.token not in dump


def test_a_link_the_mail_service_refused_is_no_delivery(desk: Desk) -> None:
    """REQUIREMENTS.md:33: the record says what happened. The relay refused the mail, yet the
    request showed as delivered and left the due list while its link had reached nobody."""
    from rightful.domain.messaging import DeliveryError

    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    desk.c.package_review.approve(package.id, REVIEWER)
    desk.mailer.fail_with = "the mail server did not accept the message"
    with pytest.raises(DeliveryError):
        desk.web.delivery.deliver(rid, package.id, REVIEWER)
    assert desk.c.requests.get(rid).status == Status.APPROVED, "still to be answered"
    assert desk.web.delivery.links_of(rid) == [], "no link that nobody received"
    desk.mailer.fail_with = None
    issued = desk.web.delivery.deliver(rid, package.id, REVIEWER)
    assert f"/d/{issued.token}" in desk.mailer.to(ANNA_MAIL)[-1].text
    assert desk.c.requests.get(rid).status == Status.DELIVERED


def test_the_link_page_offers_a_code_and_never_the_file(desk: Desk) -> None:
    delivered = desk.deliver()
    page = desk.client.get(f"/d/{delivered.token}")
    assert page.status_code == 200
    assert "a***@e***.com" in page.text and "Send a code" in page.text
    assert desk.client.get(f"/download/{delivered.link_id}/file").status_code == 403


def test_the_requester_downloads_after_a_fresh_code_and_the_zip_opens(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.verified_download(delivered)
    response = desk.client.get(f"/download/{delivered.link_id}/file")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(BytesIO(response.content))
    assert "manifest.json" in archive.namelist()
    assert desk.web.delivery.view(delivered.link_id).downloads == 1
    resumed = desk.client.get(f"/download/{delivered.link_id}/file",
                              headers={"Range": "bytes=100-"})  # fmt: skip
    assert resumed.status_code == 206
    assert desk.web.delivery.view(delivered.link_id).downloads == 1, "a resume is that download"
    again = desk.client.get(f"/download/{delivered.link_id}/file")
    assert again.status_code == 200
    assert desk.web.delivery.view(delivered.link_id).downloads == 2, "a whole new copy counts"


def test_a_package_whose_link_went_out_is_delivered_and_can_be_sent_again(desk: Desk) -> None:
    """Its life goes approved, then delivered (docs/packages.md); a second link, after the
    first expired, still downloads it."""
    first = desk.deliver()
    assert desk.c.packages.get(first.package_id).status == "delivered"
    desk.c.clock.advance(timedelta(days=30))
    again = desk.web.delivery.deliver(first.request_id, first.package_id, REVIEWER)
    second = Delivered(first.request_id, first.package_id, again)
    desk.verified_download(second)
    assert desk.client.get(f"/download/{second.link_id}/file").status_code == 200
    assert desk.c.packages.get(first.package_id).status == "delivered"


def test_a_package_frozen_while_a_link_is_being_issued_gets_no_link(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An incident freezes the package after the delivery check passed: the link's own
    transaction sees the freeze and issues nothing (the incident had revoked every link)."""
    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    desk.c.package_review.approve(package.id, REVIEWER)
    delivery = desk.web.delivery
    delivery.packages.assert_deliverable(package.id)  # passes; the incident comes after it
    monkeypatch.setattr(type(delivery.packages), "assert_deliverable", lambda *args: None)
    with desk.c.store.transaction() as session:
        from rightful.services.incidents import freeze_package

        assert freeze_package(session, package.id)
    with pytest.raises(NotDeliverableError, match="frozen"):
        delivery.deliver(rid, package.id, REVIEWER)
    assert delivery.links_of(rid) == []
    assert desk.world.status(rid) is Status.APPROVED


def test_a_second_person_with_the_link_and_their_own_verified_identity_cannot_download(
    desk: Desk,
) -> None:
    """Ben holds Anna's link and has his own verified request: his codes open nothing of hers,
    and the code for Anna's link goes only to Anna."""
    anna = desk.deliver()
    ben = desk.deliver(BEN)
    stranger = desk.another_browser()
    csrf = _csrf(stranger, f"/d/{ben.token}")
    stranger.post(f"/download/{ben.link_id}/code", data={"csrf": csrf})
    bens_code = desk.code_for(BEN_MAIL)  # a fresh, valid code of his own
    _csrf(stranger, f"/d/{anna.token}")
    sent_before = len(desk.mailer.to(BEN_MAIL))
    stranger.post(f"/download/{anna.link_id}/code", data={"csrf": csrf})
    assert len(desk.mailer.to(BEN_MAIL)) == sent_before  # Anna's code went to Anna only
    assert desk.mailer.to(ANNA_MAIL)[-1].subject == "Your download code"
    for code in (bens_code, "000000"):
        page = stranger.post(f"/download/{anna.link_id}/confirm", data={"csrf": csrf, "code": code})
        assert "Ready to download" not in page.text
    assert stranger.get(f"/download/{anna.link_id}/file").status_code == 403
    assert desk.web.delivery.view(anna.link_id).downloads == 0


def test_a_browser_that_never_saw_the_token_cannot_even_ask_for_a_code(desk: Desk) -> None:
    delivered = desk.deliver()
    stranger = desk.another_browser()
    csrf = _csrf(stranger, "/portal/new")
    page = stranger.post(f"/download/{delivered.link_id}/code", data={"csrf": csrf})
    assert page.status_code == 403
    assert desk.mailer.to(ANNA_MAIL)[-1].subject != "Your download code"


def test_an_expired_link_is_refused_with_a_clear_page(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.world.clock.advance(timedelta(days=14))
    page = desk.client.get(f"/d/{delivered.token}")
    assert page.status_code == 410 and "This link has expired" in page.text


def test_a_revoked_link_is_refused_at_once_even_mid_session(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.verified_download(delivered)
    desk.web.delivery.revoke(delivered.link_id, REVIEWER)
    assert desk.client.get(f"/download/{delivered.link_id}/file").status_code == 410
    page = desk.client.get(f"/d/{delivered.token}")
    assert page.status_code == 410 and "This link was stopped" in page.text


def test_a_link_allows_three_downloads_and_then_refuses(desk: Desk) -> None:
    delivered = desk.deliver()
    for _ in range(3):
        desk.verified_download(delivered)
        assert desk.client.get(f"/download/{delivered.link_id}/file").status_code == 200
    page = desk.client.get(f"/d/{delivered.token}")
    assert page.status_code == 410 and "used up" in page.text
    assert desk.web.delivery.view(delivered.link_id).downloads == 3


def test_an_unknown_token_gets_the_same_clear_page_as_a_typo(desk: Desk) -> None:
    page = desk.client.get("/d/" + "A" * 43)
    assert page.status_code == 404 and "This link is not valid" in page.text


def test_staff_below_agent_cannot_revoke_and_only_reviewers_deliver(desk: Desk) -> None:
    delivered = desk.deliver()
    with pytest.raises(Exception, match="agent"):
        desk.web.delivery.revoke(delivered.link_id, Principal("public", None))
    with pytest.raises(Exception, match="reviewer"):
        desk.web.delivery.deliver(delivered.request_id, delivered.package_id, AGENT)


def test_every_attempt_is_recorded_with_ip_and_agent_but_the_chain_gets_ids_only(
    desk: Desk,
) -> None:
    delivered = desk.deliver()
    client = Client("203.0.113.9", "Browser/1.0")
    desk.web.delivery.open(delivered.token, client)
    with pytest.raises(Exception, match="code"):
        desk.web.downloads.confirm_code(delivered.link_id, "000000", client)
    with desk.c.store.transaction() as session:
        attempts = list(session.scalars(select(DownloadAttemptRow).order_by(DownloadAttemptRow.id)))
    assert [(a.outcome, a.ip, a.user_agent) for a in attempts] == [
        ("opened", "203.0.113.9", "Browser/1.0"), ("code_wrong", "203.0.113.9", "Browser/1.0"),
    ]  # fmt: skip
    entries = [e for e in desk.c.audit.timeline(delivered.request_id)
               if e.action == "delivery.attempt"]  # fmt: skip
    assert [dict(e.summary) for e in entries] == [
        {"attempt_id": a.id, "outcome": a.outcome, "link_id": delivered.link_id} for a in attempts
    ]
    assert "203.0.113.9" not in str([e.summary for e in entries])


def opened_from(desk: Desk, delivered: Delivered, forwarded_for: str) -> list[str | None]:
    desk.client.get(f"/d/{delivered.token}", headers={"X-Forwarded-For": forwarded_for})
    with desk.c.store.transaction() as session:
        return list(session.scalars(select(DownloadAttemptRow.ip).order_by(DownloadAttemptRow.id)))


def test_behind_a_trusted_proxy_the_attempts_log_records_the_address_it_forwards(
    tmp_path: Path,
) -> None:
    desk = make_desk(f"sqlite:///{tmp_path}/rightful.db", tmp_path, trusted_proxies=["192.0.2.10"])
    desk.client = TestClient(desk.client.app, raise_server_exceptions=False,
                             client=("192.0.2.10", 50000))  # fmt: skip
    try:
        delivered = desk.deliver()
        assert opened_from(desk, delivered, "198.51.100.4, 203.0.113.9") == ["203.0.113.9"]
    finally:
        desk.c.store.engine.dispose()


def test_a_forwarded_address_from_anyone_else_is_ignored(desk: Desk) -> None:
    """No proxy is trusted by default: a client cannot put another address in the log."""
    delivered = desk.deliver()
    assert opened_from(desk, delivered, "203.0.113.9") == ["testclient"]


def test_a_package_frozen_after_delivery_can_no_longer_be_downloaded(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.verified_download(delivered)
    with desk.c.store.transaction() as session:
        link = session.get(DownloadLinkRow, delivered.link_id)
        assert link is not None
        from rightful.services.incidents import freeze_package

        assert freeze_package(session, link.package_id)
    response = desk.client.get(f"/download/{delivered.link_id}/file")
    assert response.status_code == 409 and "cannot be downloaded" in response.text


def _csrf(client: object, path: str) -> str:
    import re

    page = client.get(path)  # type: ignore[attr-defined]
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_head_on_the_mailed_links_and_portal_pages_answers_without_side_effects(
    desk: Desk,
) -> None:
    """Link checkers and mail scanners send HEAD to the links in our e-mails (they got 405).
    HEAD answers 200 from the routes alone: no attempt recorded, no cookie set, nothing counted,
    and it tells nothing about the link (an unknown token gets the same); GET makes the checks."""
    delivered = desk.deliver()
    rid = delivered.request_id
    before = len(desk.c.audit.timeline(rid))
    pages = [f"/d/{delivered.token}", f"/d/{delivered.token}/not-mine", "/d/" + "A" * 43, "/",
             "/portal/new", "/portal/check", f"/portal/requests/{rid}", f"/not-mine/{'x' * 32}",
             f"/portal/requests/{rid}/verify", f"/download/{delivered.link_id}"]  # fmt: skip
    for path in pages:
        head = desk.client.head(path)
        assert head.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"].startswith("text/html")
        assert "set-cookie" not in head.headers and head.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in head.headers["content-security-policy"]
    assert not desk.client.cookies
    with desk.c.store.transaction() as session:
        assert session.scalars(select(DownloadAttemptRow)).all() == []
    assert len(desk.c.audit.timeline(rid)) == before
    assert desk.client.head("/portal/nowhere").status_code == 404
    assert desk.client.get(f"/d/{delivered.token}").status_code == 200  # GET as before
    with desk.c.store.transaction() as session:
        assert [a.outcome for a in session.scalars(select(DownloadAttemptRow))] == ["opened"]
