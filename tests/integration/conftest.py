"""A running rightful (store on SQLite and on PostgreSQL) behind FastAPI's test client."""

from __future__ import annotations

import resource
import secrets
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.console import StaffUserRow
from rightful.bootstrap import Container
from rightful.domain.clock import Clock, FixedClock
from rightful.entrypoints.api.app import create_app
from rightful.services import staff
from rightful.services.setup import initialise
from rightful.settings import load_settings

T0 = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


@dataclass
class App:
    container: Container
    client: TestClient
    clock: FixedClock
    keys: dict[str, str]

    def as_role(self, role: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}


def make_container(
    store_url: str, data_dir: Path, clock: FixedClock, **overrides: object
) -> Container:
    settings = load_settings(data_dir=data_dir, database_url=store_url, **overrides)
    c = Container(settings=settings, clock=clock)
    initialise(c)
    return c


@contextmanager
def running_app(store_url: str, data_dir: Path, **overrides: object) -> Iterator[App]:
    """The app on a fresh store, with a staff API key for each role."""
    clock = FixedClock(T0)
    c = make_container(store_url, data_dir, clock, **overrides)
    keys = {}
    with c.store.transaction() as session:
        for role in ("agent", "reviewer", "dpo", "admin"):
            keys[role] = held_key(session, clock, f"test {role}", role, f"test-{role}").secret
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        yield App(c, client, clock, keys)
    c.store.engine.dispose()


def console_user(session: Session, clock: Clock, name: str, role: str) -> StaffUserRow:
    """The console user `name`, added when there is none (unable to sign in: a stand-in for
    `rightful staff add-user`, which the four-eyes rules need only as a holder of keys)."""
    found = session.scalars(select(StaffUserRow).where(StaffUserRow.name == name)).first()
    if found is None:
        found = StaffUserRow(id=secrets.token_hex(8), name=name, role=role, password_hash="!",
                             totp_secret="!", created_at=clock.now())  # fmt: skip
        session.add(found)
        session.flush()
    return found


def held_key(session: Session, clock: Clock, name: str, role: str, holder: str) -> staff.IssuedKey:
    """A staff API key held by the console user `holder` (added when there is none)."""
    console_user(session, clock, holder, role)
    return staff.issue_key(session, clock, name=name, role=role, holder=holder)


@pytest.fixture
def app(store_url: str, tmp_path: Path) -> Iterator[App]:
    with running_app(store_url, tmp_path) as running:
        yield running


@contextmanager
def files_limited_to(size: int) -> Iterator[None]:
    """A write past `size` bytes of a file fails (EFBIG), as on a full disk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the process is killed
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
