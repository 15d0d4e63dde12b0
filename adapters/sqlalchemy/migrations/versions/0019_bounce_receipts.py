"""the webhook-ids of bounce reports acted on, so a replayed report does nothing

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bounce_receipts",
        sa.Column("report_id", sa.String(255), nullable=False),
        sa.Column("replayable_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name="pk_bounce_receipts"),
    )
    op.create_index("ix_bounce_receipts_replayable_until", "bounce_receipts", ["replayable_until"])


def downgrade() -> None:
    op.drop_index("ix_bounce_receipts_replayable_until", "bounce_receipts")
    op.drop_table("bounce_receipts")
