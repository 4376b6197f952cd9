"""A department's feedback of one status, and its open feedback, are read through indexes that hold them
in the inbox's order, past years of closed feedback, also once the connection has prepared the inbox's
statement (a generic plan, which knows no parameter's value): what keeps the inbox's first page as fast
at a million rows as at ten thousand (bench/feedback_growth.py)."""

import re

import pytest

from services.feedback import intake, workflow
from services.identity.principals import Caller, Principal
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit
from tests.sql_plans import sent_statements

pytestmark = pytest.mark.usefixtures("road_form")


def generic_plan(db, sql: str, params: dict) -> str:
    """The plan PostgreSQL keeps for a prepared statement, whatever values it is given."""
    order: list[str] = []

    def number(match):
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${order.index(match.group(1)) + 1}"

    numbered = re.sub(r"%\((\w+)\)s", number, sql)
    connection = db.connection()
    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    connection.exec_driver_sql(f"PREPARE inbox_page AS {numbered}")
    values = ", ".join(f"'{params[name]}'" for name in order)  # uuids, statuses, numbers: no quotes in them
    rows = connection.exec_driver_sql(f"EXPLAIN (COSTS OFF) EXECUTE inbox_page({values})")
    plan = "\n".join(row[0] for row in rows)
    connection.exec_driver_sql("DEALLOCATE inbox_page")
    return plan


@pytest.fixture
def first(citizen, sql) -> dict:
    """A new submission behind 5,000 older of its department: 10 forgotten (received, long past their
    deadline), the rest closed."""
    first = submit(citizen)
    sql(
        """
        INSERT INTO feedback (id, tracking_code, form_id, form_version_id, category_id, citizen_id,
            department_id, needs_triage, status, priority, answers, search, province_code, anonymous,
            received_at, due_at, public, created_at, updated_at)
        SELECT md5('old' || i)::uuid, 'PA-2001-' || lpad(i::text, 6, '0'), form_id, form_version_id,
            category_id, citizen_id, department_id, false, CASE WHEN i % 500 = 0 THEN 'received' ELSE
            'closed' END, priority, answers, search, province_code, false, received_at - make_interval(days
            => i), due_at - make_interval(days => i), false, created_at, updated_at
        FROM feedback, generate_series(1, 5000) AS i WHERE id = :id
        """,
        id=first["id"],
    )
    sql("ANALYZE feedback")
    return first


def test_new_feedback_is_read_through_the_open_index_past_thousands_of_closed(
    staff, first, department_a, database, db
):
    officer = Principal(Caller.STAFF, user=staff["officer_a"].principal)

    def first_page(status) -> tuple[list[str], str]:
        """The page's tracking codes, and the plan its statement keeps once prepared."""
        with sent_statements(database.engine) as sent:
            page = intake.inbox(db, officer, department_a.id, status=status, limit=5)
        query, params = next((s, p) for s, p in sent if s.lstrip().startswith("SELECT") and "ORDER BY" in s)
        return [item.tracking_code for item in page.items], generic_plan(db, query, params)

    # The forgotten ones first (oldest due), then the new one: the same answers as without the indexes.
    forgotten = [f"PA-2001-{i:06d}" for i in (5000, 4500, 4000, 3500, 3000)]
    codes, plan = first_page("received")
    assert codes == forgotten
    assert "ix_feedback_status_inbox" in plan
    codes, plan = first_page(workflow.OPEN)  # the console's default list
    assert codes == forgotten
    assert "ix_feedback_open_inbox" in plan


def test_the_overdue_pass_and_count_read_the_open_feedback_alone_once_prepared(first, database, db):
    """The worker's overdue pass and the metrics' overdue count run every few minutes, on connections
    that soon prepare them: their generic plans, too, read the open feedback's indexes, never the
    closed history."""
    with sent_statements(database.engine) as sent:
        assert workflow.announce_overdue(db) == 10
        assert workflow.overdue_count(db) == 10
    pass_, count = (
        next((s, p) for s, p in sent if s.lstrip().startswith("SELECT") and marker in s)
        for marker in ("FOR UPDATE", "count(*)")
    )
    assert "ix_feedback_overdue" in generic_plan(db, *pass_)
    assert "ix_feedback_open_inbox" in generic_plan(db, *count)
