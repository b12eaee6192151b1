"""incident_notices: untold_reminded, the mark of the people of the current scope a sent
notice had not told when the DPO was last reminded of them

Revision ID: 0024_untold_reminded
Revises: 0023_reporter_ack
Create Date: 2026-12-06 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_untold_reminded"
down_revision: str | None = "0023_reporter_ack"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty on existing notices: the next incident job reminds the DPO of anyone untold.
    with op.batch_alter_table("incident_notices") as batch:
        batch.add_column(sa.Column("untold_reminded", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident_notices") as batch:
        batch.drop_column("untold_reminded")
