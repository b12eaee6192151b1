"""restrictions: a restriction of processing (Art. 18) and the notice before it lifts (18(3))

Revision ID: 0010_restrictions
Revises: 0009_erasure_outcome
Create Date: 2026-12-05 15:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0010_restrictions"
down_revision: str | None = "0009_erasure_outcome"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "restrictions",
        sa.Column("request_id", sa.String(36), sa.ForeignKey("requests.id"), primary_key=True),
        sa.Column("ground", sa.String(1), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("recipients_told", sa.Integer(), nullable=False),
        sa.Column("placed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("placed_by", sa.String(64), nullable=False),
        sa.Column("lift_announced_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifts_on", sa.Date(), nullable=True),
        sa.Column("lifted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_restrictions_lifted_at", "restrictions", ["lifted_at"])


def downgrade() -> None:
    op.drop_index("ix_restrictions_lifted_at", table_name="restrictions")
    op.drop_table("restrictions")
