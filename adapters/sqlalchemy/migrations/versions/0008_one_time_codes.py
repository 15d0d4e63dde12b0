"""one-time codes beside the links in emails; the language of an outbox message

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_one_time_codes_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_one_time_codes"),
        sa.UniqueConstraint("user_id", "purpose", name="uq_one_time_codes_user_id_purpose"),
        sa.UniqueConstraint("email", "purpose", name="uq_one_time_codes_email_purpose"),
    )
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("language", sa.String(35)))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("language")
    op.drop_table("one_time_codes")
