"""The event log and the outbox: every event a service announced, and every delivery of one on a channel."""

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column

from services.core.db import utcnow
from services.models.base import Base

# held: never sent, kept back by a budget (the day's SMS) and shown as such in the deliveries summary.
DELIVERY_STATUSES = ("pending", "retrying", "sent", "failed", "gone", "held", "withdrawn")
UNFINISHED = ("pending", "retrying")


def ordering_scope(channel: str, address: str, key: str) -> str:
    """The stored ordering key: deliveries go one after the other when they share channel, address and
    the caller's key; one digest of the three is what the claim compares (md5 as a bucket, not a seal)."""
    return hashlib.md5(f"{channel}\n{address}\n{key}".encode()).hexdigest()


def unfinished(status):
    """`status IN ('pending', 'retrying')` with the values written in the SQL, not bound: psycopg
    prepares a statement run five times, and a generic plan cannot match a bound parameter to the
    partial indexes' predicate (it would read every delivered row)."""
    return status.in_([literal_column(f"'{value}'") for value in UNFINISHED])


class EventRecord(Base):
    """An event as emitted (services/events.py): its id is the one receivers see, so they can drop
    duplicates; the log also keeps one-off events (a feedback's overdue) from repeating."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_subject", "subject_type", "subject_id", "name"),
        Index("ix_events_created", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[uuid.UUID | None]
    data: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What it announced was withdrawn (a cancelled alert's publication): what is still unsent to people
    # is not sent (services/outbox/worker.py).
    withdrawn_at: Mapped[datetime | None]


class Delivery(Base):
    """One message to one address on one channel, written in the transaction of its event; the worker
    (services/outbox/worker.py) claims it, sends it through the channel and records each outcome here.
    On PostgreSQL the table's pages are filled half by inserts (fillfactor 50, migration 0032) so that
    the claim rewrites a row on its own page."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="status"),
        # Finished exactly when it has a completion time: the retention pass and the ordering question
        # read completed_at, the claim reads status.
        CheckConstraint(f"(status IN {UNFINISHED}) = (completed_at IS NULL)", name="completed"),
        # The claim: due rows only (the partial index stays small as rows complete).
        Index(
            "ix_deliveries_due",
            "rank",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'retrying')"),
            sqlite_where=text("status IN ('pending', 'retrying')"),
        ),
        # "Is an earlier delivery with the same key unfinished?" The key holds its channel and address
        # (ordering_scope) and "unfinished" is asked as `completed_at IS NULL`, so this is the only index
        # the question can use. Asked per address, the planner took the address index; asked by status,
        # it took ix_deliveries_due whenever the statistics were from an empty outbox. Either way it
        # walked a whole webhook's backlog for every candidate.
        Index(
            "ix_deliveries_ordering",
            "ordering_key",
            "created_at",
            postgresql_where=text("ordering_key IS NOT NULL AND completed_at IS NULL"),
            sqlite_where=text("ordering_key IS NOT NULL AND completed_at IS NULL"),
        ),
        Index("ix_deliveries_event", "event_id"),
        # The retention pass: finished deliveries, oldest first (services/outbox/retention.py).
        Index(
            "ix_deliveries_completed",
            "completed_at",
            postgresql_where=text("completed_at IS NOT NULL"),
            sqlite_where=text("completed_at IS NOT NULL"),
        ),
        Index("ix_deliveries_address", "channel", "address", "created_at"),
        # A receipt (Zalo's OA webhook, an SMSC's delivery report) names the provider's message id.
        Index(
            "ix_deliveries_provider",
            "channel",
            "provider_id",
            postgresql_where=text("provider_id IS NOT NULL"),
            sqlite_where=text("provider_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(1024))
    payload: Mapped[dict] = mapped_column(default=dict)
    event_id: Mapped[uuid.UUID | None]
    ordering_key: Mapped[str | None] = mapped_column(String(128))  # ordering_scope(channel, address, key)
    rank: Mapped[int] = mapped_column(Integer, default=0)  # lower is claimed first: -priority (alerts -1)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(1000))
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(128))  # the message id the provider answered
    # Receipts from channels that report them (ZNS): the recipient's phone got it, then opened it.
    delivered_at: Mapped[datetime | None]
    seen_at: Mapped[datetime | None]


class DeliveryTally(Base):
    """How many deliveries of an event ended in each status on a channel, for the deliveries the
    retention pass removed: reports count these with the deliveries still kept."""

    __tablename__ = "delivery_tallies"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    deliveries: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
