"""a session's absolute end, carried by each refresh token of its family

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(sa.Column("session_expires_at", sa.DateTime(timezone=True)))
    # A session that began before this had no end: it ends now when its current token does.
    op.execute("UPDATE refresh_tokens SET session_expires_at = expires_at")
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.alter_column("session_expires_at", nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("session_expires_at")
