"""The composition root: the one place that wires settings, store and adapters into services."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from rightful.adapters.db.base import Store, make_engine
from rightful.domain.clock import Clock, SystemClock
from rightful.services.audit import AuditService, load_or_create_signing_key
from rightful.services.requests import RequestService
from rightful.settings import Settings, load_settings


@dataclass
class Container:
    """Everything a request handler, command or task needs, built once per process."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def store(self) -> Store:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return Store(make_engine(self.settings.effective_database_url))

    @cached_property
    def audit(self) -> AuditService:
        key = load_or_create_signing_key(self.settings.effective_signing_key_file)
        return AuditService(
            self.store, key, self.clock, checkpoint_every=self.settings.audit_checkpoint_every
        )

    @cached_property
    def requests(self) -> RequestService:
        return RequestService(self.store, self.clock, self.audit, self.settings)


_container: Container | None = None


def get_container() -> Container:
    """The process-wide container, built from the environment on first use."""
    global _container  # noqa: PLW0603 - one composition root per process, by design
    if _container is None:
        _container = Container(settings=load_settings())
    return _container


def set_container(container: Container | None) -> None:
    """Replace the process-wide container (tests, and commands that take --config)."""
    global _container  # noqa: PLW0603
    _container = container
