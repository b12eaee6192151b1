"""staff_sessions.method: 32 characters; "password_totp" (13) did not fit the 12 it had, so a
console sign-in with password and code failed on PostgreSQL (SQLite does not hold lengths)

Revision ID: 0017_session_method
Revises: 0016_notice_mail
Create Date: 2026-12-05 20:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_session_method"
down_revision: str | None = "0016_notice_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_sessions") as batch:
        batch.alter_column(
            "method", existing_type=sa.String(12), type_=sa.String(32), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_sessions") as batch:
        batch.alter_column(
            "method", existing_type=sa.String(32), type_=sa.String(12), existing_nullable=False
        )
