"""api_keys: a holder that was only the key's name (the old default) is no holder, unless a
console user has that name, so that "alice laptop" and "alice desktop" are not two people to
the four-eyes rules

Revision ID: 0032_unnamed_key_holders
Revises: 0031_unknown_sign_in_asks
Create Date: 2026-12-06 23:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032_unnamed_key_holders"
down_revision: str | None = "0031_unknown_sign_in_asks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A key named after a console user ("rita") stays that user's: their acts are one person's
    # either way. Any other defaulted holder names nobody; `rightful staff name-holder` names one.
    op.execute(
        "UPDATE api_keys SET holder = NULL WHERE holder = name"
        " AND lower(holder) NOT IN (SELECT lower(name) FROM staff_users)"
    )


def downgrade() -> None:
    op.execute("UPDATE api_keys SET holder = name WHERE holder IS NULL")
