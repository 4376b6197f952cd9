"""What became of the deliveries (push, webhooks, e-mail) of the events about alerts or notices, by
channel and outcome: the alerts report, the console's alert list and its deliveries page."""

import uuid
from collections import Counter

from sqlalchemy import BigInteger, Select, cast, func, select, union_all
from sqlalchemy.orm import Session

from services.models import Delivery, DeliveryTally, EventRecord


def by_subject(db: Session, subject_type: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Counter]]:
    """{id: {channel: Counter(status → deliveries)}} for a page of alerts or notices, in one query."""
    summary: dict[uuid.UUID, dict[str, Counter]] = {}
    for subject_id, channel, status, count in db.execute(counts(subject_type, ids, EventRecord.subject_id)):
        summary.setdefault(uuid.UUID(subject_id), {}).setdefault(channel, Counter())[status] = count
    return summary


def counts(subject_type: str, ids, *by) -> Select:
    """Deliveries of these subjects' events counted by `by`, channel and status: those still kept and
    the tallies of those the retention pass removed (services/outbox/retention.py)."""
    events = select(EventRecord.id).where(
        EventRecord.subject_type == subject_type, EventRecord.subject_id.in_([str(i) for i in ids])
    )
    kept = (
        select(Delivery.event_id, Delivery.channel, Delivery.status, func.count().label("deliveries"))
        .where(Delivery.event_id.in_(events))
        .group_by(Delivery.event_id, Delivery.channel, Delivery.status)
    )
    removed = select(
        DeliveryTally.event_id, DeliveryTally.channel, DeliveryTally.status, DeliveryTally.deliveries
    )
    both = union_all(kept, removed.where(DeliveryTally.event_id.in_(events))).subquery()
    return (
        select(*by, both.c.channel, both.c.status, cast(func.sum(both.c.deliveries), BigInteger))
        .join(EventRecord, EventRecord.id == both.c.event_id)
        .group_by(*by, both.c.channel, both.c.status)
    )
