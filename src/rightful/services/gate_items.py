"""What the leak gate checks, read back from the stored package itself.

The gate is fed from manifest.json as stored (decrypted from the package store), hashed on the
way, so that what it checks is exactly what the reviewer approves and the subject receives.
Staff uploads are scanned from the bytes inside the package.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from rightful.adapters.db.packages import AttachmentRow
from rightful.adapters.packaging.encoding import parse_line
from rightful.domain.gate import GateItem
from rightful.domain.gate_scan import SAMPLE_BYTES, readable_text, scan_identifiers
from rightful.domain.identities import IdentityPolicy, IdentityType
from rightful.domain.packages import MANIFEST, ItemKind

READ_BUFFER: Final = 1024 * 1024
# The kinds as manifest.json writes them, looked up once: an enum's .value is a Python-level
# property, and every item's kind is compared.
_BLOB: Final = ItemKind.BLOB.value
_RECORD: Final = ItemKind.RECORD.value


class ManifestItems:
    """Gate items from a stored package's manifest; `sha256` is known once they are all read."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        attachments: Mapping[str, AttachmentRow],
        policy: IdentityPolicy,
    ) -> None:
        self._archive, self._attachments, self._policy = archive, attachments, policy
        self._digest = hashlib.sha256()
        self.done = False

    @property
    def sha256(self) -> str:
        """SHA-256 of every byte of manifest.json (only valid after iterating)."""
        assert self.done, "read the items first"
        return self._digest.hexdigest()

    def __iter__(self) -> Iterator[GateItem]:
        pending: dict[str, list[dict[str, Any]]] = {}
        for item in self._items():
            kind = item["kind"]
            if kind == _BLOB:
                pending.setdefault(str(item.get("of")), []).append(item)
            elif kind == _RECORD:
                yield _record(item, pending.pop(item["id"], []))
            else:
                yield self._attachment(item)
        for orphans in pending.values():  # a file whose record is not in the package
            yield from (_orphan(blob) for blob in orphans)
        self.done = True

    def _items(self) -> Iterator[dict[str, Any]]:
        return manifest_items(self._archive, self._digest.update)

    def _attachment(self, item: dict[str, Any]) -> GateItem:
        row = self._attachments.get(str(item["key"][0]))
        common: dict[str, Any] = {
            "id": item["id"], "kind": ItemKind.ATTACHMENT, "collection": item["collection"],
            "source": item["source"], "key": tuple(item["key"]),
        }  # fmt: skip
        if row is None:  # not an attachment of this request: nothing vouches for it
            return GateItem(**common)
        if row.mode == "bound":
            return GateItem(**common, bound_uri=item.get("uri") or row.bound_uri)
        return GateItem(**common, identifiers=self._identifiers(row, item), derivable=False)

    def _identifiers(
        self, row: AttachmentRow, item: dict[str, Any]
    ) -> tuple[tuple[IdentityType, Any], ...]:
        """The uploader's labels, and what the file's name and content show."""
        labels = [(IdentityType(label["type"]), label["value"]) for label in row.labels]
        texts = [row.filename or "", item["path"], self._sample(item["path"])]
        return tuple(dict.fromkeys([*labels, *scan_identifiers(texts, self._policy)]))

    def _sample(self, path: str) -> str:
        size = self._archive.getinfo(path).file_size
        with self._archive.open(path) as stream:
            head = stream.read(SAMPLE_BYTES)
            tail = b""
            if size > 2 * SAMPLE_BYTES:
                stream.seek(size - SAMPLE_BYTES)
                tail = stream.read(SAMPLE_BYTES)
            elif size > SAMPLE_BYTES:
                tail = stream.read()
        return readable_text(head, tail) if head else ""


def manifest_items(
    archive: zipfile.ZipFile, each_line: Callable[[bytes], object] | None = None
) -> Iterator[dict[str, Any]]:
    """The items of a stored manifest.json, one line each, in order; `each_line` sees every
    line of the file (the gate hashes them)."""
    inside = False
    # zipfile splits lines in Python; a buffered reader over the member does it in C
    member = archive.open(MANIFEST)
    # arg-type: a zipfile member has the readinto() a buffered reader uses
    with io.BufferedReader(member, READ_BUFFER) as stream:  # type: ignore[arg-type]
        for raw in stream:
            if each_line is not None:
                each_line(raw)
            line = raw.strip()
            if line.startswith(b'"items": ['):
                inside = True
            elif inside and line.startswith(b"{"):
                yield parse_line(line.rstrip(b","))


def _record(item: dict[str, Any], blobs: list[dict[str, Any]]) -> GateItem:
    return GateItem(
        item["id"], ItemKind.RECORD, item["collection"], item["source"], tuple(item["key"]),
        item["sha256"], tuple((b.get("field") or "", b.get("uri") or "", b["id"]) for b in blobs),
        left_out=tuple(item.get("left_out") or ()),
    )  # fmt: skip


def _orphan(blob: dict[str, Any]) -> GateItem:
    """A blob without its record is checked as if it were the record it claims to belong to:
    nothing can be derived for it, so it blocks."""
    return GateItem(
        blob["id"],
        ItemKind.BLOB,
        blob["collection"],
        blob["source"],
        tuple(blob["key"]),
        sha256="",
        blobs=(),
    )
