"""ordering by completion

The claim's "is an earlier delivery with the same key unfinished?" is asked as `completed_at IS NULL`
and ix_deliveries_ordering is rebuilt on that predicate. Asked by status, the question matched the
claim's own partial index too, and with statistics gathered while the outbox was empty the planner took
that one and read a webhook's whole backlog for every candidate (200 ms a claim at 3,000 queued).

A check constraint now holds what the question relies on: a delivery is finished exactly when it has a
completion time. Rows that broke it are mended first (a finished one without a time gets its last
attempt's); on PostgreSQL the constraint is validated without blocking writes.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

UNFINISHED = "status IN ('pending', 'retrying')"
COMPLETED = f"({UNFINISHED}) = (completed_at IS NULL)"


def _ordering_index(unfinished: str) -> None:
    predicate = sa.text(f"ordering_key IS NOT NULL AND {unfinished}")
    op.create_index(
        "ix_deliveries_ordering",
        "deliveries",
        ["ordering_key", "created_at"],
        postgresql_where=predicate,
        sqlite_where=predicate,
    )


def upgrade() -> None:
    op.execute(
        "UPDATE deliveries SET completed_at = COALESCE(last_attempt_at, created_at) "
        f"WHERE completed_at IS NULL AND NOT ({UNFINISHED})"
    )
    op.execute(f"UPDATE deliveries SET completed_at = NULL WHERE completed_at IS NOT NULL AND {UNFINISHED}")
    name = op.f("ck_deliveries_completed")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE deliveries ADD CONSTRAINT {name} CHECK ({COMPLETED}) NOT VALID")
        op.execute(f"ALTER TABLE deliveries VALIDATE CONSTRAINT {name}")
    else:
        with op.batch_alter_table("deliveries") as batch:
            batch.create_check_constraint(name, sa.text(COMPLETED))
    op.drop_index("ix_deliveries_ordering", table_name="deliveries")
    _ordering_index("completed_at IS NULL")


def downgrade() -> None:
    op.drop_index("ix_deliveries_ordering", table_name="deliveries")
    _ordering_index(UNFINISHED)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_completed"), type_="check")
