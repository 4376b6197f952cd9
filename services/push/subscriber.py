"""The citizen push subscriber: events become the pushes citizens get today.

Alerts and notices go to the devices in their place (FCM topics); a feedback's receipt, transfer,
answer and closing and the answer to a comment on a draft go to every device of the citizen (and
their inbox). The texts are services/outbox/texts.py's; this module only fills them in.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services import events, push
from services.core.db import utcnow
from services.core.targets import Targets
from services.outbox import texts
from services.publishing import alerts, fact_checks, notices

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


@events.subscriber
def citizen_push(db: Session, event: events.Event) -> None:
    handler = _HANDLERS.get(event.name)
    if handler is not None:
        handler(db, event)


# ---------------------------------------------------------------- feedback: the citizen's devices


# The message each step of a feedback's timeline sends its citizen; the other steps send nothing.
FEEDBACK_MESSAGES = {
    "submitted": "feedback.created",
    "transferred": "feedback.transferred",
    "answered": "feedback.answered",
    "closed": "feedback.closed.{resolution}",
}


def feedback_push(feedback, kind: str, values: dict) -> dict | None:
    """{language: {"title", "body"}} that the citizen of `feedback` gets for the timeline step `kind`
    with `values` (the department, the answer, the resolution), or None when that step sends nothing.
    The subscriber sends it; the console shows it to the officer before they act."""
    key = FEEDBACK_MESSAGES.get(kind)
    if key is None:
        return None
    return texts.render(key.format_map(values), {"code": feedback.tracking_code, **values})


def _feedback(db: Session, event: events.Event, kind: str, values: dict, label: str) -> None:
    feedback = event.subject
    push.enqueue(
        db,
        push.Audience.citizens(feedback.citizen_id),
        feedback_push(feedback, kind, values),
        message=FEEDBACK_MESSAGES[kind].format_map(values),
        values={"code": feedback.tracking_code, **values},
        source_type="feedback",
        source_id=str(feedback.id),
        data={
            "type": "feedback",
            "id": str(feedback.id),
            "tracking_code": feedback.tracking_code,
            "event": label,
        },
        event_id=event.id,
    )


def _created(db: Session, event: events.Event) -> None:
    feedback = event.subject
    due = feedback.due_at.astimezone(LOCAL)
    values = {
        "department": feedback.department.name,
        "due_date": f"{due:%d/%m/%Y}",
        "due_time": f"{due:%H:%M}",
    }
    _feedback(db, event, "submitted", values, "received")


def _transferred(db: Session, event: events.Event) -> None:
    _feedback(db, event, "transferred", {"department": event.subject.department.name}, "transferred")


def _answered(db: Session, event: events.Event) -> None:
    answer = next(r for r in event.subject.replies if str(r.id) == event.data["reply_id"])
    _feedback(db, event, "answered", {"answer": answer.body}, "answered")


def _status_changed(db: Session, event: events.Event) -> None:
    if event.data["to"] == "closed":
        _feedback(db, event, "closed", {"resolution": event.subject.resolution}, "closed")


# ---------------------------------------------------------------- alerts and notices: their place


def alert_push(alert, event_name: str = "alert.published") -> dict[str, dict[str, str]]:
    """{language: {"title", "body"}}: what phones get for the alert's event (alert.published, .updated,
    .cancelled). The console previews it on a draft, even one not yet saved."""
    values = {
        lang: {**text, "reason": alert.cancel_reason or ""} for lang, text in alerts.texts(alert).items()
    }
    return texts.render(event_name, values, languages=list(values))


def _alert(db: Session, event: events.Event) -> None:
    alert, now = event.subject, utcnow()
    cancelled = event.name == "alert.cancelled"
    corrected = events.ids(db, alert, "alert.published", "alert.updated") if cancelled else ()
    push.enqueue(
        db,
        push.Audience.place(Targets.from_dict(alert.targets), correcting=corrected),
        alert_push(alert, event.name),
        message=event.name,
        values={**alerts.texts(alert)["vi"], "reason": alert.cancel_reason or ""},
        source_type="alert",
        source_id=str(alert.id),
        data={"category": alert.category, "severity": alert.severity, "msg_type": event.data["msg_type"]},
        priority="normal" if cancelled else "high",
        ttl=alert.expires_at - now,
        collapse_key=f"alert-{alert.id}",
        event_id=event.id,
    )


def notice_push(notice, stage: str) -> dict | None:
    """What phones in the notice's places show when it reaches `stage`, per language; None when that
    stage sends nothing (archiving). Also the console's preview before the move."""
    key = "notice.published" if stage == "published" else f"notice.{stage}"
    if not texts.has(key):
        return None
    languages = ["vi", *sorted(notice.translations)]
    values = {}
    for tag in languages:
        text = notices.localize(notice, (tag,))
        values[tag] = {"title": text.title, "summary": text.summary}
    return texts.render(key, values, languages=languages)


def _notice(db: Session, event: events.Event) -> None:
    notice = event.subject
    message = notice_push(notice, notice.stage)
    if not event.data.get("push", True) or message is None:
        return
    push.enqueue(
        db,
        push.Audience.place(Targets.from_dict(notice.targets)),
        message,
        source_type="notice",
        source_id=str(notice.id),
        data={"screen": "notice", "stage": notice.stage},
        collapse_key=f"notice-{notice.id}",
        send_at=datetime.fromisoformat(event.data["at"]),
        event_id=event.id,
    )


def comment_reply_push(reply: str) -> dict:
    """What the citizen's phone shows for an answer to their comment (also the console's preview)."""
    return texts.render("consultation.comment_replied", {"reply": reply})


def _comment_replied(db: Session, event: events.Event) -> None:
    comment = event.subject
    if not event.data.get("first"):
        return  # a corrected answer replaces the text quietly
    push.enqueue(
        db,
        push.Audience.citizens(comment.citizen_id),
        comment_reply_push(comment.reply),
        message="consultation.comment_replied",
        values={"reply": comment.reply},
        source_type="notice_comment",
        source_id=str(comment.id),
        data={"screen": "notice", "notice_id": str(comment.notice_id)},
        event_id=event.id,
    )


def fact_check_push(fact_check) -> dict:
    """What the phones of the citizens who reported or asked about the claim show."""
    return texts.render("fact_check.published", fact_checks.message_values(fact_check))


def _fact_check(db: Session, event: events.Event) -> None:
    fact_check = event.subject
    if event.name == "fact_check.updated" and not event.data["rating_changed"]:
        return  # a new source or a reworded explanation is no news to the citizens
    citizens = fact_checks.citizens_to_tell(db, fact_check)
    if not citizens:
        return
    push.enqueue(
        db,
        push.Audience.citizens(*citizens),
        fact_check_push(fact_check),
        message="fact_check.published",
        values=fact_checks.message_values(fact_check)["vi"],
        source_type="fact_check",
        source_id=str(fact_check.id),
        data={"screen": "fact_check", "id": str(fact_check.id)},
        event_id=event.id,
    )


_HANDLERS = {
    "fact_check.published": _fact_check,
    "fact_check.updated": _fact_check,
    "feedback.created": _created,
    "feedback.transferred": _transferred,
    "feedback.answered": _answered,
    "feedback.status_changed": _status_changed,
    "alert.published": _alert,
    "alert.updated": _alert,
    "alert.cancelled": _alert,
    "notice.published": _notice,
    "notice.stage_changed": _notice,
    "consultation.comment_replied": _comment_replied,
}
