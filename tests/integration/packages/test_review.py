"""Review before release: what the reviewer sees, approval bound to the manifest hash, sending
back, and the delivery check that refuses anything but what was approved (Art. 5(2))."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from rightful.adapters.db.packages import GateRunRow, PackageRow
from rightful.adapters.storage.encryption import EncryptingWriter
from rightful.domain.errors import ConflictError, PermissionDeniedError
from rightful.domain.lifecycle import Status
from rightful.entrypoints.api.app import create_app
from rightful.services import staff
from rightful.services.package_review import NotDeliverableError

from ..conftest import held_key
from .corrupt import DropsValidityWindows
from .world import AGENT, REVIEWER, World, manifest_of, zip_bytes

ANNA, DORA = 1, 5
NOTE = {"file": ("note.txt", b"a note about the account", "text/plain")}
NOTE_FORM = {
    "collection": "shop.support_tickets",
    "justification": "Handwritten note scanned from the customer's letter.",
    "labels": ["customer_id=1"],
}


def test_the_reviewer_sees_counts_categories_gate_results_and_a_sample(world: World) -> None:
    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    view = world.c.package_review.review(package.id, REVIEWER, sample=5).as_json()
    assert view["counts"] == {
        "items": 21,
        "records": 16,
        "files": 5,
        "attachments": 0,
        "file_bytes": package.blob_bytes,
        "missing_files": 0,
    }
    assert view["by_category"]["user.biometric.voice"] == 5
    assert view["gate"]["passed"] and view["gate"]["items_checked"] == 16
    assert view["gate"]["checked"]["derivation"] == 16 and not view["findings"]
    assert len(view["sample"]) == 5 and all("values" not in s for s in view["sample"])
    assert all(
        {"id", "collection", "categories", "sha256", "path"} <= set(s) for s in view["sample"]
    )


def test_a_file_that_cannot_be_found_is_named_to_the_reviewer_and_told_to_the_requester(
    world: World,
) -> None:
    """A recording the data map points at is gone from storage: the package still holds its
    row, the reviewer sees how many files are missing and which records they belong to (item
    ids, never paths), and the requester's overview says so in that collection (Art. 15:
    a complete copy, or an honest account of what is not there)."""
    earlier = world.c.packages.build(world.request_for(ANNA), AGENT)
    uri = next(i["uri"] for i in manifest_of(world, earlier.id)["items"] if i["kind"] == "blob")
    gone = uri.removeprefix("blob://recordings/")
    del world.estate.blobs["recordings"]._objects[gone]  # type: ignore[attr-defined]
    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    view = world.c.package_review.review(package.id, REVIEWER).as_json()
    assert view["counts"]["files"] == 4 and view["counts"]["missing_files"] == 1
    [missing] = view["missing_files"]
    assert missing["collection"] == "speaker.recordings" and missing["field"] == "audio_uri"
    items = {i["id"]: i for i in manifest_of(world, package.id)["items"]}
    assert items[missing["item"]]["kind"] == "record"
    assert gone not in str(view)

    archive = zip_bytes(world, package.id)
    page = archive.read("index.html").decode()
    assert page.count("1 file referred to by your records could not be found") == 2
    assert "1 files" not in page and "1 records" not in page


def test_contents_are_shown_only_when_asked_and_the_asking_is_audited(world: World) -> None:
    rid = world.request_for(ANNA)
    package = world.c.packages.build(rid, AGENT)
    view = world.c.package_review.review(package.id, REVIEWER, sample=30, include_content=True)
    records = [s for s in view.sample if s["kind"] == "record"]
    assert records and all(isinstance(s["values"], dict) for s in records)
    customer = next(s for s in records if s["collection"] == "accounts.customers")
    assert customer["values"]["full_name"] == "Anna Schmidt"
    [entry] = [e for e in world.c.audit.timeline(rid) if e.action == "package.reviewed"]
    assert entry.summary["with_values"] is True


def test_approval_records_the_manifest_hash_and_moves_the_request(world: World) -> None:
    rid = world.request_for(ANNA)
    package = world.c.packages.build(rid, AGENT)
    approved = world.c.package_review.approve(package.id, REVIEWER)
    assert approved.approved_manifest_sha256 == package.manifest_sha256
    assert approved.approved_by == REVIEWER.id and approved.status == "approved"
    assert world.status(rid) is Status.APPROVED
    assert world.c.package_review.assert_deliverable(package.id).id == package.id
    assert "package.approved" in world.actions(rid)


def test_only_a_reviewer_approves(world: World) -> None:
    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    with pytest.raises(PermissionDeniedError):
        world.c.package_review.approve(package.id, AGENT)


def test_sending_back_needs_a_reason_and_returns_the_request_to_collecting(world: World) -> None:
    rid = world.request_for(ANNA)
    package = world.c.packages.build(rid, AGENT)
    with pytest.raises(ConflictError):
        world.c.package_review.send_back(package.id, REVIEWER, "  ")
    world.c.package_review.send_back(package.id, REVIEWER, "contacts look incomplete")
    assert world.c.packages.get(package.id).status == "sent_back"
    assert world.status(rid) is Status.COLLECTING
    with pytest.raises(ConflictError):
        world.c.package_review.approve(package.id, REVIEWER)


def test_an_unapproved_package_is_not_deliverable(world: World) -> None:
    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    with pytest.raises(NotDeliverableError, match="not approved"):
        world.c.package_review.assert_deliverable(package.id)


def test_a_package_changed_after_approval_is_not_deliverable(world: World) -> None:
    """Someone with the data key swaps in a re-encrypted ZIP with another manifest."""
    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    world.c.package_review.approve(package.id, REVIEWER)
    with world.c.packages.open_plaintext(package) as reader:
        original = zipfile.ZipFile(io.BytesIO(reader.read()))
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as out:
        for name in original.namelist():
            data = original.read(name)
            out.writestr(
                name,
                data.replace(b'"items": 21', b'"items": 20') if name == "manifest.json" else data,
            )
    with world.c.package_objects.writer(package.object_name) as raw:
        sink = EncryptingWriter(raw, world.c.packages.data_key(package), package.chunk_size)
        sink.write(forged.getvalue())
        sink.close()
    with world.c.store.transaction() as session:  # and who can write storage may edit the row
        session.execute(
            update(PackageRow).where(PackageRow.id == package.id).values(stored_size=sink.stored)
        )
    with pytest.raises(NotDeliverableError, match="differs from what was approved"):
        world.c.package_review.assert_deliverable(package.id)


def test_a_corrupted_stored_package_is_not_deliverable(world: World) -> None:
    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    world.c.package_review.approve(package.id, REVIEWER)
    path = world.c.settings.data_dir / "packages" / package.object_name
    raw = bytearray(path.read_bytes())
    raw[-40] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(NotDeliverableError, match="intact"):
        world.c.package_review.assert_deliverable(package.id)


def test_a_gate_verdict_for_another_manifest_does_not_count(world: World) -> None:
    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    with world.c.store.transaction() as session:
        session.execute(
            update(GateRunRow)
            .where(GateRunRow.package_id == package.id)
            .values(manifest_sha256="0" * 64)
        )
    with pytest.raises(NotDeliverableError, match="another manifest"):
        world.c.package_review.approve(package.id, REVIEWER)


# --- the same through the HTTP API, on SQLite and PostgreSQL ------------------------------------


@pytest.fixture
def api(store_world: World) -> Iterator[tuple[World, TestClient, dict[str, dict[str, str]]]]:
    keys = {}
    with store_world.c.store.transaction() as session:
        for role in ("agent", "reviewer"):
            secret = held_key(session, store_world.clock, role, role, f"{role}-1").secret
            keys[role] = {"X-API-Key": secret}
    with TestClient(create_app(store_world.c), raise_server_exceptions=False) as client:
        yield store_world, client, keys


def test_build_review_and_approve_over_http(
    api: tuple[World, TestClient, dict[str, dict[str, str]]],
) -> None:
    world, client, keys = api
    rid = world.request_for(ANNA)
    built = client.post(f"/api/v1/requests/{rid}/packages", headers=keys["agent"])
    assert built.status_code == 201 and built.json()["status"] == "ready"
    pid = built.json()["id"]
    assert client.get(f"/api/v1/packages/{pid}", headers=keys["agent"]).status_code == 403
    view = client.get(f"/api/v1/packages/{pid}?sample=3", headers=keys["reviewer"]).json()
    assert view["gate"]["passed"] and len(view["sample"]) == 3
    approved = client.post(f"/api/v1/packages/{pid}/approve", headers=keys["reviewer"])
    assert approved.status_code == 200
    assert approved.json()["approved_manifest_sha256"] == view["manifest_sha256"]
    listed = client.get(f"/api/v1/requests/{rid}/packages", headers=keys["agent"]).json()
    assert [p["status"] for p in listed] == ["approved"]


def test_a_blocked_package_over_http_shows_its_findings_and_cannot_be_approved(
    api: tuple[World, TestClient, dict[str, dict[str, str]]],
) -> None:
    world, client, keys = api
    rid = world.request_for(DORA)
    package = world.packages_with(DropsValidityWindows()).build(rid, AGENT)
    view = client.get(f"/api/v1/packages/{package.id}", headers=keys["reviewer"]).json()
    assert view["status"] == "blocked" and view["gate"]["incident_id"]
    assert {f["check"] for f in view["findings"]} == {"derivation"}
    refused = client.post(f"/api/v1/packages/{package.id}/approve", headers=keys["reviewer"])
    assert refused.status_code == 409


def test_staff_attach_and_approve_over_http(
    api: tuple[World, TestClient, dict[str, dict[str, str]]],
) -> None:
    world, client, keys = api
    rid = world.request_for(ANNA)
    made = client.post(
        f"/api/v1/requests/{rid}/attachments", headers=keys["agent"], files=NOTE, data=NOTE_FORM
    )
    assert made.status_code == 201 and made.json()["state"] == "pending"
    aid = made.json()["id"]
    ok = client.post(f"/api/v1/attachments/{aid}/approve", headers=keys["reviewer"], json={})
    assert ok.status_code == 200 and ok.json()["state"] == "approved"
    bound = client.post(
        f"/api/v1/requests/{rid}/attachments/bound",
        headers=keys["agent"],
        json={"collection": "shop.orders", "key": [1]},
    )
    assert bound.status_code == 201
    built = client.post(f"/api/v1/requests/{rid}/packages", headers=keys["agent"]).json()
    assert built["status"] == "ready" and built["attachments"] == 1


def test_an_attachment_uploaded_with_a_key_without_a_holder_waits_for_its_holder_over_http(
    api: tuple[World, TestClient, dict[str, dict[str, str]]],
) -> None:
    """Two keys Alice got before holders were required ("alice laptop", "alice desktop") were
    two people: she approved her own upload. Now a 403 says how to name the holder."""
    world, client, keys = api
    with world.c.store.transaction() as session:
        laptop, desktop = (
            staff.issue_key(session, world.clock, name=f"alice {device}", role="reviewer")
            for device in ("laptop", "desktop")
        )
    rid = world.request_for(ANNA)
    made = client.post(f"/api/v1/requests/{rid}/attachments", files=NOTE, data=NOTE_FORM,
                       headers={"X-API-Key": laptop.secret})  # fmt: skip
    assert made.status_code == 201  # what needs no second person still works
    url = f"/api/v1/attachments/{made.json()['id']}/approve"
    for approver in ({"X-API-Key": desktop.secret}, keys["reviewer"]):
        refused = client.post(url, headers=approver, json={})
        assert refused.status_code == 403
        assert refused.json()["detail"] == (
            f"approving an attachment needs two people, and the key {laptop.id} names no "
            f"holder: name it with `rightful staff name-holder {laptop.id} --holder NAME`, or "
            "re-issue it with --holder"
        )


def test_review_over_http_samples_by_the_setting_and_names_a_request_ids_packages(
    api: tuple[World, TestClient, dict[str, dict[str, str]]],
) -> None:
    world, client, keys = api
    rid = world.request_for(ANNA)
    package = world.c.packages.build(rid, AGENT)
    world.c.packages.config = replace(world.c.packages.config, review_sample=4)  # type: ignore[misc]
    view = client.get(f"/api/v1/packages/{package.id}", headers=keys["reviewer"]).json()
    assert len(view["sample"]) == 4
    wrong = client.get(f"/api/v1/packages/{rid}", headers=keys["reviewer"])
    assert wrong.status_code == 404 and f"its packages, newest first: {package.id}" in wrong.text


def test_a_row_is_left_out_over_http_and_the_next_build_leaves_it_out(
    api: tuple[World, TestClient, dict[str, dict[str, str]]],
) -> None:
    """REQUIREMENTS.md:20 (Art. 15(4)), on SQLite and PostgreSQL."""
    world, client, keys = api
    rid = world.request_for(ANNA)
    pid = client.post(f"/api/v1/requests/{rid}/packages", headers=keys["agent"]).json()["id"]
    key = next(str(i["key"][0]) for i in manifest_of(world, pid)["items"]
               if i["kind"] == "record" and i["collection"] == "speaker.recordings")  # fmt: skip
    body = {"collection": "speaker.recordings", "key": [key],
            "reason": "A guest's voice is on this recording, not Anna's."}  # fmt: skip
    path = f"/api/v1/packages/{pid}/left-out"
    assert client.post(path, json=body, headers=keys["agent"]).status_code == 403
    wrong = client.post(path, json={**body, "field": "nothing"}, headers=keys["reviewer"])
    assert wrong.status_code == 422 and "not a field" in wrong.json()["detail"]
    made = client.post(path, json=body, headers=keys["reviewer"])
    assert made.status_code == 201, made.text
    listed = client.get(f"/api/v1/requests/{rid}/left-out", headers=keys["agent"]).json()
    assert [e["id"] for e in listed] == [made.json()["id"]]
    again = client.post(f"/api/v1/requests/{rid}/packages", headers=keys["agent"]).json()
    assert again["status"] == "ready" and again["files"] == world.c.packages.get(pid).blob_count - 1
    back = client.delete(f"/api/v1/left-out/{made.json()['id']}", headers=keys["reviewer"])
    assert back.status_code == 200 and back.json()["removed_at"] is not None
