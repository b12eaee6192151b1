"""Requests that reached rightful through OpenDSR: the sender's id for each, kept once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rightful.adapters.db.base import Base, UTCDateTime


class OpenDsrRequestRow(Base):
    """The sender's `subject_request_id` of one request; a second POST of it finds this row."""

    __tablename__ = "opendsr_requests"

    subject_request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), unique=True)
    regulation: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str] = mapped_column(String(64))
    callback_urls: Mapped[int] = mapped_column(Integer, default=0)
