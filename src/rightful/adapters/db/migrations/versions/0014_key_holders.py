"""api_keys: the person (or system) who holds each key, and who issued it, so that four eyes
are two people

Revision ID: 0014_key_holders
Revises: 0013_exclusions
Create Date: 2026-12-05 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_key_holders"
down_revision: str | None = "0013_exclusions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("holder", sa.String(100), nullable=True))
        batch.add_column(sa.Column("issued_by", sa.String(64), nullable=True))
    # Keys issued before holders were recorded are held by what their name says.
    op.execute("UPDATE api_keys SET holder = name WHERE holder IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("issued_by")
        batch.drop_column("holder")
