"""Fixtures: the Hearthly estate behind a rightful on SQLite (and PostgreSQL where marked)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rightful.bootstrap import set_container
from rightful.demo.story import hearthly

from .world import World, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """Hearthly in memory sources, rightful's store on SQLite."""
    w = make_world(f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly())
    yield w
    w.c.store.engine.dispose()


@pytest.fixture
def store_world(store_url: str, tmp_path: Path) -> Iterator[World]:
    """Hearthly, rightful's store on SQLite and on PostgreSQL."""
    w = make_world(store_url, tmp_path, hearthly())
    yield w
    w.c.store.engine.dispose()


@pytest.fixture
def cli(world: World) -> Iterator[World]:
    """The world wired as the CLI's container."""
    set_container(world.c)
    yield world
    set_container(None)
