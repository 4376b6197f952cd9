"""claims

Claims citizens report, grouped per viral post (by canonical link or near-identical text), the devices
that asked about them, and the departments' fact-checks with their versions; screenshots are
attachments owned by a claim report.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.models import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIME = UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "claim_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("ward_code", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("needs_triage", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("devices", sa.Integer(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", TIME, nullable=False),
        sa.Column("last_reported_at", TIME, nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("fact_checked_at", TIME, nullable=True),
        sa.CheckConstraint("status IN ('open', 'fact_checked')", name=op.f("ck_claim_groups_status")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_claim_groups_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_groups")),
    )
    op.create_index(op.f("ix_claim_groups_department_id"), "claim_groups", ["department_id"])
    op.create_index(op.f("ix_claim_groups_first_seen_at"), "claim_groups", ["first_seen_at"])
    op.create_table(
        "claim_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("ward_code", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_search", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=1000), nullable=True),
        sa.Column("link_normalized", sa.String(length=1000), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.CheckConstraint(
            "platform IN ('zalo_group', 'facebook', 'tiktok', 'youtube', 'word_of_mouth', 'other')",
            name=op.f("ck_claim_reports_platform"),
        ),
        sa.CheckConstraint("text <> '' OR link IS NOT NULL", name=op.f("ck_claim_reports_text_or_link")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["claim_groups.id"],
            name=op.f("fk_claim_reports_group_id_claim_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_reports")),
    )
    for column in ("group_id", "device_id", "citizen_id", "link_normalized", "created_at"):
        op.create_index(op.f(f"ix_claim_reports_{column}"), "claim_reports", [column])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_claim_reports_text_search_trgm",
            "claim_reports",
            ["text_search"],
            postgresql_using="gin",
            postgresql_ops={"text_search": "gin_trgm_ops"},
        )
    op.create_table(
        "claim_interests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["claim_groups.id"],
            name=op.f("fk_claim_interests_group_id_claim_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_interests")),
        sa.UniqueConstraint("group_id", "device_id", name=op.f("uq_claim_interests_group_id")),
    )
    op.create_index(op.f("ix_claim_interests_group_id"), "claim_interests", ["group_id"])
    op.create_index(op.f("ix_claim_interests_citizen_id"), "claim_interests", ["citizen_id"])
    op.create_table(
        "fact_checks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("claim_reviewed", sa.Text(), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("sources", JSON, nullable=False),
        sa.Column("correction_notice_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("published_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "rating IN ('false', 'misleading', 'missing_context', 'true', 'unverifiable')",
            name=op.f("ck_fact_checks_rating"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["claim_groups.id"], name=op.f("fk_fact_checks_group_id_claim_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_fact_checks_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["correction_notice_id"],
            ["notices.id"],
            name=op.f("fk_fact_checks_correction_notice_id_notices"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"], name=op.f("fk_fact_checks_published_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_checks")),
        sa.UniqueConstraint("group_id", name=op.f("uq_fact_checks_group_id")),
    )
    op.create_index(op.f("ix_fact_checks_department_id"), "fact_checks", ["department_id"])
    op.create_index(op.f("ix_fact_checks_published_at"), "fact_checks", ["published_at"])
    op.create_table(
        "fact_check_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fact_check_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fact_check_id"],
            ["fact_checks.id"],
            name=op.f("fk_fact_check_versions_fact_check_id_fact_checks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_fact_check_versions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_check_versions")),
        sa.UniqueConstraint("fact_check_id", "version", name=op.f("uq_fact_check_versions_fact_check_id")),
    )
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("claim_report_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_attachments_claim_report_id_claim_reports"),
            "claim_reports",
            ["claim_report_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_attachments_claim_report_id"), ["claim_report_id"])


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_index(op.f("ix_attachments_claim_report_id"))
        batch.drop_constraint(op.f("fk_attachments_claim_report_id_claim_reports"), type_="foreignkey")
        batch.drop_column("claim_report_id")
    op.drop_table("fact_check_versions")
    op.drop_table("fact_checks")
    op.drop_table("claim_interests")
    op.drop_table("claim_reports")
    op.drop_table("claim_groups")
