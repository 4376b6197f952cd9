"""How departments answer citizens' feedback: received, answered on time or late, time to the first
answer in working hours, transfers, reopenings, ratings, what is overdue now; per department (ranked on
the on-time share), category, commune and week.

Which feedback counts: that received in the period (Asia/Ho_Chi_Minh days), with the department that
holds it now. That department's clock starts when it got the feedback (received, or its latest
transfer in); its first answer after that is timed in working hours and is on time when it comes by the
deadline the category gives from that start. `late` counts answers after the deadline and feedback still
unanswered past it, so that on-time and late shares add up to 1 and silence never ranks well.
One query reads a row per feedback with its clock and first answer; the deadlines, working hours and sums
are Python's (working hours are not SQL). A period is at most two years of a province's feedback.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from services.core import areas
from services.core.db import read_rows, utcnow
from services.core.deadlines import LOCAL, working_hours_between
from services.feedback import workflow
from services.models import Category, Department, Feedback, FeedbackEvent, FeedbackReply
from services.models.feedback import OPEN_STATUSES
from services.reports import figures
from services.reports.scope import Scope


@dataclass
class Item:
    """One feedback as the report sees it."""

    department_id: uuid.UUID
    category_id: uuid.UUID
    ward_code: int | None
    received_at: datetime
    rating: int | None
    overdue: bool  # open and past its deadline now
    clock: datetime  # when the department that holds it got it
    first_answer_at: datetime | None = None
    deadline: datetime | None = None  # of the first answer
    hours_to_answer: float | None = None  # working hours from the clock's start to the first answer
    reopened: bool = False


def summary(items: list[Item]) -> dict:
    """The figures of a group of feedback."""
    answered = [i for i in items if i.first_answer_at is not None]
    on_time = sum(i.first_answer_at <= i.deadline for i in answered)
    late_answers = len(answered) - on_time
    silent_overdue = sum(i.overdue and i.first_answer_at is None for i in items)
    due = len(answered) + silent_overdue
    hours = [i.hours_to_answer for i in answered]
    ratings = [i.rating for i in items if i.rating is not None]
    reopened = sum(i.reopened for i in items)
    return {
        "received": len(items),
        "answered": len(answered),
        "answered_on_time": on_time,
        "answered_late": late_answers,
        "overdue": sum(i.overdue for i in items),
        "on_time_share": figures.share(on_time, due),
        "late_share": figures.share(late_answers + silent_overdue, due),
        "median_hours_to_answer": figures.median(hours),
        "p90_hours_to_answer": figures.percentile(hours, 90),
        "reopened": reopened,
        "reopen_rate": figures.share(reopened, len(answered)),
        "rated": len(ratings),
        "average_rating": figures.mean(ratings),
    }


def items(db: Session, scope: Scope) -> list[Item]:
    """The feedback received in the scope, with its department's clock, first answer and deadline: one
    query, one row per feedback (a period holds up to two years of a province's feedback)."""
    where = [
        Feedback.received_at >= scope.start,
        Feedback.received_at < scope.end,
        scope.departments(Feedback.department_id),
    ]
    if scope.province_code is not None:
        where.append(Feedback.province_code == scope.province_code)
    # A feedback's steps come after it was received: steps before the period are none of its feedback's,
    # and the timeline's index reads from the period's start, not through years of history.
    since = FeedbackEvent.at >= scope.start
    # The latest transfer into the department that holds it restarts that department's clock.
    transfers_in = (
        select(
            FeedbackEvent.feedback_id,
            FeedbackEvent.department_id,
            func.max(FeedbackEvent.at).label("at"),
        )
        .where(FeedbackEvent.kind == "transferred", since)
        .group_by(FeedbackEvent.feedback_id, FeedbackEvent.department_id)
        .subquery()
    )
    clock = case(
        (transfers_in.c.at > Feedback.received_at, transfers_in.c.at), else_=Feedback.received_at
    ).label("clock")
    first_answer = (
        select(func.min(FeedbackReply.created_at))
        .where(
            FeedbackReply.feedback_id == Feedback.id,
            FeedbackReply.department_id == Feedback.department_id,
            FeedbackReply.created_at >= clock,
        )
        .scalar_subquery()
    )
    reopened = (
        select(FeedbackEvent.id)
        .where(FeedbackEvent.feedback_id == Feedback.id, FeedbackEvent.kind == "reopened", since)
        .exists()
    )
    stmt = (
        select(
            Feedback.department_id,
            Feedback.category_id,
            Feedback.ward_code,
            Feedback.received_at,
            Feedback.rating_score,
            (Feedback.status.in_(OPEN_STATUSES) & (Feedback.due_at < utcnow())).label("overdue"),
            clock,
            first_answer.label("first_answer_at"),
            reopened.label("reopened"),
        )
        .outerjoin(
            transfers_in,
            (transfers_in.c.feedback_id == Feedback.id)
            & (transfers_in.c.department_id == Feedback.department_id),
        )
        .where(*where)
    )
    categories = {c.id: c for c in db.scalars(select(Category))}
    found = []
    # Core rows: the ORM's loading would cost more than the rest of the report.
    for row in read_rows(db, stmt, {}):
        item = Item(
            department_id=row.department_id,
            category_id=row.category_id,
            ward_code=row.ward_code,
            received_at=row.received_at,
            rating=row.rating_score,
            overdue=bool(row.overdue),
            clock=row.clock,
            first_answer_at=row.first_answer_at,
            reopened=bool(row.reopened),
        )
        if item.first_answer_at is not None:
            item.deadline = workflow.due_at(categories[item.category_id], item.clock)
            item.hours_to_answer = working_hours_between(item.clock, item.first_answer_at)
        found.append(item)
    return found


def transfers(db: Session, scope: Scope) -> tuple[dict, dict]:
    """Transfers made in the period: (in, out) counts per department id. A transfer event names the
    receiving department; the giving one is the department of the step before it."""
    step, before = aliased(FeedbackEvent), aliased(FeedbackEvent)
    giver = (
        select(before.department_id)
        .where(before.feedback_id == step.feedback_id, before.id < step.id)
        .order_by(before.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(step.department_id, giver)
        .join(Feedback, Feedback.id == step.feedback_id)
        .where(step.kind == "transferred", step.at >= scope.start, step.at < scope.end)
    )
    if scope.province_code is not None:
        stmt = stmt.where(Feedback.province_code == scope.province_code)
    received, given = defaultdict(int), defaultdict(int)
    for to_department, from_department in db.execute(stmt):
        received[to_department] += 1
        given[from_department] += 1
    return received, given


# The lists of rows in the report (its CSV has one table: services/reports/table.py).
SECTIONS = ("departments", "categories", "communes", "weeks")


def report(db: Session, scope: Scope, on_time_target: float | None = None) -> dict:
    """The figures of the scope; `on_time_target` is the province's target on-time share, said with them
    for those who draw it (the setting REPORT_ON_TIME_TARGET)."""
    found = items(db, scope)
    transfers_in, transfers_out = transfers(db, scope)
    return {
        "from": scope.first_day,
        "to": scope.last_day,
        "on_time_target": on_time_target,
        "departments": department_rows(db, scope, found, transfers_in, transfers_out),
        "categories": _category_rows(db, found),
        "communes": _commune_rows(found),
        "weeks": _week_rows(found),
    }


def department_rows(db: Session, scope: Scope, found: list[Item], transfers_in=None, transfers_out=None):
    """Every active department in the scope (and any other that holds feedback of it), ranked on the
    on-time share (best first; equal shares share a rank; no share yet: last, unranked)."""
    by_department = _grouped(found, lambda i: i.department_id)
    stmt = select(Department).where(scope.departments(Department.id))
    if scope.province_code is not None:
        stmt = stmt.where(Department.province_code == scope.province_code)
    departments = {d.id: d for d in db.scalars(stmt.where(Department.active))}
    missing = set(by_department) - set(departments)
    departments.update((d.id, d) for d in db.scalars(select(Department).where(Department.id.in_(missing))))
    rows = []
    for department in departments.values():
        row = {
            "key": department.code,
            "name": department.name,
            **summary(by_department.get(department.id, [])),
        }
        if transfers_in is not None:
            row["transfers_in"] = transfers_in.get(department.id, 0)
            row["transfers_out"] = transfers_out.get(department.id, 0)
        rows.append(row)
    rows.sort(
        key=lambda r: (r["on_time_share"] is None, -(r["on_time_share"] or 0), -r["received"], r["key"])
    )
    for position, row in enumerate(rows, 1):
        share = row["on_time_share"]
        tied = [r["rank"] for r in rows[: position - 1] if r["on_time_share"] == share]
        row["rank"] = None if share is None else (tied[0] if tied else position)
    return rows


def _grouped(found: list[Item], key) -> dict:
    groups = defaultdict(list)
    for item in found:
        groups[key(item)].append(item)
    return groups


def _category_rows(db: Session, found: list[Item]) -> list[dict]:
    groups = _grouped(found, lambda i: i.category_id)
    categories = db.scalars(select(Category).where(Category.id.in_(groups))).all()
    rows = [{"key": c.code, "name": c.name_vi, **summary(groups[c.id])} for c in categories]
    return sorted(rows, key=lambda r: r["key"])


def _commune_rows(found: list[Item]) -> list[dict]:
    groups = _grouped(found, lambda i: i.ward_code)
    rows = []
    for code, group in sorted(groups.items(), key=lambda pair: (pair[0] is None, pair[0] or 0)):
        ward = areas.ward(code) if code is not None else None
        rows.append(
            {"key": "" if code is None else str(code), "name": ward.name if ward else None, **summary(group)}
        )
    return rows


def _week_rows(found: list[Item]) -> list[dict]:
    """ISO weeks of receipt in Việt Nam, keyed like 2026-W45 and named by their Monday."""

    def monday(item: Item):
        day = item.received_at.astimezone(LOCAL).date()
        return day - timedelta(days=day.weekday())

    groups = _grouped(found, monday)
    rows = []
    for start in sorted(groups):
        year, week, _ = start.isocalendar()
        rows.append({"key": f"{year}-W{week:02d}", "name": start.isoformat(), **summary(groups[start])})
    return rows
