"""privacy office

The data-protection officer (a permission on users), citizens' requests under the personal data law
with their legal clock, and the breach register with its 72-hour notification clock.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.models import UTCDateTime

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIME = UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("privacy_officer", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("answer_due_at", TIME, nullable=False),
        sa.Column("complete_due_at", TIME, nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("processor_involved", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", TIME, nullable=True),
        sa.Column("extended_at", TIME, nullable=True),
        sa.Column("extension_reason", sa.String(length=1000), nullable=True),
        sa.Column("completed_at", TIME, nullable=True),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("history", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.CheckConstraint(
            "type IN ('access', 'correction', 'deletion', 'restriction', 'objection', 'withdrawal')",
            name=op.f("ck_privacy_requests_type"),
        ),
        sa.CheckConstraint(
            "status IN ('received', 'answered', 'completed', 'closed')", name=op.f("ck_privacy_requests_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    op.create_index("ix_privacy_requests_citizen", "privacy_requests", ["citizen_id", "received_at"])
    op.create_index("ix_privacy_requests_due", "privacy_requests", ["status", "due_at"])
    op.create_table(
        "privacy_breaches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("detected_at", TIME, nullable=False),
        sa.Column("data_affected", sa.Text(), nullable=False),
        sa.Column("people_affected", sa.Integer(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("notify_due_at", TIME, nullable=False),
        sa.Column("notified_at", TIME, nullable=True),
        sa.Column("notified_how", sa.String(length=1000), nullable=True),
        sa.Column("notified_reference", sa.String(length=200), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("citizens_informed_at", TIME, nullable=True),
        sa.Column("citizens_informed", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_privacy_breaches_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_breaches")),
    )
    op.create_index(
        "ix_privacy_breaches_unnotified",
        "privacy_breaches",
        ["notify_due_at"],
        postgresql_where=sa.text("notified_at IS NULL"),
        sqlite_where=sa.text("notified_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_privacy_breaches_unnotified", table_name="privacy_breaches")
    op.drop_table("privacy_breaches")
    op.drop_index("ix_privacy_requests_due", table_name="privacy_requests")
    op.drop_index("ix_privacy_requests_citizen", table_name="privacy_requests")
    op.drop_table("privacy_requests")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("privacy_officer")
