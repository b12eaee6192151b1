"""The buffer pool keeps large buffers between package builds: each buffer has one holder at a
time, and memory stays bounded (REQUIREMENTS.md: nobody else's data; the brief's memory bound)."""

from __future__ import annotations

import threading

from rightful.adapters.buffers import BufferPool

MIB = 1024 * 1024


def test_a_buffer_given_back_is_taken_again_instead_of_a_new_one() -> None:
    pool = BufferPool(bytearray)
    first = pool.take(MIB)
    assert len(first) == MIB
    pool.give(first)
    assert pool.take(MIB) is first
    assert pool.take(MIB) is not first


def test_a_buffer_given_back_twice_is_kept_once() -> None:
    pool = BufferPool(bytearray)
    buffer = pool.take(64)
    pool.give(buffer)
    pool.give(buffer)
    assert pool.kept() == 1
    assert pool.take(64) is buffer
    assert pool.take(64) is not buffer


def test_only_a_few_buffers_per_size_and_only_sizes_taken_are_kept() -> None:
    pool = BufferPool(bytearray, keep=2)
    taken = [pool.take(64) for _ in range(5)]
    for buffer in taken:
        pool.give(buffer)
    pool.give(bytearray(100))  # a size nobody took from the pool
    assert pool.kept() == 2
    assert pool.sizes() == [64]


def test_buffers_of_one_size_never_serve_another() -> None:
    pool = BufferPool(bytearray)
    pool.give(pool.take(64))
    assert len(pool.take(128)) == 128


def test_threads_taking_and_giving_never_hold_the_same_buffer() -> None:
    pool = BufferPool(bytearray, keep=4)
    holders: dict[int, int] = {}
    clashes: list[int] = []
    lock = threading.Lock()

    def work(me: int) -> None:
        for _ in range(2_000):
            buffer = pool.take(16)
            with lock:
                if id(buffer) in holders:
                    clashes.append(id(buffer))
                holders[id(buffer)] = me
            with lock:
                del holders[id(buffer)]
            pool.give(buffer)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clashes == []
    assert pool.kept() <= 4
