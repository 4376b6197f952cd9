"""SMS for feature phones: the SMS channel's domain side (services/outbox/channels/sms.py sends).

What goes by SMS: area alerts of the configured severities to the numbers subscribed to the targeted
communes (most severe first) and their cancellation to the numbers they reached, keyword replies
(services/sms/keywords.py), and personal updates as the last channel a citizen has. Texts are unaccented
GSM-7 unless the province chose Unicode, an alert at most two segments. A day's budget of segments holds
back what is not severe or extreme (status `held`, shown in the deliveries summary); a number that texted
`HUY` gets nothing more: it is checked again at send time, so what was queued before stops too.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from services import events, outbox
from services.core import areas
from services.core.db import utcnow
from services.core.sms_text import compose, segments, unaccented
from services.core.targets import Targets
from services.models import Citizen, Delivery, SmsDay, SmsOptOut, SmsSubscription
from services.outbox import texts

CHANNEL = "sms"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# Claimed first: the most severe alerts, then keyword replies, then the rest.
PRIORITY = {"extreme": 4, "severe": 3, "reply": 2}
NEVER_HELD = ("extreme", "severe")


@dataclass(frozen=True)
class Settings:
    alert_severities: tuple[str, ...] = ("severe", "extreme")
    daily_budget: int = 10000  # segments a day (Việt Nam time)
    encoding: str = "gsm7"
    sender: str = ""  # who signs each SMS, e.g. "UBND TP Da Nang"
    province_code: int | None = None  # where `DK <commune name>` looks first

    @classmethod
    def from_config(cls, config) -> "Settings":
        return cls(
            alert_severities=tuple(config["SMS_ALERT_SEVERITIES"]),
            daily_budget=config["SMS_DAILY_BUDGET"],
            encoding=config["SMS_ENCODING"],
            sender=config["SMS_SENDER"],
            province_code=config["SMS_PROVINCE_CODE"],
        )


def settings_of(db: Session) -> Settings:
    """The app's SMS settings, which travel with its sessions (api/create_app); the defaults elsewhere."""
    return db.info.get("sms") or Settings()


def text(parts: list[str], settings: Settings) -> str:
    """One SMS of at most two segments: the parts in order, the sender last, cut at word boundaries."""
    parts = [p for p in (*parts, settings.sender) if p]
    if settings.encoding == "gsm7":
        parts = [unaccented(p) for p in parts]
    return compose(parts, max_segments=2, encoding=settings.encoding)


def send(
    db: Session,
    phones: list[str] | Select,
    body: str,
    settings: Settings,
    *,
    kind: str,
    event_id: uuid.UUID | None = None,
    data: dict | None = None,
    expires_at: str | None = None,
) -> int:
    """One delivery per number (E.164): a few listed, or a SELECT of them (an area's subscribers, which
    the database writes without them passing through here). Counted against the day's budget; held when
    it would exceed it, unless `kind` is a severe or extreme alert or a reply to the citizen's own message.
    One still waiting at `expires_at` (ISO: the alert's end) is not sent. How many go out (0 when held)."""
    if isinstance(phones, list):
        count, phones = len(phones), outbox.these(*phones)
    else:
        count = db.scalar(select(func.count()).select_from(phones.subquery()))
    if not count:
        return 0
    per_text = segments(body, settings.encoding)
    day = _today(db)
    hold = kind not in (*NEVER_HELD, "reply") and day.segments + per_text * count > settings.daily_budget
    payload = {"text": body, "kind": kind, "segments": per_text, "expires_at": expires_at}  # after: unsent
    if data is not None:  # a personal message: its notification's summary is kept (services/push)
        payload["data"] = data
    held = f"Held: today's SMS budget of {settings.daily_budget} segments is spent." if hold else None
    made = outbox.enqueue_many(
        db, CHANNEL, phones, payload, event_id=event_id, priority=PRIORITY.get(kind, 0), held=held
    )
    if hold:
        day.held += made
        return 0
    day.segments += per_text * made
    return made


def _today(db: Session) -> SmsDay:
    """Today's count, locked until the transaction ends so two publishers do not both spend the rest."""
    today = datetime.now(LOCAL).date()
    stmt = select(SmsDay).where(SmsDay.day == today)
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    day = db.scalar(stmt)
    if day is None:
        day = SmsDay(day=today, segments=0, held=0)
        db.add(day)
        db.flush()
    return day


def subscribers(db: Session, targets: Targets) -> Select:
    """The active subscribed numbers of the targeted communes (a province: all its communes), opted-out
    numbers left out, each once."""
    stmt = select(SmsSubscription.phone).distinct().where(SmsSubscription.status == "active")
    if not targets.national:
        stmt = stmt.where(
            or_(
                SmsSubscription.ward_code.in_(targets.ward_codes),
                SmsSubscription.province_code.in_(targets.province_codes),
            )
        )
    return stmt.where(SmsSubscription.phone.not_in(select(SmsOptOut.phone)))


def alert_text(alert, settings: Settings) -> str:
    link = alert.source_url or ""
    if len(link) > 40:  # a feature phone shows it, rarely opens it: the site is enough
        link = link.split("//", 1)[-1].split("/", 1)[0]
    return text([alert.headline, alert.instruction or alert.description, link], settings)


@events.subscriber
def alerts_to_subscribers(db: Session, event: events.Event) -> None:
    """A published alert of the configured severities goes to the numbers subscribed to its communes; its
    cancellation to the numbers it reached (a feature phone told to flee is told the alarm was false)."""
    settings, alert = settings_of(db), event.subject
    if event.name == "alert.published" and alert.severity in settings.alert_severities:
        phones = subscribers(db, Targets.from_dict(alert.targets))
        body = alert_text(alert, settings)
    elif event.name == "alert.cancelled":
        told = events.ids(db, alert, "alert.published")
        phones = (
            select(Delivery.address)
            .distinct()
            .where(Delivery.channel == CHANNEL, Delivery.status == "sent", Delivery.event_id.in_(told))
        )
        values = {"headline": alert.headline, "reason": alert.cancel_reason or ""}
        said = texts.render("alert.cancelled", values, languages=("vi",))["vi"]  # as the push says it
        body = text([said["title"], said["body"]], settings)
    else:
        return
    expires_at = alert.expires_at.isoformat()
    send(db, phones, body, settings, kind=alert.severity, event_id=event.id, expires_at=expires_at)


def textable(citizens) -> list[uuid.UUID]:
    """Those of these citizens with a consented phone (Citizen.phone) that did not opt out; `citizens`
    are rows with their id, phone and `sms_opted_out` (OPTED_OUT)."""
    return [c.id for c in citizens if c.phone and not c.sms_opted_out]


# Whether a citizen's phone texted `HUY`: a column of the citizens' rows that services/push reads once.
OPTED_OUT = Citizen.phone.in_(select(SmsOptOut.phone)).label("sms_opted_out")


# ---------------------------------------------------------------- the channel's domain side


def resolve_many(db: Session, addresses: list[str]) -> dict[str, dict | None]:
    """Each number as SMPP writes it (84…); None (gone) for one that opted out meanwhile."""
    stopped = set(db.scalars(select(SmsOptOut.phone).where(SmsOptOut.phone.in_(addresses))))
    return {a: None if a in stopped else {"phone": a.lstrip("+")} for a in addresses}


def receipt(db: Session, message_id: str, status: str, when: datetime | None = None) -> int:
    """An SMSC's delivery report: DELIVRD marks the delivery delivered; UNDELIV, EXPIRED, REJECTD… failed."""
    deliveries = list(
        db.scalars(select(Delivery).where(Delivery.channel == CHANNEL, Delivery.provider_id == message_id))
    )
    for delivery in deliveries:
        if status == "DELIVRD":
            delivery.delivered_at = delivery.delivered_at or when or utcnow()
        else:
            delivery.status, delivery.last_error = "failed", f"The operator reported {status}."
    return len(deliveries)


def place_name(ward_code: int) -> str:
    ward = areas.ward(ward_code)
    return f"{ward.name}, {areas.province(ward.province_code).name}"
