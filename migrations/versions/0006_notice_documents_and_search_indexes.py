"""notice documents and search indexes

- attachments.notice_id: a PDF or image attached to a notice (public when the notice is); notices and
  notice_versions.attachment_ids: which of them each version shows, in order;
- a pg_trgm GIN index on feedback.search, so a big department's inbox search (`q`, LIKE '%…%' without
  diacritics) does not read every row of the department;
- an index on alert_indicators.domain, so scam-check on a site finds the links named on it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # Batch mode: SQLite adds a foreign key only by rebuilding the table.
    with op.batch_alter_table("attachments") as attachments:
        attachments.add_column(sa.Column("notice_id", sa.Uuid(), nullable=True))
        attachments.create_foreign_key(
            op.f("fk_attachments_notice_id_notices"), "notices", ["notice_id"], ["id"], ondelete="CASCADE"
        )
        attachments.create_index(op.f("ix_attachments_notice_id"), ["notice_id"])
    for table in ("notices", "notice_versions"):
        op.add_column(table, sa.Column("attachment_ids", JSON, server_default=sa.text("'[]'"), nullable=False))

    op.create_index(op.f("ix_alert_indicators_domain"), "alert_indicators", ["domain"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # made by 0003; kept explicit
        op.create_index(
            "ix_feedback_search_trgm",
            "feedback",
            ["search"],
            postgresql_using="gin",
            postgresql_ops={"search": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_feedback_search_trgm", table_name="feedback")
    op.drop_index(op.f("ix_alert_indicators_domain"), table_name="alert_indicators")
    for table in ("notice_versions", "notices"):
        op.drop_column(table, "attachment_ids")
    with op.batch_alter_table("attachments") as attachments:
        attachments.drop_index(op.f("ix_attachments_notice_id"))
        attachments.drop_constraint(op.f("fk_attachments_notice_id_notices"), type_="foreignkey")
        attachments.drop_column("notice_id")
