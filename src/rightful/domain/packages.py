"""The access package: its life, manifest items, canonical content hashes and safe file names."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, Protocol

from rightful.domain.errors import ConflictError
from rightful.domain.words import move_refused

FORMAT: Final = "rightful-package/1"
MANIFEST: Final = "manifest.json"
SIGNATURE: Final = "manifest.sig"
INDEX: Final = "index.html"
DATA_DIR: Final = "data"
FILES_DIR: Final = "files"
ATTACHMENTS_DIR: Final = f"{FILES_DIR}/attachments"  # staff uploads, among the files
MAX_NAME: Final = 120
MAX_EXTENSION: Final = 16


class PackageStatus(StrEnum):
    """Where a package stands; only `approved` packages may ever be delivered."""

    BUILDING = "building"
    FAILED = "failed"  # the build stopped on an error; nothing of it is kept
    BLOCKED = "blocked"  # the leak gate found items that are not the subject's
    READY = "ready"  # the gate passed; waits for a reviewer
    APPROVED = "approved"
    SENT_BACK = "sent_back"
    SUPERSEDED = "superseded"  # a newer build of the same request replaced it
    FROZEN = "frozen"  # an incident stopped it
    DELIVERED = "delivered"


PACKAGE_MOVES: Final[dict[PackageStatus, frozenset[PackageStatus]]] = {
    PackageStatus.BUILDING: frozenset(
        {PackageStatus.FAILED, PackageStatus.BLOCKED, PackageStatus.READY}
    ),
    PackageStatus.FAILED: frozenset(),
    # A blocked package can never be released; it stays as the evidence of its near-miss.
    PackageStatus.BLOCKED: frozenset({PackageStatus.SUPERSEDED}),
    PackageStatus.READY: frozenset(
        {
            PackageStatus.APPROVED,
            PackageStatus.SENT_BACK,
            PackageStatus.SUPERSEDED,
            PackageStatus.FROZEN,
        }
    ),
    PackageStatus.APPROVED: frozenset({PackageStatus.DELIVERED, PackageStatus.FROZEN}),
    PackageStatus.SENT_BACK: frozenset({PackageStatus.SUPERSEDED, PackageStatus.FROZEN}),
    PackageStatus.SUPERSEDED: frozenset({PackageStatus.FROZEN}),
    PackageStatus.FROZEN: frozenset(),
    PackageStatus.DELIVERED: frozenset({PackageStatus.FROZEN}),
}


# A link may be issued, and a download served, for an approved package and after it went out.
SENDABLE: Final = (PackageStatus.APPROVED, PackageStatus.DELIVERED)


def check_package_move(current: PackageStatus, target: PackageStatus) -> None:
    """Raise ConflictError unless a package in `current` may move to `target`."""
    if target not in PACKAGE_MOVES[current]:
        raise ConflictError(move_refused("package", current, target))


class ItemKind(StrEnum):
    """What a manifest item is: a row of a collection, a file of a blob field, a manual file."""

    RECORD = "record"
    BLOB = "blob"
    ATTACHMENT = "attachment"


# Manifest items are plain dicts, written as one JSON line each: a package can have millions,
# and building an object per item only to turn it into a dict cost more than the rest of the
# item's Python. The functions below fix each kind's keys and their order (the manifest's
# bytes); tuples are written as JSON arrays. `key` is the row's key as jsonable values.


def record_item(
    item: str, source: str, collection: str, key: list[Any], categories: Sequence[str],
    sha256: str, path: str, row: int, origin: str, chain: Sequence[Mapping[str, Any]],
    third_party_fields: Sequence[str], left_out: Sequence[str],
) -> dict[str, Any]:  # fmt: skip
    """A row of a collection: `path` is the collection's JSON file, `row` its index there;
    `chain` is how the row was reached, `left_out` the fields a reviewer left out (Art. 15(4))."""
    out: dict[str, Any] = {
        "id": item, "kind": "record", "source": source, "collection": collection, "key": key,
        "categories": categories, "sha256": sha256, "path": path, "origin": origin, "row": row,
    }  # fmt: skip
    if chain:
        out["chain"] = chain
    if third_party_fields:
        out["third_party_fields"] = third_party_fields
    if left_out:
        out["left_out"] = left_out
    return out


def blob_item(
    item: str, source: str, collection: str, key: list[Any], categories: Sequence[str],
    sha256: str, path: str, size: int, of: str, field: str, uri: str,
) -> dict[str, Any]:  # fmt: skip
    """A file of a blob field: `of` is its record's item, `uri` where the data map keeps it."""
    return {
        "id": item, "kind": "blob", "source": source, "collection": collection, "key": key,
        "categories": categories, "sha256": sha256, "path": path, "origin": "collected",
        "size": size, "of": of, "field": field, "uri": uri,
    }  # fmt: skip


def attachment_item(
    item: str, collection: str, attachment_id: str, categories: Sequence[str], sha256: str,
    path: str, size: int, origin: str, uri: str | None,
) -> dict[str, Any]:  # fmt: skip
    """A file staff attached (origin bound or four_eyes); `uri` is the blob it is bound to."""
    out: dict[str, Any] = {
        "id": item, "kind": "attachment", "source": "manual", "collection": collection,
        "key": [attachment_id], "categories": categories, "sha256": sha256, "path": path,
        "origin": origin, "size": size,
    }  # fmt: skip
    if uri is not None:
        out["uri"] = uri
    return out


def item_id(number: int) -> str:
    """The id of the number-th item of a package (stable, sortable, no personal data)."""
    return f"i{number:07d}"


# --- canonical content -----------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """A stored value as plain JSON: instants as ISO text, decimals as text, bytes as base64,
    an array (PostgreSQL's, as drivers give it) as a JSON array of such values."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def duration_text(value: timedelta) -> str:
    """A duration (MariaDB TIME, PostgreSQL interval) as [-]H:MM:SS[.ffffff], hours counted
    on past 24, as the databases write it: Python's str() writes -838:59:59 as
    "-35 days, 1:00:01"."""
    sign = "-" if value < timedelta(0) else ""
    micros = abs(value) // timedelta(microseconds=1)
    seconds, fraction = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    text = f"{sign}{hours}:{minute:02d}:{second:02d}"
    return f"{text}.{fraction:06d}" if fraction else text


def row_object(fields: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    """A row as the JSON object the package holds."""
    return {name: jsonable(value) for name, value in zip(fields, values, strict=True)}


_CANONICAL: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_bytes(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8; what an item's SHA-256 is taken over."""
    return _CANONICAL.encode(value).encode()


# manifest.sig: /1 signed manifest.json's bytes; /2 signs the statement below, which names the
# manifest by its SHA-256, so that a manifest of any size is written without being held whole.
SIGNATURE_FORMAT_BYTES: Final = "rightful-manifest-signature/1"
SIGNATURE_FORMAT: Final = "rightful-manifest-signature/2"


def signed_statement(key_id: str, manifest_sha256: str) -> bytes:
    """What a /2 signature signs: canonical JSON naming the format, the key and the manifest."""
    return canonical_bytes(
        {"format": SIGNATURE_FORMAT, "key_id": key_id, "manifest_sha256": manifest_sha256}
    )


def row_sha256(row: Mapping[str, Any]) -> str:
    """SHA-256 of a row object's canonical JSON."""
    return hashlib.sha256(canonical_bytes(dict(row))).hexdigest()


# --- safe file names inside the ZIP ------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)

# Names safe_name returns as they are (a blob's name is made safe, then made safe again as a
# member name): allowed characters only, a letter or digit at both ends, 5 to MAX_NAME - 1
# long, so the cap cannot cut them; with no '.' in the first five characters, neither the name
# nor its stem can be a device name (those have three or four letters).
_KEPT_AS_IS: Final = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{3,{MAX_NAME - 3}}}[A-Za-z0-9]")


def safe_name(raw: str, fallback: str = "file") -> str:
    """One path segment that is safe on every OS: ASCII letters, digits, '.', '_', '-' only.

    Directory parts, `..`, drive letters, control and bidi characters all become '_'; leading
    dots go (no hidden files); Windows device names get a prefix; the length is capped while the
    extension is kept.
    """
    if _KEPT_AS_IS.fullmatch(raw) and "." not in raw[:5]:
        return raw
    text = raw
    if not text.isascii():  # ASCII is already NFKD and has no combining marks
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _UNSAFE.sub("_", text).strip("._- ")
    if not text:
        text = fallback
    stem, dot, ext = text.rpartition(".")
    if not dot or len(ext) > MAX_EXTENSION:
        stem, ext = text, ""
    if stem.lower() in _RESERVED or text.lower() in _RESERVED:
        stem = f"_{stem}"
    stem = stem[: MAX_NAME - len(ext) - 1] or fallback
    return f"{stem}.{ext}" if ext else stem


# File types a browser or desktop runs or renders with scripts when the package is opened
# locally: they get INERT_EXTENSION appended, so the file opens as text.
ACTIVE_EXTENSIONS: Final = frozenset({
    "htm", "html", "xhtml", "xht", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt",
    "js", "mjs", "hta", "url", "desktop", "lnk", "bat", "cmd", "com", "exe", "scr", "pif", "ps1",
    "vbs", "vbe", "wsf", "jse", "jar", "msi",
})  # fmt: skip
INERT_EXTENSION: Final = "txt"


def attachment_name(raw: str, fallback: str = "file") -> str:
    """A staff attachment's file name: like `safe_name`, but letters, marks and digits of any
    script stay (NFC), the length is bounded in UTF-8 bytes, and active content gets `.txt`."""
    text = "".join(_kept(c) for c in unicodedata.normalize("NFC", raw))
    text = re.sub(r"_{2,}", "_", text).strip("._- ") or fallback
    stem, dot, ext = text.rpartition(".")
    if not dot or len(ext) > MAX_EXTENSION:
        stem, ext = text, ""
    if stem.lower() in _RESERVED:
        stem = f"_{stem}"
    if ext.lower() in ACTIVE_EXTENSIONS:
        ext = f"{ext}.{INERT_EXTENSION}"
    budget = MAX_NAME - len(ext.encode()) - 1
    stem = unicodedata.normalize("NFC", stem.encode()[:budget].decode("utf-8", "ignore"))
    stem = stem or fallback
    return f"{stem}.{ext}" if ext else stem


def _kept(c: str) -> str:
    """A character a name keeps: a letter, mark or digit of any script, '.', '_' or '-'."""
    return c if unicodedata.category(c)[0] in "LMN" or c in "._-" else "_"


class NameSet(Protocol):
    """Where a NameAllocator keeps the names it handed out: a set, or one kept on disk."""

    def __contains__(self, name: object, /) -> bool: ...

    def add(self, name: str, /) -> object: ...


@dataclass
class NameAllocator:
    """Hands out unique member names; names differing only in case count as the same name."""

    taken: NameSet = field(default_factory=lambda: set[str]())

    def allocate(self, directory: str, raw: str, naming: Callable[[str], str] = safe_name) -> str:
        """`directory/<safe name>`, with `-2`, `-3`, ... before the extension on a collision."""
        name = naming(raw)
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        candidate, n = name, 1
        while f"{directory}/{candidate}".casefold() in self.taken:
            n += 1
            candidate = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
        path = f"{directory}/{candidate}"
        self.taken.add(path.casefold())
        return path


def collection_file(collection: str, suffix: str) -> str:
    """data/<dataset.collection>.<suffix> for a data-map collection address."""
    return f"{DATA_DIR}/{safe_name(collection)}.{suffix}"


def blob_member_name(item: str, uri: str) -> str:
    """A blob's file name: the item id, then the sanitised tail of its URI (unique by the id)."""
    tail = uri.split("://", 1)[-1].split("/", 1)[-1]
    return f"{item}_{safe_name(tail.replace('/', '_'))}"


def is_safe_member(name: str) -> bool:
    """Whether a ZIP member name is relative, uses '/', and never climbs out of the archive."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return False
    parts = name.split("/")
    return ":" not in parts[0] and all(p not in {"", ".", ".."} for p in parts)
