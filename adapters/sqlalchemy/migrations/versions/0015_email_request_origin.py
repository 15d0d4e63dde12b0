"""where an email request came from, for the reset_requested entry of the account's trail

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("email_requests", sa.Column("client_ip", sa.String(45)))
    op.add_column("email_requests", sa.Column("device", sa.String(64)))


def downgrade() -> None:
    op.drop_column("email_requests", "device")
    op.drop_column("email_requests", "client_ip")
