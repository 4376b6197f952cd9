"""SQLAlchemy 2.0 typed tables. Every change here ships with an Alembic migration (tests compare them)."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.db import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid, dict: JSONDocument, list: JSONDocument}


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


ROLES = ("admin", "editor", "officer", "viewer")


class Department(Timestamps, Base):
    """A body that answers citizens: a provincial department, a commune office, a central agency."""

    __tablename__ = "departments"
    __table_args__ = (
        # One intake department per province receives whatever no routing rule claims.
        Index(
            "uq_departments_intake_province",
            "province_code",
            unique=True,
            sqlite_where=text("intake"),
            postgresql_where=text("intake"),
        ),
        CheckConstraint("NOT intake OR province_code IS NOT NULL", name="intake_has_province"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_search: Mapped[str] = mapped_column(String(200), index=True)
    province_code: Mapped[int | None] = mapped_column(Integer, index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"))
    focal_name: Mapped[str | None] = mapped_column(String(200))
    focal_phone: Mapped[str | None] = mapped_column(String(20))
    focal_email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    intake: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def focal_point(self) -> dict | None:
        """The person who answers for the department, or None (the coverage report flags those)."""
        if not (self.focal_name or self.focal_phone or self.focal_email):
            return None
        return {"name": self.focal_name, "phone": self.focal_phone, "email": self.focal_email}


class User(Timestamps, Base):
    """A staff member: province admin, department editor, officer or viewer."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role"),
        CheckConstraint("role = 'admin' OR department_id IS NOT NULL", name="staff_has_department"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None]

    department: Mapped[Department | None] = relationship(lazy="joined")


class Category(Timestamps, Base):
    """What a feedback, notice or alert is about; carries the response priority and deadline."""

    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint("kind IN ('feedback', 'notice', 'alert')", name="kind"),
        CheckConstraint("priority IN ('urgent', 'normal', 'complex')", name="priority"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    deadline_working_days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Device(Timestamps, Base):
    """A citizen's phone or mini-app install; its bearer token is stored only as a SHA-256 hash."""

    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint("platform IN ('android', 'ios', 'web', 'zalo')", name="platform"),
        Index(
            "ix_devices_topics_due",
            "topics_retry_at",
            postgresql_where=text("topics_dirty"),
            sqlite_where=text("topics_dirty"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(35), default="vi")
    province_code: Mapped[int] = mapped_column(Integer, index=True)
    ward_code: Mapped[int | None] = mapped_column(Integer, index=True)
    push_token: Mapped[str | None] = mapped_column(String(4096))
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Devices registered from an existing device's token share its citizen: personal messages reach all.
    citizen_id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4, index=True)
    categories: Mapped[list] = mapped_column(default=list)
    quiet_hours: Mapped[dict | None]
    # FCM topic subscriptions of push_token as last confirmed by FCM; the push worker reconciles
    # them with the device's place, language and interests while topics_dirty is set.
    subscribed_topics: Mapped[list] = mapped_column(default=list)
    topics_dirty: Mapped[bool] = mapped_column(Boolean, default=False)
    topics_retry_at: Mapped[datetime | None]


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
    """A push message in the outbox, written in the publishing transaction, then its delivery record.

    `audience` is "place" (FCM topics for the targeted provinces/wards, or "all") or "citizens"
    (each device of the citizens in notification_recipients). The push worker claims due rows,
    sends them and records the outcome here.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"status IN {NOTIFICATION_STATUSES}", name="status"),
        CheckConstraint("audience IN ('place', 'citizens')", name="audience"),
        CheckConstraint("priority IN ('high', 'normal')", name="priority"),
        # The worker's claim query: due rows only (partial index stays small as rows complete).
        Index(
            "ix_notifications_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'retrying')"),
            sqlite_where=text("status IN ('pending', 'retrying')"),
        ),
        Index("ix_notifications_source", "source_type", "source_id"),
        Index("ix_notifications_created", "created_at", "id"),
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
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    progress: Mapped[dict] = mapped_column(default=dict)
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    message_ids: Mapped[list] = mapped_column(default=list)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_sent_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class NotificationPlace(Base):
    """A place a notification is for, so a device's inbox finds it by province, ward or nationally."""

    __tablename__ = "notification_places"
    __table_args__ = (Index("ix_notification_places_place", "scope", "code"),)

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # national | province | ward
    code: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 for national


class NotificationRecipient(Base):
    """A citizen a personal notification is for."""

    __tablename__ = "notification_recipients"

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    citizen_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)


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


class ApiKey(Base):
    """An integrator's key with scopes; stored as a SHA-256 hash, shown once."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list] = mapped_column(default=list)
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Who changed what, when and from where; written in the same transaction as the change."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None]
    after: Mapped[dict | None]
    ip: Mapped[str | None] = mapped_column(String(45))
