"""Tables of delivery: download links, the codes and sessions that open them, every attempt on
them, and "this is not my data" reports. Only hashes of tokens and codes are kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from rightful.adapters.db.base import Base, UTCDateTime


class DownloadLinkRow(Base):
    """A link to one package for the requester of one request; the token is stored hashed."""

    __tablename__ = "download_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    package_id: Mapped[str] = mapped_column(String(64), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    max_downloads: Mapped[int] = mapped_column(Integer)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoke_cause: Mapped[str | None] = mapped_column(String(16))  # staff, not_mine, incident
    # Passphrase protection (age, scrypt): the header holds the salt and the wrapped file key;
    # the file key itself is derived from the server secret and `protection_id`, never stored.
    protection_id: Mapped[str | None] = mapped_column(String(32))
    age_header: Mapped[bytes | None] = mapped_column(LargeBinary)
    protected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DeliveryCodeRow(Base):
    """A one-time code sent to the request's verified channel, to open a download (purpose
    `download`, bound to a link) or to sign in to the portal again (purpose `portal`)."""

    __tablename__ = "delivery_codes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    link_id: Mapped[str | None] = mapped_column(ForeignKey("download_links.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A portal sign-in or download-code mail's link (128-bit secret, HMAC-stored): it works
    # until used or `link_expires_at` (the window of codes), when wrong guesses locked the code.
    link_hash: Mapped[str | None] = mapped_column(String(64))
    link_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UnknownSignInAskRow(Base):
    """An ask for a portal sign-in code for a request id that no request has: its time only,
    so that such asks meet the limits a decoy code of a real request meets (no foreign key:
    there is no request). The daily job removes those older than the code window."""

    __tablename__ = "unknown_sign_in_asks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(36), index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class DownloadSessionRow(Base):
    """What one fresh proof of identity opens: one counted download of one link, resumable
    until `expires_at`. The cookie holds the token; the store holds its hash."""

    __tablename__ = "download_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    link_id: Mapped[str] = mapped_column(ForeignKey("download_links.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    proof: Mapped[str] = mapped_column(String(20))  # email_code, sms_code, account_assertion
    evidence: Mapped[str] = mapped_column(String(80))  # code id or assertion digest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DownloadAttemptRow(Base):
    """Every attempt on a link, successful or not. IP address and user agent are personal data:
    they stay here, and the audit chain records only the attempt's id and outcome."""

    __tablename__ = "download_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    link_id: Mapped[str | None] = mapped_column(ForeignKey("download_links.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    outcome: Mapped[str] = mapped_column(String(24))
    byte_range: Mapped[str | None] = mapped_column(String(64))


class NotMineReportRow(Base):
    """Someone who received a link said the data is not theirs: links revoked, incident opened."""

    __tablename__ = "not_mine_reports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    link_id: Mapped[str] = mapped_column(ForeignKey("download_links.id"), index=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    package_id: Mapped[str] = mapped_column(String(64), index=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempt_id: Mapped[int | None] = mapped_column(Integer)
    incident_id: Mapped[str | None] = mapped_column(String(64))
    links_revoked: Mapped[int] = mapped_column(Integer, default=0)
    downloads_before: Mapped[int] = mapped_column(Integer, default=0)
    confirm_hash: Mapped[str] = mapped_column(String(64), unique=True)
    deletion_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deletion_answer: Mapped[str | None] = mapped_column(String(16))  # deleted, never_opened


Index("ix_download_attempts_link_at", DownloadAttemptRow.link_id, DownloadAttemptRow.at)
