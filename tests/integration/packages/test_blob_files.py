"""Recordings on disk reach the package byte for byte, whoever reads them: the blob reader
process (small files), the build itself (files of 1 MiB or more, and those the process has not
reached yet), or the build alone when the process cannot run."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rightful.adapters.db.base import Base
from rightful.adapters.packaging import readahead
from rightful.adapters.packaging.readahead import ReadAhead
from rightful.adapters.packaging.reader_pool import ReaderPool, ReaderProcess
from rightful.adapters.sources import open_blob_store
from rightful.bootstrap import Container
from rightful.demo import seed_demo
from rightful.demo.estate import DATAMAP_FILES, EstateBuilder
from rightful.domain.clock import FixedClock
from rightful.settings import load_settings

from .world import AGENT, prepare_request

START = datetime(2024, 1, 1, tzinfo=UTC)
SIZES = [0, 1, 4096, 99_999, 1024 * 1024 - 1, 1024 * 1024, 3_000_001] + [
    2_000 + i for i in range(40)
]


def an_estate(target: Path) -> dict[str, str]:
    """One speaker owner whose recordings have the sizes above (random bytes)."""
    b = EstateBuilder()
    owner = b.customer("Disk User", "disk@x.example", START)
    b.email(owner, "disk@x.example", START, None)
    b.device("D-DISK")
    b.ownership("D-DISK", owner, START, None)
    for i in range(len(SIZES)):
        b.recording("D-DISK", START + timedelta(minutes=i), owner, f"request {i}")
    estate = b.build()
    estate.blobs = {key: os.urandom(size) for key, size in zip(estate.blobs, SIZES, strict=True)}
    return seed_demo(target, estate).dsns


@pytest.mark.parametrize("process", ["started", "unavailable"])
def test_every_recording_reaches_the_package_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, process: str
) -> None:
    dsns = an_estate(tmp_path / "estate")
    helped: list[int] = []
    close = ReadAhead.close

    def counted(self: ReadAhead) -> None:
        helped.append(self.read_by_helper)
        close(self)

    def ready_at_once(slots: int, slot_size: int) -> ReaderProcess | None:
        helper = ReaderProcess(slots, slot_size)
        assert helper.ready(30), "the blob reader process did not start"
        return helper

    def none(slots: int, slot_size: int) -> None:
        return None  # as where there is no memfd

    monkeypatch.setattr(ReadAhead, "close", counted)
    monkeypatch.setattr(readahead, "READERS", ReaderPool(kept=0))  # none kept by other tests
    monkeypatch.setattr(ReaderProcess, "start", ready_at_once if process == "started" else none)
    settings = load_settings(
        data_dir=tmp_path / "rightful", database_url=f"sqlite:///{tmp_path}/rightful.db",
        sources=dsns, datamap_files=list(DATAMAP_FILES), collect_when_verified=False,
    )  # fmt: skip
    c = Container(settings=settings, clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)))
    Base.metadata.create_all(c.store.engine)
    rid = prepare_request(c, customer_id=1, email="disk@x.example")

    package = c.packages.build(rid, AGENT)

    assert package.status == "ready"
    store = open_blob_store("recordings", dsns["recordings"])
    plaintext = io.BufferedReader(c.packages.open_plaintext(package, package.stored_size))
    with plaintext, zipfile.ZipFile(plaintext) as archive:  # the whole archive, files and all
        items = json.loads(archive.read("manifest.json"))["items"]
        blobs = [i for i in items if i["kind"] == "blob"]
        assert sorted(i["size"] for i in blobs) == sorted(SIZES)
        for item in blobs:
            with store.open(item["uri"]) as source:
                expected = source.read()
            assert archive.read(item["path"]) == expected
            assert item["sha256"] == hashlib.sha256(expected).hexdigest()
    small = sum(size < 1024 * 1024 for size in SIZES)
    assert helped == [small if process == "started" else 0]
