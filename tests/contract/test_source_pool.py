"""Source connections kept between requests: no connection churn per request, yet a connection
the database dropped is never handed out, and the data map's schema still holds (brief: "no
per-request process or connection churn")."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path

import psycopg
import pymysql
import pytest

from rightful.adapters.sources import OpenSources, opened_sources
from rightful.adapters.sources.mysql import connect_args
from rightful.adapters.sources.pool import SourcePool
from rightful.adapters.sources.sql import SqlSource
from rightful.adapters.sources.sqlite import SqliteSource
from rightful.domain.errors import ConfigurationError, SourceUnavailableError

from .test_sources import COLUMNS, SCHEMA, _mysql, _postgres, _sqlite


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def dsn(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The contract's tables in each kind of database."""
    return contract_tables(request, tmp_path)


@pytest.fixture(
    params=[
        "sqlite-wal",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def moment_dsn(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The contract's tables where a reader can keep one moment without holding up writers."""
    return contract_tables(request, tmp_path)


def contract_tables(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The contract's tables in the kind of database the fixture's parameter names."""
    if request.param == "postgresql":
        return _postgres(request.getfixturevalue("pg_url"))
    if request.param == "mysql":
        return _mysql(request.getfixturevalue("mysql_url"))
    if request.param == "sqlite-wal":
        return contract_tables_in_wal(tmp_path)
    return _sqlite(tmp_path)


def contract_tables_in_wal(tmp_path: Path) -> str:
    url = _sqlite(tmp_path)
    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as wal:
        wal.execute("PRAGMA journal_mode=WAL")
    return url


def add_person(dsn: str, person_id: int, email: str) -> None:
    """Another writer commits a new row to the source (timeout 0 on SQLite: never waits)."""
    row = (person_id, email, "Bea")
    if dsn.startswith("sqlite"):
        path = dsn.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path, timeout=0)) as db, db:
            db.execute("INSERT INTO people VALUES (?, ?, ?)", row)
    elif dsn.startswith("postgresql"):
        with psycopg.connect("postgresql://" + dsn.split("://", 1)[1], autocommit=True) as db:
            db.execute("INSERT INTO people VALUES (%s, %s, %s)", row)
    else:
        db = pymysql.connect(autocommit=True, **connect_args(dsn))
        with db.cursor() as cursor:
            cursor.execute("INSERT INTO people VALUES (%s, %s, %s)", row)
        db.close()


def found(opened: OpenSources, email: str) -> set[int]:
    source = opened.records["people"]
    return {r[0] for r in source.lookup("people", COLUMNS, "email", [email])}


def test_a_request_reads_each_source_as_of_one_moment(moment_dsn: str) -> None:
    """A collection reads ownership windows and the recordings they cover in separate queries;
    inside one borrowing they all see the source as of the first read, so a change committed
    in between (a device resold, a recording added) is seen by the next request, not half by
    this one (brief: the chain says who owned a device when a recording was made)."""
    pool = SourcePool({"people": moment_dsn}, {"people": SCHEMA})
    with pool.borrowed() as opened:
        assert found(opened, "bea@example.com") == set()
        add_person(moment_dsn, 90, "bea@example.com")
        assert found(opened, "bea@example.com") == set()
    with pool.borrowed() as opened:
        assert found(opened, "bea@example.com") == {90}
    pool.close()


def test_a_connection_whose_moment_could_not_be_ended_is_not_handed_out_again(
    tmp_path: Path,
) -> None:
    """Its transaction might still be open, and the next request would read an old moment."""
    dsn = contract_tables_in_wal(tmp_path)
    pool = SourcePool({"people": dsn}, {"people": SCHEMA})
    with pool.borrowed() as opened:
        broken = opened.records["people"]
        assert found(opened, "bea@example.com") == set()
        broken._conn.close()  # type: ignore[attr-defined]  # its COMMIT fails
    with pool.borrowed() as opened:
        assert opened.records["people"] is not broken
        assert people(pool) == {1}
    pool.close()


class CommitRefused(SqliteSource):
    """A connection that answers, but whose COMMIT fails once (its transaction may be open)."""

    def command(self, sql: str) -> None:
        if sql == "COMMIT":
            raise SourceUnavailableError("source people: OperationalError")
        super().command(sql)


def test_a_connection_that_answers_but_could_not_end_its_moment_is_not_fit_for_reuse(
    tmp_path: Path,
) -> None:
    """It still answers, so neither alive() nor the next BEGIN would find it out, and on
    PostgreSQL that BEGIN only warns inside an open transaction: the next request would read
    this one's moment."""
    path = contract_tables_in_wal(tmp_path).removeprefix("sqlite:///")
    source = CommitRefused("people", path, SCHEMA)
    with source.snapshot():
        list(source.lookup("people", COLUMNS, "email", ["anna@example.com"]))
    assert source.alive()
    assert not source.fit_for_reuse()
    source.close()


def test_a_collection_job_reads_each_source_as_of_one_moment_too(moment_dsn: str) -> None:
    with opened_sources({"people": moment_dsn}, {"people": SCHEMA}) as opened:
        assert found(opened, "bea@example.com") == set()
        add_person(moment_dsn, 90, "bea@example.com")
        assert found(opened, "bea@example.com") == set()
    with opened_sources({"people": moment_dsn}, {"people": SCHEMA}) as opened:
        assert found(opened, "bea@example.com") == {90}


def test_a_sqlite_source_with_a_rollback_journal_never_holds_up_its_writers(
    tmp_path: Path,
) -> None:
    """There a read transaction would lock the file against the application writing it for
    the whole request: each statement reads on its own instead."""
    dsn = _sqlite(tmp_path)
    pool = SourcePool({"people": dsn}, {"people": SCHEMA})
    with pool.borrowed() as opened:
        assert found(opened, "bea@example.com") == set()
        add_person(dsn, 90, "bea@example.com")  # timeout 0: "database is locked" if held
        assert found(opened, "bea@example.com") == {90}
    pool.close()


def test_a_failed_request_ends_its_moment_with_its_connections(moment_dsn: str) -> None:
    pool = SourcePool({"people": moment_dsn}, {"people": SCHEMA})

    def a_build_that_fails() -> None:
        with pool.borrowed() as opened:
            assert found(opened, "bea@example.com") == set()
            add_person(moment_dsn, 90, "bea@example.com")
            raise RuntimeError("the build stopped halfway")

    with pytest.raises(RuntimeError):
        a_build_that_fails()
    with pool.borrowed() as opened:
        assert found(opened, "bea@example.com") == {90}
    pool.close()


def test_a_sqlite_file_replaced_on_disk_is_read_afresh(tmp_path: Path) -> None:
    """A fresh export renamed over the source file: the kept connection would go on reading
    the old file, nameless but still open, so the next request opens the new one."""
    dsn = _sqlite(tmp_path)
    pool = SourcePool({"people": dsn}, {"people": SCHEMA})
    with pool.borrowed() as opened:
        assert found(opened, "bea@example.com") == set()
    (tmp_path / "export").mkdir()
    export = _sqlite(tmp_path / "export")
    add_person(export, 90, "bea@example.com")
    os.replace(export.removeprefix("sqlite:///"), dsn.removeprefix("sqlite:///"))
    with pool.borrowed() as opened:
        assert found(opened, "bea@example.com") == {90}
    pool.close()


def test_a_sqlite_file_deleted_on_disk_fails_the_next_request(tmp_path: Path) -> None:
    dsn = _sqlite(tmp_path)
    pool = SourcePool({"people": dsn}, {"people": SCHEMA})
    assert people(pool) == {1}
    Path(dsn.removeprefix("sqlite:///")).unlink()
    with pytest.raises(SourceUnavailableError, match="does not exist"):
        people(pool)
    pool.close()


def test_a_configured_source_the_data_map_does_not_use_is_never_opened(tmp_path: Path) -> None:
    """A stale entry left in `sources` (an export long deleted, a folder long moved) would fail
    every request and every collection job, though nothing reads it: only the sources the data
    map's schemas name are opened; a blob store when first looked up."""
    dsns = {
        "people": _sqlite(tmp_path),
        "legacy": f"sqlite:///{tmp_path}/gone.db",
        "old-recordings": (tmp_path / "gone").as_uri(),
    }
    pool = SourcePool(dsns, {"people": SCHEMA})
    assert people(pool) == {1}
    with pool.borrowed() as opened:
        assert list(opened.records) == ["people"] and list(opened.blobs) == ["old-recordings"]
        with pytest.raises(ConfigurationError, match="the folder does not exist"):
            opened.blobs["old-recordings"]
    pool.close()
    with opened_sources(dsns, {"people": SCHEMA}) as opened:
        assert list(opened.records) == ["people"]
    assert not (tmp_path / "gone.db").exists()


def people(pool: SourcePool) -> set[int]:
    with pool.borrowed() as opened:
        source = opened.records["people"]
        return {r[0] for r in source.lookup("people", COLUMNS, "email", ["anna@example.com"])}


def test_a_thread_keeps_its_connections_from_one_request_to_the_next(dsn: str) -> None:
    pool = SourcePool({"people": dsn}, {"people": SCHEMA})
    with pool.borrowed() as first:
        kept = first.records["people"]
    with pool.borrowed() as second:
        assert second.records["people"] is kept
    assert people(pool) == {1}
    pool.close()


def test_threads_never_share_a_connection(dsn: str) -> None:
    pool = SourcePool({"people": dsn}, {"people": SCHEMA})
    with pool.borrowed() as mine:
        here = mine.records["people"]
    there: list[object] = []

    def borrow() -> None:
        with pool.borrowed() as theirs:
            there.append(theirs.records["people"])

    worker = threading.Thread(target=borrow)
    worker.start()
    worker.join()
    assert there and there[0] is not here
    pool.close()


def test_pooled_sources_read_only_what_the_data_map_declares(dsn: str) -> None:
    pool = SourcePool({"people": dsn}, {"people": {"people": ("id", "email")}})
    with pool.borrowed() as opened, pytest.raises(ConfigurationError):
        list(opened.records["people"].lookup("people", COLUMNS, "email", ["anna@example.com"]))
    pool.close()


def test_a_failed_request_leaves_no_connection_to_the_next(dsn: str) -> None:
    pool = SourcePool({"people": dsn}, {"people": SCHEMA})
    borrowed: list[object] = []

    def a_build_that_fails() -> None:
        with pool.borrowed() as opened:
            borrowed.append(opened.records["people"])
            raise RuntimeError("the build stopped halfway")

    with pytest.raises(RuntimeError):
        a_build_that_fails()
    failed = borrowed[0]
    with pool.borrowed() as fresh:
        assert fresh.records["people"] is not failed
    assert people(pool) == {1}
    pool.close()


def test_a_connection_the_database_dropped_is_opened_again_before_use(dsn: str) -> None:
    if dsn.startswith("sqlite"):
        pytest.skip("a SQLite file has no server to drop the connection")
    pool = SourcePool({"people": dsn}, {"people": SCHEMA})
    with pool.borrowed() as opened:
        dropped = opened.records["people"]
        drop_connection(dropped, dsn)
    assert people(pool) == {1}  # no error: the next request got a new connection
    with pool.borrowed() as again:
        assert again.records["people"] is not dropped
    pool.close()


def test_a_connection_dropped_between_requests_is_opened_again_by_the_next(dsn: str) -> None:
    """Where the request's BEGIN goes to the server, it is the question whether the kept
    connection still answers (no SELECT 1 first)."""
    if dsn.startswith("sqlite"):
        pytest.skip("a SQLite file has no server to drop the connection")
    pool = SourcePool({"people": dsn}, {"people": SCHEMA})
    assert people(pool) == {1}
    with pool.borrowed() as opened:
        kept = opened.records["people"]
    drop_connection(kept, dsn)
    with pool.borrowed() as opened:
        assert opened.records["people"] is not kept
        assert found(opened, "anna@example.com") == {1}
    pool.close()


def drop_connection(source: object, dsn: str) -> None:
    """The database server ends this source's connection, as a restart would."""
    assert isinstance(source, SqlSource)
    if dsn.startswith("postgresql"):
        (pid,) = next(iter(source.rows("SELECT pg_backend_pid()", ())))
        with psycopg.connect("postgresql://" + dsn.split("://", 1)[1], autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return
    (pid,) = next(iter(source.rows("SELECT CONNECTION_ID()", ())))
    admin = pymysql.connect(autocommit=True, **connect_args(dsn))
    with admin.cursor() as cursor:
        cursor.execute(f"KILL {int(pid)}")
    admin.close()
