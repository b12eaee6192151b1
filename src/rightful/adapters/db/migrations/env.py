"""Alembic environment: migrates rightful's own store (SQLite or PostgreSQL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from rightful.adapters.db import models  # noqa: F401 - registers every table on Base.metadata
from rightful.adapters.db.base import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _include(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    """When writing a migration for one feature, limit autogenerate to that feature's tables."""
    only = config.attributes.get("only_tables")
    if only is None or kind != "table":
        return True
    return name in only


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
