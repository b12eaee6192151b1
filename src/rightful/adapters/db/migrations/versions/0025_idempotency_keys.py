"""idempotency_keys: the portal form's tokens and the API's Idempotency-Key headers, so that a
request sent twice (a double click, a retry after a timeout) is taken in once

Revision ID: 0025_idempotency_keys
Revises: 0024_untold_reminded
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from rightful.adapters.db.base import UTCDateTime

revision: str = "0025_idempotency_keys"
down_revision: str | None = "0024_untold_reminded"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_idempotency_keys_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("scope", "key_digest", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(
        op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_idempotency_keys_request_id"), "idempotency_keys", ["request_id"], unique=False
    )


def downgrade() -> None:
    # Only what tells a repeated submission from a new one is lost: the requests stay.
    op.drop_index(op.f("ix_idempotency_keys_request_id"), table_name="idempotency_keys")
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
