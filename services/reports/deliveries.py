"""What became of the deliveries (push, webhooks, e-mail) of the events about alerts or notices, by
channel and outcome: the alerts report, the console's alert list and its deliveries page."""

import uuid
from collections import Counter

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from services.models import Delivery, EventRecord


def by_subject(db: Session, subject_type: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Counter]]:
    """{id: {channel: Counter(status → deliveries)}} for a page of alerts or notices, in one query."""
    summary: dict[uuid.UUID, dict[str, Counter]] = {}
    for subject_id, channel, status, count in db.execute(counts(subject_type, ids, EventRecord.subject_id)):
        summary.setdefault(uuid.UUID(subject_id), {}).setdefault(channel, Counter())[status] = count
    return summary


def counts(subject_type: str, ids, *by) -> Select:
    """Deliveries of these subjects' events counted by `by`, channel and status."""
    return (
        select(*by, Delivery.channel, Delivery.status, func.count())
        .join(EventRecord, EventRecord.id == Delivery.event_id)
        .where(EventRecord.subject_type == subject_type, EventRecord.subject_id.in_([str(i) for i in ids]))
        .group_by(*by, Delivery.channel, Delivery.status)
    )
