"""Blobs announced before they are read, so that a helper process reads them meanwhile.

The build announces the blobs of the next few rows, then reads them in the same order. An
announced blob of a filesystem store goes to the blob reader process (reader_process.py) as
soon as it has started and a slot is free; read() then takes its answer. Everything else is
read in the build by the BlobReader: blobs of other stores, blobs announced while the process
was still starting, the ones it did not read, and all of them where no process can run or once
it has failed (ended, silent for ANSWER_WAIT seconds, or out of order).
"""

from __future__ import annotations

import logging
import mmap
import os
import select
import subprocess
import sys
from collections import deque
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Final

from rightful.adapters.packaging import reader_process as protocol
from rightful.adapters.packaging.blobreader import BLOCK_SIZE, BlobReader, Fetched
from rightful.adapters.sources.blobstore import FilesystemBlobStore
from rightful.domain.sources import BlobStore

log = logging.getLogger(__name__)

SLOTS: Final = 16
# Blobs announced before the process is started: it takes about 30 ms of CPU to start, which a
# small package (most access requests) would only spend on the process being stopped again.
START_AFTER: Final = 32
ASK_AT_ONCE: Final = 4
ANSWERS_PER_READ: Final = 64
ANSWER_WAIT: Final = 60.0  # seconds without an answer before the build reads alone
STOP_WAIT: Final = 5.0  # seconds a stopping reader process is given


@dataclass
class _Announced:
    store: FilesystemBlobStore
    uri: str
    slot: int | None = None  # set once the helper was asked


class ReadAhead:
    """read(store, uri) in the order of announce(store, uri); any blob can be read unannounced."""

    def __init__(
        self,
        reader: BlobReader | None = None,
        *,
        helper: bool = True,
        slots: int = SLOTS,
        slot_size: int = BLOCK_SIZE,
        start_after: int = START_AFTER,
    ) -> None:
        self._reader = reader or BlobReader()
        self._start_after = start_after
        self._use_helper, self._slots, self._slot_size = helper, slots, slot_size
        self._helper: ReaderProcess | None = None
        self._free: list[int] = list(range(slots))
        # Announced blobs in order: first those the helper was asked for, then those waiting.
        self._asked: deque[_Announced] = deque()
        self._waiting: deque[_Announced] = deque()
        # How often each blob is due; a dict, as Counter's item deletion is Python code.
        self._pending: dict[tuple[int, str], int] = {}
        self._announced = 0
        self.read_by_helper = 0

    def announce(self, store: BlobStore, uri: str) -> None:
        """A blob that read() will be asked for soon, after those announced before it."""
        if not self._use_helper or not isinstance(store, FilesystemBlobStore):
            return
        self._waiting.append(_Announced(store, uri))
        key = (id(store), uri)
        self._pending[key] = self._pending.get(key, 0) + 1
        self._announced += 1
        if self._helper is None and self._announced >= self._start_after:
            self._helper = ReaderProcess.start(self._slots, self._slot_size)
            if self._helper is None:  # the blobs waiting are read in the build
                self._use_helper = False
        self._ask()

    def read(self, store: BlobStore, uri: str) -> Fetched | None:
        """The blob, or None when it does not exist."""
        announced = self._take(store, uri)
        if announced is not None and announced.slot is not None:
            fetched = self._answer_for(announced.slot)
            if fetched is not None:
                self.read_by_helper += 1
                return fetched
        return self._reader.read(partial(store.open, uri))

    def wait_for_helper(self, seconds: float) -> bool:
        """Wait up to `seconds` for a started reader process to take requests (True once it
        does), rather than read the first blobs here."""
        if not self._helper_ready(seconds):
            return False
        self._ask()
        return True

    def close(self) -> None:
        """Stop the helper process and the reader's thread."""
        self._reader.close()
        if self._helper is not None:
            self._helper.close()
            self._helper = None
            self._use_helper = False

    # --- in order ------------------------------------------------------------------------

    def _take(self, store: BlobStore, uri: str) -> _Announced | None:
        """The announcement of this blob; announcements before it that were never read (a row
        the build skipped) are dropped, their answers taken and their slots freed."""
        key = (id(store), uri)
        if key not in self._pending:
            return None
        while True:
            announced = self._asked.popleft() if self._asked else self._waiting.popleft()
            self._forget(announced)
            if announced.store is store and announced.uri == uri:
                return announced
            if announced.slot is not None and (dropped := self._answer_for(announced.slot)):
                dropped.release()

    def _forget(self, announced: _Announced) -> None:
        """Count one announcement of this blob less; a blob no longer due leaves no entry (a
        package of a million blobs would otherwise keep one per blob)."""
        key = (id(announced.store), announced.uri)
        left = self._pending[key] - 1
        if left:
            self._pending[key] = left
        else:
            del self._pending[key]

    def _ask(self) -> None:
        """Hand waiting blobs to the helper, several per write once a few slots are free (each
        write wakes the process; one per blob costs more than the reads it saves)."""
        helper = self._helper
        if helper is None or not self._waiting or not self._helper_ready():
            return
        if self._asked and len(self._free) < min(ASK_AT_ONCE, self._slots):
            return
        asking: list[tuple[int, FilesystemBlobStore, str]] = []
        while self._free and self._waiting:
            announced = self._waiting.popleft()
            announced.slot = slot = self._free.pop()
            asking.append((slot, announced.store, announced.uri))
            self._asked.append(announced)
        try:
            helper.request(asking)
        except OSError:
            self._lost_helper()

    def _helper_ready(self, wait: float = 0.0) -> bool:
        """Whether the helper takes requests; one that ended before it was ready is lost."""
        try:
            return self._helper is not None and self._helper.ready(wait)
        except (EOFError, OSError):
            self._lost_helper()
            return False

    def _answer_for(self, slot: int) -> Fetched | None:
        """The helper's answer for `slot` (the next one due); None when it did not read it."""
        helper = self._helper
        if helper is None:
            return None
        try:
            index, what, size, crc, sha256 = helper.answer()
        except (EOFError, OSError):  # ended, or silent for ANSWER_WAIT seconds
            self._lost_helper()
            return None
        if index != slot:  # answers come in request order; anything else is a broken helper
            self._lost_helper()
            return None
        if what != protocol.READ:
            self._give_back(slot)
            return None
        whole = helper.slot(slot)[:size]
        return Fetched.read_whole(whole, sha256.hex(), crc, partial(self._give_back, slot))

    def _give_back(self, slot: int) -> None:
        self._free.append(slot)
        self._ask()

    def _lost_helper(self) -> None:
        """Read everything in the build from now on: what was asked is asked no more."""
        log.warning("the blob reader process stopped; blobs are read in the build")
        for announced in self._asked:
            announced.slot = None
        self._waiting.extendleft(reversed(self._asked))
        self._asked.clear()
        if self._helper is not None:
            self._helper.close()
        self._use_helper = False
        self._helper = None


class ReaderProcess:
    """The build's side of one blob reader process: `slots` slots of `slot_size` bytes of
    shared memory, requests out and answers in, over two pipes."""

    def __init__(self, slots: int, slot_size: int) -> None:
        self.slot_size = slot_size
        memory_fd = os.memfd_create("rightful-blobs", os.MFD_CLOEXEC)
        request_in, self._requests = os.pipe()
        self._answers, answer_out = os.pipe()
        child_ends = (memory_fd, request_in, answer_out)
        try:
            os.ftruncate(memory_fd, slots * slot_size)
            self._memory = mmap.mmap(memory_fd, slots * slot_size)
            # -P: the working directory is not put on sys.path, so nothing lying there is imported
            self._process = subprocess.Popen(  # noqa: S603 - this interpreter, our module
                [
                    sys.executable,
                    "-P",
                    "-m",
                    protocol.__name__,
                    *map(str, (*child_ends, slot_size)),
                ],
                pass_fds=child_ends,
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            for fd in (self._requests, self._answers):
                os.close(fd)
            raise
        finally:
            for fd in child_ends:
                os.close(fd)
        self._view = memoryview(self._memory)
        self._ready = False
        self._arrived = bytearray()

    @classmethod
    def start(cls, slots: int, slot_size: int) -> ReaderProcess | None:
        """A new process, or None where there can be none (no memfd, no interpreter to run)."""
        if not hasattr(os, "memfd_create") or not sys.executable:
            return None
        try:
            return cls(slots, slot_size)
        except OSError as exc:
            log.warning("no blob reader process (%s); blobs are read in the build", type(exc))
            return None

    def ready(self, wait: float = 0.0) -> bool:
        """Whether the process has started and takes requests (waits up to `wait` seconds);
        EOFError when it ended before it was ready."""
        if not self._ready and select.select([self._answers], [], [], wait)[0]:
            answer = protocol.ANSWER.unpack(self._read_answer())
            self._ready = answer[1] == protocol.READY
        return self._ready

    def slot(self, index: int) -> memoryview:
        """The shared memory of one slot."""
        return self._view[index * self.slot_size : (index + 1) * self.slot_size]

    def request(self, blobs: list[tuple[int, FilesystemBlobStore, str]]) -> None:
        """Ask for blobs to be read, each (slot, store, uri), in one write."""
        os.write(self._requests, b"".join(protocol.request_bytes(*blob) for blob in blobs))

    def answer(self) -> tuple[int, int, int, int, bytes]:
        """The next answer, in request order: slot, READ or NOT_READ, size, CRC-32, SHA-256.
        EOFError when the process is gone."""
        return protocol.ANSWER.unpack(self._read_answer())

    def close(self) -> None:
        """Stop the process: it ends when its request pipe closes; wait briefly, then kill.
        One that is not ready yet has read nothing, and is not waited for while it starts."""
        os.close(self._requests)
        if not self._ready:
            self._process.kill()
        try:
            self._process.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._answers)
        self._view.release()
        with suppress(BufferError):  # a slot still looked at (a failed build): GC closes it
            self._memory.close()

    def _read_answer(self) -> bytes:
        """One answer; whatever else has arrived is read in the same call and kept."""
        size = protocol.ANSWER.size
        if len(self._arrived) < size:
            if not select.select([self._answers], [], [], ANSWER_WAIT)[0]:
                raise TimeoutError("the blob reader process did not answer")
            self._arrived += os.read(self._answers, size * ANSWERS_PER_READ)
            if len(self._arrived) < size:
                self._arrived += protocol.read_exactly(self._answers, size - len(self._arrived))
        answer, self._arrived = self._arrived[:size], self._arrived[size:]
        return bytes(answer)
