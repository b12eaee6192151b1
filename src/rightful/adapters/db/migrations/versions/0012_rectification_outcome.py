"""requests: the recorded outcome of a rectification request (Art. 16 fields, Art. 19)

Revision ID: 0012_rectification_outcome
Revises: 0011_direct_marketing
Create Date: 2026-12-05 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_rectification_outcome"
down_revision: str | None = "0011_direct_marketing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("rectification_outcome", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("rectification_outcome")
