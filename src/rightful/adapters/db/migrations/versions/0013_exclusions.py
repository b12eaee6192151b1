"""exclusions: rows or fields left out of a package to protect others (Art. 15(4))

Revision ID: 0013_exclusions
Revises: 0012_rectification_outcome
Create Date: 2026-12-05 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0013_exclusions"
down_revision: str | None = "0012_rectification_outcome"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exclusions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("request_id", sa.String(36), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("collection", sa.String(200), nullable=False),
        sa.Column("key", sa.JSON(), nullable=False),
        sa.Column("field", sa.String(100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("removed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_exclusions_request_id", "exclusions", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_exclusions_request_id", table_name="exclusions")
    op.drop_table("exclusions")
