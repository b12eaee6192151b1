"""requests: whether an objection is to direct marketing (Art. 21(2); absolute under 21(3))

Revision ID: 0011_direct_marketing
Revises: 0010_restrictions
Create Date: 2026-12-05 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_direct_marketing"
down_revision: str | None = "0010_restrictions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(
            sa.Column("direct_marketing", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("direct_marketing")
