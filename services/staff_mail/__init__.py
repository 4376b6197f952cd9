"""Staff e-mail: focal points and officers hear of feedback without watching the API.

On `feedback.created` and `feedback.transferred` the receiving department's focal point
(`Department.focal_email`) and the assigned officer, if any, get an e-mail with the tracking code,
category, place, deadline and a link; on `feedback.assigned` the officer it was given to (unless
they took it themselves); on
`feedback.overdue` the same people a reminder. The daily digest is services/staff_mail/digest.py.
A user who turned staff e-mail off (`User.email_notifications`) gets none, also at a focal-point
address that is theirs. Deliveries go through the outbox's `email` channel
(services/outbox/channels/email.py); the texts are services/outbox/mail_texts.py's.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import events, outbox
from services.core import areas
from services.core.deadlines import LOCAL
from services.feedback.workflow import URGENT_WORKING_HOURS
from services.models import Feedback, User
from services.outbox import mail_texts

CHANNEL = "email"
# The console (server-rendered, for staff) will show a feedback here; an e-mail's link must open in a
# browser, which the bearer-token API resource would not.
LINK = "/console/feedback/{id}"


def link(db: Session, feedback: Feedback) -> str:
    """The feedback's page under PUBLIC_BASE_URL (the app's sessions carry it: api/create_app)."""
    return db.info.get("public_base_url", "") + LINK.format(id=feedback.id)


def recipients(db: Session, *addresses: str | None) -> list[tuple[str, str]]:
    """(address, language) for each distinct address given, except those of users who turned staff
    e-mail off or were deactivated; an address that is no user's (a focal point) gets Vietnamese."""
    wanted = list(dict.fromkeys(a.strip().lower() for a in addresses if a and a.strip()))
    if not wanted:
        return []
    stmt = select(User.email, User.active, User.email_notifications, User.language)
    with db.no_autoflush:  # asked on every submission: nothing pending changes users
        users = {row.email: row for row in db.execute(stmt.where(User.email.in_(wanted)))}
    chosen = []
    for address in wanted:
        user = users.get(address)
        if user is None:
            chosen.append((address, "vi"))
        elif user.active and user.email_notifications:
            chosen.append((address, mail_texts.language_of(user.language)))
    return chosen


def facts(feedback: Feedback, language: str) -> list[tuple[str, str]]:
    """What every e-mail about a feedback says of it."""
    return [
        ("code", feedback.tracking_code),
        ("category", category_name(feedback, language)),
        ("place", place(feedback)),
        ("deadline", deadline(feedback, language)),
    ]


def category_name(feedback: Feedback, language: str) -> str:
    category = feedback.category
    return (category.name_en if language == "en" else "") or category.name_vi


def place(feedback: Feedback) -> str:
    ward = areas.ward(feedback.ward_code) if feedback.ward_code else None
    names = [ward.name] if ward else []
    return ", ".join([*names, areas.province(feedback.province_code).name])


def deadline(feedback: Feedback, language: str) -> str:
    """The due time in Việt Nam time and the allowance it came from, in working days or hours."""
    when = feedback.due_at.astimezone(LOCAL)
    if feedback.priority == "urgent":
        return mail_texts.deadline(language, "hours", when, URGENT_WORKING_HOURS)
    return mail_texts.deadline(language, "days", when, feedback.category.deadline_working_days)


@events.subscriber
def to_staff(db: Session, event: events.Event) -> None:
    if event.name not in _MESSAGES:
        return
    feedback = event.subject
    assignee = feedback.assignee.email if feedback.assignee else None
    focal = feedback.department.focal_email
    if event.name == "feedback.assigned":
        # Only the officer it was given to, and not when they took it themselves.
        took_it = feedback.events[-1].actor_id == str(feedback.assignee_id)
        focal, assignee = None, None if took_it else assignee
    values = {
        "code": feedback.tracking_code,
        "department": feedback.department.name,
        "from_department": event.data.get("from_department", ""),
    }
    for address, language in recipients(db, focal, assignee):
        content = mail_texts.feedback_mail(
            event.name,
            language,
            {**values, "category": category_name(feedback, language)},
            facts(feedback, language),
            link(db, feedback),
        )
        outbox.enqueue(db, CHANNEL, address, content, event_id=event.id)


_MESSAGES = ("feedback.created", "feedback.transferred", "feedback.assigned", "feedback.overdue")
