"""zalo miniapp slots

Zalo sends a Mini App user at most one notification a day, and the app a limited number a day: each day's
are recorded per citizen, so that a message goes on the Mini App only to citizens Zalo will still send it
to, and no more than the day allows (services/zalo/allowance.py).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zalo_miniapp_slots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("day", "citizen_id", name=op.f("pk_zalo_miniapp_slots")),
    )


def downgrade() -> None:
    op.drop_table("zalo_miniapp_slots")
