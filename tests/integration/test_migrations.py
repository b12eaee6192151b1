"""The Alembic migrations build exactly the schema the table models declare, on both stores."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

import rightful
from rightful.adapters.db import models  # noqa: F401 - registers every table
from rightful.adapters.db.base import Base, make_engine
from rightful.adapters.db.migrate import alembic_config, current_revision, head_revision, upgrade


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


def test_0031_keeps_asks_for_unknown_request_ids_and_its_downgrade_drops_them(
    store_url: str,
) -> None:
    """The table that limits sign-in asks for ids no request has comes and goes with 0031
    (the store runs on SQLite and PostgreSQL; MariaDB serves as a source only)."""
    engine = make_engine(store_url)
    upgrade(engine)
    ask = text("INSERT INTO unknown_sign_in_asks (request_id, asked_at) VALUES (:r, :at)")
    with engine.begin() as connection:
        connection.execute(ask, {"r": "0" * 36, "at": datetime(2026, 12, 6, tzinfo=UTC)})
    downgrade(engine, "0030_refused_unverified")
    assert "unknown_sign_in_asks" not in inspect(engine).get_table_names()
    assert current_revision(engine) == "0030_refused_unverified"
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM unknown_sign_in_asks")) == 0
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_0032_takes_the_old_default_holder_from_keys_that_name_no_console_user(
    store_url: str,
) -> None:
    """Before 0032 a key without --holder was held by its name: "alice laptop" and "alice
    desktop" were two people to four eyes. Such a key now names no holder, unless its name is a
    console user's (then it is theirs either way); a holder given on purpose stays."""
    engine = make_engine(store_url)
    upgrade(engine)
    downgrade(engine, "0031_unknown_sign_in_asks")
    at = datetime(2026, 12, 6, tzinfo=UTC)
    key = text("INSERT INTO api_keys (id, name, holder, role, secret_hash, created_at)"
               " VALUES (:id, :name, :holder, 'reviewer', '0', :at)")  # fmt: skip
    user = text("INSERT INTO staff_users (id, name, role, password_hash, totp_secret,"
                " created_at, last_totp_step, failures)"
                " VALUES ('u1', 'Rita', 'reviewer', '!', '!', :at, 0, 0)")  # fmt: skip
    with engine.begin() as connection:
        connection.execute(user, {"at": at})
        for id_, name, holder in (("k1", "alice laptop", "alice laptop"), ("k2", "rita", "rita"),
                                  ("k3", "rita phone", "rita"), ("k4", "sam", "tom")):  # fmt: skip
            connection.execute(key, {"id": id_, "name": name, "holder": holder, "at": at})
    upgrade(engine)
    holders = text("SELECT id, holder FROM api_keys ORDER BY id")
    with engine.connect() as connection:
        assert list(connection.execute(holders)) == [
            ("k1", None),
            ("k2", "rita"),
            ("k3", "rita"),
            ("k4", "tom"),
        ]
    downgrade(engine, "0031_unknown_sign_in_asks")
    with engine.connect() as connection:
        assert connection.execute(holders).first() == ("k1", "alice laptop")
    engine.dispose()


def downgrade(engine: Engine, revision: str) -> None:
    """Alembic's downgrade to `revision` on the store behind `engine`."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
