"""Desks whose mail goes to a real SMTP relay (in-process aiosmtpd), for the tests of notices
that must reach the requester (test_notice_mail.py, test_told_otherwise.py,
test_portal_email_step_up.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rightful.adapters.mail.memory import MemoryMailer
from rightful.adapters.mail.sink import MailSink
from rightful.adapters.outbox import InlineOutbox
from rightful.bootstrap_web import web_services
from rightful.demo.story import hearthly
from rightful.entrypoints.api.app import create_app
from rightful.entrypoints.web import install_web

from ..packages.world import make_world
from .conftest import FAST, TEXTS_KEPT, Desk


@pytest.fixture(name="relay")
def relay_fixture() -> Iterator[MailSink]:
    with MailSink(port=0) as sink:
        yield sink


def smtp_desk(store_url: str, tmp_path: Path, relay: MailSink, **overrides: Any) -> Desk:
    """A desk whose mail goes to `relay` over SMTP (its `mailer` stays empty); `overrides` are
    settings."""
    world = make_world(store_url, tmp_path, hearthly(), **{**FAST, **TEXTS_KEPT, **overrides},
                       smtp_port=relay.port, smtp_security="none")  # fmt: skip
    world.c.outbox = InlineOutbox()  # type: ignore[misc]
    app = create_app(world.c)
    install_web(app, world.c)
    client = TestClient(app, raise_server_exceptions=False)
    return Desk(world, web_services(world.c), MemoryMailer(), client)


@pytest.fixture(name="desk")
def smtp_desk_fixture(store_url: str, tmp_path: Path, relay: MailSink) -> Iterator[Desk]:
    """On SQLite and on PostgreSQL."""
    d = smtp_desk(store_url, tmp_path, relay)
    yield d
    d.c.store.engine.dispose()


@pytest.fixture(name="console_desk")
def console_desk_fixture(tmp_path: Path, relay: MailSink) -> Iterator[Desk]:
    """On SQLite, as the console's other tests (test_console.py)."""
    d = smtp_desk(f"sqlite:///{tmp_path}/rightful.db", tmp_path, relay)
    yield d
    d.c.store.engine.dispose()


def mails(relay: MailSink, rid: str) -> list[str]:
    return [m.subject for m in relay.messages() if rid[:8] in m.subject]
