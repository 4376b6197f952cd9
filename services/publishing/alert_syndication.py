"""Alerts for integrators: OASIS CAP 1.2 documents (lxml) and the Atom feed of alerts (feedgen).

CAP times carry the Việt Nam offset (+07:00) and whole seconds, never `Z`. An alert's CAP document
is its latest message: the first Alert, an Update, or the Cancel, referencing every earlier one.
Every `info` carries what the Google Public Alerts profile asks for: `senderName`, `description` and
`web`, in one block per language.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from lxml import etree
from lxml.builder import ElementMaker
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from services.core import areas
from services.core.db import utcnow
from services.core.targets import Targets
from services.models import Alert
from services.publishing import alerts, atom

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_MIMETYPE = "application/cap+xml"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
ATOM_ENTRIES = 100
# A cancelled alert stays in the Atom feed this long, so that readers polling it see the Cancel.
CANCELLED_KEPT = timedelta(hours=48)
GEOCODE = "VN-ADMIN"  # province (2 digits) and ward (5 digits) codes of the 2025 administrative units
CATEGORY = {
    "scam": "Security",
    "misinformation": "Other",
    "safety": "Safety",
    "health": "Health",
    "disaster": "Met",  # storms and floods, the province's usual disasters
    "other": "Other",
}
# CAP `event` by language; a translation into any other language names its own (schemas.alerts).
EVENT = {
    "vi": {
        "scam": "Lừa đảo",
        "misinformation": "Tin sai sự thật",
        "safety": "An toàn",
        "health": "Y tế",
        "disaster": "Thiên tai",
        "other": "Cảnh báo",
    },
    "en": {
        "scam": "Scam",
        "misinformation": "Misinformation",
        "safety": "Safety",
        "health": "Health",
        "disaster": "Disaster",
        "other": "Alert",
    },
}

_cap = ElementMaker(namespace=CAP_NAMESPACE, nsmap={None: CAP_NAMESPACE})


def cap_time(moment: datetime | str) -> str:
    """2026-11-22T07:00:00+07:00"""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class AudioResource:
    """The alert read aloud, as CAP 1.2 describes a resource: `digest` is the SHA-1 of the file."""

    uri: str
    mime_type: str
    data: bytes

    def element(self):
        return _cap.resource(
            _cap.resourceDesc("Bản tin đọc (audio)"),
            _cap.mimeType(self.mime_type),
            _cap.size(str(len(self.data))),
            _cap.uri(self.uri),
            _cap.digest(hashlib.sha1(self.data).hexdigest()),  # noqa: S324 (CAP 1.2 names SHA-1)
        )


def cap_document(alert: Alert, sender: str, page_url: str, audio: AudioResource | None = None) -> bytes:
    """The alert's latest CAP message; `page_url`, the alert's public address, is the `web` of an alert
    without a source_url; `audio`, the alert read aloud, is the Vietnamese info's resource."""
    *earlier, latest = alert.cap_messages
    root = _cap.alert(
        _cap.identifier(latest["identifier"]),
        _cap.sender(sender),
        _cap.sent(cap_time(latest["sent"])),
        _cap.status("Actual"),
        _cap.msgType(latest["msg_type"]),
        _cap.scope("Public"),
    )
    if alert.cancel_reason and latest["msg_type"] == "Cancel":
        root.append(_cap.note(alert.cancel_reason))
    if earlier:
        root.append(
            _cap.references(" ".join(f"{sender},{m['identifier']},{cap_time(m['sent'])}" for m in earlier))
        )
    sender_name = _sender_name(alert, sender)
    for language, text in alerts.texts(alert).items():
        spoken = audio if language == "vi" else None
        root.append(_info(alert, language, text, sender_name, alert.source_url or page_url, spoken))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _sender_name(alert: Alert, sender: str) -> str:
    """The department; for the province's own alerts, the province their places lie in (the sender's
    name when they reach the whole country or several provinces)."""
    if alert.department:
        return alert.department.name
    provinces = Targets.from_dict(alert.targets).implied_province_codes
    return areas.province(provinces[0]).name if len(provinces) == 1 else sender


def _info(alert: Alert, language: str, text: dict, sender_name: str, web: str, audio=None):
    # A translation's own event name, else the built-in one (English for translations stored before
    # translations named their event).
    event = text["event"] or EVENT.get(language, EVENT["en"])[alert.category]
    info = _cap.info(
        _cap.language("vi-VN" if language == "vi" else language),
        _cap.category(CATEGORY[alert.category]),
        _cap.event(event),
        _cap.urgency(alert.urgency.capitalize()),
        _cap.severity(alert.severity.capitalize()),
        _cap.certainty(alert.certainty.capitalize()),
        _cap.expires(cap_time(alert.expires_at)),
        _cap.senderName(sender_name),
        _cap.headline(text["headline"]),
        # A translation given with a headline only is described by the Vietnamese original.
        _cap.description(text["description"] or alert.description),
    )
    if text["instruction"]:
        info.append(_cap.instruction(text["instruction"]))
    info.append(_cap.web(web))
    for indicator in alert.indicators:
        info.append(
            _cap.parameter(_cap.valueName(f"indicator:{indicator.type}"), _cap.value(indicator.normalized))
        )
    if audio is not None:  # CAP 1.2: resources after parameters, before areas
        info.append(audio.element())
    for description, name, code in _areas(Targets.from_dict(alert.targets)):
        info.append(
            _cap.area(_cap.areaDesc(description), _cap.geocode(_cap.valueName(name), _cap.value(code)))
        )
    return info


def _areas(targets: Targets) -> list[tuple[str, str, str]]:
    """(areaDesc, geocode valueName, value) per target; the whole country by its ISO 3166-1 code."""
    if targets.national:
        return [("Việt Nam", "ISO3166-1", "VN")]
    result = [(areas.province(code).name, GEOCODE, f"{code:02d}") for code in targets.province_codes]
    for code in targets.ward_codes:
        ward = areas.ward(code)
        result.append((f"{ward.name}, {areas.province(ward.province_code).name}", GEOCODE, f"{code:05d}"))
    return result


# ---------------------------------------------------------------- Atom


def _cancelled_lately(now: datetime):
    """Cancelled while active (a Cancel went out) within CANCELLED_KEPT."""
    return and_(
        Alert.status == "cancelled",
        Alert.cancelled_at > now - CANCELLED_KEPT,
        Alert.expires_at > Alert.cancelled_at,
    )


def _last_change(db: Session, now: datetime) -> datetime:
    """When the feed last changed: the latest CAP message sent, expiry or end of a cancelled alert's
    stay, whichever came last. It never goes back and does not move between two requests."""
    issued = Alert.status != "draft"
    sent, expired, cancelled = db.execute(
        select(
            func.max(Alert.sent_at),
            func.max(Alert.expires_at).filter(Alert.expires_at <= now),
            func.max(Alert.cancelled_at).filter(Alert.cancelled_at <= now - CANCELLED_KEPT),
        ).where(issued)
    ).one()
    left = cancelled and cancelled + CANCELLED_KEPT
    return max((moment for moment in (sent, expired, left) if moment), default=atom.EPOCH)


def atom_feed(db: Session, self_url: str, cap_url) -> atom.Feed:
    """Active alerts everywhere, and those cancelled in the last 48 hours (marked so), most severe and
    most recent first; each entry links its CAP document (`cap_url(alert)`)."""
    now = utcnow()
    shown = or_(alerts.live(now), _cancelled_lately(now))
    stmt = select(Alert).where(shown).order_by(*(c.desc() for c in alerts.ORDER)).limit(ATOM_ENTRIES)
    updated = _last_change(db, now)
    feed = atom.new_feed(
        self_url,
        "Cảnh báo đang có hiệu lực",
        "Active public alerts: scams, misinformation, safety, health, disasters",
        updated,
    )
    for alert in db.scalars(stmt):
        cancelled = alert.status == "cancelled"
        entry = feed.add_entry(order="append")
        entry.id(f"urn:uuid:{alert.id}")
        entry.title(alerts.TITLE_PREFIXES[alert.msg_type].get("vi", "") + alert.headline)
        entry.summary(alert.cancel_reason if cancelled else alert.description)
        entry.published(datetime.fromisoformat(alert.cap_messages[0]["sent"]))  # whole seconds, like updated
        entry.updated(alert.sent_at)
        entry.category(term=alert.category)
        if cancelled:
            entry.category(term="cancelled")
        links = [{"href": cap_url(alert), "rel": "alternate", "type": CAP_MIMETYPE}]
        if alert.source_url:
            links.append({"href": alert.source_url, "rel": "related", "type": "text/html"})
        atom.link(entry, *links)
        if alert.department:
            entry.author(name=alert.department.name)
    return atom.Feed(feed.atom_str(pretty=True), updated)
