"""Collected records as JSON lines: values, provenance chain and subject, in a stable form."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from rightful.adapters.files import atomic_writer
from rightful.domain.identities import Identity
from rightful.domain.provenance import CollectedRecord, Link

_AS_IS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """A JSON-ready form of a stored value."""
    if type(value) in _AS_IS:
        return value
    if type(value) is tuple:  # a key; checked early, it is in every chain link
        return [v if type(v) in _AS_IS else plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, Identity):
        return {"identity": value.type.value, "value": value.value}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def link_primitive(link: Link) -> dict[str, Any]:
    """One link of a chain, JSON-ready."""
    window = None
    if link.window is not None:
        window = {
            "valid_from": plain(link.window.valid_from),
            "valid_until": plain(link.window.valid_until),
            "at": plain(link.window.at),
        }
    return {
        "from": f"{link.from_collection}.{link.from_field}",
        "from_key": plain(link.from_key),
        "to": f"{link.to_collection}.{link.to_field}",
        "value": plain(link.value),
        "window": window,
    }


def record_primitive(record: CollectedRecord) -> dict[str, Any]:
    """A collected record, JSON-ready."""
    return {
        "source": record.source,
        "collection": record.collection,
        "key": plain(record.key),
        "subject": {"collection": record.subject.collection, "value": plain(record.subject.value)},
        "categories": list(record.categories),
        "values": {f: plain(v) for f, v in zip(record.fields, record.values, strict=True)},
        "blobs": [{"field": f, "uri": uri} for f, uri in record.blobs],
        "chain": [link_primitive(link) for link in record.chain],
    }


def write_jsonl_atomically(path: Path, records: Iterable[CollectedRecord]) -> tuple[int, str]:
    """Write one JSON object per line to a temporary file, fsync, rename; (count, sha256)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, count = hashlib.sha256(), 0
    with atomic_writer(path, prefix=f".{path.name}.") as out:
        for record in records:
            line = (
                json.dumps(record_primitive(record), ensure_ascii=False, separators=(",", ":"))
                + "\n"
            ).encode()
            out.write(line)
            digest.update(line)
            count += 1
    return count, digest.hexdigest()


def write_json_atomically(path: Path, data: Any) -> None:
    """Write a small JSON document by temporary file and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path, binary=False, prefix=f".{path.name}.") as out:
        json.dump(data, out, ensure_ascii=False, indent=2)
