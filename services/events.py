"""What happened, announced once: a service calls `emit(db, name, subject, data)` in the transaction of
its change, and every subscriber turns the event into deliveries (a citizen's push, webhooks, …) in that
same transaction, so nothing is sent unless the change commits.

Events are persisted (table `events`): the id is the one receivers see (to drop duplicates), the rows
give deliveries an order and a source, and one-off events (`feedback.overdue`) are found there so they
are never emitted twice. Subscribers register with `@subscriber` when their module is imported
(api/create_app and the worker import services.outbox.subscribers).
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.orm import Session

from services.core.db import utcnow
from services.models import EventRecord, Notice

NAMES: tuple[str, ...] = (
    "feedback.created",
    "feedback.assigned",
    "feedback.transferred",
    "feedback.answered",
    "feedback.status_changed",
    "feedback.reopened",
    "feedback.rated",
    "feedback.overdue",
    "alert.published",
    "alert.updated",
    "alert.cancelled",
    "notice.published",
    "notice.stage_changed",
    "consultation.comment_replied",
    "scam_report.created",
    "bulletin.ready",
    "claim.reported",
    "fact_check.published",
    "fact_check.updated",
    "claim_group.transferred",
)


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    name: str
    # "feedback", "alert", "notice", "notice_comment", "scam_report", "claim_report", "fact_check",
    # "claim_group"
    subject_type: str
    subject_id: str
    department_id: uuid.UUID | None  # the department the event belongs to (feedback's, issuing one's)
    subject: object = field(repr=False)  # the ORM object, for subscribers in the same transaction
    data: dict
    created_at: datetime
    # Departments that hear of it besides its own: a transfer's previous department.
    also_concerns: tuple[uuid.UUID, ...] = ()

    @property
    def departments(self) -> tuple[uuid.UUID, ...]:
        return tuple(d for d in (self.department_id, *self.also_concerns) if d is not None)


Subscriber = Callable[[Session, Event], None]
_subscribers: list[Subscriber] = []


def subscriber(fn: Subscriber) -> Subscriber:
    """Register `fn(db, event)` for every event (it picks the names it wants); import-time, idempotent."""
    if fn not in _subscribers:
        _subscribers.append(fn)
    return fn


def emit(db: Session, name: str, subject, data: dict | None = None, *, also_concerns=()) -> Event:
    """Record the event and hand it to every subscriber now, in the caller's transaction.

    `also_concerns`: ids of departments that hear of it besides the subject's (a transfer's previous
    department learns that the feedback left it)."""
    if name not in NAMES:
        raise ValueError(f"unknown event {name!r}")
    state = inspect(subject)
    if state.pending or state.modified:
        # The subject's id and defaults. Once it is written (by the audit's flush, say), what else is
        # pending goes in with the subscribers' deliveries at commit: one flush fewer per step.
        db.flush()
    event = Event(
        id=uuid.uuid4(),
        name=name,
        subject_type=subject_type(subject),
        subject_id=str(subject.id),
        department_id=_department_id(db, subject),
        subject=subject,
        data=dict(data or {}),
        created_at=utcnow(),
        also_concerns=tuple(also_concerns),
    )
    db.execute(  # append-only: one INSERT, no object for the unit of work (as the audit's)
        insert(EventRecord.__table__),
        dict(
            id=event.id,
            name=name,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
            department_id=event.department_id,
            data=event.data,
            created_at=event.created_at,
        ),
    )
    for fn in list(_subscribers):
        fn(db, event)
    return event


def ids(db: Session, subject, *names: str) -> list[uuid.UUID]:
    """The subject's events of these names, oldest first."""
    stmt = select(EventRecord.id).where(*_of(subject, names)).order_by(EventRecord.created_at)
    return list(db.scalars(stmt))


def withdraw(db: Session, subject, *names: str) -> None:
    """The subject's events of these names announce what is no longer so (an alert cancelled): their
    deliveries to people that are still unsent are not sent (the routes that say `withdrawable`)."""
    not_yet = EventRecord.withdrawn_at.is_(None)
    db.execute(update(EventRecord).where(*_of(subject, names), not_yet).values(withdrawn_at=utcnow()))


def _of(subject, names: tuple[str, ...]) -> tuple:
    return (
        EventRecord.subject_type == subject_type(subject),
        EventRecord.subject_id == str(subject.id),
        EventRecord.name.in_(names),
    )


def subject_type(subject) -> str:
    """`NoticeComment` → `notice_comment`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(subject).__name__).lower()


def _department_id(db: Session, subject) -> uuid.UUID | None:
    if hasattr(subject, "department_id"):
        return subject.department_id
    if hasattr(subject, "notice_id"):  # a comment belongs to its notice's department
        return db.get(Notice, subject.notice_id).department_id
    return None
