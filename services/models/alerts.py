"""Alert tables: public alerts (scams, misinformation, safety…), the places they are for, their scam
indicators, citizens' scam reports, and the allow-list of known-legitimate indicators."""

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import utcnow
from services.models.base import Base, Place, Timestamps
from services.models.core import Department

ALERT_CATEGORIES = ("scam", "misinformation", "safety", "health", "disaster", "other")
ALERT_STATUSES = ("draft", "published", "cancelled")
SEVERITIES = ("minor", "moderate", "severe", "extreme")
URGENCIES = ("immediate", "expected", "future", "past", "unknown")
CERTAINTIES = ("observed", "likely", "possible", "unlikely", "unknown")
INDICATOR_TYPES = ("phone", "url", "domain", "bank_account", "social_account", "email")
SCAM_CHANNELS = ("call", "sms", "zalo", "facebook", "tiktok", "telegram", "website", "email", "other")
SCAM_REPORT_STATUSES = ("new", "confirmed", "dismissed", "promoted")
DISMISS_REASONS = ("legitimate", "not_a_scam", "insufficient_information", "abusive")
# Long enough for a URL a citizen pastes; the lookups use a b-tree index on the normalised value.
VALUE_LENGTH = 1000


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN {values}", name=column)


class Alert(Timestamps, Base):
    """A public alert. Active means published and not yet expired, decided at query time: no job
    expires anything. `cap_messages` lists the CAP messages sent so far (Alert, Updates, Cancel);
    the last one is the alert's CAP document, the earlier ones its `references`."""

    __tablename__ = "alerts"
    __table_args__ = (
        _one_of("status", ALERT_STATUSES),
        _one_of("category", ALERT_CATEGORIES),
        _one_of("severity", SEVERITIES),
        _one_of("urgency", URGENCIES),
        _one_of("certainty", CERTAINTIES),
        # Lists: most severe, then most recent first.
        Index("ix_alerts_order", "severity_rank", "sent_at", "id"),
        # Active alerts: published rows only, by expiry.
        Index(
            "ix_alerts_live",
            "expires_at",
            postgresql_where=text("status = 'published'"),
            sqlite_where=text("status = 'published'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    category: Mapped[str] = mapped_column(String(16))
    headline: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(4000))
    instruction: Mapped[str] = mapped_column(String(2000), default="")
    severity: Mapped[str] = mapped_column(String(16))
    severity_rank: Mapped[int] = mapped_column(Integer)
    urgency: Mapped[str] = mapped_column(String(16))
    certainty: Mapped[str] = mapped_column(String(16))
    targets: Mapped[dict]
    source_url: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime]
    translations: Mapped[dict] = mapped_column(default=dict)
    cap_messages: Mapped[list] = mapped_column(default=list)
    # When the latest CAP message went out (for a draft: when it was drafted); orders the lists.
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    department: Mapped[Department | None] = relationship(lazy="joined")
    indicators: Mapped[list["AlertIndicator"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="AlertIndicator.position"
    )
    places: Mapped[list["AlertPlace"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def active(self) -> bool:
        return self.status == "published" and self.expires_at > utcnow()

    @property
    def msg_type(self) -> str | None:
        """The CAP msgType of the latest message: Alert, Update or Cancel (None for a draft)."""
        return self.cap_messages[-1]["msg_type"] if self.cap_messages else None


class AlertPlace(Place, Base):
    __tablename__ = "alert_places"

    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)


class AlertIndicator(Base):
    """A phone number, link, account… named in an alert, stored as typed and normalised."""

    __tablename__ = "alert_indicators"
    __table_args__ = (_one_of("type", INDICATOR_TYPES),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(VALUE_LENGTH))
    normalized: Mapped[str] = mapped_column(String(VALUE_LENGTH), index=True)
    # Registrable domain of URLs and domains: finds the links named on a site that scam-check is asked about.
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    note: Mapped[str | None] = mapped_column(String(500))


class ScamReport(Base):
    """A citizen's report of a scam attempt. Kept whatever happens: routed to a department, or left
    with department_id NULL and needs_triage set when no department takes it. Moderated by the
    department's staff: new → confirmed → promoted (to a draft alert), or dismissed with a reason."""

    __tablename__ = "scam_reports"
    __table_args__ = (
        _one_of("type", INDICATOR_TYPES),
        _one_of("status", SCAM_REPORT_STATUSES),
        _one_of("dismiss_reason", DISMISS_REASONS),
        CheckConstraint("amount_lost_vnd >= 0", name="amount_lost_vnd"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # No foreign key: a report outlives the device that sent it.
    reporter_device_id: Mapped[uuid.UUID]
    province_code: Mapped[int] = mapped_column(Integer)
    ward_code: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), index=True)
    needs_triage: Mapped[bool] = mapped_column(Boolean, default=False)
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(VALUE_LENGTH))
    normalized: Mapped[str] = mapped_column(String(VALUE_LENGTH), index=True)
    domain: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(4000), default="")
    happened_at: Mapped[datetime | None]
    channel: Mapped[str | None] = mapped_column(String(16))
    amount_lost_vnd: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="new")
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The latest moderation step (each one is in the audit log).
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    dismiss_reason: Mapped[str | None] = mapped_column(String(32))
    moderation_note: Mapped[str | None] = mapped_column(String(1000))


class TrustedIndicator(Base):
    """A known-legitimate value (a government site, a bank's hotline…) that citizens' reports alone never
    mark, stored normalised like alert indicators. A domain also covers its subdomains and the links and
    e-mail addresses on them; a public suffix such as gov.vn covers every site registered under it."""

    __tablename__ = "trusted_indicators"
    __table_args__ = (
        _one_of("type", INDICATOR_TYPES),
        # `normalized` first: scam-check looks up several candidate values of any type at once.
        UniqueConstraint("normalized", "type"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(VALUE_LENGTH))
    normalized: Mapped[str] = mapped_column(String(VALUE_LENGTH))
    note: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
