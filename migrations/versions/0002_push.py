"""push: notification outbox, inbox places/recipients/reads, device topics and citizens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "token_retirements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("push_token", sa.String(length=4096), nullable=False),
        sa.Column("topics", JSON, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_token_retirements")),
    )
    op.create_index(op.f("ix_token_retirements_retry_at"), "token_retirements", ["retry_at"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("targets", JSON, nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("content", JSON, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("ttl_seconds", sa.Integer(), nullable=True),
        sa.Column("collapse_key", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("progress", JSON, nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("message_ids", JSON, nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("audience IN ('place', 'citizens')", name=op.f("ck_notifications_audience")),
        sa.CheckConstraint("priority IN ('high', 'normal')", name=op.f("ck_notifications_priority")),
        sa.CheckConstraint(
            "status IN ('pending', 'retrying', 'sent', 'logged', 'failed')", name=op.f("ck_notifications_status")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_notifications_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_created", "notifications", ["created_at", "id"])
    # The worker's claim query reads only due rows; the partial index stays small as rows complete.
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=sa.text("status IN ('pending', 'retrying')"),
        sqlite_where=sa.text("status IN ('pending', 'retrying')"),
    )
    op.create_index("ix_notifications_source", "notifications", ["source_type", "source_id"])

    op.create_table(
        "notification_places",
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_places_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", "scope", "code", name=op.f("pk_notification_places")),
    )
    op.create_index("ix_notification_places_place", "notification_places", ["scope", "code"])

    op.create_table(
        "notification_reads",
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("read_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_notification_reads_device_id_devices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_reads_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", "device_id", name=op.f("pk_notification_reads")),
    )

    op.create_table(
        "notification_recipients",
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_recipients_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", "citizen_id", name=op.f("pk_notification_recipients")),
    )
    op.create_index(op.f("ix_notification_recipients_citizen_id"), "notification_recipients", ["citizen_id"])

    # Existing devices become citizens of their own (citizen_id = id) and sync their topics.
    with op.batch_alter_table("devices") as batch_op:
        batch_op.add_column(sa.Column("citizen_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("categories", JSON, nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("quiet_hours", JSON, nullable=True))
        batch_op.add_column(sa.Column("subscribed_topics", JSON, nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("topics_dirty", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("topics_retry_at", UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE devices SET citizen_id = id")
    with op.batch_alter_table("devices") as batch_op:
        batch_op.alter_column("citizen_id", existing_type=sa.Uuid(), nullable=False)
        for column in ("categories", "subscribed_topics", "topics_dirty"):
            batch_op.alter_column(column, server_default=None)
        batch_op.create_index(op.f("ix_devices_citizen_id"), ["citizen_id"])
        batch_op.create_index(
            "ix_devices_topics_due",
            ["topics_retry_at"],
            postgresql_where=sa.text("topics_dirty"),
            sqlite_where=sa.text("topics_dirty"),
        )


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch_op:
        batch_op.drop_index("ix_devices_topics_due")
        batch_op.drop_index(op.f("ix_devices_citizen_id"))
        for column in ("topics_retry_at", "topics_dirty", "subscribed_topics", "quiet_hours", "categories", "citizen_id"):
            batch_op.drop_column(column)
    for table in ("notification_recipients", "notification_reads", "notification_places", "notifications"):
        op.drop_table(table)
    op.drop_table("token_retirements")
