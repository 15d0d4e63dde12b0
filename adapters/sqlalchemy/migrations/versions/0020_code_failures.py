"""wrong codes in a row per address, from every client; a used code kept until it expires, marked

Revision ID: 0020
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_failures",
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email", name="pk_code_failures"),
    )
    op.create_index("ix_code_failures_last_failed_at", "code_failures", ["last_failed_at"])
    with op.batch_alter_table("one_time_codes") as batch:
        batch.add_column(sa.Column("used_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    # Used codes were deleted before: a kept one must not come back to life.
    op.execute("DELETE FROM one_time_codes WHERE used_at IS NOT NULL")
    with op.batch_alter_table("one_time_codes") as batch:
        batch.drop_column("used_at")
    op.drop_index("ix_code_failures_last_failed_at", "code_failures")
    op.drop_table("code_failures")
