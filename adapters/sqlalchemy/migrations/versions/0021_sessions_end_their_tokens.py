"""sessions end their access tokens: an index on a session's newest refresh token (in place of the one on
user_id), and the salt that makes a spent token's one successor again

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(sa.Column("successor_salt", sa.String(64), nullable=True))
    # Built before the old one goes, so an account's tokens are never without an index.
    op.create_index("ix_refresh_tokens_session", "refresh_tokens", ["user_id", "family_id", "issued_at"])
    op.drop_index("ix_refresh_tokens_user_id", "refresh_tokens")


def downgrade() -> None:
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"])
    op.drop_index("ix_refresh_tokens_session", "refresh_tokens")
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("successor_salt")
