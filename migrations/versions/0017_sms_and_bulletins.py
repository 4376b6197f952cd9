"""sms and bulletins

Feature phones subscribe to their commune's alerts by SMS (double opt-in, `HUY` honoured for good); the
day's SMS count against the province's budget, a delivery the budget held back (status `held`); the
commune loudspeakers' bulletins.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
STATUSES = "'pending', 'retrying', 'sent', 'failed', 'gone'"


def upgrade() -> None:
    op.create_table(
        "sms_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("ward_code", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("source IN ('office', 'sms')", name=op.f("ck_sms_subscriptions_source")),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'stopped')", name=op.f("ck_sms_subscriptions_status")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_sms_subscriptions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_subscriptions")),
        sa.UniqueConstraint("phone", "ward_code", name=op.f("uq_sms_subscriptions_phone")),
    )
    op.create_index("ix_sms_subscriptions_ward", "sms_subscriptions", ["ward_code", "status"])
    op.create_table(
        "sms_opt_outs",
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_sms_opt_outs")),
    )
    op.create_table(
        "sms_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_sms_days")),
    )
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("ward_code", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("items", JSON, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("generated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("kind IN ('morning', 'urgent')", name=op.f("ck_bulletins_kind")),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_bulletins_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_bulletins_updated_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletins")),
    )
    op.create_index("ix_bulletins_ward_day", "bulletins", ["ward_code", "day", "kind"])
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch.create_check_constraint(op.f("ck_deliveries_status"), f"status IN ({STATUSES}, 'held')")


def downgrade() -> None:
    op.execute("UPDATE deliveries SET status = 'failed' WHERE status = 'held'")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch.create_check_constraint(op.f("ck_deliveries_status"), f"status IN ({STATUSES})")
    op.drop_index("ix_bulletins_ward_day", table_name="bulletins")
    op.drop_table("bulletins")
    op.drop_table("sms_days")
    op.drop_table("sms_opt_outs")
    op.drop_index("ix_sms_subscriptions_ward", table_name="sms_subscriptions")
    op.drop_table("sms_subscriptions")
