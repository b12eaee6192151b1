"""A real Celery worker process for one test, on a queue of its own, stopped and its queue
emptied afterwards (test_jobs.py, test_worker.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import redis

from rightful.adapters.db.base import make_engine
from rightful.adapters.db.migrate import upgrade
from rightful.bootstrap import make_data_dir
from rightful.demo import DemoEstate
from rightful.demo.estate import DATAMAP_FILES
from rightful.settings import Settings, load_settings


def settings_for(estate: DemoEstate, data_dir: Path, queue: str, broker: str) -> Settings:
    """The settings of a test and its worker: SQLite store, the estate, the queue on `broker`."""
    return load_settings(
        data_dir=data_dir, database_url=f"sqlite:///{data_dir}/rightful.db",
        sources=estate.dsns, datamap_files=list(DATAMAP_FILES), queue_backend="celery",
        celery_broker_url=broker, celery_queue=queue, collect_when_verified=False,
    )  # fmt: skip


@contextmanager
def running_worker(
    settings: Settings, estate: DemoEstate, tmp_path: Path, *, out: IO[str] | None = None,
    loglevel: str = "WARNING",
) -> Iterator[None]:  # fmt: skip
    """A worker with `settings` (given by environment, as in production); its output to `out`.
    Its store is migrated first, as `rightful init` does: a worker refuses one that is not."""
    make_data_dir(settings.data_dir)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    engine.dispose()
    queue, broker = settings.celery_queue, settings.celery_broker_url.get_secret_value()
    (tmp_path / "none.toml").write_text("")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RIGHTFUL_")},
        "RIGHTFUL_CONFIG": str(tmp_path / "none.toml"),
        "RIGHTFUL_DATA_DIR": str(tmp_path),
        "RIGHTFUL_DATABASE_URL": settings.effective_database_url,
        "RIGHTFUL_SOURCES": json.dumps(estate.dsns),
        "RIGHTFUL_DATAMAP_FILES": json.dumps([str(p) for p in DATAMAP_FILES]),
        "RIGHTFUL_QUEUE_BACKEND": "celery",
        "RIGHTFUL_CELERY_BROKER_URL": broker,
        "RIGHTFUL_CELERY_QUEUE": queue,
    }
    sink = out if out is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "rightful.entrypoints.worker.celery_app",
         "worker", "--pool=solo", "--concurrency=1", "-Q", queue, "--without-gossip",
         "--without-mingle", "--without-heartbeat", f"--loglevel={loglevel}",
         f"--hostname={queue}@localhost"],
        env=env, cwd=tmp_path, stdout=sink, stderr=sink,
    )  # fmt: skip
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        redis.Redis.from_url(broker).delete(queue)
