"""verifiable logs and checkpoints

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:07:27.730382
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "logcheckpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("anchored_block", sa.Integer(), nullable=True),
        sa.Column("anchored_tx", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("logcheckpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_logcheckpoint_log"), ["log"], unique=False)

    op.create_table(
        "logentry",
        sa.Column("log", sa.String(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("log", "index"),
    )
    op.create_table(
        "loghead",
        sa.Column("log", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("edge", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("log"),
    )
    op.create_table(
        "lognode",
        sa.Column("log", sa.String(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("log", "level", "index"),
    )


def downgrade() -> None:
    op.drop_table("lognode")
    op.drop_table("loghead")
    op.drop_table("logentry")
    with op.batch_alter_table("logcheckpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logcheckpoint_log"))

    op.drop_table("logcheckpoint")
