"""Push notifications through a transactional outbox.

Publishing services call `enqueue(db, ...)` inside their own transaction: the outbox row is
committed with the alert, notice or answer, or rolled back with it. The push worker
(services/push/dispatcher.py) sends it afterwards, at least once.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from services.core.db import utcnow
from services.core.targets import Targets
from services.models import Notification, NotificationPlace, NotificationRecipient
from services.push import topics

PRIORITIES = ("high", "normal")
# FCM keeps undelivered messages at most four weeks.
MAX_TTL = timedelta(days=28)


@dataclass(frozen=True)
class Audience:
    """Who a message is for: the devices in a place (via FCM topics) or given citizens' devices."""

    targets: Targets | None = None
    citizen_ids: tuple[uuid.UUID, ...] = field(default_factory=tuple)
    # Place messages only: reach only devices that follow this category (`cat-<code>` topic).
    category: str | None = None

    @classmethod
    def place(cls, targets: Targets, category: str | None = None) -> "Audience":
        return cls(targets=targets, category=category)

    @classmethod
    def citizens(cls, *citizen_ids: uuid.UUID) -> "Audience":
        return cls(citizen_ids=tuple(dict.fromkeys(citizen_ids)))


def enqueue(
    db: Session,
    audience: Audience,
    content: dict[str, dict[str, str]],
    *,
    source_type: str,
    source_id: str | None = None,
    data: dict[str, str] | None = None,
    priority: str = "normal",
    ttl: timedelta | None = None,
    collapse_key: str | None = None,
    send_at=None,
    created_by_id: uuid.UUID | None = None,
) -> Notification:
    """Add a message to the caller's transaction; nothing is sent unless that transaction commits.

    `content` maps BCP-47 language tags to {"title", "body"} and must include "vi"; each device
    gets its own language or Vietnamese. `data` is the deep link (string values), `ttl` how long
    FCM should keep trying (alerts: until they expire), `collapse_key` lets an update replace the
    earlier notice on the phone.
    """
    if "vi" not in content:
        raise ValueError("content needs Vietnamese ('vi')")
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {PRIORITIES}")
    if (audience.targets is None) == (not audience.citizen_ids):
        raise ValueError("an audience is either a place or citizens")
    if audience.targets is not None:
        topics.sends(audience.targets, list(content), audience.category)  # fails early on too many languages
    ttl_seconds = int(min(ttl, MAX_TTL).total_seconds()) if ttl is not None else None
    notification = Notification(
        id=uuid.uuid4(),
        source_type=source_type,
        source_id=source_id,
        audience="place" if audience.targets is not None else "citizens",
        targets=audience.targets.as_dict() if audience.targets is not None else None,
        category=audience.category,
        content=content,
        data=dict(data or {}),
        priority=priority,
        ttl_seconds=max(ttl_seconds, 0) if ttl_seconds is not None else None,
        collapse_key=collapse_key[:64] if collapse_key else None,
        status="pending",
        attempts=0,
        next_attempt_at=send_at or utcnow(),
        progress={},
        success_count=0,
        failure_count=0,
        message_ids=[],
        created_by_id=created_by_id,
        created_at=utcnow(),
    )
    db.add(notification)
    db.flush()
    if audience.targets is not None:
        db.add_all(
            NotificationPlace(notification_id=notification.id, scope=place["scope"], code=place["code"])
            for place in audience.targets.places()
        )
    else:
        db.add_all(
            NotificationRecipient(notification_id=notification.id, citizen_id=c) for c in audience.citizen_ids
        )
    return notification
