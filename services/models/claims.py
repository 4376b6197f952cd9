"""Claims citizens report (false or distorted information seen on social networks), grouped into one
claim per viral post, and the fact-checks departments publish on them."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.core.db import utcnow
from services.models.base import Base, trigram_index
from services.models.core import Department

CLAIM_PLATFORMS = ("zalo_group", "facebook", "tiktok", "youtube", "word_of_mouth", "other")
CLAIM_GROUP_STATUSES = ("open", "fact_checked")
RATINGS = ("false", "misleading", "missing_context", "true", "unverifiable")
LINK_LENGTH = 1000


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN {values}", name=column)


class ClaimGroup(Base):
    """One claim as it spreads: the reports of the same canonical link or of near-identical text, in one
    province, routed like feedback of category `misinformation` and due in working days."""

    __tablename__ = "claim_groups"
    __table_args__ = (_one_of("status", CLAIM_GROUP_STATUSES),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    province_code: Mapped[int] = mapped_column(Integer)
    ward_code: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), index=True)
    needs_triage: Mapped[bool] = mapped_column(Boolean, default=False)
    # The first report's words, as the staff list shows them.
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Distinct reporting devices, kept as reports arrive (the list sorts by it).
    devices: Mapped[int] = mapped_column(Integer, default=0)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    fact_checked_at: Mapped[datetime | None]

    department: Mapped[Department | None] = relationship(lazy="joined")
    reports: Mapped[list["ClaimReport"]] = relationship(
        back_populates="group", order_by="ClaimReport.created_at", viewonly=True
    )
    fact_check: Mapped["FactCheck | None"] = relationship(back_populates="group", viewonly=True)


class ClaimReport(Base):
    """A citizen's report of a claim: what it says and/or where it was seen."""

    __tablename__ = "claim_reports"
    __table_args__ = (
        _one_of("platform", CLAIM_PLATFORMS),
        CheckConstraint("text <> '' OR link IS NOT NULL", name="text_or_link"),
        trigram_index("ix_claim_reports_text_search_trgm", "text_search"),  # near-identical text
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claim_groups.id", ondelete="CASCADE"), index=True)
    # No foreign key: a report outlives the device that sent it (like scam reports).
    device_id: Mapped[uuid.UUID] = mapped_column(index=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(index=True)
    province_code: Mapped[int] = mapped_column(Integer)
    ward_code: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    # normalize(text): near-identical text is found on it (pg_trgm on PostgreSQL).
    text_search: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(LINK_LENGTH))
    link_normalized: Mapped[str | None] = mapped_column(String(LINK_LENGTH), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    group: Mapped[ClaimGroup] = relationship(back_populates="reports")

    @property
    def department_id(self) -> uuid.UUID | None:
        """The group's: a report's event belongs to the department that checks the claim."""
        return self.group.department_id


class ClaimInterest(Base):
    """A device that asked the check about a claim and is told when its fact-check comes."""

    __tablename__ = "claim_interests"
    __table_args__ = (UniqueConstraint("group_id", "device_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claim_groups.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[uuid.UUID]
    citizen_id: Mapped[uuid.UUID] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FactCheck(Base):
    """The responsible department's published answer to a claim group; each change keeps a version."""

    __tablename__ = "fact_checks"
    __table_args__ = (_one_of("rating", RATINGS),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("claim_groups.id", ondelete="CASCADE"), unique=True
    )
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"), index=True)
    claim_reviewed: Mapped[str] = mapped_column(Text)
    rating: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[str] = mapped_column(Text)
    sources: Mapped[list] = mapped_column()  # [{"url", "title"}]
    correction_notice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("notices.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    group: Mapped[ClaimGroup] = relationship(back_populates="fact_check", lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    versions: Mapped[list["FactCheckVersion"]] = relationship(
        order_by="FactCheckVersion.version", viewonly=True
    )


class FactCheckVersion(Base):
    """A fact-check as it read before a change (the current text is the fact-check itself)."""

    __tablename__ = "fact_check_versions"
    __table_args__ = (UniqueConstraint("fact_check_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    fact_check_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fact_checks.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
