"""Tables of access packages: the package, its gate runs and findings, and staff attachments.

Items are not stored one row per record: the signed manifest inside the (encrypted) package is
the list of items; the database keeps the manifest's hash, counts and the gate's findings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rightful.adapters.db.base import Base, UTCDateTime


class PackageRow(Base):
    """One build of a request's access package, stored encrypted under a wrapped data key."""

    __tablename__ = "packages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    language: Mapped[str] = mapped_column(String(5))
    subject_pseudonym: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    # While `building`: when the build last showed it was alive (services/build_heartbeat.py).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    object_name: Mapped[str] = mapped_column(String(200))
    master_key_id: Mapped[str] = mapped_column(String(64), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    chunk_size: Mapped[int] = mapped_column(Integer)
    stored_size: Mapped[int | None] = mapped_column(BigInteger)
    plaintext_size: Mapped[int | None] = mapped_column(BigInteger)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    signing_key_id: Mapped[str | None] = mapped_column(String(16))
    approved_manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_back_reason: Mapped[str | None] = mapped_column(Text)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    blob_count: Mapped[int] = mapped_column(Integer, default=0)
    attachment_count: Mapped[int] = mapped_column(Integer, default=0)
    blob_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    counts_by_category: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    counts_by_collection: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    withheld: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Blob files the data map points at that could not be read: how many, and the first
    # MISSING_NAMED of them as {item, collection, field} (item ids, never the paths).
    missing_blobs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    missing_files: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012


class GateRunRow(Base):
    """One run of the leak gate over one package, bound to the manifest hash it checked."""

    __tablename__ = "package_gate_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id"), index=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())
    passed: Mapped[bool] = mapped_column(Boolean)
    items_checked: Mapped[int] = mapped_column(Integer)
    checked: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    failures: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    offending_items: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    incident_id: Mapped[str | None] = mapped_column(String(36))


class GateFindingRow(Base):
    """One item that failed one check: item id, collection and key, never its content."""

    __tablename__ = "package_gate_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gate_run_id: Mapped[int] = mapped_column(ForeignKey("package_gate_runs.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(16))
    check: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(120))
    collection: Mapped[str] = mapped_column(String(200))
    item_key: Mapped[list[Any] | None] = mapped_column(JSON)


class AttachmentRow(Base):
    """A file staff add to a request's package: bound to the subject through the data map
    (a record key or blob URI the gate re-derives), or uploaded and approved by a second person.

    Uploaded bytes are stored encrypted like packages; `labels` are the identifiers the uploader
    says the file concerns (they are checked by the gate, never written to the audit chain).
    """

    __tablename__ = "package_attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    mode: Mapped[str] = mapped_column(String(12))  # bound, four_eyes
    state: Mapped[str] = mapped_column(String(12), index=True)
    collection: Mapped[str] = mapped_column(String(200))
    bound_key: Mapped[list[Any] | None] = mapped_column(JSON)
    bound_uri: Mapped[str | None] = mapped_column(String(1000))
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    object_name: Mapped[str | None] = mapped_column(String(200))
    master_key_id: Mapped[str | None] = mapped_column(String(64), index=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    chunk_size: Mapped[int | None] = mapped_column(Integer)
    stored_size: Mapped[int | None] = mapped_column(BigInteger)
    labels: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    justification: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class ExclusionRow(Base):
    """A row, or one field of it, a reviewer left out of a request's packages to protect others
    (Art. 15(4)); a removed one stays on record with when and by whom."""

    __tablename__ = "exclusions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    collection: Mapped[str] = mapped_column(String(200))
    key: Mapped[list[str]] = mapped_column(JSON)
    field: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by: Mapped[str | None] = mapped_column(String(64))
