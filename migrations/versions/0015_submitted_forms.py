"""submitted forms

The console's forms carry a one-time token, stored with what the form did, so that the same form sent
twice acts once (services/identity/submitted_forms.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from services.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submitted_forms",
        sa.Column("token", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_submitted_forms_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_submitted_forms")),
    )
    op.create_index(op.f("ix_submitted_forms_at"), "submitted_forms", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_submitted_forms_at"), table_name="submitted_forms")
    op.drop_table("submitted_forms")
