"""notices: policy notices with their life cycle, versions, reads and consultation comments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Indexes that serve the hot reads:
- feed and lists, newest first among public notices: ix_notices_listed (listed_at, id), walked backwards;
- targeting: notice_places' primary key (notice_id, scope, code) answers "is this notice for ward W,
  province P or the nation?" per notice; ix_notice_places_place (scope, code) and
  ix_notice_places_province_code find the notices of one place or one province (its wards included);
- stage filters and "open consultations closing soonest": ix_notices_stage (stage, consultation_closes_at);
- search without diacritics: on PostgreSQL a pg_trgm GIN index on notices.content_search (LIKE '%…%');
- consultation: ix_notice_comments_notice (notice_id, status, created_at, id) for the public and staff
  lists, ix_notice_comments_device for refusing a device's duplicate comment.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _content():
    """The versioned content of a notice, in `notices` and in `notice_versions`."""
    return [
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("translations", JSON, nullable=False),
        sa.Column("document_number", sa.String(length=64), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("links", JSON, nullable=False),
        sa.Column("claim_url", sa.String(length=2000), nullable=True),
    ]


def _notice_fk(table: str):
    return sa.ForeignKeyConstraint(
        ["notice_id"], ["notices.id"], name=op.f(f"fk_{table}_notice_id_notices"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("category_code", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        *_content(),
        sa.Column("content_search", sa.Text(), nullable=False),
        sa.Column("targets", JSON, nullable=False),
        sa.Column("publish_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("listed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("consultation_closes_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('policy', 'announcement', 'correction')", name=op.f("ck_notices_kind")),
        sa.CheckConstraint(
            "stage IN ('draft', 'consultation', 'adopted', 'in_effect', 'published', 'archived')",
            name=op.f("ck_notices_stage"),
        ),
        sa.ForeignKeyConstraint(["category_code"], ["categories.code"], name=op.f("fk_notices_category_code_categories")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_notices_created_by_id_users")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], name=op.f("fk_notices_department_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_index(op.f("ix_notices_category_code"), "notices", ["category_code"])
    op.create_index(op.f("ix_notices_department_id"), "notices", ["department_id"])
    op.create_index("ix_notices_listed", "notices", ["listed_at", "id"])
    op.create_index("ix_notices_stage", "notices", ["stage", "consultation_closes_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_notices_content_search_trgm",
            "notices",
            ["content_search"],
            postgresql_using="gin",
            postgresql_ops={"content_search": "gin_trgm_ops"},
        )

    op.create_table(
        "notice_places",
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=True),
        _notice_fk("notice_places"),
        sa.PrimaryKeyConstraint("notice_id", "scope", "code", name=op.f("pk_notice_places")),
    )
    op.create_index("ix_notice_places_place", "notice_places", ["scope", "code"])
    op.create_index(op.f("ix_notice_places_province_code"), "notice_places", ["province_code"])

    op.create_table(
        "notice_history",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_notice_history_actor_id_users")),
        _notice_fk("notice_history"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_history")),
    )
    op.create_index(op.f("ix_notice_history_notice_id"), "notice_history", ["notice_id"])

    op.create_table(
        "notice_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("replaced_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("replaced_by_id", sa.Uuid(), nullable=True),
        *_content(),
        _notice_fk("notice_versions"),
        sa.ForeignKeyConstraint(["replaced_by_id"], ["users.id"], name=op.f("fk_notice_versions_replaced_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_versions")),
        sa.UniqueConstraint("notice_id", "version", name="uq_notice_versions_notice_id_version"),
    )

    # Reads: a few counter rows per notice and day, never the notice row itself.
    op.create_table(
        "notice_read_counts",
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("count", BIGINT, nullable=False),
        _notice_fk("notice_read_counts"),
        sa.PrimaryKeyConstraint("notice_id", "day", "shard", name=op.f("pk_notice_read_counts")),
    )

    op.create_table(
        "notice_comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("section", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("moderated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("moderated_by_id", sa.Uuid(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("replied_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'published', 'hidden')", name=op.f("ck_notice_comments_status")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_notice_comments_device_id_devices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["moderated_by_id"], ["users.id"], name=op.f("fk_notice_comments_moderated_by_id_users")),
        _notice_fk("notice_comments"),
        sa.ForeignKeyConstraint(["replied_by_id"], ["users.id"], name=op.f("fk_notice_comments_replied_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_comments")),
    )
    op.create_index(op.f("ix_notice_comments_citizen_id"), "notice_comments", ["citizen_id"])
    op.create_index("ix_notice_comments_device", "notice_comments", ["device_id", "notice_id", "created_at"])
    op.create_index("ix_notice_comments_notice", "notice_comments", ["notice_id", "status", "created_at", "id"])


def downgrade() -> None:
    # The pg_trgm extension stays: other objects may use it, and it is harmless.
    for table in (
        "notice_comments",
        "notice_read_counts",
        "notice_versions",
        "notice_history",
        "notice_places",
        "notices",
    ):
        op.drop_table(table)
