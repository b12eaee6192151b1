"""A rightful with a small estate, an in-memory mailer and SMS sender, on SQLite and PostgreSQL;
and a self-signed certificate for the TLS servers of the mail and SMS tests."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import ssl
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from rightful.adapters.db.base import Base
from rightful.adapters.db.models import verification as _tables  # noqa: F401 - registers tables
from rightful.adapters.mail.memory import MemoryMailer
from rightful.adapters.outbox import InlineOutbox
from rightful.adapters.sms.log import LoggingSmsSender
from rightful.adapters.sources import OpenSources
from rightful.bootstrap import Container
from rightful.domain.clock import FixedClock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Channel
from rightful.services.setup import initialise
from rightful.settings import load_settings

from . import estate

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PUBLIC = Principal(id="public", role=None)
CODE = re.compile(r"code(?: is|:)\s*(\d{6})", re.IGNORECASE)
LINK = re.compile(r"token=([0-9a-f]{32}\.[A-Za-z0-9_-]+)")

AGENT = Principal(id="key:agent1", role=Role.AGENT)
REVIEWER = Principal(id="key:reviewer1", role=Role.REVIEWER)
REVIEWER_2 = Principal(id="key:reviewer2", role=Role.REVIEWER)


@dataclass
class World:
    c: Container
    clock: FixedClock
    mailer: MemoryMailer
    sms: LoggingSmsSender

    def submit(
        self, email: str | None = estate.ANNA, *, channel: str = "web", **fields: Any
    ) -> str:
        new = NewRequest(
            type=RequestType.ACCESS,
            jurisdiction=Jurisdiction.GDPR,
            email=email,
            channel=channel,
            **fields,
        )
        by = AGENT if channel == "staff" else PUBLIC
        return self.c.requests.submit(new, by).id

    def code_for(self, address: str) -> str:
        """The code in the newest mail (or SMS) sent to `address`."""
        texts = [m.text for m in self.mailer.to(address)]
        texts += [m.text for m in reversed(self.sms.recent()) if m.to == address]
        found = CODE.search(texts[-1]) if texts else None
        assert found is not None, "no code was sent"
        return found.group(1)

    def link_for(self, address: str) -> str:
        found = LINK.search(self.mailer.to(address)[-1].text)
        assert found is not None
        return found.group(1)

    def status(self, request_id: str) -> Status:
        return Status(self.c.requests.get(request_id).status)

    def actions(self, request_id: str) -> list[str]:
        return [e.action for e in self.c.audit.timeline(request_id)]

    def summaries(self, request_id: str, action: str) -> list[dict[str, Any]]:
        return [dict(e.summary) for e in self.c.audit.timeline(request_id) if e.action == action]

    def verify(self, request_id: str, address: str = estate.ANNA) -> Any:
        """Send a code to `address` and answer it correctly."""
        receipt = self.c.verification.start(request_id, _channel(address), address)
        return self.c.verification.submit_code(
            request_id, receipt.challenge_id, self.code_for(address)
        )


def _channel(address: str) -> Channel:
    return Channel.SMS if address.startswith("+") else Channel.EMAIL


def make_world(store_url: str, data_dir: Path, *, datamap: Any = None, **overrides: Any) -> World:
    # A verified request stays verified here: what follows is tested with the packages.
    overrides = {"collect_when_verified": False, "sms_backend": "log", **overrides}
    settings = load_settings(data_dir=data_dir, database_url=store_url, **overrides)
    clock = FixedClock(T0)
    c = Container(settings=settings, clock=clock)
    c.datamap = datamap or estate.datamap()  # type: ignore[attr-defined]
    c.sources = {"crm": estate.source()}  # type: ignore[attr-defined]
    c.open_binding_sources = lambda: nullcontext(OpenSources(records=c.sources))  # type: ignore[method-assign]
    mailer, sender = MemoryMailer(), c.sms_sender
    c.mailer, c.outbox = mailer, InlineOutbox()  # type: ignore[misc]
    sms = sender if isinstance(sender, LoggingSmsSender) else LoggingSmsSender()  # stays empty
    initialise(c)
    Base.metadata.create_all(c.store.engine)
    return World(c, clock, mailer, sms)


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    w = make_world(store_url, tmp_path)
    yield w
    w.c.store.engine.dispose()


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    """The same world on SQLite only, for tests about logic rather than the store."""
    w = make_world(f"sqlite:///{tmp_path}/rightful.db", tmp_path)
    yield w
    w.c.store.engine.dispose()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context
