"""The console's forms for CCPA declarations received on paper (REQUIREMENTS.md:15; §7062(c)):
an agent records one on the request's page, a reviewer other than the recorder approves it,
and only then does the package stop waiting for the declaration."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Factor
from rightful.services.identity_set import Proof, record_proof

from .conftest import ANNA, ANNA_MAIL, Desk, make_desk
from .test_console import add, form_token, sign_in

PUBLIC = Principal("public", None)
PROOFS = (
    (IdentityType.EMAIL, ANNA_MAIL, Factor.EMAIL_CODE),
    (IdentityType.PHONE, "+4915123456789", Factor.SMS_CODE),
    (IdentityType.CUSTOMER_ID, str(ANNA), Factor.STAFF_CHECK),
)


def three_points(desk: Desk) -> str:
    new = NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL)
    rid: str = desk.c.requests.submit(new, PUBLIC).id
    with desk.c.store.transaction() as session:
        for n, (kind, value, factor) in enumerate(PROOFS):
            proof = Proof(Identity(kind, value), factor, f"t-{n}", desk.c.clock.now())
            record_proof(session, desk.c.audit, rid, proof, PUBLIC)
    assert desk.c.subjects.settle(rid).outcome == "bound"
    return rid


def test_one_staff_member_records_a_paper_declaration_and_another_approves_it(
    desk: Desk,
) -> None:
    rid = three_points(desk)
    add(desk, "rita", Role.REVIEWER)
    add(desk, "ruth", Role.REVIEWER)
    rita = sign_in(desk, "rita")
    page = rita.get(f"/console/requests/{rid}").text
    assert "Record a declaration under penalty of perjury received on paper" in page
    future = rita.post(f"/console/requests/{rid}/paper-declarations",
                       data={"csrf": form_token(page), "full_name": "Anna Schmidt",
                             "signed_on": "2099-01-01"})  # fmt: skip
    assert "is in the future" in future.text
    done = rita.post(f"/console/requests/{rid}/paper-declarations",
                     data={"csrf": form_token(page), "full_name": "Anna Schmidt",
                           "signed_on": "2026-03-01"})  # fmt: skip
    assert "Paper declaration 1 recorded" in done.text
    assert "paper declaration 1 awaits approval by a second staff member" in done.text
    assert "Approve declaration 1" not in done.text  # not offered to the recorder
    own = rita.post(f"/console/requests/{rid}/paper-declarations/1/decision",
                    data={"csrf": form_token(done.text), "decision": "approve"})  # fmt: skip
    assert "second staff member" in own.text
    assert not desk.c.verification.progress(rid).declared

    ruth = sign_in(desk, "ruth")
    page = ruth.get(f"/console/requests/{rid}").text
    assert "Approve declaration 1" in page
    approved = ruth.post(f"/console/requests/{rid}/paper-declarations/1/decision",
                         data={"csrf": form_token(page), "decision": "approve"})  # fmt: skip
    assert "Paper declaration 1 approved." in approved.text
    assert desk.c.verification.progress(rid).declared
    assert "Package waits" not in ruth.get(f"/console/requests/{rid}").text


def test_an_agent_records_but_does_not_approve(desk: Desk) -> None:
    rid = three_points(desk)
    add(desk, "andy", Role.AGENT)
    andy = sign_in(desk, "andy")
    page = andy.get(f"/console/requests/{rid}").text
    andy.post(f"/console/requests/{rid}/paper-declarations",
              data={"csrf": form_token(page), "full_name": "Anna Schmidt",
                    "signed_on": "2026-03-01"})  # fmt: skip
    page = andy.get(f"/console/requests/{rid}").text
    assert "Declaration 1 by Anna Schmidt" in page and "Approve declaration 1" not in page
    forged = andy.post(f"/console/requests/{rid}/paper-declarations/1/decision",
                       data={"csrf": form_token(page), "decision": "approve"})  # fmt: skip
    assert forged.status_code == 403 and not desk.c.verification.progress(rid).declared


PDF = b"%PDF-1.7\n" + b"a declaration under penalty of perjury, signed\n" * 20


def record_with_scan(
    desk: Desk, rid: str, user: str, scan: tuple[str, bytes, str] | None
) -> tuple[object, str]:
    """`user` signs in and records Anna's paper declaration with `scan` (name, bytes, type)
    from the request's page, as the browser sends the form (multipart)."""
    client = sign_in(desk, user)
    page = client.get(f"/console/requests/{rid}").text
    assert 'enctype="multipart/form-data"' in page and 'name="document" type="file"' in page
    form = {"csrf": form_token(page), "full_name": "Anna Schmidt", "signed_on": "2026-03-01"}
    files = {"document": scan or ("", b"", "application/octet-stream")}  # no file chosen
    return client, client.post(f"/console/requests/{rid}/paper-declarations", data=form,
                               files=files).text  # fmt: skip


def test_the_scan_is_uploaded_listed_as_pending_read_by_a_reviewer_and_audited(
    desk: Desk,
) -> None:
    """REQUIREMENTS.md:15 (§7062(c)): the reviewer reads the signed paper before approving it;
    the scan is kept privately as the API keeps it, and each read is in the audit chain by ids."""
    rid = three_points(desk)
    add(desk, "andy", Role.AGENT)
    add(desk, "ruth", Role.REVIEWER)
    andy, done = record_with_scan(desk, rid, "andy", ("scan.pdf", PDF, "application/pdf"))
    assert "Paper declaration 1 recorded" in done
    [row] = desk.c.paper_declarations.pending()
    assert desk.c.paper_declarations.document(rid, row.id) == (PDF, "application/pdf")
    assert row.size == len(PDF) and row.file_path is not None
    stored = desk.c.settings.data_dir / row.file_path
    assert stored.stat().st_mode & 0o077 == 0  # readable by this user only
    assert b"penalty of perjury" not in stored.read_bytes()  # encrypted at rest

    ruth = sign_in(desk, "ruth")
    listed = ruth.get("/console/paper-declarations").text
    assert f'href="/console/requests/{rid}"' in listed and "Read the scan" in listed
    assert "Anna Schmidt" not in listed  # the queue of work names no one
    assert "(you: another staff member approves)" in andy.get("/console/paper-declarations").text
    url = f"/console/requests/{rid}/paper-declarations/1/document"
    assert "read the scan of declaration 1" in ruth.get(f"/console/requests/{rid}").text
    read = ruth.get(url)
    assert (read.status_code, read.content) == (200, PDF)
    assert read.headers["content-type"] == "application/pdf"
    assert read.headers["content-disposition"] == 'attachment; filename="paper-declaration-1.pdf"'
    assert read.headers["cache-control"] == "no-store"
    assert read.headers["x-content-type-options"] == "nosniff"
    assert andy.get(url).status_code == 403  # reviewers read scans, as in the API
    other = three_points(desk)  # another requester's request does not reach Anna's scan
    assert ruth.get(f"/console/requests/{other}/paper-declarations/1/document").status_code == 404
    assert desk.another_browser().get(url, follow_redirects=False).status_code == 303
    [entry] = [e for e in desk.c.audit.timeline(rid)
               if e.action == "verification.paper_declaration_read"]  # fmt: skip
    assert entry.summary == {"declaration_id": 1}

    page = ruth.get(f"/console/requests/{rid}").text
    ruth.post(f"/console/requests/{rid}/paper-declarations/1/decision",
              data={"csrf": form_token(page), "decision": "approve"})  # fmt: skip
    assert "No paper declaration awaits approval" in ruth.get("/console/paper-declarations").text


def test_a_scan_whose_encrypted_file_was_altered_is_refused_not_shown(desk: Desk) -> None:
    rid = three_points(desk)
    add(desk, "andy", Role.AGENT)
    add(desk, "ruth", Role.REVIEWER)
    record_with_scan(desk, rid, "andy", ("scan.pdf", PDF, "application/pdf"))
    [row] = desk.c.paper_declarations.pending()
    assert row.file_path is not None
    stored = desk.c.settings.data_dir / row.file_path
    stored.write_bytes(stored.read_bytes()[:-1])  # cut short
    read = sign_in(desk, "ruth").get(f"/console/requests/{rid}/paper-declarations/1/document")
    assert read.status_code == 500 and "failed authentication" in read.text
    assert b"penalty of perjury" not in read.content


def test_a_form_without_a_chosen_file_records_the_declaration_without_a_scan(desk: Desk) -> None:
    rid = three_points(desk)
    add(desk, "andy", Role.AGENT)
    _, done = record_with_scan(desk, rid, "andy", None)
    assert "Paper declaration 1 recorded" in done and ", no scan: pending" in done
    [row] = desk.c.paper_declarations.pending()
    assert row.file_path is None


@pytest.mark.parametrize(
    ("scan", "says"),
    [
        (("notes.txt", b"signed, Anna", "text/plain"), "must be a PDF, PNG or JPEG file"),
        (("scan.pdf", b"GIF89a not a pdf", "application/pdf"), "does not match its declared type"),
        (("big.pdf", b"%PDF-" + b"x" * 3000, "application/pdf"), "exceeds 2000 bytes"),
    ],
)
def test_a_scan_the_api_would_refuse_is_refused_with_what_to_fix(
    tmp_path: Path, scan: tuple[str, bytes, str], says: str
) -> None:
    desk = make_desk(f"sqlite:///{tmp_path}/r.db", tmp_path, authority_max_bytes=2000)
    rid = three_points(desk)
    add(desk, "andy", Role.AGENT)
    _, done = record_with_scan(desk, rid, "andy", scan)
    assert says in done and "Paper declaration 1 recorded" not in done
    assert desk.c.paper_declarations.pending() == []
    assert not (tmp_path / "declarations").exists()


def test_approving_ones_own_declaration_reads_why_not_a_server_error(desk: Desk) -> None:
    """Four eyes (REQUIREMENTS.md:15): a DPO may approve, but not what they recorded themselves;
    the page says why, and a declaration that is not there is a 404 page, not a 500."""
    rid = three_points(desk)
    add(desk, "dana", Role.DPO)
    dana, done = record_with_scan(
        desk, rid, "dana", ("scan.png", b"\x89PNG\r\n\x1a\n..", "image/png")
    )
    own = dana.post(f"/console/requests/{rid}/paper-declarations/1/decision",
                    data={"csrf": form_token(done), "decision": "approve"})  # fmt: skip
    assert own.status_code == 200 and "needs a second staff member" in own.text
    missing = dana.get(f"/console/requests/{rid}/paper-declarations/9/document")
    assert missing.status_code == 404 and "no such paper declaration" in missing.text
    other = dana.post(f"/console/requests/{rid}/paper-declarations/9/decision",
                      data={"csrf": form_token(done), "decision": "approve"})  # fmt: skip
    assert other.status_code == 200 and "no such paper declaration" in other.text
    assert not desk.c.verification.progress(rid).declared
