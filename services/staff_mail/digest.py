"""The daily digest: once a working day, from a set hour (Việt Nam time), each department's focal
point gets one e-mail listing its new feedback (since the previous digest), the feedback due today
and the feedback past its deadline. A department with none of these gets nothing.

Several workers may run the chore at once: the one whose insert of the day's `mail_digests` row
succeeds sends that day's digests, in the same transaction; the others' inserts find the row and do
nothing. A digest missed because no worker ran at the hour is sent when one next runs that day.
"""

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services import outbox
from services.core.db import utcnow
from services.core.deadlines import LOCAL, is_working_day
from services.models import Department, Feedback, MailDigest
from services.models.feedback import OPEN_STATUSES
from services.outbox import mail_texts
from services.staff_mail import CHANNEL, category_name, deadline, link, recipients

LISTED = 50  # items per section; the rest are counted


def send(db: Session, hour: int, now: datetime | None = None) -> int:
    """Send today's digests if it is a working day, `hour` has come and no worker has sent them;
    returns how many e-mails were queued."""
    now = now or utcnow()
    local = now.astimezone(LOCAL)
    today = local.date()
    if local.hour < hour or not is_working_day(today) or db.get(MailDigest, today) is not None:
        return 0
    previous = db.scalar(select(func.max(MailDigest.sent_at)).where(MailDigest.day < today))
    if not claim(db, today, now):
        db.rollback()
        return 0
    since = previous or now - timedelta(days=1)
    day_start = datetime.combine(today, time(0), LOCAL)
    queued = 0
    departments = db.scalars(
        select(Department)
        .where(Department.active, Department.focal_email.is_not(None))
        .order_by(Department.code)
    )
    for department in departments:
        sections = _sections(db, department, since, now, day_start + timedelta(days=1))
        if any(total for _, _, total in sections):
            queued += _send_one(db, department, sections, local)
    db.commit()
    return queued


def claim(db: Session, today, now: datetime) -> bool:
    """Insert the day's row unless it exists: true for the one worker that inserted it."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    inserted = db.execute(
        dialect.insert(MailDigest)
        .values(day=today, sent_at=now)
        .on_conflict_do_nothing(index_elements=[MailDigest.day])
        .returning(MailDigest.day)
    ).first()
    return inserted is not None


def _sections(db: Session, department: Department, since, now, day_end) -> list[tuple[str, list, int]]:
    """(name, the first LISTED feedback, how many in all) for new, due today and overdue."""
    still_open = Feedback.status.in_(OPEN_STATUSES)
    conditions = {
        "new": [Feedback.received_at >= since],
        "due_today": [still_open, Feedback.due_at >= now, Feedback.due_at < day_end],
        "overdue": [still_open, Feedback.due_at < now],
    }
    sections = []
    for name, where in conditions.items():
        where = [Feedback.department_id == department.id, *where]
        total = db.scalar(select(func.count()).select_from(Feedback).where(*where))
        listed = select(Feedback).where(*where).order_by(Feedback.due_at, Feedback.id).limit(LISTED)
        sections.append((name, list(db.scalars(listed)) if total else [], total))
    return sections


def _send_one(db: Session, department: Department, sections, local: datetime) -> int:
    values = {"department": department.name, "date": f"{local:%d/%m/%Y}"}
    more = {name: total - len(items) for name, items, total in sections}
    chosen = recipients(db, department.focal_email)
    for address, language in chosen:
        listed = [
            (name, [_item(db, feedback, language) for feedback in items]) for name, items, _ in sections
        ]
        outbox.enqueue(db, CHANNEL, address, mail_texts.digest_mail(language, values, listed, more))
    return len(chosen)


def _item(db: Session, feedback: Feedback, language: str) -> dict:
    return {
        "code": feedback.tracking_code,
        "category": category_name(feedback, language),
        "deadline": deadline(feedback, language),
        "link": link(db, feedback),
    }
