"""Notice tables: policy notices and announcements with their stage history, earlier versions,
the places they are aimed at, read counters, and consultation comments on draft policies."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core import markup
from services.core.db import utcnow
from services.models.base import Base, Place, Timestamps, trigram_index
from services.models.core import Department

NOTICE_KINDS = ("policy", "announcement", "correction")
NOTICE_STAGES = ("draft", "consultation", "adopted", "in_effect", "published", "archived")
COMMENT_STATUSES = ("pending", "published", "hidden")

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class NoticeContent:
    """The content of a notice that an edit of a public notice keeps as a version."""

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Other languages: {"en": {"title", "summary", "body"}}; Vietnamese is in the columns above.
    translations: Mapped[dict] = mapped_column(default=dict)
    document_number: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    links: Mapped[list] = mapped_column(default=list)
    # A correction names the false claim it rebuts.
    claim_url: Mapped[str | None] = mapped_column(String(2000))
    # The documents shown with this content, in order (ids of attachments whose notice_id is the notice's).
    attachment_ids: Mapped[list] = mapped_column(default=list, server_default=text("'[]'"))

    @property
    def attachments(self) -> list:
        by_id = {str(attachment.id): attachment for attachment in self.files}
        return [by_id[id_] for id_ in self.attachment_ids if id_ in by_id]


class Notice(NoticeContent, Timestamps, Base):
    """A policy, announcement or correction issued by a department, public once it leaves `draft`."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(f"kind IN {NOTICE_KINDS}", name="kind"),
        CheckConstraint(f"stage IN {NOTICE_STAGES}", name="stage"),
        # Lists and the feed: newest first among what is public now.
        Index("ix_notices_listed", "listed_at", "id"),
        # The Atom feed's last change: the latest edit, found from the end of this index.
        Index("ix_notices_updated", "updated_at"),
        # Open consultations closing soonest, and stage filters.
        Index("ix_notices_stage", "stage", "consultation_closes_at"),
        trigram_index("ix_notices_content_search_trgm", "content_search"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16), default="draft")
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"), index=True)
    content_search: Mapped[str] = mapped_column(Text)
    targets: Mapped[dict]
    publish_at: Mapped[datetime | None]
    # When the notice is listed from: its creation while a draft, its publication afterwards
    # (never null, so lists keep one keyset order for drafts and public notices alike).
    listed_at: Mapped[datetime] = mapped_column(default=utcnow)
    consultation_closes_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    department: Mapped[Department] = relationship(lazy="joined")
    places: Mapped[list["NoticePlace"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    history: Mapped[list["NoticeHistory"]] = relationship(
        order_by="NoticeHistory.id", cascade="all, delete-orphan", passive_deletes=True
    )
    # Every document ever attached, so earlier versions keep theirs; `attachments` is what this one shows.
    files: Mapped[list["Attachment"]] = relationship()  # noqa: F821

    @property
    def published_at(self) -> datetime | None:
        return None if self.stage == "draft" else self.listed_at


class NoticePlace(Place, Base):
    __tablename__ = "notice_places"

    notice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )


class NoticeHistory(Base):
    """One step of a notice's life: the stage it entered, when, and the editor's note."""

    __tablename__ = "notice_history"

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(String(1000))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class NoticeVersion(NoticeContent, Base):
    """The content of a public notice as it was before an edit replaced it."""

    __tablename__ = "notice_versions"
    __table_args__ = (UniqueConstraint("notice_id", "version", name="uq_notice_versions_notice_id_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    files: Mapped[list["Attachment"]] = relationship(  # noqa: F821
        primaryjoin="NoticeVersion.notice_id == foreign(Attachment.notice_id)",
        viewonly=True,
        lazy="selectin",  # a page of versions in one more query
    )

    @property
    def body_html(self) -> str:
        return markup.to_html(self.body)


class NoticeReadCount(Base):
    """Reads of a notice, counted per day in a few shard rows picked at random: concurrent reads
    rarely touch the same row, and the notice row itself is never written by a read."""

    __tablename__ = "notice_read_counts"

    notice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    count: Mapped[int] = mapped_column(_BIGINT, default=0)


class NoticeComment(Base):
    """A citizen's comment on a policy in consultation; moderated and answered by its department."""

    __tablename__ = "notice_comments"
    __table_args__ = (
        CheckConstraint(f"status IN {COMMENT_STATUSES}", name="status"),
        # Public list (published, oldest first) and staff lists filtered by status.
        Index("ix_notice_comments_notice", "notice_id", "status", "created_at", "id"),
        # One device's recent comments on a notice, for refusing duplicates.
        Index("ix_notice_comments_device", "device_id", "notice_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    # Replies reach every device of the citizen, also after this device is gone.
    citizen_id: Mapped[uuid.UUID] = mapped_column(index=True)
    section: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None]
    replied_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notice: Mapped[Notice] = relationship(viewonly=True)
