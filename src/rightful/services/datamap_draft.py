"""`rightful datamap draft`: a starting data map from the schema of a configured source.

The source is opened as `datamap check --live` and the collector open it (read-only), and only
its catalog is read: no row of any table, so no personal data reaches the draft."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import SecretStr

from rightful.adapters.datamap.draft_yaml import render_draft
from rightful.adapters.sources import BLOB_SCHEMES, scheme_of
from rightful.adapters.sources.reflection import read_schema
from rightful.domain.datamap_draft import draft_map
from rightful.domain.errors import ConfigurationError
from rightful.services.datamap_live import not_configured


def draft_datamap(
    source: str,
    dsns: Mapping[str, SecretStr | str],
    *,
    schema: str | None = None,
    tables: Sequence[str] | None = None,
) -> str:
    """The YAML text of a data map drafted from `source`'s tables (`tables` only, when given)
    in `schema` (default: the one the source's queries read). ConfigurationError for a source
    that is not configured, a blob store, a table it lacks or a schema without tables;
    SourceUnavailableError for one that does not answer."""
    secret = dsns.get(source)
    if secret is None:
        raise ConfigurationError(not_configured(source))
    dsn = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if scheme_of(dsn) in BLOB_SCHEMES:
        raise ConfigurationError(f"source {source} is a blob store (file://), not a database")
    shapes, default_schema = read_schema(source, dsn, schema=schema, tables=tables)
    if not shapes:
        where = f"schema {schema}" if schema else "the schema its queries read"
        raise ConfigurationError(f"source {source} has no tables in {where}")
    notes: tuple[str, ...] = ()
    if schema is not None and schema != default_schema:
        notes = (
            f"Tables read from schema {schema}, which is not the one the source's queries read "
            f"({default_schema}): put it on the DSN's search_path (PostgreSQL: "
            f"?options=-csearch_path%3D{schema}) or name that database (MariaDB) in the DSN.",
        )
    return render_draft(draft_map(source, shapes, notes))
