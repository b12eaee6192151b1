"""unknown_sign_in_asks: asks for a portal sign-in code for a request id that no request has,
so that they meet the limits (resend wait, the window's cap) a real request's decoy meets

Revision ID: 0031_unknown_sign_in_asks
Revises: 0030_refused_unverified
Create Date: 2026-12-06 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0031_unknown_sign_in_asks"
down_revision: str | None = "0030_refused_unverified"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unknown_sign_in_asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("asked_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unknown_sign_in_asks")),
    )
    for column in ("request_id", "asked_at"):
        op.create_index(op.f(f"ix_unknown_sign_in_asks_{column}"), "unknown_sign_in_asks", [column])


def downgrade() -> None:
    # Only the limits of asks for ids no request has are lost: they start afresh.
    for column in ("asked_at", "request_id"):
        op.drop_index(op.f(f"ix_unknown_sign_in_asks_{column}"), table_name="unknown_sign_in_asks")
    op.drop_table("unknown_sign_in_asks")
