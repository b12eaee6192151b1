"""CCPA declarations under penalty of perjury received on paper or as a signed PDF
(REQUIREMENTS.md:15; Cal. Code Regs. tit. 11 §7062(c)): a requester who wrote or called cannot
sign on the portal, so a staff member records the declaration and a different staff member
approves it (four eyes, as for staff identity checks). Only an approved one counts."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest

from rightful.adapters.db.verification import PaperDeclarationRow
from rightful.adapters.storage.encryption import TamperedError
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Status
from rightful.domain.requests import RequestType
from rightful.services import staff
from rightful.services.approvals import Document

from ..conftest import held_key
from .test_ccpa_declaration import ANNA_MAIL, CUSTOMER, EMAIL, PHONE, proven
from .world import AGENT, REVIEWER, World

PDF = Document(b"%PDF-1.7\nsigned declaration\n", "application/pdf")
SIGNED = date(2026, 3, 1)


def three_points(world: World) -> str:
    return proven(world, Jurisdiction.CCPA, EMAIL, PHONE, CUSTOMER)


def test_an_approved_paper_declaration_counts_and_hands_the_request_on(world: World) -> None:
    started: list[str] = []
    world.c.paper_declarations.on_ready = started.append
    rid = three_points(world)
    paper = world.c.paper_declarations.record(rid, " Anna  Schmidt ", SIGNED, PDF, AGENT)
    assert paper.state == "pending" and paper.full_name == "Anna Schmidt"
    assert paper.signed_on == SIGNED
    with pytest.raises(ConflictError, match="penalty of perjury"):  # pending counts not
        world.c.packages.build(rid, AGENT)
    assert not world.c.verification.progress(rid).declared and started == []
    staff_read = world.c.declarations.waiting_for(rid)
    assert staff_read is not None and "penalty of perjury" in staff_read
    assert f"paper declaration {paper.id} awaits approval by a second staff member" in staff_read

    decided = world.c.paper_declarations.decide(rid, paper.id, REVIEWER, approve=True)
    assert decided.row.state == "approved" and decided.waiting_for is None
    assert world.c.verification.progress(rid).declared and started == [rid]
    assert world.c.packages.build(rid, AGENT).status == "ready"


def test_the_recorder_cannot_approve_nor_can_another_key_of_the_same_holder(
    world: World,
) -> None:
    from rightful.domain.lifecycle import Role
    from rightful.domain.staff import Principal

    rid = three_points(world)
    with world.c.store.transaction() as session:
        first = held_key(session, world.clock, "ada-1", "reviewer", "Ada")
        second = staff.issue_key(session, world.clock, name="ada-2", role="reviewer", holder="ada")
    ada = Principal(id=f"key:{first.id}", role=Role.REVIEWER)
    ada_again = Principal(id=f"key:{second.id}", role=Role.REVIEWER)
    paper = world.c.paper_declarations.record(rid, "Anna Schmidt", SIGNED, None, ada)
    for same_person in (ada, ada_again):
        with pytest.raises(PermissionDeniedError, match="second staff member"):
            world.c.paper_declarations.decide(rid, paper.id, same_person, approve=True)
    assert world.c.verification.progress(rid).waiting_for is not None
    world.c.paper_declarations.decide(rid, paper.id, REVIEWER, approve=True)
    with pytest.raises(ConflictError, match="approved already"):
        world.c.paper_declarations.decide(rid, paper.id, REVIEWER, approve=False)


def test_whoever_entered_the_request_does_not_approve_its_declaration(world: World) -> None:
    new = NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL)
    rid = world.c.requests.submit(new, REVIEWER).id  # taken down from a letter
    paper = world.c.paper_declarations.record(rid, "Anna Schmidt", SIGNED, None, AGENT)
    with pytest.raises(PermissionDeniedError, match="not the one who entered the request"):
        world.c.paper_declarations.decide(rid, paper.id, REVIEWER, approve=True)


def test_a_rejected_paper_declaration_counts_not_and_the_portal_path_is_unchanged(
    world: World,
) -> None:
    rid = three_points(world)
    paper = world.c.paper_declarations.record(rid, "Anna Schmidt", SIGNED, None, AGENT)
    decided = world.c.paper_declarations.decide(rid, paper.id, REVIEWER, approve=False)
    assert decided.row.state == "rejected" and decided.waiting_for is not None
    assert "penalty of perjury" in decided.waiting_for
    assert world.c.declarations.sign(rid, "Anna Schmidt").waiting_for is None


def test_bad_input_is_refused_with_what_to_fix(world: World) -> None:
    rid = three_points(world)
    record = world.c.paper_declarations.record
    today = world.clock.now().date()
    with pytest.raises(InvalidInputError, match=r"signed_on: .* is in the future"):
        record(rid, "Anna Schmidt", today + timedelta(days=1), None, AGENT)
    with pytest.raises(InvalidInputError, match="full_name"):
        record(rid, " A ", SIGNED, None, AGENT)
    with pytest.raises(InvalidInputError, match="must be a PDF, PNG or JPEG"):
        record(rid, "Anna Schmidt", SIGNED, Document(b"hello", "text/plain"), AGENT)
    with pytest.raises(InvalidInputError, match="does not match"):
        record(rid, "Anna Schmidt", SIGNED, Document(b"hello", "application/pdf"), AGENT)
    gdpr = proven(world, Jurisdiction.GDPR, EMAIL)
    with pytest.raises(ConflictError, match="only a CCPA request to know"):
        record(gdpr, "Anna Schmidt", SIGNED, None, AGENT)
    with pytest.raises(NotFoundError):
        world.c.paper_declarations.decide(gdpr, 1, REVIEWER, approve=True)
    assert world.c.paper_declarations.listed(rid) == []


def test_the_scan_is_kept_private_and_the_audit_holds_ids_only(world: World) -> None:
    """The scan is encrypted at rest, as packages are (REQUIREMENTS.md:30 and :40: data made
    unintelligible lowers a breach's severity), and reads back as recorded."""
    rid = three_points(world)
    paper = world.c.paper_declarations.record(rid, "Anna Schmidt", SIGNED, PDF, AGENT)
    path = stored(world, paper.id)
    assert path.stat().st_mode & 0o077 == 0
    assert world.c.paper_declarations.document(rid, paper.id) == (PDF.content, "application/pdf")
    assert [p for p in world.c.settings.data_dir.rglob("*")
            if p.is_file() and b"signed declaration" in p.read_bytes()] == []  # fmt: skip
    assert paper.sha256 == hashlib.sha256(PDF.content).hexdigest()
    world.c.paper_declarations.decide(rid, paper.id, REVIEWER, approve=True, note="matches")
    entries = [e for e in world.c.audit.timeline(rid)
               if e.action.startswith("verification.paper_declaration_")]  # fmt: skip
    assert [e.action for e in entries] == [
        "verification.paper_declaration_recorded",
        "verification.paper_declaration_approved",
    ]
    for entry in entries:
        assert entry.summary["declaration_id"] == paper.id
        assert "Anna" not in str(entry.summary) and "Schmidt" not in str(entry.summary)


def test_a_changed_scan_is_neither_read_nor_approved(world: World) -> None:
    rid = three_points(world)
    paper = world.c.paper_declarations.record(rid, "Anna Schmidt", SIGNED, PDF, AGENT)
    path = stored(world, paper.id)
    sealed = bytearray(path.read_bytes())
    sealed[20] ^= 1
    path.write_bytes(bytes(sealed))
    with pytest.raises(TamperedError):
        world.c.paper_declarations.read_document(rid, paper.id, REVIEWER)
    with pytest.raises(ConflictError, match="changed"):
        world.c.paper_declarations.decide(rid, paper.id, REVIEWER, approve=True)


def test_a_scan_stored_in_plaintext_before_encryption_is_still_read(world: World) -> None:
    rid = three_points(world)
    paper = world.c.paper_declarations.record(rid, "Anna Schmidt", SIGNED, PDF, AGENT)
    with world.c.store.transaction() as session:
        row = session.get(PaperDeclarationRow, paper.id)
        assert row is not None
        row.file_path, row.master_key_id, row.wrapped_key = "declarations/old.pdf", None, None
    (world.c.settings.data_dir / "declarations" / "old.pdf").write_bytes(PDF.content)
    assert world.c.paper_declarations.document(rid, paper.id) == (PDF.content, "application/pdf")
    world.c.paper_declarations.decide(rid, paper.id, REVIEWER, approve=True)


def stored(world: World, declaration_id: int) -> Path:
    with world.c.store.transaction() as session:
        row = session.get(PaperDeclarationRow, declaration_id)
        assert row is not None and row.file_path is not None
        return world.c.settings.data_dir / row.file_path


def test_staff_record_and_approve_through_the_api(world: World) -> None:
    from fastapi.testclient import TestClient

    from rightful.entrypoints.api.app import create_app

    rid = three_points(world)
    with world.c.store.transaction() as session:
        ada = held_key(session, world.clock, "ada", "reviewer", "ada").secret
        bob = held_key(session, world.clock, "bob", "reviewer", "bob").secret
    client = TestClient(create_app(world.c))
    url = f"/api/v1/verification/{rid}/paper-declarations"
    form = {"full_name": "Anna Schmidt", "signed_on": "2026-03-01"}
    scan = {"document": ("declaration.pdf", PDF.content, "application/pdf")}
    assert client.post(url, data=form, files=scan).status_code == 401
    future = client.post(url, data=form | {"signed_on": "2099-01-01"},
                         headers={"X-API-Key": ada})  # fmt: skip
    assert future.status_code == 422 and "in the future" in future.text
    made = client.post(url, data=form, files=scan, headers={"X-API-Key": ada})
    assert made.status_code == 201, made.text
    paper = made.json()
    assert paper["state"] == "pending" and paper["document"] is True
    assert "waiting_for" not in paper  # only a decision says what the package waits for

    read = client.get(f"{url}/{paper['id']}/document", headers={"X-API-Key": bob})
    assert read.status_code == 200 and read.content == PDF.content
    assert read.headers["content-type"] == "application/pdf"
    reads = [e for e in world.c.audit.timeline(rid)
             if e.action == "verification.paper_declaration_read"]  # fmt: skip
    assert [e.summary for e in reads] == [{"declaration_id": paper["id"]}]  # who read it, by ids
    own = client.post(f"{url}/{paper['id']}/decision", json={"approve": True},
                      headers={"X-API-Key": ada})  # fmt: skip
    assert own.status_code == 403 and "second staff member" in own.text
    approved = client.post(f"{url}/{paper['id']}/decision", json={"approve": True},
                           headers={"X-API-Key": bob})  # fmt: skip
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved" and approved.json()["waiting_for"] is None
    [listed] = client.get(url, headers={"X-API-Key": bob}).json()
    assert listed["state"] == "approved" and listed["decided_by"].startswith("key:")
    assert world.status(rid) is Status.VERIFIED and world.c.verification.progress(rid).declared


def test_the_cli_records_and_refuses_its_own_approval(cli: World, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from rightful.entrypoints.cli.main import app

    rid = three_points(cli)
    scan = tmp_path / "declaration.pdf"
    scan.write_bytes(PDF.content)
    base = ["verify", "declaration", rid, "--full-name", "Anna Schmidt"]
    bad = CliRunner().invoke(app, [*base, "--signed-on", "30.11.2026"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    made = CliRunner().invoke(app, [*base, "--signed-on", "2026-03-01", "--document", str(scan)])
    assert made.exit_code == 0, made.output
    assert "paper declaration 1 recorded" in made.output
    own = CliRunner().invoke(app, ["verify", "approve-declaration", rid, "1"])
    assert own.exit_code != 0 and "second staff member" in own.output
    cli.c.paper_declarations.decide(rid, 1, REVIEWER, approve=True)
    assert cli.c.verification.progress(rid).declared
