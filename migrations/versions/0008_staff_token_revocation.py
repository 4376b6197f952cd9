"""staff token revocation

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Admins act for every department and now belong to none; tokens issued so far carry no version
    # and count as version 0.
    op.execute("UPDATE users SET department_id = NULL WHERE role = 'admin'")
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
        users.create_check_constraint(
            op.f("ck_users_admin_has_no_department"), "role <> 'admin' OR department_id IS NULL"
        )
    with op.batch_alter_table("users") as users:
        users.alter_column("token_version", existing_type=sa.Integer(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.drop_constraint(op.f("ck_users_admin_has_no_department"), type_="check")
        users.drop_column("token_version")
