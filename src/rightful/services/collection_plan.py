"""The traversal plan compiled for execution: column positions, keys, blob fields, window sides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from rightful.domain.datamap import DataMap
from rightful.domain.datamap_graph import Edge, TraversalPlan, plan_traversal
from rightful.domain.errors import ConfigurationError
from rightful.domain.provenance import Link, WindowCheck, check_window
from rightful.domain.sources import RecordSource, Row

OWN_TIME: Final = object()  # check a window at the row's own time


@dataclass(frozen=True, slots=True)
class Projection:
    """How rows of one collection are read: all its fields, in data-map order."""

    address: str
    table: str
    source: str
    columns: tuple[str, ...]
    position: Mapping[str, int]
    key_positions: tuple[int, ...]
    categories: tuple[str, ...]
    blob_positions: tuple[tuple[int, str, str], ...]

    def key_of(self, row: Row) -> tuple[Any, ...]:
        """The primary key of a row."""
        return tuple(row[p] for p in self.key_positions)

    def blobs_of(self, row: Row) -> tuple[tuple[str, str], ...]:
        """(field, URI) of each blob field whose value names the declared store."""
        return tuple(
            (name, row[p])
            for p, name, prefix in self.blob_positions
            if isinstance(row[p], str) and row[p].startswith(prefix)
        )


class Node(NamedTuple):
    """A collected row kept for the next level (or met while resolving a subject)."""

    collection: str
    row: Row
    key: tuple[Any, ...]
    chain: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class EdgeRun:
    """An edge with the column positions needed to follow it and check its window."""

    edge: Edge
    parent: Projection
    child: Projection
    parent_pos: int
    child_pos: int
    bounds: tuple[int, int | None] | None
    at_pos: int | None

    def pair_check(self, parent_row: Row, child_row: Row, at: Any = OWN_TIME) -> WindowCheck | bool:
        """The window check for a (parent, child) pair: True without a window, False if it fails.
        The window is checked at the row's own time, or at `at` when given."""
        if self.bounds is None or self.at_pos is None:
            return True
        holder, other = (
            (parent_row, child_row) if self.edge.window_on_parent else (child_row, parent_row)
        )
        start, end = self.bounds
        until = holder[end] if end is not None else None
        when = other[self.at_pos] if at is OWN_TIME else at
        return check_window(holder[start], until, when) or False


@dataclass(frozen=True)
class CompiledPlan:
    """A traversal plan with a projection per collection and a runnable form per edge."""

    datamap: DataMap
    plan: TraversalPlan
    projections: Mapping[str, Projection]
    edges: Mapping[Edge, EdgeRun]

    def source_for(self, sources: Mapping[str, RecordSource], address: str) -> RecordSource:
        """The opened source holding a collection; ConfigurationError when it is not configured."""
        name = self.projections[address].source
        if name not in sources:
            raise ConfigurationError(f"source {name} (needed for {address}) is not configured")
        return sources[name]


def compile_plan(datamap: DataMap) -> CompiledPlan:
    """Plan the traversal and resolve every name to a column position once."""
    plan = plan_traversal(datamap)
    projections = {c.address: _projection(datamap, c.address) for c in datamap.collections()}
    edges = {e: _edge_run(e, projections) for s in plan.steps for e in s.incoming}
    return CompiledPlan(datamap, plan, projections, edges)


def _projection(datamap: DataMap, address: str) -> Projection:
    coll = datamap.collection(address)
    assert coll is not None
    columns = coll.field_names
    position = {name: i for i, name in enumerate(columns)}
    blobs = tuple((position[f.name], f.name, f"blob://{f.blob_store}/") for f in coll.blob_fields)
    return Projection(
        address,
        coll.name,
        datamap.source_of(address),
        columns,
        position,
        tuple(position[k] for k in coll.primary_key),
        coll.categories,
        blobs,
    )


def _edge_run(edge: Edge, projections: Mapping[str, Projection]) -> EdgeRun:
    parent, child = projections[edge.parent], projections[edge.child]
    bounds = at_pos = None
    if edge.window is not None:
        holder, other = (parent, child) if edge.window_on_parent else (child, parent)
        until = edge.window.valid_until
        bounds = (
            holder.position[edge.window.valid_from],
            holder.position[until] if until is not None else None,
        )
        at_pos = other.position[edge.window.at]
    return EdgeRun(
        edge,
        parent,
        child,
        parent.position[edge.parent_field],
        child.position[edge.child_field],
        bounds,
        at_pos,
    )
