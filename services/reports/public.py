"""The public ranking (what the 1022 portals publish): each department's on-time share, answered count
and average rating over the last 90 days, best first. Anyone may read it; the figures are those of the
feedback report, so the two never disagree."""

from sqlalchemy.orm import Session

from services.reports import feedback
from services.reports.scope import last_days

PUBLIC_FIELDS = ("rank", "key", "name", "received", "answered", "on_time_share", "average_rating")


def departments(db: Session) -> dict:
    scope = last_days()
    rows = feedback.department_rows(db, scope, feedback.items(db, scope))
    return {
        "from": scope.first_day,
        "to": scope.last_day,
        "departments": [{field: row[field] for field in PUBLIC_FIELDS} for row in rows if row["received"]],
    }
