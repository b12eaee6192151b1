"""Bring a fresh or older installation to a usable state: folders, schema, signing key; and
check, before a server or worker starts, that its store, data map and sources are usable."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from rightful.adapters.db.base import missing_sqlite_store, no_store_yet, store_name
from rightful.adapters.db.migrate import current_revision, head_revision, is_known, upgrade
from rightful.adapters.sources import unreadable_file
from rightful.bootstrap import Container, make_data_dir
from rightful.domain.errors import ConfigurationError
from rightful.services.datamap_live import not_configured


def initialise(c: Container) -> None:
    """Create the data folder, migrate the store to the newest schema, load or create the keys.
    A store a newer rightful migrated is left as it is (ConfigurationError)."""
    make_data_dir(c.settings.data_dir)
    revision = current_revision(c.store.engine)
    if revision is not None and not is_known(revision):
        raise ConfigurationError(_newer(c, revision))
    upgrade(c.store.engine)
    _ = c.audit  # loads or creates the audit signing key


def check_store(c: Container) -> None:
    """ConfigurationError, in one line, unless the store can be reached and holds the schema
    this version writes. For a worker, which migrates nothing: against a store it cannot reach,
    an empty one, one `rightful init` has yet to migrate or one a newer rightful migrated, every
    job would fail."""
    url = c.settings.effective_database_url
    name = store_name(url)
    if missing_sqlite_store(url) is not None:
        raise ConfigurationError(no_store_yet(name))
    try:
        revision = current_revision(c.store.engine)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        raise ConfigurationError(
            f"cannot reach the store at {name} ({type(exc.orig).__name__}: {reason}); "
            "check RIGHTFUL_DATABASE_URL"
        ) from None
    if revision is None:
        raise ConfigurationError(f"the store at {name} has no schema yet; run `rightful init`")
    if not is_known(revision):
        raise ConfigurationError(_newer(c, revision))
    if revision != head_revision():
        raise ConfigurationError(
            f"the store at {name} is at schema revision {revision}, older than this version's "
            f"{head_revision()}; run `rightful init` to migrate it"
        )


def _newer(c: Container, revision: str) -> str:
    return (
        f"the store at {store_name(c.settings.effective_database_url)} is at schema revision "
        f"{revision}, which this version of rightful does not know (its newest is "
        f"{head_revision()}): a newer rightful migrated it; run that version"
    )


def check_configuration(c: Container) -> list[str]:
    """ConfigurationError, in one line, on the first of configuration_problems; otherwise the
    configuration_warnings, which never stop a start."""
    problems = configuration_problems(c)
    if problems:
        raise ConfigurationError(problems[0])
    return configuration_warnings(c)


def configuration_problems(c: Container) -> list[str]:
    """One line per problem with what the data map uses: a source or blob store it names that
    is not configured, a SQLite source whose file is missing or cannot be read (in WAL mode,
    also its -wal or -shm file, each to be read or created), a blob folder that is missing or
    cannot be read. Connects to no database. A data map that does not load is a
    ConfigurationError: nothing else can be checked without it."""
    used = _used_sources(c)
    problems = [f"the data map's {not_configured(name)}"
                for name in sorted(used - set(c.settings.sources))]  # fmt: skip
    for name, dsn in c.settings.sources.items():
        if name in used and (problem := unreadable_file(name, dsn.get_secret_value())):
            problems.append(problem)
    return problems


def configuration_warnings(c: Container) -> list[str]:
    """One line per configured source the data map does not use, with why its file or folder
    could not be read, if so: nothing is collected from it, so what it lacks stops nothing,
    but a source left out of the map is data no access package holds. Never its DSN, which
    can hold a password."""
    used = _used_sources(c)
    warnings = []
    for name, dsn in c.settings.sources.items():
        if name in used:
            continue
        unused = f"source {name} is configured but the data map does not use it"
        problem = unreadable_file(name, dsn.get_secret_value())
        if problem:
            reason = problem.removeprefix(f"source {name}: ").removeprefix(f"blob store {name}: ")
            unused = f"{unused}; {reason}"
        warnings.append(unused)
    return warnings


def _used_sources(c: Container) -> set[str]:
    """The names of the sources and blob stores the data map reads."""
    datamap = c.datamap
    used = set(datamap.sources)
    used.update(f.blob_store for coll in datamap.collections() for f in coll.blob_fields
                if f.blob_store)  # fmt: skip
    return used
