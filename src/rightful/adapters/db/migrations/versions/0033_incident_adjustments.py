"""incident_adjustments: the contextual factors of an incident's ENISA score that staff entered
(the controller's nature, vulnerable people, public or old data), each with its reason

Revision ID: 0033_incident_adjustments
Revises: 0032_unnamed_key_holders
Create Date: 2026-12-07 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0033_incident_adjustments"
down_revision: str | None = "0032_unnamed_key_holders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_adjustments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("factor", sa.String(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"],
            name=op.f("fk_incident_adjustments_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_adjustments")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_incident_adjustments_incident_id"), "incident_adjustments", ["incident_id"],
        unique=False,
    )  # fmt: skip


def downgrade() -> None:
    # What was entered stays in the audit chain (factor, step, the reason's digest) and in the
    # inputs of each assessment that used it.
    op.drop_index(op.f("ix_incident_adjustments_incident_id"), table_name="incident_adjustments")
    op.drop_table("incident_adjustments")
