"""Bring a fresh or older installation to a usable state: folders, schema, signing key."""

from __future__ import annotations

from rightful.adapters.db.migrate import upgrade
from rightful.bootstrap import Container


def initialise(c: Container) -> None:
    """Create the data folder, migrate the store to the newest schema, load or create the keys."""
    c.settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(c.store.engine)
    _ = c.audit  # loads or creates the audit signing key
