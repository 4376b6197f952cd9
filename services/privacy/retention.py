"""The retention schedule (settings RETENTION_*, README) and the job that enforces it
(`flask --app wsgi retention`, and daily in the worker): what it removes, per rule, counted.

- devices silent (not seen) for `devices_silent` are deleted (their feedback stays, without the device);
- closed feedback older than `contact` loses its contact details (and phone/e-mail answers);
- closed feedback older than `location` keeps only its commune: coordinates, street address and
  location answers go;
- closed feedback older than `photos` loses the citizen's photos, rows and stored files;
- scam reports older than `scam_reports` lose their free-text description;
- deliveries (push, SMS, e-mail, webhooks) finished longer ago than `deliveries` are removed, their
  counts kept for the reports (services/outbox/retention.py).

"Closed" means `closed_at` is set (closed or rejected; reopening clears it). Each rule's run is one
audit event with its count, never the removed values (which would keep them).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from services.core import storage
from services.core.db import utcnow
from services.identity import devices
from services.models import Attachment, AuditEvent, Device, Feedback, FormVersion, ScamReport
from services.outbox import retention as outbox_retention

BATCH = 500
CONTACT_TYPES = ("phone", "email")


@dataclass(frozen=True)
class Schedule:
    devices_silent: timedelta = timedelta(days=730)
    contact: timedelta = timedelta(days=730)
    location: timedelta = timedelta(days=90)
    photos: timedelta = timedelta(days=1826)
    scam_reports: timedelta = timedelta(days=1096)
    deliveries: timedelta = timedelta(days=30)

    @classmethod
    def from_config(cls, config: dict) -> "Schedule":
        return cls(**{name: timedelta(days=config[f"RETENTION_{name.upper()}_DAYS"]) for name in RULES})


def run(db: Session, schedule: Schedule, now: datetime | None = None) -> dict[str, int]:
    """Apply every rule; {rule: how many items it removed}. Commits each batch."""
    now = now or utcnow()
    removed = {}
    for name, rule in RULES.items():
        removed[name] = rule(db, now - getattr(schedule, name))
        db.add(
            AuditEvent(
                actor_type="system",
                actor_label="retention",
                action=f"retention.{name}",
                entity="retention",
                entity_id=name,
                after={"removed": removed[name], "before": (now - getattr(schedule, name)).isoformat()},
            )
        )
        db.commit()
    return removed


def _devices(db: Session, cutoff: datetime) -> int:
    def forget(device: Device) -> bool:
        devices.forget(db, device)
        return True

    return _each(db, select(Device).where(Device.last_seen_at < cutoff), Device.id, forget)


def _closed_before(cutoff: datetime):
    return select(Feedback).where(Feedback.closed_at.is_not(None), Feedback.closed_at < cutoff)


def _has_json(column):
    """A JSON column holding a value (not SQL NULL, nor the JSON null the ORM writes for None)."""
    return cast(column, String) != "null"


def _asking(db: Session, types: tuple[str, ...]):
    """Feedback whose form version has a field of one of `types` (form versions are few)."""
    versions = [v.id for v in db.scalars(select(FormVersion)) if any(f["type"] in types for f in v.fields)]
    return Feedback.form_version_id.in_(versions)


def _contact(db: Session, cutoff: datetime) -> int:
    stmt = _closed_before(cutoff).where(or_(_has_json(Feedback.contact), _asking(db, CONTACT_TYPES)))

    def strip(feedback: Feedback) -> bool:
        had = feedback.contact is not None
        feedback.contact = None
        return _drop_answers(feedback, CONTACT_TYPES) or had

    return _each(db, stmt, Feedback.id, strip)


def _location(db: Session, cutoff: datetime) -> int:
    precise = or_(Feedback.lat.is_not(None), Feedback.address.is_not(None), _asking(db, ("location",)))

    def to_commune(feedback: Feedback) -> bool:
        had = feedback.lat is not None or feedback.address is not None
        feedback.lat = feedback.lon = feedback.address = None
        return _drop_answers(feedback, ("location",)) or had

    return _each(db, _closed_before(cutoff).where(precise), Feedback.id, to_commune)


def _photos(db: Session, cutoff: datetime) -> int:
    """The citizen's photos of old closed feedback: rows, then (after the commit) their files; and the
    link to a photo an Open311 client sent."""
    closed = _closed_before(cutoff)
    stmt = select(Attachment).where(
        Attachment.feedback_id.in_(closed.with_only_columns(Feedback.id)),
        Attachment.reply_id.is_(None),
        Attachment.notice_id.is_(None),
    )
    removed = 0
    while rows := db.scalars(stmt.limit(BATCH)).all():
        keys = [attachment.storage_key for attachment in rows]
        for feedback in {attachment.feedback for attachment in rows}:
            _drop_answers(feedback, ("photo",))
        for attachment in rows:
            db.delete(attachment)
        db.commit()
        for key in keys:
            storage.of(db).delete(key)
        removed += len(rows)

    def unlink(feedback: Feedback) -> bool:
        feedback.media_url = None
        return True

    return removed + _each(db, closed.where(Feedback.media_url.is_not(None)), Feedback.id, unlink)


def _scam_reports(db: Session, cutoff: datetime) -> int:
    def forget(report: ScamReport) -> bool:
        report.description = ""
        return True

    stmt = select(ScamReport).where(ScamReport.created_at < cutoff, ScamReport.description != "")
    return _each(db, stmt, ScamReport.id, forget)


def _each(db: Session, stmt, key, change) -> int:
    """Apply `change` to every row `stmt` finds, in order of the unique `key`, a batch per transaction;
    how many rows it changed (it returns whether it did)."""
    changed, last = 0, None
    while rows := db.scalars(
        (stmt if last is None else stmt.where(key > last)).order_by(key).limit(BATCH)
    ).all():
        last = getattr(rows[-1], key.key)
        changed += sum(bool(change(row)) for row in rows)
        db.commit()
    return changed


def _drop_answers(feedback: Feedback, types: tuple[str, ...]) -> bool:
    """Remove the answers to the form's fields of these types; whether there were any."""
    names = {spec["name"] for spec in feedback.form_version.fields if spec["type"] in types}
    if not names & set(feedback.answers):
        return False
    feedback.answers = {name: value for name, value in feedback.answers.items() if name not in names}
    return True


RULES = {
    "devices_silent": _devices,
    "contact": _contact,
    "location": _location,
    "photos": _photos,
    "scam_reports": _scam_reports,
    "deliveries": outbox_retention.prune,
}
