"""Foundation tables: departments, staff users, categories, devices, API keys, the audit log."""

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
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import utcnow
from services.models.base import Base, Timestamps

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
        # PostgreSQL only: adding it on SQLite would copy the table (migration 0008); the service checks it.
        CheckConstraint("role <> 'admin' OR department_id IS NULL", name="admin_has_no_department").ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None]
    # Staff tokens carry the version they were issued at (claim `ver`); raising it ends every token
    # issued before (services/users.py says when). A counter, not a time: a token signed in the same
    # second as a password change must not survive it.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Staff e-mail (services/staff_mail): new, transferred and overdue feedback, the daily digest. The
    # user turns it off for themselves (PATCH /api/v1/users/me); it holds for their focal-point address too.
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    language: Mapped[str] = mapped_column(String(8), default="vi", server_default="vi")  # of that e-mail
    # The province's data-protection officer (Law 91/2025/QH15): requests, breaches, the access log.
    # A permission on top of the role, set by admins, so that the four roles stay as they are.
    privacy_officer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

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
    # The citizen's identity, when they have one (signed in with Zalo); most devices have none.
    citizen: Mapped["Citizen | None"] = relationship(  # noqa: F821 (services/models/citizens.py)
        primaryjoin="foreign(Device.citizen_id) == Citizen.id", viewonly=True, lazy="select"
    )

    @property
    def zalo_identity(self) -> dict:
        citizen = self.citizen
        return {
            "signed_in": bool(citizen and citizen.zalo_user_id),
            "notifications": bool(citizen and citizen.zalo_notifications),
            "phone": citizen.phone if citizen else None,
        }


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

    department: Mapped[Department | None] = relationship()


class AuditEvent(Base):
    """Who changed what, when and from where; written in the same transaction as the change."""

    __tablename__ = "audit_events"
    # Kept for years, never pruned: each filter of GET /audit has its index, and a time range reads a
    # BRIN index (rows arrive in time order; a few pages for years of rows).
    __table_args__ = (
        Index("ix_audit_events_entity", "entity", "entity_id"),
        Index("ix_audit_events_actor_label", "actor_label"),
        Index("ix_audit_events_action", "action", postgresql_ops={"action": "varchar_pattern_ops"}),
        Index("ix_audit_events_at", "at", postgresql_using="brin"),
    )

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


class SubmittedForm(Base):
    """A staff form's one-time token, stored in the transaction of what the form did: the same form sent
    again (a double click, the back button) finds it taken and does nothing twice."""

    __tablename__ = "submitted_forms"

    token: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
