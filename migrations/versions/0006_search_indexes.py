"""search indexes: a pg_trgm GIN index on feedback.search, so a big department's inbox search (`q`,
LIKE '%…%' without diacritics) does not read every row of the department; an index on
alert_indicators.domain, so scam-check on a site finds the links named on it

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
