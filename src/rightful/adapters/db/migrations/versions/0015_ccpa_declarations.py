"""ccpa_declarations: declarations under penalty of perjury for CCPA requests to know specific
pieces (Cal. Code Regs. tit. 11 §7062(c))

Revision ID: 0015_ccpa_declarations
Revises: 0014_key_holders
Create Date: 2026-12-05 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0015_ccpa_declarations"
down_revision: str | None = "0014_key_holders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ccpa_declarations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(36), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("statement_sha256", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("signed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ccpa_declarations_request_id", "ccpa_declarations", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_ccpa_declarations_request_id", table_name="ccpa_declarations")
    op.drop_table("ccpa_declarations")
