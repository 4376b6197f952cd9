"""outbox growth

Finished deliveries are removed by the retention pass after RETENTION_DELIVERIES_DAYS: an index finds
them oldest first, and `delivery_tallies` keeps their counts per event, channel and status for the
reports. The audit log, kept for years, gets an index per filter of GET /audit (a BRIN one for time).

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_tallies",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deliveries", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "channel", "status", name=op.f("pk_delivery_tallies")),
    )
    op.create_index(
        "ix_deliveries_completed",
        "deliveries",
        ["completed_at"],
        postgresql_where=sa.text("completed_at IS NOT NULL"),
        sqlite_where=sa.text("completed_at IS NOT NULL"),
    )
    op.create_index("ix_audit_events_actor_label", "audit_events", ["actor_label"])
    op.create_index(
        "ix_audit_events_action", "audit_events", ["action"], postgresql_ops={"action": "varchar_pattern_ops"}
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"], postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_index("ix_audit_events_action", table_name="audit_events")
    op.drop_index("ix_audit_events_actor_label", table_name="audit_events")
    op.drop_index("ix_deliveries_completed", table_name="deliveries")
    op.drop_table("delivery_tallies")
