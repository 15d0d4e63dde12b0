"""the trace each queued request, email, event and webhook delivery belongs to (a W3C traceparent)

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TABLES = ("email_requests", "outbox_messages", "account_events", "webhook_deliveries")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("trace_context", sa.String(55)))


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_column(table, "trace_context")
