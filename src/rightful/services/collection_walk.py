"""Following edges: batched lookups, window checks and chains, forward and toward the subject."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rightful.domain.identities import fold as fold_value
from rightful.domain.provenance import (
    CollectedRecord,
    Link,
    SubjectKey,
    WindowCheck,
    check_window,
    to_instant,
)
from rightful.domain.sources import RecordSource, Row
from rightful.services.collection_plan import OWN_TIME, CompiledPlan, EdgeRun, Node, Projection

# An entry of a parent index: the parent row, and its window bounds or timestamp, parsed once.
Entry = tuple[Node, Any, Any]


def parent_index(run: EdgeRun, parents: Sequence[Node]) -> dict[Any, list[Entry]]:
    """Parent rows by the (folded) value of the edge's parent field, bounds parsed once."""
    index: dict[Any, list[Entry]] = {}
    pos, fold = run.parent_pos, run.edge.fold
    for node in parents:
        value = node.row[pos]
        if value is None:
            continue
        entry = _entry(run, node)
        if entry is not None:
            index.setdefault(fold_value(value) if fold else value, []).append(entry)
    return index


def _entry(run: EdgeRun, node: Node) -> Entry | None:
    if run.bounds is None:
        return node, None, None
    if run.edge.window_on_parent:
        start = to_instant(node.row[run.bounds[0]])
        end_pos = run.bounds[1]
        raw_end = node.row[end_pos] if end_pos is not None else None
        end = to_instant(raw_end) if raw_end is not None else None
        if start is None or (raw_end is not None and end is None):
            return None  # a window that cannot be read never holds
        return node, start, end
    assert run.at_pos is not None
    at = to_instant(node.row[run.at_pos])
    return (node, at, None) if at is not None else None


# NamedTuples built with tuple.__new__ skip their Python-level __new__: this loop runs once per
# collected row, and the per-row budget is a few microseconds.
_new = tuple.__new__


@dataclass
class EdgeTask:
    """One incoming edge of one collection in a run: what to look up, and where results go."""

    run: EdgeRun
    index: dict[Any, list[Entry]]
    keep: list[Node] | None
    seen: set[tuple[Any, ...]] | None
    emitted: int = 0

    def rows(self, source: RecordSource) -> Iterator[Row]:
        """The child rows whose join value is in the parent index (one batched lookup)."""
        child, edge = self.run.child, self.run.edge
        return source.lookup(
            child.table, child.columns, edge.child_field, self.index.keys(), fold=edge.fold
        )


def match_rows(
    task: EdgeTask, rows: Iterable[Row], source: str, subject: SubjectKey
) -> Iterator[CollectedRecord]:
    """Records for the rows that join a parent row and pass its window, each once."""
    run, index, keep, seen = task.run, task.index, task.keep, task.seen
    child, edge = run.child, run.edge
    cpos, fold, windowed = run.child_pos, edge.fold, run.bounds is not None
    at_pos = run.at_pos if edge.window_on_parent else None
    single = child.key_positions[0] if len(child.key_positions) == 1 else None
    blob = _blob_reader(child)
    head, tail = (edge.parent, edge.parent_field), (edge.child, edge.child_field)
    emitted = 0
    try:
        for row in rows:
            value = row[cpos]
            entries = index.get(fold_value(value) if fold else value)
            if not entries:
                continue
            for node, a, b in entries:
                check = None
                if at_pos is not None:
                    at = row[at_pos]
                    if at.__class__ is not datetime or at.tzinfo is None:
                        at = to_instant(at)
                    if at is None or at < a or (b is not None and at >= b):
                        continue
                    check = _new(WindowCheck, (a, b, at))
                elif windowed:
                    check = _check_child(run, row, a)
                    if check is None:
                        continue
                key = (row[single],) if single is not None else child.key_of(row)
                if seen is not None:
                    if key in seen:
                        break
                    seen.add(key)
                chain = (*node.chain, _new(Link, (*head, node.key, *tail, value, check)))
                if keep is not None:
                    keep.append(_new(Node, (child.address, row, key, chain)))
                emitted += 1
                yield _new(
                    CollectedRecord,
                    (
                        source,
                        child.address,
                        key,
                        child.columns,
                        row,
                        child.categories,
                        blob(row),
                        chain,
                        subject,
                    ),
                )
                break
    finally:
        task.emitted += emitted


def _blob_reader(child: Projection) -> Callable[[Row], tuple[tuple[str, str], ...]]:
    if not child.blob_positions:
        return _no_blobs
    if len(child.blob_positions) > 1:
        return child.blobs_of
    pos, name, prefix = child.blob_positions[0]

    def one(row: Row) -> tuple[tuple[str, str], ...]:
        uri = row[pos]
        return ((name, uri),) if uri.__class__ is str and uri.startswith(prefix) else ()

    return one


def _no_blobs(row: Row) -> tuple[tuple[str, str], ...]:
    return ()


def _check_child(run: EdgeRun, row: Row, a: Any) -> WindowCheck | None:
    assert run.bounds is not None  # the bounds live in the child row, `a` is the parent's time
    start, end = run.bounds
    return check_window(row[start], row[end] if end is not None else None, a)


def walk_to_subject(
    compiled: CompiledPlan, sources: Mapping[str, RecordSource], start: Node, at: Any = OWN_TIME
) -> Iterator[Node]:
    """From a row, every subject row it joins through edges toward the subject, each window
    checked at the row's own time, or at `at`. Identities are resolved at the time of
    verification: whose the identity is now (at the row's own time, an address that a
    newsletter row holds since 2020 led whoever holds it today to the person who held it then)."""
    frontier = [start]
    subject = compiled.plan.subject
    while frontier:
        following: list[Node] = []
        for node in frontier:
            if node.collection == subject:
                yield node
                continue
            for edge in compiled.plan.toward_subject(node.collection):
                following.extend(_parents_of(compiled, sources, compiled.edges[edge], node, at))
        frontier = following


def _parents_of(
    compiled: CompiledPlan, sources: Mapping[str, RecordSource], run: EdgeRun, child: Node,
    at: Any,
) -> Iterator[Node]:  # fmt: skip
    value = child.row[run.child_pos]
    if value is None:
        return
    parent, edge = run.parent, run.edge
    source = compiled.source_for(sources, parent.address)
    rows = list(
        source.lookup(parent.table, parent.columns, edge.parent_field, [value], fold=edge.fold)
    )
    for row in rows:
        check = run.pair_check(row, child.row, at)
        if check is False:
            continue
        window = check if isinstance(check, WindowCheck) else None
        link = _reverse_link(run, child, value, window)
        yield Node(parent.address, row, parent.key_of(row), (*child.chain, link))


def _reverse_link(run: EdgeRun, child: Node, value: Any, window: WindowCheck | None) -> Link:
    e = run.edge
    return Link(e.child, e.child_field, child.key, e.parent, e.parent_field, value, window)
