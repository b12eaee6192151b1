"""SQLite writers wait for their turn in short steps: a transaction whose first write finds another
connection writing tries again until the busy timeout, and loses or repeats nothing by it."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from rightful.adapters.db import sqlite_writers
from rightful.adapters.db.base import make_engine
from rightful.adapters.db.sqlite_writers import FIRST_PAUSE, LONGEST_PAUSE, TurnTakingConnection


def connect(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, timeout=timeout, factory=TurnTakingConnection, check_same_thread=False
    )
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    with connect(path) as setup:
        setup.execute("CREATE TABLE t (who TEXT, n INTEGER, UNIQUE (who, n))")
    return path


def rows(path: Path) -> list[tuple[str, int]]:
    with connect(path) as reader:
        return sorted(reader.execute("SELECT who, n FROM t").fetchall())


def test_a_writer_that_finds_another_writing_goes_on_once_it_has_committed(db: Path) -> None:
    first, second = connect(db), connect(db)
    first.execute("INSERT INTO t VALUES ('first', 1)")  # first holds the write lock
    threading.Timer(0.05, first.commit).start()

    second.execute("INSERT INTO t VALUES ('second', 1)")
    second.executemany("INSERT INTO t VALUES (?, ?)", [("second", 2), ("second", 3)])
    second.commit()

    assert rows(db) == [("first", 1), ("second", 1), ("second", 2), ("second", 3)]
    assert second.execute("PRAGMA busy_timeout").fetchone() == (5000,)


def test_the_waiting_writer_tries_again_in_short_steps_not_in_sqlites_sleeps(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = connect(db), connect(db)
    first.execute("INSERT INTO t VALUES ('first', 1)")
    pauses: list[float] = []

    def recorded(seconds: float) -> None:  # the first writer commits during the tenth pause
        pauses.append(seconds)
        if len(pauses) == 10:
            first.commit()

    monkeypatch.setattr(sqlite_writers.time, "sleep", recorded)
    second.execute("INSERT INTO t VALUES ('second', 1)")
    second.commit()

    doubling = [FIRST_PAUSE * 2**n for n in range(5)]
    assert pauses == [*doubling, *[LONGEST_PAUSE] * 5]
    assert rows(db) == [("first", 1), ("second", 1)]


def test_the_first_write_of_a_many_row_statement_waits_too(db: Path) -> None:
    first, second = connect(db), connect(db)
    first.execute("INSERT INTO t VALUES ('first', 1)")
    threading.Timer(0.05, first.commit).start()

    second.executemany("INSERT INTO t VALUES (?, ?)", iter([("second", 1), ("second", 2)]))
    second.commit()
    assert rows(db) == [("first", 1), ("second", 1), ("second", 2)]


def test_a_writer_that_waits_past_the_busy_timeout_fails_and_writes_nothing(db: Path) -> None:
    holder, waiter = connect(db), connect(db, timeout=0.2)
    holder.execute("INSERT INTO t VALUES ('holder', 1)")

    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        waiter.execute("INSERT INTO t VALUES ('waiter', 1)")
    assert not waiter.in_transaction
    assert waiter.execute("PRAGMA busy_timeout").fetchone() == (200,)

    holder.commit()
    waiter.execute("INSERT INTO t VALUES ('waiter', 2)")
    waiter.commit()
    assert rows(db) == [("holder", 1), ("waiter", 2)]


def test_other_errors_of_a_first_write_are_raised_at_once(db: Path) -> None:
    writer = connect(db)
    writer.execute("INSERT INTO t VALUES ('a', 1)")
    writer.commit()
    with pytest.raises(sqlite3.IntegrityError):
        writer.execute("INSERT INTO t VALUES ('a', 1)")
    writer.rollback()
    assert rows(db) == [("a", 1)]


def test_many_writers_at_once_each_commit_every_transaction_whole(db: Path) -> None:
    """Four threads, each with its own connection, write 50 transactions of three rows; rows
    of a transaction that waited are neither lost nor written twice."""
    errors: list[BaseException] = []

    def write(who: str) -> None:
        connection = connect(db)
        try:
            for n in range(50):
                connection.execute("INSERT INTO t VALUES (?, ?)", (who, 3 * n))
                connection.executemany(
                    "INSERT INTO t VALUES (?, ?)", [(who, 3 * n + 1), (who, 3 * n + 2)]
                )
                connection.commit()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert rows(db) == sorted((f"w{i}", n) for i in range(4) for n in range(150))


def test_the_store_engine_uses_such_connections(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'rightful.db'}")
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, TurnTakingConnection)
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    engine.dispose()
