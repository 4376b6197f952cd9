"""open311

Feedback filed through Open311 GeoReport v2 keeps the street address (`address_string`) and the link to a
photo (`media_url`) its client sent; the app's submissions leave both empty.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("address", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("media_url", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("media_url")
        batch.drop_column("address")
