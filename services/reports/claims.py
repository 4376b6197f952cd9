"""Claims: how many citizens reported per ISO week, how long from a claim's first report to its
fact-check (wall-clock hours: false information keeps no office hours), and the share of claim groups
answered within their deadline — in all and per department.

Reports count when sent in the period; claim groups when first seen in it. A group is answered on time
when its fact-check was published by its deadline (CLAIM_DEADLINE_WORKING_DAYS working days, sooner when
urgent); the share is over the groups that were answered or whose deadline has passed (a group still
within its deadline is not yet late). Departments in scope as elsewhere; a group no department holds
counts only for those who see every department; with a province, claims reported there.
"""

from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.db import utcnow
from services.models import ClaimGroup, ClaimReport, Department, FactCheck
from services.reports import figures
from services.reports.alerts import _monday
from services.reports.scope import Scope

SECTIONS = ("departments", "weeks")


def report(db: Session, scope: Scope) -> dict:
    reports = _reports(db, scope)
    groups = _groups(db, scope)
    now = utcnow()
    by_department = defaultdict(list)
    for row in groups:
        by_department[row.department_id].append(row)
    reported = Counter(department_id for _, department_id in reports)
    names = dict(db.execute(select(Department.id, Department.name)).all())
    codes = dict(db.execute(select(Department.id, Department.code)).all())
    departments = [
        {
            "key": codes[department_id],
            "name": names[department_id],
            "claims_reported": reported[department_id],
            **_figures(rows, now),
        }
        for department_id, rows in by_department.items()
        if department_id is not None
    ]
    departments.sort(key=lambda row: (-row["claim_groups"], row["key"]))
    return {
        "from": scope.first_day,
        "to": scope.last_day,
        "claims_reported": len(reports),
        **_figures(groups, now),
        "departments": departments,
        "weeks": _weeks(scope, reports, groups),
    }


def _reports(db: Session, scope: Scope) -> list:
    """(when, department) of each claim report sent in the period."""
    stmt = (
        select(ClaimReport.created_at, ClaimGroup.department_id)
        .join(ClaimGroup, ClaimGroup.id == ClaimReport.group_id)
        .where(ClaimReport.created_at >= scope.start, ClaimReport.created_at < scope.end)
    )
    if scope.department_ids is not None:
        stmt = stmt.where(ClaimGroup.department_id.in_(scope.department_ids))
    if scope.province_code is not None:
        stmt = stmt.where(ClaimReport.province_code == scope.province_code)
    return db.execute(stmt).all()


def _groups(db: Session, scope: Scope) -> list:
    """Each group first seen in the period, with its deadline and its fact-check's time."""
    stmt = (
        select(
            ClaimGroup.department_id,
            ClaimGroup.first_seen_at,
            ClaimGroup.due_at,
            FactCheck.published_at,
        )
        .outerjoin(FactCheck, FactCheck.group_id == ClaimGroup.id)
        .where(ClaimGroup.first_seen_at >= scope.start, ClaimGroup.first_seen_at < scope.end)
    )
    if scope.department_ids is not None:
        stmt = stmt.where(ClaimGroup.department_id.in_(scope.department_ids))
    if scope.province_code is not None:
        stmt = stmt.where(ClaimGroup.province_code == scope.province_code)
    return db.execute(stmt).all()


def _figures(groups: list, now) -> dict:
    checked = [g for g in groups if g.published_at is not None]
    decided = [g for g in groups if g.published_at is not None or g.due_at < now]
    hours = [(g.published_at - g.first_seen_at) / timedelta(hours=1) for g in checked]
    on_time = sum(1 for g in checked if g.published_at <= g.due_at)
    return {
        "claim_groups": len(groups),
        "fact_checked": len(checked),
        "median_hours_first_report_to_fact_check": figures.median(hours),
        "answered_within_deadline": figures.share(on_time, len(decided)),
    }


def _weeks(scope: Scope, reports: list, groups: list) -> list[dict]:
    """Every ISO week the period touches, named by its Monday: claims reported, fact-checks published on
    the period's groups."""
    sent = Counter(_monday(at) for at, _ in reports)
    checked = Counter(_monday(g.published_at) for g in groups if g.published_at is not None)
    rows, monday = [], scope.first_day - timedelta(days=scope.first_day.weekday())
    while monday <= scope.last_day:
        year, week, _ = monday.isocalendar()
        rows.append(
            {
                "key": f"{year}-W{week:02d}",
                "name": monday.isoformat(),
                "claims_reported": sent[monday],
                "fact_checks": checked[monday],
            }
        )
        monday += timedelta(days=7)
    return rows
