"""scam report moderation and trusted indicators

- scam_reports: statuses confirmed and dismissed besides new and promoted; who moderated last and when,
  the reason for a dismissal and a note;
- trusted_indicators: the allow-list of known-legitimate values (a government site, a bank's hotline)
  that citizens' reports alone never mark.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from services.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDICATOR_TYPES = "type IN ('phone', 'url', 'domain', 'bank_account', 'social_account', 'email')"
STATUSES = "status IN ('new', 'confirmed', 'dismissed', 'promoted')"
STATUSES_BEFORE = "status IN ('new', 'promoted')"
DISMISS_REASONS = "dismiss_reason IN ('legitimate', 'not_a_scam', 'insufficient_information', 'abusive')"


def upgrade() -> None:
    # Batch mode: SQLite changes a CHECK constraint or adds a foreign key only by rebuilding the table.
    with op.batch_alter_table("scam_reports") as reports:
        reports.add_column(sa.Column("moderated_at", UTCDateTime(timezone=True), nullable=True))
        reports.add_column(sa.Column("moderated_by_id", sa.Uuid(), nullable=True))
        reports.add_column(sa.Column("dismiss_reason", sa.String(length=32), nullable=True))
        reports.add_column(sa.Column("moderation_note", sa.String(length=1000), nullable=True))
        reports.create_foreign_key(
            op.f("fk_scam_reports_moderated_by_id_users"), "users", ["moderated_by_id"], ["id"]
        )
        reports.drop_constraint(op.f("ck_scam_reports_status"), type_="check")
        reports.create_check_constraint(op.f("ck_scam_reports_status"), sa.text(STATUSES))
        reports.create_check_constraint(op.f("ck_scam_reports_dismiss_reason"), sa.text(DISMISS_REASONS))

    op.create_table(
        "trusted_indicators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.Column("normalized", sa.String(length=1000), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(INDICATOR_TYPES, name=op.f("ck_trusted_indicators_type")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_trusted_indicators_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_indicators")),
        sa.UniqueConstraint("normalized", "type", name=op.f("uq_trusted_indicators_normalized")),
    )


def downgrade() -> None:
    op.drop_table("trusted_indicators")
    # The earlier schema knows only new and promoted: moderated reports go back to new.
    op.execute("UPDATE scam_reports SET status = 'new' WHERE status IN ('confirmed', 'dismissed')")
    with op.batch_alter_table("scam_reports") as reports:
        reports.drop_constraint(op.f("ck_scam_reports_dismiss_reason"), type_="check")
        reports.drop_constraint(op.f("ck_scam_reports_status"), type_="check")
        reports.create_check_constraint(op.f("ck_scam_reports_status"), sa.text(STATUSES_BEFORE))
        reports.drop_constraint(op.f("fk_scam_reports_moderated_by_id_users"), type_="foreignkey")
        for column in ("moderation_note", "dismiss_reason", "moderated_by_id", "moderated_at"):
            reports.drop_column(column)
