"""Alerts: how many were published by category and severity; how long after a citizen first reported a
scam indicator the alert naming it went out (wall-clock hours: scams keep no office hours); what
became of their deliveries (push and webhooks), by channel and outcome; and per ISO week, the scam
reports citizens sent, the alerts published and the median hours from report to alert.

Alerts count when published in the period (a cancelled one too), for the departments in scope (an alert
of no department counts only for those who see every department) and, with a province, when they were
for a place in it (the province, one of its wards, or the whole country). Scam reports count when sent
in the period, for the departments in scope (one waiting for triage, of no department, only for those
who see every department) and, with a province, when sent from it.
"""

import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.core.deadlines import LOCAL
from services.core.targets import reaching
from services.models import Alert, AlertIndicator, AlertPlace, ScamReport
from services.models.alerts import ALERT_CATEGORIES, SEVERITIES
from services.models.outbox import DELIVERY_STATUSES
from services.reports import deliveries, figures
from services.reports.scope import Scope

# The lists of rows in the report (its CSV has one table: services/reports/table.py).
SECTIONS = ("by_category_severity", "reported_indicators", "deliveries", "weeks")


def report(db: Session, scope: Scope) -> dict:
    alerts = _alerts(db, scope)
    counts = Counter((a.category, a.severity) for a in alerts)
    lead_times = _lead_times(db, alerts)
    hours = [row["hours"] for row in lead_times]
    reported = _scam_reports(db, scope)
    return {
        "from": scope.first_day,
        "to": scope.last_day,
        "alerts": len(alerts),
        "by_category_severity": [
            {"category": category, "severity": severity, "alerts": counts[category, severity]}
            for category in ALERT_CATEGORIES
            for severity in SEVERITIES
            if counts[category, severity]
        ],
        "median_hours_report_to_alert": figures.median(hours),
        "p90_hours_report_to_alert": figures.percentile(hours, 90),
        "reported_indicators": lead_times,
        "deliveries": _deliveries(db, alerts),
        "scam_reports": len(reported),
        "weeks": _week_rows(scope, alerts, lead_times, reported),
    }


def _alerts(db: Session, scope: Scope) -> list[Alert]:
    stmt = (
        select(Alert)
        .where(Alert.published_at >= scope.start, Alert.published_at < scope.end)
        .order_by(Alert.published_at, Alert.id)
    )
    if scope.department_ids is not None:
        stmt = stmt.where(Alert.department_id.in_(scope.department_ids))
    if scope.province_code is not None:
        places = select(AlertPlace.alert_id).where(reaching(AlertPlace, scope.province_code, None))
        stmt = stmt.where(Alert.id.in_(places))
    return list(db.scalars(stmt))


def _scam_reports(db: Session, scope: Scope) -> list:
    """When each scam report of the scope was sent."""
    stmt = select(ScamReport.created_at).where(
        ScamReport.created_at >= scope.start, ScamReport.created_at < scope.end
    )
    if scope.department_ids is not None:
        stmt = stmt.where(ScamReport.department_id.in_(scope.department_ids))
    if scope.province_code is not None:
        stmt = stmt.where(ScamReport.province_code == scope.province_code)
    return list(db.scalars(stmt))


def _monday(moment) -> date:
    day = moment.astimezone(LOCAL).date()
    return day - timedelta(days=day.weekday())


def _week_rows(scope: Scope, alerts: list[Alert], lead_times: list[dict], reported: list) -> list[dict]:
    """Every ISO week the period touches (a quiet week is a row of zeros, so that a line over the weeks
    does not skip it), keyed like 2026-W45 and named by its Monday: scam reports sent, alerts published,
    and the median hours from a first report to the alerts of the week."""
    reports, published, hours = Counter(map(_monday, reported)), Counter(), defaultdict(list)
    for alert in alerts:
        published[_monday(alert.published_at)] += 1
    for row in lead_times:
        hours[_monday(row["published_at"])].append(row["hours"])
    rows, monday = [], scope.first_day - timedelta(days=scope.first_day.weekday())
    while monday <= scope.last_day:
        year, week, _ = monday.isocalendar()
        rows.append(
            {
                "key": f"{year}-W{week:02d}",
                "name": monday.isoformat(),
                "scam_reports": reports[monday],
                "alerts": published[monday],
                "median_hours_report_to_alert": figures.median(hours[monday]),
            }
        )
        monday += timedelta(days=7)
    return rows


def _lead_times(db: Session, alerts: list[Alert]) -> list[dict]:
    """Each indicator of the alerts that citizens had reported before the alert went out: the first
    report and the hours from it to the alert."""
    first_report = (
        select(func.min(ScamReport.created_at))
        .where(
            ScamReport.type == AlertIndicator.type,
            ScamReport.normalized == AlertIndicator.normalized,
            ScamReport.created_at <= Alert.published_at,
        )
        .scalar_subquery()
    )
    rows = db.execute(
        select(
            Alert.id,
            Alert.headline,
            Alert.published_at,
            AlertIndicator.type,
            AlertIndicator.value,
            first_report,
        )
        .join(AlertIndicator, AlertIndicator.alert_id == Alert.id)
        .where(Alert.id.in_([a.id for a in alerts]))
        .order_by(Alert.published_at, Alert.id, AlertIndicator.position)
    )
    return [
        {
            "alert_id": alert_id,
            "headline": headline,
            "indicator_type": type_,
            "indicator": value,
            "first_reported_at": reported_at,
            "published_at": published_at,
            "hours": round((published_at - reported_at).total_seconds() / 3600, 2),
        }
        for alert_id, headline, published_at, type_, value, reported_at in rows
        if reported_at is not None
    ]


def _deliveries(db: Session, alerts: list[Alert]) -> list[dict]:
    """Deliveries of the alerts' events (published, updated, cancelled) by channel and outcome."""
    rows = db.execute(deliveries.counts("alert", [a.id for a in alerts]))
    counts = {(channel, status): count for channel, status, count in rows}
    return [
        {"channel": channel, "status": status, "deliveries": counts[channel, status]}
        for channel in sorted({channel for channel, _ in counts})
        for status in DELIVERY_STATUSES
        if (channel, status) in counts
    ]


def deliveries_by_alert(db: Session, alert_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Counter]]:
    """{alert id: {channel: Counter(status → deliveries)}} for a page of alerts (the console's list)."""
    return deliveries.by_subject(db, "alert", alert_ids)
