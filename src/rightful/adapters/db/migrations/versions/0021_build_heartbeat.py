"""packages.heartbeat_at: a running build's last sign of life, so that a build lost with its
worker counts as lost minutes after it stopped beating, not hours after it began

Revision ID: 0021_build_heartbeat
Revises: 0020_paper_declarations
Create Date: 2026-12-05 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0021_build_heartbeat"
down_revision: str | None = "0020_paper_declarations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Left empty on existing rows: a build without a heartbeat (begun before this revision)
    # counts as lost by its age alone (STALE_BUILD, services/packaging.py).
    with op.batch_alter_table("packages") as batch:
        batch.add_column(sa.Column("heartbeat_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("packages") as batch:
        batch.drop_column("heartbeat_at")
