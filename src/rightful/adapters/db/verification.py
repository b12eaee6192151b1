"""Tables of identity verification: challenges, verified identities, the subject binding,
the review queue for ambiguous matches, agents' authority, staff identity checks and CCPA
declarations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from rightful.adapters.db.base import Base, UTCDateTime


class ChallengeRow(Base):
    """A one-time code (and link) sent to one contact detail. Only HMACs of the secrets are kept.

    `on_file` stays false for decoys: challenges for details the estate does not hold, answered
    exactly like real ones but whose code was never sent and can never match. Delivery sets it
    once the estate confirms the detail, before the code goes out.
    """

    __tablename__ = "verification_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    purpose: Mapped[str] = mapped_column(String(12))  # "verify" or "step_up"
    identity_type: Mapped[str] = mapped_column(String(16))
    identity_value: Mapped[str] = mapped_column(String(320))
    on_file: Mapped[bool] = mapped_column(Boolean)
    code_hash: Mapped[str] = mapped_column(String(64))
    link_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_factor: Mapped[str | None] = mapped_column(String(20))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The link outlives the code (its secret cannot be guessed): see CodePolicy.window. Empty on
    # challenges made before 0026, whose link expired with the code.
    link_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VerifiedIdentityRow(Base):
    """One identity proven for a request by one factor. Together they are the only search seed.

    `set_version` is the version of the request's identity set the row joined; the binding names
    the version it was made from, so a later change is visible and audited.
    """

    __tablename__ = "verified_identities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    identity_type: Mapped[str] = mapped_column(String(16))
    identity_value: Mapped[str] = mapped_column(String(320))
    factor: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(String(80))  # challenge id, assertion jti, check id
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime())
    set_version: Mapped[int] = mapped_column(Integer)
    # Whether this identity leads to the bound subject (None until bound): only those rows
    # seed collection and count towards the assurance level.
    supports_binding: Mapped[bool | None] = mapped_column(Boolean)


class SubjectBindingRow(Base):
    """The one subject a request is bound to; the primary key makes a second binding impossible."""

    __tablename__ = "subject_bindings"

    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    subject_collection: Mapped[str] = mapped_column(String(200))
    subject_value: Mapped[Any] = mapped_column(JSON)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime())
    bound_by: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))  # "automatic" or "staff_pick"
    identity_set_version: Mapped[int] = mapped_column(Integer)


class SubjectReviewRow(Base):
    """Verified identities led to several subjects: a person must choose, nothing is merged."""

    __tablename__ = "subject_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    identity_set_version: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(12))  # open, resolved, superseded
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    chosen_candidate_id: Mapped[int | None] = mapped_column(Integer)


class SubjectCandidateRow(Base):
    """One subject a review may choose; `matched_by` holds masked identities only."""

    __tablename__ = "subject_candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("subject_reviews.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    subject_collection: Mapped[str] = mapped_column(String(200))
    subject_value: Mapped[Any] = mapped_column(JSON)
    matched_by: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class AgentAuthorityRow(Base):
    """The document by which an agent or proxy acts for the subject; the file lives under
    data_dir, encrypted, and the SHA-256 of its plaintext is recorded so that any later change
    to it shows."""

    __tablename__ = "agent_authorities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    agent_name: Mapped[str] = mapped_column(String(200))
    file_path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    # The file's data key wrapped by the package master key; None: a plaintext file stored
    # before documents were encrypted at rest (services/documents.py).
    master_key_id: Mapped[str | None] = mapped_column(String(64))
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)


class StaffCheckRow(Base):
    """How a staff member checked the identity of a caller or letter writer, and who approved it."""

    __tablename__ = "staff_identity_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    method: Mapped[str] = mapped_column(String(40))
    identities: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text)
    checked_by: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(12))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DeclarationRow(Base):
    """A CCPA declaration under penalty of perjury (§7062(c)): the full name the requester typed
    as a signature, the digest of the statement shown to them, and when. The latest counts;
    earlier ones stay as evidence."""

    __tablename__ = "ccpa_declarations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    statement_sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PaperDeclarationRow(Base):
    """A CCPA declaration under penalty of perjury that arrived on paper or as a signed PDF
    (§7062(c)), recorded by staff: the signer's full name as written, the date they signed and,
    if scanned, the document under data_dir (encrypted) with the SHA-256 of its plaintext. It
    counts once another staff member has approved it."""

    __tablename__ = "ccpa_paper_declarations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date] = mapped_column(Date)
    file_path: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    master_key_id: Mapped[str | None] = mapped_column(String(64))  # as AgentAuthorityRow's
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(12))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AssertionUseRow(Base):
    """Each accepted account assertion's id, so that the same token is never accepted twice."""

    __tablename__ = "account_assertion_uses"
    __table_args__ = (UniqueConstraint("issuer", "token_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(200))
    token_id: Mapped[str] = mapped_column(String(200))
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


Index(
    "ix_challenges_request_identity",
    ChallengeRow.request_id,
    ChallengeRow.identity_type,
    ChallengeRow.created_at,
)
