"""events and deliveries outbox

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

The event log and the generic outbox. Notifications stay as the citizen's message and its delivery
summary; their own outbox columns (attempts, lease, progress) move to `deliveries`. Drain the push
worker before upgrading: notifications still pending are not turned into deliveries.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UNFINISHED = sa.text("status IN ('pending', 'retrying')")

# Plain ALTER TABLE on SQLite too (3.35+ drops columns): copying `notifications` in batch mode would
# cascade-delete its inbox rows.


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_subject", "events", ["subject_type", "subject_id", "name"])
    op.create_index("ix_events_created", "events", ["created_at", "id"])

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=1024), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("ordering_key", sa.String(length=128), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'retrying', 'sent', 'failed', 'gone')", name=op.f("ck_deliveries_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["rank", "next_attempt_at"],
        postgresql_where=UNFINISHED,
        sqlite_where=UNFINISHED,
    )
    ordered = sa.text("ordering_key IS NOT NULL AND status IN ('pending', 'retrying')")
    op.create_index(
        "ix_deliveries_ordering",
        "deliveries",
        ["channel", "address", "ordering_key", "created_at"],
        postgresql_where=ordered,
        sqlite_where=ordered,
    )
    op.create_index("ix_deliveries_event", "deliveries", ["event_id"])
    op.create_index("ix_deliveries_address", "deliveries", ["channel", "address", "created_at"])

    op.add_column("feedback", sa.Column("overdue_at", UTCDateTime(timezone=True), nullable=True))
    waiting = sa.text("overdue_at IS NULL AND status IN ('received', 'assigned', 'in_progress', 'reopened')")
    op.create_index("ix_feedback_overdue", "feedback", ["due_at"], postgresql_where=waiting, sqlite_where=waiting)

    op.drop_index("ix_notifications_due", table_name="notifications")
    # SQLite adds a NOT NULL column only with a constant default; every row gets its real value next.
    epoch = "1970-01-01 00:00:00+00:00"
    op.add_column(
        "notifications", sa.Column("send_at", UTCDateTime(timezone=True), nullable=False, server_default=epoch)
    )
    op.add_column("notifications", sa.Column("outstanding", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE notifications SET send_at = next_attempt_at")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("notifications", "send_at", server_default=None)
        op.alter_column("notifications", "outstanding", server_default=None)
    for column in ("attempts", "next_attempt_at", "lease_until", "progress"):
        op.drop_column("notifications", column)


def downgrade() -> None:
    op.add_column("notifications", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "notifications",
        sa.Column(
            "next_attempt_at", UTCDateTime(timezone=True), nullable=False, server_default="1970-01-01 00:00:00+00:00"
        ),
    )
    op.add_column("notifications", sa.Column("lease_until", UTCDateTime(timezone=True), nullable=True))
    op.add_column("notifications", sa.Column("progress", JSON, nullable=False, server_default="{}"))
    op.execute("UPDATE notifications SET next_attempt_at = send_at")
    op.drop_column("notifications", "outstanding")
    op.drop_column("notifications", "send_at")
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=UNFINISHED,
        sqlite_where=UNFINISHED,
    )
    op.drop_index("ix_feedback_overdue", table_name="feedback")
    op.drop_column("feedback", "overdue_at")
    op.drop_table("deliveries")
    op.drop_table("events")
