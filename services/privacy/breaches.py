"""The breach register: what happened, when it was detected, the data and people affected, the measures
taken, and the notification to the Ministry of Public Security (Department A05) due 72 hours after
detection (Law 91/2025/QH15). Until it is recorded as sent, the data-protection officers get reminders by
e-mail (24, 48 and 66 hours after detection, and once overdue) from a worker chore. Affected citizens
are told through their channels (a personal push and their inbox) when the officer decides."""

import math
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import outbox, push
from services.core.db import transactional, utcnow
from services.core.deadlines import LOCAL
from services.core.errors import Conflict
from services.core.pagination import Page, keyset_page
from services.identity import audit, policy
from services.identity.principals import SYSTEM, Principal
from services.models import PrivacyBreach, User
from services.outbox import mail_texts, texts

NOTIFY_WITHIN = timedelta(hours=72)
# Hours after detection at which the officers are reminded; the last is the deadline itself (overdue).
REMINDERS = (24, 48, 66, 72)
EDITABLE = ("what", "detected_at", "data_affected", "people_affected", "measures")


@transactional
def create(db: Session, principal: Principal, data: dict) -> PrivacyBreach:
    policy.require(principal, "privacy.breaches")
    breach = PrivacyBreach(id=uuid.uuid4(), created_by_id=principal.user_id, reminders_sent=0, **data)
    breach.notify_due_at = breach.detected_at + NOTIFY_WITHIN
    db.add(breach)
    audit.record(db, principal, "privacy_breach.create", breach)
    return breach


def list_breaches(db: Session, principal: Principal, *, cursor=None, limit=20) -> Page:
    """Newest detected first."""
    policy.require(principal, "privacy.breaches")
    stmt = select(PrivacyBreach)
    return keyset_page(
        db, stmt, [PrivacyBreach.detected_at, PrivacyBreach.id], cursor, limit, descending=True
    )


def get(db: Session, principal: Principal, breach_id: uuid.UUID) -> PrivacyBreach:
    return policy.fetch(
        db, principal, "privacy.breaches", PrivacyBreach, breach_id, missing="No such breach."
    )


@transactional
def update(db: Session, principal: Principal, breach_id: uuid.UUID, data: dict) -> PrivacyBreach:
    """What is learnt later: the affected data and people, the measures; a corrected detection time
    moves the 72-hour deadline with it."""
    breach = get(db, principal, breach_id)
    before = audit.snapshot(breach)
    for key in EDITABLE:
        if key in data:
            setattr(breach, key, data[key])
    breach.notify_due_at = breach.detected_at + NOTIFY_WITHIN
    audit.record(db, principal, "privacy_breach.update", breach, before)
    return breach


@transactional
def notified(db: Session, principal: Principal, breach_id: uuid.UUID, data: dict) -> PrivacyBreach:
    """Record the notification to the authority: when, how (the channel and form used), its reference."""
    breach = get(db, principal, breach_id)
    if breach.notified_at is not None:
        raise Conflict("The notification to the authority is already recorded.", code="breach_notified")
    before = audit.snapshot(breach)
    breach.notified_at = data["at"]
    breach.notified_how = data["how"]
    breach.notified_reference = data.get("reference")
    audit.record(db, principal, "privacy_breach.notified", breach, before)
    return breach


@transactional
def inform(db: Session, principal: Principal, breach_id: uuid.UUID, data: dict) -> PrivacyBreach:
    """Tell the affected citizens, on every device they have, what happened and what to do."""
    breach = get(db, principal, breach_id)
    before = audit.snapshot(breach)
    citizens = tuple(dict.fromkeys(data["citizen_ids"]))
    values = {"message": data["message"]}
    push.enqueue(
        db,
        push.Audience.citizens(*citizens),
        texts.render("privacy.breach", values),
        message="privacy.breach",
        values=values,
        source_type="privacy_breach",
        source_id=str(breach.id),
        data={"type": "privacy_breach", "id": str(breach.id)},
        created_by_id=principal.user_id,
    )
    breach.citizens_informed_at = utcnow()
    breach.citizens_informed += len(citizens)
    audit.record(db, principal, "privacy_breach.inform", breach, before)
    return breach


def remind(db: Session, now: datetime | None = None) -> int:
    """The worker's chore: for each breach not yet notified to the authority whose next reminder time has
    come, e-mail the officers (only the latest reminder due, when several were missed); the e-mails
    queued."""
    now = now or utcnow()
    # Few breaches are ever open at once: the reminder due is worked out here, not in SQL.
    open_breaches = select(PrivacyBreach).where(
        PrivacyBreach.notified_at.is_(None),
        PrivacyBreach.reminders_sent < len(REMINDERS),
        PrivacyBreach.detected_at <= now - timedelta(hours=REMINDERS[0]),
    )
    queued = 0
    for breach in db.scalars(open_breaches.with_for_update(skip_locked=True)).all():
        elapsed = now - breach.detected_at
        reached = sum(1 for hours in REMINDERS if elapsed >= timedelta(hours=hours))
        if reached <= breach.reminders_sent:
            continue
        breach.reminders_sent = reached
        queued += _mail_officers(db, breach, now)
        audit.record(db, SYSTEM, "privacy_breach.reminded", breach)
    db.commit()
    return queued


def officers(db: Session) -> list[User]:
    """The active data-protection officers; the admins when none is named (someone must hear)."""
    named = list(db.scalars(select(User).where(User.active, User.privacy_officer).order_by(User.email)))
    if named:
        return named
    return list(db.scalars(select(User).where(User.active, User.role == "admin").order_by(User.email)))


def _mail_officers(db: Session, breach: PrivacyBreach, now: datetime) -> int:
    # A legal deadline: sent whatever the officer's staff e-mail preference.
    left = breach.notify_due_at - now
    key = "breach.overdue" if left <= timedelta() else "breach.reminder"
    hours = math.ceil(left / timedelta(hours=1))  # "23 hours left" until 22 hours are left
    due = breach.notify_due_at.astimezone(LOCAL)
    recipients = officers(db)
    for officer in recipients:
        language = mail_texts.language_of(officer.language)
        facts = [
            ("breach", breach.what[:200]),
            ("detected", f"{breach.detected_at.astimezone(LOCAL):%H:%M %d/%m/%Y}"),
            ("notify_by", f"{due:%H:%M %d/%m/%Y}"),
        ]
        content = mail_texts.feedback_mail(key, language, {"hours": hours}, facts, "")
        outbox.enqueue(db, "email", officer.email, content)
    return len(recipients)
