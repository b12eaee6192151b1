"""incident_untold_exceptions: an incident closed with people of its scope never told, on an
Art. 34(3) exception with the DPO's justification

Revision ID: 0028_untold_exceptions
Revises: 0027_delivery_code_link
Create Date: 2026-12-06 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0028_untold_exceptions"
down_revision: str | None = "0027_delivery_code_link"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_untold_exceptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("exception", sa.String(length=24), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("untold", sa.Integer(), nullable=False),
        sa.Column("notice_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_untold_exceptions_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_untold_exceptions")),
    )
    op.create_index(
        op.f("ix_incident_untold_exceptions_incident_id"),
        "incident_untold_exceptions", ["incident_id"], unique=False,
    )  # fmt: skip


def downgrade() -> None:
    # The exceptions relied on stay in the audit chain (code, count, justification digest).
    op.drop_index(
        op.f("ix_incident_untold_exceptions_incident_id"), table_name="incident_untold_exceptions"
    )
    op.drop_table("incident_untold_exceptions")
