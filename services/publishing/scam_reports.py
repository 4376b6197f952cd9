"""Citizens' scam reports, the "has this been reported?" check, and what staff make of them.

A report is routed like feedback of category `scam` (services.directory.routing): to the department a routing
rule names for the reporter's place, else to the province's intake department flagged for triage. It
is never refused for want of a department: when the province has no intake department either, it
waits for the admins' triage queue (department_id NULL).

Only officials mark a value: scam-check's verdict is `reported` only when a published alert names it.
What citizens say is unverified and anyone can register devices, so reports show only as a count of
distinct devices, from SCAM_REPORT_THRESHOLD of them on, never for an allow-listed value
(services.publishing.trusted_indicators), and without the reports staff dismissed.
"""

import uuid
from collections.abc import Iterable
from datetime import timedelta
from operator import attrgetter

from sqlalchemy import and_, distinct, func, select, true
from sqlalchemy.orm import Session

from services import events
from services.core import states
from services.core.db import transactional, utcnow
from services.core.errors import Conflict, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.core.targets import Targets
from services.directory import routing
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import Alert, AlertIndicator, ScamReport
from services.publishing import alerts, indicators, trusted_indicators

TOP_WINDOW = timedelta(days=7)
# A device reporting the same value again within this window is told it already did (409).
REPEAT_WINDOW = timedelta(days=1)
# new → confirmed → promoted (to a draft alert; an editor may also promote a new report at once);
# new or confirmed → dismissed with a reason; a dismissal can be reversed by confirming.
TRANSITIONS = {
    "new": ("confirmed", "dismissed", "promoted"),
    "confirmed": ("dismissed", "promoted"),
    "dismissed": ("confirmed",),
    "promoted": (),
}
OPEN = ("new", "confirmed")
VERBS = {"confirmed": "confirm", "dismissed": "dismiss"}
# Officers and editors of the report's department moderate (admins: every report); promoting takes an editor.
MODERATORS = ("editor", "officer")
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


def check(
    db: Session, value: str, type_: str | None = None, *, threshold: int, shared_platforms: Iterable[str]
) -> dict:
    """What is on record for `value`. Never "safe": no_reports only means no published alert names it."""
    normalized = _normalized(type_, value)
    keys = indicators.lookup_keys(normalized)
    trusted = trusted_indicators.covering(db, [normalized]).get(normalized)
    found = alerts.with_indicator(db, keys)
    links = []
    if normalized.type == "domain":
        # An alert naming a link on the site reports the site too, unless the link is on a shared
        # platform (its other pages are other people's) or the site is allow-listed.
        named = {alert.id for alert in found}
        for alert, urls in alerts.naming_links_on(db, normalized.value, normalized.domain):
            if alert.id in named:
                continue
            reports_site = trusted is None and not all(
                indicators.on_shared_platform(url, normalized.value, shared_platforms) for url in urls
            )
            (found if reports_site else links).append(alert)
        found.sort(key=attrgetter(*(column.key for column in alerts.ORDER)), reverse=True)
    reporters = 0 if trusted else _reporters(db, keys)
    return {
        "verdict": "reported" if found else "no_reports",
        "type": normalized.type,
        "normalized": normalized.value,
        "trusted": trusted is not None,
        "trusted_note": trusted.note if trusted else None,
        "alerts": found,
        "links_on_this_site": links,
        "unverified_citizen_reports": reporters if reporters >= threshold else 0,
    }


def _reporters(db: Session, keys: list[str]) -> int:
    """Distinct devices that reported any of these values (one phone reporting ten times counts once),
    leaving out reports staff dismissed."""
    count = func.count(distinct(ScamReport.reporter_device_id))
    return db.scalar(select(count).where(ScamReport.normalized.in_(keys), ScamReport.status != "dismissed"))


@transactional
def report(db: Session, principal: Principal, data: dict) -> ScamReport:
    policy.require(principal, "scam_reports.submit")
    device = principal.device
    normalized = _normalized(data["type"], data["value"])
    repeat = select(ScamReport.id).where(
        ScamReport.normalized == normalized.value,
        ScamReport.type == normalized.type,
        ScamReport.reporter_device_id == device.id,
        ScamReport.created_at > utcnow() - REPEAT_WINDOW,
    )
    if db.scalar(repeat.limit(1)) is not None:
        raise Conflict("This device already reported this value today.", code="already_reported")
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
    events.emit(db, "scam_report.created", scam_report, {"type": scam_report.type})
    return scam_report


def _in_reach(principal: Principal):
    """Admins see every report (and the triage queue); other staff their department's."""
    policy.require(principal, "scam_reports.read")
    return true() if principal.is_admin else ScamReport.department_id == principal.department_id


def list_reports(
    db: Session, principal: Principal, *, needs_triage=None, status=None, cursor=None, limit=20
) -> Page:
    stmt = select(ScamReport).where(_in_reach(principal))
    if needs_triage is not None:
        stmt = stmt.where(ScamReport.needs_triage.is_(needs_triage))
    if status is not None:
        stmt = stmt.where(ScamReport.status == status)
    return keyset_page(db, stmt, [ScamReport.created_at, ScamReport.id], cursor, limit, descending=True)


def get(db: Session, principal: Principal, report_id: uuid.UUID) -> ScamReport:
    found = db.scalar(select(ScamReport).where(ScamReport.id == report_id, _in_reach(principal)))
    if found is None:
        raise NotFound("No such scam report.")
    return found


def top(db: Session, principal: Principal, *, since=None, limit=20) -> dict:
    """Indicators ranked by how many distinct devices reported them since `since` (default: a week),
    dismissed reports left out, each with its latest report (to promote), whether a published alert
    already names it and whether it is allow-listed."""
    since = since or utcnow() - TOP_WINDOW
    scope = and_(_in_reach(principal), ScamReport.created_at >= since, ScamReport.status != "dismissed")
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
    trusted = trusted_indicators.covering(db, [indicators.Normalized(g.type, g.normalized) for g in groups])
    items = [
        {
            **group._asdict(),
            "latest_report_id": latest[group.normalized],
            "alerted": group.normalized in alerted,
            "trusted": indicators.Normalized(group.type, group.normalized) in trusted,
        }
        for group in groups
    ]
    return {"since": since, "items": items}


# ---------------------------------------------------------------- moderation


def check_transition(scam_report: ScamReport, to: str) -> None:
    states.require_move(TRANSITIONS, "A scam report", scam_report.status, to)


@transactional
def moderate(db: Session, principal: Principal, report_id: uuid.UUID, data: dict) -> ScamReport:
    """Confirm or dismiss a report, and with it the department's other open (new or confirmed) reports of
    the same value that can make the same move — or, reversing a dismissal, its other dismissed ones.
    Staff judge the value, which is what the counts, the top list and scam-check show, so a campaign of
    forty reports is dismissed once, not forty times. Reports that arrive later start as new again (a
    number can change hands); for a legitimate value the lasting answer is the allow-list. Each report
    changed is audited."""
    policy.require(principal, "scam_reports.moderate")
    scam_report = get(db, principal, report_id)
    to = data["to"]
    check_transition(scam_report, to)
    alike = ("dismissed",) if scam_report.status == "dismissed" else OPEN
    same_value = db.scalars(
        select(ScamReport)
        .where(
            ScamReport.normalized == scam_report.normalized,
            ScamReport.type == scam_report.type,
            ScamReport.department_id.is_not_distinct_from(scam_report.department_id),
            ScamReport.status.in_([status for status in alike if to in TRANSITIONS[status]]),
        )
        .order_by(ScamReport.created_at, ScamReport.id)
    )
    now = utcnow()
    for each in same_value:
        before = audit.snapshot(each)
        each.status = to
        each.moderated_at = now
        each.moderated_by_id = principal.user.id
        each.dismiss_reason = data.get("reason")
        each.moderation_note = data.get("note")
        audit.record(db, principal, f"scam_report.{VERBS[to]}", each, before)
    return scam_report


@transactional
def promote(db: Session, principal: Principal, report_id: uuid.UUID) -> Alert:
    """A draft scam alert naming the report's indicator, for the editor to check and publish."""
    policy.require(principal, "scam_reports.promote")
    scam_report = get(db, principal, report_id)
    check_transition(scam_report, "promoted")
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
    scam_report.moderated_at = utcnow()
    scam_report.moderated_by_id = principal.user.id
    audit.record(db, principal, "scam_report.promote", scam_report, before)
    return draft
