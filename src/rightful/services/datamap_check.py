"""`rightful datamap check`: validate data map files, describe the graph, advise on indexes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rightful.adapters.datamap.fides_yaml import read_datamap
from rightful.domain.datamap import DataMap, Match
from rightful.domain.datamap_checks import DataMapProblem, article_15_gaps, untranslated
from rightful.domain.datamap_graph import TraversalPlan, identity_routes, plan_traversal
from rightful.domain.sensitivity import Sensitivity


@dataclass(frozen=True, slots=True)
class IndexAdvice:
    """An index that serves one of the collector's lookups."""

    source: str
    table: str
    column: str
    folded: bool

    @property
    def sql(self) -> str:
        """The CREATE INDEX statement (PostgreSQL and SQLite syntax), its names quoted where
        either would otherwise read them differently (`"Customers"` would be `customers`,
        `order` a keyword)."""
        name, table, column = (
            sql_name(f"ix_{self.table}_{self.column}" + ("_folded" if self.folded else "")),
            sql_name(self.table),
            sql_name(self.column),
        )
        target = f"lower(trim({column}))" if self.folded else column
        return f"CREATE INDEX {name} ON {table} ({target});"


def sql_name(identifier: str) -> str:
    """`identifier` as PostgreSQL and SQLite both read it: quoted when it has capitals or is a
    word either keeps, plain otherwise."""
    from sqlalchemy.dialects import postgresql, sqlite

    quoted = {
        dialect.dialect().identifier_preparer.quote(identifier) for dialect in (postgresql, sqlite)
    }
    return f'"{identifier}"' if quoted != {identifier} else identifier


@dataclass
class DataMapReport:
    """What `datamap check` prints: problems, or the graph and index advice."""

    problems: list[DataMapProblem]
    lines: list[str] = field(default_factory=list)
    indexes: list[IndexAdvice] = field(default_factory=list)
    # Art. 15(1) left unsaid, or said in fewer languages than requesters are answered in
    warnings: list[DataMapProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_files(paths: Sequence[Path | str]) -> DataMapReport:
    """Read, check and describe data map files."""
    datamap, problems = read_datamap(paths)
    if problems:
        return DataMapReport(problems)
    plan = plan_traversal(datamap)
    return DataMapReport(
        [],
        describe(datamap, plan),
        recommend_indexes(datamap, plan),
        article_15_gaps(datamap) + untranslated(datamap),
    )


def describe(datamap: DataMap, plan: TraversalPlan) -> list[str]:
    """The graph as text: subject, identity routes, traversal levels with windows, sensitivity."""
    lines = [f"subject: {plan.subject} (subject key: {plan.subject_key})", "identities:"]
    for route in identity_routes(datamap, plan):
        coll = datamap.collection(route.collection)
        assert coll is not None
        f = coll.field(route.field)
        assert f is not None
        valid = f.identity_validity
        when = f"  [valid {valid.valid_from} .. {valid.valid_until or '∞'}]" if valid else ""
        via = " → ".join(e.parent for e in reversed(route.path)) or "(the subject itself)"
        lines.append(f"  {route.identity.value}: {route.collection}.{route.field}{when} → {via}")
    lines.append("traversal (breadth-first from the subject):")
    for step in plan.steps[1:]:
        level = datamap.sensitivity_of(step.collection)
        mark = "  [sensitivity: high]" if level is Sensitivity.HIGH else ""
        lines.append(f"  {step.level} {step.collection}{mark}")
        lines.extend(f"      via {edge.describe()}" for edge in step.incoming)
    return lines


def recommend_indexes(datamap: DataMap, plan: TraversalPlan) -> list[IndexAdvice]:
    """Indexes for every lookup column; normalised expression indexes where values are folded."""
    wanted: dict[tuple[str, str], bool] = {}
    for coll, f in datamap.identity_fields():
        key = (coll.address, f.name)
        wanted[key] = wanted.get(key, False) or f.match is Match.CASEFOLD
    for step in plan.steps:
        for edge in step.incoming:
            child = (edge.child, edge.child_field)
            wanted[child] = wanted.get(child, False) or edge.fold
            parent = (edge.parent, edge.parent_field)
            wanted.setdefault(parent, edge.fold)
    advice = []
    for (address, column), folded in sorted(wanted.items()):
        target = datamap.collection(address)
        assert target is not None
        if target.primary_key == (column,) and not folded:
            continue
        advice.append(IndexAdvice(datamap.source_of(address), target.name, column, folded))
    return advice
