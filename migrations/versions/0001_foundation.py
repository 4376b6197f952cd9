"""foundation: departments, staff users, categories, devices, API keys, audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _timestamps():
    return [
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_search", sa.String(length=200), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("focal_name", sa.String(length=200), nullable=True),
        sa.Column("focal_phone", sa.String(length=20), nullable=True),
        sa.Column("focal_email", sa.String(length=254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("intake", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("NOT intake OR province_code IS NOT NULL", name=op.f("ck_departments_intake_has_province")),
        sa.ForeignKeyConstraint(["parent_id"], ["departments.id"], name=op.f("fk_departments_parent_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_departments_code")),
    )
    op.create_index(op.f("ix_departments_name_search"), "departments", ["name_search"])
    op.create_index(op.f("ix_departments_province_code"), "departments", ["province_code"])
    # At most one intake department per province (partial unique index, on both backends).
    op.create_index(
        "uq_departments_intake_province",
        "departments",
        ["province_code"],
        unique=True,
        sqlite_where=sa.text("intake"),
        postgresql_where=sa.text("intake"),
    )

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", UTCDateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("role = 'admin' OR department_id IS NOT NULL", name=op.f("ck_users_staff_has_department")),
        sa.CheckConstraint("role IN ('admin', 'editor', 'officer', 'viewer')", name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], name=op.f("fk_users_department_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_department_id"), "users", ["department_id"])

    op.create_table(
        "categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("deadline_working_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("kind IN ('feedback', 'notice', 'alert')", name=op.f("ck_categories_kind")),
        sa.CheckConstraint("priority IN ('urgent', 'normal', 'complex')", name=op.f("ck_categories_priority")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_categories_code")),
    )

    op.create_table(
        "devices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("ward_code", sa.Integer(), nullable=True),
        sa.Column("push_token", sa.String(length=4096), nullable=True),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("platform IN ('android', 'ios', 'web', 'zalo')", name=op.f("ck_devices_platform")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_devices_token_hash")),
    )
    op.create_index(op.f("ix_devices_province_code"), "devices", ["province_code"])
    op.create_index(op.f("ix_devices_ward_code"), "devices", ["ward_code"])

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_api_keys_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_api_keys_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_actor_id"), "audit_events", ["actor_id"])
    op.create_index("ix_audit_events_entity", "audit_events", ["entity", "entity_id"])


def downgrade() -> None:
    for table in ("audit_events", "api_keys", "devices", "categories", "users", "departments"):
        op.drop_table(table)
