"""notifications place

A device's inbox takes at most a page of the newest notifications for its place from a partial index of
the place notifications alone, and its citizen's own through notification_recipients. It used to walk
every notification, newest first, testing each: a device whose inbox held less than a page (every new
one) read them all, millions of other citizens' receipts (230 ms at 1,000,000).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

PLACE = sa.text("audience = 'place'")


def upgrade() -> None:
    op.create_index(
        "ix_notifications_place",
        "notifications",
        ["created_at", "id"],
        postgresql_where=PLACE,
        sqlite_where=PLACE,
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_place", table_name="notifications")
