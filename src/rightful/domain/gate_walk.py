"""The leak gate's own walks over the sources: rows by key, owners toward the subject, anchors.

Deliberately written apart from the collector: it fetches parents by their key (or looks up the
parent's field) from the child's values, the opposite query of the collector's forward lookups,
and re-checks every validity window from the rows it read itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rightful.domain.datamap import DataMap
from rightful.domain.datamap_graph import Edge, TraversalPlan
from rightful.domain.errors import ConfigurationError
from rightful.domain.identities import fold as fold_value
from rightful.domain.provenance import check_window
from rightful.domain.sources import RecordSource, Row

Tagged = tuple[Hashable, Row]


@dataclass(frozen=True, slots=True)
class Shape:
    """How the gate reads one collection: every field, in data-map order."""

    address: str
    table: str
    source: str
    columns: tuple[str, ...]
    key_fields: tuple[str, ...]
    key_positions: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        # frozen: set once here, since every row read by key is keyed by these positions
        object.__setattr__(self, "key_positions", tuple(map(self.pos, self.key_fields)))

    def pos(self, name: str) -> int:
        """The position of a field in a row."""
        return self.columns.index(name)

    def key_of(self, row: Row) -> tuple[Any, ...]:
        """The primary key of a row."""
        return tuple([row[p] for p in self.key_positions])


def same_key(a: Any, b: Any) -> bool:
    """Key equality across drivers and JSON (1 == '1' for a subject key), never folding case."""
    return bool(a == b) or (a is not None and b is not None and str(a) == str(b))


class Walker:
    """Reads rows by key and walks them toward the subject collection, windows checked."""

    def __init__(
        self, datamap: DataMap, plan: TraversalPlan, sources: Mapping[str, RecordSource]
    ) -> None:
        self.datamap = datamap
        self.plan = plan
        self._sources = sources
        self._shapes: dict[str, Shape] = {}

    def shape(self, address: str) -> Shape:
        """The shape of a collection of the data map; ConfigurationError for an unknown one."""
        if address not in self._shapes:
            coll = self.datamap.collection(address)
            if coll is None:
                raise ConfigurationError(f"{address} is not a collection of the data map")
            self._shapes[address] = Shape(
                address,
                coll.name,
                self.datamap.source_of(address),
                coll.field_names,
                coll.primary_key,
            )
        return self._shapes[address]

    def source(self, address: str) -> RecordSource:
        """The opened source that holds a collection."""
        name = self.shape(address).source
        if name not in self._sources:
            raise ConfigurationError(f"source {name} (holding {address}) is not configured")
        return self._sources[name]

    def by_key(self, address: str, keys: Iterable[tuple[Any, ...]]) -> dict[tuple[Any, ...], Row]:
        """Rows of a collection by primary key, read afresh from the source."""
        shape = self.shape(address)
        wanted = list({tuple(k) for k in keys})
        if not wanted:
            return {}
        rows = self.source(address).fetch(shape.table, shape.columns, shape.key_fields, wanted)
        return {shape.key_of(row): row for row in rows}

    def where(self, address: str, field: str, values: Iterable[Any], fold: bool) -> list[Row]:
        """Rows of a collection whose field equals (or folds to) one of the values."""
        shape = self.shape(address)
        wanted = [v for v in values if v is not None]
        if not wanted:
            return []
        return list(
            self.source(address).lookup(shape.table, shape.columns, field, wanted, fold=fold)
        )

    def owners(self, address: str, start: Sequence[Tagged]) -> dict[Hashable, set[Any]]:
        """For each tagged row, the subject keys its references lead to, toward the subject."""
        reached: dict[Hashable, set[Any]] = defaultdict(set)
        frontier: dict[str, list[Tagged]] = {address: list(start)}
        subject_pos = self.shape(self.plan.subject).pos(self.plan.subject_key)
        while frontier:
            following: dict[str, list[Tagged]] = defaultdict(list)
            for coll, nodes in frontier.items():
                if coll == self.plan.subject:
                    for tag, row in nodes:
                        reached[tag].add(row[subject_pos])
                    continue
                for edge in self.plan.toward_subject(coll):
                    following[edge.parent].extend(self._parents(edge, nodes))
            frontier = {c: _unique(nodes, self.shape(c)) for c, nodes in following.items()}
        return reached

    def _parents(self, edge: Edge, nodes: Sequence[Tagged]) -> list[Tagged]:
        parent, child = self.shape(edge.parent), self.shape(edge.child)
        cpos, ppos = child.pos(edge.child_field), parent.pos(edge.parent_field)
        values = {_folded(row[cpos], edge.fold) for _, row in nodes} - {None}
        index: dict[Any, list[Row]] = defaultdict(list)
        for row in self._parent_rows(edge, parent, values):
            index[_folded(row[ppos], edge.fold)].append(row)
        out: list[Tagged] = []
        for tag, row in nodes:
            for parent_row in index.get(_folded(row[cpos], edge.fold), ()):
                if window_holds(edge, parent, child, parent_row, row):
                    out.append((tag, parent_row))
        return out

    def _parent_rows(self, edge: Edge, parent: Shape, values: set[Any]) -> list[Row]:
        if not values:
            return []
        if parent.key_fields == (edge.parent_field,) and not edge.fold:
            return list(self.by_key(edge.parent, [(v,) for v in values]).values())
        return self.where(edge.parent, edge.parent_field, values, edge.fold)

    def has_anchor(self, subject_value: Any, address: str) -> bool:
        """Whether the subject has a row in `address` that joins it, windows checked."""
        subject = self.shape(self.plan.subject)
        rows = list(self.by_key(self.plan.subject, [(subject_value,)]).values())
        shape = subject
        for edge in self.plan.path_to_subject(address):
            child = self.shape(edge.child)
            ppos = shape.pos(edge.parent_field)
            by_value: dict[Any, list[Row]] = defaultdict(list)
            for row in rows:
                by_value[_folded(row[ppos], edge.fold)].append(row)
            found = self.where(edge.child, edge.child_field, by_value, edge.fold)
            cpos = child.pos(edge.child_field)
            rows = [
                r
                for r in found
                for p in by_value.get(_folded(r[cpos], edge.fold), ())
                if window_holds(edge, shape, child, p, r)
            ]
            shape = child
        return bool(rows)


def window_holds(edge: Edge, parent: Shape, child: Shape, parent_row: Row, child_row: Row) -> bool:
    """Whether an edge's validity window (if any) holds between a parent and a child row."""
    window = edge.window
    if window is None:
        return True
    if edge.window_on_parent:
        holder, holder_shape, other, other_shape = parent_row, parent, child_row, child
    else:
        holder, holder_shape, other, other_shape = child_row, child, parent_row, parent
    until = holder[holder_shape.pos(window.valid_until)] if window.valid_until else None
    moment = other[other_shape.pos(window.at)]
    return check_window(holder[holder_shape.pos(window.valid_from)], until, moment) is not None


def _folded(value: Any, fold: bool) -> Any:
    return fold_value(value) if fold else value


def _unique(nodes: list[Tagged], shape: Shape) -> list[Tagged]:
    """Drop repeats of the same (tag, row) so that fan-out stays bounded."""
    seen: set[tuple[Hashable, tuple[Any, ...]]] = set()
    out: list[Tagged] = []
    for tag, row in nodes:
        marker = (tag, shape.key_of(row))
        if marker not in seen:
            seen.add(marker)
            out.append((tag, row))
    return out
