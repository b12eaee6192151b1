"""packages: the blob files that could not be found, counted and named by item

Revision ID: 0006_missing_files
Revises: 0005_incidents
Create Date: 2026-12-04 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_missing_files"
down_revision: str | None = "0005_incidents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("packages") as batch:
        batch.add_column(
            sa.Column("missing_blobs", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("missing_files", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("packages") as batch:
        batch.drop_column("missing_files")
        batch.drop_column("missing_blobs")
