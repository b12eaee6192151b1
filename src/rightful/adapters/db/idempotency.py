"""Keys of submissions taken in once (docs: "A request sent twice"): a repeat finds its row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from rightful.adapters.db.base import Base, UTCDateTime


class IdempotencyKeyRow(Base):
    """One key of one sender and the request it made. The primary key is what makes two
    submissions at once with one key one request: the second insert fails, whatever the timing.
    Nothing personal: digests, ids and a time."""

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)  # "portal", "api:key:…"
    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the key
    body_digest: Mapped[str] = mapped_column(String(64))  # keyed: see domain/idempotency.py
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
