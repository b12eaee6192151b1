"""Benchmark: package one subject's recordings, against a plain `cat` of the same bytes.

For each scenario an estate is written to SQLite files and a blob folder, then in one run:
  - `cat` copies every blob file into one file on the same disk (then fsync);
  - rightful builds the package (collect, stream the ZIP through AES-GCM to storage, fsync,
    and the leak gate) in a child process, twice, as a worker builds one package after another
    (two requests of the subject): the first build starts the blob reader process, the next
    finds it kept (reader_pool.py); the next build is the package's figure, the first is shown
    beside it; the child's peak RSS is measured, and that of the blob reader process;
  - the bytes floor (bytes_floor.py) does only the work the issue requires of the same bytes:
    read, SHA-256, CRC-32, AES-256-GCM, write past the page cache, fsync; no records, no gate;
  the three alternate (`--repeat` builds and floors, one `cat` more), and the best time of each
  counts. It prints throughput, the ratio cat-time / package-time (target >= 0.8), the gate's
  share of the build, peak RSS (target < 200 MB), and cat-time / floor-time: what the bytes
  alone reach on the machine.

    .venv/bin/python bench/package.py                 # 1,700 x 100 KB, and 5 GB of recordings
    .venv/bin/python bench/package.py --small         # the same, with 500 MB for the second
    .venv/bin/python bench/package.py --repeat 5      # builds per scenario (default 3, best counts)
    .venv/bin/python bench/package.py --scenario many # 50,000 x 200 bytes: memory per item
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bytes_floor import time_bytes_floor
from peak import peak_rss

START = datetime(2021, 1, 1, tzinfo=UTC)
MB = 1024 * 1024


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=["voice", "bulk", "many", "both"], default="both")
    parser.add_argument("--recordings", type=int, default=1_700, help="voice: how many")
    parser.add_argument("--size", type=int, default=100_000, help="voice: bytes each")
    parser.add_argument("--bulk-bytes", type=float, default=5e9, help="bulk: total bytes")
    parser.add_argument("--bulk-file", type=int, default=5_000_000, help="bulk: bytes each")
    parser.add_argument("--small", action="store_true", help="bulk: 500 MB instead of 5 GB")
    parser.add_argument("--many", type=int, default=50_000, help="many: how many recordings")
    parser.add_argument("--repeat", type=int, default=3, help="builds per scenario (best counts)")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp folder")
    parser.add_argument("--child", nargs=3, metavar=("DIR", "N", "SIZE"), help=argparse.SUPPRESS)
    return parser.parse_args()


# --- the estate ------------------------------------------------------------------------------


def write_estate(target: Path, recordings: int, size: int) -> dict[str, str]:
    """One speaker owner with `recordings` files of `size` bytes; returns the DSNs."""
    from rightful.demo import seed_demo
    from rightful.demo.estate import EstateBuilder

    b = EstateBuilder()
    owner = b.customer("Heavy User", "heavy@x.example", START)
    b.email(owner, "heavy@x.example", START, None)
    b.device("D-HEAVY")
    b.ownership("D-HEAVY", owner, START, None)
    for i in range(recordings):
        b.recording("D-HEAVY", START + timedelta(minutes=i), owner, f"voice request {i}")
    estate = b.build()
    estate.blobs = {key: b"" for key in estate.blobs}
    dsns = seed_demo(target, estate).dsns
    pattern = os.urandom(MB)
    for n, key in enumerate(estate.blobs):
        with (target / "blobs" / "recordings" / key).open("wb") as out:
            left, offset = size, n % 4096
            while left > 0:
                piece = pattern[offset : offset + min(left, MB - offset)]
                out.write(piece)
                left -= len(piece)
                offset = 0
    return dsns


def blob_files(target: Path) -> list[Path]:
    return sorted((target / "blobs" / "recordings").rglob("*.wav"))


# --- the floor: cat --------------------------------------------------------------------------


def time_cat(files: list[Path], out: Path) -> float:
    """Seconds for `cat files > out` plus the fsync that makes the copy durable."""
    started = time.perf_counter()
    with out.open("wb") as sink:
        for start in range(0, len(files), 2000):
            subprocess.run(["cat", *map(str, files[start : start + 2000])], stdout=sink, check=True)
        sink.flush()
        os.fsync(sink.fileno())
    seconds = time.perf_counter() - started
    out.unlink()
    return seconds


# --- the package, in a child process ---------------------------------------------------------


def child(folder: Path, dsns_file: Path) -> dict[str, Any]:
    """Prepare two requests of the subject and build their packages one after the other, as a
    worker would: the first build starts the blob reader process, the second finds it kept.
    Reports both builds' times and peak RSS (runs in its own process)."""
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
    from rightful.services.gate import latest_run
    from rightful.services.identity_set import Proof, record_proof
    from rightful.settings import load_settings

    settings = load_settings(
        data_dir=folder,
        sources=json.loads(dsns_file.read_text()),
        datamap_files=list(DATAMAP_FILES),
        collect_when_verified=False,  # the build is timed on its own below
    )
    c = Container(settings=settings, clock=SystemClock())
    Base.metadata.create_all(c.store.engine)
    public = Principal("public", None)
    rids = []
    for _ in range(2):
        new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email="heavy@x.example")
        rid = c.requests.submit(new, public).id
        with c.store.transaction() as session:
            proof = Proof(
                Identity(IdentityType.CUSTOMER_ID, "1"),
                Factor.ACCOUNT_ASSERTION,
                "bench",
                c.clock.now(),
            )
            record_proof(session, c.audit, rid, proof, public)
        c.subjects.settle(rid)
        rids.append(rid)
    _ = c.packages  # keys and services are set up before the clock starts
    builds = []
    helper_peaks, helper_cpu = watch_reader_processes()
    phases = watch_phases()
    for rid in rids:
        helper_peaks.clear()
        helper_cpu.clear()
        phases.clear()
        started, cpu = time.perf_counter(), time.thread_time()
        package = c.packages.build(rid, Principal("key:bench", Role.AGENT))
        seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
        with c.store.transaction() as session:
            run = latest_run(session, package.id)
        c.package_objects.delete(package.object_name)
        builds.append({
            "status": package.status, "items": package.item_count,
            "blob_bytes": package.blob_bytes, "stored_size": package.stored_size,
            "seconds": seconds, "gate_seconds": run.seconds if run else None,
            "peak_rss": peak_rss(), "helper_rss": max(helper_peaks, default=0),
            "build_cpu": cpu, "helper_cpu": sum(helper_cpu), "phases": dict(phases),
        })  # fmt: skip
    return {"first": builds[0], "next": builds[1]}


def watch_reader_processes() -> tuple[list[int], list[float]]:
    """Peak RSS and CPU seconds of the blob reader process of the next build (started for it,
    or kept from the one before): CPU counted from when the build takes it to when it ends."""
    from rightful.adapters.packaging.readahead import ReadAhead
    from rightful.adapters.packaging.reader_pool import ReaderPool, ReaderProcess

    peaks: list[int] = []
    cpu: list[float] = []
    take, close = ReaderPool.take, ReadAhead.close

    def taken(self: ReaderPool, *args: Any) -> ReaderProcess | None:
        helper = take(self, *args)
        if helper is not None:
            cpu.append(-_cpu_of(helper.pid))
        return helper

    def measured(self: ReadAhead) -> None:
        helper = self._helper
        if helper is not None and (peak := peak_rss(helper.pid)) is not None:
            peaks.append(peak)
            cpu.append(_cpu_of(helper.pid))
        close(self)

    ReaderPool.take = taken  # type: ignore[method-assign]
    ReadAhead.close = measured  # type: ignore[method-assign]
    return peaks, cpu


def _cpu_of(pid: int) -> float:
    ticks = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13]
    return sum(map(int, ticks)) / os.sysconf("SC_CLK_TCK")


def watch_phases() -> dict[str, float]:
    """Wall seconds of the build's steps, filled in as the build runs: writing the records and
    their files, finishing the ZIP (collection files, index, manifest, signature), the leak gate
    (read back and re-derive), and recording the verdict."""
    from rightful.services.package_build import PackageBuilder
    from rightful.services.packaging import PackageService

    phases: dict[str, float] = {}
    steps = [(PackageBuilder, "add_records", "records and files"), (PackageBuilder, "finish",
             "finish"), (PackageService, "_gate", "leak gate"), (PackageService, "_conclude",
             "verdict")]  # fmt: skip
    for cls, name, label in steps:
        step = getattr(cls, name)

        def timed(*args: Any, __step: Any = step, __label: str = label, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return __step(*args, **kwargs)
            finally:
                phases[__label] = phases.get(__label, 0.0) + time.perf_counter() - started

        setattr(cls, name, timed)
    return phases


def run_child(folder: Path, dsns: dict[str, str]) -> dict[str, Any]:
    dsns_file = folder / "dsns.json"
    dsns_file.write_text(json.dumps(dsns))
    (folder / "none.toml").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTFUL_")}
    env["RIGHTFUL_CONFIG"] = str(folder / "none.toml")
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(folder / "rightful"), str(dsns_file), "-"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --- one scenario ----------------------------------------------------------------------------


def scenario(name: str, root: Path, recordings: int, size: int, repeat: int) -> dict[str, Any]:
    """`repeat` pairs of builds, each pair in a fresh process and store, alternating with `cat`
    and the bytes floor; the best of each is compared (every time is reported too). A worker's
    next build (the second of a pair) is the package's figure; its first is reported beside it."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    print(f"[{name}] writing {recordings} recordings of {size:,} bytes ...", flush=True)
    dsns = write_estate(folder / "estate", recordings, size)
    os.sync()  # the estate's own writes reach the disk now, not while the first run is timed
    files = blob_files(folder / "estate")
    total = sum(f.stat().st_size for f in files)
    cats, floors, runs = [time_cat(files, folder / "cat.out")], [], []
    for _ in range(repeat):
        shutil.rmtree(folder / "rightful", ignore_errors=True)
        runs.append(run_child(folder, dsns))
        floors.append(time_bytes_floor(files, folder / "floor.out"))
        cats.append(time_cat(files, folder / "cat.out"))
    result = min((r["next"] for r in runs), key=lambda r: float(r["seconds"]))
    first = min(float(r["first"]["seconds"]) for r in runs)
    cat, floor = min(cats), min(floors)
    report = {
        "scenario": name, "recordings": recordings, "bytes": total, "cat_seconds": cat,
        "cat_runs": cats, "package_runs": [r["next"]["seconds"] for r in runs],
        "package_seconds": result["seconds"], "ratio": cat / result["seconds"],
        "first_runs": [r["first"]["seconds"] for r in runs], "first_seconds": first,
        "first_ratio": cat / first,
        "package_mb_s": total / MB / result["seconds"], "cat_mb_s": total / MB / cat,
        "floor_seconds": floor, "floor_runs": floors, "floor_mb_s": total / MB / floor,
        "floor_ratio": cat / floor, "package_of_floor": floor / result["seconds"],
        "gate_seconds": result["gate_seconds"],
        "gate_share": (result["gate_seconds"] or 0) / result["seconds"],
        "peak_rss_mb": max(r["next"]["peak_rss"] for r in runs) / MB,
        "helper_rss_mb": max(b["helper_rss"] for r in runs for b in r.values()) / MB,
        "build_cpu": result["build_cpu"], "helper_cpu": result["helper_cpu"],
        "phases": result["phases"],
        "status": result["status"],
        "items": result["items"],
    }  # fmt: skip
    shutil.rmtree(folder)
    return report


def show(r: dict[str, Any]) -> None:
    print(
        f"[{r['scenario']}] {r['recordings']} recordings, {r['bytes'] / MB:,.0f} MiB, "
        f"package {r['status']} ({r['items']} items)\n"
        f"  cat     {r['cat_seconds']:8.2f} s  {r['cat_mb_s']:8.1f} MiB/s   "
        f"(best of {_times(r['cat_runs'])})\n"
        f"  package {r['package_seconds']:8.2f} s  {r['package_mb_s']:8.1f} MiB/s   "
        f"(a worker's next build; best of {_times(r['package_runs'])})\n"
        f"  first   {r['first_seconds']:8.2f} s  {r['bytes'] / MB / r['first_seconds']:8.1f} MiB/s"
        f"   (a worker's first build, which starts the blob reader process; best of "
        f"{_times(r['first_runs'])})\n"
        f"  floor   {r['floor_seconds']:8.2f} s  {r['floor_mb_s']:8.1f} MiB/s   "
        f"(best of {_times(r['floor_runs'])}; read, SHA-256, CRC-32, AES-GCM, write, no records)\n"
        f"  ratio cat/package = {r['ratio']:.2f} (target >= 0.8; first build "
        f"{r['first_ratio']:.2f})   "
        f"gate {r['gate_seconds']:.3f} s = {100 * r['gate_share']:.1f}% of the build   "
        f"peak RSS {r['peak_rss_mb']:.0f} MiB (target < 200; "
        f"blob reader process {r['helper_rss_mb']:.0f} MiB)\n"
        f"  ratio cat/floor = {r['floor_ratio']:.2f} (what the bytes alone reach)   "
        f"floor/package = {r['package_of_floor']:.2f}",
        flush=True,
    )
    steps = ", ".join(f"{name} {1000 * t:.0f} ms" for name, t in r["phases"].items())
    print(
        f"  best next build: {steps}; CPU of the build's thread {1000 * r['build_cpu']:.0f} ms, "
        f"of the blob reader process {1000 * r['helper_cpu']:.0f} ms",
        flush=True,
    )


def _times(seconds: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in seconds) + " s"


def main() -> None:
    args = parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child[0]), Path(args.child[1]))))
        return
    root = args.workdir or Path(tempfile.mkdtemp(prefix="rightful-bench-", dir="/var/tmp"))
    bulk = 5e8 if args.small else args.bulk_bytes
    plans = {
        "voice": (args.recordings, args.size),
        "bulk": (max(1, int(bulk // args.bulk_file)), args.bulk_file),
        "many": (args.many, 200),
    }
    wanted = ["voice", "bulk"] if args.scenario == "both" else [args.scenario]
    results = [scenario(name, root, *plans[name], args.repeat) for name in wanted]
    for r in results:
        show(r)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
