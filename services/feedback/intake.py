"""Citizens' feedback: submission (validated against the form version, routed, given a deadline and a
tracking code), the department inbox, the citizen's own list and tracking, rating, reopening, and the
public board of answers departments chose to publish.
"""

import hashlib
import json
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services.core import areas
from services.core.db import insert_now, transactional, utcnow
from services.core.errors import Conflict, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.core.phones import to_e164
from services.core.text import normalize
from services.directory import routing
from services.feedback import answers, forms, workflow
from services.identity import audit, consents, personal_data, policy, zalo
from services.identity.principals import Principal
from services.models import Category, Department, Feedback
from services.models.feedback import OPEN_STATUSES

# Crockford's base32 without I, L, O, U: easy to read out over the phone.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REOPEN_WINDOW = timedelta(days=7)
# A citizen may send a feedback back twice; each reopening restarts the department's deadline, so an
# endless loop would keep it "on time" forever. After that the province's intake office takes it up.
MAX_REOPENINGS = 2
IDEMPOTENCY_KEY_LENGTH = 100  # the column's size
_INSERT_ATTEMPTS = 3  # a tracking code drawn twice is redrawn (submit)


def tracking_code() -> str:
    """PA-YYMM-XXXXXX: the month it came in and 30 random bits (never a sequence to guess from)."""
    now = utcnow()
    return f"PA-{now:%y%m}-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def submit(
    db: Session, principal: Principal, data: dict, idempotency_key: str | None = None
) -> tuple[Feedback, bool]:
    """A citizen's submission, and whether it is new: a retry with the same Idempotency-Key returns the
    first submission and creates nothing.

    A tracking code drawn twice, or the same key sent by two requests at once, fails the insert when the
    submission commits: it is rolled back and made again (with another code; the key's finds the first).
    Rare enough to redo the whole, so the common case needs no savepoint around the insert."""
    attempts = _INSERT_ATTEMPTS
    while True:
        try:
            return _submit(db, principal, data, idempotency_key)
        except IntegrityError:
            attempts -= 1
            if not attempts:
                raise


@transactional
def _submit(
    db: Session, principal: Principal, data: dict, idempotency_key: str | None
) -> tuple[Feedback, bool]:
    policy.require(principal, "feedback.submit")
    device = principal.device  # None for an API key submitting on a citizen's behalf
    if device is None and idempotency_key:
        # Retries are told apart per device; a key's would need a column of their own.
        raise Invalid({"Idempotency-Key": ["Only a citizen's device may send one."]})
    if idempotency_key and len(idempotency_key) > IDEMPOTENCY_KEY_LENGTH:
        raise Invalid({"Idempotency-Key": [f"At most {IDEMPOTENCY_KEY_LENGTH} characters."]})
    fingerprint = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    if idempotency_key:
        earlier = _by_key(db, device.id, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier, False
    feedback, photos = _new_feedback(db, principal, data)
    feedback.idempotency_key, feedback.request_hash = idempotency_key or None, fingerprint
    set_committed_value(feedback, "attachments", photos)  # what the answer lists, without reading it back
    insert_now(db, feedback)
    workflow.step(
        db,
        feedback,
        principal,
        "submitted",
        None,
        data={"department": feedback.department.name, "needs_triage": feedback.needs_triage},
    )
    for attachment in photos:
        attachment.feedback_id = feedback.id
    return feedback, True


def _by_key(db: Session, device_id: uuid.UUID, key: str, fingerprint: str) -> Feedback | None:
    earlier = db.scalar(
        select(Feedback).where(Feedback.device_id == device_id, Feedback.idempotency_key == key)
    )
    if earlier is not None and earlier.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was used for a different submission.", code="idempotency_key_reused"
        )
    return earlier


def destination(
    db: Session, category: Category, province_code: int, ward_code: int | None, received_at: datetime
) -> tuple[routing.Route, datetime]:
    """Where a submission of `category` from the place goes and when it is due; the console's "who would
    receive this?" tester asks the same."""
    return routing.route(db, category, province_code, ward_code), workflow.due_at(category, received_at)


def _new_feedback(db: Session, principal: Principal, data: dict) -> tuple[Feedback, list]:
    """The routed, timed submission (not yet added) and the photos its answers reference."""
    device = principal.device
    errors: dict = {}
    if device is None and (data.get("anonymous") or not (data.get("contact") or {}).get("phone")):
        # An integrator submits for a citizen it names: the department answers them by phone.
        errors["contact"] = {"phone": ["A submission through an API key names the citizen's phone."]}
    province_code, ward_code = data["province_code"], data.get("ward_code")
    place_errors = areas.place_errors(province_code, ward_code)
    try:
        if place_errors:  # no place to ask about: the form alone, for its own errors first
            form, offered = forms.get(db, data["form"]), False
        else:
            form, offered = forms.get_offered(db, data["form"], province_code, ward_code)
    except NotFound:
        raise Invalid({"form": [f"No form {data['form']}."]}, code="unknown_form") from None
    if not form.category.active:
        raise Invalid(
            {"form": [f"Form {form.slug} is for a retired category: it takes no new feedback."]},
            code="category_retired",
        )
    errors.update(place_errors)
    if not errors and not offered:
        errors["form"] = ["This form is not offered in this place."]
    version = form.current_version
    checked, answer_errors = answers.check(db, version.fields, data.get("answers") or {}, device)
    if answer_errors:
        errors["answers"] = answer_errors
    contact = _contact(data, errors)
    if errors:
        raise Invalid(errors)
    if device is not None:
        # A key's caller (a commune office's counter) collects the citizen's consent in person.
        answered = {spec["type"] for spec in version.fields if spec["name"] in checked.answers}
        needed = personal_data.feedback_purposes({**data, "contact": contact}, answered)
        consents.require(db, device.citizen_id, needed)
    verified_via, contact = _verified(db, device, data, contact)
    category: Category = form.category
    now = utcnow()
    place, due = destination(db, category, province_code, ward_code, now)
    feedback = Feedback(
        id=uuid.uuid4(),
        tracking_code=tracking_code(),
        form_id=form.id,
        form=form,
        form_version_id=version.id,
        form_version=version,
        category_id=category.id,
        category=category,
        device_id=device.id if device else None,
        citizen_id=device.citizen_id if device else uuid.uuid4(),
        department_id=place.department.id,
        department=place.department,
        needs_triage=place.needs_triage,
        status="received",
        priority=category.priority,
        answers=checked.answers,
        search=normalize(checked.search),
        province_code=province_code,
        ward_code=ward_code,
        lat=(data.get("location") or {}).get("lat"),
        lon=(data.get("location") or {}).get("lon"),
        address=data.get("address"),
        media_url=data.get("media_url"),
        contact=contact,
        verified_via=verified_via,
        anonymous=data.get("anonymous", False),
        received_at=now,
        due_at=due,
        public=False,
        # A new submission has no history: empty, not lazily loaded when appended to or answered with.
        events=[],
        replies=[],
    )
    return feedback, checked.attachments


def _verified(db: Session, device, data: dict, contact: dict | None) -> tuple[str | None, dict | None]:
    """How a named citizen's identity was verified, and their contact with the phone Zalo verified (and
    they consented to share) when they gave none; `phone_verified` says whether the phone is that one."""
    if device is None or data.get("anonymous"):
        return None, contact
    via, phone = zalo.verified_contact(device)
    if phone is None:
        return via, contact
    contact = {"phone": phone, **(contact or {})}
    return via, {**contact, "phone_verified": contact["phone"] == phone}


def _contact(data: dict, errors: dict) -> dict | None:
    contact = {k: v for k, v in (data.get("contact") or {}).items() if v}
    if data.get("anonymous") and contact:
        errors["contact"] = ["An anonymous submission carries no contact details."]
    if contact.get("phone"):
        phone = to_e164(contact["phone"])
        if phone is None:
            errors["contact"] = {"phone": ["Not a valid phone number."]}
        contact["phone"] = phone
    return contact or None


# ---------------------------------------------------------------- reading


def track(db: Session, principal: Principal, code: str) -> Feedback:
    """By tracking code: for the citizen who sent it and the staff of its department; 404 for anyone else."""
    feedback = db.scalar(select(Feedback).where(Feedback.tracking_code == code.strip().upper()))
    if feedback is None or not policy.allows(principal, "feedback.track", feedback):
        raise NotFound("No feedback with this tracking code.")
    return feedback


def mine(db: Session, principal: Principal, *, cursor=None, limit=20) -> Page:
    """The calling citizen's feedback (from any of their devices), newest first."""
    policy.require(principal, "feedback.mine")
    stmt = select(Feedback).where(Feedback.citizen_id == principal.device.citizen_id)
    return keyset_page(db, stmt, [Feedback.created_at, Feedback.id], cursor, limit, descending=True)


def inbox(
    db: Session,
    principal: Principal,
    department_id: uuid.UUID,
    *,
    status=None,
    overdue=None,
    priority=None,
    category=None,
    ward_code=None,
    assignee_id=None,
    q=None,
    cursor=None,
    limit=20,
) -> Page:
    """A department's feedback, oldest due first (so the open ones past their deadline lead), for its
    staff and API keys (admins any). `status` is one status or several (the console's "open")."""
    stmt = _inbox_query(db, principal, department_id, category=category, ward_code=ward_code, q=q)
    if status:
        wanted = (status,) if isinstance(status, str) else tuple(status)
        stmt = stmt.where(Feedback.status.in_(wanted))
        if len(wanted) > 1 and set(wanted) <= set(OPEN_STATUSES):
            stmt = stmt.where(workflow.IS_OPEN)  # the same rows, found through the index of the open ones
    if priority:
        stmt = stmt.where(Feedback.priority == priority)
    if assignee_id:
        stmt = stmt.where(Feedback.assignee_id == assignee_id)
    if overdue is not None:
        stmt = stmt.where(workflow.is_late() if overdue else ~workflow.is_late())
    return keyset_page(db, stmt, [Feedback.due_at, Feedback.id], cursor, limit)


def inbox_counts(
    db: Session, principal: Principal, department_id: uuid.UUID, *, category=None, ward_code=None, q=None
) -> dict[str, int]:
    """How many of the department's feedback are in each status (those with none left out), and under
    "overdue" how many are still open past their deadline."""
    stmt = _inbox_query(db, principal, department_id, category=category, ward_code=ward_code, q=q)
    counted = stmt.with_only_columns(Feedback.status, func.count(), func.count().filter(workflow.is_late()))
    counts = {"overdue": 0}
    for status, count, late in db.execute(counted.group_by(Feedback.status)):
        counts[status] = count
        counts["overdue"] += late
    return counts


def waiting_count(db: Session, principal: Principal, department_id: uuid.UUID) -> int:
    """New feedback nobody in the department has taken yet: received (sent by a citizen, or transferred
    in) and so not assigned. The console's inbox badge."""
    stmt = _inbox_query(db, principal, department_id, category=None, ward_code=None, q=None)
    return db.scalar(stmt.where(Feedback.status == "received").with_only_columns(func.count()))


def _inbox_query(db: Session, principal: Principal, department_id: uuid.UUID, *, category, ward_code, q):
    policy.fetch(db, principal, "feedback.read", Department, department_id, missing="No such department.")
    stmt = select(Feedback).where(Feedback.department_id == department_id)
    if category:
        stmt = stmt.where(
            Feedback.category_id == select(Category.id).where(Category.code == category).scalar_subquery()
        )
    if ward_code:
        stmt = stmt.where(Feedback.ward_code == ward_code)
    if q:
        needle = normalize(q)
        # Both conditions have an index (trigram, unique), so a big department's inbox is not scanned.
        stmt = stmt.where(
            Feedback.search.contains(needle, autoescape=True) | (Feedback.tracking_code == q.strip().upper())
        )
    return stmt


def public_board(db: Session, *, province_code=None, category=None, cursor=None, limit=20) -> Page:
    """Answered feedback its department marked public, newest answer first."""
    # `public` as ix_feedback_public_board's predicate says it: "IS TRUE" would miss the index.
    stmt = select(Feedback).where(Feedback.public, Feedback.status.in_(("answered", "closed")))
    if province_code is not None:
        stmt = stmt.where(Feedback.province_code == province_code)
    if category:
        stmt = stmt.join(Feedback.category).where(Category.code == category)
    return keyset_page(db, stmt, [Feedback.answered_at, Feedback.id], cursor, limit, descending=True)


# ---------------------------------------------------------------- the citizen's say


def _own(db: Session, principal: Principal, feedback_id: uuid.UUID) -> tuple[Feedback, dict]:
    feedback = policy.fetch(
        db, principal, "feedback.follow_up", Feedback, feedback_id, missing="No such feedback."
    )
    return feedback, audit.snapshot(feedback)


@transactional
def rate(db: Session, principal: Principal, feedback_id: uuid.UUID, data: dict) -> Feedback:
    """The citizen's score (1-5) of the answer; a later rating replaces the earlier one."""
    feedback, before = _own(db, principal, feedback_id)
    if feedback.answered_at is None or feedback.status not in ("answered", "closed"):
        raise Conflict("Rate the feedback once it is answered.", code="not_answered")
    feedback.rating_score, feedback.rating_comment = data["score"], data.get("comment")
    feedback.rated_at = utcnow()
    workflow.step(
        db, feedback, principal, "rated", before, note=data.get("comment"), data={"score": data["score"]}
    )
    return feedback


@transactional
def reopen(db: Session, principal: Principal, feedback_id: uuid.UUID, data: dict) -> Feedback:
    """Unsatisfied within 7 days of the answer: back to the department, with a fresh deadline."""
    feedback, before = _own(db, principal, feedback_id)
    workflow.check_transition(feedback, "reopened")
    if sum(event.kind == "reopened" for event in feedback.events) >= MAX_REOPENINGS:
        contact = _escalation(db, feedback)
        reach = ", ".join(v for v in (contact["name"], contact["phone"], contact["email"]) if v)
        raise Conflict(
            f"This feedback was reopened {MAX_REOPENINGS} times already. To take it further, contact "
            + contact["department"]
            + (f": {reach}." if reach else "."),
            code="reopen_limit_reached",
            escalate_to=contact,
        )
    if feedback.answered_at is None or utcnow() - feedback.answered_at > REOPEN_WINDOW:
        raise Conflict("Feedback can be reopened within 7 days of its answer.", code="reopen_window_closed")
    workflow.renew_deadline(feedback, utcnow())
    feedback.closed_at = feedback.resolution = None
    workflow.step(db, feedback, principal, "reopened", before, to="reopened", note=data["reason"])
    return feedback


def _escalation(db: Session, feedback: Feedback) -> dict:
    """Whom to turn to next: the focal point of the province's intake department (its communication
    office), else the department that answered; the app words it in the citizen's language."""
    try:
        offices = [routing.intake_department(db, feedback.province_code), feedback.department]
    except Invalid:
        offices = [feedback.department]
    office = next((o for o in offices if o.focal_point), offices[0])
    contact = office.focal_point or {}
    return {"department": office.name, **{key: contact.get(key) for key in ("name", "phone", "email")}}
