"""deliveries fillfactor

The outbox is a queue: each delivery is rewritten twice within seconds of being written, once by the
worker's claim (lease, attempt) and once by its outcome. Pages filled only half by inserts keep room for
the claim's new row versions on the same page, so PostgreSQL writes them as HOT updates (no new index
entries): a claim of 500 took 9 ms instead of 16–22 (services/outbox/worker.py). The price is space:
up to twice the pages for the deliveries kept (RETENTION_DELIVERIES_DAYS). PostgreSQL only (SQLite has
no such setting); it applies to pages written from now on.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05
"""

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE deliveries SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE deliveries RESET (fillfactor)")
