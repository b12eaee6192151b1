"""The data map as a graph rooted at the subject: traversal plan, reverse edges, identity routes."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from rightful.domain.datamap import DataCollection, DataMap, Direction, Match, Window
from rightful.domain.errors import ConfigurationError
from rightful.domain.identities import IdentityType
from rightful.domain.sensitivity import Sensitivity


@dataclass(frozen=True, slots=True)
class Join:
    """A declared reference, before orientation: `holder` is the side with the window bounds."""

    left: str
    left_field: str
    right: str
    right_field: str
    direction: Direction | None
    window: Window | None
    fold: bool

    def oriented(self, parent: str) -> Edge | None:
        """This join as an edge leaving `parent`, if its direction allows that."""
        if parent == self.right and self.direction is not Direction.TO:
            return Edge(
                self.right,
                self.right_field,
                self.left,
                self.left_field,
                self.window,
                window_on_parent=True,
                fold=self.fold,
            )
        if parent == self.left and self.direction is not Direction.FROM:
            return Edge(
                self.left,
                self.left_field,
                self.right,
                self.right_field,
                self.window,
                window_on_parent=False,
                fold=self.fold,
            )
        return None


@dataclass(frozen=True, slots=True)
class Edge:
    """parent.parent_field = child.child_field; the parent lies nearer the subject."""

    parent: str
    parent_field: str
    child: str
    child_field: str
    window: Window | None = None
    window_on_parent: bool = True
    fold: bool = False

    def describe(self) -> str:
        """One line for `rightful datamap check`."""
        op = "≈" if self.fold else "="
        text = f"{self.parent}.{self.parent_field} {op} {self.child}.{self.child_field}"
        if self.window is None:
            return text
        holder, other = (
            (self.parent, self.child) if self.window_on_parent else (self.child, self.parent)
        )
        until = self.window.valid_until or "∞"
        return (
            f"{text}  while {holder}.{self.window.valid_from} ≤ {other}.{self.window.at} "
            f"< {holder}.{until}"
        )


@dataclass(frozen=True, slots=True)
class Step:
    """One collection of the plan, at its BFS level, with the edges that lead into it."""

    collection: str
    level: int
    incoming: tuple[Edge, ...]


@dataclass(frozen=True)
class TraversalPlan:
    """Collections in breadth-first order from the subject collection."""

    subject: str
    subject_key: str
    steps: tuple[Step, ...]
    unreachable: tuple[str, ...]

    def step(self, address: str) -> Step | None:
        return next((s for s in self.steps if s.collection == address), None)

    def toward_subject(self, address: str) -> tuple[Edge, ...]:
        """Edges from a collection one level nearer the subject: the way back for a reverse walk."""
        found = self.step(address)
        return found.incoming if found else ()

    def outgoing(self, address: str) -> tuple[Edge, ...]:
        """Edges the collector follows out of a collection."""
        return tuple(e for s in self.steps for e in s.incoming if e.parent == address)

    def levels(self) -> list[list[Step]]:
        """Steps grouped by level, level 0 (the subject) first."""
        grouped: list[list[Step]] = []
        for s in self.steps:
            if s.level == len(grouped):
                grouped.append([])
            grouped[s.level].append(s)
        return grouped

    def path_to_subject(self, address: str) -> list[Edge]:
        """One shortest chain of edges from the subject to a collection (empty for the subject)."""
        path: list[Edge] = []
        current = address
        while current != self.subject:
            incoming = self.toward_subject(current)
            if not incoming:
                return []
            path.append(incoming[0])
            current = incoming[0].parent
        return list(reversed(path))


def joins(datamap: DataMap) -> Iterator[Join]:
    """Every reference that names an existing field, as an unoriented join."""
    for coll in datamap.collections():
        for f in coll.fields:
            for ref in f.references:
                target = datamap.collection(ref.target.collection_address)
                other = target.field(ref.target.field) if target else None
                if target is None or other is None:
                    continue
                fold = Match.CASEFOLD in (f.match, other.match)
                yield Join(
                    coll.address,
                    f.name,
                    target.address,
                    other.name,
                    ref.direction,
                    ref.window,
                    fold,
                )


def plan_traversal(datamap: DataMap) -> TraversalPlan:
    """Breadth-first from the subject collection; never re-enters the subject collection."""
    subject = _subject(datamap)
    touching: dict[str, list[Join]] = {}  # by either end, so a step reads only its own joins
    for join in joins(datamap):
        touching.setdefault(join.left, []).append(join)
        if join.right != join.left:
            touching.setdefault(join.right, []).append(join)
    level: dict[str, int] = {subject.address: 0}
    incoming: dict[str, list[Edge]] = {subject.address: []}
    queue = deque([subject.address])
    while queue:
        current = queue.popleft()
        for edge in _leaving(current, touching.get(current, [])):
            child_level = level.setdefault(edge.child, level[current] + 1)
            if child_level == level[current] + 1:
                if edge.child not in incoming:
                    incoming[edge.child] = []
                    queue.append(edge.child)
                if edge not in incoming[edge.child]:
                    incoming[edge.child].append(edge)
    steps = tuple(Step(a, level[a], tuple(incoming[a])) for a in incoming)
    unreachable = tuple(c.address for c in datamap.collections() if c.address not in level)
    return TraversalPlan(subject.address, subject.primary_key[0], steps, unreachable)


def _leaving(current: str, all_joins: list[Join]) -> list[Edge]:
    edges = (j.oriented(current) for j in all_joins)
    return sorted((e for e in edges if e is not None), key=lambda e: (e.child, e.child_field))


def _subject(datamap: DataMap) -> DataCollection:
    subject = datamap.subject_collection
    if subject is None:
        raise ConfigurationError("the data map marks no subject collection (rightful: subject)")
    if len(subject.primary_key) != 1:
        raise ConfigurationError(f"{subject.address}: the subject key must be one field")
    return subject


@dataclass(frozen=True, slots=True)
class IdentityRoute:
    """How an identity field leads to the subject collection."""

    identity: IdentityType
    collection: str
    field: str
    path: tuple[Edge, ...]


def identity_routes(datamap: DataMap, plan: TraversalPlan) -> list[IdentityRoute]:
    """Each identity field with one path (subject first) that joins it to the subject."""
    routes = []
    for coll, f in datamap.identity_fields():
        if coll.address == plan.subject or plan.step(coll.address):
            path = tuple(plan.path_to_subject(coll.address))
            assert f.identity is not None
            routes.append(IdentityRoute(f.identity, coll.address, f.name, path))
    return routes


@dataclass(frozen=True, slots=True)
class Withheld:
    """A collection left out of a run because the verification level does not cover it."""

    collection: str
    categories: tuple[str, ...]
    sensitivity: Sensitivity
    behind: str | None = None


def withheld_collections(
    datamap: DataMap, plan: TraversalPlan, max_sensitivity: Sensitivity | None
) -> tuple[Withheld, ...]:
    """Collections above `max_sensitivity`, and those reachable only through them."""
    if max_sensitivity is None:
        return ()
    out: dict[str, Withheld] = {}
    for step in plan.steps:
        coll = datamap.collection(step.collection)
        assert coll is not None
        level = datamap.sensitivity_of(step.collection)
        if level.exceeds(max_sensitivity):
            out[step.collection] = Withheld(step.collection, coll.categories, level)
        elif step.incoming and all(e.parent in out for e in step.incoming):
            blocker = step.incoming[0].parent
            out[step.collection] = Withheld(step.collection, coll.categories, level, blocker)
    return tuple(out.values())
