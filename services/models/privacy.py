"""The data-protection officer's registers: citizens' requests under the personal data law with their
legal clock, and personal-data breaches with the 72-hour clock to notify the authority."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from services.core.db import utcnow
from services.models.base import Base, Timestamps

REQUEST_TYPES = ("access", "correction", "deletion", "restriction", "objection", "withdrawal")
# received → answered (within 2 working days) → completed (the right carried out) → closed; a request
# may be closed at any step (refused, or nothing left to do).
REQUEST_STATUSES = ("received", "answered", "completed", "closed")
REQUEST_OUTCOMES = ("fulfilled", "refused", "withdrawn")


class PrivacyRequest(Timestamps, Base):
    """A data subject's request and its clock; `history` is every step, as the citizen sees it."""

    __tablename__ = "privacy_requests"
    __table_args__ = (
        CheckConstraint(f"type IN {REQUEST_TYPES}", name="type"),
        CheckConstraint(f"status IN {REQUEST_STATUSES}", name="status"),
        Index("ix_privacy_requests_citizen", "citizen_id", "received_at"),
        # The officer's inbox: open requests by the deadline they are on.
        Index("ix_privacy_requests_due", "status", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    citizen_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID | None]  # no foreign key: the request outlives the device
    type: Mapped[str] = mapped_column(String(16))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="received")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer_due_at: Mapped[datetime]
    complete_due_at: Mapped[datetime]
    # The deadline the request is on now: the answer's until answered, then completion's.
    due_at: Mapped[datetime]
    processor_involved: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    extended_at: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(String(1000))
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    history: Mapped[list] = mapped_column(default=list)


class PrivacyBreach(Timestamps, Base):
    """A personal-data breach: what happened, whom it touched, what was done, and the notification to the
    Ministry of Public Security (A05) due 72 hours after detection."""

    __tablename__ = "privacy_breaches"
    __table_args__ = (
        # The reminder chore: breaches not yet notified.
        Index(
            "ix_privacy_breaches_unnotified",
            "notify_due_at",
            postgresql_where=text("notified_at IS NULL"),
            sqlite_where=text("notified_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    what: Mapped[str] = mapped_column(Text)
    detected_at: Mapped[datetime]
    data_affected: Mapped[str] = mapped_column(Text, default="")
    people_affected: Mapped[int | None] = mapped_column(Integer)
    measures: Mapped[str] = mapped_column(Text, default="")
    notify_due_at: Mapped[datetime]
    notified_at: Mapped[datetime | None]
    notified_how: Mapped[str | None] = mapped_column(String(1000))
    notified_reference: Mapped[str | None] = mapped_column(String(200))
    # How many of the reminders (services/privacy/breaches.REMINDERS) have gone to the officers.
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    citizens_informed_at: Mapped[datetime | None]
    citizens_informed: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
