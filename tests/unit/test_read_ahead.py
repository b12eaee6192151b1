"""Blobs read ahead by the blob reader process: the same bytes, sums and errors as when the
build reads them itself, and the build carries on without the process when it stops."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightful.adapters.packaging import readahead, reader_process
from rightful.adapters.packaging.blobreader import BlobReader
from rightful.adapters.packaging.readahead import ReadAhead
from rightful.adapters.sources.blobstore import FilesystemBlobStore
from rightful.domain.errors import InvalidInputError

from .fetched import content

FIXTURE_PER_TEST = HealthCheck.function_scoped_fixture
SLOT = 64  # bytes: blobs of 64 bytes or more are not read ahead, they stream in the build


def a_store(root: Path, blobs: dict[str, bytes]) -> FilesystemBlobStore:
    for key, data in blobs.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)
    return FilesystemBlobStore("rec", root)


def started(store: FilesystemBlobStore, first_uri: str, **options: object) -> ReadAhead:
    options.setdefault("start_after", 1)
    ahead = ReadAhead(BlobReader(block_size=SLOT, blocks=2), slot_size=SLOT, **options)  # type: ignore[arg-type]
    ahead.announce(store, first_uri)
    assert ahead.wait_for_helper(30), "the blob reader process did not start"
    return ahead


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sizes=st.lists(st.integers(0, 150), min_size=1, max_size=20),
    missing=st.sets(st.integers(0, 19)),
    skipped=st.sets(st.integers(0, 19)),
    slots=st.integers(1, 4),
)
def test_announced_blobs_come_back_exactly_with_their_sums(
    tmp_path_factory: pytest.TempPathFactory,
    sizes: list[int],
    missing: set[int],
    skipped: set[int],
    slots: int,
) -> None:
    root = tmp_path_factory.mktemp("bucket")
    blobs = {f"dev/{i}.wav": os.urandom(size) for i, size in enumerate(sizes) if i not in missing}
    store = a_store(root, blobs)
    uris = [f"blob://rec/dev/{i}.wav" for i in range(len(sizes))]
    ahead = started(store, uris[0], slots=slots)
    try:
        for uri in uris[1:]:
            ahead.announce(store, uri)
        read_ahead = 0
        for i, uri in enumerate(uris):
            if i in skipped and i > 0:  # announced, then the build skipped the row
                continue
            fetched = ahead.read(store, uri)
            data = blobs.get(f"dev/{i}.wav")
            if data is None:
                assert fetched is None
                continue
            assert fetched is not None
            read_ahead += fetched.whole is not None and len(data) < SLOT
            assert content(fetched) == data
            assert (fetched.size, fetched.crc) == (len(data), zlib.crc32(data))
            assert fetched.sha256 == hashlib.sha256(data).hexdigest()
        assert ahead.read_by_helper == read_ahead  # every small blob that exists came ahead
    finally:
        ahead.close()


def test_a_blob_read_without_announcement_is_read_in_the_build(tmp_path: Path) -> None:
    store = a_store(tmp_path, {"a.wav": b"a" * 10, "b.wav": b"b" * 10})
    ahead = started(store, "blob://rec/a.wav")
    try:
        fetched = ahead.read(store, "blob://rec/b.wav")
        assert fetched is not None and content(fetched) == b"b" * 10
        fetched = ahead.read(store, "blob://rec/a.wav")
        assert fetched is not None and content(fetched) == b"a" * 10
        assert ahead.read_by_helper == 1
    finally:
        ahead.close()


def test_a_key_that_leaves_the_store_is_refused_as_in_the_build(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("outside the store")
    store = a_store(tmp_path / "bucket", {"ok.wav": b"fine"})
    os.symlink(tmp_path / "secret.txt", tmp_path / "bucket" / "link.wav")
    ahead = started(store, "blob://rec/link.wav")
    try:
        with pytest.raises(InvalidInputError, match="leaves the store"):
            ahead.read(store, "blob://rec/link.wav")
        ahead.announce(store, "blob://rec/ok.wav")
        fetched = ahead.read(store, "blob://rec/ok.wav")
        assert fetched is not None and content(fetched) == b"fine"
        assert ahead.read_by_helper == 1
    finally:
        ahead.close()


def test_the_build_reads_on_by_itself_when_the_process_stops(tmp_path: Path) -> None:
    blobs = {f"{i}.wav": bytes([i]) * 20 for i in range(6)}
    store = a_store(tmp_path, blobs)
    ahead = started(store, "blob://rec/0.wav")
    try:
        first = ahead.read(store, "blob://rec/0.wav")
        assert first is not None and content(first) == blobs["0.wav"]
        assert ahead._helper is not None
        ahead._helper._process.kill()  # what an OOM kill or a crash would do
        ahead._helper._process.wait()
        for i in range(1, 6):
            ahead.announce(store, f"blob://rec/{i}.wav")
        for i in range(1, 6):
            fetched = ahead.read(store, f"blob://rec/{i}.wav")
            assert fetched is not None and content(fetched) == blobs[f"{i}.wav"]
        assert ahead.read_by_helper == 1 and ahead._helper is None
    finally:
        ahead.close()


def test_a_process_that_ends_before_it_is_ready_leaves_the_build_reading_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = a_store(tmp_path, {"a.wav": b"abc", "b.wav": b"def"})
    monkeypatch.setattr(readahead.protocol, "__name__", "rightful.no_such_module")
    ahead = ReadAhead(start_after=1)
    ahead.announce(store, "blob://rec/a.wav")
    assert not ahead.wait_for_helper(30)
    ahead.announce(store, "blob://rec/b.wav")
    for key, data in (("a.wav", b"abc"), ("b.wav", b"def")):
        fetched = ahead.read(store, f"blob://rec/{key}")
        assert fetched is not None and content(fetched) == data
    assert ahead.read_by_helper == 0
    ahead.close()


def test_the_process_does_not_import_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module lying in the server's working directory is never run by the helper."""
    store = a_store(tmp_path / "bucket", {"a.wav": b"abc"})
    (tmp_path / "zlib_ng.py").write_text("raise SystemExit('imported from the working directory')")
    monkeypatch.chdir(tmp_path)
    ahead = started(store, "blob://rec/a.wav")
    fetched = ahead.read(store, "blob://rec/a.wav")
    assert fetched is not None and content(fetched) == b"abc"
    assert ahead.read_by_helper == 1
    ahead.close()


def test_the_process_starts_without_the_dataclasses_module() -> None:
    """The process starts for every large package and imports little: dataclasses (with
    inspect and ast) was about a quarter of its start-up; the blob store does not need it."""
    probe = f"import sys, {reader_process.__name__}; print('dataclasses' in sys.modules)"
    ran = subprocess.run(
        [sys.executable, "-P", "-c", probe], capture_output=True, text=True, check=True
    )
    assert ran.stdout.strip() == "False"


def test_a_process_that_stops_answering_is_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper stuck on a read (a hung network disk) does not hang the build."""
    blobs = {f"{i}.wav": bytes([i]) * 10 for i in range(3)}
    store = a_store(tmp_path, blobs)
    ahead = ReadAhead(start_after=1)
    ahead.announce(store, "blob://rec/0.wav")  # starts the process; nothing is asked yet
    assert ahead._helper is not None and ahead._helper.ready(30)
    os.kill(ahead._helper._process.pid, signal.SIGSTOP)
    monkeypatch.setattr(readahead, "ANSWER_WAIT", 0.2)
    monkeypatch.setattr(readahead, "STOP_WAIT", 0.2)
    try:
        for i in range(1, 3):
            ahead.announce(store, f"blob://rec/{i}.wav")
        for i in range(3):
            fetched = ahead.read(store, f"blob://rec/{i}.wav")
            assert fetched is not None and content(fetched) == blobs[f"{i}.wav"]
        assert ahead.read_by_helper == 0 and ahead._helper is None
    finally:
        ahead.close()


def test_without_the_process_every_blob_is_read_in_the_build(tmp_path: Path) -> None:
    store = a_store(tmp_path, {"a.wav": b"abc"})
    ahead = ReadAhead(helper=False)
    ahead.announce(store, "blob://rec/a.wav")
    assert not ahead.wait_for_helper(0.1)
    fetched = ahead.read(store, "blob://rec/a.wav")
    assert fetched is not None and content(fetched) == b"abc"
    assert ahead.read_by_helper == 0
    ahead.close()


def test_closing_ends_the_process(tmp_path: Path) -> None:
    store = a_store(tmp_path, {"a.wav": b"abc"})
    ahead = started(store, "blob://rec/a.wav")
    assert ahead._helper is not None
    process = ahead._helper._process
    ahead.close()
    assert process.poll() == 0


def test_closing_does_not_wait_for_a_process_that_is_still_starting(tmp_path: Path) -> None:
    """A small package is finished before the helper is ready: the helper was asked for
    nothing, so it is stopped at once instead of being waited for while it starts."""
    store = a_store(tmp_path, {"a.wav": b"abc"})
    ahead = ReadAhead(start_after=1)
    ahead.announce(store, "blob://rec/a.wav")  # starts the process; the build reads a.wav itself
    fetched = ahead.read(store, "blob://rec/a.wav")
    assert fetched is not None and content(fetched) == b"abc"
    assert ahead._helper is not None and not ahead._helper._ready
    process = ahead._helper._process
    ahead.close()
    assert process.poll() == -signal.SIGKILL
    assert ahead.read_by_helper == 0


def test_a_few_blobs_are_read_in_the_build_without_starting_a_process(tmp_path: Path) -> None:
    """Most access packages hold a handful of files: starting a process for them would cost
    more than reading them (no process per request)."""
    blobs = {f"{i}.wav": bytes([i]) * 30 for i in range(readahead.START_AFTER)}
    store = a_store(tmp_path, blobs)
    ahead = ReadAhead()
    for i in range(readahead.START_AFTER - 1):
        ahead.announce(store, f"blob://rec/{i}.wav")
    assert ahead._helper is None
    ahead.announce(store, f"blob://rec/{readahead.START_AFTER - 1}.wav")
    assert ahead._helper is not None, "a package with many files gets the process"
    for key, data in blobs.items():
        fetched = ahead.read(store, f"blob://rec/{key}")
        assert fetched is not None and content(fetched) == data
    ahead.close()
