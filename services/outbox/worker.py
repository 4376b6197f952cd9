"""The outbox worker: claims due deliveries, sends them through their channel's adapter, records
every outcome, and runs the periodic chores it is given (FCM topic sync, overdue feedback, …).

Delivery is at least once. A claim takes a lease and counts an attempt; a worker killed mid-send
leaves its deliveries to be claimed again when the lease expires, so at most one claimed batch is
sent twice. A delivery with an ordering key is not claimed while an earlier one with the same
(channel, address, key) is unfinished.
"""

import logging
import random
import socket
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby

from sqlalchemy import Select, Update, bindparam, exists, or_, select, text, update
from sqlalchemy.orm import Session, aliased

from services.core.db import one_of, utcnow
from services.models import Delivery, EventRecord
from services.models.outbox import unfinished
from services.outbox import Claimed, route_of
from services.outbox.channels.base import Channel, Outgoing, Result

WITHDRAWN = Result("withdrawn", detail="Withdrawn before it was sent: what it announced was cancelled.")

log = logging.getLogger("citizen.outbox")

Chore = Callable[[Session], int]  # one pass of a periodic task; returns how much it did
# Told of each recorded outcome (the delivery holds its new status): the edge counts them for /metrics.
Observer = Callable[[Claimed, Result], None]


@dataclass(frozen=True)
class Settings:
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 8  # a route may set its own
    backoff_base: float = 5.0  # seconds; doubled each attempt, with jitter
    backoff_max: float = 3600.0
    claim_size: int = 500  # FCM takes 500 tokens a call: one claim fills one multicast
    poll_interval: float = 0.2


class Worker:
    def __init__(
        self,
        sessions,
        channels: dict[str, Channel],
        settings: Settings | None = None,
        worker_id: str | None = None,
        chores: tuple[Chore, ...] = (),
        observers: tuple[Observer, ...] = (),
    ):
        """`sessions()` gives the Session to work in (the scoped session, or a sessionmaker)."""
        self.sessions = sessions
        self.channels = channels
        self.settings = settings or Settings()
        self.worker_id = worker_id or f"{socket.gethostname()}:{uuid.uuid4().hex[:6]}"
        self.chores = chores
        self.observers = observers

    def run(self, stop: threading.Event) -> None:
        log.info("outbox worker %s started (channels %s)", self.worker_id, ", ".join(self.channels))
        self.listen()
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("outbox worker pass failed; retrying")
                busy = 0
            if not busy:
                stop.wait(self.settings.poll_interval)

    def listen(self) -> None:
        """Open at once the channels that also receive (SMS: receipts, texts from phones), so what comes
        in flows before anything goes out; one that cannot connect now connects at its first send."""
        for name, channel in self.channels.items():
            connect = getattr(channel, "connect", None)
            if connect is None:
                continue
            try:
                connect()
            except Exception as error:  # noqa: BLE001 (any failure: the first send tries again)
                log.warning("channel %s could not connect yet: %s", name, error)

    def run_once(self) -> int:
        """One pass: the chores, then one claim of due deliveries. Returns how much was done."""
        db = self.sessions()
        try:
            done = sum(chore(db) for chore in self.chores)
            claimed = self.claim(db)
            if claimed:
                self.deliver(db, claimed)
            return done + len(claimed)
        except Exception:
            db.rollback()  # this pass's session (with a sessionmaker, not the one sessions() gives next)
            raise

    def claim(self, db: Session) -> list[Claimed]:
        """Lease the first due deliveries and count an attempt on each, committed before anything is
        sent; the rows claimed, read once. Its due rows are taken in ix_deliveries_due's order, never by
        sorting every due delivery: a fan-out written into an outbox last analyzed (nearly) empty, as a
        new deployment's is, was planned as gathering all its due rows and sorting them, at each claim
        until autovacuum analyzed the table (14 ms a claim at 40,000, against 0.3 ms walking the index)."""
        postgresql = db.get_bind().dialect.name == "postgresql"
        if postgresql:
            db.execute(text("SET LOCAL enable_sort = off"))
        result = db.execute(self.claiming(utcnow()))
        names = tuple(result.keys())
        claimed = [Claimed(**dict(zip(names, row, strict=True))) for row in result]
        if postgresql:
            # For this statement only: the commit below may be a savepoint's (a caller's transaction, a
            # test's, goes on), and a failed statement rolls the setting back with the transaction.
            db.execute(text("SET LOCAL enable_sort TO DEFAULT"))
        db.commit()
        return claimed

    def claiming(self, now) -> Update:
        """The claim's statement: the due rows locked and updated in one (`WITH due AS (… FOR UPDATE
        SKIP LOCKED) UPDATE … FROM due RETURNING`): one round trip, no ids sent back and forth."""
        due, table = self.due(now).cte("due"), Delivery.__table__
        return (
            update(table)
            .where(table.c.id == due.c.id)
            .values(lease_until=now + self.settings.lease, attempts=table.c.attempts + 1, last_attempt_at=now)
            .returning(*table.c)
        )

    def due(self, now) -> Select:
        """The claim's query: the first due deliveries of this worker's channels, read on the partial
        index of unfinished ones (ix_deliveries_due), never walking the finished ones; rows another
        worker holds are skipped (SQLite, one writer at a time, has no FOR UPDATE)."""
        earlier = aliased(Delivery)
        blocked = exists().where(
            earlier.ordering_key == Delivery.ordering_key,  # its channel and address included
            earlier.completed_at.is_(None),  # unfinished, in words only ix_deliveries_ordering matches
            earlier.created_at < Delivery.created_at,
        )
        return (
            select(Delivery.id)
            .where(
                unfinished(Delivery.status),
                Delivery.next_attempt_at <= now,
                Delivery.channel.in_(list(self.channels)),
                or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
                or_(Delivery.ordering_key.is_(None), ~blocked),
            )
            .order_by(Delivery.rank, Delivery.next_attempt_at)
            .limit(self.settings.claim_size)
            .with_for_update(skip_locked=True)
        )

    def deliver(self, db: Session, claimed: list[Claimed]) -> None:
        """Send claimed deliveries, one batch per channel, and record each outcome (one commit per batch)."""
        claimed = sorted(claimed, key=lambda d: (d.channel, d.created_at))
        for name, group in groupby(claimed, key=lambda d: d.channel):
            self._send(db, self.channels[name], list(group))
            db.commit()

    def _send(self, db: Session, channel: Channel, deliveries: list[Claimed]) -> None:
        route = route_of(channel.name)
        limit = route.max_attempts or self.settings.max_attempts
        ready, outcomes = [], []
        targets = route.targets(db, [d.address for d in deliveries])
        withdrawn = _withdrawn(db, deliveries) if route.withdrawable else set()
        for delivery in deliveries:
            target = targets[delivery.address]
            # Claims count attempts, so a delivery whose workers keep dying mid-send stops here.
            if delivery.attempts > limit:
                detail = f"Abandoned by workers {delivery.attempts - 1} times."
                outcomes.append((delivery, Result("failed", detail=detail)))
            elif delivery.event_id in withdrawn:
                outcomes.append((delivery, WITHDRAWN))
            elif target is None:
                outcomes.append((delivery, Result("gone", detail="The address no longer exists.")))
            else:
                attempts = delivery.attempts - 1
                ready.append(
                    (
                        delivery,
                        Outgoing(
                            delivery.id, channel.name, delivery.address, delivery.payload, attempts, target
                        ),
                    )
                )
        if ready:
            send_batch = getattr(channel, "send_batch", None)
            outgoing = [o for _, o in ready]
            results = send_batch(outgoing) if send_batch else [channel.send(o) for o in outgoing]
            outcomes.extend(zip([d for d, _ in ready], results, strict=True))
        self.record(db, outcomes, limit, route.recorded)

    def record(self, db: Session, outcomes: list[tuple[Claimed, Result]], limit: int, recorded=None) -> None:
        """Write each outcome on its delivery, then let the channel's domain side react to each."""
        now, same, sent = utcnow(), defaultdict(list), []
        for delivery, result in outcomes:
            values = self._outcome(delivery, result, limit, now)
            vars(delivery).update(values)
            same[tuple(sorted(values.items()))].append(delivery.id)
            if delivery.status == "sent":
                sent.append((delivery, result))
            else:
                _log_outcome(delivery, result)
            for observe in self.observers:
                observe(delivery, result)
        if len(sent) == 1:
            _log_outcome(*sent[0])
        elif sent:
            _log_sent(sent)
        _write(db, same)
        if recorded:
            recorded(db, outcomes)

    def _outcome(self, delivery: Claimed, result: Result, limit: int, now) -> dict:
        values = {"lease_until": None, "status_code": result.status_code, "latency_ms": result.latency_ms}
        if result.kind == "retry" and delivery.attempts < limit:
            wait = timedelta(seconds=self.backoff(delivery.attempts, result))
            return {
                **values,
                "status": "retrying",
                "last_error": _cut(result.detail),
                "next_attempt_at": now + wait,
            }
        if result.kind == "retry":
            values.update(
                status="failed",
                last_error=_cut(f"Gave up after {delivery.attempts} attempts: {result.detail}"),
            )
        elif result.kind == "sent":
            values.update(status="sent")
            if result.provider_id:  # per message: the UPDATE groups only receipts' channels apart
                values.update(provider_id=result.provider_id[:128])
        else:
            values.update(status=result.kind, last_error=_cut(result.detail))
        return {**values, "completed_at": now}

    def backoff(self, attempts: int, result: Result) -> float:
        """Seconds to wait: Retry-After when the other side gave one, else exponential with jitter."""
        if result.after is not None:
            return max(0.0, result.after)
        ceiling = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** max(0, attempts - 1))
        return random.uniform(ceiling / 2, ceiling)


def _withdrawn(db: Session, deliveries: list[Claimed]) -> set[uuid.UUID]:
    """Which of these deliveries' events were withdrawn (a claim holds one event's or a few)."""
    event_ids = {d.event_id for d in deliveries if d.event_id is not None}
    if not event_ids:
        return set()
    stmt = select(EventRecord.id).where(EventRecord.id.in_(event_ids), EventRecord.withdrawn_at.is_not(None))
    return set(db.scalars(stmt))


def _write(db: Session, same: dict[tuple, list[uuid.UUID]]) -> None:
    """The outcomes in two kinds of statement: one UPDATE for each set of values many deliveries share
    (a batch of 500 sent pushes), and one executemany, pipelined by psycopg, for each shape of the rest
    (each SMS has its own message id, each webhook its own latency): 500 single-row UPDATEs took 400 ms."""
    single = defaultdict(list)
    for values, ids in same.items():
        if len(ids) > 1:
            db.execute(
                update(Delivery).where(one_of(db, Delivery.id, ids)).values(dict(values)),
                execution_options={"synchronize_session": False},
            )
        else:
            single[tuple(key for key, _ in values)].append({"delivery_id": ids[0], **dict(values)})
    table = Delivery.__table__
    for rows in single.values():
        db.execute(update(table).where(table.c.id == bindparam("delivery_id")), rows)


def _log_outcome(delivery: Claimed, result: Result) -> None:
    """A line for a delivery that was not sent (retrying, failed, gone) or was sent alone, its fields
    apart for JSON logs (api/logs.py)."""
    fields = {
        "channel": delivery.channel,
        "delivery_id": str(delivery.id),
        "event_id": str(delivery.event_id) if delivery.event_id else None,
        "outcome": delivery.status,
        "attempt": delivery.attempts,
        "duration_ms": result.latency_ms,
    }
    level = logging.WARNING if delivery.status == "failed" else logging.INFO
    log.log(
        level,
        "delivery %s on %s: %s (attempt %s)%s",
        delivery.id,
        delivery.channel,
        delivery.status,
        delivery.attempts,
        f": {delivery.last_error}" if delivery.status != "sent" and delivery.last_error else "",
        extra=fields,
    )


def _log_sent(sent: list[tuple[Claimed, Result]]) -> None:
    """One line for a batch's sent deliveries: a fan-out's 100,000 lines cost the worker a tenth of its
    time, and each delivery's outcome is in the database."""
    channel = sent[0][0].channel
    fields = {
        "channel": channel,
        "outcome": "sent",
        "count": len(sent),
        "event_ids": sorted({str(d.event_id) for d, _ in sent if d.event_id}),
        "duration_ms": max((r.latency_ms for _, r in sent if r.latency_ms is not None), default=None),
    }
    log.info("%s deliveries on %s: sent", len(sent), channel, extra=fields)


def _cut(text: str | None) -> str | None:
    return text[:1000] if text else text
