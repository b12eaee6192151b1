"""Blobs announced before they are read, so that a helper process reads them meanwhile.

The build announces the blobs of the next few rows, then reads them in the same order. An
announced blob of a filesystem store goes to the blob reader process (reader_process.py) as
soon as it has started and a slot is free; read() then takes its answer. Everything else is
read in the build by the BlobReader: blobs of other stores, blobs announced while the process
was still starting, the ones it did not read, and all of them where no process can run or once
it has failed (ended, silent for ANSWER_WAIT seconds, or out of order). The process comes from
the worker's pool (reader_pool.py) and goes back to it when the build ends.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import Final

from rightful.adapters.packaging import reader_process as protocol
from rightful.adapters.packaging.blobreader import BLOCK_SIZE, BlobReader, Fetched
from rightful.adapters.packaging.reader_pool import READERS, ReaderPool, ReaderProcess
from rightful.adapters.sources.blobstore import FilesystemBlobStore
from rightful.domain.sources import BlobStore

log = logging.getLogger(__name__)

SLOTS: Final = 16
# Blobs announced before a process is taken: a small package (most access requests) reads its
# few files faster itself than through another process, and would start one for nothing.
START_AFTER: Final = 32
# Blobs asked for per write once some were asked: each write wakes the process, and on this
# project's machine 8 gave builds of 1,700 recordings about 5 % less time and CPU than 4
# (docs/performance.md, 2026-12-07, morning).
ASK_AT_ONCE: Final = 8
DRAIN_WAIT: Final = 1.0  # seconds to take the answers still due before a process is kept


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
        pool: ReaderPool | None = None,
    ) -> None:
        self._reader = reader or BlobReader()
        self._pool = READERS if pool is None else pool  # the worker's, unless given
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
            self._helper = self._pool.take(self._slots, self._slot_size)
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
        """Stop the reader's thread; the helper process goes back to the pool for the next
        build once the answers still due are taken (it is stopped when they do not come)."""
        self._reader.close()
        helper, self._helper = self._helper, None
        self._use_helper = False
        if helper is None:
            return
        if self._drained(helper):
            self._pool.give_back(helper)
        else:
            helper.close()

    def _drained(self, helper: ReaderProcess) -> bool:
        """Take the answers to blobs asked for and never read (a build that stopped early);
        True when every slot is free again, so the next build finds the process as new."""
        try:
            while self._asked:
                announced = self._asked.popleft()
                if announced.slot is None:
                    continue
                if helper.answer(DRAIN_WAIT)[0] != announced.slot:
                    return False
                self._free.append(announced.slot)
        except (EOFError, OSError):
            return False
        return len(self._free) == self._slots

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
        except (EOFError, OSError):  # ended, or silent for reader_pool.ANSWER_WAIT seconds
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
