"""Citizens with an identity, and the ledger of what they consented to.

A citizen is the `citizen_id` their devices share. Most are anonymous and have no row here; one is
written when a citizen signs in with Zalo (their Zalo user id, never the Zalo access token) and holds
what that identity brings: a phone number verified by Zalo and shared with consent, and the opt-in to
Mini App notifications.
"""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from services.core.db import utcnow
from services.models.base import Base

CONSENT_ACTIONS = ("given", "withdrawn")
CONSENT_CHANNELS = ("app", "zalo", "sms", "office")


class Citizen(Base):
    __tablename__ = "citizens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the devices' citizen_id
    zalo_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The citizen allowed Mini App notifications (zmp-sdk requestSendNotification).
    zalo_notifications: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(16))  # E.164, verified by Zalo, kept under consent
    phone_verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentRecord(Base):
    """One consent given or withdrawn: append-only, so what a citizen agreed to, when, on which device,
    through which channel and after reading which version of the notice can always be shown."""

    __tablename__ = "consent_records"
    __table_args__ = (
        CheckConstraint(f"action IN {CONSENT_ACTIONS}", name="action"),
        CheckConstraint(f"channel IN {CONSENT_CHANNELS}", name="channel"),
        Index("ix_consent_records_citizen", "citizen_id", "purpose", "recorded_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    citizen_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID | None]  # no foreign key: the record outlives the device
    purpose: Mapped[str] = mapped_column(String(32))
    notice_version: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
