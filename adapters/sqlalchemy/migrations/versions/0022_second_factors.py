"""second factors: authenticator apps, recovery codes, passkeys, sign-ins waiting for their second factor,
WebAuthn challenges; and the proof (amr, auth_time) a session's tokens carry

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

AT = sa.DateTime(timezone=True)

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(sa.Column("auth_time", AT, nullable=True))
        batch.add_column(sa.Column("amr", sa.String(32), nullable=True))
    op.create_table(
        "totp_factors",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("confirmed_at", AT, nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name="pk_totp_factors"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_totp_factors_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("used_at", AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_recovery_codes"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_recovery_codes_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_recovery_codes_user_id_digest", "recovery_codes", ["user_id", "digest"])
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(1023), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("aaguid", sa.String(36), nullable=False),
        sa.Column("backed_up", sa.Boolean(), nullable=False),
        sa.Column("transports", sa.String(100), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("last_used_at", AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_passkeys"),
        sa.UniqueConstraint("credential_id", name="uq_passkeys_credential_id"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_passkeys_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_passkeys_user_id", "passkeys", ["user_id"])
    op.create_table(
        "pending_sign_ins",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("amr", sa.String(32), nullable=False),
        sa.Column("auth_time", AT, nullable=False),
        sa.Column("expires_at", AT, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_pending_sign_ins"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_pending_sign_ins_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_pending_sign_ins_expires_at", "pending_sign_ins", ["expires_at"])
    op.create_index("ix_pending_sign_ins_user_id", "pending_sign_ins", ["user_id"])
    op.create_table(
        "webauthn_challenges",
        sa.Column("challenge", sa.String(128), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("challenge", name="pk_webauthn_challenges"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_webauthn_challenges_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_webauthn_challenges_expires_at", "webauthn_challenges", ["expires_at"])


def downgrade() -> None:
    for table in ("webauthn_challenges", "pending_sign_ins", "passkeys", "recovery_codes", "totp_factors"):
        op.drop_table(table)
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("amr")
        batch.drop_column("auth_time")
