"""staff_sign_in_failures: console sign-in lockout per (user, client address), so that failing
on purpose no longer locks a known user out

Revision ID: 0018_sign_in_failures
Revises: 0017_session_method
Create Date: 2026-12-05 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0018_sign_in_failures"
down_revision: str | None = "0017_session_method"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_sign_in_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(16), sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("user_id", "client"),
    )
    op.create_index("ix_staff_sign_in_failures_user_id", "staff_sign_in_failures", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_sign_in_failures_user_id", "staff_sign_in_failures")
    op.drop_table("staff_sign_in_failures")
