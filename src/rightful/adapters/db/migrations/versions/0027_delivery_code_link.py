"""delivery_codes: link_hash and link_expires_at, the sign-in link a portal code mail carries
(it outlives its code, and once a request's codes with digits are used up it is all the mail
carries)

Revision ID: 0027_delivery_code_link
Revises: 0026_challenge_link_expiry
Create Date: 2026-12-06 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rightful.adapters.db.base

revision: str = "0027_delivery_code_link"
down_revision: str | None = "0026_challenge_link_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Left empty on existing rows: they were sent without a link.
    with op.batch_alter_table("delivery_codes") as batch:
        batch.add_column(sa.Column("link_hash", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column(
                "link_expires_at",
                rightful.adapters.db.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_codes") as batch:
        batch.drop_column("link_expires_at")
        batch.drop_column("link_hash")
