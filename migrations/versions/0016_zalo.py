"""zalo

Citizens who signed in with Zalo (their Zalo user id, a phone shared with consent, the Mini App
notification opt-in), the append-only consent ledger, the Official Account's token pair and the templates
Zalo approved; deliveries keep the provider's message id and its receipts; a feedback says how its citizen
was verified; a personal notification records the channel each citizen got it on.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.models import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
RECEIPTS = sa.text("provider_id IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "citizens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("zalo_user_id", sa.String(length=64), nullable=True),
        sa.Column("zalo_notifications", sa.Boolean(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("phone_verified_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizens")),
        sa.UniqueConstraint("zalo_user_id", name=op.f("uq_citizens_zalo_user_id")),
    )
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("notice_version", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('given', 'withdrawn')", name=op.f("ck_consent_records_action")),
        sa.CheckConstraint(
            "channel IN ('app', 'zalo', 'sms', 'office')", name=op.f("ck_consent_records_channel")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    op.create_index(
        "ix_consent_records_citizen", "consent_records", ["citizen_id", "purpose", "recorded_at"]
    )
    op.create_table(
        "zalo_oa_tokens",
        sa.Column("oa_id", sa.String(length=64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("oa_id", name=op.f("pk_zalo_oa_tokens")),
    )
    op.create_table(
        "zalo_templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("message", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("channel IN ('zalo_miniapp', 'zns')", name=op.f("ck_zalo_templates_channel")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_zalo_templates_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zalo_templates")),
        sa.UniqueConstraint("channel", "message", name=op.f("uq_zalo_templates_channel")),
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("provider_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("seen_at", UTCDateTime(timezone=True), nullable=True))
        batch.create_index(
            "ix_deliveries_provider",
            ["channel", "provider_id"],
            postgresql_where=RECEIPTS,
            sqlite_where=RECEIPTS,
        )
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("verified_via", sa.String(length=16), nullable=True))
    with op.batch_alter_table("notification_recipients") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification_recipients") as batch:
        batch.drop_column("channel")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("verified_via")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_provider", postgresql_where=RECEIPTS, sqlite_where=RECEIPTS)
        batch.drop_column("seen_at")
        batch.drop_column("delivered_at")
        batch.drop_column("provider_id")
    op.drop_table("zalo_templates")
    op.drop_table("zalo_oa_tokens")
    op.drop_index("ix_consent_records_citizen", table_name="consent_records")
    op.drop_table("consent_records")
    op.drop_table("citizens")
