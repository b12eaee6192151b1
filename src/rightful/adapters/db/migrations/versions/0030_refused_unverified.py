"""requests: refused_unverified, whether staff refused the request because the requester's
identity could not be verified (a CCPA deletion refused so offers the opt-out, §7062(f))

Revision ID: 0030_refused_unverified
Revises: 0028_untold_exceptions
Create Date: 2026-12-06 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_refused_unverified"
down_revision: str | None = "0028_untold_exceptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # False on existing refusals: their ground was not recorded, and none offered the opt-out.
    with op.batch_alter_table("requests") as batch:
        batch.add_column(
            sa.Column("refused_unverified", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    # Not in batch: on SQLite a batch copies and drops the requests table, which the foreign keys
    # of every table that names a request refuse once there are any (SQLite >= 3.35 drops a
    # column in place).
    op.drop_column("requests", "refused_unverified")
