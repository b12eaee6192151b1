"""A CLI command that verified a request, and so started its package build in this process,
ends when the build does: left to the interpreter's exit, the build ran while Python shut down
and failed to start its collection threads (a probe's `verify approve-check`)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

from rightful.adapters.queue.package_jobs import InlinePackageJobs
from rightful.bootstrap import set_container
from rightful.entrypoints.cli.common import handles_errors


def test_a_command_returns_only_once_the_build_it_started_has_finished() -> None:
    finished = threading.Event()

    def slow_build(request_id: str) -> dict[str, Any]:
        time.sleep(0.2)
        finished.set()
        return {"request_id": request_id}

    jobs = InlinePackageJobs(slow_build)
    container = SimpleNamespace(package_jobs=jobs)

    @handles_errors
    def approve_check() -> None:
        jobs.start("r1")

    set_container(container)  # type: ignore[arg-type]
    try:
        approve_check()
    finally:
        set_container(None)
    assert finished.is_set() and not jobs.busy
