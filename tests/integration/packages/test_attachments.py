"""Staff additions: bound to the subject through the data map, or uploaded under four eyes with a
justification. Both are audited and both go through the leak gate; four eyes do not bypass the
foreign-identifier and footprint checks."""

from __future__ import annotations

import io
import json

import pytest

from rightful.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from rightful.domain.gate import Check
from rightful.services.incidents import incidents_of

from .world import AGENT, AGENT_2, REVIEWER, REVIEWER_2, World, manifest_of, zip_bytes

ANNA, BEN, ANNA_2, CARL, DORA = 1, 2, 3, 4, 5
WHY = "Call recording from the support line, requested by the customer on the phone."


def checks_of(world: World, package_id: str) -> set[str]:
    view = world.c.package_review.review(package_id, REVIEWER, sample=0)
    return {f.check for f in view.findings}


def uri_of(world: World, customer: int) -> str:
    assert world.estate.demo is not None
    return next(
        r.values[5]
        for r in world.estate.demo.rows
        if r.table == "recordings" and customer in r.owners
    )


def upload(
    world: World,
    rid: str,
    data: bytes,
    labels: list[tuple[str, str]],
    name: str = "call.wav",
    collection: str = "speaker.recordings",
) -> str:
    row = world.c.attachments.upload(
        rid,
        AGENT,
        filename=name,
        content=io.BytesIO(data),
        collection=collection,
        justification=WHY,
        labels=labels,
    )
    return row.id


def test_a_blob_bound_through_the_data_map_joins_the_package(world: World) -> None:
    rid = world.request_for(ANNA)
    row = world.c.attachments.bind(
        rid, AGENT, collection="speaker.recordings", uri=uri_of(world, ANNA)
    )
    assert (row.mode, row.state) == ("bound", "active")
    package = world.c.packages.build(rid, AGENT)
    assert package.status == "ready" and package.attachment_count == 1
    item = next(i for i in manifest_of(world, package.id)["items"] if i["kind"] == "attachment")
    assert item["origin"] == "bound" and item["path"].startswith("files/attachments/")
    assert item["path"] in zip_bytes(world, package.id).read("index.html").decode()
    assert "attachment.bound" in world.actions(rid)


def test_the_page_says_which_data_an_attachment_belongs_to_in_the_requesters_words(
    world: World,
) -> None:
    """The requester read "(bound)" or "(four_eyes)" beside a staff file: staff jargon, in
    English on a German page. The page names the collection the file was added to."""
    rid = world.request_for(ANNA, language="de")
    world.c.attachments.bind(rid, AGENT, collection="speaker.recordings", uri=uri_of(world, ANNA))
    package = world.c.packages.build(rid, AGENT)
    item = next(i for i in manifest_of(world, package.id)["items"] if i["kind"] == "attachment")
    index = zip_bytes(world, package.id).read("index.html").decode()
    assert (f'<a href="{item["path"]}">{item["path"]}</a> '
            '<span class="muted">(Hearthly-Gerätecloud – recordings)</span>') in index  # fmt: skip
    assert "(bound)" not in index and "four_eyes" not in index


@pytest.mark.parametrize(
    ("collection", "key", "uri_owner"),
    [("shop.orders", 3, None), ("speaker.recordings", None, ANNA_2)],
    ids=["a-partner's-order", "a-namesake's-recording"],
)
def test_something_bound_that_belongs_to_another_subject_is_blocked(
    world: World, collection: str, key: int | None, uri_owner: int | None
) -> None:
    rid = world.request_for(ANNA)
    uri = uri_of(world, uri_owner) if uri_owner else None
    world.c.attachments.bind(
        rid, AGENT, collection=collection, key=[key] if key is not None else None, uri=uri
    )
    package = world.c.packages.build(rid, AGENT)
    assert package.status == "blocked"
    assert Check.DERIVATION.value in checks_of(world, package.id)


def test_binding_checks_that_the_record_or_file_exists_in_the_data_map(world: World) -> None:
    rid = world.request_for(ANNA)
    with pytest.raises(NotFoundError):
        world.c.attachments.bind(rid, AGENT, collection="shop.orders", key=[99999])
    with pytest.raises(InvalidInputError):
        world.c.attachments.bind(
            rid, AGENT, collection="shop.orders", uri="blob://recordings/D-1001/2.wav"
        )
    with pytest.raises(InvalidInputError):
        world.c.attachments.bind(rid, AGENT, collection="shop.nowhere", key=[1])
    with pytest.raises(NotFoundError):
        world.c.attachments.bind(
            rid, AGENT, collection="speaker.recordings", uri="blob://recordings/D-1001/404.wav"
        )


def test_an_upload_needs_a_justification_and_a_label(world: World) -> None:
    rid = world.request_for(ANNA)
    with pytest.raises(InvalidInputError, match="justification"):
        world.c.attachments.upload(
            rid,
            AGENT,
            filename="x.txt",
            content=io.BytesIO(b"x"),
            collection="shop.support_tickets",
            justification="because",
            labels=[("email", "anna.schmidt@example.com")],
        )
    with pytest.raises(InvalidInputError, match="label"):
        world.c.attachments.upload(
            rid,
            AGENT,
            filename="x.txt",
            content=io.BytesIO(b"x"),
            collection="shop.support_tickets",
            justification=WHY,
            labels=[],
        )
    with pytest.raises(InvalidInputError):
        world.c.attachments.upload(
            rid,
            AGENT,
            filename="x.txt",
            content=io.BytesIO(b"x"),
            collection="shop.support_tickets",
            justification=WHY,
            labels=[("email", "not an address")],
        )


def test_an_empty_file_is_refused_and_nothing_of_it_is_kept(world: World) -> None:
    rid = world.request_for(ANNA)
    with pytest.raises(InvalidInputError, match="the file is empty"):
        upload(world, rid, b"", [("email", "anna.schmidt@example.com")])
    assert world.c.attachments.for_request(rid) == []
    folder = world.c.settings.data_dir / "packages" / "attachments"
    assert not [p for p in folder.rglob("*") if p.is_file()], "no file is left behind"


def test_the_uploader_cannot_be_the_second_pair_of_eyes(world: World) -> None:
    rid = world.request_for(ANNA)
    row = world.c.attachments.upload(
        rid,
        REVIEWER,
        filename="call.wav",
        content=io.BytesIO(b"x"),
        collection="speaker.recordings",
        justification=WHY,
        labels=[("customer_id", "1")],
    )
    with pytest.raises(PermissionDeniedError):
        world.c.attachments.approve(row.id, REVIEWER)
    with pytest.raises(PermissionDeniedError):
        world.c.attachments.approve(row.id, AGENT_2)  # an agent is not a reviewer
    approved = world.c.attachments.approve(row.id, REVIEWER_2)
    assert (approved.state, approved.decided_by) == ("approved", REVIEWER_2.id)
    with pytest.raises(ConflictError):
        world.c.attachments.approve(row.id, REVIEWER)


def test_only_approved_uploads_join_a_package(world: World) -> None:
    rid = world.request_for(ANNA)
    pending = upload(world, rid, b"RIFF pending", [("customer_id", "1")], "pending.wav")
    rejected = upload(world, rid, b"RIFF rejected", [("customer_id", "1")], "rejected.wav")
    world.c.attachments.reject(rejected, REVIEWER, "not hers")
    package = world.c.packages.build(rid, AGENT)
    assert package.attachment_count == 0 and package.status == "ready"
    assert {a.state for a in world.c.attachments.for_request(rid)} == {"pending", "rejected"}
    assert pending


def test_an_approved_upload_about_the_subject_passes_and_verifies(world: World, tmp_path) -> None:
    from rightful.services.package_verify import verify_package

    rid = world.request_for(ANNA)
    aid = upload(world, rid, b"RIFF....WAVEfmt a call", [("email", "Anna.Schmidt@Example.com")])
    world.c.attachments.approve(aid, REVIEWER)
    package = world.c.packages.build(rid, AGENT)
    assert package.status == "ready" and package.attachment_count == 1
    item = next(i for i in manifest_of(world, package.id)["items"] if i["kind"] == "attachment")
    assert item["origin"] == "four_eyes" and zip_bytes(world, package.id).read(item["path"]) == (
        b"RIFF....WAVEfmt a call"
    )
    assert verify_package(world.export(package.id, tmp_path / "p.zip")).ok
    entries = [e for e in world.c.audit.timeline(rid) if e.action.startswith("attachment.")]
    assert [e.action for e in entries] == ["attachment.uploaded", "attachment.approved"]
    assert "anna" not in json.dumps([e.summary for e in entries]).lower()


def test_an_upload_keeps_its_letters_and_opens_as_text_when_it_is_web_content(world: World) -> None:
    """Staff who upload "Gesprächsnotiz.html" hand the requester a page their browser would run
    from the unpacked folder; it comes as text, with its name still readable."""
    rid = world.request_for(ANNA)
    aid = upload(world, rid, b"<script>alert(1)</script>", [("customer_id", "1")],
                 "Gesprächsnotiz Отчёт.html", collection="shop.support_tickets")  # fmt: skip
    world.c.attachments.approve(aid, REVIEWER)
    assert world.c.attachments.for_request(rid)[0].filename == "Gesprächsnotiz_Отчёт.html.txt"
    package = world.c.packages.build(rid, AGENT)
    item = next(i for i in manifest_of(world, package.id)["items"] if i["kind"] == "attachment")
    assert item["path"].startswith("files/attachments/")
    assert item["path"].endswith("_Gesprächsnotiz_Отчёт.html.txt")
    names = zip_bytes(world, package.id).namelist()
    assert item["path"] in names and "index.html" in names


def test_two_staff_approving_the_other_requesters_recording_does_not_get_it_out(
    world: World,
) -> None:
    """The motivating case, by hand: Carl and Dora have requests in flight; two staff members
    attach one of Carl's recordings to Dora's request. The gate blocks it and opens a near-miss."""
    carls_request, doras_request = world.request_for(CARL), world.request_for(DORA)
    assert world.estate.demo is not None
    carls_wav = world.estate.demo.blobs["D-1003/10.wav"]
    aid = upload(
        world, doras_request, carls_wav, [("email", "carl@example.com")], name="D-1003_10.wav"
    )
    world.c.attachments.approve(aid, REVIEWER_2)
    package = world.c.packages.build(doras_request, AGENT)
    assert package.status == "blocked"
    assert checks_of(world, package.id) == {Check.FOREIGN_IDENTIFIER.value}
    with world.c.store.transaction() as session:
        [incident] = incidents_of(session, doras_request)
    assert incident.kind == "near_miss" and len(incident.affected_items) == 1
    assert world.c.packages.build(carls_request, AGENT).status == "ready"


def test_another_subjects_address_inside_an_uploaded_file_is_found(world: World) -> None:
    rid = world.request_for(ANNA)
    letter = b"Dear support, please send my recordings to anna.s@example.org. Thanks"
    aid = upload(
        world, rid, letter, [("customer_id", "1")], "letter.txt", collection="shop.support_tickets"
    )
    world.c.attachments.approve(aid, REVIEWER)
    package = world.c.packages.build(rid, AGENT)
    assert package.status == "blocked"
    assert checks_of(world, package.id) == {Check.FOREIGN_IDENTIFIER.value}


def test_another_subjects_address_in_a_file_name_is_found_though_the_name_is_made_safe(
    world: World,
) -> None:
    """The stored name is made safe ("@" becomes "_"), which hid the address from the gate."""
    rid = world.request_for(ANNA)
    aid = upload(world, rid, b"Thanks for your letter.", [("customer_id", "1")],
                 "anna.s@example.org.txt", collection="shop.support_tickets")  # fmt: skip
    world.c.attachments.approve(aid, REVIEWER)
    package = world.c.packages.build(rid, AGENT)
    assert package.status == "blocked"
    assert checks_of(world, package.id) == {Check.FOREIGN_IDENTIFIER.value}


def test_another_speakers_serial_in_a_file_name_is_found(world: World) -> None:
    rid = world.request_for(ANNA)
    aid = upload(world, rid, b"RIFF", [("customer_id", "1")], "export_D-1002_8.wav")
    world.c.attachments.approve(aid, REVIEWER)
    assert world.c.packages.build(rid, AGENT).status == "blocked"


def test_a_recording_for_someone_who_owns_no_speaker_is_blocked_by_the_footprint(
    world: World,
) -> None:
    """Ben owns no speaker; a 'voice recording' for him cannot be his, whatever its label."""
    rid = world.request_for(BEN)
    aid = upload(world, rid, b"RIFF....", [("email", "ben.krueger@example.com")])
    world.c.attachments.approve(aid, REVIEWER)
    package = world.c.packages.build(rid, AGENT)
    assert package.status == "blocked"
    assert checks_of(world, package.id) == {Check.FOOTPRINT.value}


def test_files_are_added_only_before_review(world: World) -> None:
    rid = world.request_for(ANNA)
    world.c.packages.build(rid, AGENT)
    with pytest.raises(ConflictError, match="send the package back"):
        upload(world, rid, b"late", [("customer_id", "1")])


def test_uploads_are_stored_encrypted(world: World) -> None:
    rid = world.request_for(ANNA)
    secret = b"this call mentions a diagnosis"
    aid = upload(world, rid, secret, [("customer_id", "1")])
    [row] = [a for a in world.c.attachments.for_request(rid) if a.id == aid]
    stored = (world.c.settings.data_dir / "packages" / (row.object_name or "")).read_bytes()
    assert secret not in stored and row.size == len(secret)
