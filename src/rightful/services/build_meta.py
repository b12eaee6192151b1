"""What a package build is given (its metadata, staff files to add) and what it tells the
service when it is done (counts, the manifest's SHA-256, what was left out or withheld)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from rightful.domain.never_disclosed import Undisclosed


@dataclass(frozen=True)
class BuildMeta:
    """What the package says about itself."""

    package_id: str
    request_id: str
    language: str
    subject_pseudonym: str
    generated_at: datetime
    received_at: datetime
    controller: str
    signing_key: bytes
    contact: str | None = None
    authority: str | None = None
    # CCPA §7024(d): fields left empty in every row, by collection (see domain.never_disclosed)
    undisclosed: Undisclosed = field(default_factory=dict)
    law: str = "gdpr"  # the request's jurisdiction: the rights and regulator index.html names


@dataclass(frozen=True)
class ExtraFile:
    """A file staff attach: bound to a blob of the data map, or uploaded under four eyes."""

    attachment_id: str
    origin: str  # bound, four_eyes
    collection: str
    filename: str
    size: int
    open: Callable[[], BinaryIO]
    categories: tuple[str, ...]
    bound_uri: str | None = None


@dataclass
class BuildOutput:
    """What a finished build tells the service."""

    manifest_sha256: str
    signing_key_id: str
    items: int = 0
    records: int = 0
    blobs: int = 0
    attachments: int = 0
    blob_bytes: int = 0
    missing_blobs: int = 0
    missing_files: list[dict[str, str]] = field(default_factory=list)
    missing_by_collection: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    by_collection: Counter[str] = field(default_factory=Counter)
    withheld: list[dict[str, Any]] = field(default_factory=list)
    # Art. 15(4): rows, and fields of rows, a reviewer left out, per collection
    rows_left_out: Counter[str] = field(default_factory=Counter)
    fields_left_out: Counter[str] = field(default_factory=Counter)
    # CCPA §7024(d): rows whose (collection, field) held a value that was left empty
    undisclosed: Counter[tuple[str, str]] = field(default_factory=Counter)
    stored_size: int = 0
    plaintext_size: int = 0
