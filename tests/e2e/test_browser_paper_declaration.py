"""In a real headless Chromium: a reviewer records a CCPA declaration received on paper with its
scan, chosen in the form's file field; the scan is stored encrypted and reads back exactly for a
reviewer; a second reviewer approves it, and only then is the request declared
(REQUIREMENTS.md:15, §7062(c): a declaration under penalty of perjury)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Factor
from rightful.services.identity_set import Proof, record_proof

from .live import BROWSER_TESTS, Live, says, shot
from .test_browser_delivery import staff_sign_in

pytestmark = BROWSER_TESTS

ANNA, ANNA_MAIL = 1, "anna.schmidt@example.com"
PUBLIC = Principal("public", None)
MARKER = b"Declaration-of-Anna-Schmidt-under-penalty-of-perjury"
SCAN = b"%PDF-1.7\n(" + MARKER + b")\n%%EOF\n"


def bound_ccpa_request(live: Live) -> str:
    """A CCPA access request bound to Anna by three proofs: its package waits for a signed
    declaration."""
    c = live.world.c
    rid: str = c.requests.submit(
        NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL), PUBLIC
    ).id
    proofs = (
        (IdentityType.EMAIL, ANNA_MAIL, Factor.EMAIL_CODE),
        (IdentityType.PHONE, "+4915123456789", Factor.SMS_CODE),
        (IdentityType.CUSTOMER_ID, str(ANNA), Factor.STAFF_CHECK),
    )
    with c.store.transaction() as session:
        for n, (kind, value, factor) in enumerate(proofs):
            proof = Proof(Identity(kind, value), factor, f"t-{n}", c.clock.now())
            record_proof(session, c.audit, rid, proof, PUBLIC)
    assert c.subjects.settle(rid).outcome == "bound"
    return rid


def test_a_scan_chosen_in_the_browser_is_stored_encrypted_read_back_and_approved_by_another(
    live: Live, browser: Any, tmp_path: Path
) -> None:
    rid = bound_ccpa_request(live)
    scan = tmp_path / "declaration.pdf"
    scan.write_bytes(SCAN)
    rita = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(live, rita, tmp_path, name="rita", role="reviewer")
    rita.goto(f"{live.base}/console/requests/{rid}")
    rita.get_by_label("The signer's full name, as written").fill("Anna Schmidt")
    rita.get_by_label("Date signed").fill("2026-03-01")
    rita.locator("#f-paper-scan").set_input_files(str(scan))
    shot(rita, "paper-declaration-with-scan")
    rita.get_by_role("button", name="Record the declaration").click()
    says(rita, "Paper declaration 1 recorded")

    read = rita.get_by_role("link", name="read the scan of declaration 1")
    served = rita.context.request.get(f"{live.base}{read.get_attribute('href')}")
    assert served.status == 200 and served.headers["content-type"] == "application/pdf"
    assert served.body() == SCAN
    stored = [p for p in live.world.c.settings.data_dir.rglob("*") if p.is_file()]
    assert stored and not [p for p in stored if MARKER in p.read_bytes()], "only ciphertext"
    assert "Approve declaration 1" not in rita.content(), "not offered to its recorder"
    assert not live.world.c.verification.progress(rid).declared

    ruth = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(live, ruth, tmp_path, name="ruth", role="reviewer")
    ruth.goto(f"{live.base}/console/requests/{rid}")
    ruth.get_by_role("button", name="Approve declaration 1").click()
    says(ruth, "Paper declaration 1 approved.")
    assert live.world.c.verification.progress(rid).declared
