"""Putting one package together: records and files stream into the ZIP, rows spool to disk, and
the manifest, its signature and index.html are written last.

Memory stays flat: a blob is copied through a 1 MiB buffer, rows wait in files on disk, and
manifest items are spooled as JSON lines; the manifest itself is spooled too, and its SHA-256 is
what the signature signs (domain.packages.signed_statement).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rightful.adapters.packaging.encoding import canonical_row, json_line
from rightful.adapters.packaging.index import CollectionFiles, IndexData, render_index
from rightful.adapters.packaging.readahead import ReadAhead
from rightful.adapters.packaging.spill_set import SpillSet
from rightful.adapters.packaging.spool import Appended, RowSpool, copy_as_list, spooled
from rightful.adapters.packaging.zipwriter import PackageZip, Written
from rightful.domain.audit import key_id_of, public_key_of
from rightful.domain.datamap import DataMap
from rightful.domain.datamap_graph import Withheld
from rightful.domain.errors import ConfigurationError
from rightful.domain.exclusions import Exclusions
from rightful.domain.languages import worded
from rightful.domain.never_disclosed import REASON as UNDISCLOSED
from rightful.domain.packages import (
    ATTACHMENTS_DIR,
    FORMAT,
    INDEX,
    MANIFEST,
    SIGNATURE,
    SIGNATURE_FORMAT,
    NameAllocator,
    attachment_item,
    attachment_name,
    blob_item,
    blob_member_name,
    collection_file,
    item_id,
    jsonable,
    record_item,
    signed_statement,
)
from rightful.domain.provenance import CollectedRecord, Link
from rightful.domain.sources import BlobStore
from rightful.services.build_meta import BuildMeta, BuildOutput, ExtraFile
from rightful.services.collection_output import link_primitive
from rightful.services.collection_shape import CACHED, CollectionShape

LOOK_AHEAD: Final = 32  # rows whose blobs are announced before they are read
# Files that could not be found are counted; the first ones are also named, by item and field.
MISSING_NAMED: Final = 100


class PackageBuilder:
    """Writes one package into `sink`; call add_record/add_file, then finish()."""

    def __init__(
        self,
        sink: IO[bytes] | io.RawIOBase,
        meta: BuildMeta,
        datamap: DataMap,
        blob_stores: dict[str, BlobStore],
        workdir: Path,
        withheld: tuple[Withheld, ...] = (),
        exclusions: Exclusions | None = None,
    ) -> None:
        self.meta, self.datamap, self.withheld = meta, datamap, withheld
        self._exclusions = exclusions or Exclusions()
        self._undisclosed = {c: frozenset(f) for c, f in meta.undisclosed.items()}
        self._zip = PackageZip(sink, meta.generated_at, spool_dir=workdir)
        self._blob_stores = blob_stores
        self._blobs = ReadAhead()
        self._dir = workdir
        self._taken: SpillSet[str] = SpillSet()  # member names handed out
        self._names = NameAllocator(self._taken)
        self._shapes: dict[str, CollectionShape] = {}
        self._links: dict[int, tuple[Link, Mapping[str, Any]]] = {}
        self._attached: list[tuple[str, str]] = []
        self._items_out = Appended(workdir)  # manifest item lines, in order
        self._seen: SpillSet[bytes] = SpillSet()  # rows packaged, by collection and key
        # Rows by their tuple of categories: far fewer tuples than rows, so counting the
        # tuples and adding them into out.by_category later (_count_categories) is cheaper
        # than Counter.update per row.
        self._category_rows: Counter[tuple[str, ...]] = Counter()
        self.out = BuildOutput("", key_id_of(public_key_of(meta.signing_key)))

    # --- items -------------------------------------------------------------------------------

    def _next_id(self) -> str:
        self.out.items += 1
        return item_id(self.out.items)

    def add_records(self, records: Iterable[CollectedRecord]) -> None:
        """Add rows in order; the blobs of the next rows are announced to the blob reader
        before they are needed, so that they are read while this thread writes."""
        window: deque[CollectedRecord] = deque()
        for record in records:
            if None in record.key:  # no lookup finds the row again: the gate would block it
                raise self._not_a_key(record.collection)
            if not self._first_time(record) or self._row_left_out(record):
                continue
            left_out = self._left_out(record)
            for field_name, uri in record.blobs:
                if field_name in left_out:
                    continue
                if (store := self._store_of(uri)) is not None:
                    self._blobs.announce(store, uri)
            window.append(record)
            if len(window) > LOOK_AHEAD:
                self._add(window.popleft(), "collected")
        while window:
            self._add(window.popleft(), "collected")

    def _not_a_key(self, address: str) -> ConfigurationError:
        coll = self.datamap.collection(address)
        key = ", ".join(coll.primary_key) if coll is not None else "?"
        return ConfigurationError(
            f"{address}: a row of the subject holds NULL in the primary key the data map "
            f"declares ({key}); declare as fides_meta.primary_key columns that are never NULL "
            "and unique (a view or a table without a key needs one)"
        )

    def add_record(self, record: CollectedRecord, origin: str = "collected") -> str | None:
        """Add a row (and its blob files); a row met twice is packaged once."""
        if not self._first_time(record) or self._row_left_out(record):
            return None
        return self._add(record, origin)

    def _left_out(self, record: CollectedRecord, *, count: bool = False) -> frozenset[str]:
        """The fields of a row that go out empty: those a reviewer left out (Art. 15(4)) and,
        in a CCPA package, those never disclosed (§7024(d)); `count` counts them once per row."""
        left_out = self._exclusions.fields_left_out(record.collection, record.key)
        undisclosed = self._undisclosed.get(record.collection)
        if count:
            if left_out:
                self.out.fields_left_out[record.collection] += len(left_out)
            if undisclosed:
                for name, value in zip(record.fields, record.values, strict=True):
                    if name in undisclosed and value is not None:
                        self.out.undisclosed[(record.collection, name)] += 1
        return left_out | undisclosed if undisclosed else left_out

    def _row_left_out(self, record: CollectedRecord) -> bool:
        """A row a reviewer left out (Art. 15(4)) is counted, and nothing of it is packaged."""
        if not self._exclusions.row_left_out(record.collection, record.key):
            return False
        self.out.rows_left_out[record.collection] += 1
        return True

    def _first_time(self, record: CollectedRecord) -> bool:
        # The key as JSON tells 1 from True and "1". The marker is a new bytes object: orjson's
        # own keep the 4 KiB buffer they were written into, and one marker is kept per row.
        return self._seen.add(record.collection.encode() + b"\0" + json_line(record.key))

    def _add(self, record: CollectedRecord, origin: str) -> str:
        rid = self._next_id()
        shape = self._shape(record)
        values = record.values
        left_out = self._left_out(record, count=True)
        if left_out:
            values = tuple(None if f in left_out else v
                           for f, v in zip(record.fields, values, strict=True))  # fmt: skip
        canonical = canonical_row(record.fields, values)
        row_index = shape.spool.append(canonical)
        categories = shape.row_categories(record.fields, values)
        key = [jsonable(k) for k in record.key]
        for field_name, uri in record.blobs:
            if field_name not in left_out:
                self._add_blob(rid, record, key, shape, field_name, uri)
        self._write_item(record_item(
            rid, record.source, record.collection, key, categories, _sha256(canonical),
            shape.files.json_path, row_index, origin, [self._link(link) for link in record.chain],
            shape.third_party, sorted(left_out),
        ))  # fmt: skip
        self.out.records += 1
        self.out.by_collection[record.collection] += 1
        self._category_rows[categories] += 1
        return rid

    def _add_blob(
        self,
        record_id: str,
        record: CollectedRecord,
        key: list[Any],
        shape: CollectionShape,
        field_name: str,
        uri: str,
    ) -> None:
        store = self._store_of(uri)
        fetched = self._blobs.read(store, uri) if store is not None else None
        if fetched is None:
            self._missing(record_id, record.collection, field_name)
            return
        bid = self._next_id()
        path = self._names.allocate(shape.folder, blob_member_name(bid, uri))
        try:
            written = self._zip.add_fetched(path, fetched)
        finally:
            fetched.release()
        self._write_item(blob_item(
            bid, record.source, record.collection, key, shape.field_categories(field_name),
            written.sha256, path, written.size, record_id, field_name, uri,
        ))  # fmt: skip
        shape.files.add_file(path)
        self.out.blobs += 1
        self.out.blob_bytes += written.size

    def _missing(self, record_id: str, collection: str, field_name: str) -> None:
        out = self.out
        out.missing_blobs += 1
        out.missing_by_collection[collection] += 1
        if len(out.missing_files) < MISSING_NAMED:
            out.missing_files.append(
                {"item": record_id, "collection": collection, "field": field_name}
            )

    def add_file(self, extra: ExtraFile) -> str:
        """Add a staff attachment as its own item (the gate judges it like any other)."""
        aid = self._next_id()
        path = self._names.allocate(ATTACHMENTS_DIR, f"{aid}_{extra.filename}", attachment_name)
        with extra.open() as source:
            written = self._zip.add_stream(path, source, extra.size)
        self._write_item(attachment_item(
            aid, extra.collection, extra.attachment_id, extra.categories, written.sha256, path,
            written.size, extra.origin, extra.bound_uri,
        ))  # fmt: skip
        self._attached.append((path, extra.collection))  # index.html names the collection
        self.out.attachments += 1
        self._count_categories()  # by_category keeps the order categories were first met in
        self.out.by_category.update(extra.categories)
        return aid

    # --- finishing ---------------------------------------------------------------------------

    def abort(self) -> None:
        """Stop a build that failed: close the spools, write nothing more."""
        self._blobs.close()
        self._zip.abort()
        self._items_out.close()
        self._forget()
        for shape in self._shapes.values():
            shape.spool.close()

    def finish(self) -> BuildOutput:
        """Write the collection files, index.html, the manifest and its signature; close."""
        self._blobs.close()
        self._forget()
        self._count_categories()
        files = [self._collection_files(shape) for shape in self._shapes.values()]
        flat = [w for pair in files for w in pair]
        index = render_index(self._index_data())
        flat.append(self._zip.add_bytes(INDEX, index))
        self.out.manifest_sha256 = self._add_document(MANIFEST, self._manifest(flat)).sha256
        self._items_out.close()
        self._zip.add_bytes(SIGNATURE, self._signature(self.out.manifest_sha256))
        self._zip.close()
        self.out.withheld = self._withheld_json()
        return self.out

    def _count_categories(self) -> None:
        """Add the rows counted by tuple of categories into out.by_category."""
        for categories, rows in self._category_rows.items():
            for category in categories:
                self.out.by_category[category] += rows
        self._category_rows.clear()

    def _forget(self) -> None:
        """Drop the rows and names remembered while items were added (no more come)."""
        self._seen.close()
        self._taken.close()

    def _collection_files(self, shape: CollectionShape) -> tuple[Any, Any]:
        spool, files, coll = shape.spool, shape.files, shape.collection
        files.records = spool.rows
        header = {
            "collection": files.address, "source": self.datamap.source_of(files.address),
            "description": worded(coll.description, self.meta.language) if coll else None,
            "fields": list(spool.fields),
            "third_party_fields": list(shape.third_party),
            "count": spool.rows,
        }  # fmt: skip
        written = (
            self._add_document(files.json_path, spool.write_json(header)),
            self._add_document(files.csv_path, spool.write_csv()),
        )
        spool.close()
        return written

    def _add_document(self, path: str, document: IO[bytes]) -> Written:
        """A document written to a spooled file (and left at its end), deflated into the ZIP."""
        with document:
            size = document.tell()
            document.seek(0)
            return self._zip.add_stream(path, document, size, compress=True)

    def _index_data(self) -> IndexData:
        m = self.meta
        return IndexData(
            m.language, m.controller, m.request_id, m.received_at, m.generated_at, self.datamap,
            self.out.by_category, [s.files for s in self._shapes.values()], self.withheld,
            self._attached, self.out.missing_by_collection, m.contact, m.authority,
            self._left_out_json(), self._undisclosed_json(), m.law,
        )  # fmt: skip

    def _manifest(self, files: list[Any]) -> IO[bytes]:
        """manifest.json in a spooled file, left at its end: it grows with the items, and only
        its SHA-256 is signed."""
        m, o = self.meta, self.out
        header = {
            "format": FORMAT, "package_id": m.package_id, "request_id": m.request_id,
            "subject": m.subject_pseudonym, "generated_at": m.generated_at.isoformat(),
            "language": m.language, "controller": m.controller,
            "signing_key_id": o.signing_key_id,
            "counts": {"items": o.items, "records": o.records, "blobs": o.blobs,
                       "attachments": o.attachments, "blob_bytes": o.blob_bytes,
                       "missing_blobs": o.missing_blobs,
                       "by_category": dict(sorted(o.by_category.items())),
                       "by_collection": dict(sorted(o.by_collection.items()))},
            "withheld": self._withheld_json(),
            "left_out": self._left_out_json(),
            "undisclosed": self._undisclosed_json(),
            "missing_files": o.missing_files,
            "files": [{"path": w.path, "size": w.size, "sha256": w.sha256} for w in files],
        }  # fmt: skip
        opening = json.dumps(header, ensure_ascii=False, indent=1)[:-1].rstrip()
        out = spooled(self._dir)
        out.write(opening.encode() + b',\n "items": [')
        copy_as_list(self._items_out.file(), out)
        out.write(b"\n ]\n}\n")
        return out

    def _left_out_json(self) -> list[dict[str, Any]]:
        """Where rows or fields were left out to protect others: counts, never keys."""
        o = self.out
        return [
            {"collection": c, "rows": o.rows_left_out[c], "fields": o.fields_left_out[c],
             "reason": "art_15_4"}
            for c in sorted(set(o.rows_left_out) | set(o.fields_left_out))
        ]  # fmt: skip

    def _undisclosed_json(self) -> list[dict[str, Any]]:
        """CCPA §7024(d): each field that held a value this package leaves empty, with its
        categories and in how many rows: the type of information, never the value."""
        held = self.meta.undisclosed
        return [
            {"collection": c, "field": f, "categories": list(held[c][f]), "rows": n,
             "reason": UNDISCLOSED}
            for (c, f), n in sorted(self.out.undisclosed.items())
        ]  # fmt: skip

    def _withheld_json(self) -> list[dict[str, Any]]:
        return [
            {
                "collection": w.collection,
                "categories": list(w.categories),
                "sensitivity": w.sensitivity.value,
                "reason": "step_up",
            }
            for w in self.withheld
        ]

    def _signature(self, manifest_sha256: str) -> bytes:
        key = Ed25519PrivateKey.from_private_bytes(self.meta.signing_key)
        key_id = self.out.signing_key_id
        statement = signed_statement(key_id, manifest_sha256)
        return json.dumps({
            "format": SIGNATURE_FORMAT, "algorithm": "Ed25519", "key_id": key_id,
            "public_key": base64.b64encode(public_key_of(self.meta.signing_key)).decode(),
            "manifest_sha256": manifest_sha256,
            "signature": base64.b64encode(key.sign(statement)).decode(),
        }, indent=1).encode()  # fmt: skip

    # --- helpers -----------------------------------------------------------------------------

    def _shape(self, record: CollectedRecord) -> CollectionShape:
        shape = self._shapes.get(record.collection)
        if shape is None:
            address = record.collection
            spool = RowSpool(self._dir, tuple(record.fields))
            files = CollectionFiles(
                address, 0, collection_file(address, "json"), collection_file(address, "csv")
            )
            shape = CollectionShape(self.datamap.collection(address), spool, files)
            self._shapes[address] = shape
        return shape

    def _store_of(self, uri: str) -> BlobStore | None:
        return self._blob_stores.get(uri.split("/")[2]) if uri.count("/") >= 3 else None

    def _link(self, link: Link) -> Mapping[str, Any]:
        """A chain link as the manifest writes it; links shared by many records (the way to
        the subject) are turned into JSON form once."""
        known = self._links.get(id(link))
        if known is None or known[0] is not link:
            if len(self._links) >= CACHED:
                self._links.clear()
            known = self._links[id(link)] = (link, link_primitive(link))
        return known[1]

    def _write_item(self, item: dict[str, Any]) -> None:
        self._items_out.append(json_line(item))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
