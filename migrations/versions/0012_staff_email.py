"""staff e-mail

Users may turn staff e-mail off for themselves (users.email_notifications, on by default) and choose
its language (users.language, vi by default); the daily digest is sent once per day, by the one
worker that inserts the day's mail_digests row.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from services.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("email_notifications", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column("users", sa.Column("language", sa.String(length=8), server_default="vi", nullable=False))
    op.create_table(
        "mail_digests",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_mail_digests")),
    )


def downgrade() -> None:
    op.drop_table("mail_digests")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
        batch.drop_column("email_notifications")
