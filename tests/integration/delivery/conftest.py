"""A rightful with the Hearthly estate, real packages, an in-memory mailer and the web pages,
behind FastAPI's test client; store on SQLite (and PostgreSQL where a test asks for it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rightful.adapters.mail.memory import MemoryMailer
from rightful.adapters.outbox import InlineOutbox
from rightful.bootstrap_web import WebServices, web_services
from rightful.demo.story import hearthly
from rightful.entrypoints.api.app import create_app
from rightful.entrypoints.web import install_web
from rightful.services.delivery import IssuedLink

from ..packages.world import AGENT, REVIEWER, World, make_world

ANNA, BEN = 1, 2
ANNA_MAIL, BEN_MAIL = "anna.schmidt@example.com", "ben.krueger@example.com"
CODE = re.compile(r"code: (\d{6})", re.IGNORECASE)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FAST = {"passphrase_scrypt_log_n": 10, "resend_interval_seconds": 0}
TEXTS_KEPT = {"sms_backend": "log"}  # SMS codes are read back from the logging sender


@dataclass
class Delivered:
    request_id: str
    package_id: str
    link: IssuedLink

    @property
    def link_id(self) -> str:
        return self.link.link_id

    @property
    def token(self) -> str:
        return self.link.token


@dataclass
class Desk:
    """The world, its web services, the mail that went out and a browser-like client."""

    world: World
    web: WebServices
    mailer: MemoryMailer
    client: TestClient

    @property
    def c(self) -> Any:
        return self.world.c

    def deliver(self, customer: int = ANNA) -> Delivered:
        """A request of `customer`, verified by an e-mail code, packaged, approved, delivered."""
        rid = self.world.request_for(customer, high=False)
        package = self.c.packages.build(rid, AGENT)
        self.c.package_review.approve(package.id, REVIEWER)
        return Delivered(rid, package.id, self.web.delivery.deliver(rid, package.id, REVIEWER))

    def code_for(self, address: str) -> str:
        """The code in the newest mail to `address`."""
        found = CODE.search(self.mailer.to(address)[-1].text)
        assert found is not None, "no code in the newest mail"
        return found.group(1)

    def csrf(self, path: str = "/portal/new") -> str:
        """The CSRF token of a page (the client keeps the matching cookie)."""
        found = CSRF.search(self.client.get(path).text)
        assert found is not None
        return found.group(1)

    def post(self, path: str, **data: str) -> Any:
        return self.client.post(path, data={"csrf": self.csrf(), **data}, follow_redirects=True)

    def verified_download(self, delivered: Delivered) -> None:
        """Open the link and confirm with a fresh code, as the requester would."""
        assert self.client.get(f"/d/{delivered.token}").status_code == 200
        self.post(f"/download/{delivered.link_id}/code")
        page = self.post(f"/download/{delivered.link_id}/confirm",
                         code=self.code_for(self.address_of(delivered)))  # fmt: skip
        assert "Ready to download" in page.text, page.text

    def address_of(self, delivered: Delivered) -> str:
        return self.c.requests.get(delivered.request_id).requester_email  # type: ignore[no-any-return]

    def another_browser(self) -> TestClient:
        return TestClient(self.client.app, raise_server_exceptions=False)


def make_desk(store_url: str, data_dir: Path, **overrides: Any) -> Desk:
    world = make_world(store_url, data_dir, hearthly(), **{**FAST, **TEXTS_KEPT, **overrides})
    mailer = MemoryMailer()
    world.c.mailer, world.c.outbox = mailer, InlineOutbox()  # type: ignore[misc]
    app = create_app(world.c)
    install_web(app, world.c)
    client = TestClient(app, raise_server_exceptions=False)
    return Desk(world, web_services(world.c), mailer, client)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    """On SQLite: for tests about behaviour rather than the store."""
    d = make_desk(f"sqlite:///{tmp_path}/rightful.db", tmp_path)
    yield d
    d.c.store.engine.dispose()


@pytest.fixture
def store_desk(store_url: str, tmp_path: Path) -> Iterator[Desk]:
    """On SQLite and on PostgreSQL."""
    d = make_desk(store_url, tmp_path)
    yield d
    d.c.store.engine.dispose()
