"""Tables of rightful's own store: requests, their notices and pauses, and staff API keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rightful.adapters.db.base import Base, UTCDateTime


class RequestRow(Base):
    """A data subject request. Holds the requester's contact details; the audit chain never does."""

    __tablename__ = "requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    jurisdiction: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(24), index=True)
    held_from: Mapped[str | None] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(5), default="en")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    acknowledge_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requester_email: Mapped[str | None] = mapped_column(String(320))
    requester_phone: Mapped[str | None] = mapped_column(String(32))
    requester_name: Mapped[str | None] = mapped_column(String(200))
    # Identities as the requester typed them; nothing here seeds a search until verified.
    claimed_identities: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    details: Mapped[str | None] = mapped_column(Text)
    extension_months: Mapped[int | None] = mapped_column(Integer)
    extension_days: Mapped[int | None] = mapped_column(Integer)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refusal_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    # Refused because the requester's identity could not be verified (a CCPA deletion refused
    # so offers the opt-out of sale or sharing, §7062(f))
    refused_unverified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Art. 17: ground, categories erased, categories kept with their 17(3) exception, Art. 19
    erasure_outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Art. 16: the fields corrected (dataset.collection.field) and the recipients told (Art. 19)
    rectification_outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Art. 21(2): an objection to direct marketing, which cannot be refused (21(3))
    direct_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012


class RestrictionRow(Base):
    """A restriction of processing (Art. 18) granted on a request: in force until lifted, and
    lifted only on or after a day the person was told of (Art. 18(3))."""

    __tablename__ = "restrictions"

    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    ground: Mapped[str] = mapped_column(String(1))
    categories: Mapped[list[str]] = mapped_column(JSON)
    recipients_told: Mapped[int] = mapped_column(Integer, default=0)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    placed_by: Mapped[str] = mapped_column(String(64))
    lift_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifts_on: Mapped[date | None] = mapped_column(Date)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    lifted_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012


class PauseRow(Base):
    """A span in which the request waited for the requester (identity information)."""

    __tablename__ = "request_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)


class NoticeRow(Base):
    """A notice told to the requester (acknowledgement, extension, refusal, ...), as sent."""

    __tablename__ = "request_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(5))
    channel: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_by: Mapped[str] = mapped_column(String(64))
    # The e-mail's fate (services/request_mail.py): None when it is not mailed, else pending,
    # sending (being handed over since mail_attempted_at), sent, refused (by the relay; tried
    # again), no_address, or told_otherwise (staff told the requester another way after it was
    # refused or had no address: told_way, told_how in words, told_by, told_at).
    mail_state: Mapped[str | None] = mapped_column(String(16), index=True)
    mail_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    mail_attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    told_way: Mapped[str | None] = mapped_column(String(12))
    told_how: Mapped[str | None] = mapped_column(Text)
    told_by: Mapped[str | None] = mapped_column(String(64))
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TransitionRow(Base):
    """A move of a request with its reason in words; the audit chain holds the reason's digest."""

    __tablename__ = "request_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(24))
    target: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)


class ApiKeyRow(Base):
    """A staff API key. Only a hash of the secret is stored; the prefix identifies it in logs."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Who holds it: a console user's name. Two keys of one holder, and that user, are one person
    # to the four-eyes rules; a key without one (issued before holders were required) takes no
    # part in them.
    holder: Mapped[str | None] = mapped_column(String(100))
    issued_by: Mapped[str | None] = mapped_column(String(64))  # the principal who issued it
    role: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


Index("ix_requests_open_due", RequestRow.status, RequestRow.respond_by)
