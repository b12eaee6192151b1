"""Ground truth: each demo customer gets exactly their data, on SQLite, PostgreSQL and MariaDB.

The expected set comes from the estate generator, which records whose data each row is when it
writes it; the collector only ever sees the databases and the data map (issue 3 item 7).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.adapters.sources import opened_sources
from rightful.demo import DemoEstate, expected_records, load_demo_sql, seed_demo
from rightful.demo.schema import columns_of
from rightful.domain.clock import FixedClock
from rightful.domain.errors import ConflictError
from rightful.domain.identities import Identity, IdentityType, normalise
from rightful.domain.provenance import IDENTITY_PREFIX, CollectedRecord, SubjectKey
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.sources import RecordSource
from rightful.services.collection import collect, resolve_subjects
from rightful.services.collection_plan import CompiledPlan, compile_plan

NOW = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
ANNA, BEN, OTHER_ANNA, CARL, DORA, EVE, GRETA, HUGO = range(1, 9)


@dataclass
class Estate:
    demo: DemoEstate
    plan: CompiledPlan
    sources: dict[str, RecordSource]

    def subjects(self, *identities: Identity) -> list[Any]:
        return [k.value for k in resolve_subjects(self.plan, self.sources, identities, clock=NOW)]

    def collect(self, customer: int, *identities: Identity, **kw: Any) -> list[CollectedRecord]:
        key = SubjectKey("accounts.customers", customer)
        return list(collect(self.plan, self.sources, identities, key, clock=NOW, **kw))

    def collected(self, customer: int) -> set[tuple[str, tuple[Any, ...]]]:
        email = normalise(IdentityType.EMAIL, self.demo.customer(customer).email)
        return {(r.collection, r.key) for r in self.collect(customer, email)}


def _database(request: pytest.FixtureRequest, tmp: Path) -> DemoEstate:
    if request.param == "sqlite":
        return seed_demo(tmp)
    name = "pg_module_url" if request.param == "postgresql" else "mysql_module_url"
    return load_demo_sql(request.getfixturevalue(name))


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ],
)
def estate(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Estate]:
    """The Hearthly estate in one database kind, its sources opened once for the module."""
    demo = _database(request, tmp_path_factory.mktemp(request.param))
    datamap = load_datamap(demo.datamap_files)
    schemas = {name: datamap.schema_of(name) for name in datamap.sources}
    with opened_sources(demo.dsns, schemas) as opened:
        yield Estate(demo, compile_plan(datamap), opened.records)


@pytest.mark.parametrize("customer", range(1, 9))
def test_each_customer_gets_exactly_their_own_records(estate: Estate, customer: int) -> None:
    """No foreign record, no missing record (REQUIREMENTS: the access response; issue 3 item 7)."""
    assert estate.subjects(normalise("email", estate.demo.customer(customer).email)) == [customer]
    assert estate.collected(customer) == expected_records(estate.demo, customer)


def test_rows_that_belong_to_nobody_are_collected_for_nobody(estate: Estate) -> None:
    everything = set().union(*(estate.collected(c.customer_id) for c in estate.demo.customers))
    orphans = {(r.collection, r.key) for r in estate.demo.rows if not r.owners}
    assert orphans, "the estate must hold rows that are nobody's"
    assert not everything & orphans


def test_the_resold_speaker_splits_its_recordings_by_ownership_period(estate: Estate) -> None:
    """Before resale: Carl; after: Dora; between owners: nobody (the motivating incident)."""
    carl, dora = estate.collected(CARL), estate.collected(DORA)
    recordings = {
        r.key: r.owners
        for r in estate.demo.rows
        if r.table == "recordings" and r.values[1] == "D-1003"
    }
    carls = {k for k, owners in recordings.items() if owners == {CARL}}
    doras = {k for k, owners in recordings.items() if owners == {DORA}}
    assert len(carls) == 4
    assert len(doras) == 3
    assert {k for c, k in carl if c == "speaker.recordings"} == carls
    assert {k for c, k in dora if c == "speaker.recordings"} == doras
    assert ("speaker.devices", ("D-1003",)) in carl & dora


def test_the_partner_gets_none_of_the_owners_recordings(estate: Estate) -> None:
    ben = estate.collected(BEN)
    assert not any(c.startswith("speaker.") for c, _ in ben)
    assert ("accounts.household_members", (1,)) not in ben
    assert ("accounts.household_members", (1,)) in estate.collected(ANNA)


def test_two_customers_with_the_same_name_stay_apart(estate: Estate) -> None:
    assert estate.demo.customer(ANNA).full_name == estate.demo.customer(OTHER_ANNA).full_name
    assert not estate.collected(ANNA) & estate.collected(OTHER_ANNA)


def test_case_and_space_variants_of_an_address_are_found(estate: Estate) -> None:
    """Hugo typed '  HUGO@Example.com ' in a ticket and ' hugo@EXAMPLE.com' in the newsletter."""
    hugo = estate.collected(HUGO)
    assert {c for c, _ in hugo} >= {"shop.support_tickets", "shop.newsletter"}
    assert estate.subjects(normalise("email", "  Hugo@EXAMPLE.com")) == [HUGO]


def test_a_recycled_address_leads_only_to_its_current_holder(estate: Estate) -> None:
    """Carl's old address now belongs to Dora: proving it proves nothing about Carl."""
    assert estate.subjects(normalise("email", "carl.old@mailbox.example")) == [DORA]
    with pytest.raises(ConflictError):
        estate.collect(CARL, normalise("email", "carl.old@mailbox.example"))
    carl_tickets = {k for c, k in estate.collected(CARL) if c == "shop.support_tickets"}
    dora_tickets = {k for c, k in estate.collected(DORA) if c == "shop.support_tickets"}
    assert len(carl_tickets) == 1
    assert len(dora_tickets) == 1
    assert carl_tickets != dora_tickets


@pytest.mark.parametrize(
    "value", ["%_%@example.com", "%@example.com", "_@example.com", "*@example.com"]
)
def test_wildcard_addresses_match_only_themselves(estate: Estate, value: str) -> None:
    expected = [EVE] if value == "%_%@example.com" else []
    assert estate.subjects(normalise("email", value)) == expected


def test_a_look_alike_address_is_another_person(estate: Estate) -> None:
    greta = normalise("email", "\u0430nna.schmidt@example.com")
    assert estate.subjects(greta) == [GRETA]
    assert estate.subjects(normalise("email", "anna.schmidt@example.com")) == [ANNA]
    assert not estate.collected(GRETA) & estate.collected(ANNA)


def test_phone_customer_id_and_device_serial_identities_resolve(estate: Estate) -> None:
    assert estate.subjects(normalise("phone", "0151 23456789")) == [ANNA]
    assert estate.subjects(normalise("customer_id", "4")) == [CARL]
    assert estate.subjects(normalise("customer_id", "' OR 1=1 --")) == []
    assert estate.subjects(normalise("device_serial", "D-1003")) == [DORA]
    assert estate.subjects(normalise("device_serial", "D-1005")) == []


def test_every_record_shows_its_chain_from_a_verified_identity(estate: Estate) -> None:
    """Provenance: each record names the links crossed and the windows checked (issue 3 item 5)."""
    email = normalise("email", estate.demo.customer(CARL).email)
    for record in estate.collect(CARL, email):
        assert record.subject == SubjectKey("accounts.customers", CARL)
        assert record.chain[0].from_collection == IDENTITY_PREFIX + "email"
        assert record.chain[0].value == email
        assert record.chain[-1].to_collection == record.collection
        for before, after in zip(record.chain, record.chain[1:], strict=False):
            assert before.to_collection == after.from_collection
        for link in record.chain:
            if link.window is not None:
                start, end, at = link.window
                assert start <= at
                assert end is None or at < end
        if record.collection == "speaker.recordings":
            assert record.chain[-1].window is not None
            assert record.blob_uri == record.as_dict()["audio_uri"]


def test_records_carry_the_stored_values(estate: Estate) -> None:
    rows = {(r.collection, r.key): r for r in estate.demo.rows}
    for record in estate.collect(ANNA, normalise("email", "anna.schmidt@example.com")):
        truth = rows[(record.collection, record.key)]
        stored = record.as_dict()
        for column, expected in zip(columns_of(truth.table), truth.values, strict=True):
            if not isinstance(expected, datetime):
                assert stored[column] == expected


def test_high_sensitivity_collections_wait_for_step_up(estate: Estate) -> None:
    """Voice recordings need a higher assurance level; the run says what it left out."""
    email = normalise("email", estate.demo.customer(ANNA).email)
    run = collect(
        estate.plan,
        estate.sources,
        [email],
        SubjectKey("accounts.customers", ANNA),
        clock=NOW,
        max_sensitivity=Sensitivity.STANDARD,
    )
    got = {(r.collection, r.key) for r in run}
    expected = {e for e in expected_records(estate.demo, ANNA) if e[0] != "speaker.recordings"}
    assert got == expected
    assert [w.collection for w in run.withheld] == ["speaker.recordings"]
    assert run.finished
    assert run.counts["speaker.device_ownership"] == 1


def test_identities_of_another_subject_cannot_open_a_collection(estate: Estate) -> None:
    with pytest.raises(ConflictError):
        estate.collect(ANNA, normalise("email", estate.demo.customer(OTHER_ANNA).email))
