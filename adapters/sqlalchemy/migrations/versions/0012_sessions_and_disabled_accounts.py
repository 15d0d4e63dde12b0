"""sessions a person can see and end (where and when each began), and accounts an administrator disabled,
and the index a deletion finds the account's pending emails by

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(sa.Column("started_at", AT))
        batch.add_column(sa.Column("client_ip", sa.String(45)))
        batch.add_column(sa.Column("device", sa.String(64)))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", AT))
    # The administrators' search: by name prefix, and by role.
    op.create_index("ix_users_username", "users", ["username"])
    op.create_index("ix_users_role_created_at", "users", ["role", "created_at", "id"])
    op.create_index("ix_users_created_at_id", "users", ["created_at", "id"])
    op.create_index("ix_outbox_messages_recipient", "outbox_messages", ["recipient"])


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_recipient", "outbox_messages")
    op.drop_index("ix_users_created_at_id", "users")
    op.drop_index("ix_users_role_created_at", "users")
    op.drop_index("ix_users_username", "users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("device")
        batch.drop_column("client_ip")
        batch.drop_column("started_at")
