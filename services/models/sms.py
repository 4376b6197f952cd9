"""Feature phones: subscriptions of a phone number to its commune's alerts by SMS, the numbers that said
stop, and the day's SMS count against the province's budget."""

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.core.db import utcnow
from services.models.base import Base

SUBSCRIPTION_STATUSES = ("pending", "active", "stopped")
SUBSCRIPTION_SOURCES = ("office", "sms")


class SmsSubscription(Base):
    """A phone number that receives its commune's alerts by SMS: recorded at the commune office with the
    citizen's consent (active at once), or asked for by texting `DK <commune>` and confirmed with `Y`
    (double opt-in: pending until then)."""

    __tablename__ = "sms_subscriptions"
    __table_args__ = (
        CheckConstraint(f"status IN {SUBSCRIPTION_STATUSES}", name="status"),
        CheckConstraint(f"source IN {SUBSCRIPTION_SOURCES}", name="source"),
        UniqueConstraint("phone", "ward_code"),
        Index("ix_sms_subscriptions_ward", "ward_code", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    phone: Mapped[str] = mapped_column(String(16))  # E.164
    province_code: Mapped[int] = mapped_column(Integer)
    ward_code: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SmsOptOut(Base):
    """A number that texted `HUY`: it gets no SMS of any kind until it subscribes again and confirms."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SmsDay(Base):
    """SMS segments sent on one day (Việt Nam time) against the budget, and those held back by it."""

    __tablename__ = "sms_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    segments: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
