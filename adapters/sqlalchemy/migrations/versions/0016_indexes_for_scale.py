"""indexes for a service with years of history: the admin search by prefix, token and request pruning, an
account's email requests

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_SEARCHED = ("email", "username", "first_name", "last_name")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in _SEARCHED:
        # text_pattern_ops: LIKE 'prefix%' goes along the index whatever the database's collation.
        expression = f"lower({name}) text_pattern_ops" if postgresql else f"lower({name})"
        op.create_index(f"ix_users_lower_{name}", "users", [sa.text(expression)])
    op.create_index("ix_refresh_tokens_expires_at", "refresh_tokens", ["expires_at"])
    op.create_index("ix_email_requests_email", "email_requests", ["email"])
    op.create_index("ix_email_requests_user_id", "email_requests", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_email_requests_user_id", "email_requests")
    op.drop_index("ix_email_requests_email", "email_requests")
    op.drop_index("ix_refresh_tokens_expires_at", "refresh_tokens")
    for name in reversed(_SEARCHED):
        op.drop_index(f"ix_users_lower_{name}", "users")
