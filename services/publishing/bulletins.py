"""Bulletins for the commune loudspeakers, and the spoken audio of alerts and notices.

A commune's morning bulletin gathers what its people should hear that day: the alerts active for the
commune (most severe first), policies adopted or in effect lately, and consultations closing within a
week, each written for listening (services/core/spoken.py) between a spoken opening and closing. A severe
or extreme alert makes an urgent bulletin for each commune it targets at once. Staff may correct an
item's words (pronunciation) before it airs; regenerating keeps their corrections of items still there.

Audio is synthesised offline (services/core/speech.py: espeak-ng, or the configured voice) and kept in
the app's storage under the hash of the voice, format and words, so the same words are synthesised once
and a changed word makes new audio. Without a working voice the text is still served; the audio answers
503 with Retry-After (SpeechUnavailable).
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import events
from services.core import areas, speech, storage
from services.core.db import transactional, utcnow
from services.core.errors import Invalid, NotFound
from services.core.spoken import for_listening
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import Alert, Bulletin, Department, Notice
from services.publishing import alerts, notices

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_DAYS_AHEAD = 7
NEWLY = timedelta(days=3)  # a policy adopted or in effect is announced for three days
CLOSING_WITHIN = timedelta(days=7)
# A loudspeaker bulletin airs for minutes: the newest policies and the soonest-closing consultations only
# (the app lists the rest), so a busy week cannot make a bulletin of hundreds of items.
MOST_POLICIES = 10
MOST_CONSULTATIONS = 5
URGENT = ("severe", "extreme")
OPENING = "Kính thưa bà con {place}. Sau đây là bản tin {kind} ngày {day}."
CLOSING = "Bản tin đến đây là hết. Xin cảm ơn bà con đã lắng nghe."
KINDS = {"morning": "buổi sáng", "urgent": "khẩn cấp"}
# Said for an item whose words hold nothing a voice can read (symbols only): never silence.
UNSPEAKABLE = {
    "alert": "Có cảnh báo mới. Xin bà con xem chi tiết trên ứng dụng hoặc hỏi cán bộ xã, phường.",
    "notice": "Có thông báo mới. Xin bà con xem chi tiết trên ứng dụng hoặc hỏi cán bộ xã, phường.",
}


@dataclass(frozen=True)
class Audio:
    data: bytes
    media_type: str
    digest: str  # SHA-256 hex of the words, voice and format: the ETag


# ---------------------------------------------------------------- what a bulletin says


def alert_item(alert: Alert) -> dict:
    words = ". ".join(p.rstrip(". ") for p in (alert.headline, alert.description, alert.instruction) if p)
    return {
        "type": "alert",
        "id": str(alert.id),
        "heading": alert.headline,
        "text": for_listening(words) or UNSPEAKABLE["alert"],
        "edited": False,
    }


def notice_item(notice: Notice, lead: str) -> dict:
    words = f"{lead}: {notice.title.rstrip('. ')}. {notice.summary}"
    return {
        "type": "notice",
        "id": str(notice.id),
        "heading": notice.title,
        "text": for_listening(words) or UNSPEAKABLE["notice"],
        "edited": False,
    }


def items_for(db: Session, ward_code: int, now: datetime) -> list[dict]:
    """What the commune should hear now: alerts, policies adopted or in effect lately, consultations
    closing within a week."""
    province = areas.ward(ward_code).province_code
    found = [alert_item(a) for a in alerts.active_at(db, province, ward_code, limit=20)]
    stages = ("adopted", "in_effect")
    for notice in notices.newly(db, province, ward_code, stages, now - NEWLY, MOST_POLICIES):
        lead = (
            "Chính sách mới có hiệu lực" if notice.stage == "in_effect" else "Chính sách mới được thông qua"
        )
        found.append(notice_item(notice, lead))
    closing = notices.closing_consultations(db, province, ward_code, now + CLOSING_WITHIN, MOST_CONSULTATIONS)
    for notice in closing:
        closes = notice.consultation_closes_at.astimezone(LOCAL)
        found.append(notice_item(notice, f"Lấy ý kiến nhân dân đến hết ngày {closes:%d/%m/%Y} về dự thảo"))
    return found


def spoken(bulletin: Bulletin) -> str:
    """The whole bulletin as it is read: opening, each item, closing."""
    place = areas.ward(bulletin.ward_code).name
    opening = OPENING.format(place=place, kind=KINDS[bulletin.kind], day=f"{bulletin.day:%d/%m/%Y}")
    return "\n\n".join([for_listening(opening), *(item["text"] for item in bulletin.items), CLOSING])


def _make(db: Session, ward_code: int, day: date, kind: str, items: list[dict], alert_id=None) -> Bulletin:
    bulletin = Bulletin(
        id=uuid.uuid4(),
        province_code=areas.ward(ward_code).province_code,
        ward_code=ward_code,
        day=day,
        kind=kind,
        alert_id=alert_id,
        items=items,
        generated_at=utcnow(),
        updated_at=utcnow(),
    )
    bulletin.text = spoken(bulletin)
    db.add(bulletin)
    events.emit(
        db, "bulletin.ready", bulletin, {"ward_code": ward_code, "day": day.isoformat(), "kind": kind}
    )
    return bulletin


# ---------------------------------------------------------------- reading and correcting


@transactional
def morning(db: Session, principal: Principal, ward_code: int, day: date | None = None) -> Bulletin:
    """The commune's morning bulletin for `day` (today by default), made now if it was not yet."""
    policy.require(principal, "bulletins.read")
    today = datetime.now(LOCAL).date()
    day = day or today
    if areas.ward(ward_code) is None:
        raise Invalid({"ward_code": ["No such commune."]}, code="unknown_area")
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise Invalid({"date": [f"At most {MAX_DAYS_AHEAD} days ahead."]}, code="bulletin_too_far_ahead")
    found = db.scalar(
        select(Bulletin).where(
            Bulletin.ward_code == ward_code, Bulletin.day == day, Bulletin.kind == "morning"
        )
    )
    return found or _make(db, ward_code, day, "morning", items_for(db, ward_code, utcnow()))


def get(db: Session, principal: Principal, bulletin_id: uuid.UUID) -> Bulletin:
    policy.require(principal, "bulletins.read")
    bulletin = db.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise NotFound("No such bulletin.")
    return bulletin


@transactional
def correct(db: Session, principal: Principal, bulletin_id: uuid.UUID, index: int, text: str) -> Bulletin:
    """Staff change the words of one item (a name read wrongly) before it airs."""
    policy.require(principal, "bulletins.edit")
    bulletin = get(db, principal, bulletin_id)
    if not 0 <= index < len(bulletin.items):
        raise NotFound("No such item in this bulletin.")
    before = audit.snapshot(bulletin)
    items = [dict(item) for item in bulletin.items]
    items[index].update(text=text.strip(), edited=True)
    _changed(bulletin, items, principal)
    audit.record(db, principal, "bulletin.update", bulletin, before)
    return bulletin


@transactional
def regenerate(db: Session, principal: Principal, bulletin_id: uuid.UUID) -> Bulletin:
    """Gather the items again from what is published now, keeping staff's words for items still there."""
    policy.require(principal, "bulletins.edit")
    bulletin = get(db, principal, bulletin_id)
    before = audit.snapshot(bulletin)
    edited = {(i["type"], i["id"]): i for i in bulletin.items if i.get("edited")}
    if bulletin.kind == "urgent":
        alert = db.get(Alert, bulletin.alert_id)
        fresh = [alert_item(alert)] if alert is not None else []
    else:
        fresh = items_for(db, bulletin.ward_code, utcnow())
    _changed(bulletin, [edited.get((i["type"], i["id"]), i) for i in fresh], principal)
    bulletin.generated_at = utcnow()
    audit.record(db, principal, "bulletin.regenerate", bulletin, before)
    return bulletin


def _changed(bulletin: Bulletin, items: list[dict], principal: Principal) -> None:
    bulletin.items = items
    bulletin.text = spoken(bulletin)
    bulletin.updated_at, bulletin.updated_by_id = utcnow(), principal.user.id if principal.user else None


# ---------------------------------------------------------------- made by the app itself


@events.subscriber
def urgent_bulletins(db: Session, event: events.Event) -> None:
    """A severe or extreme alert becomes an urgent bulletin for every commune it targets, at once."""
    if event.name != "alert.published" or event.subject.severity not in URGENT:
        return
    alert, today = event.subject, datetime.now(LOCAL).date()
    for ward_code in _wards(alert.targets):
        _make(db, ward_code, today, "urgent", [alert_item(alert)], alert_id=alert.id)


def _wards(targets: dict) -> list[int]:
    """The communes a place target names: its wards, and every ward of its provinces (a national alert
    goes to the radio systems through CAP and webhooks, not commune by commune)."""
    wards = set(targets.get("ward_codes") or ())
    for province in targets.get("province_codes") or ():
        wards.update(w.code for w in areas.wards(province))
    return sorted(wards)


def prepare_morning(db: Session, *, hour: int, batch: int = 5) -> int:
    """The worker's chore: from an hour before `hour` (Việt Nam time), today's morning bulletin of each
    commune with something to say, in the provinces the app's departments serve, and its audio; `batch`
    communes a pass (half a minute of speech synthesis: the worker runs it aside from its deliveries)."""
    now = datetime.now(LOCAL)
    if now.hour < hour - 1:
        return 0
    provinces = sorted(set(db.scalars(select(Department.province_code).where(Department.active.is_(True)))))
    done = set(
        db.scalars(select(Bulletin.ward_code).where(Bulletin.day == now.date(), Bulletin.kind == "morning"))
    )
    made = 0
    for province in provinces:
        for ward in areas.wards(province):
            if made >= batch:
                break
            if ward.code in done:
                continue
            items = items_for(db, ward.code, utcnow())
            if not items:
                continue  # nothing to air: no bulletin (asking for it makes an empty one)
            bulletin = _make(db, ward.code, now.date(), "morning", items)
            db.commit()
            for fmt in speech.MEDIA_TYPES:
                try:
                    audio(db, bulletin.text, fmt)
                except speech.SpeechUnavailable:
                    break  # the text is served; the audio is made when it is asked for
            made += 1
    return made


# ---------------------------------------------------------------- audio


def voice_of(db: Session):
    """The app's voice (TTS_COMMAND, or espeak-ng), which travels with its sessions (api/create_app)."""
    return db.info.get("voice") or speech.EspeakVoice()


def audio(db: Session, words: str, fmt: str) -> Audio:
    """`words` spoken by the app's voice as Ogg/Opus or MP3, from the storage when these words were
    spoken before by the same voice."""
    voice = voice_of(db)
    name = " ".join(getattr(voice, "command", [type(voice).__name__]))
    digest = hashlib.sha256(f"{name}\n{fmt}\n{words}".encode()).hexdigest()
    key = f"audio/{digest}.{fmt}"
    files = storage.of(db)
    try:
        data = files.read(key)
    except FileNotFoundError:
        data = speech.encode(voice.synthesize(words), fmt, timeout=getattr(voice, "timeout", 60))
        files.save(key, data)
    return Audio(data, speech.MEDIA_TYPES[fmt], digest)


def alert_words(alert: Alert) -> str:
    return alert_item(alert)["text"]


def notice_words(notice: Notice) -> str:
    words = for_listening(f"{notice.title.rstrip('. ')}. {notice.summary}\n\n{notice.body}")
    return words or UNSPEAKABLE["notice"]
