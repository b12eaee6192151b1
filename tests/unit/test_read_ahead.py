"""Blobs read ahead by the blob reader process: the same bytes, sums and errors as when the
build reads them itself, and the build carries on without the process when it stops."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightful.adapters.packaging import readahead, reader_pool, reader_process
from rightful.adapters.packaging.blobreader import BlobReader
from rightful.adapters.packaging.readahead import ReadAhead
from rightful.adapters.packaging.reader_pool import READERS, ReaderPool
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


@pytest.fixture
def pool() -> Iterator[ReaderPool]:
    """A pool of this test's own: what it keeps is stopped when the test ends."""
    kept = ReaderPool()
    yield kept
    kept.close()


def started(store: FilesystemBlobStore, first_uri: str, **options: object) -> ReadAhead:
    options.setdefault("start_after", 1)
    options.setdefault("pool", ReaderPool(kept=0))
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


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_a_key_that_leaves_the_store_is_refused_as_in_the_build(
    tmp_path: Path, linked: str
) -> None:
    """Through a link to a file outside, or to a folder outside (the process opens a folder
    once for all its files, and checks that it lies in the store before reading any)."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "1.wav").write_text("outside the store")
    store = a_store(tmp_path / "bucket", {"ok/1.wav": b"fine"})
    if linked == "file":
        (tmp_path / "bucket" / "dev").mkdir()
        os.symlink(tmp_path / "elsewhere" / "1.wav", tmp_path / "bucket" / "dev" / "1.wav")
    else:
        os.symlink(tmp_path / "elsewhere", tmp_path / "bucket" / "dev")
    ahead = started(store, "blob://rec/dev/1.wav")
    try:
        with pytest.raises(InvalidInputError, match="leaves the store"):
            ahead.read(store, "blob://rec/dev/1.wav")
        ahead.announce(store, "blob://rec/ok/1.wav")
        fetched = ahead.read(store, "blob://rec/ok/1.wav")
        assert fetched is not None and content(fetched) == b"fine"
        assert ahead.read_by_helper == 1
    finally:
        ahead.close()


def test_a_file_linked_inside_the_store_is_left_to_the_build_which_follows_it(
    tmp_path: Path,
) -> None:
    """The process opens no file that is a link; the build does, as long as it stays inside."""
    store = a_store(tmp_path, {"dev/1.wav": b"RIFF"})
    os.symlink(tmp_path / "dev" / "1.wav", tmp_path / "dev" / "alias.wav")
    ahead = started(store, "blob://rec/dev/alias.wav")
    try:
        fetched = ahead.read(store, "blob://rec/dev/alias.wav")
        assert fetched is not None and content(fetched) == b"RIFF"
        assert ahead.read_by_helper == 0
    finally:
        ahead.close()


def test_a_folder_replaced_between_builds_is_read_afresh(tmp_path: Path, pool: ReaderPool) -> None:
    """A kept process lets its open folders go whenever it waits for requests: the next build
    reads the folder as it is then, not the one the last build saw."""
    store = a_store(tmp_path, {"dev/1.wav": b"before", "dev/2.wav": b"x"})
    first = started(store, "blob://rec/dev/1.wav", pool=pool)
    read_all(first, store, {"dev/2.wav": b"x"})
    first.read(store, "blob://rec/dev/1.wav")
    first.close()
    (tmp_path / "dev").rename(tmp_path / "old")
    a_store(tmp_path, {"dev/1.wav": b"after!"})
    after = started(store, "blob://rec/dev/1.wav", pool=pool)
    try:
        fetched = after.read(store, "blob://rec/dev/1.wav")
        assert fetched is not None and content(fetched) == b"after!"
        assert after.read_by_helper == 1
    finally:
        after.close()


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
    ahead = ReadAhead(start_after=1, pool=ReaderPool(kept=0))
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
    ahead = ReadAhead(start_after=1, pool=ReaderPool(kept=0))
    ahead.announce(store, "blob://rec/0.wav")  # starts the process; nothing is asked yet
    assert ahead._helper is not None and ahead._helper.ready(30)
    os.kill(ahead._helper._process.pid, signal.SIGSTOP)
    monkeypatch.setattr(reader_pool, "ANSWER_WAIT", 0.2)
    monkeypatch.setattr(reader_pool, "STOP_WAIT", 0.2)
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


def test_closing_ends_the_process_when_the_pool_keeps_none(tmp_path: Path) -> None:
    store = a_store(tmp_path, {"a.wav": b"abc"})
    ahead = started(store, "blob://rec/a.wav", pool=ReaderPool(kept=0))
    assert ahead._helper is not None
    process = ahead._helper._process
    ahead.close()
    assert process.poll() == 0


def test_closing_does_not_wait_for_a_process_that_is_still_starting(
    tmp_path: Path, pool: ReaderPool
) -> None:
    """A small package is finished before the helper is ready: the helper was asked for
    nothing, so it goes to the pool at once instead of being waited for while it starts, and
    the next build finds it ready."""
    store = a_store(tmp_path, {"a.wav": b"abc"})
    ahead = ReadAhead(start_after=1, pool=pool)
    ahead.announce(store, "blob://rec/a.wav")  # starts the process; the build reads a.wav itself
    fetched = ahead.read(store, "blob://rec/a.wav")
    assert fetched is not None and content(fetched) == b"abc"
    assert ahead._helper is not None and not ahead._helper._ready
    pid = ahead._helper.pid
    ahead.close()
    assert pool.idle() == [pid] and not pool._idle[0]._ready  # kept, not waited for
    assert ahead.read_by_helper == 0
    after = ReadAhead(start_after=1, pool=pool)
    after.announce(store, "blob://rec/a.wav")
    assert after.wait_for_helper(30) and after._helper is not None and after._helper.pid == pid
    fetched = after.read(store, "blob://rec/a.wav")
    assert fetched is not None and content(fetched) == b"abc" and after.read_by_helper == 1
    after.close()


def test_a_few_blobs_are_read_in_the_build_without_starting_a_process(
    tmp_path: Path, pool: ReaderPool
) -> None:
    """Most access packages hold a handful of files: starting a process for them would cost
    more than reading them (no process per request)."""
    blobs = {f"{i}.wav": bytes([i]) * 30 for i in range(readahead.START_AFTER)}
    store = a_store(tmp_path, blobs)
    ahead = ReadAhead(pool=pool)
    for i in range(readahead.START_AFTER - 1):
        ahead.announce(store, f"blob://rec/{i}.wav")
    assert ahead._helper is None
    ahead.announce(store, f"blob://rec/{readahead.START_AFTER - 1}.wav")
    assert ahead._helper is not None, "a package with many files gets the process"
    for key, data in blobs.items():
        fetched = ahead.read(store, f"blob://rec/{key}")
        assert fetched is not None and content(fetched) == data
    ahead.close()


def read_all(ahead: ReadAhead, store: FilesystemBlobStore, blobs: dict[str, bytes]) -> None:
    for key in blobs:
        ahead.announce(store, f"blob://rec/{key}")
    for key, data in blobs.items():
        fetched = ahead.read(store, f"blob://rec/{key}")
        assert fetched is not None and content(fetched) == data
        fetched.release()


def test_freed_slots_are_asked_for_several_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each request the build writes wakes the process: past the first few, blobs are asked for
    eight or more per write, not one per blob read, and each exactly once."""
    blobs = {f"w{i}.wav": os.urandom(40) for i in range(200)}
    store = a_store(tmp_path, blobs)
    writes: list[int] = []
    request = reader_pool.ReaderProcess.request

    def counted(self: reader_pool.ReaderProcess, asking: list[tuple[int, object, str]]) -> None:
        writes.append(len(asking))
        request(self, asking)  # type: ignore[arg-type]

    monkeypatch.setattr(reader_pool.ReaderProcess, "request", counted)
    ahead = started(store, "blob://rec/w0.wav", slots=16)
    try:
        read_all(ahead, store, {k: v for k, v in blobs.items() if k != "w0.wav"})
        assert ahead.read_by_helper == len(blobs) - 1
    finally:
        ahead.close()
    assert sum(writes) == len(blobs)
    # while announcements arrive one by one, each is asked for as long as half the slots are
    # free; then eight at a time (four took about 5 % more of a build's time)
    assert len(writes) <= len(blobs) // 8 + 16, writes


def read_the_rest(
    store: FilesystemBlobStore, blobs: dict[str, bytes], pool: ReaderPool
) -> ReadAhead:
    """A build that takes its process at the first blob's announcement and reads every other."""
    first = next(iter(blobs))
    ahead = started(store, f"blob://rec/{first}", pool=pool)
    read_all(ahead, store, {k: v for k, v in blobs.items() if k != first})
    return ahead


def test_a_finished_build_leaves_its_process_to_the_next_one(
    tmp_path: Path, pool: ReaderPool
) -> None:
    """No process per package: a worker's second large build reads through the process its
    first one started, from its first blob, and gets its own bytes."""
    first = {f"a{i}.wav": os.urandom(40) for i in range(8)}
    second = {f"b{i}.wav": os.urandom(40) for i in range(8)}
    store = a_store(tmp_path, first | second)
    ahead = started(store, "blob://rec/a0.wav", pool=pool)
    read_all(ahead, store, {k: v for k, v in first.items() if k != "a0.wav"})
    assert ahead._helper is not None
    pid = ahead._helper.pid
    ahead.close()
    assert pool.idle() == [pid]
    after = ReadAhead(BlobReader(block_size=SLOT, blocks=2), slot_size=SLOT, start_after=1,
                      pool=pool)  # fmt: skip
    read_all(after, store, second)
    assert after._helper is not None and after._helper.pid == pid
    assert after.read_by_helper == len(second) and pool.idle() == []
    after.close()
    assert pool.idle() == [pid]


def test_a_build_that_stops_early_leaves_no_answer_for_the_next_one(
    tmp_path: Path, pool: ReaderPool
) -> None:
    """A build that fails after asking for blobs it never reads: their answers are taken
    before the process is kept, so the next build is answered for its own blobs only."""
    first = {f"a{i}.wav": bytes([i]) * 30 for i in range(12)}
    second = {f"b{i}.wav": bytes([100 + i]) * 30 for i in range(12)}
    store = a_store(tmp_path, first | second)
    ahead = started(store, "blob://rec/a0.wav", pool=pool, slots=4)
    for key in list(first)[1:]:
        ahead.announce(store, f"blob://rec/{key}")
    for key in ("a0.wav", "a1.wav"):
        fetched = ahead.read(store, f"blob://rec/{key}")
        assert fetched is not None and content(fetched) == first[key]
        fetched.release()
    assert ahead._helper is not None and ahead._asked, "blobs are still asked for"
    pid = ahead._helper.pid
    ahead.close()
    assert pool.idle() == [pid]
    after = ReadAhead(BlobReader(block_size=SLOT, blocks=2), slot_size=SLOT, slots=4,
                      start_after=1, pool=pool)  # fmt: skip
    read_all(after, store, second)
    assert after.read_by_helper == len(second) and after._helper is not None
    assert after._helper.pid == pid
    after.close()


def test_a_build_that_keeps_a_slot_does_not_give_its_process_back(
    tmp_path: Path, pool: ReaderPool
) -> None:
    """A blob still held (a build that failed while writing it): its slot may still be read,
    so the process is stopped rather than handed to the next build."""
    store = a_store(tmp_path, {"a.wav": b"abc", "b.wav": b"def"})
    ahead = started(store, "blob://rec/a.wav", pool=pool)
    held = ahead.read(store, "blob://rec/a.wav")
    assert held is not None and held.whole is not None
    assert ahead._helper is not None
    process = ahead._helper._process
    ahead.close()
    assert process.poll() == 0 and pool.idle() == []
    held.release()


def test_a_process_that_ended_while_idle_is_replaced(tmp_path: Path, pool: ReaderPool) -> None:
    blobs = {f"{i}.wav": bytes([i]) * 20 for i in range(4)}
    store = a_store(tmp_path, blobs)
    ahead = started(store, "blob://rec/0.wav", pool=pool)
    assert ahead._helper is not None
    process = ahead._helper._process
    ahead.close()
    process.kill()  # what an OOM kill of the idle process would do
    process.wait()
    after = read_the_rest(store, blobs, pool)
    assert after._helper is not None and after._helper.pid != process.pid
    assert after.read_by_helper == 3
    after.close()


def test_a_pool_keeps_as_many_idle_processes_as_it_may(tmp_path: Path) -> None:
    """Two builds at once take two processes; a pool that keeps one stops the other."""
    store = a_store(tmp_path, {"a.wav": b"abc"})
    pool = ReaderPool(kept=1)
    one, two = (started(store, "blob://rec/a.wav", pool=pool) for _ in range(2))
    assert one._helper is not None and two._helper is not None
    first, second = one._helper, two._helper
    assert first.pid != second.pid
    one.close()
    two.close()
    assert pool.idle() == [first.pid] and second._process.poll() == 0
    pool.close()
    assert first._process.poll() == 0


def test_a_forked_worker_starts_its_own_process(tmp_path: Path) -> None:
    """A prefork worker's child never writes into its parent's pipes: it starts a process of
    its own, and the parent's stays the parent's."""
    blobs = {f"{i}.wav": bytes([i]) * 20 for i in range(4)}
    store = a_store(tmp_path, blobs)
    ahead = started(store, "blob://rec/0.wav", pool=READERS)
    assert ahead._helper is not None
    parent = ahead._helper.pid
    ahead.close()
    assert parent in READERS.idle()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports by its exit code
        code = 1
        try:
            theirs = READERS.idle() == []
            mine = read_the_rest(store, blobs, READERS)
            own = mine._helper is not None and mine._helper.pid != parent
            code = 0 if theirs and own and mine.read_by_helper == 3 else 2
            mine.close()
            READERS.close()
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    again = read_the_rest(store, blobs, READERS)
    assert again._helper is not None and again._helper.pid == parent
    assert again.read_by_helper == 3
    again.close()


def test_an_idle_process_ends_with_its_worker(tmp_path: Path) -> None:
    a_store(tmp_path, {"a.wav": b"abc"})
    worker = f"""
import sys
import time
from pathlib import Path
from rightful.adapters.packaging.readahead import ReadAhead
from rightful.adapters.sources.blobstore import FilesystemBlobStore
store = FilesystemBlobStore("rec", Path({str(tmp_path)!r}))
ahead = ReadAhead(start_after=1)
ahead.announce(store, "blob://rec/a.wav")
assert ahead.wait_for_helper(30)
print(ahead._helper.pid, flush=True)
ahead.read(store, "blob://rec/a.wav").release()
ahead.close()
"""
    ran = subprocess.run([sys.executable, "-c", worker], capture_output=True, text=True,
                         check=True, timeout=60)  # fmt: skip
    pid = int(ran.stdout.split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_process_idle_for_long_is_stopped_and_one_in_use_is_not(tmp_path: Path) -> None:
    """A worker that built one large package gives the memory back after a while; a process a
    build took again before that is not stopped under it."""
    store = a_store(tmp_path, {"a.wav": b"abc"})
    pool = ReaderPool(idle_for=1.0)
    idle, busy = (started(store, "blob://rec/a.wav", pool=pool) for _ in range(2))
    assert idle._helper is not None and busy._helper is not None
    stopped, kept = idle._helper._process, busy._helper
    idle.close()
    busy.close()
    again = started(store, "blob://rec/a.wav", pool=pool)  # the last one back is taken first
    assert again._helper is kept
    stopped.wait(30)  # the expiry stops it after a second
    time.sleep(0.2)  # past the time the one taken again would have been due
    assert pool.idle() == [] and kept.running()
    fetched = again.read(store, "blob://rec/a.wav")
    assert fetched is not None and content(fetched) == b"abc" and again.read_by_helper == 1
    again.close()
    pool.close()
