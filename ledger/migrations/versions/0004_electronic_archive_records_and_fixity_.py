"""electronic archive records and fixity events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:16:39.169097
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archiverecord",
        sa.Column("archive_no", sa.String(), nullable=False),
        sa.Column("fonds", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("retention", sa.String(), nullable=False),
        sa.Column("matter_code", sa.String(), nullable=False),
        sa.Column("case_number", sa.String(), nullable=False),
        sa.Column("package_digest", sa.String(), nullable=False),
        sa.Column("tar_sha256", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("cid", sa.String(), nullable=False),
        sa.Column("body_key", sa.String(), nullable=True),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispose_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispose_reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("archive_no"),
        sa.UniqueConstraint("fonds", "year", "sequence"),
    )
    op.create_table(
        "fixityrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archive_no", sa.String(), nullable=False),
        sa.Column("object", sa.String(), nullable=False),
        sa.Column("algorithm", sa.String(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("agent", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["archive_no"],
            ["archiverecord.archive_no"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("fixityrecord", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fixityrecord_archive_no"), ["archive_no"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fixityrecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fixityrecord_archive_no"))

    op.drop_table("fixityrecord")
    op.drop_table("archiverecord")
