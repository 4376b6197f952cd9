"""Citizens' scam reports, the "has this been reported?" check, and what editors make of them.

A report is routed like feedback of category `scam` (services.routing): to the department a routing
rule names for the reporter's place, else to the province's intake department flagged for triage. It
is never refused for want of a department: when the province has no intake department either, it
waits for the admins' triage queue (department_id NULL).
"""

import uuid
from datetime import timedelta

from sqlalchemy import and_, distinct, func, select, true
from sqlalchemy.orm import Session

from services import alerts, audit, indicators, routing
from services.db import transactional, utcnow
from services.errors import Conflict, Invalid, NotFound
from services.models import Alert, AlertIndicator, ScamReport
from services.pagination import Page, keyset_page
from services.principals import Principal
from services.targets import Targets

TOP_WINDOW = timedelta(days=7)
# How long a draft made from a report stays up once published, unless the editor changes it.
PROMOTED_ALERT_LIFETIME = timedelta(days=30)
PROMOTED_INSTRUCTION = "Không nghe máy, không bấm vào đường link, không chuyển tiền, không cung cấp mã OTP."
_TYPE_VI = {
    "phone": "số điện thoại",
    "url": "đường link",
    "domain": "trang web",
    "bank_account": "tài khoản ngân hàng",
    "social_account": "tài khoản mạng xã hội",
    "email": "địa chỉ email",
}


def _normalized(type_: str | None, value: str) -> indicators.Normalized:
    try:
        return indicators.normalize(type_ or indicators.guess(value), value)
    except indicators.BadIndicator as error:
        raise Invalid({"value": [str(error)]}) from None


def check(db: Session, value: str, type_: str | None = None) -> dict:
    """Whether anything is on record for `value`. Never "safe": no_reports only means nothing is known."""
    normalized = _normalized(type_, value)
    keys = indicators.lookup_keys(normalized)
    found = alerts.with_indicator(db, keys)
    reporters = _reporters(db, keys)
    links = []
    if normalized.type == "domain":
        named = {alert.id for alert in found}
        links = [
            alert
            for alert in alerts.naming_links_on(db, normalized.value, normalized.domain)
            if alert.id not in named
        ]
    return {
        "verdict": "reported" if found or reporters else "no_reports",
        "type": normalized.type,
        "normalized": normalized.value,
        "alerts": found,
        "links_on_this_site": links,
        "citizen_reports": reporters,
    }


def _reporters(db: Session, keys: list[str]) -> int:
    """Distinct devices that reported any of these values (one phone reporting ten times counts once)."""
    count = func.count(distinct(ScamReport.reporter_device_id))
    return db.scalar(select(count).where(ScamReport.normalized.in_(keys)))


@transactional
def report(db: Session, principal: Principal, data: dict) -> ScamReport:
    device = principal.require_device()
    normalized = _normalized(data["type"], data["value"])
    if data.get("happened_at") and data["happened_at"] > utcnow():
        raise Invalid({"happened_at": ["Cannot be in the future."]})
    route = routing.route_category(db, "scam", device.province_code, device.ward_code)
    scam_report = ScamReport(
        id=uuid.uuid4(),
        reporter_device_id=device.id,
        province_code=device.province_code,
        ward_code=device.ward_code,
        department_id=route.department.id if route else None,
        needs_triage=route.needs_triage if route else True,
        type=normalized.type,
        value=data["value"].strip(),
        normalized=normalized.value,
        domain=normalized.domain,
        description=data.get("description") or "",
        happened_at=data.get("happened_at"),
        channel=data.get("channel"),
        amount_lost_vnd=data.get("amount_lost_vnd"),
        status="new",
        created_at=utcnow(),
    )
    db.add(scam_report)
    return scam_report


def _in_reach(principal: Principal):
    """Admins see every report (and the triage queue); other staff their department's."""
    principal.require_staff()
    return true() if principal.is_admin else ScamReport.department_id == principal.department_id


def list_reports(db: Session, principal: Principal, *, needs_triage=None, cursor=None, limit=20) -> Page:
    stmt = select(ScamReport).where(_in_reach(principal))
    if needs_triage is not None:
        stmt = stmt.where(ScamReport.needs_triage.is_(needs_triage))
    return keyset_page(db, stmt, [ScamReport.created_at, ScamReport.id], cursor, limit, descending=True)


def get(db: Session, principal: Principal, report_id: uuid.UUID) -> ScamReport:
    found = db.scalar(select(ScamReport).where(ScamReport.id == report_id, _in_reach(principal)))
    if found is None:
        raise NotFound("No such scam report.")
    return found


def top(db: Session, principal: Principal, *, since=None, limit=20) -> dict:
    """Indicators ranked by how many distinct devices reported them since `since` (default: a week),
    each with its latest report (to promote) and whether a published alert already names it."""
    since = since or utcnow() - TOP_WINDOW
    scope = and_(_in_reach(principal), ScamReport.created_at >= since)
    devices = func.count(distinct(ScamReport.reporter_device_id))
    groups = db.execute(
        select(
            ScamReport.type,
            ScamReport.normalized,
            devices.label("devices"),
            func.count().label("reports"),
            func.sum(ScamReport.amount_lost_vnd).label("amount_lost_vnd"),
            func.min(ScamReport.created_at).label("first_reported_at"),
            func.max(ScamReport.created_at).label("last_reported_at"),
        )
        .where(scope)
        .group_by(ScamReport.type, ScamReport.normalized)
        .order_by(devices.desc(), func.count().desc(), ScamReport.normalized)
        .limit(limit)
    ).all()
    values = [group.normalized for group in groups]
    recency = func.row_number().over(
        partition_by=ScamReport.normalized, order_by=(ScamReport.created_at.desc(), ScamReport.id.desc())
    )
    newest = (
        select(ScamReport.normalized, ScamReport.id, recency.label("recency"))
        .where(scope, ScamReport.normalized.in_(values))
        .subquery()
    )
    latest = dict(db.execute(select(newest.c.normalized, newest.c.id).where(newest.c.recency == 1)).all())
    alerted = set(
        db.scalars(
            select(AlertIndicator.normalized)
            .join(Alert)
            .where(Alert.status == "published", AlertIndicator.normalized.in_(values))
        )
    )
    items = [
        {
            **group._asdict(),
            "latest_report_id": latest[group.normalized],
            "alerted": group.normalized in alerted,
        }
        for group in groups
    ]
    return {"since": since, "items": items}


@transactional
def promote(db: Session, principal: Principal, report_id: uuid.UUID) -> Alert:
    """A draft scam alert naming the report's indicator, for the editor to check and publish."""
    principal.require_staff("editor")
    scam_report = get(db, principal, report_id)
    if scam_report.status == "promoted":
        raise Conflict("This report already became an alert.", code="report_already_promoted")
    reporters = _reporters(db, [scam_report.normalized])
    what = _TYPE_VI[scam_report.type]
    draft = alerts.add_draft(
        db,
        principal,
        {
            "category": "scam",
            "headline": f"Cảnh báo lừa đảo: {what} {scam_report.normalized}"[:120],
            "description": f"{reporters} người dân đã báo cáo {what} {scam_report.normalized} là lừa đảo.",
            "instruction": PROMOTED_INSTRUCTION,
            "severity": "moderate",
            "urgency": "expected",
            "certainty": "likely",
            "targets": Targets(province_codes=(scam_report.province_code,)),
            "expires_at": utcnow() + PROMOTED_ALERT_LIFETIME,
            "department_id": scam_report.department_id if principal.is_admin else None,
            "indicators": [{"type": scam_report.type, "value": scam_report.value}],
        },
    )
    before = audit.snapshot(scam_report)
    scam_report.status = "promoted"
    scam_report.alert_id = draft.id
    audit.record(db, principal, "scam_report.promote", scam_report, before)
    return draft
