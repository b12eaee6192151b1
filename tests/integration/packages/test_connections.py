"""Builds read the sources over connections kept between requests (no connection churn per
request), and the leak gate over connections of its own: it shares none with the collector."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

from rightful.adapters.db.base import Base
from rightful.adapters.sources import OpenSources
from rightful.bootstrap import Container
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.clock import FixedClock
from rightful.settings import load_settings

from .test_blob_files import an_estate
from .world import AGENT, prepare_request


def connections(borrow: Callable[[], AbstractContextManager[OpenSources]]) -> dict[str, int]:
    with borrow() as opened:
        return {name: id(source) for name, source in opened.records.items()}


def test_builds_keep_their_connections_and_the_gate_never_uses_the_collectors(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        data_dir=tmp_path / "rightful", database_url=f"sqlite:///{tmp_path}/rightful.db",
        sources=an_estate(tmp_path / "estate"), datamap_files=list(DATAMAP_FILES),
        collect_when_verified=False,
    )  # fmt: skip
    c = Container(settings=settings, clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)))
    Base.metadata.create_all(c.store.engine)

    first = c.packages.build(prepare_request(c, customer_id=1, email="disk@x.example"), AGENT)
    collector, gate = connections(c.open_sources), connections(c.open_gate_sources)
    second = c.packages.build(prepare_request(c, customer_id=1, email="disk@x.example"), AGENT)

    assert first.status == second.status == "ready"
    assert connections(c.open_sources) == collector
    assert connections(c.open_gate_sources) == gate
    assert collector.keys() == gate.keys() and not set(collector.values()) & set(gate.values())
    c.close()
