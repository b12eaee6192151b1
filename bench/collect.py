"""Benchmark: collect one heavy subject from a large PostgreSQL estate, against hand-written SQL.

Builds (or reuses) an estate in PostgreSQL with the demo data map's tables, then in one run
times rightful's collector and the equivalent hand-written, indexed SQL that returns exactly
the same rows, and prints their ratio and the peak RSS. Targets: ratio <= 1.5, RSS < 200 MB.

    .venv/bin/python bench/collect.py --customers 100000 --devices 200000 --recordings 2000000
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.adapters.sources.pool import SourcePool
from rightful.demo.estate import DATAMAP_FILES
from rightful.demo.schema import create_statements
from rightful.domain.clock import FixedClock
from rightful.domain.identities import normalise
from rightful.domain.provenance import SubjectKey
from rightful.services.collection import collect
from rightful.services.collection_plan import compile_plan

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
NOW = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
HEAVY = 1  # the heavy subject's customer id
LIGHT = 2  # a typical subject, for the fixed cost


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--devices", type=int, default=2_000_000)
    parser.add_argument("--recordings", type=int, default=20_000_000)
    parser.add_argument("--heavy-recordings", type=int, default=1_700)
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--database", default="rightful_bench")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the estate")
    return parser.parse_args()


def ensure_estate(args: argparse.Namespace) -> str:
    """Create the estate unless a database with the same sizes exists; return its DSN."""
    dsn = ADMIN.rsplit("/", 1)[0] + f"/{args.database}"
    sizes = f"{args.customers}/{args.devices}/{args.recordings}/{args.heavy_recordings}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.database]
        ).fetchone()
        if exists and not args.rebuild and _built_sizes(dsn) == sizes:
            print(f"reusing estate {args.database} ({sizes})")
            return dsn
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        build(conn, args)
        conn.execute("CREATE TABLE bench_meta (sizes TEXT)")
        conn.execute("INSERT INTO bench_meta VALUES (%s)", [sizes])
    print(f"built estate {args.database} ({sizes}) in {time.perf_counter() - started:.0f} s")
    return dsn


def _built_sizes(dsn: str) -> str | None:
    try:
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT sizes FROM bench_meta").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def build(conn: psycopg.Connection[Any], args: argparse.Namespace) -> None:
    """Fill the demo tables with generate_series; the heavy subject owns the last two devices."""
    c, d, r, heavy = args.customers, args.devices, args.recordings, args.heavy_recordings
    step = max(1, r // heavy)
    tables, indexes = _split(create_statements("postgresql"))
    for statement in tables:
        conn.execute(statement)
    for label, sql in [
        (
            "customers",
            f"""INSERT INTO customers SELECT i, 'Customer ' || i, 'c' || i || '@example.com',
            NULL, 'DE', timestamptz '2019-01-01' + i * interval '1 second'
            FROM generate_series(1, {c}) i""",
        ),
        (
            "email_history",
            f"""INSERT INTO email_history SELECT i, i, 'c' || i || '@example.com',
            timestamptz '2019-01-01', NULL FROM generate_series(1, {c}) i""",
        ),
        (
            "household_members",
            f"""INSERT INTO household_members SELECT i, i * 2 - 1,
            'Partner ' || i, 'partner' FROM generate_series(1, {c // 2}) i""",
        ),
        (
            "contacts",
            f"""INSERT INTO contacts SELECT i, CASE WHEN i <= 50 THEN {HEAVY}
            ELSE 1 + i % {c} END, 'Contact ' || i, '+4930' || (1000000 + i)
            FROM generate_series(1, {2 * c}) i""",
        ),
        (
            "orders",
            f"""INSERT INTO orders SELECT i, CASE WHEN i <= 30 THEN {HEAVY}
            ELSE 1 + i % {c} END, timestamptz '2021-01-01' + i * interval '1 minute',
            'Hearthly Mini', 4900, 'Street ' || i FROM generate_series(1, {c}) i""",
        ),
        (
            "devices",
            f"""INSERT INTO devices SELECT 'S' || i, 'Hearthly One', '4.2.1'
            FROM generate_series(1, {d}) i""",
        ),
        (
            "device_ownership",
            f"""INSERT INTO device_ownership SELECT i, 'S' || i,
            CASE WHEN i > {d - 2} THEN {HEAVY} ELSE 2 + i % {c - 1} END,
            CASE WHEN i = {d} THEN timestamptz '2020-06-01' ELSE timestamptz '2020-01-01' END,
            NULL FROM generate_series(1, {d}) i""",
        ),
        (
            "recordings",
            f"""INSERT INTO recordings SELECT i, 'S' || dev,
            timestamptz '2020-01-01' + ((i::bigint * 7) % 2000000) * interval '1 minute', 1500,
            'transcript of recording ' || i, 'blob://recordings/S' || dev || '/' || i || '.wav'
            FROM (SELECT i, CASE WHEN i % {step} = 0 AND i / {step} <= {heavy}
                    THEN {d - 1} + (i / {step}) % 2
                    ELSE 1 + (i::bigint * 7919) % {d - 2} END AS dev
                  FROM generate_series(1, {r}) i) s""",
        ),
        (
            "support_tickets",
            f"""INSERT INTO support_tickets SELECT i,
            ' C' || CASE WHEN i <= 3 THEN {HEAVY} ELSE 1 + i % {c} END || '@Example.com',
            timestamptz '2022-01-01', 'Help', 'Body'
            FROM generate_series(1, {c // 10 + 5}) i""",
        ),
        (
            "newsletter",
            f"""INSERT INTO newsletter SELECT i,
            'c' || CASE WHEN i <= 2 THEN {HEAVY} ELSE 1 + i % {c} END || '@EXAMPLE.com ',
            timestamptz '2022-01-01', 'news' FROM generate_series(1, {c // 5 + 5}) i""",
        ),
    ]:
        started = time.perf_counter()
        conn.execute(sql)
        print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)
    for statement in indexes:
        conn.execute(statement)
    conn.execute("VACUUM ANALYZE")


def _split(statements: list[str]) -> tuple[list[str], list[str]]:
    return [s for s in statements if " TABLE " in s], [s for s in statements if " INDEX " in s]


HAND_WRITTEN = [
    ("customers", "SELECT customer_id FROM customers WHERE lower(trim(email)) = %(email)s"),
    (
        "email_history",
        """SELECT customer_id FROM email_history WHERE lower(trim(email)) = %(email)s
        AND valid_from <= %(now)s AND (valid_until IS NULL OR valid_until > %(now)s)""",
    ),
    ("customers", "SELECT * FROM customers WHERE customer_id = %(id)s"),
    ("email_history", "SELECT * FROM email_history WHERE customer_id = %(id)s"),
    ("household_members", "SELECT * FROM household_members WHERE customer_id = %(id)s"),
    ("contacts", "SELECT * FROM contacts WHERE customer_id = %(id)s"),
    ("orders", "SELECT * FROM orders WHERE customer_id = %(id)s"),
    ("device_ownership", "SELECT * FROM device_ownership WHERE customer_id = %(id)s"),
    (
        "devices",
        """SELECT DISTINCT d.* FROM devices d JOIN device_ownership o
        ON o.device_serial = d.serial WHERE o.customer_id = %(id)s""",
    ),
    (
        "recordings",
        """SELECT DISTINCT r.* FROM recordings r JOIN device_ownership o
        ON r.device_serial = o.device_serial AND r.recorded_at >= o.owned_from
        AND (o.owned_until IS NULL OR r.recorded_at < o.owned_until)
        WHERE o.customer_id = %(id)s""",
    ),
    (
        "support_tickets",
        """SELECT DISTINCT t.* FROM support_tickets t JOIN email_history h
        ON lower(trim(t.email)) = lower(trim(h.email)) AND t.created_at >= h.valid_from
        AND (h.valid_until IS NULL OR t.created_at < h.valid_until)
        WHERE h.customer_id = %(id)s""",
    ),
    (
        "newsletter",
        """SELECT DISTINCT n.* FROM newsletter n JOIN email_history h
        ON lower(trim(n.email)) = lower(trim(h.email)) AND n.subscribed_at >= h.valid_from
        AND (h.valid_until IS NULL OR n.subscribed_at < h.valid_until)
        WHERE h.customer_id = %(id)s""",
    ),
]


def hand_written(conn: psycopg.Connection[Any], customer: int) -> set[tuple[str, Any]]:
    """The same rows by hand: identity lookups, then one indexed join per collection."""
    params = {"email": f"c{customer}@example.com", "now": NOW.now(), "id": customer}
    found: set[tuple[str, Any]] = set()
    for table, sql in HAND_WRITTEN[2:]:
        found.update((table, row[0]) for row in conn.execute(sql, params).fetchall())
    for _, sql in HAND_WRITTEN[:2]:
        conn.execute(sql, params).fetchall()
    return found


def timed_pair(
    ours: Callable[[], Any], theirs: Callable[[], Any], repeat: int
) -> tuple[float, float, Any, Any]:
    """Median wall times of both, run alternately after two warm-up rounds (noise hits both)."""
    for _ in range(2):
        ours(), theirs()
    ours_times, their_times = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        ours_result = ours()
        ours_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        their_result = theirs()
        their_times.append(time.perf_counter() - started)
    return (
        statistics.median(ours_times),
        statistics.median(their_times),
        ours_result,
        their_result,
    )


def main() -> int:
    args = parse_args()
    dsn = ensure_estate(args)
    compiled = compile_plan(load_datamap(DATAMAP_FILES))
    datamap = compiled.datamap
    # Kept connections lent to each request, as a server's builds have them
    pool = SourcePool(
        {n: dsn for n in datamap.sources}, {n: datamap.schema_of(n) for n in datamap.sources}
    )
    conn = psycopg.connect(dsn, autocommit=True)

    def collector(customer: int) -> set[tuple[str, Any]]:
        # The identity issue resolves the subject once at verification; a run re-checks it.
        email = normalise("email", f"c{customer}@example.com")
        # As in a build: each source read as of one moment (a read-only transaction)
        with pool.borrowed() as opened:
            subject = SubjectKey("accounts.customers", customer)
            run = collect(compiled, opened.records, [email], subject, clock=NOW)
            found = {(r.collection, r.key[0]) for r in run}
        return {(collection.split(".")[1], key) for collection, key in found}

    report = {}
    for label, customer in (("heavy", HEAVY), ("light", LIGHT)):
        ours, theirs, ours_rows, their_rows = timed_pair(
            lambda c=customer: collector(c), lambda c=customer: hand_written(conn, c), args.repeat
        )
        if ours_rows != their_rows:
            print(f"MISMATCH for {label}: {len(ours_rows ^ their_rows)} rows differ")
            return 1
        recordings = sum(1 for t, _ in ours_rows if t == "recordings")
        report[label] = (ours, theirs, len(ours_rows), recordings)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for label, (ours, theirs, rows, recordings) in report.items():
        print(
            f"{label} subject: {rows} records ({recordings} recordings); collector "
            f"{ours * 1000:.1f} ms, hand-written SQL {theirs * 1000:.1f} ms, "
            f"ratio {ours / theirs:.2f}"
        )
    heavy_ours, heavy_theirs, rows, _ = report["heavy"]
    light_ours, light_theirs, _, _ = report["light"]
    per_row = max(0.0, (heavy_ours - heavy_theirs) - (light_ours - light_theirs)) / rows * 1e6
    print(
        f"fixed overhead {max(0.0, light_ours - light_theirs) * 1000:.1f} ms, "
        f"per-record overhead {per_row:.1f} µs"
    )
    print(
        f"ratio {heavy_ours / heavy_theirs:.2f} (target <= 1.5), "
        f"peak RSS {peak_mb:.0f} MB (target < 200)"
    )
    pool.close()
    conn.close()
    return 0 if heavy_ours / heavy_theirs <= 1.5 and peak_mb < 200 else 2


if __name__ == "__main__":
    sys.exit(main())
