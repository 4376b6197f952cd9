"""What the province set up with Zalo (the Official Account's token pair, the approved templates) and
the Mini App notifications each day has given out."""

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.core.db import utcnow
from services.models.base import Base

TEMPLATE_CHANNELS = ("zalo_miniapp", "zns")


class ZaloOaToken(Base):
    """The Official Account's access token and refresh token (one row per OA). Zalo rotates the refresh
    token at each refresh, so the pair is replaced under a row lock and committed at once
    (services/identity/zalo_oa.py): a lost refresh token means signing the OA in again by hand."""

    __tablename__ = "zalo_oa_tokens"

    oa_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ZaloTemplate(Base):
    """A template Zalo approved for one of our messages (a key of services/outbox/texts.py) on the
    Mini App notification or ZNS channel, with each template parameter's source field and length limit:
    params = [{"name": "ma_phan_anh", "field": "code", "max_length": 30}, ...]."""

    __tablename__ = "zalo_templates"
    __table_args__ = (
        CheckConstraint(f"channel IN {TEMPLATE_CHANNELS}", name="channel"),
        UniqueConstraint("channel", "message"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(String(64))
    template_id: Mapped[str] = mapped_column(String(64))
    params: Mapped[list] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ZaloMiniappSlot(Base):
    """A citizen's Mini App notification of one day (Việt Nam time), and the notification it was for:
    Zalo sends a user at most one a day, and the app a limited number a day (services/zalo/allowance.py).
    Rows older than yesterday are removed as new ones are taken."""

    __tablename__ = "zalo_miniapp_slots"

    day: Mapped[date] = mapped_column(primary_key=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    notification_id: Mapped[uuid.UUID]
