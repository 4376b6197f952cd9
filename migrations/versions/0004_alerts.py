"""alerts: public alerts, their places and scam indicators, citizens' scam reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
INDICATOR_TYPES = "type IN ('phone', 'url', 'domain', 'bank_account', 'social_account', 'email')"


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("headline", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("instruction", sa.String(length=2000), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("severity_rank", sa.Integer(), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("certainty", sa.String(length=16), nullable=False),
        sa.Column("targets", JSON, nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("translations", JSON, nullable=False),
        sa.Column("cap_messages", JSON, nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('scam', 'misinformation', 'safety', 'health', 'disaster', 'other')",
            name=op.f("ck_alerts_category"),
        ),
        sa.CheckConstraint(
            "certainty IN ('observed', 'likely', 'possible', 'unlikely', 'unknown')", name=op.f("ck_alerts_certainty")
        ),
        sa.CheckConstraint("severity IN ('minor', 'moderate', 'severe', 'extreme')", name=op.f("ck_alerts_severity")),
        sa.CheckConstraint("status IN ('draft', 'published', 'cancelled')", name=op.f("ck_alerts_status")),
        sa.CheckConstraint(
            "urgency IN ('immediate', 'expected', 'future', 'past', 'unknown')", name=op.f("ck_alerts_urgency")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_alerts_created_by_id_users")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], name=op.f("fk_alerts_department_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_department_id"), "alerts", ["department_id"])
    op.create_index("ix_alerts_order", "alerts", ["severity_rank", "sent_at", "id"])
    # Active = published and expires_at > now, decided at query time: no job, and this index serves it.
    op.create_index(
        "ix_alerts_live",
        "alerts",
        ["expires_at"],
        postgresql_where=sa.text("status = 'published'"),
        sqlite_where=sa.text("status = 'published'"),
    )

    op.create_table(
        "alert_places",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_places_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("alert_id", "scope", "code", name=op.f("pk_alert_places")),
    )
    op.create_index("ix_alert_places_place", "alert_places", ["scope", "code"])
    op.create_index(op.f("ix_alert_places_province_code"), "alert_places", ["province_code"])

    op.create_table(
        "alert_indicators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.Column("normalized", sa.String(length=1000), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.CheckConstraint(INDICATOR_TYPES, name=op.f("ck_alert_indicators_type")),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_indicators_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_indicators")),
    )
    op.create_index(op.f("ix_alert_indicators_alert_id"), "alert_indicators", ["alert_id"])
    # scam-check looks indicators up by their normalised value.
    op.create_index(op.f("ix_alert_indicators_normalized"), "alert_indicators", ["normalized"])

    op.create_table(
        "scam_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reporter_device_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("ward_code", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("needs_triage", sa.Boolean(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.Column("normalized", sa.String(length=1000), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("happened_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("amount_lost_vnd", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_lost_vnd >= 0", name=op.f("ck_scam_reports_amount_lost_vnd")),
        sa.CheckConstraint("status IN ('new', 'promoted')", name=op.f("ck_scam_reports_status")),
        sa.CheckConstraint(INDICATOR_TYPES, name=op.f("ck_scam_reports_type")),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_scam_reports_alert_id_alerts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_scam_reports_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scam_reports")),
    )
    op.create_index(op.f("ix_scam_reports_created_at"), "scam_reports", ["created_at"])
    op.create_index(op.f("ix_scam_reports_department_id"), "scam_reports", ["department_id"])
    op.create_index(op.f("ix_scam_reports_normalized"), "scam_reports", ["normalized"])


def downgrade() -> None:
    for table in ("scam_reports", "alert_indicators", "alert_places", "alerts"):
        op.drop_table(table)
