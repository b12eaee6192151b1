"""A rightful wired to an estate, with helpers to take a request to `collecting` and package it."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rightful.adapters.db.models  # noqa: F401 - registers every table
from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.adapters.db.base import Base
from rightful.adapters.sources import OpenSources
from rightful.adapters.sources.memory import MemoryBlobStore, MemorySource
from rightful.bootstrap import Container
from rightful.demo.estate import BLOB_STORE, DATAMAP_FILES, DemoEstate
from rightful.demo.schema import TABLES, columns_of
from rightful.domain.clock import FixedClock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.sources import BlobStore, RecordSource
from rightful.domain.staff import Principal
from rightful.domain.verification import Factor
from rightful.services.identity_set import Proof, record_proof
from rightful.settings import load_settings

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PUBLIC = Principal(id="public", role=None)
AGENT = Principal(id="key:agent1", role=Role.AGENT)
AGENT_2 = Principal(id="key:agent2", role=Role.AGENT)
REVIEWER = Principal(id="key:reviewer1", role=Role.REVIEWER)
REVIEWER_2 = Principal(id="key:reviewer2", role=Role.REVIEWER)
DATAMAP = load_datamap(DATAMAP_FILES)


class Estate(Mapping[str, RecordSource]):
    """The sources of the estate in use; tests swap estates without rebuilding the container."""

    def __init__(self) -> None:
        self.records: dict[str, RecordSource] = {}
        self.blobs: dict[str, BlobStore] = {}
        self.demo: DemoEstate | None = None

    def load(self, estate: DemoEstate) -> None:
        """Hold an estate in memory sources named like the data map's datasets."""
        tables = estate.tables()
        self.records = {
            dataset: MemorySource(dataset, {t: (columns_of(t), tables.get(t, [])) for t in names})
            for dataset, names in TABLES.items()
        }
        self.blobs = {BLOB_STORE: MemoryBlobStore(BLOB_STORE, estate.blobs)}
        self.demo = estate

    def __getitem__(self, name: str) -> RecordSource:
        return self.records[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    @contextmanager
    def opened(self) -> Iterator[OpenSources]:
        yield OpenSources(records=dict(self.records), blobs=dict(self.blobs))


@dataclass
class World:
    c: Container
    clock: FixedClock
    estate: Estate

    def request_for(
        self,
        customer_id: int,
        *,
        language: str = "en",
        high: bool = True,
        jurisdiction: Jurisdiction = Jurisdiction.GDPR,
    ) -> str:
        """A request verified to the customer (account assertion: high; e-mail code: standard)
        and bound."""
        demo = self.estate.demo
        assert demo is not None
        email = demo.customer(customer_id).email
        return prepare_request(
            self.c, customer_id, email, language=language, high=high, jurisdiction=jurisdiction
        )

    def packages_with(self, collector: Any) -> Any:
        """The package service with another collector (the corrupted ones of the gate tests)."""
        service = copy.copy(self.c.packages)
        service.collector = collector
        return service

    def status(self, request_id: str) -> Status:
        return Status(self.c.requests.get(request_id).status)

    def actions(self, request_id: str) -> list[str]:
        return [e.action for e in self.c.audit.timeline(request_id)]

    def export(self, package_id: str, target: Path) -> Path:
        self.c.packages.export(package_id, target, REVIEWER)
        return target


def prepare_request(
    c: Container,
    customer_id: int,
    email: str,
    *,
    language: str = "en",
    high: bool = True,
    jurisdiction: Jurisdiction = Jurisdiction.GDPR,
) -> str:
    """Submit, verify (signed-in account: high; e-mail code: standard) and bind: the request is
    verified, and its first build starts collecting (the world builds when a test says so)."""
    new = NewRequest(
        type=RequestType.ACCESS, jurisdiction=jurisdiction, email=email, language=language
    )
    rid = c.requests.submit(new, PUBLIC).id
    identity, factor = (
        (Identity(IdentityType.CUSTOMER_ID, str(customer_id)), Factor.ACCOUNT_ASSERTION)
        if high
        else (Identity(IdentityType.EMAIL, email), Factor.EMAIL_CODE)
    )
    with c.store.transaction() as session:
        record_proof(
            session, c.audit, rid, Proof(identity, factor, f"test-{rid[:8]}", c.clock.now()), PUBLIC
        )
    settled = c.subjects.settle(rid)
    assert settled.outcome == "bound", settled
    return rid


def manifest_of(world: World, package_id: str) -> dict[str, Any]:
    """The manifest of a stored package, parsed."""
    return json.loads(stored_manifest(world, package_id))


def stored_manifest(world: World, package_id: str) -> bytes:
    """manifest.json's bytes as stored (decrypted)."""
    with world.c.packages.zip_of(world.c.packages.get(package_id)) as archive:
        return archive.read("manifest.json")


def packaged_records(world: World, package_id: str) -> set[tuple[str, tuple[Any, ...]]]:
    """(collection, key) of every record item of a stored package."""
    items = manifest_of(world, package_id)["items"]
    return {(i["collection"], tuple(i["key"])) for i in items if i["kind"] == "record"}


def zip_bytes(world: World, package_id: str) -> zipfile.ZipFile:
    """The decrypted package as a ZIP in memory (small packages only)."""
    package = world.c.packages.get(package_id)
    with world.c.packages.open_plaintext(package) as reader:
        return zipfile.ZipFile(io.BytesIO(reader.read()))


def make_world(store_url: str, data_dir: Path, estate: DemoEstate, **overrides: Any) -> World:
    fields: dict[str, Any] = {
        "controller_name": "Hearthly GmbH",
        "supervisory_authority": "Sächsische Datenschutzbeauftragte",
        "privacy_contact": "privacy@hearthly.example",
        "collect_when_verified": False,
        **overrides,
    }
    settings = load_settings(data_dir=data_dir, database_url=store_url, **fields)
    clock = FixedClock(T0)
    c = Container(settings=settings, clock=clock)
    sources = Estate()
    sources.load(estate)
    c.datamap = DATAMAP  # type: ignore[misc]
    c.sources = sources  # type: ignore[assignment, misc]
    c.open_sources = sources.opened  # type: ignore[method-assign]
    c.open_gate_sources = sources.opened  # type: ignore[method-assign]
    c.open_binding_sources = sources.opened  # type: ignore[method-assign]
    # The schema straight from the models: this suite tests packages, not migrations.
    Base.metadata.create_all(c.store.engine)
    return World(c, clock, sources)
