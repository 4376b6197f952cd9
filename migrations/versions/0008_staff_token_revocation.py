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

# Plain ALTER TABLE on SQLite too: copying `users` in batch mode fails there once other rows refer to it.


def upgrade() -> None:
    op.add_column("users", sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
    # Admins act for every department and now belong to none.
    op.execute("UPDATE users SET department_id = NULL WHERE role = 'admin'")
    if op.get_bind().dialect.name == "postgresql":
        op.create_check_constraint(
            op.f("ck_users_admin_has_no_department"), "users", "role <> 'admin' OR department_id IS NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_users_admin_has_no_department"), "users", type_="check")
    op.drop_column("users", "token_version")
