"""The citizen push: a message to the devices in a place (FCM topics) or to given citizens' devices,
kept as a `Notification` (the inbox and the admin's delivery view) and sent through the outbox.

`enqueue(db, ...)` runs in the caller's transaction: the notification and its deliveries (one per
FCM topic send, one per device) are committed with the alert, notice or answer, or rolled back
with it. This module is the FCM channel's domain side: it resolves a device address to its current
token, language and quiet hours at send time, and keeps each notification's summary as outcomes are
recorded (a dead token is dropped from its device).
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, literal, select
from sqlalchemy.orm import Session

from services import outbox, sms, zalo
from services.core.db import UuidText, one_of, utcnow
from services.core.targets import Targets
from services.core.text import language
from services.models import Citizen, Device, Notification, NotificationPlace, NotificationRecipient
from services.outbox.channels import fcm_topics as topics
from services.outbox.channels.base import Result

CHANNEL = "fcm"
PRIORITIES = ("high", "normal")
# FCM keeps undelivered messages at most four weeks.
MAX_TTL = timedelta(days=28)
LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
DEVICE = "device:"


@dataclass(frozen=True)
class Audience:
    """Who a message is for: the devices in a place (via FCM topics) or given citizens' devices."""

    targets: Targets | None = None
    citizen_ids: tuple[uuid.UUID, ...] = field(default_factory=tuple)
    # Place messages only: reach only devices that follow this category (`cat-<code>` topic).
    category: str | None = None
    # Place messages only: the events this one corrects (a cancellation), whose Mini App citizens alone
    # get it on the Mini App (services/zalo: place_citizens).
    correcting: tuple[uuid.UUID, ...] = ()

    @classmethod
    def place(cls, targets: Targets, category: str | None = None, correcting=()) -> "Audience":
        return cls(targets=targets, category=category, correcting=tuple(correcting))

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
    send_at: datetime | None = None,
    created_by_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    message: str | None = None,
    values: dict | None = None,
) -> Notification:
    """Add a message and its deliveries to the caller's transaction; nothing is sent unless it commits.

    `content` maps BCP-47 language tags to {"title", "body"} and must include "vi"; each device
    gets its own language or Vietnamese. `data` is the deep link (string values), `ttl` how long
    FCM should keep trying (alerts: until they expire), `collapse_key` lets an update replace the
    earlier notice on the phone.

    `message` (a key of services/outbox/texts.py) and its `values` let the Zalo channels fill the
    template Zalo approved for it: a citizen no app push reaches gets it on the best Zalo channel they
    have, and the opted-in Mini App citizens of a place get an area message.
    """
    if "vi" not in content:
        raise ValueError("content needs Vietnamese ('vi')")
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {PRIORITIES}")
    if (audience.targets is None) == (not audience.citizen_ids):
        raise ValueError("an audience is either a place or citizens")
    ttl_seconds = max(int(min(ttl, MAX_TTL).total_seconds()), 0) if ttl is not None else None
    now = utcnow()
    notification_id, at = uuid.uuid4(), send_at or now
    until = now + timedelta(seconds=ttl_seconds) if ttl_seconds is not None else None  # past it: unsent
    # Looked up before the notification is added, so it goes in with its final status (one INSERT).
    with db.no_autoflush:  # nothing pending changes devices or citizens
        if audience.targets is None:
            pushable = (one_of(db, Device.citizen_id, audience.citizen_ids), Device.push_token.is_not(None))
            pushed = set(db.scalars(select(Device.citizen_id).distinct().where(*pushable)))
            others = _unpushed(db, [c for c in audience.citizen_ids if c not in pushed])
            best, miniapp_at = zalo.personal_channels(db, others, message, notification_id, at, until)
            texted = sms.textable(c for c in others if c.id not in best)  # reached by a text only
        else:
            template, zalo_addresses, miniapp_at = zalo.place_citizens(
                db, audience.targets, message, notification_id, at, until, audience.correcting
            )
    notification = Notification(
        id=notification_id,
        source_type=source_type,
        source_id=source_id,
        audience="place" if audience.targets is not None else "citizens",
        targets=audience.targets.as_dict() if audience.targets is not None else None,
        category=audience.category,
        content=content,
        data=dict(data or {}),
        priority=priority,
        ttl_seconds=ttl_seconds,
        collapse_key=collapse_key[:64] if collapse_key else None,
        status="pending",
        send_at=at,
        success_count=0,
        failure_count=0,
        message_ids=[],
        created_by_id=created_by_id,
        created_at=now,
    )
    payload = _payload(notification, until)
    rank = 1 if priority == "high" else 0  # alerts before a large fan-out

    def many(channel: str, addresses, body: dict) -> int:
        """Deliveries the database writes itself, however many (services/outbox: enqueue_many); the
        Mini App's when Zalo's hours are open."""
        due = miniapp_at if channel == zalo.MINIAPP else at
        with db.no_autoflush:  # before the notification is added: its one INSERT has the count
            return outbox.enqueue_many(
                db, channel, addresses, body, event_id=event_id, send_at=due, priority=rank
            )

    outstanding = 0
    if audience.targets is not None:
        sends = topics.sends(audience.targets, list(content), audience.category)
        for _, target, language in sends:
            body = {**payload, "language": language}
            outbox.enqueue(
                db, CHANNEL, target, body, event_id=event_id, send_at=notification.send_at, priority=rank
            )
        outstanding = len(sends)
        if zalo_addresses is not None:  # the place's opted-in Mini App citizens
            body = zalo.payload(template, values or {}, content, payload["data"], payload["expires_at"])
            outstanding += many(zalo.MINIAPP, zalo_addresses, body)
    else:
        if pushed:
            outstanding += many(
                CHANNEL, select(literal(DEVICE) + UuidText(Device.id)).where(*pushable), payload
            )
        for channel, template in set(best.values()):  # the Mini App's, ZNS's
            reached = [c for c, (chosen, _) in best.items() if chosen == channel]
            body = zalo.payload(template, values or {}, content, payload["data"], payload["expires_at"])
            outstanding += many(channel, zalo.addresses(db, reached), body)
        if texted:  # the last channel: a text to the phone they shared
            settings = sms.settings_of(db)
            body = sms.text([content["vi"]["title"], content["vi"]["body"]], settings)
            phones = select(Citizen.phone).where(one_of(db, Citizen.id, texted))
            with db.no_autoflush:
                outstanding += sms.send(
                    db,
                    phones,
                    body,
                    settings,
                    kind="personal",
                    event_id=event_id,
                    data=payload["data"],
                    expires_at=payload["expires_at"],
                )
    notification.outstanding = outstanding
    if not outstanding:  # nothing to send: the inbox is where it arrives
        notification.status, notification.completed_at = "sent", now
    db.add(notification)
    if audience.targets is not None:
        db.add_all(
            NotificationPlace(notification_id=notification.id, scope=place["scope"], code=place["code"])
            for place in audience.targets.places()
        )
    else:  # a row per citizen (their inbox), as many as they are: Core rows, after the notification's
        channel_of = {c: CHANNEL for c in pushed} | {c: channel for c, (channel, _) in best.items()}
        channel_of |= dict.fromkeys(texted, sms.CHANNEL)
        db.flush()
        db.execute(
            insert(NotificationRecipient.__table__),
            [
                {"notification_id": notification.id, "citizen_id": c, "channel": channel_of.get(c)}
                for c in audience.citizen_ids
            ],
        )
    return notification


def _unpushed(db: Session, citizen_ids: list) -> list:
    """What Zalo and SMS need of the citizens no app push reaches, in one query (most have no row)."""
    if not citizen_ids:
        return []
    stmt = select(
        Citizen.id,
        Citizen.phone,
        Citizen.zalo_user_id,
        Citizen.zalo_notifications,
        zalo.allowance.LAST_SEEN,
        sms.OPTED_OUT,
    ).where(one_of(db, Citizen.id, citizen_ids))
    return db.execute(stmt).all()


def _payload(notification: Notification, expires: datetime | None) -> dict:
    """What the FCM channel needs to build the message (services/outbox/channels/fcm_messages.py)."""
    data = {str(k): str(v) for k, v in notification.data.items()}
    data.update(type=notification.source_type, notification_id=str(notification.id))
    if notification.source_id:
        data["id"] = notification.source_id
    return {
        "content": notification.content,
        "data": data,
        "priority": notification.priority,
        "ttl_seconds": notification.ttl_seconds,
        "collapse_key": notification.collapse_key,
        "expires_at": expires.isoformat() if expires else None,
    }


# ---------------------------------------------------------------- the FCM channel's domain side


def resolve_many(db: Session, addresses: list[str]) -> dict[str, dict | None]:
    """Device addresses become their current token, language and quiet state (None: no token any more);
    topic:… and condition:… are sent as they are. One query for a claim's devices."""
    ids = [uuid.UUID(a.removeprefix(DEVICE)) for a in addresses if a.startswith(DEVICE)]
    found = {
        f"{DEVICE}{device_id}": (token, locale, quiet_hours)
        for device_id, token, locale, quiet_hours in db.execute(
            select(Device.id, Device.push_token, Device.locale, Device.quiet_hours).where(
                one_of(db, Device.id, ids)
            )
        )
        if token
    }
    targets: dict[str, dict | None] = {}
    for address in addresses:
        if not address.startswith(DEVICE):
            targets[address] = {}
        elif address in found:
            token, locale, quiet_hours = found[address]
            targets[address] = {
                "token": token,
                "language": language(locale),
                "quiet": in_quiet_hours(quiet_hours),
            }
        else:
            targets[address] = None
    return targets


def recorded(db: Session, outcomes: list[tuple[outbox.Claimed, Result]]) -> None:
    """Keep each notification's summary in step with its deliveries; drop dead tokens from devices.

    Two workers may record deliveries of the same notifications at once: each locks them in one
    statement, in id order, so neither can hold one the other waits for (no deadlock, no resend)."""
    for delivery, _ in outcomes:
        if delivery.status == "gone" and delivery.address.startswith(DEVICE):
            found = db.get(Device, uuid.UUID(delivery.address.removeprefix(DEVICE)))
            if found is not None:
                forget_token(found)
    of_each = defaultdict(list)  # by the notification's id as the payload writes it: parsed once each
    for delivery, result in outcomes:
        of_each[delivery.payload["data"]["notification_id"]].append((delivery, result))
    stmt = (
        select(Notification)
        .where(Notification.id.in_(sorted(uuid.UUID(i) for i in of_each)))
        .order_by(Notification.id)
        .execution_options(populate_existing=True)
    )
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    summaries = {str(n.id): n for n in db.scalars(stmt)}
    for notification_id, counted in of_each.items():
        if (notification := summaries.get(notification_id)) is not None:
            _count(notification, counted, utcnow())


def _count(notification: Notification, outcomes: list[tuple[outbox.Claimed, Result]], now) -> None:
    """A batch's outcomes in the summary, each attribute set once (a batch is up to 500 pushes)."""
    outstanding, succeeded, failed, message_ids = notification.outstanding, 0, 0, []
    for delivery, result in outcomes:
        if delivery.status == "retrying":
            notification.status, notification.last_error = "retrying", delivery.last_error
            continue
        outstanding -= 1
        if delivery.status == "sent":
            succeeded += 1
            message_ids.append(result.detail)
        elif delivery.status != "withdrawn" and not delivery.address.startswith(topics.PREFIXES):
            failed += 1  # a recipient's (not an FCM topic send's), not withdrawn as its alert was cancelled
        if delivery.status == "failed":
            notification.last_error = delivery.last_error
    notification.outstanding = outstanding
    if succeeded:
        notification.success_count += succeeded
        notification.first_sent_at = notification.first_sent_at or now
        notification.message_ids = [*notification.message_ids, *message_ids][-50:]
    if failed:
        notification.failure_count += failed
    if outstanding <= 0:
        notification.completed_at = now
        if not notification.success_count and notification.last_error:
            notification.status = "failed"
        else:  # the log backend's message ids say it was logged, not sent
            logged = any(m.startswith("logged/") for m in notification.message_ids)
            notification.status = "logged" if logged else "sent"


def forget_token(device: Device) -> None:
    """FCM says the token is dead: drop it and its subscriptions, never send to it again."""
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


def _recorded_miniapp(db: Session, outcomes: list[tuple[outbox.Claimed, Result]]) -> None:
    zalo.forget_opt_outs(db, outcomes)
    recorded(db, outcomes)


# Channels to people: what a cancelled alert announced and is still unsent is withdrawn (events.withdraw).
outbox.route(CHANNEL, resolve_many=resolve_many, recorded=recorded, withdrawable=True)
outbox.route(zalo.MINIAPP, resolve_many=zalo.resolve_miniapp, recorded=_recorded_miniapp, withdrawable=True)
outbox.route(zalo.ZNS, resolve_many=zalo.resolve_zns, recorded=recorded, withdrawable=True)


def _recorded_sms(db: Session, outcomes: list[tuple[outbox.Claimed, Result]]) -> None:
    recorded(db, [(d, r) for d, r in outcomes if "data" in d.payload])  # personal ones: alerts have none


outbox.route(sms.CHANNEL, resolve_many=sms.resolve_many, recorded=_recorded_sms, withdrawable=True)
