"""feedback growth

The inbox of a department's open feedback (the console's default, the API's `status=received`...), oldest
due first, read from an index of the open ones only: a department's closed history, which grows by the
year, no longer lies between its open feedback and the first page.

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


def downgrade() -> None:
    op.drop_index("ix_feedback_open_inbox", table_name="feedback")
