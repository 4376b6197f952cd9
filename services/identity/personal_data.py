"""What the app holds about one citizen (the `citizen_id` their devices share): stopping what a withdrawn
consent covered, the export of everything held (JSON, or a ZIP with their photos written as it is sent),
and erasure.

Erasure keeps what the province must keep — the feedback rows for its statistics, the department's
answers and timelines, the audit trail — under a pseudonym no one can trace back, and removes or blanks
everything that identifies the person: contact details, coordinates, photos (the files too), devices and
push tokens, the Zalo id and phone, SMS subscriptions of that phone, notification recipients (and the
days' Mini App notifications), and the device, phone and names wherever a log copied them (audit
snapshots, events, outbox deliveries).
"""

import io
import json
import uuid
import zipfile
from collections.abc import Iterable, Iterator

from sqlalchemy import Text, cast, delete, or_, select, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from services.core import storage
from services.core.db import transactional, utcnow
from services.identity import consents, policy
from services.identity.audit import snapshot
from services.identity.principals import Principal
from services.models import (
    Attachment,
    AuditEvent,
    Citizen,
    ClaimInterest,
    ClaimReport,
    ConsentRecord,
    Delivery,
    Device,
    EventRecord,
    Feedback,
    FeedbackEvent,
    NoticeComment,
    Notification,
    NotificationRecipient,
    ScamReport,
    SmsOptOut,
    SmsSubscription,
    TokenRetirement,
    ZaloMiniappSlot,
)
from services.models.feedback import OPEN_STATUSES

# The answers of a form that carry personal data, by the consent that covers them.
ANSWER_TYPES = {
    "feedback_contact": ("phone", "email"),
    "precise_location": ("location",),
    "photos": ("photo",),
}
PERSONAL_ANSWER_TYPES = tuple(t for types in ANSWER_TYPES.values() for t in types)
# What an erased value reads as wherever a log kept a copy.
ERASED = "[erased]"
# Where a copy of their feedback (a webhook's payload) holds personal data.
PERSONAL_KEYS = frozenset({"contact", "location", "lat", "lon", "address", "media_url"})
# Shorter values (a one-word name) would blank unrelated text.
MIN_NEEDLE = 6
# Feedback columns that identify the citizen, blanked on erasure (and in the audit log's copies).
_FEEDBACK_PERSONAL = (
    "contact",
    "lat",
    "lon",
    "address",
    "media_url",
    "device_id",
    "idempotency_key",
    "request_hash",
)


def feedback_purposes(feedback_data: dict, answer_types: Iterable[str]) -> list[str]:
    """The consents a submission needs: contact details typed in, coordinates, photos (a `photo` answer or
    an Open311 media link). `answer_types` are the types of the form's fields that were answered."""
    answered = set(answer_types)
    needs = {
        "feedback_contact": bool(feedback_data.get("contact")),
        "precise_location": bool(feedback_data.get("location")),
        "photos": bool(feedback_data.get("media_url")),
    }
    return [
        purpose for purpose, types in ANSWER_TYPES.items() if needs[purpose] or answered.intersection(types)
    ]


# ---------------------------------------------------------------- withdrawal


@transactional
def withdraw(db: Session, principal: Principal, purpose: str) -> None:
    """The device's citizen withdraws a consent (in the app); what it covered stops now. Idempotent: a
    purpose not consented to records nothing."""
    policy.require(principal, "privacy.self")
    consents.known(purpose)
    device = principal.device
    if consents.given(db, device.citizen_id, purpose):
        consents.record(db, device.citizen_id, purpose, "withdrawn", channel="app", device_id=device.id)
    stop(db, device.citizen_id, purpose)


def stop(db: Session, citizen_id: uuid.UUID, purpose: str) -> None:
    """Stop what a withdrawn consent covered, in the caller's transaction.

    Feedback still open loses the data at once (the department no longer may process it); closed feedback
    keeps it until the retention schedule removes it (it is no longer processed, only kept as the record of
    what was answered). The stricter reading of "stops the processing" for photos: the files are deleted,
    not only hidden."""
    citizen = db.get(Citizen, citizen_id)
    if purpose == "phone" and citizen is not None:
        citizen.phone = citizen.phone_verified_at = None
    elif purpose == "zalo_sign_in" and citizen is not None:
        citizen.zalo_user_id, citizen.zalo_notifications = None, False
    open_feedback = list(
        db.scalars(
            select(Feedback).where(Feedback.citizen_id == citizen_id, Feedback.status.in_(OPEN_STATUSES))
        )
    )
    for feedback in open_feedback:
        if purpose == "feedback_contact":
            feedback.contact = None
        elif purpose == "precise_location":
            feedback.lat = feedback.lon = None
        elif purpose == "photos":
            feedback.media_url = None
        if purpose in ANSWER_TYPES:
            feedback.answers = _without(feedback, ANSWER_TYPES[purpose])
    if purpose == "photos" and open_feedback:
        _delete_attachments(db, Attachment.feedback_id.in_([f.id for f in open_feedback]))


def _without(feedback: Feedback, types: Iterable[str], answers: dict | None = None) -> dict:
    """The feedback's answers (or a copy of them, `answers`) without those of fields of `types`."""
    dropped = {spec["name"] for spec in feedback.form_version.fields if spec["type"] in types}
    answers = feedback.answers if answers is None else answers
    return {name: value for name, value in answers.items() if name not in dropped}


def _delete_attachments(db: Session, where) -> list[uuid.UUID]:
    """Delete the attachments matching `where` (not the department's: replies' are kept); their files go
    once the transaction commits, so a rollback never leaves a row naming a missing file."""
    rows = list(db.scalars(select(Attachment).where(where, Attachment.reply_id.is_(None))))
    for attachment in rows:
        db.delete(attachment)
    _after_commit(db, [a.storage_key for a in rows])
    return [a.id for a in rows]


def _after_commit(db: Session, keys: list[str]) -> None:
    if not keys:
        return
    files = storage.of(db)

    def remove(_session) -> None:
        for key in keys:
            files.delete(key)
        orm_event.remove(db, "after_soft_rollback", forget)

    def forget(_session, _previous) -> None:
        orm_event.remove(db, "after_commit", remove)
        orm_event.remove(db, "after_soft_rollback", forget)

    orm_event.listen(db, "after_commit", remove, once=True)
    orm_event.listen(db, "after_soft_rollback", forget)


# ---------------------------------------------------------------- export


def export(db: Session, principal: Principal) -> tuple[dict, list[tuple[str, str]]]:
    """Everything held about the calling device's citizen, and the photos as (name in the ZIP, storage key).

    Rows are given whole (secrets such as token hashes left out), so nothing held is missing."""
    policy.require(principal, "privacy.self")
    citizen_id = principal.device.citizen_id
    citizen = db.get(Citizen, citizen_id)
    devices = list(
        db.scalars(select(Device).where(Device.citizen_id == citizen_id).order_by(Device.created_at))
    )
    feedback = list(
        db.scalars(select(Feedback).where(Feedback.citizen_id == citizen_id).order_by(Feedback.created_at))
    )
    photos, items = [], []
    for row in feedback:
        files = []
        for attachment in row.attachments:
            name = f"photos/{row.tracking_code}/{attachment.id}.{attachment.content_type.split('/')[1]}"
            files.append({**_row(attachment, "storage_key"), "file": name})
            photos.append((name, attachment.storage_key))
        items.append(
            {
                **_row(row, "search"),
                "category": row.category_code,
                "department": row.department.name,
                "timeline": [_row(e) for e in row.citizen_timeline],
                "replies": [_row(r) for r in row.replies],
                "attachments": files,
            }
        )
    phone = citizen.phone if citizen else None
    notifications = db.execute(
        select(Notification, NotificationRecipient.channel)
        .join(NotificationRecipient, NotificationRecipient.notification_id == Notification.id)
        .where(NotificationRecipient.citizen_id == citizen_id)
        .order_by(Notification.created_at)
    )
    data = {
        "citizen_id": str(citizen_id),
        "exported_at": utcnow().isoformat(),
        "identity": _row(citizen) if citizen else None,
        "devices": [_row(d, "subscribed_topics") | {"has_push_token": bool(d.push_token)} for d in devices],
        "consents": _rows(
            db, select(ConsentRecord).where(ConsentRecord.citizen_id == citizen_id), ConsentRecord.recorded_at
        ),
        "feedback": items,
        "comments": _rows(
            db, select(NoticeComment).where(NoticeComment.citizen_id == citizen_id), NoticeComment.created_at
        ),
        "scam_reports": _rows(
            db,
            select(ScamReport).where(ScamReport.reporter_device_id.in_([d.id for d in devices])),
            ScamReport.created_at,
        ),
        "claim_reports": _rows(
            db, select(ClaimReport).where(ClaimReport.citizen_id == citizen_id), ClaimReport.created_at
        ),
        "claims_asked_about": _rows(
            db, select(ClaimInterest).where(ClaimInterest.citizen_id == citizen_id), ClaimInterest.created_at
        ),
        "notifications": [_row(n, "message_ids", "last_error") | {"channel": ch} for n, ch in notifications],
        "sms_subscriptions": [
            _row(s) for s in db.scalars(select(SmsSubscription).where(SmsSubscription.phone == phone))
        ]
        if phone
        else [],
    }
    return data, photos


def _rows(db: Session, stmt, order) -> list[dict]:
    """Each row `stmt` selects, oldest first by `order`, as the export shows it."""
    return [_row(row) for row in db.scalars(stmt.order_by(order))]


def _row(row, *leave_out: str) -> dict:
    return {key: value for key, value in snapshot(row).items() if key not in leave_out}


def as_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()


class _Pipe(io.RawIOBase):
    """A write-only stream that hands on what was written since the last `take()`: the ZIP is sent as it
    is written, never whole in memory (zipfile writes data descriptors to a stream it cannot seek)."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def zip_stream(files: storage.Storage, data: dict, photos: list[tuple[str, str]]) -> Iterator[bytes]:
    """The export as a ZIP: `personal-data.json` and each photo, one file read at a time."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w") as archive:
        archive.writestr("personal-data.json", as_json(data), compress_type=zipfile.ZIP_DEFLATED)
        yield pipe.take()
        for name, key in photos:
            with archive.open(name, "w") as entry:  # photos are compressed already: stored as they are
                entry.write(files.read(key))
            yield pipe.take()
    yield pipe.take()


# ---------------------------------------------------------------- erasure


@transactional
def forget(db: Session, principal: Principal) -> None:
    """The calling citizen asks to be erased (DELETE /privacy/me; forgetting their last device too)."""
    policy.require(principal, "privacy.self")
    erase(db, principal.device.citizen_id, principal)


def erase(db: Session, citizen_id: uuid.UUID, principal: Principal) -> uuid.UUID:
    """Erase the citizen's personal data in the caller's transaction; the pseudonym that replaces them.
    Idempotent: a citizen already erased has nothing left to erase."""
    pseudonym = uuid.uuid4()
    citizen = db.get(Citizen, citizen_id)
    devices = list(db.scalars(select(Device).where(Device.citizen_id == citizen_id)))
    device_ids = [d.id for d in devices]
    feedback = list(db.scalars(select(Feedback).where(Feedback.citizen_id == citizen_id)))
    feedback_ids = [f.id for f in feedback]
    comments = list(db.scalars(select(NoticeComment).where(NoticeComment.citizen_id == citizen_id)))
    phone = citizen.phone if citizen else None
    # What identifies them, to blank wherever a log copied it.
    needles = {str(citizen_id), *(str(i) for i in device_ids)}
    needles |= {phone} if phone else set()
    needles |= {citizen.zalo_user_id} if citizen and citizen.zalo_user_id else set()
    for row in feedback:
        needles |= {str(v) for k, v in (row.contact or {}).items() if k != "phone_verified" and v}
        typed = set(row.answers) - set(_without(row, ("phone", "email")))  # phone and e-mail answers
        needles |= {str(row.answers[name]) for name in typed}
        needles |= {str(row.answers[name]) for name in row.personal_answers if name in row.answers}
    needles |= {c.contact for c in comments if c.contact}
    needles |= {d.push_token for d in devices if d.push_token}
    needles = {n for n in needles if len(n) >= MIN_NEEDLE}

    erased_files = _delete_attachments(
        db, or_(Attachment.feedback_id.in_(feedback_ids), Attachment.device_id.in_(device_ids))
    )
    for row in feedback:
        for column in _FEEDBACK_PERSONAL:
            setattr(row, column, None)
        marked = set(row.personal_answers)  # free text the department marked as personal
        row.answers = {k: v for k, v in _without(row, PERSONAL_ANSWER_TYPES).items() if k not in marked}
        row.citizen_id = pseudonym
    if feedback_ids:
        db.execute(
            update(FeedbackEvent)
            .where(FeedbackEvent.feedback_id.in_(feedback_ids), FeedbackEvent.actor_type == "device")
            .values(actor_id=None)
        )
    for comment in comments:  # public contributions to a consultation: the text stays, its author goes
        comment.citizen_id, comment.device_id, comment.contact = pseudonym, None, None
    db.execute(
        update(ScamReport)
        .where(ScamReport.reporter_device_id.in_(device_ids))
        .values(reporter_device_id=pseudonym)
    )
    # A reported claim stays (it is about the post), its reporter goes; asking about one is forgotten.
    db.execute(
        update(ClaimReport)
        .where(ClaimReport.citizen_id == citizen_id)
        .values(citizen_id=pseudonym, device_id=pseudonym)
    )
    db.execute(delete(ClaimInterest).where(ClaimInterest.citizen_id == citizen_id))
    db.execute(delete(NotificationRecipient).where(NotificationRecipient.citizen_id == citizen_id))
    db.execute(delete(ZaloMiniappSlot).where(ZaloMiniappSlot.citizen_id == citizen_id))
    if phone:
        db.execute(delete(SmsSubscription).where(SmsSubscription.phone == phone))
        db.execute(delete(SmsOptOut).where(SmsOptOut.phone == phone))
    _withdraw_all(db, citizen_id, principal)
    db.execute(
        update(ConsentRecord).where(ConsentRecord.citizen_id == citizen_id).values(citizen_id=pseudonym)
    )
    for device in devices:
        if device.push_token and device.subscribed_topics:  # leaves its commune's topics, then is forgotten
            db.add(TokenRetirement(push_token=device.push_token, topics=list(device.subscribed_topics)))
        db.delete(device)
    if citizen is not None:
        db.delete(citizen)
    db.flush()
    _scrub_logs(db, needles, feedback_ids, erased_files, device_ids, pseudonym)
    db.add(
        AuditEvent(
            actor_type="citizen",
            actor_id=None,
            actor_label="",
            action="citizen.erase",
            entity="citizens",
            entity_id=str(pseudonym),
            after={"feedback": len(feedback), "files": len(erased_files), "devices": len(devices)},
        )
    )
    return pseudonym


def _withdraw_all(db: Session, citizen_id: uuid.UUID, principal: Principal) -> None:
    """Close every consent still given: the ledger shows the erasure ended them."""
    device_id = principal.device.id if principal.device else None
    for entry in consents.latest(db, citizen_id).values():
        if entry.action == "given":
            consents.record(
                db,
                citizen_id,
                entry.purpose,
                "withdrawn",
                channel="app",
                device_id=device_id,
                version=entry.notice_version,
            )
    db.flush()


def _scrub_logs(db, needles: set[str], feedback_ids, attachment_ids, device_ids, pseudonym) -> None:
    """Blank the erased person in the audit trail, the event log and the outbox, keeping the entries."""
    personal = {*_FEEDBACK_PERSONAL, "citizen_id"}
    snapshots = select(AuditEvent).where(
        or_(
            (AuditEvent.entity == "feedback") & AuditEvent.entity_id.in_([str(i) for i in feedback_ids]),
            (AuditEvent.entity == "attachments") & AuditEvent.entity_id.in_([str(i) for i in attachment_ids]),
            AuditEvent.actor_id.in_([str(i) for i in device_ids]),
            *_mentions(AuditEvent.before, needles),
            *_mentions(AuditEvent.after, needles),
        )
    )
    for entry in db.scalars(snapshots):
        if entry.actor_type == "device":
            entry.actor_id, entry.ip = None, None
        for side in ("before", "after"):
            value = getattr(entry, side)
            if isinstance(value, dict) and entry.entity == "feedback":  # a snapshot of their feedback
                value = {k: (None if k in personal else v) for k, v in value.items()}
                value["answers"] = _personal_answers_dropped(db, value)
                value["citizen_id"] = str(pseudonym)
            setattr(entry, side, _blank(value, needles))
    for entry in db.scalars(select(EventRecord).where(or_(*_mentions(EventRecord.data, needles)))):
        entry.data = _blank(entry.data, needles)
    for entry in db.scalars(
        select(FeedbackEvent).where(
            FeedbackEvent.feedback_id.in_(feedback_ids), or_(*_mentions(FeedbackEvent.data, needles))
        )
    ):
        entry.data = _blank(entry.data, needles)
    # Messages to the person (push, Zalo, SMS) are addressed to them: gone with them.
    db.execute(
        delete(Delivery).where(
            or_(
                Delivery.address.in_(needles),
                *(Delivery.address.contains(n, autoescape=True) for n in needles),
            )
        )
    )
    # Messages about them (a webhook's copy of their feedback) stay in the integrator's log, blanked.
    about = _mentions(Delivery.payload, needles | {str(i) for i in feedback_ids})
    for entry in db.scalars(select(Delivery).where(or_(*about))):
        entry.payload = _blank(entry.payload, needles, PERSONAL_KEYS)


def _personal_answers_dropped(db: Session, value: dict) -> dict:
    feedback = db.get(Feedback, uuid.UUID(value["id"])) if value.get("id") else None
    answers = value.get("answers") or {}
    return _without(feedback, PERSONAL_ANSWER_TYPES, answers) if feedback else answers


def _mentions(column, needles: set[str]) -> list:
    return [cast(column, Text).contains(n, autoescape=True) for n in needles]


def _blank(value, needles: set[str], keys: frozenset[str] = frozenset()):
    """`value` (JSON) with every string holding one of `needles`, and whatever is under `keys`, ERASED."""
    if isinstance(value, dict):
        return {k: ERASED if k in keys else _blank(v, needles, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v, needles, keys) for v in value]
    if isinstance(value, str) and any(n in value for n in needles):
        return ERASED
    return value
