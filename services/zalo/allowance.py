"""What Zalo allows the Mini App's notifications, and so which citizens get one and when.

Zalo's notification API for Mini Apps (zmp-docs open-apis/notifications/send) sends only to users who
opened the Mini App in the last 7 days and allowed its notifications, one a user a day, a limited number a
day for the app (1,000 published: `ZALO_MINIAPP_DAILY_LIMIT`, what Zalo granted the province), between
06:00 and 22:00 (`ZALO_MINIAPP_HOURS`). A call outside these is refused: a call for nothing, and a
citizen's own message lost on the Mini App. So a message goes on the Mini App only to citizens whose Zalo
device was seen in the 7 days before it goes out and who have no Mini App notification that day, while
the day has some left, and it goes out when the hours are open (the channel holds back what comes due
outside them).

Area messages take at most `ZALO_MINIAPP_AREA_SHARE` of a day, the most recently seen citizens first:
the rest is kept for citizens' own messages (their feedback received, answered), which for a citizen
without app push or a shared phone have no other way than the Mini App. A citizen the Mini App cannot
reach gets a personal message on the next channel they have (ZNS, SMS), and every message in the inbox.

"Seen" is a device's last authenticated call (`last_seen_at`): the Mini App sends its device token when
it opens (docs/zalo.md).
"""

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Select, Uuid, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session

from services.core.db import one_of, utcnow
from services.models import Citizen, Device, ZaloMiniappSlot
from services.outbox.channels.zalo import LOCAL, MINIAPP_HOURS, opening

RECENT = timedelta(days=7)  # Zalo notifies users who opened the Mini App within this
_LOCK = 0x5A4D41  # PostgreSQL advisory lock: one publisher takes a day's slots at a time
OPTED_IN = (Citizen.zalo_notifications.is_(True), Citizen.zalo_user_id.is_not(None))
# When a citizen's Zalo device last called the API (None: they have none).
LAST_SEEN = (
    select(func.max(Device.last_seen_at))
    .where(Device.citizen_id == Citizen.id, Device.platform == "zalo")
    .scalar_subquery()
    .label("zalo_seen")
)


@dataclass(frozen=True)
class Allowance:
    daily_limit: int = 1000
    area_share: float = 0.5
    hours: tuple[int, int] = MINIAPP_HOURS

    @property
    def area_limit(self) -> int:
        """How many of a day's notifications area messages may take."""
        return math.floor(self.daily_limit * self.area_share)

    @classmethod
    def from_config(cls, config) -> "Allowance":
        return cls(
            daily_limit=config["ZALO_MINIAPP_DAILY_LIMIT"],
            area_share=config["ZALO_MINIAPP_AREA_SHARE"],
            hours=config["ZALO_MINIAPP_HOURS"],
        )


def of(db: Session) -> Allowance:
    """The app's allowance, which travels with its sessions (api/create_app); Zalo's published elsewhere."""
    return db.info.get("zalo_miniapp") or Allowance()


def send_time(db: Session, at: datetime) -> datetime:
    """When a Mini App notification asked for at `at` goes out: then, or when Zalo's hours next open."""
    return opening(of(db).hours, at)


def seen_recently(seen: datetime | None, send_at: datetime) -> bool:
    return seen is not None and seen >= send_at - RECENT


def for_place(
    db: Session, devices_in_place: tuple, notification_id: uuid.UUID, at: datetime, citizens_where: tuple = ()
):
    """(the citizens an area message goes to on the Mini App, as a SELECT of their ids, and when it goes
    out), their slots of that day taken now; (None, None) when the day has none left for area messages.
    `devices_in_place` are conditions on Device, `citizens_where` on Citizen."""
    allowance = of(db)
    send_at = opening(allowance.hours, at)
    day, taken = _day(db, send_at)
    left = allowance.area_limit - taken
    if left <= 0:
        return None, None
    seen = (
        select(Device.citizen_id, func.max(Device.last_seen_at).label("seen"))
        .where(*devices_in_place, Device.platform == "zalo", Device.last_seen_at >= send_at - RECENT)
        .group_by(Device.citizen_id)
        .subquery()
    )
    chosen = (
        select(literal(day, Date), Citizen.id, literal(notification_id, Uuid))
        .join(seen, seen.c.citizen_id == Citizen.id)
        .where(*OPTED_IN, ~_slot_taken(day), *citizens_where)
        .order_by(seen.c.seen.desc(), Citizen.id)
        .limit(left)
    )
    db.execute(insert(ZaloMiniappSlot).from_select(["day", "citizen_id", "notification_id"], chosen))
    return _of_notification(day, notification_id), send_at


def for_citizens(db: Session, citizen_ids: list[uuid.UUID], notification_id: uuid.UUID, at: datetime):
    """Of these citizens (opted in and seen recently: the caller checked), the set that gets a personal
    message on the Mini App: those without one that day, while the day has some left, their slots taken
    now."""
    allowance = of(db)
    day, taken = _day(db, opening(allowance.hours, at))
    busy = set(
        db.scalars(
            select(ZaloMiniappSlot.citizen_id).where(
                ZaloMiniappSlot.day == day, one_of(db, ZaloMiniappSlot.citizen_id, citizen_ids)
            )
        )
    )
    chosen = [c for c in citizen_ids if c not in busy][: max(allowance.daily_limit - taken, 0)]
    if chosen:
        db.execute(
            insert(ZaloMiniappSlot),
            [{"day": day, "citizen_id": c, "notification_id": notification_id} for c in chosen],
        )
    return set(chosen)


def given_today(db: Session) -> int:
    """How many Mini App notifications today (Việt Nam time) has given out or will at its hours."""
    return _taken(db, utcnow().astimezone(LOCAL).date())


def _day(db: Session, send_at: datetime) -> tuple[date, int]:
    """The day (Việt Nam time) of `send_at` and how many of its slots are taken, locked to this transaction
    so that two publishers do not both take the rest; the days before yesterday are forgotten."""
    day = send_at.astimezone(LOCAL).date()
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(func.pg_advisory_xact_lock(_LOCK)))
    db.execute(delete(ZaloMiniappSlot).where(ZaloMiniappSlot.day < day - timedelta(days=1)))
    return day, _taken(db, day)


def _taken(db: Session, day: date) -> int:
    return db.scalar(select(func.count()).select_from(ZaloMiniappSlot).where(ZaloMiniappSlot.day == day))


def _slot_taken(day: date):
    return exists().where(ZaloMiniappSlot.day == day, ZaloMiniappSlot.citizen_id == Citizen.id)


def _of_notification(day: date, notification_id: uuid.UUID) -> Select:
    return select(ZaloMiniappSlot.citizen_id).where(
        ZaloMiniappSlot.day == day, ZaloMiniappSlot.notification_id == notification_id
    )
