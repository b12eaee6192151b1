"""CCPA: a request to know never receives the consumer's government ID, financial account or
medical ID numbers, passwords or biometric templates themselves, but is told which such
information the business holds (REQUIREMENTS.md:15; Cal. Code Regs. tit. 11, §7024(d))."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.packages import PackageStatus
from rightful.services.gate import findings_of, latest_run
from rightful.services.package_build import PackageBuilder
from rightful.services.package_verify import verify_package

from .world import AGENT, World, make_world, manifest_of, zip_bytes

ANNA = 1
# The demo map has no ID numbers; the setting names the categories to hold back, so phone
# numbers stand in for them here (customers.phone and contacts.contact_phone).
PHONES = ["user.contact.phone_number"]


def rows_of(world: World, package_id: str, collection: str) -> list[dict[str, Any]]:
    items = [i for i in manifest_of(world, package_id)["items"]
             if i["kind"] == "record" and i["collection"] == collection]  # fmt: skip
    records = json.loads(zip_bytes(world, package_id).read(items[0]["path"]))["records"]
    return [records[i["row"]] for i in items]


def phone_world(tmp_path: Path) -> World:
    from rightful.demo.story import hearthly

    return make_world(
        f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly(),
        ccpa_never_disclosed_categories=PHONES,
    )  # fmt: skip


def test_a_ccpa_package_leaves_those_values_empty_and_names_what_it_holds(
    tmp_path: Path,
) -> None:
    world = phone_world(tmp_path)
    rid = world.request_for(ANNA, jurisdiction=Jurisdiction.CCPA)
    package = world.c.packages.build(rid, AGENT)
    assert package.status == PackageStatus.READY, "the gate checks the rows with them empty"
    [customer] = rows_of(world, package.id, "accounts.customers")
    assert customer["phone"] is None and customer["email"] is not None
    contacts = rows_of(world, package.id, "accounts.contacts")
    assert contacts and all(c["contact_phone"] is None for c in contacts)
    assert all(c["contact_name"] is not None for c in contacts)

    manifest = manifest_of(world, package.id)
    assert manifest["undisclosed"] == [
        {"collection": "accounts.contacts", "field": "contact_phone",
         "categories": PHONES, "rows": len(contacts), "reason": "ccpa_7024_d"},
        {"collection": "accounts.customers", "field": "phone", "categories": PHONES, "rows": 1,
         "reason": "ccpa_7024_d"},
    ]  # fmt: skip
    assert manifest["left_out"] == [], "not counted as left out for others (Art. 15(4))"
    index = zip_bytes(world, package.id).read("index.html").decode()
    assert "Held, but not sent (California law)" in index and "§7024(d)" in index
    assert "field phone: Phone number" in index
    assert verify_package(world.export(package.id, tmp_path / "p.zip")).ok


def test_a_gdpr_package_of_the_same_person_holds_the_values(tmp_path: Path) -> None:
    world = phone_world(tmp_path)
    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    [customer] = rows_of(world, package.id, "accounts.customers")
    assert customer["phone"] is not None
    assert manifest_of(world, package.id)["undisclosed"] == []
    assert "California" not in zip_bytes(world, package.id).read("index.html").decode()


def test_by_default_only_the_kinds_the_regulation_names_are_held_back(world: World) -> None:
    """The demo's voice recordings are user.biometric.voice: recordings, not the biometric
    templates §7024(d) names, so a Californian receives them."""
    rid = world.request_for(ANNA, jurisdiction=Jurisdiction.CCPA)
    package = world.c.packages.build(rid, AGENT)
    assert package.status == PackageStatus.READY and package.blob_count > 0
    assert manifest_of(world, package.id)["undisclosed"] == []
    [customer] = rows_of(world, package.id, "accounts.customers")
    assert customer["phone"] is not None


def test_the_gate_blocks_a_ccpa_package_whose_builder_sent_those_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate works out for itself what §7024(d) keeps back: a builder that empties only what
    reviewers left out (and hashes the rows it sent) does not get the phone numbers through."""
    world = phone_world(tmp_path)

    def reviewers_only(self: PackageBuilder, record: Any, *, count: bool = False) -> frozenset[str]:
        return frozenset(self._exclusions.fields_left_out(record.collection, record.key))

    monkeypatch.setattr(PackageBuilder, "_left_out", reviewers_only)
    package = world.c.packages.build(world.request_for(ANNA, jurisdiction=Jurisdiction.CCPA), AGENT)

    assert package.status == PackageStatus.BLOCKED
    with world.c.store.transaction() as session:
        run = latest_run(session, package.id)
        assert run is not None
        findings = findings_of(session, run.id)
    assert {(f.check, f.collection) for f in findings} == {
        ("never_disclosed", "accounts.customers"), ("never_disclosed", "accounts.contacts"),
    }  # fmt: skip
    assert run.failures == {"never_disclosed": len(findings)}
    # The same corrupted builder is right for a GDPR request: nothing is held back there.
    assert world.c.packages.build(world.request_for(ANNA), AGENT).status == PackageStatus.READY
