"""rate-limit counters, queued email requests, and the reset nonce

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("reset_nonce", sa.String(32)))
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name="pk_rate_limits"),
    )
    op.create_index("ix_rate_limits_window_start", "rate_limits", ["window_start"])
    op.create_table(
        "email_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_email_requests"),
    )
    op.create_index("ix_email_requests_processed_at", "email_requests", ["processed_at", "created_at"])


def downgrade() -> None:
    op.drop_table("email_requests")
    op.drop_table("rate_limits")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("reset_nonce")
