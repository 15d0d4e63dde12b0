"""the account an email request is about, when the request itself made or named it

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("email_requests") as batch:
        batch.add_column(sa.Column("user_id", sa.Uuid()))


def downgrade() -> None:
    with op.batch_alter_table("email_requests") as batch:
        batch.drop_column("user_id")
