"""The leak gate against collectors broken on purpose: every package with a foreign item is
blocked, names the offending items, opens a near-miss and is audited; the correct collector's
package for the same person passes (REQUIREMENTS.md: The access response; Breaches, 33(5))."""

from __future__ import annotations

from typing import Any

import pytest

from rightful.adapters.db.incidents import IncidentRow
from rightful.demo import expected_records
from rightful.domain.gate import Check
from rightful.domain.lifecycle import Status
from rightful.services.gate import findings_of, latest_run
from rightful.services.incidents import incidents_of
from rightful.services.package_review import NotDeliverableError

from .corrupt import (
    ChangesAValue,
    DropsValidityWindows,
    FollowsReferenceBackwards,
    IgnoresVerificationLevel,
    InjectsRecord,
    JoinsOnName,
)
from .world import AGENT, REVIEWER, World, packaged_records

ANNA, BEN, CARL, DORA = 1, 2, 4, 5

CASES = [
    pytest.param(DORA, DropsValidityWindows(), True, {Check.DERIVATION}, id="drops-windows"),
    pytest.param(CARL, DropsValidityWindows(), True, {Check.DERIVATION}, id="drops-windows-2"),
    pytest.param(
        ANNA, JoinsOnName(), True, {Check.DERIVATION, Check.FOREIGN_IDENTIFIER}, id="joins-on-name"
    ),
    pytest.param(
        DORA,
        FollowsReferenceBackwards(),
        True,
        {Check.DERIVATION, Check.FOREIGN_IDENTIFIER},
        id="reference-backwards",
    ),
    pytest.param(
        BEN,
        InjectsRecord("speaker.recordings", 10),
        True,
        {Check.DERIVATION, Check.FOREIGN_IDENTIFIER, Check.FOOTPRINT},
        id="injects-a-stranger's-recording",
    ),
    pytest.param(
        ANNA,
        InjectsRecord("shop.orders", 3),
        True,
        {Check.DERIVATION, Check.FOREIGN_IDENTIFIER},
        id="injects-a-partner's-order",
    ),
    pytest.param(
        ANNA,
        ChangesAValue("speaker.recordings", "transcript", "edited"),
        True,
        {Check.DERIVATION},
        id="changes-a-value",
    ),
    pytest.param(
        ANNA, IgnoresVerificationLevel(), False, {Check.ASSURANCE}, id="ignores-verification-level"
    ),
]


def gate_findings(world: World, package_id: str) -> list[Any]:
    with world.c.store.transaction() as session:
        run = latest_run(session, package_id)
        assert run is not None
        return findings_of(session, run.id)


@pytest.mark.parametrize(("customer", "collector", "high", "checks"), CASES)
def test_a_corrupted_collectors_package_is_blocked_and_a_near_miss_opened(
    world: World, customer: int, collector: Any, high: bool, checks: set[Check]
) -> None:
    rid = world.request_for(customer, high=high)
    package = world.packages_with(collector).build(rid, AGENT)

    assert package.status == "blocked"
    assert world.status(rid) is Status.COLLECTING, "nothing moves on to review"
    findings = gate_findings(world, package.id)
    assert {Check(f.check) for f in findings} == checks
    with world.c.store.transaction() as session:
        [incident] = incidents_of(session, rid)
        assert (incident.kind, incident.source, incident.package_id) == (
            "near_miss",
            "gate",
            package.id,
        )
        assert set(incident.affected_items) == {f.item_id for f in findings}
        assert incident.aware_at == incident.opened_at == world.clock.now()
    actions = world.actions(rid)
    assert "package.gate_blocked" in actions and "incident.opened" in actions
    assert "package.gate_passed" not in actions


@pytest.mark.parametrize(("customer", "collector", "high", "checks"), CASES)
def test_every_foreign_item_is_named_by_the_gate(
    world: World, customer: int, collector: Any, high: bool, checks: set[Check]
) -> None:
    """Whatever the corruption added, each record that is not the customer's is an offender."""
    rid = world.request_for(customer, high=high)
    package = world.packages_with(collector).build(rid, AGENT)
    assert world.estate.demo is not None
    foreign = packaged_records(world, package.id) - expected_records(world.estate.demo, customer)
    named = {(f.collection, tuple(f.item_key)) for f in gate_findings(world, package.id)}
    assert foreign <= named
    adds_foreign = Check.ASSURANCE not in checks and not isinstance(collector, ChangesAValue)
    assert bool(foreign) == adds_foreign


@pytest.mark.parametrize(("customer", "collector", "high", "checks"), CASES)
def test_a_blocked_package_can_never_be_approved_or_delivered(
    world: World, customer: int, collector: Any, high: bool, checks: set[Check]
) -> None:
    rid = world.request_for(customer, high=high)
    package = world.packages_with(collector).build(rid, AGENT)
    with pytest.raises(Exception, match="cannot become approved"):
        world.c.package_review.approve(package.id, REVIEWER)
    with pytest.raises(NotDeliverableError):
        world.c.package_review.assert_deliverable(package.id)


@pytest.mark.parametrize("customer", [ANNA, BEN, CARL, DORA])
def test_after_a_block_the_correct_collector_passes_for_the_same_request(
    world: World, customer: int
) -> None:
    rid = world.request_for(customer)
    blocked = world.packages_with(InjectsRecord("shop.orders", 3)).build(rid, AGENT)
    if customer == BEN:  # order 3 is Ben's own: nothing foreign to find, no false alarm
        assert blocked.status == "ready"
        return
    assert blocked.status == "blocked"
    fixed = world.c.packages.build(rid, AGENT)
    assert fixed.status == "ready" and world.status(rid) is Status.IN_REVIEW
    assert world.c.packages.get(blocked.id).status == "superseded"


def test_the_incident_record_holds_ids_and_counts_not_contents(world: World) -> None:
    rid = world.request_for(DORA)
    package = world.packages_with(DropsValidityWindows()).build(rid, AGENT)
    with world.c.store.transaction() as session:
        incident = session.query(IncidentRow).filter_by(package_id=package.id).one()
        text = f"{incident.description} {incident.affected_items} {incident.reporter}"
    assert "Hello" not in text and "@" not in text and "derivation" in incident.description
    assert all(i.startswith("i") and len(i) == 8 for i in incident.affected_items)
