"""Bulletins for the commune loudspeakers: what a commune's reader (or its radio system) airs on a day,
written for listening, and what staff corrected in it."""

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.core.db import utcnow
from services.models.base import Base

BULLETIN_KINDS = ("morning", "urgent")


class Bulletin(Base):
    """One commune's bulletin: the morning one of a day, or an urgent one for a severe alert.

    `items` = [{"type": "alert" | "notice", "id", "heading", "text", "edited"}], each `text` the spoken
    form (services/core/spoken.py) unless staff edited it; the audio is made from `text` and kept in the
    storage under its content hash, so the same words are synthesised once."""

    __tablename__ = "bulletins"
    __table_args__ = (
        CheckConstraint(f"kind IN {BULLETIN_KINDS}", name="kind"),
        Index("ix_bulletins_ward_day", "ward_code", "day", "kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    province_code: Mapped[int] = mapped_column(Integer)
    ward_code: Mapped[int] = mapped_column(Integer)
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    items: Mapped[list] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
