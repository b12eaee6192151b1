"""ccpa_paper_declarations: CCPA declarations under penalty of perjury received on paper or as
a signed PDF, recorded by staff and approved by another (Cal. Code Regs. tit. 11 §7062(c))

Revision ID: 0020_paper_declarations
Revises: 0019_notice_told_otherwise
Create Date: 2026-12-05 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0020_paper_declarations"
down_revision: str | None = "0019_notice_told_otherwise"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ccpa_paper_declarations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(36), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("file_path", sa.String(500), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_ccpa_paper_declarations_request_id", "ccpa_paper_declarations", ["request_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_ccpa_paper_declarations_request_id", table_name="ccpa_paper_declarations")
    op.drop_table("ccpa_paper_declarations")
