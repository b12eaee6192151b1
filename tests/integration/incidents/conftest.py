"""Incident response on a running rightful: the Hearthly estate, real packages delivered through
the real delivery service, an in-memory mailer, API, portal and console behind a test client."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rightful.adapters.mail.memory import MemoryMailer
from rightful.adapters.mail.sink import MailSink
from rightful.adapters.outbox import InlineOutbox
from rightful.bootstrap import set_container
from rightful.bootstrap_web import web_services
from rightful.demo.story import hearthly
from rightful.domain.datamap import DataMap
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.lifecycle import Role
from rightful.domain.messaging import DeliveryError, MailMessage
from rightful.domain.staff import Principal
from rightful.domain.verification import Factor
from rightful.entrypoints.api.app import create_app
from rightful.services.identity_set import Proof, record_proof

from ..conftest import held_key
from ..delivery.conftest import FAST, Delivered, Desk
from ..packages.world import AGENT, DATAMAP, PUBLIC, REVIEWER, make_world

ANNA, ANNA2, CARL, DORA = 1, 3, 4, 5
DORA_MAIL, CARL_MAIL = "carl.old@mailbox.example", "carl@example.com"
DPO = Principal("key:dpo1", Role.DPO)
DPO_MAIL = "dpo@hearthly.example"
SETTINGS = {**FAST, "dpo_email": DPO_MAIL, "dpo_contact": "Data protection officer, "
            "dpo@hearthly.example"}  # fmt: skip


def without_recording_window(datamap: DataMap) -> DataMap:
    """The data map of the motivating case: the validity window is missing from the device
    reference of recordings, so collector and gate both follow a speaker across owners."""
    datasets = []
    for ds in datamap.datasets:
        colls = []
        for coll in ds.collections:
            if coll.address == "speaker.recordings":
                coll = dataclasses.replace(coll, fields=tuple(
                    dataclasses.replace(f, references=tuple(
                        dataclasses.replace(r, window=None) for r in f.references))
                    if f.name == "device_serial" else f for f in coll.fields))  # fmt: skip
            colls.append(coll)
        datasets.append(dataclasses.replace(ds, collections=tuple(colls)))
    return dataclasses.replace(datamap, datasets=tuple(datasets))


WRONG_MAP = without_recording_window(DATAMAP)


@dataclass
class Response(Desk):
    """A desk with incident response mounted, and staff API keys by role."""

    keys: dict[str, str] = dataclasses.field(default_factory=dict)

    def as_role(self, role: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}

    def refusing_mail_to(self, address: str) -> Callable[[MailMessage], None]:
        """The mailer's send, but mail to `address` is refused as an unavailable mailbox."""
        send = self.mailer.send

        def refusing(message: MailMessage) -> None:
            if message.to == address:
                raise DeliveryError("550 mailbox unavailable")
            send(message)

        return refusing

    def correct_the_data_map(self) -> None:
        """What the operator does once the cause is known: the data map with its window."""
        self.c.datamap = DATAMAP

    def deliver_verified(self, customer: int) -> Delivered:
        """A request verified strongly (account) and by a code to the address on file, so that
        its package holds recordings and its link goes by e-mail; built, approved, delivered."""
        rid = self.world.request_for(customer, high=True)
        assert self.world.estate.demo is not None
        email = self.world.estate.demo.customer(customer).email
        proof = Proof(Identity(IdentityType.EMAIL, email), Factor.EMAIL_CODE, f"mail-{rid[:8]}",
                      self.world.clock.now())  # fmt: skip
        with self.c.store.transaction() as session:
            record_proof(session, self.c.audit, rid, proof, PUBLIC)
        package = self.c.packages.build(rid, AGENT)
        assert package.status == "ready", package.status
        self.c.package_review.approve(package.id, REVIEWER)
        return Delivered(rid, package.id, self.web.delivery.deliver(rid, package.id, REVIEWER))

    def download(self, delivered: Delivered) -> None:
        """The recipient downloads the package after a fresh code (a successful attempt)."""
        self.verified_download(delivered)
        assert self.client.get(f"/download/{delivered.link_id}/file").status_code == 200


def make_response(store_url: str, data_dir: Path, datamap: DataMap = DATAMAP,
                  relay: MailSink | None = None, **overrides: Any) -> Response:  # fmt: skip
    """With `relay`, mail goes over SMTP to it (the response's `mailer` stays empty)."""
    if relay is not None:
        overrides = {**overrides, "smtp_port": relay.port, "smtp_security": "none"}
    world = make_world(store_url, data_dir, hearthly(), **{**SETTINGS, **overrides})
    world.c.datamap = datamap  # type: ignore[misc] - before any service reads it
    mailer = MemoryMailer()
    world.c.outbox = InlineOutbox()  # type: ignore[misc]
    if relay is None:
        world.c.mailer = mailer  # type: ignore[misc]
    app = create_app(world.c)  # API, portal, download pages and console
    client = TestClient(app, raise_server_exceptions=False)
    keys = {}
    with world.c.store.transaction() as session:
        for role in ("agent", "reviewer", "dpo"):
            # each key held by a console user of its own: three people to the four-eyes rules
            keys[role] = held_key(session, world.clock, f"t {role}", role, f"t-{role}").secret
    return Response(world, web_services(world.c), mailer, client, keys)


@pytest.fixture
def wrong_map(tmp_path: Path) -> Iterator[Response]:
    """The motivating case's data map (no window on the device reference), on SQLite."""
    r = make_response(f"sqlite:///{tmp_path}/rightful.db", tmp_path, WRONG_MAP)
    yield r
    r.c.store.engine.dispose()


@pytest.fixture
def right_map(tmp_path: Path) -> Iterator[Response]:
    """The correct data map, on SQLite."""
    r = make_response(f"sqlite:///{tmp_path}/rightful.db", tmp_path)
    yield r
    r.c.store.engine.dispose()


@pytest.fixture
def cli(wrong_map: Response) -> Iterator[CliRunner]:
    """The command line on the motivating case's store."""
    set_container(wrong_map.c)
    yield CliRunner()
    set_container(None)


@pytest.fixture
def any_store(store_url: str, tmp_path: Path) -> Iterator[Response]:
    """The motivating case's data map, store on SQLite and on PostgreSQL."""
    r = make_response(store_url, tmp_path, WRONG_MAP)
    yield r
    r.c.store.engine.dispose()
