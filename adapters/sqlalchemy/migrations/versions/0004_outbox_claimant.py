"""outbox claims name the worker that holds them

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("claimed_by")
