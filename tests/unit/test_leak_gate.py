"""The leak gate's checks, one by one, on the Hearthly estate held in memory.

REQUIREMENTS.md (access response): a copy of the data goes to the subject and nobody else;
Art. 15(4): third-party data in the subject's own records is theirs to receive, marked.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.adapters.sources.memory import MemorySource
from rightful.demo.estate import DATAMAP_FILES, DemoEstate, EstateBuilder
from rightful.demo.schema import TABLES, columns_of
from rightful.demo.story import hearthly
from rightful.domain.datamap import DataMap, FieldAddress, Reference
from rightful.domain.datamap_graph import plan_traversal
from rightful.domain.gate import Check, GateItem, LeakGate, identity_fields, product_of
from rightful.domain.identities import IdentityType
from rightful.domain.packages import ItemKind, row_object, row_sha256
from rightful.domain.provenance import SubjectKey
from rightful.domain.sensitivity import Sensitivity

DATAMAP = load_datamap(DATAMAP_FILES)
ANNA, BEN, ANNA_2, CARL, DORA, HUGO = 1, 2, 3, 4, 5, 8
CUSTOMERS = "accounts.customers"


def sources_of(estate: DemoEstate) -> dict[str, MemorySource]:
    tables = estate.tables()
    return {
        ds: MemorySource(ds, {t: (columns_of(t), tables.get(t, [])) for t in names})
        for ds, names in TABLES.items()
    }


ESTATE = hearthly()
SOURCES = sources_of(ESTATE)


def gate(
    subject: int,
    datamap: DataMap = DATAMAP,
    sources: Any = SOURCES,
    level: Sensitivity | None = None,
) -> LeakGate:
    return LeakGate(
        datamap, plan_traversal(datamap), sources, SubjectKey(CUSTOMERS, subject), level
    )


def row(table: str, key: Any, estate: DemoEstate = ESTATE) -> tuple[Any, ...]:
    return next(r.values for r in estate.rows if r.table == table and r.values[0] == key)


def item(
    table: str, key: Any, *, estate: DemoEstate = ESTATE, datamap: DataMap = DATAMAP, **changes: Any
) -> GateItem:
    """A gate item for a row exactly as the estate holds it (as a correct build would make it)."""
    dataset = next(d for d, names in TABLES.items() if table in names)
    address = f"{dataset}.{table}"
    values = row(table, key, estate)
    obj = row_object(tuple(columns_of(table)), values)
    idents = tuple(
        (kind, obj[name])
        for name, kind in identity_fields(datamap, address)
        if obj.get(name) is not None
    )
    blobs = tuple(
        (f.name, obj[f.name], f"b{key}")
        for f in (datamap.collection(address).blob_fields if datamap.collection(address) else ())
        if obj.get(f.name)
    )
    made = GateItem(
        f"i{table}{key}", ItemKind.RECORD, address, dataset, (key,), row_sha256(obj), blobs, idents
    )
    return dataclasses.replace(made, **changes)


def recording_of(serial: str, text: str) -> int:
    return next(
        r.values[0]
        for r in ESTATE.rows
        if r.table == "recordings" and r.values[1] == serial and r.values[4] == text
    )


def reasons(report: Any) -> set[tuple[Check, str]]:
    return {(f.check, f.reason) for f in report.findings}


def test_every_record_of_every_customer_passes_for_that_customer() -> None:
    """No false alarm: the ground truth's own rows pass every check."""
    for customer in ESTATE.customers:
        mine = [item(r.table, r.values[0]) for r in ESTATE.rows if customer.customer_id in r.owners]
        report = gate(customer.customer_id).run(mine)
        assert report.passed, (customer.customer_id, report.findings[:3])


def test_another_customers_recording_reaches_them_not_the_requester() -> None:
    anna_recording = item("recordings", recording_of("D-1001", "Hearthly, hello"))
    report = gate(ANNA_2).run([anna_recording])
    assert (Check.DERIVATION, "reaches_other_subject") in reasons(report)
    assert set(report.offending_items) == {anna_recording.id, anna_recording.blobs[0][2]}


def test_a_recording_made_between_two_owners_reaches_nobody() -> None:
    """The validity window is re-checked: the refurbisher's test belongs to no customer."""
    gap = item("recordings", recording_of("D-1003", "[refurbisher test]"))
    for customer in (CARL, DORA):
        assert (Check.DERIVATION, "reaches_no_subject") in reasons(gate(customer).run([gap]))


def test_the_previous_owners_recordings_do_not_reach_the_new_owner() -> None:
    carls = item("recordings", recording_of("D-1003", "Read my messages"))
    assert gate(CARL).run([carls]).passed
    assert (Check.DERIVATION, "reaches_other_subject") in reasons(gate(DORA).run([carls]))


def test_a_recording_that_overlapping_windows_give_to_two_owners_is_blocked() -> None:
    """A resale whose end date was entered late: Alice's ownership runs into Bob's, and Bob's
    recording in the overlap would reach both. Whose it is, a person decides; a device row,
    every owner's over time, still passes."""
    b = EstateBuilder()
    alice = b.customer("Alice Alder", "alice@example.org", datetime(2020, 1, 1, tzinfo=UTC))
    bob = b.customer("Bob Birch", "bob@example.org", datetime(2020, 1, 1, tzinfo=UTC))
    b.device("S-2")
    b.ownership("S-2", alice, datetime(2020, 1, 1, tzinfo=UTC), datetime(2022, 6, 1, tzinfo=UTC))
    b.ownership("S-2", bob, datetime(2022, 1, 1, tzinfo=UTC), None)
    rid = b.recording("S-2", datetime(2022, 3, 1, tzinfo=UTC), bob, "Play the news")
    estate = b.build()
    sources = sources_of(estate)
    recording = item("recordings", rid, estate=estate)
    for subject in (alice, bob):
        report = gate(subject, sources=sources).run([recording])
        assert (Check.DERIVATION, "reaches_another_subject_too") in reasons(report), subject
    device = item("devices", "S-2", estate=estate)
    assert gate(alice, sources=sources).run([device]).passed


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"sha256": "0" * 64}, "content_differs"),
        ({"key": (99_999,)}, "not_found_at_key"),
        ({"source": "accounts"}, "source_differs"),
        ({"collection": "accounts.nowhere"}, "not_in_data_map"),
    ],
)
def test_an_item_that_is_not_the_row_at_its_key_fails_derivation(
    changes: dict[str, Any], reason: str
) -> None:
    genuine = item(
        "orders", next(r.values[0] for r in ESTATE.rows if r.table == "orders" and ANNA in r.owners)
    )
    assert gate(ANNA).run([genuine]).passed
    assert (Check.DERIVATION, reason) in reasons(
        gate(ANNA).run([dataclasses.replace(genuine, **changes)])
    )


def test_a_blob_the_row_does_not_point_to_fails_derivation() -> None:
    rec = item("recordings", recording_of("D-1001", "Hearthly, hello"))
    swapped = dataclasses.replace(
        rec, blobs=(("audio_uri", "blob://recordings/D-1002/8.wav", "b1"),)
    )
    assert (Check.DERIVATION, "blob_differs") in reasons(gate(ANNA).run([swapped]))


def test_a_file_listed_without_its_record_is_blocked() -> None:
    orphan = GateItem("i9", ItemKind.BLOB, "speaker.recordings", "speaker", (2,))
    assert reasons(gate(ANNA).run([orphan])) == {(Check.DERIVATION, "file_without_record")}


def test_an_identifier_of_someone_else_is_foreign() -> None:
    labelled = GateItem(
        "a1",
        ItemKind.ATTACHMENT,
        "speaker.recordings",
        "manual",
        ("x",),
        identifiers=((IdentityType.EMAIL, "anna.s@example.org"),),
        derivable=False,
    )
    assert reasons(gate(ANNA).run([labelled])) == {(Check.FOREIGN_IDENTIFIER, "foreign_email")}
    assert gate(ANNA_2).run([labelled]).passed


def test_a_recycled_address_is_not_foreign_to_any_of_its_holders() -> None:
    """carl.old@ belonged to Carl, then to Dora: it resolves to both, foreign to neither."""
    g = gate(DORA)
    assert g.resolve(IdentityType.EMAIL, "carl.old@mailbox.example") == frozenset({CARL, DORA})
    assert not g.foreign_identifiers([item("support_tickets", _ticket_of(DORA))])


def test_an_identifier_nobody_holds_is_not_foreign() -> None:
    unknown = GateItem(
        "a1",
        ItemKind.ATTACHMENT,
        "speaker.recordings",
        "manual",
        ("x",),
        identifiers=((IdentityType.DEVICE_SERIAL, "D-9999"),),
        derivable=False,
    )
    assert not gate(ANNA).foreign_identifiers([unknown])


def test_an_owner_field_holding_another_customers_phone_is_caught_even_when_derivation_passes() -> (
    None
):
    """A data map that joins a contact's phone to customers' phones instead of marking it
    third-party: the row still derives to Anna (by her customer id), but its owner field holds
    Hugo's phone, so the gate blocks it."""
    b = EstateBuilder()
    anna = b.customer("Anna", "anna@x.example", datetime(2020, 1, 1, tzinfo=UTC))
    hugo = b.customer(
        "Hugo", "hugo@x.example", datetime(2020, 1, 1, tzinfo=UTC), phone="+491701234567"
    )
    b.contact(anna, "Hugo", "+491701234567")
    estate = b.build()
    careless = _with_field(
        DATAMAP,
        "accounts.contacts",
        "contact_phone",
        third_party=False,
        references=(Reference(FieldAddress("accounts", "customers", "phone")),),
    )
    # The package names no identifiers: the gate reads them from the row it fetched again.
    contact = item("contacts", 1, estate=estate, datamap=careless, identifiers=())
    report = gate(anna, careless, sources_of(estate)).run([contact])
    assert reasons(report) == {(Check.FOREIGN_IDENTIFIER, "foreign_phone")}
    assert hugo != anna
    marked = item("contacts", 1, estate=estate)
    assert gate(anna, DATAMAP, sources_of(estate)).run([marked]).passed, (
        "marked third-party (Art. 15(4)), the same row is Anna's to receive"
    )


def test_data_from_a_product_the_subject_never_had_fails_the_footprint() -> None:
    """Ben owns no speaker: nothing from the device cloud can be his (the motivating case)."""
    recording = GateItem(
        "a1", ItemKind.ATTACHMENT, "speaker.recordings", "manual", ("x",), derivable=False
    )
    ben = gate(BEN)
    assert not ben.has_anchor("speaker.device_ownership") and ben.has_anchor(CUSTOMERS)
    assert reasons(ben.run([recording])) == {
        (Check.FOOTPRINT, "no_footprint_in_speaker.device_ownership")
    }
    assert gate(ANNA).run([recording]).passed


def test_items_above_the_verified_level_are_blocked() -> None:
    rec = item("recordings", recording_of("D-1001", "Hearthly, hello"))
    assert gate(ANNA, level=Sensitivity.HIGH).run([rec]).passed
    report = gate(ANNA, level=Sensitivity.STANDARD).run([rec])
    assert reasons(report) == {(Check.ASSURANCE, "above_verified_level")}


def test_owner_fields_include_references_to_identities_but_not_third_party_fields() -> None:
    assert dict(identity_fields(DATAMAP, "speaker.recordings")) == {
        "device_serial": IdentityType.DEVICE_SERIAL
    }
    assert dict(identity_fields(DATAMAP, "speaker.devices")) == {
        "serial": IdentityType.DEVICE_SERIAL
    }
    assert "contact_phone" not in dict(identity_fields(DATAMAP, "accounts.contacts"))
    assert dict(identity_fields(DATAMAP, "shop.support_tickets")) == {"email": IdentityType.EMAIL}


def test_the_product_of_a_record_is_the_nearest_identity_on_its_way_to_the_subject() -> None:
    plan = plan_traversal(DATAMAP)
    assert product_of(DATAMAP, plan, "speaker.recordings") == "speaker.device_ownership"
    assert product_of(DATAMAP, plan, "shop.support_tickets") == "accounts.email_history"
    assert product_of(DATAMAP, plan, "shop.orders") == CUSTOMERS


def _ticket_of(customer: int) -> int:
    return next(
        r.values[0] for r in ESTATE.rows if r.table == "support_tickets" and customer in r.owners
    )


def _with_field(datamap: DataMap, address: str, name: str, **changes: Any) -> DataMap:
    datasets = []
    for ds in datamap.datasets:
        colls = tuple(
            dataclasses.replace(
                c,
                fields=tuple(
                    dataclasses.replace(f, **changes)
                    if (c.address, f.name) == (address, name)
                    else f
                    for f in c.fields
                ),
            )
            for c in ds.collections
        )
        datasets.append(dataclasses.replace(ds, collections=colls))
    return dataclasses.replace(datamap, datasets=tuple(datasets))


def held_back_gate(subject: int, held: dict[str, dict[str, tuple[str, ...]]]) -> LeakGate:
    return LeakGate(
        DATAMAP, plan_traversal(DATAMAP), SOURCES, SubjectKey(CUSTOMERS, subject), None, held
    )


def test_a_ccpa_gate_blocks_a_held_back_value_that_was_sent() -> None:
    """REQUIREMENTS.md:15 (§7024(d)): the owner's own row still may not carry the value."""
    held = {CUSTOMERS: {"phone": ("user.government_id",)}}
    sent = item("customers", ANNA)
    assert row("customers", ANNA)[columns_of("customers").index("phone")] is not None
    report = held_back_gate(ANNA, held).run([sent])
    assert reasons(report) == {(Check.NEVER_DISCLOSED, "undisclosed_sent")}
    assert report.checked[Check.NEVER_DISCLOSED] == 1


def test_a_ccpa_gate_passes_the_row_with_the_value_left_out() -> None:
    held = {CUSTOMERS: {"phone": ("user.government_id",)}}
    values = row_object(tuple(columns_of("customers")), row("customers", ANNA))
    emptied = row_sha256({**values, "phone": None})
    left_out = item("customers", ANNA, sha256=emptied, left_out=("phone",))
    assert held_back_gate(ANNA, held).run([left_out]).passed


def test_a_ccpa_gate_blocks_a_file_of_a_held_back_field() -> None:
    recording = item("recordings", recording_of("D-1001", "Hearthly, hello"))
    field_name = recording.blobs[0][0]
    report = held_back_gate(ANNA, {"speaker.recordings": {field_name: ("user.biometric",)}}).run(
        [recording]
    )
    assert reasons(report) == {(Check.NEVER_DISCLOSED, "undisclosed_sent")}
    assert set(report.offending_items) == {recording.id, recording.blobs[0][2]}
    assert gate(ANNA).run([recording]).passed
