"""Run in a subprocess by test_memory.py: package one subject whose recordings are files on
disk, then print peak RSS and sizes as JSON. The estate is written by a process of its own
first, so that the peak is the build's alone.

Usage: python memory_probe.py DIR RECORDINGS BYTES_EACH [--estate-only]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2021, 1, 1, tzinfo=UTC)


def make_estate(target: Path, recordings: int, size: int) -> dict[str, str]:
    """A speaker owner with `recordings` recordings of `size` bytes each, in SQLite and files."""
    from rightful.demo import seed_demo
    from rightful.demo.estate import EstateBuilder

    b = EstateBuilder()
    owner = b.customer("Heavy User", "heavy@x.example", START)
    b.email(owner, "heavy@x.example", START, None)
    b.device("D-HEAVY")
    b.ownership("D-HEAVY", owner, START, None)
    for i in range(recordings):
        b.recording("D-HEAVY", START + timedelta(minutes=i), owner, f"request {i}")
    estate = b.build()
    estate.blobs = {key: b"" for key in estate.blobs}  # written below, one file at a time
    written = seed_demo(target / "estate", estate)
    block = bytes(range(256)) * 4096  # 1 MiB
    for key in estate.blobs:
        with (target / "estate" / "blobs" / "recordings" / key).open("wb") as out:
            left = size
            while left > 0:
                out.write(block[: min(left, len(block))])
                left -= len(block)
    return written.dsns


def peak_rss() -> int:
    """This process's own peak RSS in bytes. ru_maxrss would also carry the peak of the pytest
    worker that forked us (Linux keeps it across exec); VmHWM starts afresh with the new image."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB elsewhere too


def main(target: Path, recordings: int, size: int) -> dict[str, float]:
    subprocess.run(
        [sys.executable, __file__, str(target), str(recordings), str(size), "--estate-only"],
        check=True,
    )
    dsns = json.loads((target / "dsns.json").read_text())
    started = time.perf_counter()
    package, gate_seconds = build(target, dsns)
    seconds = time.perf_counter() - started
    peak = peak_rss()
    return {
        "peak_rss": peak,
        "stored_size": package.stored_size,
        "plaintext_size": package.plaintext_size,
        "blob_bytes": package.blob_bytes,
        "items": package.item_count,
        "status": package.status,
        "seconds": seconds,
        "gate_seconds": gate_seconds,
    }  # type: ignore[dict-item]


def build(target: Path, dsns: dict[str, str]) -> tuple[object, float]:
    from rightful.adapters.db.base import Base
    from rightful.adapters.db.models import packages  # noqa: F401 - registers tables
    from rightful.bootstrap import Container
    from rightful.demo.estate import DATAMAP_FILES
    from rightful.domain.clock import FixedClock
    from rightful.domain.deadlines import Jurisdiction
    from rightful.domain.identities import Identity, IdentityType
    from rightful.domain.intake import NewRequest
    from rightful.domain.lifecycle import Role
    from rightful.domain.requests import RequestType
    from rightful.domain.staff import Principal
    from rightful.domain.verification import Factor
    from rightful.services.gate import latest_run
    from rightful.services.identity_set import Proof, record_proof
    from rightful.settings import load_settings

    settings = load_settings(
        data_dir=target / "rightful",
        sources=dsns,
        datamap_files=list(DATAMAP_FILES),
        database_url=f"sqlite:///{target}/rightful.db",
        collect_when_verified=False,
    )
    c = Container(settings=settings, clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)))
    Base.metadata.create_all(c.store.engine)
    public = Principal("public", None)
    rid = c.requests.submit(
        NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email="heavy@x.example"), public
    ).id
    with c.store.transaction() as session:
        proof = Proof(
            Identity(IdentityType.CUSTOMER_ID, "1"),
            Factor.ACCOUNT_ASSERTION,
            "probe",
            c.clock.now(),
        )
        record_proof(session, c.audit, rid, proof, public)
    c.subjects.settle(rid)
    package = c.packages.build(rid, Principal("key:agent", Role.AGENT))
    with c.store.transaction() as session:
        run = latest_run(session, package.id)
        gate_seconds = run.seconds if run else 0.0
    return package, gate_seconds


if __name__ == "__main__":
    folder, count, each = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    if sys.argv[4:] == ["--estate-only"]:
        (folder / "dsns.json").write_text(json.dumps(make_estate(folder, count, each)))
    else:
        print(json.dumps(main(folder, count, each)))
