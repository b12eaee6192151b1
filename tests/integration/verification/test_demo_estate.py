"""Verification against the demo estate (Hearthly), wired as in production: the data map from
YAML, sources from DSNs. A recycled address proves who holds it now, not who held it before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rightful.adapters.db.base import Base
from rightful.adapters.mail.memory import MemoryMailer
from rightful.adapters.outbox import InlineOutbox
from rightful.bootstrap import Container
from rightful.demo import seed_demo
from rightful.domain.clock import FixedClock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.requests import RequestType
from rightful.domain.verification import Assurance, Channel
from rightful.services.setup import initialise
from rightful.services.verification_progress import Progress
from rightful.settings import load_settings

from .conftest import CODE, PUBLIC, T0


@pytest.fixture
def hearthly(tmp_path: Path) -> Iterator[tuple[Container, MemoryMailer]]:
    estate = seed_demo(tmp_path / "estate")
    settings = load_settings(
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path}/rightful.db",
        datamap_files=list(estate.datamap_files),
        sources=estate.dsns,
        collect_when_verified=False,  # what follows verification is tested with the packages
        sms_backend="log",
    )
    c = Container(settings=settings, clock=FixedClock(T0))
    mailer = MemoryMailer()
    c.mailer, c.outbox = mailer, InlineOutbox()  # type: ignore[misc]
    initialise(c)
    Base.metadata.create_all(c.store.engine)
    yield c, mailer
    c.close()


def verify(c: Container, mailer: MemoryMailer, address: str) -> tuple[str, Progress | None]:
    """Submit a request for `address`, send it a code and answer with the code received."""
    new = NewRequest(type=RequestType.ACCESS, jurisdiction=Jurisdiction.GDPR, email=address)
    rid = c.requests.submit(new, PUBLIC).id
    receipt = c.verification.start(rid, Channel.EMAIL)
    found = CODE.search(mailer.to(address)[-1].text)
    if found is None:
        return rid, None
    return rid, c.verification.submit_code(rid, receipt.challenge_id, found.group(1))


def test_anna_is_bound_to_herself_and_voice_transcripts_need_a_step_up(
    hearthly: tuple[Container, MemoryMailer],
) -> None:
    c, mailer = hearthly
    rid, progress = verify(c, mailer, "anna.schmidt@example.com")
    assert progress is not None
    assert (progress.outcome, progress.assurance, progress.required) == (
        "bound",
        Assurance.STANDARD,
        Assurance.HIGH,
    )
    assert c.subjects.seed(rid).subject.value == 1


def test_a_recycled_address_reaches_only_its_current_holder(
    hearthly: tuple[Container, MemoryMailer],
) -> None:
    """carl.old@ was Carl's (4) until 2021 and is Dora's (5) now: its code proves Dora only."""
    c, mailer = hearthly
    rid, progress = verify(c, mailer, "carl.old@mailbox.example")
    assert progress is not None
    assert c.subjects.seed(rid).subject.value == 5


def test_a_look_alike_address_is_not_annas(hearthly: tuple[Container, MemoryMailer]) -> None:
    """Greta's address starts with a Cyrillic a: it leads to Greta (7), never to Anna (1)."""
    c, mailer = hearthly
    rid, progress = verify(c, mailer, "\u0430nna.schmidt@example.com")
    assert progress is not None
    assert c.subjects.seed(rid).subject.value == 7


def test_sms_step_up_to_annas_number_on_file_reaches_high(
    hearthly: tuple[Container, MemoryMailer],
) -> None:
    c, mailer = hearthly
    rid, _ = verify(c, mailer, "anna.schmidt@example.com")
    receipt = c.verification.step_up(rid, Channel.SMS, "+49 151 23456789")
    [sms] = [m for m in c.sms_sender.recent() if m.to == "+4915123456789"]
    found = CODE.search(sms.text)
    assert found is not None
    progress = c.verification.submit_code(rid, receipt.challenge_id, found.group(1))
    assert progress.assurance is Assurance.HIGH
    assert c.subjects.seed(rid).max_sensitivity.value == "high"
