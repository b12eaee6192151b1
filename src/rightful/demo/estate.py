"""Building an estate row by row while recording, at creation, whose data each row is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rightful.demo.schema import columns_of, table_dataset
from rightful.demo.wav import tone_wav

BLOB_STORE = "recordings"
DATAMAP_DIR = Path(__file__).parent / "datamap"
DATAMAP_FILES = tuple(sorted(DATAMAP_DIR.glob("*.yaml")))


@dataclass(frozen=True)
class EstateRow:
    """One row of the estate and the customers whose data it is (the generator's own knowledge)."""

    dataset: str
    table: str
    values: tuple[Any, ...]
    owners: frozenset[int]

    @property
    def collection(self) -> str:
        return f"{self.dataset}.{self.table}"

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.values[0],)


@dataclass(frozen=True)
class DemoCustomer:
    """A customer of the estate, the identities they can verify, and their story."""

    customer_id: int
    full_name: str
    email: str
    phone: str | None = None
    story: str = ""


@dataclass
class DemoEstate:
    """An estate: its rows with ground truth, blobs, and where it was written (DSNs)."""

    customers: tuple[DemoCustomer, ...]
    rows: tuple[EstateRow, ...]
    blobs: Mapping[str, bytes]
    datamap_files: tuple[Path, ...] = DATAMAP_FILES
    directory: Path | None = None
    dsns: dict[str, str] = field(default_factory=dict)

    def customer(self, customer_id: int) -> DemoCustomer:
        """The customer with this id."""
        return next(c for c in self.customers if c.customer_id == customer_id)

    def tables(self) -> dict[str, list[tuple[Any, ...]]]:
        """Rows by table name."""
        out: dict[str, list[tuple[Any, ...]]] = {}
        for row in self.rows:
            out.setdefault(row.table, []).append(row.values)
        return out


def expected_records(
    estate: DemoEstate, customer: DemoCustomer | int
) -> set[tuple[str, tuple[Any, ...]]]:
    """(collection, primary key) of every row the generator made as this customer's data."""
    cid = customer.customer_id if isinstance(customer, DemoCustomer) else customer
    return {(row.collection, row.key) for row in estate.rows if cid in row.owners}


class EstateBuilder:
    """Adds rows to the demo tables; every call states whose data the new row is."""

    def __init__(self) -> None:
        self._rows: list[tuple[str, dict[str, Any], set[int]]] = []
        self._next: dict[str, int] = {}
        self._devices: dict[str, set[int]] = {}
        self.customers: list[DemoCustomer] = []
        self.blobs: dict[str, bytes] = {}

    def _add(self, table: str, values: dict[str, Any], owners: Iterable[int | None]) -> int:
        first = columns_of(table)[0]
        if first not in values:
            values[first] = self._next.get(table, 1)
        if isinstance(values[first], int):
            self._next[table] = max(self._next.get(table, 1), values[first] + 1)
        # A set passed in stays shared: a device's owners grow as ownerships are added.
        kept = owners if isinstance(owners, set) else {o for o in owners if o is not None}
        self._rows.append((table, values, kept))
        return values[first] if isinstance(values[first], int) else 0

    def customer(
        self,
        name: str,
        email: str,
        created: datetime,
        *,
        phone: str | None = None,
        country: str = "DE",
        story: str = "",
        stored_email: str | None = None,
    ) -> int:
        """A customer whose current address is `email` (held since `created`)."""
        cid = self._next.get("customers", 1)
        self._add(
            "customers",
            {
                "customer_id": cid,
                "full_name": name,
                "email": stored_email or email,
                "phone": phone,
                "country": country,
                "created_at": created,
            },
            [cid],
        )
        self.customers.append(DemoCustomer(cid, name, email, phone, story))
        return cid

    def email(self, customer: int, address: str, since: datetime, until: datetime | None) -> None:
        """A period during which the customer held an address."""
        self._add(
            "email_history",
            {"customer_id": customer, "email": address, "valid_from": since, "valid_until": until},
            [customer],
        )

    def household_member(self, customer: int, name: str, relation: str) -> None:
        self._add(
            "household_members",
            {"customer_id": customer, "member_name": name, "relation": relation},
            [customer],
        )

    def contact(self, customer: int, name: str, phone: str) -> None:
        self._add(
            "contacts",
            {"customer_id": customer, "contact_name": name, "contact_phone": phone},
            [customer],
        )

    def device(self, serial: str, model: str = "Hearthly One", firmware: str = "4.2.1") -> None:
        """A speaker; whoever ever owns it (see `ownership`) gets its hardware record."""
        self._devices[serial] = set()
        self._add(
            "devices",
            {"serial": serial, "model": model, "firmware": firmware},
            self._devices[serial],
        )

    def ownership(
        self, serial: str, customer: int, since: datetime, until: datetime | None
    ) -> None:
        self._devices[serial].add(customer)
        self._add(
            "device_ownership",
            {
                "device_serial": serial,
                "customer_id": customer,
                "owned_from": since,
                "owned_until": until,
            },
            [customer],
        )

    def recording(
        self, serial: str, at: datetime, owner: int | None, transcript: str, duration_ms: int = 300
    ) -> int:
        """A recording made at `at`; `owner` is who owned the speaker then (None: nobody)."""
        rid = self._next.get("recordings", 1)
        key = f"{serial}/{rid}.wav"
        self.blobs[key] = tone_wav(rid, duration_ms)
        return self._add(
            "recordings",
            {
                "recording_id": rid,
                "device_serial": serial,
                "recorded_at": at,
                "duration_ms": duration_ms,
                "transcript": transcript,
                "audio_uri": f"blob://{BLOB_STORE}/{key}",
            },
            [owner],
        )

    def order(
        self, customer: int, at: datetime, item: str, amount_cents: int, address: str
    ) -> None:
        self._add(
            "orders",
            {
                "customer_id": customer,
                "ordered_at": at,
                "item": item,
                "amount_cents": amount_cents,
                "shipping_address": address,
            },
            [customer],
        )

    def ticket(
        self, typed_email: str, at: datetime, owner: int | None, subject: str, body: str
    ) -> None:
        """A ticket from an address as typed; `owner` held the address at `at` (None: nobody)."""
        self._add(
            "support_tickets",
            {"email": typed_email, "created_at": at, "subject_line": subject, "body": body},
            [owner],
        )

    def newsletter(self, typed_email: str, at: datetime, owner: int | None, topics: str) -> None:
        self._add(
            "newsletter", {"email": typed_email, "subscribed_at": at, "topics": topics}, [owner]
        )

    def build(self) -> DemoEstate:
        """The finished estate (rows as tuples in column order)."""
        rows = tuple(
            EstateRow(
                table_dataset(t), t, tuple(v.get(c) for c in columns_of(t)), frozenset(owners)
            )
            for t, v, owners in self._rows
        )
        return DemoEstate(tuple(self.customers), rows, dict(self.blobs))
