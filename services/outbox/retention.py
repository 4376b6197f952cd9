"""Finished deliveries are kept `RETENTION_DELIVERIES_DAYS` (the retention schedule's `deliveries`
rule, services/privacy/retention.py), so the outbox stays the size of a month's traffic after years.

What still reads old deliveries: the alert and notice reports and the console's deliveries page count
them by event, channel and status — before a batch goes, its counts are added to `delivery_tallies`,
which those reports read too (services/reports/deliveries.py); a webhook's delivery list, SMS and ZNS
receipts and a privacy export read the recent ones only. Unfinished deliveries are never removed.
"""

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.models import Delivery, DeliveryTally

BATCH = 5000  # deliveries a transaction removes: short locks, bounded WAL per commit


def prune(db: Session, before: datetime, batch: int = BATCH) -> int:
    """Remove the deliveries finished before `before`, oldest first, a batch per transaction (read on
    ix_deliveries_completed); how many were removed."""
    removed = 0
    while ids := db.scalars(
        select(Delivery.id).where(Delivery.completed_at < before).order_by(Delivery.completed_at).limit(batch)
    ).all():
        _tally(db, ids)
        db.execute(
            delete(Delivery).where(Delivery.id.in_(ids)), execution_options={"synchronize_session": False}
        )
        db.commit()
        removed += len(ids)
    return removed


def _tally(db: Session, ids: list) -> None:
    """Add these deliveries to their events' tallies (deliveries of no event are counted nowhere)."""
    counts = db.execute(
        select(Delivery.event_id, Delivery.channel, Delivery.status, func.count())
        .where(Delivery.id.in_(ids), Delivery.event_id.is_not(None))
        .group_by(Delivery.event_id, Delivery.channel, Delivery.status)
    ).all()
    if not counts:
        return
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(DeliveryTally).values(
        [{"event_id": e, "channel": c, "status": s, "deliveries": n} for e, c, s, n in counts]
    )
    db.execute(
        insert.on_conflict_do_update(
            index_elements=[DeliveryTally.event_id, DeliveryTally.channel, DeliveryTally.status],
            set_={"deliveries": DeliveryTally.deliveries + insert.excluded.deliveries},
        )
    )
