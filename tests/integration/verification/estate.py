"""A small estate for verification tests: customers (the subject), their orders and health notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rightful.adapters.sources.memory import MemorySource
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
from rightful.domain.identities import IdentityType

CUSTOMER_COLUMNS = ("customer_id", "email", "phone", "account_id")

# customer_id, email, phone, account id
PEOPLE: list[tuple[int, str | None, str | None, str | None]] = [
    (1, "Anna.Schmidt@Example.org", "+4915112345678", "acc-anna"),
    (2, "ben@example.org", "+4915112345679", "acc-ben"),
    (3, "family@example.org", "+4915112345680", None),
    (4, "family@example.org", None, "acc-carl"),
]
ANNA, BEN, FAMILY = "anna.schmidt@example.org", "ben@example.org", "family@example.org"
ANNA_PHONE, BEN_PHONE = "+4915112345678", "+4915112345679"
STRANGER = "stranger@example.org"


def _ref(field: str) -> tuple[Reference, ...]:
    return (Reference(FieldAddress("crm", "customers", field), Direction.FROM),)


def datamap(*, with_health: bool = True) -> DataMap:
    """Customers with orders (standard) and, by default, health notes (high)."""
    customers = DataCollection(
        "crm",
        "customers",
        subject=True,
        fields=(
            DataField(
                "customer_id",
                ("user.unique_id",),
                "integer",
                primary_key=True,
                identity=IdentityType.CUSTOMER_ID,
            ),
            DataField(
                "email",
                ("user.contact.email",),
                "string",
                identity=IdentityType.EMAIL,
                match=Match.CASEFOLD,
            ),
            DataField(
                "phone", ("user.contact.phone_number",), "string", identity=IdentityType.PHONE
            ),
            DataField("account_id", ("user.account",), "string", identity=IdentityType.ACCOUNT_ID),
        ),
    )
    orders = DataCollection(
        "crm",
        "orders",
        fields=(
            DataField("order_id", ("system.operations",), "integer", primary_key=True),
            DataField(
                "customer_id", ("user.unique_id",), "integer", references=_ref("customer_id")
            ),
            DataField("item", ("user.behavior.purchase_history",), "string"),
        ),
    )
    health = DataCollection(
        "crm",
        "health_notes",
        fields=(
            DataField("note_id", ("system.operations",), "integer", primary_key=True),
            DataField(
                "customer_id", ("user.unique_id",), "integer", references=_ref("customer_id")
            ),
            DataField("note", ("user.health_and_medical",), "string"),
        ),
    )
    collections = (customers, orders, health) if with_health else (customers, orders)
    return DataMap((Dataset("crm", "crm", collections),))


def tables(people: Sequence[tuple[Any, ...]] = PEOPLE) -> dict[str, Any]:
    """The estate's tables, holding `people` and one order and one health note each."""
    return {
        "customers": (CUSTOMER_COLUMNS, [tuple(p) for p in people]),
        "orders": (
            ("order_id", "customer_id", "item"),
            [(100 + p[0], p[0], "speaker") for p in people],
        ),
        "health_notes": (
            ("note_id", "customer_id", "note"),
            [(200 + p[0], p[0], "hearing aid") for p in people],
        ),
    }


def source(people: Sequence[tuple[Any, ...]] = PEOPLE) -> MemorySource:
    """The estate's one source."""
    return MemorySource("crm", tables(people))
