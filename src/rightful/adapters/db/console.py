"""Tables of the staff console: people who sign in, their sessions, used SSO assertions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rightful.adapters.db.base import Base, UTCDateTime


class StaffUserRow(Base):
    """A staff member of the console. The password is stored as an scrypt hash; the TOTP secret
    encrypted with a key derived from the web secret."""

    __tablename__ = "staff_users"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_totp_step: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StaffSignInFailureRow(Base):
    """Failed sign-ins of one user from one client address (kept only as a keyed hash), which
    lock that pair: a stranger failing on purpose locks out their own client, not the user."""

    __tablename__ = "staff_sign_in_failures"
    __table_args__ = (UniqueConstraint("user_id", "client"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), index=True)
    client: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StaffSessionRow(Base):
    """One signed-in browser; ends at sign-out, after idle time, or at its absolute limit."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), index=True)
    method: Mapped[str] = mapped_column(String(32))  # password_totp, sso
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StaffSsoUseRow(Base):
    """Each accepted SSO assertion id, so that the same assertion never signs in twice."""

    __tablename__ = "staff_sso_uses"
    __table_args__ = (UniqueConstraint("issuer", "token_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(200))
    token_id: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
