"""The collector on in-memory sources: seeding, streaming, early stop, failures, provenance."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.adapters.sources.memory import MemorySource
from rightful.demo import expected_records
from rightful.demo.estate import DATAMAP_FILES
from rightful.demo.schema import TABLES, columns_of
from rightful.demo.story import hearthly
from rightful.domain.clock import FixedClock
from rightful.domain.errors import ConflictError, InvalidInputError, SourceUnavailableError
from rightful.domain.identities import normalise
from rightful.domain.provenance import SubjectKey
from rightful.domain.sources import RecordSource, Row
from rightful.services.collection import collect, pending_step_up, resolve_subjects
from rightful.services.collection_concurrency import (
    record_latency,
    running_producers,
    worth_concurrency,
)
from rightful.services.collection_plan import Node, compile_plan
from rightful.services.collection_walk import walk_to_subject

NOW = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
ESTATE = hearthly()
PLAN = compile_plan(load_datamap(DATAMAP_FILES))
CARL = SubjectKey("accounts.customers", 4)


def sources() -> dict[str, RecordSource]:
    tables = ESTATE.tables()
    return {
        d: MemorySource(d, {t: (columns_of(t), tables.get(t, [])) for t in names})
        for d, names in TABLES.items()
    }


class CountingSource:
    """Wraps a source and counts lookups, to show the collector batches them."""

    def __init__(self, inner: RecordSource) -> None:
        self.inner, self.name, self.lookups = inner, inner.name, 0

    def lookup(
        self,
        collection: str,
        columns: Sequence[str],
        key: str,
        values: Collection[Any],
        *,
        fold: bool = False,
    ) -> Iterator[Row]:
        self.lookups += 1
        return self.inner.lookup(collection, columns, key, values, fold=fold)

    def fetch(
        self,
        collection: str,
        columns: Sequence[str],
        key_fields: Sequence[str],
        keys: Collection[tuple[Any, ...]],
    ) -> Iterator[Row]:
        return self.inner.fetch(collection, columns, key_fields, keys)

    def close(self) -> None:
        self.inner.close()


class FailingSource(CountingSource):
    """A source whose lookups of one collection fail, as a dropped connection would."""

    def __init__(self, inner: RecordSource, broken: str) -> None:
        super().__init__(inner)
        self.broken = broken

    def lookup(
        self,
        collection: str,
        columns: Sequence[str],
        key: str,
        values: Collection[Any],
        *,
        fold: bool = False,
    ) -> Iterator[Row]:
        if collection == self.broken:
            raise SourceUnavailableError("source speaker: connection lost")
        return super().lookup(collection, columns, key, values, fold=fold)


def carl_email() -> Any:
    return normalise("email", "carl@example.com")


def test_collect_seeds_only_from_identities_that_lead_to_the_subject() -> None:
    with pytest.raises(ConflictError):
        collect(PLAN, sources(), [normalise("email", "stranger@example.net")], CARL, clock=NOW)
    with pytest.raises(InvalidInputError):
        collect(PLAN, sources(), [carl_email()], SubjectKey("shop.orders", 4), clock=NOW)


def test_an_identity_that_is_not_on_file_resolves_to_nobody() -> None:
    assert (
        resolve_subjects(PLAN, sources(), [normalise("email", "nobody@example.net")], clock=NOW)
        == []
    )


def test_identity_validity_depends_on_the_time_of_verification() -> None:
    """In 2020 the history row made the old address Carl's; today it leads only to Dora."""
    old = normalise("email", "carl.old@mailbox.example")
    then = FixedClock(datetime(2020, 6, 1, tzinfo=UTC))
    assert 4 in [k.value for k in resolve_subjects(PLAN, sources(), [old], clock=then)]
    assert [k.value for k in resolve_subjects(PLAN, sources(), [old], clock=NOW)] == [5]


def test_lookups_are_batched_per_edge_not_per_record() -> None:
    counted = {name: CountingSource(s) for name, s in sources().items()}
    records = list(collect(PLAN, counted, [carl_email()], CARL, clock=NOW))
    assert len(records) == len(expected_records(ESTATE, 4))
    edges = sum(len(s.incoming) for s in PLAN.plan.steps)
    resolution = 3  # customers.email, email_history.email, then the walk up to customers
    assert sum(s.lookups for s in counted.values()) <= edges + resolution + 1


def test_a_failing_source_fails_the_run_and_stops_the_workers() -> None:
    broken = sources()
    broken["speaker"] = FailingSource(broken["speaker"], "recordings")
    with pytest.raises(SourceUnavailableError):
        list(collect(PLAN, broken, [carl_email()], CARL, clock=NOW))
    assert running_producers() == 0


class SlowSource(CountingSource):
    """A source that takes a while to answer, as a remote database does."""

    def lookup(
        self,
        collection: str,
        columns: Sequence[str],
        key: str,
        values: Collection[Any],
        *,
        fold: bool = False,
    ) -> Iterator[Row]:
        time.sleep(0.3)
        return super().lookup(collection, columns, key, values, fold=fold)


def test_stopping_early_releases_the_worker_threads() -> None:
    slow = sources()
    slow["speaker"] = SlowSource(slow["speaker"])
    run = collect(PLAN, slow, [carl_email()], CARL, clock=NOW)
    records = iter(run)
    first = [next(records) for _ in range(3)]  # the subject, then rows of the fast sources
    assert running_producers() > 0, "the slow source is still being read"
    run.close()
    assert len(first) == 3
    assert not run.finished
    assert running_producers() == 0


def test_the_subject_record_comes_first_with_the_identity_chain() -> None:
    run = collect(PLAN, sources(), [carl_email()], CARL, clock=NOW)
    subject = next(run)
    run.close()
    assert (subject.collection, subject.key) == ("accounts.customers", (4,))
    (seed,) = subject.chain
    assert (seed.to_collection, seed.to_field, seed.value) == (
        "accounts.customers",
        "email",
        carl_email(),
    )


def test_a_chain_through_an_identity_history_checks_its_validity() -> None:
    dora = normalise("email", "carl.old@mailbox.example")
    run = collect(PLAN, sources(), [dora], SubjectKey("accounts.customers", 5), clock=NOW)
    records = list(run)
    assert {(r.collection, r.key) for r in records} == expected_records(ESTATE, 5)


def test_pending_step_up_lists_what_a_standard_level_leaves_out() -> None:
    assert [w.collection for w in pending_step_up(PLAN, "standard")] == ["speaker.recordings"]
    assert pending_step_up(PLAN, "high") == ()


def test_reverse_walk_from_a_record_reaches_its_owner() -> None:
    """What the leak gate does: from a recording back to the customer, through the window."""
    record = next(
        r
        for r in collect(PLAN, sources(), [carl_email()], CARL, clock=NOW)
        if r.collection == "speaker.recordings"
    )
    start = Node(record.collection, record.values, record.key, ())
    owners = {n.key for n in walk_to_subject(PLAN, sources(), start)}
    assert owners == {(4,)}


def test_a_record_repr_shows_no_values() -> None:
    record = next(collect(PLAN, sources(), [carl_email()], CARL, clock=NOW))
    assert "Carl" not in repr(record)
    assert "carl" not in repr(record)
    assert "carl" not in repr(record.chain)


class Timed:
    """Stands for a source whose answer times are recorded."""


def test_sources_are_read_at_once_only_when_that_saves_time() -> None:
    """Fast local sources are read one after another; slow or unknown ones concurrently."""
    fast_a, fast_b, slow = Timed(), Timed(), Timed()
    assert worth_concurrency([fast_a, fast_b])  # never measured: assume they are slow
    for _ in range(3):
        record_latency(fast_a, 0.0002)
        record_latency(fast_b, 0.0003)
        record_latency(slow, 0.050)
    assert not worth_concurrency([fast_a, fast_b])
    assert not worth_concurrency([fast_a, slow])  # the slow one alone sets the pace
    assert worth_concurrency([slow, slow])
    assert not worth_concurrency([slow])


def test_an_address_someone_held_once_does_not_lead_its_holder_today_to_them(
    tmp_path: Any,
) -> None:
    """REQUIREMENTS.md:14: a code proves control of the channel now. With the newsletter's
    address marked as an identity too, its row (2020, when Alice held the address) led whoever
    controls the address today to Alice's whole account: windows on the way from an identity
    to its subject are checked at the time of verification."""
    from datetime import timedelta
    from pathlib import Path

    from rightful.demo.estate import EstateBuilder

    folder = Path(tmp_path)
    for path in DATAMAP_FILES:
        text = Path(path).read_text(encoding="utf-8")
        if path.name == "shop.yaml":
            marker = (
                "              references:\n"
                "                - {dataset: accounts, field: email_history.email, direction: from}"
            )
            assert marker in text
            text = text.replace(marker, "              identity: email\n" + marker, 1)
        (folder / path.name).write_text(text, encoding="utf-8")
    plan = compile_plan(load_datamap(sorted(folder.glob("*.yaml"))))
    start = datetime(2019, 1, 1, tzinfo=UTC)
    b = EstateBuilder()
    alice = b.customer("Alice Alder", "alice@example.org", start)
    b.email(alice, "x@example.com", start, datetime(2023, 1, 1, tzinfo=UTC))
    b.newsletter("x@example.com", start + timedelta(days=400), alice, "news")
    tables = b.build().tables()
    held = {ds: MemorySource(ds, {t: (columns_of(t), tables.get(t, [])) for t in names})
            for ds, names in TABLES.items()}  # fmt: skip
    now = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
    assert resolve_subjects(plan, held, [normalise("email", "x@example.com")], clock=now) == []
    then = FixedClock(datetime(2021, 6, 1, tzinfo=UTC))
    assert resolve_subjects(plan, held, [normalise("email", "x@example.com")], clock=then) == [
        SubjectKey("accounts.customers", alice)
    ], "while she held it, it was hers"


def test_a_numeric_subject_key_is_bound_as_the_integer_it_is() -> None:
    """A NUMERIC(12,0) key comes back as a Decimal, which the store's JSON could not hold:
    binding failed with a TypeError."""
    import json
    from decimal import Decimal

    estate = hearthly()
    tables = estate.tables()
    tables["customers"] = [(Decimal(r[0]), *r[1:]) for r in tables["customers"]]
    held = {ds: MemorySource(ds, {t: (columns_of(t), tables.get(t, [])) for t in names})
            for ds, names in TABLES.items()}  # fmt: skip
    [key] = resolve_subjects(PLAN, held, [carl_email()], clock=NOW)
    assert key.value == 4 and type(key.value) is int
    assert json.dumps(key.value) == "4"
