"""Leaving out only what would harm others (REQUIREMENTS.md:20, Art. 15(4)): a reviewer leaves
out one row, or one field of a row, with a reason; the next build leaves out exactly that, tells
the person how much was left out and why, and the gate still proves every item that stays."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError, InvalidInputError, NotFoundError
from rightful.domain.exclusions import exclusion
from rightful.domain.lifecycle import Status
from rightful.domain.packages import PackageStatus
from rightful.services.package_verify import verify_package

from .world import AGENT, DATAMAP, REVIEWER, World, manifest_of, zip_bytes

ANNA = 1
WHY = "The contact's name and number belong to the caller's friend, not to Anna."


def records(world: World, package_id: str, collection: str) -> list[dict[str, Any]]:
    return [i for i in manifest_of(world, package_id)["items"]
            if i["kind"] == "record" and i["collection"] == collection]  # fmt: skip


def test_a_row_left_out_is_not_in_the_next_build_which_says_how_much_was_left_out(
    world: World,
) -> None:
    rid = world.request_for(ANNA)
    first = world.c.packages.build(rid, AGENT)
    recordings = records(world, first.id, "speaker.recordings")
    key = [str(k) for k in recordings[0]["key"]]
    wanted = exclusion("speaker.recordings", key, None, WHY, DATAMAP)
    with pytest.raises(NotFoundError, match="holds no row"):
        world.c.exclusions.leave_out(first.id, exclusion("speaker.recordings", ["999999"], None,
                                                         WHY, DATAMAP), REVIEWER)  # fmt: skip
    row = world.c.exclusions.leave_out(first.id, wanted, REVIEWER)
    assert world.c.packages.get(first.id).status == PackageStatus.SENT_BACK
    with pytest.raises(ConflictError, match=f"left out already \\(exclusion {row.id}\\)"):
        world.c.exclusions.leave_out(first.id, wanted, REVIEWER)
    with pytest.raises(NotFoundError, match="no request nope"):
        world.c.exclusions.of("nope")
    assert world.status(rid) == Status.COLLECTING

    second = world.c.packages.build(rid, AGENT)
    assert second.status == PackageStatus.READY, "the gate passes what stays"
    kept = records(world, second.id, "speaker.recordings")
    assert len(kept) == len(recordings) - 1 and key not in [
        [str(k) for k in i["key"]] for i in kept
    ]
    assert second.blob_count == first.blob_count - 1, "its recording is left out with it"
    manifest = manifest_of(world, second.id)
    assert manifest["left_out"] == [{"collection": "speaker.recordings", "rows": 1, "fields": 0,
                                     "reason": "art_15_4"}]  # fmt: skip
    index = zip_bytes(world, second.id).read("index.html").decode()
    assert "Left out to protect other people" in index and "1 entry and 0 single values" in index
    entry = next(e for e in world.c.audit.timeline(rid) if e.action == "package.item_left_out")
    assert set(entry.summary) == {
        "exclusion_id",
        "package_id",
        "collection",
        "field",
        "key_sha256",
        "reason_sha256",
    }, "the key only as a digest"
    world.c.package_review.approve(second.id, REVIEWER)
    assert row.id in [r.id for r in world.c.exclusions.of(rid)]


@pytest.mark.parametrize(
    ("law", "cited"),
    [
        (Jurisdiction.GDPR, " (GDPR Art. 15(4))"),
        (Jurisdiction.UK_GDPR, " (UK GDPR Art. 15(4))"),
        (Jurisdiction.CCPA, ""),
    ],
)
def test_the_page_marks_others_data_and_what_was_left_out_under_the_requests_law(
    world: World, law: Jurisdiction, cited: str
) -> None:
    """REQUIREMENTS.md:20: third-party data is marked and only the affected parts are
    withheld; the page says so citing the request's law (a Californian's answer cites no GDPR)."""
    rid = world.request_for(ANNA, jurisdiction=law)
    first = world.c.packages.build(rid, AGENT)
    contact = records(world, first.id, "accounts.contacts")[0]
    key = [str(k) for k in contact["key"]]
    world.c.exclusions.leave_out(
        first.id, exclusion("accounts.contacts", key, "contact_phone", WHY, DATAMAP), REVIEWER
    )
    second = world.c.packages.build(rid, AGENT)
    index = zip_bytes(world, second.id).read("index.html").decode().replace("&#39;", "'")
    assert "contact_name, contact_phone" in index, "the third-party fields are named"
    assert f"please respect those people's privacy{cited}." in index
    assert f"we left out only those parts and sent you the rest{cited}:" in index
    if law == Jurisdiction.CCPA:
        assert "GDPR" not in index


def test_a_field_left_out_is_empty_in_the_package_and_the_gate_checks_the_rest(
    world: World, tmp_path: Path
) -> None:
    rid = world.request_for(ANNA)
    first = world.c.packages.build(rid, AGENT)
    contact = records(world, first.id, "accounts.contacts")[0]
    key = [str(k) for k in contact["key"]]
    with pytest.raises(InvalidInputError, match="key field cannot be left out"):
        exclusion("accounts.contacts", key, "contact_id", WHY, DATAMAP)
    wanted = exclusion("accounts.contacts", key, "contact_phone", WHY, DATAMAP)
    world.c.exclusions.leave_out(first.id, wanted, REVIEWER)
    second = world.c.packages.build(rid, AGENT)
    assert second.status == PackageStatus.READY, "the content hash leaves the field out"
    [item] = [i for i in records(world, second.id, "accounts.contacts")
              if [str(k) for k in i["key"]] == key]  # fmt: skip
    assert item["left_out"] == ["contact_phone"]
    rows = json.loads(zip_bytes(world, second.id).read(item["path"]))["records"]
    assert rows[item["row"]]["contact_phone"] is None
    assert rows[item["row"]]["contact_name"] is not None
    exported = world.export(second.id, tmp_path / "package.zip")
    assert verify_package(exported).ok, "offline, the emptied field verifies as packaged"


def test_an_exclusion_made_after_a_build_blocks_its_approval_until_it_is_built_again(
    world: World,
) -> None:
    rid = world.request_for(ANNA)
    first = world.c.packages.build(rid, AGENT)
    key = [str(k) for k in records(world, first.id, "speaker.recordings")[0]["key"]]
    made = world.c.exclusions.leave_out(
        first.id, exclusion("speaker.recordings", key, None, WHY, DATAMAP), REVIEWER
    )
    second = world.c.packages.build(rid, AGENT)
    world.c.exclusions.take_back(made.id, REVIEWER)
    assert world.c.packages.get(second.id).status == PackageStatus.SENT_BACK
    with pytest.raises(ConflictError, match="taken back already"):
        world.c.exclusions.take_back(made.id, REVIEWER)
    third = world.c.packages.build(rid, AGENT)
    assert len(records(world, third.id, "speaker.recordings")) == len(
        records(world, first.id, "speaker.recordings")
    )
    assert "left_out" not in json.dumps(manifest_of(world, third.id)["items"])
    with pytest.raises(ConflictError, match="in review"):
        world.c.exclusions.leave_out(
            first.id, exclusion("speaker.recordings", key, None, WHY, DATAMAP), REVIEWER
        )
