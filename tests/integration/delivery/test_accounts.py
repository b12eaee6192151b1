"""Re-verification by the signed-in account: the controller's app vouches for its user with a
short-lived signed assertion, once; another person's account opens nothing (REQUIREMENTS.md:
Identity — CCPA account holders re-authenticate before disclosure)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from rightful.domain.delivery import NOBODY
from rightful.domain.verification import AssertionRejectedError

from ..packages.world import AGENT, REVIEWER
from .conftest import ANNA, BEN, Delivered, Desk, make_desk

SECRET = "s" * 40
ISSUER = "https://shop.example"


@pytest.fixture
def accounts(tmp_path: Path) -> Iterator[Desk]:
    d = make_desk(
        f"sqlite:///{tmp_path}/rightful.db",
        tmp_path,
        account_assertion_issuer=ISSUER,
        account_assertion_secret=SECRET,
        account_assertion_identity="customer_id",
    )
    yield d
    d.c.store.engine.dispose()


def assertion(desk: Desk, customer: int, jti: str | None = None) -> str:
    now = desk.world.clock.now()
    claims = {
        "iss": ISSUER, "aud": "rightful", "sub": str(customer), "jti": jti or uuid.uuid4().hex,
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }  # fmt: skip
    return jwt.encode(claims, SECRET, algorithm="HS256")


def delivered_by_account(desk: Desk, customer: int) -> Delivered:
    rid = desk.world.request_for(customer, high=True)  # proven by a signed-in account
    package = desk.c.packages.build(rid, AGENT)
    desk.c.package_review.approve(package.id, REVIEWER)
    return Delivered(rid, package.id, desk.web.delivery.deliver(rid, package.id, REVIEWER))


def test_the_signed_in_account_opens_its_own_download(accounts: Desk) -> None:
    delivered = delivered_by_account(accounts, ANNA)
    csrf = accounts.csrf(f"/d/{delivered.token}")
    page = accounts.client.post(
        f"/download/{delivered.link_id}/account",
        data={"csrf": csrf, "assertion": assertion(accounts, ANNA)},
    )
    assert "Ready to download" in page.text
    assert accounts.client.get(f"/download/{delivered.link_id}/file").status_code == 200


def test_the_download_page_stays_open_as_long_as_the_download_session(
    accounts: Desk,
) -> None:
    """The account opened a session of `download_session_minutes` (240): its page, with the
    passphrase and "not my data", stays reachable that long, not only the hour the token of the
    "ready" mail gave the browser."""
    delivered = delivered_by_account(accounts, ANNA)
    csrf = accounts.csrf(f"/d/{delivered.token}")
    accounts.client.post(f"/download/{delivered.link_id}/account",
                         data={"csrf": csrf, "assertion": assertion(accounts, ANNA)})  # fmt: skip
    accounts.world.clock.advance(timedelta(hours=3))
    page = accounts.client.get(f"/download/{delivered.link_id}")
    assert page.status_code == 200 and "Ready to download" in page.text, page.text
    accounts.world.clock.advance(timedelta(hours=1))
    assert accounts.client.get(f"/download/{delivered.link_id}").status_code == 403


def test_another_persons_account_and_a_replayed_assertion_are_refused(accounts: Desk) -> None:
    anna = delivered_by_account(accounts, ANNA)
    delivered_by_account(accounts, BEN)
    downloads = accounts.web.downloads
    with pytest.raises(AssertionRejectedError, match="not the one"):
        downloads.confirm_assertion(anna.link_id, assertion(accounts, BEN), NOBODY)
    token = assertion(accounts, ANNA, jti="once")
    downloads.confirm_assertion(anna.link_id, token, NOBODY)
    with pytest.raises(AssertionRejectedError, match="used already"):
        downloads.confirm_assertion(anna.link_id, token, NOBODY)
    outcomes = [e.summary["outcome"] for e in accounts.c.audit.timeline(anna.request_id)
                if e.action == "delivery.attempt"]  # fmt: skip
    assert outcomes.count("assertion_rejected") == 2 and outcomes.count("verified") == 1
