"""Benchmark: small access requests end to end in a running server, against a floor.

An estate of small subjects (an account and its address, a speaker with a few recordings, an
order, a support ticket) is written to the embedded default: SQLite files and a blob folder.
One process, as a server or a queue worker runs, handles `--warm` requests and then times
`--requests` more. Each is submitted, verified (a signed-in account), bound to its subject,
collected, packaged (encrypted and written durably) and checked by the leak gate.

The floor, timed alternately with rightful for the same subjects: the subject's rows read with
hand-written indexed SQL over connections kept open, and its files copied into one file and
fsynced, the least any system must do to answer the request.

Then `--workers` processes (each its own subjects, one store, as queue workers on this
machine) run at once, for the throughput of the machine. Prints the median and 95th
percentile per request, requests per second (target >= 100), the floor's ratio (floor time /
rightful's time) and peak RSS.

    .venv/bin/python bench/requests.py                      # 300 subjects, 2 workers
    .venv/bin/python bench/requests.py --requests 500 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from peak import peak_rss

START = datetime(2021, 1, 1, tzinfo=UTC)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed, per process")
    parser.add_argument("--warm", type=int, default=20, help="untimed first requests")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--recordings", type=int, default=3, help="per subject")
    parser.add_argument("--size", type=int, default=20_000, help="bytes per recording")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp folder")
    parser.add_argument(
        "--child", nargs=3, metavar=("DIR", "FIRST", "COUNT"), help=argparse.SUPPRESS
    )
    return parser.parse_args()


# --- the estate ------------------------------------------------------------------------------


def write_estate(target: Path, subjects: int, recordings: int, size: int) -> dict[str, str]:
    """`subjects` small customers, numbered from 1; returns the DSNs."""
    from rightful.demo import seed_demo
    from rightful.demo.estate import EstateBuilder

    b = EstateBuilder()
    for n in range(1, subjects + 1):
        email = f"s{n}@x.example"
        owner = b.customer(f"Subject {n}", email, START)
        b.email(owner, email, START, None)
        b.device(f"D-{n}")
        b.ownership(f"D-{n}", owner, START, None)
        for i in range(recordings):
            b.recording(f"D-{n}", START + timedelta(minutes=i), owner, f"request {i}")
        b.order(owner, START, "Hearthly One", 9_900, f"{n} Main Street")
        b.ticket(email, START + timedelta(days=1), owner, "Setup", "It will not pair.")
    estate = b.build()
    estate.blobs = {key: os.urandom(size) for key in estate.blobs}
    return dict(seed_demo(target, estate).dsns)


# --- the floor ---------------------------------------------------------------------------------

FLOOR_SQL = {
    "accounts": [
        "SELECT * FROM customers WHERE customer_id = :id",
        "SELECT * FROM email_history WHERE customer_id = :id",
        "SELECT * FROM household_members WHERE customer_id = :id",
        "SELECT * FROM contacts WHERE customer_id = :id",
    ],
    "speaker": [
        "SELECT * FROM device_ownership WHERE customer_id = :id",
        """SELECT d.* FROM devices d JOIN device_ownership o ON d.serial = o.device_serial
        WHERE o.customer_id = :id""",
        """SELECT r.* FROM recordings r JOIN device_ownership o
        ON r.device_serial = o.device_serial AND r.recorded_at >= o.owned_from
        AND (o.owned_until IS NULL OR r.recorded_at < o.owned_until) WHERE o.customer_id = :id""",
    ],
    "shop": [
        "SELECT * FROM orders WHERE customer_id = :id",
        "SELECT * FROM support_tickets WHERE lower(trim(email)) = :email",
        "SELECT * FROM newsletter WHERE lower(trim(email)) = :email",
    ],
}


class Floor:
    """The subject's rows by hand-written SQL, its files copied and fsynced."""

    def __init__(self, dsns: dict[str, str], out: Path) -> None:
        from rightful.adapters.sources import sqlite_path

        self.conns = {
            name: sqlite3.connect(f"{Path(sqlite_path(dsns[name])).as_uri()}?mode=ro", uri=True)
            for name in FLOOR_SQL
        }
        self.blobs = Path(dsns["recordings"].split("://", 1)[1])
        self.out = out

    def answer(self, subject: int) -> int:
        """Rows and files of one subject; the number of rows."""
        params = {"id": subject, "email": f"s{subject}@x.example"}
        rows: list[tuple[Any, ...]] = []
        for name, queries in FLOOR_SQL.items():
            for sql in queries:
                rows.extend(self.conns[name].execute(sql, params).fetchall())
        uris = [r[5] for r in rows if len(r) == 6 and str(r[5]).startswith("blob://")]
        with self.out.open("wb") as sink:
            for uri in uris:
                sink.write((self.blobs / uri.split("/", 3)[3]).read_bytes())
            sink.flush()
            os.fsync(sink.fileno())
        return len(rows)


# --- one process -------------------------------------------------------------------------------


def child(folder: Path, first: int, count: int, warm: int) -> dict[str, Any]:
    """Answer subjects first..first+count-1 (the first `warm` untimed); report the times."""
    from rightful.adapters.db.base import Base
    from rightful.adapters.db.models import packages  # noqa: F401 - registers the tables
    from rightful.bootstrap import Container
    from rightful.demo.estate import DATAMAP_FILES
    from rightful.domain.clock import SystemClock
    from rightful.domain.deadlines import Jurisdiction
    from rightful.domain.identities import Identity, IdentityType
    from rightful.domain.intake import NewRequest
    from rightful.domain.lifecycle import Role
    from rightful.domain.requests import RequestType
    from rightful.domain.staff import Principal
    from rightful.domain.verification import Factor
    from rightful.services.identity_set import Proof, record_proof
    from rightful.settings import load_settings

    dsns = json.loads((folder / "dsns.json").read_text())
    settings = load_settings(
        data_dir=folder / "rightful",
        sources=dsns,
        datamap_files=list(DATAMAP_FILES),
        collect_when_verified=False,  # the build is timed on its own below
    )
    c = Container(settings=settings, clock=SystemClock())
    Base.metadata.create_all(c.store.engine)
    public, agent = Principal("public", None), Principal("key:bench", Role.AGENT)
    floor = Floor(dsns, folder / f"floor-{first}.out")

    def answer(subject: int) -> tuple[float, float]:
        started = time.perf_counter()
        new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email=f"s{subject}@x.example")
        rid = c.requests.submit(new, public).id
        proof = Proof(
            Identity(IdentityType.CUSTOMER_ID, str(subject)),
            Factor.ACCOUNT_ASSERTION,
            f"bench-{subject}",
            c.clock.now(),
        )
        with c.store.transaction() as session:
            record_proof(session, c.audit, rid, proof, public)
        c.subjects.settle(rid)
        built = time.perf_counter()
        package = c.packages.build(rid, agent)
        done = time.perf_counter()
        if package.status != "ready":
            raise SystemExit(f"subject {subject}: package {package.status}")
        return built - started, done - built

    for subject in range(first, first + warm):
        answer(subject)
        floor.answer(subject)
    intake, build, floors = [], [], []
    began = time.perf_counter()
    for subject in range(first + warm, first + count):
        i, b = answer(subject)
        intake.append(i)
        build.append(b)
        started = time.perf_counter()
        floor.answer(subject)
        floors.append(time.perf_counter() - started)
    return {
        "intake": intake, "build": build, "floor": floors,
        "seconds": time.perf_counter() - began - sum(floors),
        "peak_rss": peak_rss(),
    }  # fmt: skip


def run_children(folder: Path, plans: list[tuple[int, int]], warm: int) -> list[dict[str, Any]]:
    """One process per plan (first subject, count), all started at once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTFUL_")}
    env["RIGHTFUL_CONFIG"] = str(folder / "none.toml")
    running = [
        subprocess.Popen(
            [sys.executable, __file__, "--warm", str(warm), "--child", str(folder), str(f), str(n)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for f, n in plans
    ]
    results = []
    for process in running:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a benchmark process failed ({process.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


# --- report ------------------------------------------------------------------------------------


def ms(values: list[float], q: float) -> float:
    return 1000 * statistics.quantiles(values, n=100)[int(q) - 1] if q < 100 else max(values)


def show(label: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    intake = [t for r in results for t in r["intake"]]
    build = [t for r in results for t in r["build"]]
    floor = [t for r in results for t in r["floor"]]
    whole = [i + b for i, b in zip(intake, build, strict=True)]
    per_second = sum(len(r["build"]) / r["seconds"] for r in results)
    ratio = statistics.median(floor) / statistics.median(whole)
    rss = max(r["peak_rss"] for r in results) / 2**20
    print(
        f"[{label}] {len(whole)} requests: {per_second:.0f} requests/s (target >= 100)\n"
        f"  per request  median {1000 * statistics.median(whole):.1f} ms, "
        f"p95 {ms(whole, 95):.1f} ms (intake {1000 * statistics.median(intake):.1f} ms, "
        f"collect+package+gate {1000 * statistics.median(build):.1f} ms)\n"
        f"  floor        median {1000 * statistics.median(floor):.2f} ms (SQL and fsynced copy);"
        f" ratio floor/rightful = {ratio:.3f}   peak RSS {rss:.0f} MiB per process",
        flush=True,
    )
    return {
        "label": label, "requests": len(whole), "per_second": per_second,
        "median_ms": 1000 * statistics.median(whole), "p95_ms": ms(whole, 95),
        "intake_ms": 1000 * statistics.median(intake),
        "build_ms": 1000 * statistics.median(build),
        "floor_ms": 1000 * statistics.median(floor), "ratio": ratio, "peak_rss_mb": rss,
    }  # fmt: skip


def main() -> None:
    args = parse_args()
    if args.child:
        folder, first, count = Path(args.child[0]), int(args.child[1]), int(args.child[2])
        print(json.dumps(child(folder, first, count, args.warm)))
        return
    root = args.workdir or Path(tempfile.mkdtemp(prefix="rightful-requests-", dir="/var/tmp"))
    per = args.warm + args.requests
    subjects = per * (1 + args.workers)
    print(f"writing {subjects} subjects ...", flush=True)
    dsns = write_estate(root / "estate", subjects, args.recordings, args.size)
    (root / "dsns.json").write_text(json.dumps(dsns))
    (root / "none.toml").write_text("")
    os.sync()
    one = show("1 process", run_children(root, [(1, per)], args.warm))
    plans = [(1 + per * (1 + w), per) for w in range(args.workers)]
    label = f"{args.workers} process" + ("es" if args.workers != 1 else "")
    many = show(label, run_children(root, plans, args.warm))
    if args.workdir is None:
        shutil.rmtree(root)
    print(json.dumps([one, many]))


if __name__ == "__main__":
    main()
