"""The Alembic migrations build exactly the schema the table models declare, on both stores."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from rightful.adapters.db import models  # noqa: F401 - registers every table
from rightful.adapters.db.base import Base, make_engine
from rightful.adapters.db.migrate import current_revision, upgrade


def test_migrations_match_the_models_and_are_idempotent(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    upgrade(engine)  # a second run changes nothing
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(engine) is not None
    engine.dispose()
