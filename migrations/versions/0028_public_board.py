"""public board

The public board lists the feedback departments marked public, newest answer first. Without an index
PostgreSQL read and sorted every feedback for its first page (98 ms at 300,000 feedback, on three
processes); it now reads the newest entries of a partial index that holds the public ones alone.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_feedback_public_board",
        "feedback",
        ["answered_at", "id"],
        postgresql_where=sa.text("public"),
        sqlite_where=sa.text("public"),
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_public_board", table_name="feedback")
