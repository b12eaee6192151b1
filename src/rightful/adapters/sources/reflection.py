"""A source's schema as its catalog declares it, for `rightful datamap draft`: tables and views
(materialized ones too), columns and their types, the tables' primary, foreign and unique keys,
read with SQLAlchemy's inspector on the source's own read-only connection. No row of any table
is read."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Dialect, Inspector
from sqlalchemy.exc import SAWarning, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import Integer, TypeEngine

from rightful.adapters.sources import open_source
from rightful.adapters.sources.sql import SqlSource, type_family
from rightful.domain.datamap_draft import ColumnShape, ForeignKey, TableShape
from rightful.domain.errors import ConfigurationError, SourceUnavailableError


def read_schema(
    name: str, dsn: str, *, schema: str | None = None, tables: Sequence[str] | None = None
) -> tuple[list[TableShape], str | None]:
    """The shapes of the source's tables and views (of `tables` only, when given) in `schema`
    (default: the one its queries read), and the schema its queries read. ConfigurationError
    names a table of `tables` that the source lacks; SourceUnavailableError a source that does
    not answer."""
    source = open_source(name, dsn)
    if not isinstance(source, SqlSource):  # pragma: no cover - every database source is SQL
        raise ConfigurationError(f"source {name}: its schema cannot be read")
    engine = create_engine(
        source.dialect_url, creator=source.dbapi_connection, poolclass=StaticPool
    )
    try:
        with warnings.catch_warnings():
            # "Skipped unsupported reflection of expression-based index": the draft needs none
            warnings.simplefilter("ignore", SAWarning)
            inspector = inspect(engine)
            views = set(inspector.get_view_names(schema=schema))
            materialized = _materialized_views(inspector, schema)
            held = sorted([*inspector.get_table_names(schema=schema), *views, *materialized])
            chosen = _chosen(name, held, tables)
            shapes = [
                _table(inspector, engine.dialect, t, schema)
                if t not in views | materialized
                else _view(inspector, engine.dialect, t, schema, t in materialized)
                for t in chosen
            ]
            return shapes, inspector.default_schema_name
    except SQLAlchemyError as exc:
        cause = type(getattr(exc, "orig", None) or exc).__name__
        raise SourceUnavailableError(f"source {name}: its schema cannot be read ({cause})") from exc
    finally:
        engine.dispose()
        source.close()


def _chosen(name: str, held: list[str], tables: Sequence[str] | None) -> list[str]:
    if not tables:
        return held
    missing = [t for t in tables if t not in held]
    if missing:
        raise ConfigurationError(
            f"source {name} has no table {missing[0]!r}; its tables and views: "
            f"{', '.join(held) or 'none'}"
        )
    return sorted(set(tables))


def _table(inspector: Inspector, dialect: Dialect, table: str, schema: str | None) -> TableShape:
    keys = inspector.get_foreign_keys(table, schema=schema)
    return TableShape(
        name=table,
        columns=_columns(inspector, dialect, table, schema),
        primary_key=tuple(inspector.get_pk_constraint(table, schema=schema)["constrained_columns"]),
        foreign_keys=tuple(_foreign_key(k, schema) for k in keys if k["referred_table"]),
        unique=_unique(inspector, table, schema),
    )


def _materialized_views(inspector: Inspector, schema: str | None) -> set[str]:
    """PostgreSQL's materialized views, which it lists apart from its views; the other
    databases have none."""
    try:
        return set(inspector.get_materialized_view_names(schema=schema))
    except NotImplementedError:
        return set()


def _view(
    inspector: Inspector, dialect: Dialect, view: str, schema: str | None, materialized: bool
) -> TableShape:
    """A view's columns: the catalog declares no key of a view."""
    columns = _columns(inspector, dialect, view, schema)
    return TableShape(name=view, columns=columns, view=True, materialized=materialized)


def _columns(
    inspector: Inspector, dialect: Dialect, table: str, schema: str | None
) -> tuple[ColumnShape, ...]:
    return tuple(
        _column(c["name"], c["type"], bool(c.get("nullable", True)), dialect)
        for c in inspector.get_columns(table, schema=schema)
    )


def _unique(inspector: Inspector, table: str, schema: str | None) -> tuple[tuple[str, ...], ...]:
    """Unique constraints and unique indexes (SQLite's parser misses `col TYPE NOT NULL
    UNIQUE`, whose automatic index it reports when asked for those)."""
    found = [tuple(u["column_names"]) for u in inspector.get_unique_constraints(table, schema)]
    indexes = inspector.get_indexes(table, schema, include_auto_indexes=True)
    for index in indexes:  # an expression index names no column for its expression
        names = index["column_names"]
        if index["unique"] and all(n is not None for n in names):
            found.append(tuple(str(n) for n in names))
    return tuple(dict.fromkeys(found))


def _column(name: str, declared: TypeEngine[Any], nullable: bool, dialect: Dialect) -> ColumnShape:
    try:
        text = declared.compile(dialect=dialect)
    except SQLAlchemyError:  # SQLite allows a column without a type
        text = ""
    # VARCHAR(255), ENUM('int','x'): what the parentheses hold is no type
    kind = type_family(re.sub(r"\(.*?\)", "", text))
    return ColumnShape(name, kind, isinstance(declared, Integer), nullable)


def _foreign_key(found: Any, schema: str | None) -> ForeignKey:
    there = found.get("referred_schema")
    return ForeignKey(
        columns=tuple(found["constrained_columns"]),
        table=found["referred_table"],
        target_columns=tuple(found["referred_columns"]),
        schema=there if there not in (None, schema) else None,
    )
