"""One outbox for every channel.

Subscribers call `enqueue(db, channel, address, payload)` in the transaction of their event: the
delivery is committed with the change or rolled back with it. The worker (services/outbox/worker.py)
claims due deliveries, hands them to the channel's adapter (services/outbox/channels/) and records
each outcome. A channel's domain side says with `route(...)` how an address becomes what the adapter
needs at send time (`resolve`: a webhook's URL and secret, a device's token) and what follows an
outcome (`recorded`: drop a dead token, disable a failing webhook), so adapters stay protocol-only.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import CompoundSelect, Select, String, case, func, insert, literal, select, union_all
from sqlalchemy.orm import Session

from services.core.db import NewUuid, utcnow
from services.models import Delivery
from services.models.outbox import ordering_scope, unfinished
from services.outbox.channels.base import Result


class Claimed(SimpleNamespace):
    """A delivery as the worker holds it from its claim: the columns of its row (Delivery's names), then
    its outcome's. Plain attributes, not an ORM object: the worker reads the rows its claim updated and
    writes outcomes with UPDATE statements, and making 500 Delivery objects and keeping them in step with
    those cost a claim of 500 about 7 ms."""


Resolve = Callable[[Session, str], dict | None]
ResolveMany = Callable[[Session, list[str]], dict[str, dict | None]]
# The outcomes of one claimed batch of the channel, in the worker's transaction.
Recorded = Callable[[Session, list[tuple[Claimed, Result]]], None]


@dataclass(frozen=True)
class Route:
    channel: str
    resolve: Resolve | None = None  # None: the address is all the adapter needs
    recorded: Recorded | None = None
    max_attempts: int | None = None  # None: the worker's setting
    resolve_many: ResolveMany | None = None  # a claim's addresses in one query (FCM: 500 devices)
    # Deliveries to people: one still unsent when its event is withdrawn (events.withdraw) is not sent.
    withdrawable: bool = False

    def targets(self, db: Session, addresses: list[str]) -> dict[str, dict | None]:
        if self.resolve_many:
            return self.resolve_many(db, addresses)
        if self.resolve:
            return {address: self.resolve(db, address) for address in addresses}
        return dict.fromkeys(addresses, {})


_routes: dict[str, Route] = {}


def route(
    channel: str,
    *,
    resolve: Resolve | None = None,
    recorded: Recorded | None = None,
    max_attempts: int | None = None,
    resolve_many: ResolveMany | None = None,
    withdrawable: bool = False,
) -> None:
    """Declare a channel's resolver, outcome hook and attempt limit (import-time; the last one wins).

    `resolve_many(db, addresses)` → {address: target or None} may stand in for `resolve`, for channels
    whose claims hold many addresses. `withdrawable`: the channel reaches people, who are not sent what
    was withdrawn (integrators' webhooks get every event, the withdrawal too)."""
    _routes[channel] = Route(channel, resolve, recorded, max_attempts, resolve_many, withdrawable)


def channels() -> list[str]:
    """The channels with a declared route."""
    return sorted(_routes)


def route_of(channel: str) -> Route:
    return _routes.get(channel) or Route(channel)


def enqueue(
    db: Session,
    channel: str,
    address: str,
    payload: dict,
    *,
    event_id=None,
    ordering_key: str | None = None,
    send_at: datetime | None = None,
    priority: int = 0,
) -> Delivery:
    """Add one delivery to the caller's transaction; nothing is sent unless it commits.

    Deliveries with the same (channel, address, ordering_key) are sent one after the other, in the
    order they were enqueued; `send_at` holds one back until then; a higher `priority` goes first.
    """
    now = _increasing_now()
    delivery = Delivery(
        address=address,
        ordering_key=ordering_scope(channel, address, ordering_key) if ordering_key is not None else None,
        **_new(channel, payload, event_id, send_at, priority, now),
    )
    db.add(delivery)
    return delivery


def enqueue_many(
    db: Session,
    channel: str,
    addresses: Select | CompoundSelect,
    payload: dict,
    *,
    event_id=None,
    send_at: datetime | None = None,
    priority: int = 0,
    held: str | None = None,
) -> int:
    """One delivery of `payload` to each address `addresses` (a SELECT of one text column) gives, in the
    caller's transaction; how many. The database writes them in one INSERT … SELECT: an area message to
    100,000 citizens costs the request one statement, not 100,000 objects (which took it 22 s).

    No ordering key (each address gets one); `held`: the reason they are kept back, never sent."""
    now = utcnow()
    values = _new(channel, payload, event_id, send_at, priority, now)
    if held is not None:
        values.update(status="held", completed_at=now, last_error=held)
    table = Delivery.__table__
    source = addresses.subquery()
    rows = select(
        NewUuid(),
        source.c[0],
        *(literal(value, table.c[name].type) for name, value in values.items()),
    )
    statement = insert(table).from_select(["id", "address", *values], rows)
    return db.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def these(*addresses: str) -> CompoundSelect:
    """A few addresses given here, as enqueue_many takes them."""
    return union_all(*(select(literal(address, String)) for address in addresses))


def _new(channel, payload, event_id, send_at, priority, now) -> dict:
    """A new delivery's columns besides its address and ordering key."""
    return dict(
        channel=channel,
        payload=payload,
        event_id=event_id,
        rank=-priority,
        status="pending",
        attempts=0,
        next_attempt_at=send_at or now,
        created_at=now,
    )


@dataclass(frozen=True)
class Backlog:
    """A channel's unfinished deliveries, and how long the oldest due one has waited (0: none due)."""

    depth: int
    oldest_due_seconds: float


def backlog(db: Session) -> dict[str, Backlog]:
    """Every channel with unfinished deliveries (one grouped query on the claim's partial index)."""
    now = utcnow()
    rows = db.execute(
        select(
            Delivery.channel,
            func.count(),
            func.min(case((Delivery.next_attempt_at <= now, Delivery.next_attempt_at))),
        )
        .where(unfinished(Delivery.status))
        .group_by(Delivery.channel)
    )
    return {
        channel: Backlog(depth, (now - oldest).total_seconds() if oldest else 0.0)
        for channel, depth, oldest in rows
    }


_clock = threading.Lock()
_last = [utcnow()]


def _increasing_now() -> datetime:
    """utcnow, strictly increasing in this process: created_at orders deliveries with the same key."""
    with _clock:
        now = max(utcnow(), _last[0] + timedelta(microseconds=1))
        _last[0] = now
        return now
