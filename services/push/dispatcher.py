"""The push worker: claims due outbox rows, sends them through the backend, records each outcome,
and keeps every device's FCM topic subscriptions in step with its place, language and interests.

Delivery is at least once. A claim takes a lease; a worker killed mid-message leaves the row to
be claimed again when the lease expires, and resumes from the progress it last committed (topic
sends done, position in the device stream), so at most one batch is sent twice.
"""

import logging
import random
import socket
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from more_itertools import batched
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from services.core.db import utcnow
from services.core.targets import Targets
from services.models import Device, Notification, NotificationRecipient, TokenRetirement
from services.push import messages, topics
from services.push.backends import Outcome

log = logging.getLogger("citizen.push")
operators = logging.getLogger("citizen.push.operators")

MULTICAST_LIMIT = 500  # firebase-admin: tokens per send_each_for_multicast
SUBSCRIBE_LIMIT = 1000  # firebase-admin: tokens per subscribe_to_topic
LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
_RETRYABLE = {"transient", "quota", "auth"}


@dataclass(frozen=True)
class Settings:
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 8
    backoff_base: float = 5.0  # seconds; doubled each attempt, with jitter
    backoff_max: float = 3600.0
    claim_size: int = 20
    poll_interval: float = 0.2


class Dispatcher:
    def __init__(self, sessions, backend, settings: Settings | None = None, worker_id: str | None = None):
        """`sessions()` gives the Session to work in (the scoped session, or a sessionmaker)."""
        self.sessions = sessions
        self.backend = backend
        self.settings = settings or Settings()
        self.worker_id = worker_id or f"{socket.gethostname()}:{uuid.uuid4().hex[:6]}"

    # ------------------------------------------------------------------ loop

    def run(self, stop: threading.Event) -> None:
        log.info("push worker %s started (backend %s)", self.worker_id, self.backend.name)
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("push worker pass failed; retrying")
                busy = 0
            if not busy:
                stop.wait(self.settings.poll_interval)

    def run_once(self) -> int:
        """One pass: retire old tokens, sync topic subscriptions, send due notifications."""
        db = self.sessions()
        try:
            done = self.retire_tokens(db) + self.sync_topics(db)
            for notification_id in self.claim(db):
                self.deliver(db, notification_id)
                done += 1
            return done
        except Exception:
            db.rollback()  # this pass's session (with a sessionmaker, not the one sessions() gives next)
            raise

    # ------------------------------------------------------------------ notifications

    def claim(self, db: Session) -> list[uuid.UUID]:
        now = utcnow()
        due = (
            select(Notification.id)
            .where(
                Notification.status.in_(("pending", "retrying")),
                Notification.next_attempt_at <= now,
                or_(Notification.lease_until.is_(None), Notification.lease_until < now),
            )
            .order_by(Notification.priority, Notification.next_attempt_at)  # "high" sorts before "normal"
            .limit(self.settings.claim_size)
        )
        if db.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(db.scalars(due))
        if ids:
            db.execute(
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(lease_until=now + self.settings.lease, attempts=Notification.attempts + 1)
            )
        db.commit()
        return ids

    def deliver(self, db: Session, notification_id: uuid.UUID) -> None:
        notification = db.get(Notification, notification_id, populate_existing=True)
        if notification.ttl_seconds is not None and utcnow() > notification.created_at + timedelta(
            seconds=notification.ttl_seconds
        ):
            self._finish(db, notification, "failed", "Expired before it could be delivered.")
            return
        # Claims count attempts, so a row whose workers keep dying mid-send stops here.
        if notification.attempts > self.settings.max_attempts:
            self._finish(
                db, notification, "failed", f"Abandoned by workers {notification.attempts - 1} times."
            )
            return
        try:
            if notification.audience == "place":
                failure = self._send_to_topics(db, notification)
            else:
                failure = self._send_to_citizens(db, notification)
        except ValueError as error:  # a message firebase-admin refuses to build: retrying cannot help
            failure = Outcome("fatal", error=str(error))
        if failure is None:
            self._finish(db, notification, "logged" if self.backend.name == "log" else "sent")
        elif failure.kind in _RETRYABLE:
            self._retry(db, notification, failure)
        else:
            self._finish(db, notification, "failed", failure.error)

    def _send_to_topics(self, db: Session, notification: Notification) -> Outcome | None:
        targets = Targets.from_dict(notification.targets)
        progress = dict(notification.progress or {})
        done = list(progress.get("done", []))
        for key, target, language in topics.sends(targets, list(notification.content), notification.category):
            if key in done:
                continue
            outcome = self.backend.send(messages.topic_message(notification, target, language))
            if not outcome.ok:
                return outcome
            done.append(key)
            notification.message_ids = [*notification.message_ids, outcome.message_id]
            notification.success_count += 1
            notification.first_sent_at = notification.first_sent_at or utcnow()
            notification.progress = {**progress, "done": done}
            db.commit()
        return None

    def _send_to_citizens(self, db: Session, notification: Notification) -> Outcome | None:
        """Stream the recipients' devices in batches of 500, committing progress after each batch.

        Progress: `cursor` (last device id sent), `streamed` (the stream is exhausted) and `retry`
        (devices that failed transiently, tried again first on the next attempt).
        """
        progress = dict(notification.progress or {})
        recipients = select(NotificationRecipient.citizen_id).where(
            NotificationRecipient.notification_id == notification.id
        )
        devices = select(Device).where(Device.citizen_id.in_(recipients), Device.push_token.is_not(None))
        failing, worst = [], None

        def send(batch: list[Device]) -> None:
            nonlocal worst
            failed, outcome = self._multicast(notification, batch)
            failing.extend(failed)
            worst = _worse(worst, outcome)

        for chunk in batched(progress.get("retry", []), MULTICAST_LIMIT):
            send(list(db.scalars(devices.where(Device.id.in_([uuid.UUID(i) for i in chunk])))))
        cursor, streamed = progress.get("cursor"), progress.get("streamed", False)
        while not streamed and not (worst and worst.kind == "quota"):
            stmt = devices.order_by(Device.id).limit(MULTICAST_LIMIT)
            batch = list(db.scalars(stmt.where(Device.id > uuid.UUID(cursor)) if cursor else stmt))
            streamed = len(batch) < MULTICAST_LIMIT
            if batch:
                send(batch)
                cursor = str(batch[-1].id)
            notification.progress = {
                "cursor": cursor,
                "streamed": streamed,
                "retry": [str(i) for i in failing],
            }
            notification.lease_until = utcnow() + self.settings.lease
            db.commit()
        notification.progress = {"cursor": cursor, "streamed": streamed, "retry": [str(i) for i in failing]}
        db.commit()
        return worst if failing or not streamed else None

    def _multicast(self, notification, devices: list[Device]) -> tuple[list[uuid.UUID], Outcome | None]:
        """Send to `devices` grouped by language and quiet hours; returns (ids to retry, worst failure)."""
        groups = defaultdict(list)
        for device in devices:
            quiet = notification.priority != "high" and in_quiet_hours(device.quiet_hours)
            groups[(topics.language(device.locale), quiet)].append(device)
        retry, worst = [], None
        for (language, quiet), group in groups.items():
            message = messages.multicast(notification, [d.push_token for d in group], language, quiet)
            for device, outcome in zip(group, self.backend.send_multicast(message), strict=True):
                if outcome.ok:
                    notification.success_count += 1
                    notification.first_sent_at = notification.first_sent_at or utcnow()
                    notification.message_ids = [*notification.message_ids, outcome.message_id][-50:]
                elif outcome.kind == "dead":
                    notification.failure_count += 1
                    forget_token(device)
                elif outcome.kind in _RETRYABLE:
                    retry.append(device.id)
                    worst = _worse(worst, outcome)
                else:
                    notification.failure_count += 1
                    notification.last_error = outcome.error
        return retry, worst

    def _retry(self, db: Session, notification: Notification, failure: Outcome) -> None:
        if failure.kind == "auth":
            operators.critical("FCM refused our credentials or APNs auth: %s", failure.error)
        if notification.attempts >= self.settings.max_attempts:
            self._finish(
                db, notification, "failed", f"Gave up after {notification.attempts} attempts: {failure.error}"
            )
            return
        notification.status = "retrying"
        notification.last_error = failure.error
        notification.next_attempt_at = utcnow() + timedelta(
            seconds=self.backoff(notification.attempts, failure)
        )
        notification.lease_until = None
        db.commit()

    def backoff(self, attempts: int, failure: Outcome) -> float:
        """Seconds to wait: Retry-After when FCM gave one, else exponential with full jitter."""
        if failure.retry_after is not None:
            return failure.retry_after
        ceiling = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** max(0, attempts - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _finish(self, db: Session, notification: Notification, status: str, error: str | None = None) -> None:
        notification.status = status
        notification.last_error = error if error else notification.last_error
        notification.completed_at = utcnow()
        notification.lease_until = None
        db.commit()
        level = logging.WARNING if status == "failed" else logging.INFO
        log.log(
            level,
            "notification %s %s: %s",
            notification.id,
            status,
            error or f"{notification.success_count} ok",
        )

    # ------------------------------------------------------------------ topic subscriptions

    def sync_topics(self, db: Session) -> int:
        """Subscribe and unsubscribe devices whose place, language, interests or token changed."""
        now = utcnow()
        due = (
            select(Device)
            .where(
                Device.topics_dirty.is_(True),
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
            (adds, self.backend.subscribe, lambda d, t: d.subscribed_topics + [t]),
            (removes, self.backend.unsubscribe, lambda d, t: [x for x in d.subscribed_topics if x != t]),
        ):
            for topic, members in changes.items():
                for chunk in batched(members, SUBSCRIBE_LIMIT):
                    chunk = [d for d in chunk if d.push_token]
                    if not chunk:
                        continue
                    for device, outcome in zip(
                        chunk, call([d.push_token for d in chunk], topic), strict=True
                    ):
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

    def retire_tokens(self, db: Session) -> int:
        """Take tokens that left their device out of their topics."""
        due = select(TokenRetirement).where(TokenRetirement.retry_at <= utcnow()).limit(100)
        if db.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        retirements = list(db.scalars(due))
        for retirement in retirements:
            outcomes = [
                self.backend.unsubscribe([retirement.push_token], topic)[0] for topic in retirement.topics
            ]
            if all(o.ok or o.kind == "dead" for o in outcomes) or retirement.attempts >= 5:
                db.delete(retirement)
            else:
                retirement.attempts += 1
                retirement.topics = [t for t, o in zip(retirement.topics, outcomes, strict=True) if not o.ok]
                retirement.retry_at = utcnow() + timedelta(minutes=5 * retirement.attempts)
        db.commit()
        return len(retirements)


def forget_token(device: Device) -> None:
    """FCM says the token is dead: drop it and its subscriptions, never send to it again."""
    log.info("removing dead push token of device %s", device.id)
    device.push_token = None
    device.subscribed_topics = []
    device.topics_dirty = False


def in_quiet_hours(quiet_hours: dict | None, now=None) -> bool:
    """Whether local time in Việt Nam falls in the device's {"start": "22:00", "end": "06:00"}."""
    if not quiet_hours:
        return False
    local = (now or utcnow()).astimezone(LOCAL_TIME).strftime("%H:%M")
    start, end = quiet_hours["start"], quiet_hours["end"]
    return start <= local < end if start <= end else local >= start or local < end


def _worse(current: Outcome | None, new: Outcome | None) -> Outcome | None:
    """Quota beats the rest: it stops the stream and sets the wait."""
    if new is not None and (current is None or new.kind == "quota"):
        return new
    return current
