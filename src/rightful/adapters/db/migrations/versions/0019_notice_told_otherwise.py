"""request_notices: a notice that reached nobody by mail (refused, or no e-mail address) can be
recorded as told another way (phone, letter, in person): by whom, when, which way and how, in
words kept on the notice (never in the audit chain)

Revision ID: 0019_notice_told_otherwise
Revises: 0018_sign_in_failures
Create Date: 2026-12-05 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0019_notice_told_otherwise"
down_revision: str | None = "0018_sign_in_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("request_notices") as batch:
        # "told_otherwise" is longer than the 12 characters the first states needed
        batch.alter_column("mail_state", existing_type=sa.String(12), type_=sa.String(16),
                           existing_nullable=True)  # fmt: skip
        batch.add_column(sa.Column("told_way", sa.String(12), nullable=True))
        batch.add_column(sa.Column("told_how", sa.Text(), nullable=True))
        batch.add_column(sa.Column("told_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("told_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request_notices") as batch:
        batch.drop_column("told_at")
        batch.drop_column("told_by")
        batch.drop_column("told_how")
        batch.drop_column("told_way")
        batch.alter_column("mail_state", existing_type=sa.String(16), type_=sa.String(12),
                           existing_nullable=True)  # fmt: skip
