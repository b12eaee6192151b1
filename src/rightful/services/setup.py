"""Bring a fresh or older installation to a usable state: folders, schema, signing key; and
check, before a server or worker starts, that its data map and sources are usable."""

from __future__ import annotations

from rightful.adapters.db.migrate import upgrade
from rightful.bootstrap import Container, make_data_dir
from rightful.domain.errors import ConfigurationError
from rightful.services.datamap_live import not_configured


def initialise(c: Container) -> None:
    """Create the data folder, migrate the store to the newest schema, load or create the keys."""
    make_data_dir(c.settings.data_dir)
    upgrade(c.store.engine)
    _ = c.audit  # loads or creates the audit signing key


def check_configuration(c: Container) -> None:
    """ConfigurationError, in one line, unless the data map loads and every source and blob
    store it names is configured, blob folders included. Connects to no database."""
    datamap = c.datamap
    needed = set(datamap.sources)
    needed.update(f.blob_store for coll in datamap.collections() for f in coll.blob_fields
                  if f.blob_store)  # fmt: skip
    missing = sorted(needed - set(c.settings.sources))
    if missing:
        raise ConfigurationError(f"the data map's {not_configured(missing[0])}")
    _ = c.blob_stores  # each folder must exist and be readable
