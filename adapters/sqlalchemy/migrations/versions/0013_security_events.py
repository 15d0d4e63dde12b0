"""the audit trail: security_events

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "security_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("occurred_at", AT, nullable=False),
        sa.Column("client_ip", sa.String(45)),
        sa.Column("device", sa.String(64)),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("detail", sa.String(32)),
        sa.PrimaryKeyConstraint("id", name="pk_security_events"),
    )
    op.create_index(
        "ix_security_events_user_id_occurred_at", "security_events", ["user_id", "occurred_at", "id"]
    )
    op.create_index("ix_security_events_occurred_at", "security_events", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_security_events_occurred_at", "security_events")
    op.drop_index("ix_security_events_user_id_occurred_at", "security_events")
    op.drop_table("security_events")
