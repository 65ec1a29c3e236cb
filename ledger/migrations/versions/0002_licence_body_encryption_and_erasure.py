"""licence body encryption and erasure

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 09:45:29.993936
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_key", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("erase_reason", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.drop_column("erase_reason")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("body_key")
