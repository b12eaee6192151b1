"""SQLAlchemy declarative base, engine factory and the one-transaction-per-command unit of work."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, make_url
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from rightful.adapters.db.sqlite_writers import TurnTakingConnection
from rightful.domain.errors import ConfigurationError, ConflictError

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every table of rightful's own store."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and hands back aware UTC datetimes (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# MariaDB and MySQL lack what the store relies on (UPDATE … RETURNING for the audit chain's
# head, fractional seconds in a plain DATETIME, which the chain's hashes cover): a store there
# could not record a single request, so it is refused before anything is made.
NOT_A_STORE: Final = frozenset({"mysql", "mariadb"})


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with a pool; SQLite gets WAL, and writers that wait for their turn in short
    steps within a busy timeout (sqlite_writers.py)."""
    if url.startswith("sqlite"):
        connect = {"timeout": 30, "check_same_thread": False, "factory": TurnTakingConnection}
        engine = create_engine(url, connect_args=connect, **kwargs)
        if (path := sqlite_file(url)) is not None:
            event.listen(engine, "do_connect", lambda *_: _create_private(path))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.split(":", 1)[0].split("+", 1)[0] in NOT_A_STORE:
        raise ConfigurationError(
            f"database_url: rightful's own store runs on PostgreSQL (postgresql+psycopg://…) or "
            f"SQLite (sqlite:///…), not on {url.split(':', 1)[0]}:// (MariaDB and MySQL serve as "
            "sources of a data map only)"
        )
    try:
        return create_engine(url, pool_pre_ping=True, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigurationError(
            f"database_url: no driver for {url.split(':', 1)[0]}:// ({type(exc).__name__}); use "
            "sqlite:///… or postgresql+psycopg://…"
        ) from None


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store; None for other stores, in-memory ones and `file:` URIs."""
    parsed = make_url(url)
    name = parsed.database
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return None
    return None if name.startswith("file:") else Path(name)


def missing_sqlite_store(url: str) -> Path | None:
    """The file of a SQLite store that does not exist yet; None for other stores."""
    path = sqlite_file(url)
    return None if path is None or path.exists() else path


def no_store_yet(location: object) -> str:
    """What to do about a SQLite store that does not exist yet."""
    return f"there is no store at {location} yet; run `rightful init` first"


def store_name(url: str) -> str:
    """The store as people name it: a SQLite store's file, else its URL without the password."""
    path = sqlite_file(url)
    if path is not None:
        return str(path.resolve())
    return make_url(url).render_as_string(hide_password=True)


def _create_private(path: Path) -> None:
    """Create the store's file 0600 before SQLite opens it: SQLite would make it, and the -wal
    and -shm files that take its mode, readable by everyone, and it holds requesters' names and
    addresses. A missing folder is left for SQLite to report."""
    with suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Store:
    """The store of rightful's own records: one engine, one session factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls everything back on any error."""
        session = self.sessions()
        try:
            with session.begin():
                yield session
        except StaleDataError:  # a row's version moved under us: another writer came first
            raise ConflictError(
                "it changed while this was being done; look again and retry"
            ) from None
        finally:
            session.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name
