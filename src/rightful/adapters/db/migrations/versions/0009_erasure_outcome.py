"""requests: the recorded outcome of an erasure request (Art. 17 ground, erased, kept, Art. 19)

Revision ID: 0009_erasure_outcome
Revises: 0008_opendsr_requests
Create Date: 2026-12-05 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_erasure_outcome"
down_revision: str | None = "0008_opendsr_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("erasure_outcome", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("erasure_outcome")
