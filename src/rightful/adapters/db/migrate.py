"""Bring a store's schema to the newest revision with Alembic, programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATING = 0x7269_6768_7466_756C  # "rightful": the advisory lock that migrations take turns on


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision this version of rightful knows."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the migrations have one head"
    return head


def is_known(revision: str) -> bool:
    """Whether `revision` is one of this version's migrations (else a newer version wrote it)."""
    try:
        return ScriptDirectory(str(MIGRATIONS)).get_revision(revision) is not None
    except CommandError:
        return False


def upgrade(engine: Engine) -> None:
    """Apply every pending migration to the store behind `engine` (idempotent). Processes that
    migrate one PostgreSQL store at once (servers started together, each running init's steps)
    take turns: the later ones find it migrated. Without the lock the second one's CREATE TABLE
    met the first one's tables, and it stopped with an IntegrityError traceback."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # held until this transaction ends
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATING})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
