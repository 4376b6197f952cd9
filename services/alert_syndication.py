"""Alerts for integrators: OASIS CAP 1.2 documents (lxml) and the Atom feed of active alerts (feedgen).

CAP times carry the Việt Nam offset (+07:00) and whole seconds, never `Z`. An alert's CAP document
is its latest message: the first Alert, an Update, or the Cancel, referencing every earlier one.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree
from lxml.builder import ElementMaker
from sqlalchemy.orm import Session

from services import alerts, areas
from services.models import Alert
from services.targets import Targets

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_MIMETYPE = "application/cap+xml"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
ATOM_ENTRIES = 100
GEOCODE = "VN-ADMIN"  # province (2 digits) and ward (5 digits) codes of the 2025 administrative units
CATEGORY = {
    "scam": "Security",
    "misinformation": "Other",
    "safety": "Safety",
    "health": "Health",
    "disaster": "Met",  # storms and floods, the province's usual disasters
    "other": "Other",
}
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


def cap_document(alert: Alert, sender: str) -> bytes:
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
    for language, text in alerts.texts(alert).items():
        root.append(_info(alert, language, text))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _info(alert: Alert, language: str, text: dict):
    info = _cap.info(
        _cap.language("vi-VN" if language == "vi" else language),
        _cap.category(CATEGORY[alert.category]),
        _cap.event(EVENT.get(language, EVENT["en"])[alert.category]),
        _cap.urgency(alert.urgency.capitalize()),
        _cap.severity(alert.severity.capitalize()),
        _cap.certainty(alert.certainty.capitalize()),
        _cap.expires(cap_time(alert.expires_at)),
    )
    if alert.department:
        info.append(_cap.senderName(alert.department.name))
    info.append(_cap.headline(text["headline"]))
    for name in ("description", "instruction"):
        if text[name]:
            info.append(getattr(_cap, name)(text[name]))
    if alert.source_url:
        info.append(_cap.web(alert.source_url))
    for indicator in alert.indicators:
        info.append(
            _cap.parameter(_cap.valueName(f"indicator:{indicator.type}"), _cap.value(indicator.normalized))
        )
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


class _LinkAttributes(BaseEntryExtension):
    """feedgen 1.0 writes an entry's links with `href` only (it reads `rel` and `type` back from the
    element it has just created); this puts them back."""

    def __init__(self):
        self.links = []

    def extend_atom(self, entry):
        for element, link in zip(entry.iterfind("link"), self.links, strict=True):
            element.attrib.update({key: link[key] for key in ("rel", "type") if link.get(key)})
        return entry


def atom_feed(db: Session, feed_url: str, cap_url) -> bytes:
    """Active alerts everywhere as Atom, most severe and most recent first; each entry links its CAP
    document (`cap_url(alert)`)."""
    active = alerts.active_at(db, None, None, limit=ATOM_ENTRIES)
    feed = FeedGenerator()
    feed.register_extension("link_attributes", BaseExtension, _LinkAttributes, rss=False)
    feed.id(feed_url)
    feed.title("Cảnh báo đang có hiệu lực")
    feed.subtitle("Active public alerts: scams, misinformation, safety, health, disasters")
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.author(name="Citizen API")
    feed.language("vi")
    feed.updated(max((a.sent_at for a in active), default=None) or datetime.now(VIETNAM))
    for alert in active:
        entry = feed.add_entry(order="append")
        entry.id(f"urn:uuid:{alert.id}")
        entry.title(alert.headline)
        entry.summary(alert.description)
        entry.published(alert.published_at)
        entry.updated(alert.sent_at)
        entry.category(term=alert.category)
        entry.link(href=cap_url(alert), rel="alternate", type=CAP_MIMETYPE)
        if alert.source_url:
            entry.link(href=alert.source_url, rel="related", type="text/html")
        entry.link_attributes.links = entry.link()
        if alert.department:
            entry.author(name=alert.department.name)
    return feed.atom_str(pretty=True)
