"""places one shape

Every places table (notice_places, alert_places, form_places, notification_places) is (owner, scope,
code), written from Targets.places() and read by services.core.targets.reaching, which finds a
province's wards by their codes. notice_places and alert_places lose the province_code column only
they had.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from services.core import areas

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("notice_places", "alert_places")


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(op.f(f"ix_{table}_province_code"), table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("province_code")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("province_code", sa.Integer(), nullable=True))
        op.create_index(op.f(f"ix_{table}_province_code"), table, ["province_code"])
        places = sa.table(table, sa.column("scope"), sa.column("code"), sa.column("province_code"))
        op.execute(places.update().where(places.c.scope == "province").values(province_code=places.c.code))
        wards = op.get_bind().execute(sa.select(places.c.code).where(places.c.scope == "ward").distinct())
        for (code,) in list(wards):
            province = areas.ward(code).province_code
            op.execute(
                places.update()
                .where(places.c.scope == "ward", places.c.code == code)
                .values(province_code=province)
            )
