"""What was pushed: ad-hoc announcements by admins, the admin delivery view, and each device's
in-app inbox (personal messages plus everything sent to its place), so a missed push is never a
missed message."""

import uuid

from sqlalchemy import exists, func, or_, select, union_all
from sqlalchemy.orm import Session

from services import push
from services.core.db import transactional, utcnow
from services.core.errors import NotFound
from services.core.pagination import Page, keyset_page, ordered, past_cursor
from services.core.targets import reaching
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import Notification, NotificationPlace, NotificationRead, NotificationRecipient
from services.outbox.channels.fcm_messages import text_for

# Once handed to FCM (or the log), a message belongs in the inbox.
DELIVERED = ("sent", "logged")


@transactional
def announce(db: Session, principal: Principal, data: dict) -> Notification:
    """An admin's one-off message to a place (e.g. a water cut, an office closing)."""
    policy.require(principal, "notifications.manage")
    content = {"vi": {"title": data["title"], "body": data["body"]}}
    for tag, text in (data.get("translations") or {}).items():
        content[tag] = {"title": text["title"], "body": text["body"]}
    notification = push.enqueue(
        db,
        push.Audience.place(data["targets"]),
        content,
        source_type="announcement",
        data=data.get("data"),
        priority=data.get("priority", "normal"),
        created_by_id=principal.user.id,
    )
    audit.record(db, principal, "notification.create", notification)
    return notification


def list_for_admin(
    db: Session, principal: Principal, *, status=None, source=None, cursor=None, limit=20
) -> Page:
    policy.require(principal, "notifications.manage")
    stmt = select(Notification)
    if status:
        stmt = stmt.where(Notification.status == status)
    if source:
        stmt = stmt.where(Notification.source_type == source)
    return keyset_page(db, stmt, [Notification.created_at, Notification.id], cursor, limit, descending=True)


def get_for_admin(db: Session, principal: Principal, notification_id: uuid.UUID) -> Notification:
    policy.require(principal, "notifications.manage")
    notification = db.get(Notification, notification_id)
    if notification is None:
        raise NotFound("No such notification.")
    return notification


def delivery_summary(db: Session, source_type: str, source_id: str) -> dict:
    """Counts by status and the first and last send for everything pushed about one item."""
    rows = db.execute(
        select(
            Notification.status,
            func.count(),
            func.sum(Notification.success_count),
            func.sum(Notification.failure_count),
            func.min(Notification.first_sent_at),
            func.max(Notification.completed_at),
        )
        .where(Notification.source_type == source_type, Notification.source_id == source_id)
        .group_by(Notification.status)
    ).all()
    return {
        "by_status": {status: count for status, count, *_ in rows},
        "delivered": sum(ok or 0 for _, _, ok, *_ in rows),
        "failed_recipients": sum(bad or 0 for _, _, _, bad, *_ in rows),
        "first_sent_at": min((r[4] for r in rows if r[4]), default=None),
        # A failure's completion is not a send.
        "last_sent_at": max((r[5] for r in rows if r[5] and r[0] in DELIVERED), default=None),
    }


def _delivered():
    return Notification.status.in_(DELIVERED) & (Notification.send_at <= utcnow())


def _for_device(device):
    """Notifications meant for `device`: its citizen's personal ones and those for its place."""
    return or_(Notification.id.in_(_own_ids(device)), _for_place(device))


def _own_ids(device):
    return select(NotificationRecipient.notification_id).where(
        NotificationRecipient.citizen_id == device.citizen_id
    )


def _for_place(device):
    place = reaching(NotificationPlace, device.province_code, device.ward_code)
    return exists().where(NotificationPlace.notification_id == Notification.id, place) & (
        Notification.audience == "place"
    )


def inbox(db: Session, principal: Principal, *, cursor=None, limit=20) -> Page:
    """Newest first. The page comes from the citizen's own notifications (a handful) and at most a page
    of the newest for the device's place, found on ix_notifications_place: walking every notification
    instead, millions of other citizens' receipts, a device whose inbox holds less than a page (every
    new one) read them all."""
    policy.require(principal, "notifications.inbox")
    device = principal.device
    order = [Notification.created_at, Notification.id]
    place = select(Notification.id).where(_delivered(), _for_place(device))
    if cursor:
        place = place.where(past_cursor(order, cursor, descending=True))
    place = place.order_by(*ordered(order, descending=True)).limit(limit + 1).subquery()
    stmt = select(Notification).where(
        _delivered(), Notification.id.in_(union_all(_own_ids(device), select(place.c.id)))
    )
    page = keyset_page(db, stmt, order, cursor, limit, descending=True)
    read = set(
        db.scalars(
            select(NotificationRead.notification_id).where(
                NotificationRead.device_id == device.id,
                NotificationRead.notification_id.in_([n.id for n in page.items]),
            )
        )
    )
    page.items = [inbox_item(n, device.locale, n.id in read) for n in page.items]
    return page


def inbox_item(notification: Notification, locale: str, read: bool) -> dict:
    text = text_for(notification.content, locale)
    return {
        "id": notification.id,
        "title": text.title,
        "body": text.body,
        "type": notification.source_type,
        "source_id": notification.source_id,
        "data": notification.data,
        "priority": notification.priority,
        "sent_at": notification.first_sent_at or notification.created_at,
        "read": read,
    }


@transactional
def mark_read(db: Session, principal: Principal, notification_id: uuid.UUID) -> None:
    policy.require(principal, "notifications.inbox")
    device = principal.device
    visible = db.scalar(
        select(Notification.id).where(Notification.id == notification_id, _delivered(), _for_device(device))
    )
    if visible is None:
        raise NotFound("No such notification in this device's inbox.")
    if db.get(NotificationRead, (notification_id, device.id)) is None:
        db.add(NotificationRead(notification_id=notification_id, device_id=device.id, read_at=utcnow()))
