"""Feedback tables: province-defined forms and their versions, routing rules, submissions with their
timeline and replies, and uploaded attachments."""

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import utcnow
from services.models.base import Base, Place, Timestamps, trigram_index
from services.models.core import Category, Department, User

FEEDBACK_STATUSES = ("received", "assigned", "in_progress", "answered", "closed", "rejected", "reopened")
OPEN_STATUSES = ("received", "assigned", "in_progress", "reopened")  # waiting for the department
FIELD_TYPES = (
    "text",
    "textarea",
    "choice",
    "multi_choice",
    "phone",
    "email",
    "date",
    "number",
    "location",
    "photo",
)


class Form(Timestamps, Base):
    """A feedback form the province offers in some places; its fields live in versions."""

    __tablename__ = "forms"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id"), index=True)
    targets: Mapped[dict]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # the current version

    category: Mapped[Category] = relationship(lazy="joined")
    current_version: Mapped["FormVersion"] = relationship(
        primaryjoin="and_(FormVersion.form_id == Form.id, FormVersion.version == Form.version)",
        viewonly=True,
        lazy="joined",
    )
    places: Mapped[list["FormPlace"]] = relationship(cascade="all, delete-orphan")

    @property
    def category_code(self) -> str:
        return self.category.code

    @property
    def title(self) -> dict:
        return self.current_version.title

    @property
    def fields(self) -> list:
        return self.current_version.fields


class FormVersion(Base):
    """What a form asked at one time. Submissions keep the version they answered, so edits never
    change the meaning of stored answers."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_id", "version", name="uq_form_versions_form_id_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    form_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    fields: Mapped[list]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def title(self) -> dict:
        return {"vi": self.title_vi, "en": self.title_en}


class FormPlace(Place, Base):
    __tablename__ = "form_places"

    form_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True)


class RoutingRule(Base):
    """Feedback of a category from a place goes to a department; the most specific rule wins."""

    __tablename__ = "routing_rules"
    __table_args__ = (
        CheckConstraint("ward_code IS NULL OR province_code IS NOT NULL", name="ward_has_province"),
        Index("ix_routing_rules_category", "category_id", "province_code", "ward_code"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id"))
    province_code: Mapped[int | None] = mapped_column(Integer)
    ward_code: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[Category] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")

    @property
    def category_code(self) -> str:
        return self.category.code


class Feedback(Timestamps, Base):
    """A citizen's submission and where it stands in its department's workflow."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(f"status IN {FEEDBACK_STATUSES}", name="status"),
        CheckConstraint("priority IN ('urgent', 'normal', 'complex')", name="priority"),
        # A retried submission (same device, same Idempotency-Key) finds the first one, even when the
        # two requests race: the second insert fails on this constraint.
        UniqueConstraint("device_id", "idempotency_key", name="uq_feedback_device_idempotency_key"),
        # The department inbox: oldest due first.
        Index("ix_feedback_inbox", "department_id", "due_at", "id"),
        # Its open feedback alone, and its feedback of one status: years of closed ones never lie between
        # them and the first page.
        Index(
            "ix_feedback_open_inbox",
            "department_id",
            "due_at",
            "id",
            postgresql_where=text(f"status IN {OPEN_STATUSES}"),
            sqlite_where=text(f"status IN {OPEN_STATUSES}"),
        ),
        Index("ix_feedback_status_inbox", "department_id", "status", "due_at", "id"),
        # The worker's overdue pass: open feedback not yet announced as overdue.
        Index(
            "ix_feedback_overdue",
            "due_at",
            postgresql_where=text(f"overdue_at IS NULL AND status IN {OPEN_STATUSES}"),
            sqlite_where=text(f"overdue_at IS NULL AND status IN {OPEN_STATUSES}"),
        ),
        Index("ix_feedback_citizen", "citizen_id", "created_at", "id"),
        # The public board, newest answer first: the few feedback marked public, past years of the rest.
        Index(
            "ix_feedback_public_board",
            "answered_at",
            "id",
            postgresql_where=text("public"),
            sqlite_where=text("public"),
        ),
        # The reports: feedback received in a period.
        Index("ix_feedback_received", "received_at"),
        trigram_index("ix_feedback_search_trgm", "search"),  # the inbox's `q`
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    form_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forms.id"))
    form_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("form_versions.id"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    citizen_id: Mapped[uuid.UUID] = mapped_column()
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    needs_triage: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="received")
    priority: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict]
    search: Mapped[str] = mapped_column(Text, default="")
    province_code: Mapped[int] = mapped_column(Integer, index=True)
    ward_code: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # What an Open311 client sends beside the form's answers: the street address it gave, a link to a photo.
    address: Mapped[str | None] = mapped_column(String(500))
    media_url: Mapped[str | None] = mapped_column(String(2000))
    contact: Mapped[dict | None]
    # Answers the department marked as personal (free text naming people): erased with the citizen.
    personal_answers: Mapped[list] = mapped_column(default=list, server_default=text("'[]'"))
    # How the citizen's identity was verified when they submitted ("zalo"), or None (anonymous device).
    verified_via: Mapped[str | None] = mapped_column(String(16))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    overdue_at: Mapped[datetime | None]  # when `feedback.overdue` was announced (once per due_at)
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(16))  # resolved | unresolved, once closed
    rejection_reason: Mapped[str | None] = mapped_column(String(32))
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("feedback.id"))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    rating_score: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(1000))
    rated_at: Mapped[datetime | None]

    form: Mapped[Form] = relationship(lazy="joined")
    form_version: Mapped[FormVersion] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(lazy="joined")
    events: Mapped[list["FeedbackEvent"]] = relationship(
        order_by="FeedbackEvent.id", cascade="all, delete-orphan", lazy="selectin"
    )
    replies: Mapped[list["FeedbackReply"]] = relationship(
        order_by="FeedbackReply.created_at", cascade="all, delete-orphan", lazy="selectin"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        primaryjoin="and_(Attachment.feedback_id == Feedback.id, Attachment.reply_id.is_(None))",
        viewonly=True,
        lazy="selectin",
    )

    @property
    def category_code(self) -> str:
        return self.category.code

    @property
    def answered_form(self) -> dict:
        """The form and the version this feedback answered."""
        version = self.form_version
        return {"slug": self.form.slug, "version": version.version, "title": version.title}

    @property
    def location(self) -> dict | None:
        return {"lat": self.lat, "lon": self.lon} if self.lat is not None else None

    @property
    def rating(self) -> dict | None:
        return {"score": self.rating_score, "comment": self.rating_comment} if self.rating_score else None

    @property
    def citizen_timeline(self) -> list["FeedbackEvent"]:
        """The timeline without the department's internal notes."""
        return [event for event in self.events if event.kind != "noted"]

    @property
    def public_replies(self) -> list["FeedbackReply"]:
        return [reply for reply in self.replies if reply.public]


class FeedbackEvent(Base):
    """One step on a feedback's timeline: who, when, what (status change, transfer, reply...)."""

    __tablename__ = "feedback_events"
    # The reports: transfers made in a period.
    __table_args__ = (Index("ix_feedback_events_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    feedback_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    actor_type: Mapped[str] = mapped_column(String(16))  # device | user | system
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"))
    note: Mapped[str | None] = mapped_column(String(2000))
    data: Mapped[dict] = mapped_column(default=dict)

    department: Mapped[Department | None] = relationship(lazy="joined")


class FeedbackReply(Base):
    """A department's answer to the citizen; `public` ones appear on the public board."""

    __tablename__ = "feedback_replies"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    feedback_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    attachments: Mapped[list["Attachment"]] = relationship(viewonly=True, lazy="selectin")


class Attachment(Base):
    """An uploaded photo or PDF. Until a feedback, reply or notice references it, only its uploader sees
    it; afterwards, whoever may see that feedback or notice."""

    __tablename__ = "attachments"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    feedback_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    reply_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("feedback_replies.id", ondelete="CASCADE"))
    # A document of a notice: public when the notice is, and never purged.
    notice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), index=True
    )
    # A screenshot of a claim a citizen reported: staff of the claim's department see it.
    claim_report_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("claim_reports.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    feedback: Mapped["Feedback | None"] = relationship(foreign_keys=[feedback_id], viewonly=True)

    def free_for(self, uploader) -> bool:
        """Whether this device or user uploaded it and no feedback, reply or notice has taken it yet
        (what is taken is never taken again, nor purged)."""
        return (
            uploader is not None
            and uploader.id in (self.device_id, self.user_id)
            and self.feedback_id is None
            and self.notice_id is None
            and self.claim_report_id is None
        )
