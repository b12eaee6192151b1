"""Write an estate to SQLite files and a blob folder, or into a PostgreSQL or MariaDB database."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rightful.adapters.files import atomic_writer
from rightful.demo.estate import BLOB_STORE, DemoEstate
from rightful.demo.schema import TABLES, columns_of, create_statements, to_db
from rightful.demo.story import hearthly


def seed_demo(target_dir: Path | str, estate: DemoEstate | None = None) -> DemoEstate:
    """Write the estate (default: Hearthly) as SQLite files and a blob folder; idempotent."""
    estate = estate or hearthly()
    target = Path(target_dir).resolve()
    target.mkdir(parents=True, exist_ok=True)
    dsns = {}
    for dataset in TABLES:
        path = target / f"{dataset}.db"
        _write_sqlite(path, dataset, estate)
        dsns[dataset] = f"sqlite:///{path}"
    blob_root = target / "blobs" / BLOB_STORE
    _write_blobs(blob_root, estate)
    dsns[BLOB_STORE] = blob_root.as_uri()
    estate.directory, estate.dsns = target, dsns
    return estate


def _write_sqlite(path: Path, dataset: str, estate: DemoEstate) -> None:
    # Built in memory and written beside the target, then renamed over it: a reader never
    # sees half a database.
    conn = sqlite3.connect(":memory:")
    with conn:
        for statement in create_statements("sqlite", dataset):
            conn.execute(statement)
        for table, rows in _rows_of(estate, dataset, "sqlite").items():
            marks = ", ".join("?" * len(columns_of(table)))
            conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
    image = conn.serialize()
    conn.close()
    with atomic_writer(path, prefix=f".{path.name}.", fsync=False) as out:
        out.write(image)


def _rows_of(estate: DemoEstate, dataset: str | None, dialect: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {
        t: [] for d, ts in TABLES.items() if dataset in (None, d) for t in ts
    }
    for row in estate.rows:
        if row.table in out:
            out[row.table].append(tuple(to_db(dialect, v) for v in row.values))
    return out


def _write_blobs(root: Path, estate: DemoEstate) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for key, data in estate.blobs.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.read_bytes() == data:
            continue
        temp = path.with_name(f".{path.name}.tmp")
        temp.write_bytes(data)
        os.replace(temp, path)


def load_demo_sql(url: str, estate: DemoEstate | None = None) -> DemoEstate:
    """Create the demo tables in an empty PostgreSQL or MariaDB database and fill them.

    Every dataset's source points at the same database; a blob DSN is kept when the estate
    was seeded to a folder before.
    """
    estate = estate or hearthly()
    scheme = url.split("://", 1)[0].split("+", 1)[0]
    if scheme in {"postgresql", "postgres"}:
        _load_postgres("postgresql://" + url.split("://", 1)[1], estate)
    elif scheme in {"mysql", "mariadb"}:
        _load_mysql(url, estate)
    else:
        raise ValueError(f"unsupported database URL scheme {scheme}")
    dsns = {dataset: url for dataset in TABLES}
    if BLOB_STORE in estate.dsns:
        dsns[BLOB_STORE] = estate.dsns[BLOB_STORE]
    return DemoEstate(
        estate.customers, estate.rows, estate.blobs, estate.datamap_files, estate.directory, dsns
    )


def _load_postgres(dsn: str, estate: DemoEstate) -> None:
    import psycopg

    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        for statement in create_statements("postgresql"):
            cur.execute(statement)
        for table, rows in _rows_of(estate, None, "postgresql").items():
            _insert_many(cur, table, rows, '"')


def _load_mysql(url: str, estate: DemoEstate) -> None:
    import pymysql

    from rightful.adapters.sources.mysql import connect_args

    conn = pymysql.connect(autocommit=False, **connect_args(url))
    try:
        with conn.cursor() as cur:
            for statement in create_statements("mysql"):
                cur.execute(statement)
            for table, rows in _rows_of(estate, None, "mysql").items():
                _insert_many(cur, table, rows, "`")
        conn.commit()
    finally:
        conn.close()


def _insert_many(cur: Any, table: str, rows: Sequence[Any], quote: str) -> None:
    if not rows:
        return
    columns = ", ".join(f"{quote}{c}{quote}" for c in columns_of(table))
    marks = ", ".join(["%s"] * len(columns_of(table)))
    cur.executemany(f"INSERT INTO {quote}{table}{quote} ({columns}) VALUES ({marks})", rows)
