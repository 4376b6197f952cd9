"""What events and the outbox need from webhooks: which webhooks an event goes to and in which shape;
where a delivery goes at send time (`resolve`); what a delivery's outcome does to its webhook
(`recorded`: a long enough run of failures disables it, a success ends the run)."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from schemas.alerts import AlertSchema
from schemas.bulletins import BulletinSchema
from schemas.claims import ClaimGroupSchema, ClaimReportSchema, FactCheckSchema
from schemas.consultation import CommentSchema
from schemas.feedback import FeedbackStaffSchema
from schemas.notices import NoticeSchema
from schemas.scam_reports import ScamReportSchema
from services.core.db import utcnow
from services.identity import audit
from services.identity.principals import SYSTEM
from services.models import Webhook
from services.outbox.channels.base import Result
from services.publishing.notices import localize
from services.webhooks.registry import disable

# `data` of a delivery: the subject as the API shows it to the department (feedback as staff see it).
SHAPES = {
    "feedback": lambda feedback: FeedbackStaffSchema().dump(feedback),
    "alert": lambda alert: AlertSchema().dump(alert),
    "notice": lambda notice: NoticeSchema().dump(localize(notice)),
    "comment": lambda comment: CommentSchema().dump(comment),
    "scam_report": lambda report: ScamReportSchema().dump(report),
    "claim_report": lambda report: ClaimReportSchema().dump(report),
    "fact_check": lambda fact_check: FactCheckSchema().dump(fact_check),
    "claim_group": lambda group: ClaimGroupSchema().dump(group),  # claim_group.transferred
    "bulletin": lambda bulletin: BulletinSchema().dump(bulletin),  # bulletin.ready, for radio systems
}


@dataclass(frozen=True)
class DisableAfter:
    """WEBHOOK_DISABLE_AFTER_FAILURES failed attempts in a row, over at least WEBHOOK_DISABLE_AFTER_HOURS."""

    failures: int = 20
    hours: float = 24


def subscribed(db: Session, event) -> list[uuid.UUID]:
    """Ids of the active webhooks subscribed to `event`: those without a department, and those of the
    event's departments (feedback's handling department and, on a transfer, the one it left; the
    issuing department of an alert or notice).
    Two columns, not the rows: every submission asks, and most find none."""
    mine = Webhook.department_id.in_(event.departments) if event.departments else False
    stmt = select(Webhook.id, Webhook.events).where(
        Webhook.active, or_(Webhook.department_id.is_(None), mine)
    )
    with db.no_autoflush:  # nothing pending changes webhooks: the event's rows go in with the rest
        rows = db.execute(stmt.order_by(Webhook.created_at)).all()
    return [webhook_id for webhook_id, names in rows if event.name in names]


def payload(event) -> dict:
    """The delivery's body; its `id` is the event's, so a receiver drops a repeated delivery by it."""
    return {
        "id": str(event.id),
        "event": event.name,
        "created_at": event.created_at.isoformat(),
        "data": SHAPES[event.subject_type](event.subject),
    }


def ping(webhook: Webhook) -> dict:
    """The body of a test delivery."""
    data = {"webhook_id": str(webhook.id), "events": webhook.events}
    return {"id": str(uuid.uuid4()), "event": "ping", "created_at": utcnow().isoformat(), "data": data}


def _webhook(db: Session, address: str) -> Webhook | None:
    try:
        return db.get(Webhook, uuid.UUID(address))
    except ValueError:
        return None


def resolve(db: Session, address: str) -> dict | None:
    """URL and secret of an active webhook, read at send time (a rotated secret signs retries too);
    None when it was deleted or disabled, so its waiting deliveries end as `gone`."""
    webhook = _webhook(db, address)
    if webhook is None or not webhook.active:
        return None
    return {"url": webhook.url, "secret": webhook.secret}


def recorded(db: Session, outcomes: list, rule: DisableAfter) -> None:
    """Count each failed attempt (retried or not) against its webhook; a success ends the run. In
    address order, so two workers lock the webhooks they share in the same order."""
    for delivery, result in sorted(outcomes, key=lambda outcome: outcome[0].address):
        _count(db, delivery, result, rule)


def _count(db: Session, delivery, result: Result, rule: DisableAfter) -> None:
    webhook = _webhook(db, delivery.address)
    if webhook is None or result.kind == "gone":
        return
    if result.kind == "sent":
        webhook.failures, webhook.failing_since = 0, None
        return
    now = utcnow()
    webhook.failures += 1
    webhook.failing_since = webhook.failing_since or now
    if (
        webhook.active
        and webhook.failures >= rule.failures
        and now - webhook.failing_since >= timedelta(hours=rule.hours)
    ):
        before = audit.snapshot(webhook)
        disable(
            webhook,
            f"Disabled after {webhook.failures} failed attempts in a row since "
            f"{webhook.failing_since:%Y-%m-%d %H:%M} UTC; the last: {result.detail or result.kind}",
        )
        audit.record(db, SYSTEM, "webhook.disable", webhook, before)
