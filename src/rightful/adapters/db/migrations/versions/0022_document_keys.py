"""agent_authorities and ccpa_paper_declarations: master_key_id and wrapped_key, the data key of
a document encrypted at rest (services/documents.py)

Revision ID: 0022_document_keys
Revises: 0021_build_heartbeat
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_document_keys"
down_revision: str | None = "0021_build_heartbeat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("agent_authorities", "ccpa_paper_declarations")


def upgrade() -> None:
    # Left empty on existing rows: their documents are plaintext files, read as they are until
    # `rightful package rotate-key` encrypts them.
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("master_key_id", sa.String(64), nullable=True))
            batch.add_column(sa.Column("wrapped_key", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # The two columns hold the only copy of each encrypted document's data key: dropping them
    # would leave the documents unreadable for good, so the downgrade stops while any exists.
    bind = op.get_bind()
    encrypted = sum(
        bind.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE wrapped_key IS NOT NULL")
        ).scalar_one()
        for table in TABLES
    )
    if encrypted:
        raise RuntimeError(
            f"downgrade below {revision} refused: {encrypted} identity document(s) are "
            "encrypted at rest and their keys are in the columns it would drop; stay on this "
            "revision, or restore the backup taken before upgrading"
        )
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("wrapped_key")
            batch.drop_column("master_key_id")
