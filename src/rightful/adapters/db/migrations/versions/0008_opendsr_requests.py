"""requests received through OpenDSR: the sender's subject_request_id of each

Revision ID: 0008_opendsr_requests
Revises: 0007_attachment_withdrawal
Create Date: 2026-12-05 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rightful.adapters.db.base

revision: str = "0008_opendsr_requests"
down_revision: str | None = "0007_attachment_withdrawal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opendsr_requests",
        sa.Column("subject_request_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("regulation", sa.String(length=16), nullable=False),
        sa.Column(
            "received_at", rightful.adapters.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("callback_urls", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_opendsr_requests_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("subject_request_id", name=op.f("pk_opendsr_requests")),
        sa.UniqueConstraint("request_id", name=op.f("uq_opendsr_requests_request_id")),
    )


def downgrade() -> None:
    op.drop_table("opendsr_requests")
