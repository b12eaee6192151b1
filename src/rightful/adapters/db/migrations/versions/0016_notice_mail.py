"""request_notices: whether each mailed notice reached the mail relay (sent or refused), when it
was last tried and how often, so that a notice that reached nobody is shown and tried again

Revision ID: 0016_notice_mail
Revises: 0015_ccpa_declarations
Create Date: 2026-12-05 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0016_notice_mail"
down_revision: str | None = "0015_ccpa_declarations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Notices recorded before this keep no state: what became of their mail is not known.
    with op.batch_alter_table("request_notices") as batch:
        batch.add_column(sa.Column("mail_state", sa.String(12), nullable=True))
        batch.add_column(
            sa.Column("mail_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("mail_attempted_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_request_notices_mail_state", ["mail_state"])


def downgrade() -> None:
    with op.batch_alter_table("request_notices") as batch:
        batch.drop_index("ix_request_notices_mail_state")
        batch.drop_column("mail_attempted_at")
        batch.drop_column("mail_attempts")
        batch.drop_column("mail_state")
