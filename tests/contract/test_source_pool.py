"""Source connections kept between requests: no connection churn per request, yet a connection
the database dropped is never handed out, and the data map's schema still holds (brief: "no
per-request process or connection churn")."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pymysql
import pytest

from rightful.adapters.sources.mysql import connect_args
from rightful.adapters.sources.pool import SourcePool
from rightful.adapters.sources.sql import SqlSource
from rightful.domain.errors import ConfigurationError

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
    if request.param == "sqlite":
        return _sqlite(tmp_path)
    if request.param == "postgresql":
        return _postgres(request.getfixturevalue("pg_url"))
    return _mysql(request.getfixturevalue("mysql_url"))


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
        assert isinstance(dropped, SqlSource)
        if dsn.startswith("postgresql"):
            (pid,) = next(iter(dropped.rows("SELECT pg_backend_pid()", ())))
            with psycopg.connect("postgresql://" + dsn.split("://", 1)[1]) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        else:
            (pid,) = next(iter(dropped.rows("SELECT CONNECTION_ID()", ())))
            admin = pymysql.connect(autocommit=True, **connect_args(dsn))
            with admin.cursor() as cursor:
                cursor.execute(f"KILL {int(pid)}")
            admin.close()
    assert people(pool) == {1}  # no error: the next request got a new connection
    with pool.borrowed() as again:
        assert again.records["people"] is not dropped
    pool.close()
