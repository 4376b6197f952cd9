"""notices updated

The notices' Atom feed says when it last changed: the latest edit of a public notice. Without an index
on `updated_at` PostgreSQL read every notice to find it (45 ms at 200,000 notices, on three processes);
it now reads it from the end of ix_notices_updated.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notices_updated", "notices", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_notices_updated", table_name="notices")
