"""The department workflow of a feedback: its state machine, timeline, deadlines and the staff actions
(assign, transfer, reply, internal note, change status). Officers act on their own department's feedback
only; `actions()` lists what a caller may do now, and the console offers exactly that.

    received → assigned → in_progress → answered → closed
    any open state → rejected (with a reason) | closed;  answered/closed → reopened (the citizen, 7 days)

Every step is a timeline event and an audit entry; receipt, transfers, answers and closing notify the
citizen.
"""

import uuid
from datetime import datetime

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services import events
from services.core import states
from services.core.db import insert_now, transactional, utcnow
from services.core.deadlines import add_working_days, add_working_hours
from services.core.errors import Invalid
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import Attachment, Category, Department, Feedback, FeedbackEvent, FeedbackReply, User
from services.models.feedback import OPEN_STATUSES

OPEN = OPEN_STATUSES
# Open feedback, said in the statement's own words (not parameters) so that the partial indexes of the
# open ones (ix_feedback_open_inbox, ix_feedback_overdue) serve a query whatever its parameters, also once
# the connection has prepared it: a generic plan knows no parameter's value, and a department's closed
# history would lie between its open feedback and the first page.
IS_OPEN = Feedback.status.in_([literal_column(f"'{status}'") for status in OPEN])


def is_late(now: datetime | None = None):
    """SQL: open and past its deadline `now` (by default the current time)."""
    return IS_OPEN & (Feedback.due_at < (now or utcnow()))


# Next states from each state. "received" from an open state is a transfer; "answered" comes with a
# reply; "reopened" is the citizen's.
TRANSITIONS = {
    **{state: ("received", "assigned", "in_progress", "answered", "rejected", "closed") for state in OPEN},
    "answered": ("answered", "closed", "reopened"),
    "closed": ("reopened",),
    "rejected": (),
}
REJECTION_REASONS = ("spam", "duplicate", "out_of_scope", "abusive", "insufficient_information")
URGENT_WORKING_HOURS = 4
# Audit actions (verbs, like "department.update") of the timeline's steps.
# The event each timeline step announces (services/events.py).
EVENTS = {
    "submitted": "feedback.created",
    "assigned": "feedback.assigned",
    "transferred": "feedback.transferred",
    "answered": "feedback.answered",
    "in_progress": "feedback.status_changed",
    "rejected": "feedback.status_changed",
    "closed": "feedback.status_changed",
    "reopened": "feedback.reopened",
    "rated": "feedback.rated",
    # "noted": an internal note announces nothing, so no one outside the department hears of it.
}
AUDIT_ACTIONS = {
    "submitted": "create",
    "assigned": "assign",
    "transferred": "transfer",
    "answered": "reply",
    "in_progress": "status",
    "rejected": "status",
    "closed": "status",
    "reopened": "reopen",
    "rated": "rate",
    "noted": "note",
}
WRITERS = ("editor", "officer")
# The staff actions on a feedback and the state each moves it to (None: it stays where it is).
ACTIONS = {
    "assign": "assigned",
    "transfer": "received",
    "reply": "answered",
    "note": None,
    "in_progress": "in_progress",
    "reject": "rejected",
    "close": "closed",
}


def due_at(category: Category, start: datetime) -> datetime:
    """Urgent items are due in working hours, the others in the category's working days."""
    if category.priority == "urgent":
        return add_working_hours(start, URGENT_WORKING_HOURS)
    return add_working_days(start, category.deadline_working_days)


def renew_deadline(feedback: Feedback, start: datetime) -> None:
    """A fresh deadline from `start` (a transfer, a reopening): `feedback.overdue` is announced once per
    deadline, so it is announced again should this one pass too."""
    feedback.due_at = due_at(feedback.category, start)
    feedback.overdue_at = None


def check_transition(feedback: Feedback, to: str) -> None:
    states.require_move(TRANSITIONS, "A feedback", feedback.status, to)


def actions(principal: Principal, feedback: Feedback) -> list[str]:
    """The ACTIONS the caller may take on `feedback` in its current state (none for who may not write)."""
    if not policy.allows(principal, "feedback.write", feedback):
        return []
    moves = TRANSITIONS[feedback.status]
    return [
        action
        for action, to in ACTIONS.items()
        # A feedback in progress may be marked so again, but that would say nothing new.
        if to is None or (to in moves and not to == feedback.status == "in_progress")
    ]


def colleagues(db: Session, feedback: Feedback) -> list[User]:
    """Whom `feedback` may be assigned to: its department's active officers and editors."""
    stmt = select(User).where(
        User.department_id == feedback.department_id, User.active.is_(True), User.role.in_(WRITERS)
    )
    return list(db.scalars(stmt.order_by(User.full_name, User.email)))


def contact(db: Session, principal: Principal, feedback: Feedback) -> dict | None:
    """The citizen's contact details for those the policy lets see them (policy "feedback.contact"),
    each view recorded in the audit log; None (and no record) for anyone else or when there are none."""
    if not feedback.contact or not policy.allows(principal, "feedback.contact", feedback):
        return None
    audit.record(db, principal, "feedback.contact_view", feedback)
    db.commit()
    return feedback.contact


def step(
    db: Session,
    feedback: Feedback,
    principal: Principal,
    kind: str,
    before: dict | None,
    *,
    to: str | None = None,
    note: str | None = None,
    data: dict | None = None,
    also_concerns=(),
) -> None:
    """Move `feedback` to `to` (checked) and add the step to its timeline and the audit log.

    `before` is the audit snapshot taken before the caller changed anything (None for a new one)."""
    from_status = before["status"] if before else None
    if to is not None:
        check_transition(feedback, to)
        feedback.status = to
    actor_type, actor_id, actor_label = principal.actor
    event = insert_now(
        db,
        FeedbackEvent(
            feedback_id=feedback.id,
            at=utcnow(),
            kind=kind,
            actor_type=actor_type,
            actor_id=actor_id,
            actor_label=actor_label,
            from_status=from_status,
            to_status=feedback.status,
            department_id=feedback.department_id,
            note=note,
            data=data or {},
        ),
    )
    # The timeline in memory (a new feedback's, or one read with it) shows the step at once; one not read
    # yet finds it in the database when it is.
    if "events" in feedback.__dict__:
        set_committed_value(feedback, "events", [*feedback.events, event])
    audit.record(db, principal, f"feedback.{AUDIT_ACTIONS[kind]}", feedback, before)
    if kind in EVENTS:
        events.emit(
            db,
            EVENTS[kind],
            feedback,
            {"from": from_status, "to": feedback.status, **(data or {})},
            also_concerns=also_concerns,
        )


def get(db: Session, principal: Principal, feedback_id: uuid.UUID) -> Feedback:
    """One feedback with its timeline, for the staff and API keys of its department (admins any)."""
    return policy.fetch(db, principal, "feedback.read", Feedback, feedback_id, missing="No such feedback.")


def _writable(db: Session, principal: Principal, feedback_id: uuid.UUID) -> tuple[Feedback, dict]:
    """The feedback the caller may act on (policy "feedback.write"), and its snapshot for the audit."""
    feedback = policy.fetch(
        db, principal, "feedback.write", Feedback, feedback_id, missing="No such feedback."
    )
    return feedback, audit.snapshot(feedback)


@transactional
def assign(db: Session, principal: Principal, feedback_id: uuid.UUID, user_id: uuid.UUID) -> Feedback:
    feedback, before = _writable(db, principal, feedback_id)
    user = next((colleague for colleague in colleagues(db, feedback) if colleague.id == user_id), None)
    if user is None:
        raise Invalid({"user_id": ["Not an active officer or editor of the feedback's department."]})
    feedback.assignee = user
    step(
        db,
        feedback,
        principal,
        "assigned",
        before,
        to="assigned",
        data={"user_id": str(user.id), "name": user.full_name},
    )
    return feedback


@transactional
def transfer(db: Session, principal: Principal, feedback_id: uuid.UUID, data: dict) -> Feedback:
    """ "Not responsible": hand the feedback to the department that is, which gets a fresh deadline."""
    feedback, before = _writable(db, principal, feedback_id)
    target = db.get(Department, data["department_id"])
    if target is None or not target.active:
        raise Invalid({"department_id": ["No such active department."]})
    if target.id == feedback.department_id:
        raise Invalid({"department_id": ["The feedback is already with this department."]})
    check_transition(feedback, "received")
    source = feedback.department
    feedback.department_id, feedback.department = target.id, target
    feedback.assignee = None
    feedback.needs_triage = False
    renew_deadline(feedback, utcnow())
    step(
        db,
        feedback,
        principal,
        "transferred",
        before,
        to="received",
        note=data["reason"],
        data={"from_department": source.name, "to_department": target.name},
        also_concerns=(source.id,),
    )
    return feedback


@transactional
def reply(db: Session, principal: Principal, feedback_id: uuid.UUID, data: dict) -> Feedback:
    """The department's answer to the citizen, with photos or documents; it answers the feedback."""
    feedback, before = _writable(db, principal, feedback_id)
    check_transition(feedback, "answered")
    attachments = _own_unused_attachments(db, principal, data.get("attachment_ids") or [])
    answer = FeedbackReply(
        department_id=feedback.department_id,
        author_id=principal.user_id,
        body=data["body"],
        public=data.get("public", False),
        created_at=utcnow(),
    )
    feedback.replies.append(answer)
    db.flush()
    for attachment in attachments:
        attachment.feedback_id, attachment.reply_id = feedback.id, answer.id
    feedback.answered_at = answer.created_at
    feedback.public = feedback.public or answer.public
    step(db, feedback, principal, "answered", before, to="answered", data={"reply_id": str(answer.id)})
    return feedback


@transactional
def note(db: Session, principal: Principal, feedback_id: uuid.UUID, data: dict) -> Feedback:
    """An internal note on the timeline, for the department only: no change of state, nothing sent, and
    not in what the citizen sees (Feedback.citizen_timeline)."""
    feedback, before = _writable(db, principal, feedback_id)
    step(db, feedback, principal, "noted", before, note=data["body"])
    return feedback


@transactional
def mark_personal(db: Session, principal: Principal, feedback_id: uuid.UUID, names: list[str]) -> Feedback:
    """The department says which of the citizen's free-text answers hold personal data (a neighbour's
    name, a family's situation): they are erased with the citizen's other personal data
    (services/identity/personal_data.py). Replaces the earlier marking; audited."""
    feedback, before = _writable(db, principal, feedback_id)
    unknown = sorted(set(names) - set(feedback.answers))
    if unknown:
        raise Invalid({"names": [f"Not an answer of this feedback: {', '.join(unknown)}."]})
    feedback.personal_answers = sorted(set(names))
    audit.record(db, principal, "feedback.mark_personal", feedback, before)
    return feedback


def _own_unused_attachments(db: Session, principal: Principal, ids: list[uuid.UUID]) -> list[Attachment]:
    rows = db.scalars(select(Attachment).where(Attachment.id.in_(ids))).all() if ids else []
    usable = [a for a in rows if a.free_for(principal.user)]
    if len(usable) != len(set(ids)):
        raise Invalid({"attachment_ids": ["Each attachment must be an unused upload of yours."]})
    return usable


@transactional
def change_status(db: Session, principal: Principal, feedback_id: uuid.UUID, data: dict) -> Feedback:
    """in_progress, rejected (with a reason) or closed (resolved only once answered)."""
    feedback, before = _writable(db, principal, feedback_id)
    to, note = data["to"], data.get("note")
    check_transition(feedback, to)
    if to == "rejected":
        _reject(db, principal, feedback, data)
    elif to == "closed":
        _close(feedback, data)
    step(db, feedback, principal, to, before, to=to, note=note, data=_status_data(feedback, to))
    return feedback


RESOLUTIONS = ("resolved", "unresolved")


def _reject(db: Session, principal: Principal, feedback: Feedback, data: dict) -> None:
    reason = data["reason"]  # and duplicate_of for a duplicate: schemas.feedback.StatusChangeSchema
    if reason == "duplicate":
        feedback.duplicate_of_id = _original(db, principal, feedback, data["duplicate_of"]).id
    feedback.rejection_reason = reason
    feedback.closed_at = utcnow()


def _original(db: Session, principal: Principal, feedback: Feedback, original_id) -> Feedback:
    """The feedback `feedback` duplicates: one the caller may see (another department's answers like a
    missing one, so ids cannot be probed), not itself, and not leading back to it (no cycles)."""
    original = db.get(Feedback, original_id)
    if original is None or not policy.reaches(principal, "feedback.write", original):
        raise Invalid({"duplicate_of": ["No such feedback in your department."]}, code="unknown_duplicate")
    seen = {original.id}
    chain = original
    while chain.id != feedback.id and chain.duplicate_of_id is not None and chain.duplicate_of_id not in seen:
        seen.add(chain.duplicate_of_id)
        chain = db.get(Feedback, chain.duplicate_of_id)
    if chain.id == feedback.id:
        raise Invalid(
            {"duplicate_of": ["This feedback cannot duplicate itself or one marked as its duplicate."]},
            code="duplicate_cycle",
        )
    return original


def _close(feedback: Feedback, data: dict) -> None:
    resolution = data["resolution"]  # and a note when unresolved: schemas.feedback.StatusChangeSchema
    if resolution == "resolved" and not _answered_since_reopened(feedback):
        raise Invalid({"resolution": ["Closing as resolved requires an answer."]}, code="answer_required")
    feedback.resolution = resolution
    feedback.closed_at = utcnow()


def _answered_since_reopened(feedback: Feedback) -> bool:
    """An answer stands: one was given, and the citizen has not reopened the feedback since."""
    kinds = [event.kind for event in feedback.events if event.kind in ("answered", "reopened")]
    return bool(kinds) and kinds[-1] == "answered"


def _status_data(feedback: Feedback, to: str) -> dict:
    if to == "rejected":
        return {"reason": feedback.rejection_reason}
    if to == "closed":
        return {"resolution": feedback.resolution}
    return {}


def overdue_count(db: Session) -> int:
    """Open feedback past its deadline now (announced or not yet)."""
    return db.scalar(select(func.count()).where(is_late()))


def announce_overdue(db: Session, limit: int = 500) -> int:
    """The worker's periodic pass (and `flask --app wsgi sweep-overdue`): `feedback.overdue` once for
    each open feedback past its deadline; a new deadline (renew_deadline) may be announced in turn."""
    now = utcnow()
    late = select(Feedback).where(is_late(now), Feedback.overdue_at.is_(None)).limit(limit)
    if db.get_bind().dialect.name == "postgresql":
        late = late.with_for_update(skip_locked=True, of=Feedback)
    found = list(db.scalars(late))
    for feedback in found:
        feedback.overdue_at = now
        events.emit(db, "feedback.overdue", feedback, {"due_at": feedback.due_at.isoformat()})
    db.commit()
    return len(found)
