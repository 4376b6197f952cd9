"""Webhooks: receivers' URLs that get a signed POST for the events they subscribed to."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.models.base import Base, Timestamps
from services.models.core import Department


class Webhook(Timestamps, Base):
    """A department's system (or, without a department, a province-wide one) that receives events.

    `secret` signs every delivery, so it is stored as given out (shown once, never again). A run of
    failed attempts (`failures` since `failing_since`) long enough disables the webhook with a reason."""

    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_created", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(default=list)
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), index=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(1000))
    disabled_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(254), default="")

    department: Mapped[Department | None] = relationship()
