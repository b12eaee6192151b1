"""incident_reporters: the acknowledgement's refused attempts, the last one's time and kind, and
when it was given up (after `incident_acknowledgement_attempts`)

Revision ID: 0023_reporter_ack
Revises: 0022_document_keys
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0023_reporter_ack"
down_revision: str | None = "0022_document_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A reporter not acknowledged yet starts from no attempt: the job tries it again in full.
    with op.batch_alter_table("incident_reporters") as batch:
        batch.add_column(sa.Column("ack_attempts", sa.Integer(), nullable=False,
                                   server_default="0"))  # fmt: skip
        batch.add_column(sa.Column("ack_attempted_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("ack_failure", sa.String(64), nullable=True))
        batch.add_column(sa.Column("ack_given_up_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident_reporters") as batch:
        batch.drop_column("ack_given_up_at")
        batch.drop_column("ack_failure")
        batch.drop_column("ack_attempted_at")
        batch.drop_column("ack_attempts")
