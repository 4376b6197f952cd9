"""Every device's FCM topic subscriptions in step with its place, language and interests: periodic
chores of the outbox worker (api/cli.py gives them the FCM channel)."""

from collections import defaultdict
from datetime import timedelta

from more_itertools import batched
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.core.db import utcnow
from services.models import Device, TokenRetirement
from services.outbox.channels import fcm_topics as topics
from services.push import forget_token

SUBSCRIBE_LIMIT = 1000  # firebase-admin: tokens per subscribe_to_topic


def sync_topics(db: Session, channel) -> int:
    """Subscribe and unsubscribe devices whose place, language, interests or token changed."""
    now = utcnow()
    due = (
        select(Device)
        .where(
            Device.topics_dirty,  # as ix_devices_topics_due's predicate says it: "IS TRUE" misses the index
            or_(Device.topics_retry_at.is_(None), Device.topics_retry_at <= now),
        )
        .limit(SUBSCRIBE_LIMIT)
    )
    if db.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    devices = list(db.scalars(due))
    if not devices:
        db.commit()
        return 0
    adds, removes = defaultdict(list), defaultdict(list)
    for device in devices:
        wanted, current = topics.for_device(device), set(device.subscribed_topics or ())
        for topic in sorted(wanted - current):
            adds[topic].append(device)
        for topic in sorted(current - wanted):
            removes[topic].append(device)
    failed = set()
    for changes, call, apply in (
        (adds, channel.subscribe, lambda d, t: d.subscribed_topics + [t]),
        (removes, channel.unsubscribe, lambda d, t: [x for x in d.subscribed_topics if x != t]),
    ):
        for topic, members in changes.items():
            for chunk in batched(members, SUBSCRIBE_LIMIT):
                chunk = [d for d in chunk if d.push_token]
                if not chunk:
                    continue
                for device, outcome in zip(chunk, call([d.push_token for d in chunk], topic), strict=True):
                    if outcome.ok:
                        device.subscribed_topics = sorted(apply(device, topic))
                    elif outcome.kind == "dead":
                        forget_token(device)
                    else:
                        failed.add(device.id)
    for device in devices:
        device.topics_dirty = device.id in failed
        device.topics_retry_at = now + timedelta(seconds=60) if device.id in failed else None
    db.commit()
    return len(devices)


def retire_tokens(db: Session, channel) -> int:
    """Take tokens that left their device out of their topics."""
    due = select(TokenRetirement).where(TokenRetirement.retry_at <= utcnow()).limit(100)
    if db.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    retirements = list(db.scalars(due))
    for retirement in retirements:
        outcomes = [channel.unsubscribe([retirement.push_token], topic)[0] for topic in retirement.topics]
        if all(o.ok or o.kind == "dead" for o in outcomes) or retirement.attempts >= 5:
            db.delete(retirement)
        else:
            retirement.attempts += 1
            retirement.topics = [t for t, o in zip(retirement.topics, outcomes, strict=True) if not o.ok]
            retirement.retry_at = utcnow() + timedelta(minutes=5 * retirement.attempts)
    db.commit()
    return len(retirements)
