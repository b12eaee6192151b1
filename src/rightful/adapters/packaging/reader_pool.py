"""The build's side of the blob reader processes (reader_process.py is theirs), and those kept
between builds.

A process costs 30 to 50 ms of CPU to start, and the blobs due before it is ready are read in the
build, so a worker keeps the process of a finished build for its next one (at most KEPT idle
ones, each for IDLE_FOR seconds) instead of starting one per package. A process goes back only
as it came: started, every answer taken, every slot free. It ends when its request pipe closes,
so an idle one ends with the worker however the worker ends; a process forked from the worker
(a prefork pool's child) starts its own instead of writing into its parent's pipes.
"""

from __future__ import annotations

import atexit
import logging
import mmap
import os
import select
import subprocess
import sys
import threading
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Final

from rightful.adapters.packaging import reader_process as protocol

if TYPE_CHECKING:
    from rightful.adapters.sources.blobstore import FilesystemBlobStore

log = logging.getLogger(__name__)

KEPT: Final = 2  # idle processes a worker keeps: one per build running at once, mostly one
IDLE_FOR: Final = 300.0  # seconds a process is kept idle before it is stopped (memory back)
ANSWERS_PER_READ: Final = 64
ANSWER_WAIT: Final = 60.0  # seconds without an answer before the build reads alone
STOP_WAIT: Final = 5.0  # seconds a stopping reader process is given


class ReaderProcess:
    """The build's side of one blob reader process: `slots` slots of `slot_size` bytes of
    shared memory, requests out and answers in, over two pipes."""

    def __init__(self, slots: int, slot_size: int) -> None:
        self.slots, self.slot_size = slots, slot_size
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
        self.idle_since = 0.0  # time.monotonic() when last handed back to a pool

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

    @property
    def pid(self) -> int:
        return self._process.pid

    def running(self) -> bool:
        """Whether the process has not ended (killed while idle, say)."""
        return self._process.poll() is None

    def ready(self, wait: float = 0.0) -> bool:
        """Whether the process has started and takes requests (waits up to `wait` seconds);
        EOFError when it ended before it was ready."""
        if not self._ready and select.select([self._answers], [], [], wait)[0]:
            answer = protocol.ANSWER.unpack(self._read_answer(wait))
            self._ready = answer[1] == protocol.READY
        return self._ready

    def slot(self, index: int) -> memoryview:
        """The shared memory of one slot."""
        return self._view[index * self.slot_size : (index + 1) * self.slot_size]

    def request(self, blobs: list[tuple[int, FilesystemBlobStore, str]]) -> None:
        """Ask for blobs to be read, each (slot, store, uri), in one write."""
        os.write(self._requests, b"".join(protocol.request_bytes(*blob) for blob in blobs))

    def answer(self, wait: float | None = None) -> tuple[int, int, int, int, bytes]:
        """The next answer, in request order: slot, READ or NOT_READ, size, CRC-32, SHA-256.
        EOFError when the process is gone, TimeoutError when it is silent for `wait` seconds
        (ANSWER_WAIT unless given)."""
        return protocol.ANSWER.unpack(self._read_answer(ANSWER_WAIT if wait is None else wait))

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
        self._let_go()

    def let_go(self) -> None:
        """Close this side's pipes and memory without stopping the process: what a forked child
        does with its parent's processes (the parent's own ends keep them running)."""
        os.close(self._requests)
        self._let_go()

    def _let_go(self) -> None:
        os.close(self._answers)
        self._view.release()
        with suppress(BufferError):  # a slot still looked at (a failed build): GC closes it
            self._memory.close()

    def _read_answer(self, wait: float) -> bytes:
        """One answer; whatever else has arrived is read in the same call and kept."""
        size = protocol.ANSWER.size
        if len(self._arrived) < size:
            if not select.select([self._answers], [], [], wait)[0]:
                raise TimeoutError("the blob reader process did not answer")
            self._arrived += os.read(self._answers, size * ANSWERS_PER_READ)
            if len(self._arrived) < size:
                self._arrived += protocol.read_exactly(self._answers, size - len(self._arrived))
        answer, self._arrived = self._arrived[:size], self._arrived[size:]
        return bytes(answer)


class ReaderPool:
    """Idle blob reader processes of this worker process, handed to one build at a time."""

    def __init__(self, kept: int = KEPT, idle_for: float = IDLE_FOR) -> None:
        self.kept, self.idle_for = kept, idle_for
        self._lock = threading.Lock()
        self._idle: list[ReaderProcess] = []
        self._inherited: list[ReaderProcess] = []  # a forked child's, let go but referenced
        # Stops processes idle for `idle_for`; runs only while some are idle.
        self._expiry: threading.Thread | None = None

    def take(self, slots: int, slot_size: int) -> ReaderProcess | None:
        """An idle process with slots of this size, or a new one (None where none can run)."""
        with self._lock:
            found = [h for h in self._idle if (h.slots, h.slot_size) == (slots, slot_size)]
            helper = found[-1] if found else None
            if helper is not None:
                self._idle.remove(helper)
        if helper is not None and helper.running():
            return helper
        if helper is not None:  # ended while idle: its pipes are closed, a new one starts
            helper.close()
        return ReaderProcess.start(slots, slot_size)

    def give_back(self, helper: ReaderProcess) -> None:
        """Keep a process whose build took every answer and freed every slot; stop it when
        KEPT are idle already."""
        with self._lock:
            if len(self._idle) < self.kept:
                helper.idle_since = time.monotonic()
                self._idle.append(helper)
                if self._expiry is None:
                    self._expiry = threading.Thread(
                        target=self._expire, name="rightful-blob-reader-expiry", daemon=True
                    )
                    self._expiry.start()
                return
        helper.close()

    def _expire(self) -> None:
        """Stop each process once it has been idle for `idle_for`; end when none is idle (the
        next one handed back starts this again)."""
        while True:
            with self._lock:
                now = time.monotonic()
                expired = [h for h in self._idle if now - h.idle_since >= self.idle_for]
                self._idle = [h for h in self._idle if h not in expired]
                if not self._idle:
                    self._expiry = None
                due = min((h.idle_since + self.idle_for - now for h in self._idle), default=None)
            for helper in expired:
                helper.close()
            if due is None:
                return
            time.sleep(max(due, 0.0))

    def idle(self) -> list[int]:
        """The process ids of the idle processes."""
        with self._lock:
            return [h.pid for h in self._idle]

    def close(self) -> None:
        """Stop every idle process (at exit; they would end with the worker anyway)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for helper in idle:
            helper.close()

    def after_fork(self) -> None:
        """In a forked child: the parent's processes stay the parent's."""
        self._lock = threading.Lock()  # another thread may have held it at the fork
        self._expiry = None  # threads do not survive a fork
        for helper in self._idle:
            helper.let_go()
        self._inherited += self._idle
        self._idle = []


READERS: Final = ReaderPool()
atexit.register(READERS.close)
os.register_at_fork(after_in_child=READERS.after_fork)
