"""reports

The reports for the communication office read feedback received in a period and the transfers made in
one (services/reports/feedback.py); two indexes keep those reads off full scans.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_feedback_received", "feedback", ["received_at"])
    op.create_index("ix_feedback_events_kind_at", "feedback_events", ["kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_events_kind_at", table_name="feedback_events")
    op.drop_index("ix_feedback_received", table_name="feedback")
