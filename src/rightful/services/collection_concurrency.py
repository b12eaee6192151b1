"""One producer per source at the same time (their I/O overlaps), streamed through a bounded queue.

Producers only read: the CPU work on what they read stays in the consuming thread, because
Python threads that compute at once slow each other down.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# At most this many items (batches of rows) wait: memory stays flat if the consumer is slow.
QUEUE_ITEMS = 16
WORKERS = 8
_DONE = object()
# Threads are reused across runs: starting new ones would cost more than a small subject's
# whole collection. Producers beyond WORKERS wait for a free thread.
_POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="rightful-collect")


_running = 0
_running_lock = threading.Lock()


def running_producers() -> int:
    """How many producers are running right now (zero between runs)."""
    return _running


def _count(delta: int) -> None:
    global _running
    with _running_lock:
        _running += delta


# Reading sources at once pays when they answer slowly (remote databases, APIs); for sources
# that answer in a fraction of a millisecond the hand-offs between threads cost more than they
# save. Each source's answer time is learnt from its lookups; unknown sources count as slow.
CONCURRENCY_PAYS_AFTER = 0.002  # seconds the other sources would add if read one after another
_latency: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def record_latency(source: Any, seconds: float) -> None:
    """Fold one lookup's time to first rows into the source's running estimate."""
    previous = _latency.get(source)
    _latency[source] = seconds if previous is None else 0.8 * previous + 0.2 * seconds


def worth_concurrency(sources: list[Any]) -> bool:
    """Whether reading these sources at once would save time, by what they took before."""
    if len(sources) < 2:
        return False
    known = [_latency.get(s) for s in sources]
    if any(k is None for k in known):
        return True
    times = [k for k in known if k is not None]
    return sum(times) - max(times) > CONCURRENCY_PAYS_AFTER


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def interleave(producers: list[Callable[[], Iterator[T]]]) -> Iterator[T]:
    """Items of every producer; one producer runs inline, several run on pooled threads."""
    if len(producers) <= 1:
        for produce in producers:
            yield from produce()
        return
    channel: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_ITEMS)
    stop = threading.Event()
    _count(len(producers))  # counted from submission: a queued producer is running for us
    futures = [_POOL.submit(_work, p, channel, stop) for p in producers]
    try:
        yield from _drain(channel, len(futures))
    finally:
        stop.set()
        _wait_for(futures, channel)


def sequential(producers: list[Callable[[], Iterator[T]]]) -> Iterator[T]:
    """Items of every producer, one producer after the other, in this thread."""
    for produce in producers:
        yield from produce()


def _drain(channel: queue.Queue[Any], running: int) -> Iterator[Any]:
    while running:
        item = channel.get()
        if item is _DONE:
            running -= 1
        elif isinstance(item, _Failed):
            raise item.error
        else:
            yield item


def _wait_for(futures: list[Future[None]], channel: queue.Queue[Any]) -> None:
    while not all(f.done() for f in futures):
        with contextlib.suppress(queue.Empty):
            channel.get(timeout=0.05)


def _work(
    produce: Callable[[], Iterator[Any]], channel: queue.Queue[Any], stop: threading.Event
) -> None:
    try:
        if stop.is_set():
            return
        for item in produce():
            if not _put(channel, item, stop):
                return
        _put(channel, _DONE, stop)
    except BaseException as exc:  # handed to the consumer, which re-raises it
        _put(channel, _Failed(exc), stop)
    finally:
        _count(-1)


def _put(channel: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            channel.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False
