"""Four eyes before data moves: agents' authority documents and staff-made requests each need a
second person's approval, and the subject is still verified (REQUIREMENTS.md:15, "Identity": CCPA
authorised agents show signed permission and the consumer may be asked to verify directly)."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from rightful.adapters.db.migrate import alembic_config
from rightful.adapters.db.verification import AgentAuthorityRow
from rightful.adapters.storage.encryption import TamperedError
from rightful.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from rightful.domain.lifecycle import Status
from rightful.domain.staff import Principal
from rightful.domain.subjects import AuthorityKind, StaffCheckMethod
from rightful.services.approvals import Document

from ..conftest import console_user, held_key
from . import estate
from .conftest import AGENT, REVIEWER, REVIEWER_2, World

MARKER = b"Authority-of-Privacy-Helpers-LLC"
PDF = Document(
    b"%PDF-1.7\n1 0 obj << /Title (" + MARKER + b") >> endobj\n%%EOF\n", "application/pdf"
)
CALLBACK = StaffCheckMethod.CALLBACK_TO_PHONE_ON_FILE


def add_authority(world: World, rid: str, by: Principal = AGENT) -> int:
    row = world.c.approvals.add_authority(
        rid, AuthorityKind.AUTHORISED_AGENT, "Privacy Helpers LLC", PDF, by
    )
    return row.id


def test_an_agents_request_waits_for_approval_after_the_subject_verified(world: World) -> None:
    rid = world.submit()
    doc = add_authority(world, rid)
    assert world.verify(rid).outcome == "awaiting_approval"
    assert world.status(rid) is Status.AWAITING_VERIFICATION
    with pytest.raises(ConflictError, match="not bound"):
        world.c.subjects.seed(rid)
    settled = world.c.approvals.decide_authority(rid, doc, REVIEWER, approve=True)
    assert settled.outcome == "bound"
    assert world.status(rid) is Status.VERIFIED
    assert "verification.authority_approved" in world.actions(rid)


def test_approval_alone_does_not_verify_the_subject(world: World) -> None:
    rid = world.submit()
    doc = add_authority(world, rid)
    assert world.c.approvals.decide_authority(rid, doc, REVIEWER, approve=True).outcome == (
        "unverified"
    )
    assert world.status(rid) is Status.RECEIVED


def test_the_submitter_of_an_authority_cannot_approve_it(world: World) -> None:
    rid = world.submit()
    doc = add_authority(world, rid, by=REVIEWER)
    with pytest.raises(PermissionDeniedError, match="second staff member"):
        world.c.approvals.decide_authority(rid, doc, REVIEWER, approve=True)
    with pytest.raises(PermissionDeniedError):
        world.c.approvals.decide_authority(rid, doc, AGENT, approve=True)
    world.c.approvals.decide_authority(rid, doc, REVIEWER_2, approve=True)
    with pytest.raises(ConflictError, match="approved already"):
        world.c.approvals.decide_authority(rid, doc, REVIEWER_2, approve=False)


def test_the_document_is_kept_encrypted_under_the_data_folder_with_its_digest(
    world: World,
) -> None:
    """Identity documents are encrypted at rest like packages (REQUIREMENTS.md:30 and :40: data
    made unintelligible lowers a breach's severity); the digest is the plaintext's."""
    rid = world.submit()
    doc = add_authority(world, rid)
    path = stored(world, doc)
    assert path.is_relative_to(world.c.settings.data_dir)
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
    assert holding(world.c.settings.data_dir, MARKER) == []
    assert world.c.approvals.document(rid, doc) == (PDF.content, "application/pdf")
    [row] = world.c.approvals.authorities(rid)
    assert row.sha256 == hashlib.sha256(PDF.content).hexdigest()
    assert row.master_key_id == world.c.package_keys.current_key_id
    [event] = world.summaries(rid, "verification.authority_submitted")
    assert event["sha256"] == row.sha256


def test_the_same_document_twice_is_two_files_with_a_key_each(world: World) -> None:
    rid = world.submit()
    first, second = add_authority(world, rid), add_authority(world, rid)
    assert stored(world, first) != stored(world, second)
    assert world.c.approvals.document(rid, first)[0] == PDF.content
    assert world.c.approvals.document(rid, second)[0] == PDF.content


def test_a_document_changed_on_disk_is_neither_served_nor_approved(world: World) -> None:
    rid = world.submit()
    doc = add_authority(world, rid)
    path = stored(world, doc)
    sealed = bytearray(path.read_bytes())
    sealed[-1] ^= 1
    path.write_bytes(bytes(sealed))
    with pytest.raises(TamperedError):
        world.c.approvals.document(rid, doc)
    with pytest.raises(ConflictError, match="changed"):
        world.c.approvals.decide_authority(rid, doc, REVIEWER, approve=True)


def test_a_document_stored_in_plaintext_before_encryption_is_still_read(world: World) -> None:
    rid = world.submit()
    doc = add_authority(world, rid)
    plain = store_in_plaintext_as_before(world, doc)
    assert plain.read_bytes() == PDF.content
    assert world.c.approvals.document(rid, doc) == (PDF.content, "application/pdf")
    world.c.approvals.decide_authority(rid, doc, REVIEWER, approve=True)


def test_a_downgrade_that_would_drop_the_documents_keys_is_refused(world: World) -> None:
    """Losing nothing (brief: bad input loses nothing): the keys of encrypted documents live in
    the columns migration 0022 adds, so going below it is refused while any is encrypted."""
    rid = world.submit()
    doc = add_authority(world, rid)
    with pytest.raises(RuntimeError, match=r"1 identity document\(s\) are encrypted"):
        migrate_to(world, "0021_build_heartbeat")
    assert world.c.approvals.document(rid, doc) == (PDF.content, "application/pdf")


def test_a_store_without_encrypted_documents_downgrades_below_0022(world: World) -> None:
    rid = world.submit()
    doc = add_authority(world, rid)
    store_in_plaintext_as_before(world, doc)
    migrate_to(world, "0021_build_heartbeat")
    with world.c.store.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("agent_authorities")}
    assert {"file_path", "sha256"} <= columns
    assert not {"wrapped_key", "master_key_id"} & columns


def migrate_to(world: World, revision: str) -> None:
    """Alembic downgrade to `revision` from the newest schema (the world's store is made with
    create_all, which is that schema: tests/integration/test_migrations.py)."""
    config = alembic_config(world.c.store.engine.url.render_as_string(hide_password=False))
    world.c.store.engine.dispose()
    with world.c.store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.stamp(config, "head")
        command.downgrade(config, revision)


def stored(world: World, doc: int) -> Path:
    with world.c.store.transaction() as session:
        row = session.get(AgentAuthorityRow, doc)
        assert row is not None
        return world.c.settings.data_dir / row.file_path


def store_in_plaintext_as_before(world: World, doc: int) -> Path:
    """The row and file of a document stored before documents were encrypted at rest."""
    with world.c.store.transaction() as session:
        row = session.get(AgentAuthorityRow, doc)
        assert row is not None
        (world.c.settings.data_dir / row.file_path).unlink()
        row.file_path = f"authority/{row.request_id}/{row.sha256}.pdf"
        row.master_key_id = row.wrapped_key = None
    plain = world.c.settings.data_dir / row.file_path
    plain.write_bytes(PDF.content)
    return plain


def holding(folder: Path, marker: bytes) -> list[Path]:
    """The files under `folder` whose bytes contain `marker`."""
    return [p for p in folder.rglob("*") if p.is_file() and marker in p.read_bytes()]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (Document(b"", "application/pdf"), "empty"),
        (Document(b"GIF89a", "image/gif"), "PDF, PNG or JPEG"),
        (Document(b"MZ\x90\x00", "application/pdf"), "does not match"),
    ],
)
def test_authority_documents_must_be_what_they_claim(
    sqlite_world: World, document: Document, reason: str
) -> None:
    rid = sqlite_world.submit()
    with pytest.raises(InvalidInputError, match=reason):
        sqlite_world.c.approvals.add_authority(
            rid, AuthorityKind.POWER_OF_ATTORNEY, "Jo", document, AGENT
        )


def test_a_staff_made_request_needs_a_second_staff_member_to_approve_the_check(
    world: World,
) -> None:
    rid = world.submit(channel="staff")
    check = world.c.approvals.record_check(
        rid, CALLBACK, [("phone", "+49 151 12345678")], "called back the number on file", REVIEWER
    )
    with pytest.raises(PermissionDeniedError, match="second staff member"):
        world.c.approvals.decide_check(rid, check.id, REVIEWER, approve=True)
    settled = world.c.approvals.decide_check(rid, check.id, REVIEWER_2, approve=True)
    assert settled.outcome == "bound"
    assert world.c.subjects.seed(rid).subject.value == 1
    [recorded] = world.summaries(rid, "verification.staff_check_recorded")
    assert recorded["method"] == "callback_to_phone_on_file"
    assert recorded["identities"] == 1


def test_whoever_entered_the_request_cannot_approve_its_check(world: World) -> None:
    """README: a request staff enter is verified by a check that a second staff member
    approves, never by the person who entered it (nor the one who recorded the check)."""
    from rightful.domain.deadlines import Jurisdiction
    from rightful.domain.intake import NewRequest
    from rightful.domain.requests import RequestType

    new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email=estate.ANNA, channel="staff")
    rid = world.c.requests.submit(new, REVIEWER).id
    check = world.c.approvals.record_check(
        rid, CALLBACK, [("email", estate.ANNA)], "wrote back to the address on file", REVIEWER_2
    )
    with pytest.raises(PermissionDeniedError, match="not the one who entered the request"):
        world.c.approvals.decide_check(rid, check.id, REVIEWER, approve=True)
    third = Principal(id="key:reviewer3", role=REVIEWER.role)
    assert world.c.approvals.decide_check(rid, check.id, third, approve=True).outcome == "bound"


def test_two_keys_of_one_holder_are_one_person_to_four_eyes(world: World) -> None:
    """A second key is no second pair of eyes: keys of one holder (and that holder's console
    user) are one person; another holder is a second person."""
    from rightful.domain.lifecycle import Role
    from rightful.services import staff

    with world.c.store.transaction() as session:
        rita_user = console_user(session, world.c.clock, "rita", "reviewer").id
        first, second = (
            staff.issue_key(session, world.c.clock, name=name, role="reviewer", holder=holder)
            for name, holder in (("rita laptop", "rita"), ("rita phone", "Rita"))
        )
        other = held_key(session, world.c.clock, "sam", "reviewer", "sam")
    rita, rita_again, sam = (
        Principal(f"key:{k.id}", Role.REVIEWER) for k in (first, second, other)
    )
    rid = world.submit(channel="staff")
    check = world.c.approvals.record_check(
        rid, CALLBACK, [("email", estate.ANNA)], "wrote back to the address on file", rita
    )
    for same_person in (rita_again, Principal(f"staff:{rita_user}", Role.REVIEWER)):
        with pytest.raises(PermissionDeniedError, match="second staff member"):
            world.c.approvals.decide_check(rid, check.id, same_person, approve=True)
    assert world.c.approvals.decide_check(rid, check.id, sam, approve=True).outcome == "bound"


def test_a_key_holder_is_a_console_user(world: World) -> None:
    """A holder that names no console user would be a person nobody can match with anyone."""
    from rightful.services import staff

    refused = "no console user 'alice': give --holder the console user name"
    with world.c.store.transaction() as session, pytest.raises(InvalidInputError, match=refused):
        staff.issue_key(session, world.c.clock, name="alice laptop", role="agent", holder="alice")


def test_keys_issued_without_a_holder_are_no_two_people_until_it_is_named(world: World) -> None:
    """Alice's "alice laptop" and "alice desktop", issued before holders were required, were two
    people: she approved her own identity check. A key without a holder is now on neither side
    of four eyes, until `name-holder` names it; then it counts as that person."""
    from rightful.domain.lifecycle import Role
    from rightful.services import staff

    with world.c.store.transaction() as session:
        laptop, desktop = (
            staff.issue_key(session, world.c.clock, name=name, role="reviewer")
            for name in ("alice laptop", "alice desktop")
        )
        console_user(session, world.c.clock, "alice", "reviewer")
    alice, alice_again = (Principal(f"key:{k.id}", Role.REVIEWER) for k in (laptop, desktop))
    rid = world.submit(channel="staff")
    check = world.c.approvals.record_check(
        rid, CALLBACK, [("email", estate.ANNA)], "wrote back to the address on file", alice
    )
    remedy = f"the key {laptop.id} names no holder: name it with `rightful staff name-holder "
    with pytest.raises(PermissionDeniedError, match=remedy + f"{laptop.id} --holder NAME`"):
        world.c.approvals.decide_check(rid, check.id, alice_again, approve=True)
    with pytest.raises(PermissionDeniedError, match=f"the key {laptop.id} names no holder"):
        world.c.approvals.decide_check(rid, check.id, REVIEWER_2, approve=True)  # may be Alice
    with world.c.store.transaction() as session:
        for key in (laptop, desktop):
            staff.name_holder(session, key.id, "Alice")
    with pytest.raises(PermissionDeniedError, match="not the one who made it"):
        world.c.approvals.decide_check(rid, check.id, alice_again, approve=True)
    assert world.c.approvals.decide_check(rid, check.id, REVIEWER_2, approve=True).outcome == (
        "bound"
    )


def test_a_key_issued_by_a_key_without_a_holder_may_be_anyones(world: World) -> None:
    """Alice's old admin key, which names no holder, mints a reviewer key held by Bob: she could
    approve her own check with it, so it takes no part until the admin key's holder is named."""
    from rightful.domain.lifecycle import Role
    from rightful.services import staff

    with world.c.store.transaction() as session:
        old = staff.issue_key(session, world.c.clock, name="alice admin", role="admin")
        console_user(session, world.c.clock, "bob", "reviewer")
        minted = staff.issue_key_for(
            session, world.c.clock, world.c.audit, Principal(f"key:{old.id}", Role.ADMIN),
            name="bob laptop", role="reviewer", holder="bob",
        )  # fmt: skip
        alice = Principal(f"staff:{console_user(session, world.c.clock, 'alice', 'agent').id}",
                          Role.AGENT)  # fmt: skip
    rid = world.submit(channel="staff")
    check = world.c.approvals.record_check(
        rid, CALLBACK, [("email", estate.ANNA)], "wrote back to the address on file", alice
    )
    bob = Principal(f"key:{minted.id}", Role.REVIEWER)
    with pytest.raises(PermissionDeniedError, match=f"the key {old.id} names no holder"):
        world.c.approvals.decide_check(rid, check.id, bob, approve=True)
    with world.c.store.transaction() as session:
        staff.name_holder(session, old.id, "alice")
    with pytest.raises(PermissionDeniedError, match="not a key the first one issued"):
        world.c.approvals.decide_check(rid, check.id, bob, approve=True)


def test_the_os_account_alice_and_the_console_user_alice_are_one_person(world: World) -> None:
    """Alice records a check with `rightful verify check` under her OS account and approves it
    in the console: the command line's `cli:alice` was a person of its own."""
    from rightful.domain.lifecycle import Role

    with world.c.store.transaction() as session:
        alice = console_user(session, world.c.clock, "Alice", "reviewer").id
    rid = world.submit(channel="staff")
    at_the_command_line = Principal("cli:alice", Role.AGENT)
    check = world.c.approvals.record_check(
        rid, CALLBACK, [("email", estate.ANNA)], "wrote back", at_the_command_line
    )
    with pytest.raises(PermissionDeniedError, match="not the one who made it"):
        world.c.approvals.decide_check(rid, check.id, Principal(f"staff:{alice}", Role.REVIEWER),
                                       approve=True)  # fmt: skip
    assert world.c.approvals.decide_check(rid, check.id, REVIEWER, approve=True).outcome == (
        "bound"
    )


def test_a_key_the_first_person_issued_is_no_second_person(world: World) -> None:
    """An admin who recorded a check mints a key under another holder's name: still them."""
    from rightful.domain.lifecycle import Role
    from rightful.services import staff

    admin = Principal("cli:root", Role.ADMIN)
    with world.c.store.transaction() as session:
        console_user(session, world.c.clock, "tom", "reviewer")
        minted = staff.issue_key_for(session, world.c.clock, world.c.audit, admin,
                                     name="second pair", role="reviewer", holder="tom")  # fmt: skip
    rid = world.submit(channel="staff")
    check = world.c.approvals.record_check(
        rid, CALLBACK, [("email", estate.ANNA)], "wrote back to the address on file", admin
    )
    with pytest.raises(PermissionDeniedError, match="not a key the first one issued"):
        world.c.approvals.decide_check(rid, check.id, Principal(f"key:{minted.id}", Role.REVIEWER),
                                       approve=True)  # fmt: skip


def test_a_key_minted_with_a_key_the_first_person_issued_is_no_second_person(
    world: World,
) -> None:
    """The admin mints an admin key under another name, and with it a reviewer key under a
    third: every key down that line is still the admin's, whichever of the two acts first."""
    from rightful.domain.lifecycle import Role
    from rightful.services import staff

    admin = Principal("cli:root", Role.ADMIN)
    with world.c.store.transaction() as session:
        for name in ("tom", "ulla"):
            console_user(session, world.c.clock, name, "reviewer")
        middle = staff.issue_key_for(session, world.c.clock, world.c.audit, admin,
                                     name="spare admin", role="admin", holder="tom")  # fmt: skip
        minted = staff.issue_key_for(
            session, world.c.clock, world.c.audit, Principal(f"key:{middle.id}", Role.ADMIN),
            name="second pair", role="reviewer", holder="ulla",
        )  # fmt: skip
    last = Principal(f"key:{minted.id}", Role.REVIEWER)
    rid = world.submit(channel="staff")
    check = world.c.approvals.record_check(
        rid, CALLBACK, [("email", estate.ANNA)], "wrote back to the address on file", admin
    )
    with pytest.raises(PermissionDeniedError, match="not a key the first one issued"):
        world.c.approvals.decide_check(rid, check.id, last, approve=True)
    other = world.submit(channel="staff")
    check = world.c.approvals.record_check(
        other, CALLBACK, [("email", estate.ANNA)], "wrote back to the address on file", last
    )
    with pytest.raises(PermissionDeniedError, match="not a key the first one issued"):
        world.c.approvals.decide_check(other, check.id, admin, approve=True)
    assert world.c.approvals.decide_check(other, check.id, REVIEWER, approve=True).outcome == (
        "bound"
    )


def test_a_staff_made_request_verified_by_code_still_waits_for_the_check(world: World) -> None:
    rid = world.submit(channel="staff")
    assert world.verify(rid).outcome == "awaiting_approval"
    check = world.c.approvals.record_check(rid, CALLBACK, [("email", estate.ANNA)], "letter", AGENT)
    assert world.c.approvals.decide_check(rid, check.id, REVIEWER, approve=True).outcome == "bound"


def test_a_rejected_check_verifies_nothing(world: World) -> None:
    rid = world.submit(channel="staff")
    check = world.c.approvals.record_check(rid, CALLBACK, [("email", estate.ANNA)], "call", AGENT)
    settled = world.c.approvals.decide_check(rid, check.id, REVIEWER, approve=False)
    assert settled.outcome == "unverified"
    assert "verification.staff_check_rejected" in world.actions(rid)


def test_a_check_needs_an_identity_a_note_and_a_valid_value(sqlite_world: World) -> None:
    world = sqlite_world
    rid = world.submit(channel="staff")
    with pytest.raises(InvalidInputError, match="at least one identity"):
        world.c.approvals.record_check(rid, CALLBACK, [], "call", AGENT)
    with pytest.raises(InvalidInputError, match="note"):
        world.c.approvals.record_check(rid, CALLBACK, [("email", estate.ANNA)], " ", AGENT)
    with pytest.raises(InvalidInputError, match="phone"):
        world.c.approvals.record_check(rid, CALLBACK, [("phone", "12")], "call", AGENT)
