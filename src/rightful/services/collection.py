"""Collection: from verified identities to the subject, then every record that chains to it."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any

from rightful.domain.clock import Clock, SystemClock
from rightful.domain.datamap import DataField, DataMap, Match
from rightful.domain.datamap_graph import Step, Withheld, withheld_collections
from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.identities import Identity, IdentityPolicy
from rightful.domain.identities import fold as fold_value
from rightful.domain.provenance import (
    IDENTITY_PREFIX,
    CollectedRecord,
    Link,
    SubjectKey,
    check_window,
)
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.sources import RecordSource, Row
from rightful.services.collection_concurrency import (
    interleave,
    record_latency,
    sequential,
    worth_concurrency,
)
from rightful.services.collection_plan import CompiledPlan, Node, compile_plan
from rightful.services.collection_walk import (
    EdgeTask,
    match_rows,
    parent_index,
    walk_to_subject,
)

Sources = Mapping[str, RecordSource]
FETCH_BATCH = 500


def resolve_subjects(
    datamap: DataMap | CompiledPlan,
    sources: Sources,
    identities: Sequence[Identity],
    *,
    clock: Clock | None = None,
    policy: IdentityPolicy = IdentityPolicy(),
) -> list[SubjectKey]:
    """The subject keys the verified identities lead to (sorted; empty when none)."""
    compiled = _compiled(datamap)
    found = {
        key
        for key, _ in _subject_rows(compiled, sources, identities, clock or SystemClock(), policy)
    }
    return sorted(found, key=lambda k: (str(type(k.value)), k.value))


def pending_step_up(
    datamap: DataMap | CompiledPlan, max_sensitivity: Sensitivity | str | None
) -> tuple[Withheld, ...]:
    """The collections a run at this verification level leaves out (they wait for step-up)."""
    compiled = _compiled(datamap)
    level = Sensitivity(max_sensitivity) if max_sensitivity is not None else None
    return withheld_collections(compiled.datamap, compiled.plan, level)


class CollectionRun:
    """The records of one subject, streamed; `withheld` is known before the first record.

    `counts` (records per collection) and `finished` are complete once iteration ends.
    """

    def __init__(self, subject: SubjectKey, withheld: tuple[Withheld, ...]) -> None:
        self.subject = subject
        self.withheld = withheld
        self.counts: Counter[str] = Counter()
        self.finished = False
        self._records: Iterator[CollectedRecord] = iter(())

    def __iter__(self) -> Iterator[CollectedRecord]:
        return self._records

    def __next__(self) -> CollectedRecord:
        return next(self._records)

    def close(self) -> None:
        """Stop early and release the worker threads."""
        close = getattr(self._records, "close", None)
        if close is not None:
            close()


def collect(
    datamap: DataMap | CompiledPlan,
    sources: Sources,
    identities: Sequence[Identity],
    subject_key: SubjectKey,
    *,
    max_sensitivity: Sensitivity | str | None = None,
    clock: Clock | None = None,
    policy: IdentityPolicy = IdentityPolicy(),
) -> CollectionRun:
    """Every record that chains from the verified identities through the subject to itself.

    Raises ConflictError when the identities do not lead to `subject_key`.
    """
    compiled = _compiled(datamap)
    if subject_key.collection != compiled.plan.subject:
        raise InvalidInputError("the subject key belongs to another collection")
    reached = _subject_rows(compiled, sources, identities, clock or SystemClock(), policy)
    # The first chain that reaches the subject is its proof; no need to walk the others.
    root = next((node for key, node in reached if key == subject_key), None)
    if root is None:
        raise ConflictError("the verified identities do not lead to this subject")
    withheld = pending_step_up(compiled, max_sensitivity)
    run = CollectionRun(subject_key, withheld)
    walk = _Walk(compiled, sources, run, {w.collection for w in withheld})
    run._records = _traverse(walk, root)
    return run


# Compiled plans by data map: a data map does not change, and a server has one (or a few).
_PLANS: dict[int, CompiledPlan] = {}
PLANS_KEPT = 8


def _compiled(datamap: DataMap | CompiledPlan) -> CompiledPlan:
    if isinstance(datamap, CompiledPlan):
        return datamap
    compiled = _PLANS.get(id(datamap))
    if compiled is None or compiled.datamap is not datamap:  # an id reused by another map
        if len(_PLANS) >= PLANS_KEPT:
            _PLANS.clear()
        compiled = _PLANS[id(datamap)] = compile_plan(datamap)
    return compiled


def _subject_rows(
    compiled: CompiledPlan,
    sources: Sources,
    identities: Sequence[Identity],
    clock: Clock,
    policy: IdentityPolicy,
) -> Iterator[tuple[SubjectKey, Node]]:
    """Each subject row an identity leads to, with the chain from the identity to it."""
    now = clock.now()
    subject = compiled.plan.subject
    for identity in identities:
        for start in _identity_rows(compiled, sources, identity, now, policy):
            for node in walk_to_subject(compiled, sources, start, now):
                yield SubjectKey(subject, _as_json(node.key[0])), node


def _as_json(value: Any) -> Any:
    """A subject key as the store's JSON holds it: a whole DECIMAL (a NUMERIC(12,0) key) as the
    integer it is, any other DECIMAL as its text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value


def _identity_rows(
    compiled: CompiledPlan, sources: Sources, identity: Identity, now: Any, policy: IdentityPolicy
) -> Iterator[Node]:
    """Rows whose identity field holds exactly this identity, valid at the time of verification."""
    subject = compiled.plan.subject
    fields = sorted(
        compiled.datamap.identity_fields(identity.type),
        key=lambda found: found[0].address != subject,
    )  # the subject's own first
    for coll, id_field in fields:
        if coll.address == subject or compiled.plan.step(coll.address) is not None:
            yield from _identity_matches(
                compiled, sources, coll.address, id_field, identity, now, policy
            )


def _identity_matches(
    compiled: CompiledPlan,
    sources: Sources,
    address: str,
    id_field: DataField,
    identity: Identity,
    now: Any,
    policy: IdentityPolicy,
) -> Iterator[Node]:
    probe = _typed(identity.value, id_field.data_type)
    if probe is None:
        return
    proj = compiled.projections[address]
    casefold = id_field.match is Match.CASEFOLD
    source = compiled.source_for(sources, address)
    pos = proj.position[id_field.name]
    probe = fold_value(probe) if casefold else probe
    for row in list(source.lookup(proj.table, proj.columns, id_field.name, [probe], fold=casefold)):
        if not policy.matches(row[pos], identity):
            continue
        window = None
        if id_field.identity_validity is not None:
            v = id_field.identity_validity
            until = row[proj.position[v.valid_until]] if v.valid_until else None
            window = check_window(row[proj.position[v.valid_from]], until, now)
            if window is None:
                continue
        seed = Link(
            IDENTITY_PREFIX + identity.type.value,
            identity.type.value,
            None,
            address,
            id_field.name,
            identity,
            window,
        )
        yield Node(address, row, proj.key_of(row), (seed,))


def _typed(value: str, data_type: str | None) -> Any:
    """The identity value as the column stores it (customer ids may be integers)."""
    if data_type == "integer":
        try:
            return int(value)
        except ValueError:
            return None
    return value


@dataclass
class _Walk:
    """The state of one traversal: what each level keeps for the next, and the run's counters."""

    compiled: CompiledPlan
    sources: Sources
    run: CollectionRun
    withheld: set[str]
    kept: dict[str, list[Node]] = dataclass_field(default_factory=dict)


def _traverse(walk: _Walk, root: Node) -> Iterator[CollectedRecord]:
    compiled, run = walk.compiled, walk.run
    if compiled.plan.subject not in walk.withheld:
        proj = compiled.projections[root.collection]
        source = compiled.source_for(walk.sources, root.collection)
        yield CollectedRecord(
            source.name,
            root.collection,
            root.key,
            proj.columns,
            root.row,
            proj.categories,
            proj.blobs_of(root.row),
            root.chain,
            run.subject,
        )
        run.counts[root.collection] += 1
        walk.kept[root.collection] = [root]
        for level in compiled.plan.levels()[1:]:
            yield from _level(walk, [s for s in level if s.collection not in walk.withheld])
    run.finished = True


def _level(walk: _Walk, steps: list[Step]) -> Iterator[CollectedRecord]:
    """One BFS level: sources are read concurrently, rows are matched here, in this thread."""
    by_source: dict[str, list[tuple[Step, EdgeTask]]] = defaultdict(list)
    for step in steps:
        for task in _tasks(walk, step):
            by_source[walk.compiled.projections[step.collection].source].append((step, task))
    fetchers = [_fetcher(walk, tasks) for tasks in by_source.values()]
    sources = [
        walk.compiled.source_for(walk.sources, t[0][0].collection) for t in by_source.values()
    ]
    spread = interleave if worth_concurrency(sources) else sequential
    subject = walk.run.subject
    for (step, task), batch in spread(fetchers):
        yield from match_rows(
            task, batch, walk.compiled.projections[step.collection].source, subject
        )
    for tasks in by_source.values():
        for step, task in tasks:
            walk.run.counts[step.collection] += task.emitted
            if task.keep is not None:
                walk.kept[step.collection] = task.keep


def _tasks(walk: _Walk, step: Step) -> list[EdgeTask]:
    """The usable incoming edges of a collection; they share what is kept and what was seen."""
    compiled = walk.compiled
    edges = [e for e in step.incoming if e.parent in walk.kept and e.parent not in walk.withheld]
    keep: list[Node] | None = [] if compiled.plan.outgoing(step.collection) else None
    seen: set[tuple[Any, ...]] | None = set() if len(edges) > 1 else None
    tasks = []
    for edge in edges:
        run = compiled.edges[edge]
        index = parent_index(run, walk.kept[edge.parent])
        if index:
            tasks.append(EdgeTask(run, index, keep, seen))
    return tasks


Fetched = tuple[tuple[Step, EdgeTask], list[Row]]


def _fetcher(walk: _Walk, tasks: list[tuple[Step, EdgeTask]]) -> Callable[[], Iterator[Fetched]]:
    """Reads the lookups of one source in turn, in batches of rows."""
    source = walk.compiled.source_for(walk.sources, tasks[0][0].collection)

    def fetch() -> Iterator[Fetched]:
        for item in tasks:
            started = time.perf_counter()
            for batch in batched(item[1].rows(source), FETCH_BATCH):
                if started:
                    record_latency(source, time.perf_counter() - started)
                    started = 0.0
                yield item, batch
            if started:
                record_latency(source, time.perf_counter() - started)

    return fetch


def batched(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    """Lists of up to `size` rows: what crosses from a reading thread to the matching one."""
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
