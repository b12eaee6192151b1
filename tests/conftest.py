"""Shared fixtures: real PostgreSQL, MariaDB and Redis on loopback, a fresh database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pymysql
import pytest

PG_ADMIN = os.environ.get("RIGHTFUL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_HOST = os.environ.get("RIGHTFUL_TEST_MYSQL_HOST", "127.0.0.1")


def _unique(prefix: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}_{worker}_{uuid.uuid4().hex[:8]}"


def create_pg_database(prefix: str = "rightful_t") -> str:
    """Create an empty PostgreSQL database and return its SQLAlchemy URL (psycopg 3 driver)."""
    name = _unique(prefix)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_mysql_database(prefix: str = "rightful_t") -> str:
    """Create an empty MariaDB database and return its SQLAlchemy URL (PyMySQL driver)."""
    name = _unique(prefix)
    conn = pymysql.connect(host=MYSQL_HOST, user="root", password="", autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    finally:
        conn.close()
    return f"mysql+pymysql://root@{MYSQL_HOST}:3306/{name}?charset=utf8mb4"


def drop_mysql_database(url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    conn = pymysql.connect(host=MYSQL_HOST, user="root", password="", autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """A fresh, empty MariaDB database for one test."""
    url = create_mysql_database()
    yield url
    drop_mysql_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """rightful's own store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/rightful.db"
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    """A fresh PostgreSQL database shared by the tests of one module (for costly fixtures)."""
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="module")
def mysql_module_url() -> Iterator[str]:
    """A fresh MariaDB database shared by the tests of one module."""
    url = create_mysql_database()
    yield url
    drop_mysql_database(url)
