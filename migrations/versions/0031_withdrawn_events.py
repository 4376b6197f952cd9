"""withdrawn events

An event can be withdrawn (a cancelled alert's publication): its deliveries to people that are still
unsent end `withdrawn` instead of going out, as an SMS stream to a commune's subscribers or the Mini App's
notifications held for the morning would have.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from services.models import UTCDateTime

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

STATUSES = "'pending', 'retrying', 'sent', 'failed', 'gone', 'held'"


def upgrade() -> None:
    op.add_column("events", sa.Column("withdrawn_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch.create_check_constraint(op.f("ck_deliveries_status"), f"status IN ({STATUSES}, 'withdrawn')")


def downgrade() -> None:
    op.execute("UPDATE deliveries SET status = 'failed' WHERE status = 'withdrawn'")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch.create_check_constraint(op.f("ck_deliveries_status"), f"status IN ({STATUSES})")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("withdrawn_at")
