"""What a build knows of one collection of the data map: the spool its rows wait in, its files
in the package, and the categories and third-party fields of its rows, worked out once."""

from __future__ import annotations

from typing import Any, Final

from rightful.adapters.packaging.index import CollectionFiles
from rightful.adapters.packaging.spool import RowSpool
from rightful.domain.datamap import DataCollection
from rightful.domain.packages import FILES_DIR, safe_name

# Entries kept by the per-build caches (here and in package_build.py); a full cache starts
# again, so memory stays flat however many rows a package has (the links shared by many rows
# are cached again at once).
CACHED: Final = 4096


class CollectionShape:
    """What a build knows of one collection: its spool and files, and the categories and
    third-party fields of its rows, worked out once."""

    def __init__(
        self, collection: DataCollection | None, spool: RowSpool, files: CollectionFiles
    ) -> None:
        self.collection, self.spool, self.files = collection, spool, files
        self.folder = f"{FILES_DIR}/{safe_name(files.address)}"
        self.third_party = (
            tuple(f.name for f in collection.fields if f.third_party) if collection else ()
        )
        self._by_nulls: dict[tuple[tuple[str, ...], tuple[bool, ...]], tuple[str, ...]] = {}
        self._by_field: dict[str, tuple[str, ...]] = {}

    def row_categories(self, fields: tuple[str, ...], values: tuple[Any, ...]) -> tuple[str, ...]:
        """The collection's categories and those of each field that holds a value."""
        pattern = (fields, tuple(v is None for v in values))
        found = self._by_nulls.get(pattern)
        if found is None:
            if len(self._by_nulls) >= CACHED:
                self._by_nulls.clear()
            found = self._by_nulls[pattern] = self._categories(*pattern)
        return found

    def _categories(self, fields: tuple[str, ...], nulls: tuple[bool, ...]) -> tuple[str, ...]:
        coll = self.collection
        if coll is None:
            return ()
        held = {name for name, null in zip(fields, nulls, strict=True) if not null}
        found = set(coll.data_categories)
        for f in coll.fields:
            if f.name in held:
                found.update(f.data_categories)
        return tuple(sorted(found))

    def field_categories(self, field_name: str) -> tuple[str, ...]:
        """A blob field's categories (else the collection's)."""
        found = self._by_field.get(field_name)
        if found is None:
            coll = self.collection
            f = coll.field(field_name) if coll else None
            found = (
                tuple(f.data_categories)
                if f and f.data_categories
                else (coll.categories if coll else ())
            )
            self._by_field[field_name] = found
        return found
