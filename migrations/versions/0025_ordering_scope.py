"""ordering scope

A delivery's ordering key now holds its channel and address with the caller's key, as one digest
(services.models.outbox.ordering_scope), and ix_deliveries_ordering indexes that key alone: the claim's
"is an earlier one unfinished?" can then use no other index. Compared per channel and address, the
planner took ix_deliveries_address and read a webhook's whole backlog for each of 500 candidates
(a second a claim at 3,000 queued deliveries, growing with the square of the backlog).

The unfinished deliveries' keys are rewritten; finished ones are never compared again.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from services.models.outbox import ordering_scope

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

KEYED = "ordering_key IS NOT NULL AND status IN ('pending', 'retrying')"
deliveries = sa.table(
    "deliveries",
    sa.column("id", sa.Uuid),
    sa.column("channel", sa.String),
    sa.column("address", sa.String),
    sa.column("ordering_key", sa.String),
    sa.column("status", sa.String),
)


def upgrade() -> None:
    op.drop_index("ix_deliveries_ordering", table_name="deliveries")
    connection = op.get_bind()
    keyed = connection.execute(
        sa.select(deliveries.c.id, deliveries.c.channel, deliveries.c.address, deliveries.c.ordering_key).where(
            sa.text(KEYED)
        )
    ).all()
    if keyed:
        connection.execute(
            deliveries.update().where(deliveries.c.id == sa.bindparam("delivery_id")),
            [
                {"delivery_id": id_, "ordering_key": ordering_scope(channel, address, key)}
                for id_, channel, address, key in keyed
            ],
        )
    op.create_index(
        "ix_deliveries_ordering",
        "deliveries",
        ["ordering_key", "created_at"],
        postgresql_where=sa.text(KEYED),
        sqlite_where=sa.text(KEYED),
    )


def downgrade() -> None:
    # The keys stay digests: compared with their channel and address again, they still group alike.
    op.drop_index("ix_deliveries_ordering", table_name="deliveries")
    op.create_index(
        "ix_deliveries_ordering",
        "deliveries",
        ["channel", "address", "ordering_key", "created_at"],
        postgresql_where=sa.text(KEYED),
        sqlite_where=sa.text(KEYED),
    )
