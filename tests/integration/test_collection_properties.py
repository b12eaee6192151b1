"""Generated estates (shared speakers, resales, recycled and look-alike addresses): everyone's
collection is exactly their data, and an address proves only who holds it now.

The generator decides whose data each row is as it makes it (a recording sampled inside an
ownership period is that owner's; one sampled in a gap is nobody's); the collector sees only
the tables and the data map.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.adapters.sources import opened_sources
from rightful.adapters.sources.memory import MemorySource
from rightful.demo import DemoEstate, expected_records, seed_demo
from rightful.demo.estate import DATAMAP_FILES, EstateBuilder
from rightful.demo.schema import TABLES, columns_of
from rightful.domain.clock import FixedClock
from rightful.domain.identities import normalise
from rightful.domain.provenance import SubjectKey
from rightful.domain.sources import RecordSource
from rightful.services.collection import collect, resolve_subjects
from rightful.services.collection_plan import compile_plan

START = datetime(2020, 1, 1, tzinfo=UTC)
NOW = FixedClock(datetime(2030, 1, 1, tzinfo=UTC))
PLAN = compile_plan(load_datamap(DATAMAP_FILES))
SHARED_ADDRESSES = [
    "shared@x.example",
    "%@x.example",
    "_@x.example",
    "\u0430@x.example",
    "a@x.example",
]


@dataclass
class Period:
    holder: int | None
    start: datetime
    end: datetime | None

    def offsets(self, draw: Any) -> list[datetime]:
        """Moments inside the period, its first instant included."""
        length = ((self.end or self.start + timedelta(days=400)) - self.start).days
        extra = draw(st.lists(st.integers(0, max(0, length - 1)), max_size=2))
        return [self.start] + [self.start + timedelta(days=d, hours=1) for d in extra]


def timeline(draw: Any, customers: int, open_end: bool) -> list[Period]:
    """Consecutive periods of holders (None = a gap); the last may stay open."""
    periods, at = [], START
    for _ in range(draw(st.integers(1, 4))):
        holder = draw(st.none() | st.integers(1, customers))
        days = draw(st.integers(1, 300))
        periods.append(Period(holder, at, at + timedelta(days=days)))
        at += timedelta(days=days)
    if open_end and draw(st.booleans()):
        periods[-1].end = None
    return periods


def variant(draw: Any, address: str) -> str:
    """How someone typed an address: case and stray spaces vary."""
    typed = "".join(c.upper() if draw(st.booleans()) else c for c in address)
    return " " * draw(st.integers(0, 2)) + typed + " " * draw(st.integers(0, 2))


@st.composite
def estates(draw: Any) -> DemoEstate:
    b = EstateBuilder()
    n = draw(st.integers(1, 4))
    for i in range(1, n + 1):
        b.customer(f"Same Name {i % 2}", f"own{i}@x.example", START)
        b.email(i, f"own{i}@x.example", START, None)
        for _ in range(draw(st.integers(0, 2))):
            b.order(i, START, "Hearthly Mini", 4900, "somewhere")
        if draw(st.booleans()):
            b.household_member(i, f"Partner of {i}", "partner")
    for address in draw(st.lists(st.sampled_from(SHARED_ADDRESSES), max_size=3, unique=True)):
        periods = timeline(draw, n, open_end=True)
        for p in periods:
            if p.holder is not None:
                b.email(p.holder, address, p.start, p.end)
        for p in periods:
            for moment in p.offsets(draw) if draw(st.booleans()) else []:
                b.ticket(variant(draw, address), moment, p.holder, "t", "b")
                b.newsletter(variant(draw, address), moment, p.holder, "news")
    for d in range(draw(st.integers(0, 3))):
        serial = f"S-{d}"
        b.device(serial)
        periods = timeline(draw, n, open_end=True)
        for p in periods:
            if p.holder is not None:
                b.ownership(serial, p.holder, p.start, p.end)
        b.recording(serial, START - timedelta(days=1), None, "before any owner")
        for p in periods:
            for moment in p.offsets(draw):
                b.recording(serial, moment, p.holder, "hello")
            if p.end is not None and p is periods[-1]:
                b.recording(serial, p.end, None, "after the last owner")
    return b.build()


def memory_sources(estate: DemoEstate) -> dict[str, RecordSource]:
    tables = estate.tables()
    return {
        dataset: MemorySource(dataset, {t: (columns_of(t), tables.get(t, [])) for t in names})
        for dataset, names in TABLES.items()
    }


def assert_everyone_gets_exactly_their_data(
    estate: DemoEstate, sources: dict[str, RecordSource]
) -> None:
    for customer in estate.customers:
        email = normalise("email", customer.email)
        keys = resolve_subjects(PLAN, sources, [email], clock=NOW)
        assert keys == [SubjectKey("accounts.customers", customer.customer_id)]
        run = collect(PLAN, sources, [email], keys[0], clock=NOW)
        got = [(r.collection, r.key) for r in run]
        assert len(got) == len(set(got)), "a record was produced twice"
        assert set(got) == expected_records(estate, customer)


def current_holders(estate: DemoEstate, address: str) -> list[int]:
    """Who holds an address at NOW, by the generator's own rows (open period = still held)."""
    return sorted(
        {
            r.owners and next(iter(r.owners))
            for r in estate.rows
            if r.table == "email_history" and r.values[2] == address and r.values[4] is None
        }
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estates())
def test_generated_estates_in_memory(estate: DemoEstate) -> None:
    """REQUIREMENTS (identity): an identifier proves control now, not in the past."""
    sources = memory_sources(estate)
    assert_everyone_gets_exactly_their_data(estate, sources)
    for address in SHARED_ADDRESSES:
        found = resolve_subjects(PLAN, sources, [normalise("email", address)], clock=NOW)
        assert [k.value for k in found] == current_holders(estate, address)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(estate=estates())
def test_generated_estates_in_sqlite(estate: DemoEstate, tmp_path: Path) -> None:
    """The same property through real SQL: ISO timestamps, folded comparisons, batching."""
    written = seed_demo(tmp_path / uuid.uuid4().hex, estate)
    datamap = PLAN.datamap
    schemas = {name: datamap.schema_of(name) for name in datamap.sources}
    with opened_sources(written.dsns, schemas) as opened:
        assert_everyone_gets_exactly_their_data(written, opened.records)
