"""package attachments: who withdrew one, when and why

Revision ID: 0007_attachment_withdrawal
Revises: 0006_missing_files
Create Date: 2026-12-05 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rightful.adapters.db.base

revision: str = "0007_attachment_withdrawal"
down_revision: str | None = "0006_missing_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("package_attachments") as batch:
        batch.add_column(sa.Column("withdrawn_by", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column(
                "withdrawn_at", rightful.adapters.db.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(sa.Column("withdrawal_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("package_attachments") as batch:
        batch.drop_column("withdrawal_reason")
        batch.drop_column("withdrawn_at")
        batch.drop_column("withdrawn_by")
