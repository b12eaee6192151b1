"""/readyz answers within about `readiness_timeout_seconds` even when a store or broker accepts
the connection and then never says a word: the check that hangs has failed, the others answer
as they are, and probes arriving meanwhile neither wait longer nor start the check again.

The app runs in uvicorn and is probed over HTTP with a client timeout, so that a probe that
hangs fails its test instead of holding it."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx2
import pytest
import uvicorn

from rightful.bootstrap import Container
from rightful.entrypoints.api.app import create_app
from rightful.services.readiness import FRESH_FOR, ReadinessProbe
from rightful.settings import load_settings

DEADLINE = 0.5  # readiness_timeout_seconds in these tests
SLACK = 1.0  # what a loaded test machine may add to the deadline
T = TypeVar("T")


class SilentServer:
    """A loopback TCP port that accepts every connection and never answers (a store or broker
    whose host is up but whose process hangs)."""

    def __init__(self) -> None:
        self.connections: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))  # a port nothing else uses
        self.port: int = self._listener.getsockname()[1]
        self._listener.settimeout(0.05)
        self._closed = threading.Event()
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def hang_up(self) -> None:
        """Close the connections taken so far: their clients get an end of file at last."""
        for connection in self.connections:
            connection.close()

    def close(self) -> None:
        """Take no more connections, and close those taken."""
        self._closed.set()
        self._accepting.join()
        self._listener.close()
        self.hang_up()

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                self.connections.append(self._listener.accept()[0])
            except TimeoutError:
                continue


@dataclass
class Served:
    container: Container
    silent: SilentServer
    readyz: str  # the endpoint's URL
    http: httpx2.Client

    def probe(self) -> httpx2.Response:
        return self.http.get(self.readyz)


def hanging_store(port: int) -> dict[str, object]:
    return {"database_url": f"postgresql+psycopg://rightful:s3cret@127.0.0.1:{port}/rightful"}


@contextmanager
def serving(
    tmp_path: Path, hanging: Callable[[int], dict[str, object]] = hanging_store
) -> Iterator[Served]:
    """The app in uvicorn, with the settings `hanging` gives for the port of a silent server
    (by default its store: it is not initialised, as it may not answer)."""
    with SilentServer() as silent:
        settings = {"readiness_timeout_seconds": DEADLINE, **hanging(silent.port)}
        c = Container(settings=load_settings(data_dir=tmp_path, **settings))
        # Made before any probe is timed: the probe's first use imports the store's driver,
        # which took over a second on a loaded CI machine, and the deadline is the checks'.
        _ = c.readiness
        config = uvicorn.Config(create_app(c), host="127.0.0.1", port=0, log_level="warning")
        web = uvicorn.Server(config)
        thread = threading.Thread(target=web.run, daemon=True)
        thread.start()
        while not web.started:
            assert thread.is_alive(), "the web server did not start"
            time.sleep(0.02)
        port = web.servers[0].sockets[0].getsockname()[1]
        try:
            with httpx2.Client(timeout=DEADLINE + SLACK) as http:
                yield Served(c, silent, f"http://127.0.0.1:{port}/readyz", http)
        finally:
            silent.close()  # what still hangs returns, and the web server can stop
            web.should_exit = True
            thread.join(10)


def answered_at_once(count: int, call: Callable[[], T]) -> list[T]:
    """The answers of `count` calls made at the same moment from threads of their own; the test
    fails unless every one came within DEADLINE + SLACK."""
    answers: list[T] = []
    threads = [threading.Thread(target=lambda: answers.append(call()), daemon=True)
               for _ in range(count)]  # fmt: skip
    until = time.monotonic() + DEADLINE + SLACK
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, until - time.monotonic()))
    assert len(answers) == count, f"{count - len(answers)} of {count} probes got no answer in time"
    return answers


def test_a_store_that_never_answers_fails_its_check_by_the_deadline(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with serving(tmp_path) as app, caplog.at_level(logging.WARNING, "rightful.readiness"):
        [response] = answered_at_once(1, app.probe)
    assert response.status_code == 503
    assert response.json()["checks"] == {"store": "failed", "storage": "ok"}
    [line] = [r.getMessage() for r in caplog.records if r.name == "rightful.readiness"]
    assert line == "readiness: the store check failed (timeout)"


def test_probes_arriving_together_share_one_bounded_check(tmp_path: Path) -> None:
    """Twenty probes while the store hangs: each answered by the deadline, and one connection."""
    with serving(tmp_path) as app:
        responses = answered_at_once(20, app.probe)
        assert {r.json()["checks"]["store"] for r in responses} == {"failed"}
        assert len(app.silent.connections) == 1


def test_a_check_still_hanging_is_not_started_again_until_it_returns(tmp_path: Path) -> None:
    ticks = [100.0]
    with serving(tmp_path) as app:
        c = app.container
        probe = ReadinessProbe(c.store, c.package_objects, timeout=DEADLINE, ticks=lambda: ticks[0])
        for _ in range(3):
            [answer] = answered_at_once(1, probe.check)
            assert answer.checks == {"store": False, "storage": True}
            ticks[0] += FRESH_FOR
        assert len(app.silent.connections) == 1, "later probes waited on the check that hangs"
        app.silent.hang_up()
        answered_at_once(1, probe.check)  # the check that hung returns (its connection closed)
        ticks[0] += FRESH_FOR
        answered_at_once(1, probe.check)
        assert len(app.silent.connections) == 2, "once it returned, the next probe checks afresh"


def test_a_broker_that_never_answers_fails_its_check_by_the_deadline(tmp_path: Path) -> None:
    def hanging_broker(port: int) -> dict[str, object]:
        return {"database_url": f"sqlite:///{tmp_path}/store.db", "queue_backend": "celery",
                "celery_broker_url": f"redis://:s3cret@127.0.0.1:{port}/0"}  # fmt: skip

    with serving(tmp_path, hanging_broker) as app:
        [response] = answered_at_once(1, app.probe)
    assert response.status_code == 503
    assert response.json()["checks"] == {"store": "ok", "storage": "ok", "broker": "failed"}
    assert "s3cret" not in response.text
