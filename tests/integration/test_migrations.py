"""The Alembic migrations build exactly the schema the table models declare, on both stores."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import rightful
from rightful.adapters.db import models  # noqa: F401 - registers every table
from rightful.adapters.db.base import Base, make_engine
from rightful.adapters.db.migrate import current_revision, head_revision, upgrade


def test_migrations_match_the_models_and_are_idempotent(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    upgrade(engine)  # a second run changes nothing
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(engine) is not None
    engine.dispose()


@pytest.mark.postgres
def test_processes_migrating_one_postgresql_store_at_once_take_turns(pg_url: str) -> None:
    """Servers started together each run init's steps: the second one's CREATE TABLE met the
    first one's tables and stopped with an IntegrityError traceback."""
    migrate = f"from rightful.adapters.db.base import make_engine as m; from rightful.adapters.db.migrate import upgrade; upgrade(m({pg_url!r}))"  # noqa: E501
    env = {**os.environ, "PYTHONPATH": str(Path(rightful.__file__).parents[1])}
    started = [
        subprocess.Popen(
            [sys.executable, "-c", migrate], env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=120)[1] for p in started]
    assert [p.returncode for p in started] == [0, 0, 0], errors
    engine = make_engine(pg_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(engine) == head_revision()
    engine.dispose()
