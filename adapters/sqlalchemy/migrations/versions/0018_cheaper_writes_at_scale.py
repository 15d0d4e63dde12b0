"""cheaper writes on big tables: no family_id index on refresh_tokens (its look-ups go along user_id), and
free room on the pages of users and refresh_tokens so an update of an unindexed column is a HOT update

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_refresh_tokens_family_id", "refresh_tokens")
    if op.get_bind().dialect.name == "postgresql":
        # Applies to pages written from now on; `VACUUM FULL` or pg_repack rewrites the old ones.
        op.execute("ALTER TABLE users SET (fillfactor = 90)")
        op.execute("ALTER TABLE refresh_tokens SET (fillfactor = 90)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE refresh_tokens RESET (fillfactor)")
        op.execute("ALTER TABLE users RESET (fillfactor)")
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])
