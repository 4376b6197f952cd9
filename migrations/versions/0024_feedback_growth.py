"""feedback growth

A department's inbox filtered on status, oldest due first, read from indexes that hold the wanted rows
in that order: one of the open feedback alone (the console's default list, overdue, the badge) and one
by status (`?status=received`...). A department's closed history, which grows by the year, no longer
lies between the feedback asked for and the first page.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

OPEN = "status IN ('received', 'assigned', 'in_progress', 'reopened')"


def upgrade() -> None:
    op.create_index(
        "ix_feedback_open_inbox",
        "feedback",
        ["department_id", "due_at", "id"],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    op.create_index("ix_feedback_status_inbox", "feedback", ["department_id", "status", "due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_status_inbox", table_name="feedback")
    op.drop_index("ix_feedback_open_inbox", table_name="feedback")
