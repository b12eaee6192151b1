"""verification_challenges: link_expires_at, the link of a code mail outliving its code (a
request's codes are capped per window, and each link works for the window)

Revision ID: 0026_challenge_link_expiry
Revises: 0025_idempotency_keys
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rightful.adapters.db.base

revision: str = "0026_challenge_link_expiry"
down_revision: str | None = "0025_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Left empty on existing rows: their links expire with their codes, as they were sent.
    with op.batch_alter_table("verification_challenges") as batch:
        batch.add_column(
            sa.Column(
                "link_expires_at",
                rightful.adapters.db.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("verification_challenges") as batch:
        batch.drop_column("link_expires_at")
