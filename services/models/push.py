"""Citizen push tables: the message each citizen sees (its text, audience and delivery summary), inbox
places/recipients/reads, and push tokens to take out of their FCM topics. Sending is the outbox's
(services/models/outbox.py: one delivery per FCM topic send or device)."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from services.core.db import utcnow
from services.models.base import Base, Place


class TokenRetirement(Base):
    """A push token that left its device (replaced or deleted) and must leave its FCM topics too."""

    __tablename__ = "token_retirements"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    push_token: Mapped[str] = mapped_column(String(4096))
    topics: Mapped[list] = mapped_column(default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


NOTIFICATION_STATUSES = ("pending", "retrying", "sent", "logged", "failed")


class Notification(Base):
    """A push message as citizens see it in their inbox, and the summary of its deliveries.

    `audience` is "place" (FCM topics for the targeted provinces/wards, or "all") or "citizens"
    (each device of the citizens in notification_recipients). Its deliveries sit in the outbox;
    each outcome the worker records updates the counts here (services/push/__init__.py).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"status IN {NOTIFICATION_STATUSES}", name="status"),
        CheckConstraint("audience IN ('place', 'citizens')", name="audience"),
        CheckConstraint("priority IN ('high', 'normal')", name="priority"),
        Index("ix_notifications_source", "source_type", "source_id"),
        Index("ix_notifications_created", "created_at", "id"),
        # A device's inbox: the newest notifications for places, past every citizen's personal ones.
        Index(
            "ix_notifications_place",
            "created_at",
            "id",
            postgresql_where=text("audience = 'place'"),
            sqlite_where=text("audience = 'place'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str | None] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(16))
    targets: Mapped[dict | None]
    category: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[dict]  # {"vi": {"title", "body"}, "en": {...}}
    data: Mapped[dict] = mapped_column(default=dict)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    ttl_seconds: Mapped[int | None] = mapped_column(Integer)
    collapse_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    send_at: Mapped[datetime] = mapped_column(default=utcnow)
    outstanding: Mapped[int] = mapped_column(Integer, default=0)  # deliveries not yet finished
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    message_ids: Mapped[list] = mapped_column(default=list)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_sent_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class NotificationPlace(Place, Base):
    """A place a notification is for, so a device's inbox finds it by province, ward or nationally."""

    __tablename__ = "notification_places"

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )


class NotificationRecipient(Base):
    """A citizen a personal notification is for."""

    __tablename__ = "notification_recipients"

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    citizen_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
    # The channel the message went out on (the best the citizen has); None: only their inbox has it.
    channel: Mapped[str | None] = mapped_column(String(16))


class NotificationRead(Base):
    """A device opened a notification in its in-app inbox."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
