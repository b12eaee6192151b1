"""The data map as a graph: breadth-first plan from the subject, directions, reverse edges."""

from __future__ import annotations

import pytest

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.datamap import (
    DataCollection,
    DataField,
    DataMap,
    Dataset,
    Direction,
    FieldAddress,
    Match,
    Reference,
)
from rightful.domain.datamap_checks import check_datamap
from rightful.domain.datamap_graph import (
    identity_routes,
    plan_traversal,
    withheld_collections,
)
from rightful.domain.errors import ConfigurationError
from rightful.domain.identities import IdentityType
from rightful.domain.sensitivity import Sensitivity, category_sensitivity


def ref(collection: str, field: str, direction: Direction | None = None) -> Reference:
    return Reference(FieldAddress("d", collection, field), direction)


def pk(name: str = "id") -> DataField:
    return DataField(name, primary_key=True)


def small_map(*collections: DataCollection) -> DataMap:
    return DataMap((Dataset("d", "src", collections, "map.yaml"),))


PEOPLE = DataCollection(
    "d", "people", (pk(), DataField("email", identity=IdentityType.EMAIL)), subject=True
)


def test_the_plan_is_breadth_first_from_the_subject() -> None:
    datamap = load_datamap(DATAMAP_FILES)
    plan = plan_traversal(datamap)
    levels = {s.collection: s.level for s in plan.steps}
    assert plan.steps[0].collection == "accounts.customers"
    assert levels["speaker.device_ownership"] == 1
    assert levels["speaker.recordings"] == 2
    assert levels["shop.support_tickets"] == 2
    assert [s.level for s in plan.steps] == sorted(s.level for s in plan.steps)
    assert plan.unreachable == ()


def test_reverse_edges_lead_back_to_the_subject() -> None:
    """The leak gate walks a record back to its owner along toward_subject()."""
    plan = plan_traversal(load_datamap(DATAMAP_FILES))
    (edge,) = plan.toward_subject("speaker.recordings")
    assert (edge.parent, edge.parent_field) == ("speaker.device_ownership", "device_serial")
    assert edge.window is not None
    assert edge.window_on_parent
    path = plan.path_to_subject("speaker.recordings")
    assert [e.parent for e in path] == ["accounts.customers", "speaker.device_ownership"]
    assert plan.toward_subject("accounts.customers") == ()


def test_direction_to_is_not_followed_backwards() -> None:
    """`direction: to` on orders.person_id means orders query people, never the reverse."""
    orders = DataCollection(
        "d",
        "orders",
        (pk(), DataField("person_id", references=(ref("people", "id", Direction.TO),))),
    )
    plan = plan_traversal(small_map(PEOPLE, orders))
    assert plan.unreachable == ("d.orders",)
    problems = check_datamap(small_map(PEOPLE, orders))
    assert [(p.collection, p.message) for p in problems] == [
        ("d.orders", "unreachable from the subject collection d.people")
    ]


def test_an_undirected_reference_is_followed_away_from_the_subject() -> None:
    orders = DataCollection(
        "d", "orders", (pk(), DataField("person_id", references=(ref("people", "id"),)))
    )
    plan = plan_traversal(small_map(PEOPLE, orders))
    (edge,) = plan.toward_subject("d.orders")
    assert (edge.parent, edge.child) == ("d.people", "d.orders")


def test_the_subject_collection_is_never_re_entered() -> None:
    """A household row naming another customer must not lead to that customer."""
    members = DataCollection(
        "d",
        "members",
        (
            pk(),
            DataField("person_id", references=(ref("people", "id", Direction.FROM),)),
            DataField("other_person", references=(ref("people", "id"),)),
        ),
    )
    plan = plan_traversal(small_map(PEOPLE, members))
    assert [s.collection for s in plan.steps] == ["d.people", "d.members"]
    assert all(e.child != "d.people" for s in plan.steps for e in s.incoming)


def test_a_casefold_field_makes_its_edges_fold() -> None:
    tickets = DataCollection(
        "d",
        "tickets",
        (
            pk(),
            DataField(
                "email", match=Match.CASEFOLD, references=(ref("people", "email", Direction.FROM),)
            ),
        ),
    )
    (edge,) = plan_traversal(small_map(PEOPLE, tickets)).toward_subject("d.tickets")
    assert edge.fold


def test_identity_routes_show_how_each_identity_reaches_the_subject() -> None:
    datamap = load_datamap(DATAMAP_FILES)
    routes = {
        (r.identity, r.collection): r for r in identity_routes(datamap, plan_traversal(datamap))
    }
    assert routes[(IdentityType.EMAIL, "accounts.customers")].path == ()
    via_history = routes[(IdentityType.EMAIL, "accounts.email_history")]
    assert [e.parent for e in via_history.path] == ["accounts.customers"]
    assert (IdentityType.DEVICE_SERIAL, "speaker.device_ownership") in routes


def test_withheld_collections_are_those_above_the_level_and_behind_them() -> None:
    datamap = load_datamap(DATAMAP_FILES)
    plan = plan_traversal(datamap)
    assert withheld_collections(datamap, plan, None) == ()
    assert withheld_collections(datamap, plan, Sensitivity.HIGH) == ()
    withheld = withheld_collections(datamap, plan, Sensitivity.STANDARD)
    assert [w.collection for w in withheld] == ["speaker.recordings"]
    assert "user.biometric.voice" in withheld[0].categories


def test_a_collection_reached_only_through_a_withheld_one_is_withheld_too() -> None:
    voice = DataCollection(
        "d",
        "voice",
        (
            pk(),
            DataField(
                "person_id",
                data_categories=("user.biometric.voice",),
                references=(ref("people", "id", Direction.FROM),),
            ),
        ),
    )
    notes = DataCollection(
        "d",
        "notes",
        (pk(), DataField("voice_id", references=(ref("voice", "id", Direction.FROM),))),
    )
    datamap = small_map(PEOPLE, voice, notes)
    withheld = withheld_collections(datamap, plan_traversal(datamap), Sensitivity.STANDARD)
    assert [(w.collection, w.behind) for w in withheld] == [
        ("d.voice", None),
        ("d.notes", "d.voice"),
    ]


def test_a_map_without_a_subject_cannot_be_planned() -> None:
    with pytest.raises(ConfigurationError, match="no subject collection"):
        plan_traversal(small_map(DataCollection("d", "people", (pk(),))))


def test_a_collection_without_primary_key_is_an_error() -> None:
    loose = DataCollection(
        "d", "loose", (DataField("person_id", references=(ref("people", "id", Direction.FROM),)),)
    )
    problems = check_datamap(small_map(PEOPLE, loose))
    assert [(p.file, p.collection, p.message[:14]) for p in problems] == [
        ("map.yaml", "d.loose", "no primary key")
    ]


@pytest.mark.parametrize(
    ("category", "level"),
    [
        ("user.biometric.voice", Sensitivity.HIGH),
        ("user.location.precise", Sensitivity.HIGH),
        ("user.health_and_medical.genetic", Sensitivity.HIGH),
        ("user.financial", Sensitivity.HIGH),
        ("user.location.imprecise", Sensitivity.STANDARD),
        ("user.contact.email", Sensitivity.STANDARD),
        ("user.behavior.purchase_history", Sensitivity.STANDARD),
    ],
)
def test_default_category_sensitivity(category: str, level: Sensitivity) -> None:
    assert category_sensitivity(category) is level


def test_a_declared_level_overrides_the_default_for_its_subtree() -> None:
    declared = {"user.contact": Sensitivity.HIGH}
    assert category_sensitivity("user.contact.email", declared) is Sensitivity.HIGH
    assert category_sensitivity("user.name", declared) is Sensitivity.STANDARD
