"""CAP 1.2 documents and the Atom feed of active alerts, parsed back (untrusted XML: defusedxml)
and checked against the structure of the CAP 1.2 standard and the rules of issue 5."""

import re
from datetime import timedelta

import defusedxml.ElementTree as SafeET
from lxml import etree

from services.db import utcnow
from tests.conftest import assert_problem
from tests.test_alerts import ALERTS, DA_NANG, HAI_CHAU, draft, published

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2", "atom": "http://www.w3.org/2005/Atom"}
# lxml only for its QName helpers, and never resolving entities or fetching anything.
LOCKED_DOWN = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")  # offset, whole seconds, never Z

# CAP 1.2 (OASIS standard, section 3.2): each element's children in their required order, and the
# children that must be present.
CAP_ORDER = {
    "alert": "identifier sender sent status msgType source scope restriction addresses code note references "
    "incidents info",
    "info": "language category event responseType urgency severity certainty audience eventCode effective "
    "onset expires senderName headline description instruction web contact parameter resource area",
    "area": "areaDesc polygon circle geocode altitude ceiling",
    "geocode": "valueName value",
    "parameter": "valueName value",
}
CAP_REQUIRED = {
    "alert": {"identifier", "sender", "sent", "status", "msgType", "scope"},
    "info": {"category", "event", "urgency", "severity", "certainty"},
    "area": {"areaDesc"},
    "geocode": {"valueName", "value"},
    "parameter": {"valueName", "value"},
}
CAP_VOCABULARY = {
    "status": {"Actual", "Exercise", "System", "Test", "Draft"},
    "msgType": {"Alert", "Update", "Cancel", "Ack", "Error"},
    "scope": {"Public", "Restricted", "Private"},
    "category": {
        "Geo",
        "Met",
        "Safety",
        "Security",
        "Rescue",
        "Fire",
        "Health",
        "Env",
        "Transport",
        "Infra",
        "CBRNE",
        "Other",
    },
    "urgency": {"Immediate", "Expected", "Future", "Past", "Unknown"},
    "severity": {"Extreme", "Severe", "Moderate", "Minor", "Unknown"},
    "certainty": {"Observed", "Likely", "Possible", "Unlikely", "Unknown"},
}


def assert_cap_structure(element):
    """Every element in the CAP namespace, in CAP order, with its required children and vocabulary."""
    name = etree.QName(element).localname
    children = [etree.QName(child).localname for child in element]
    assert all(etree.QName(child).namespace == NS["cap"] for child in element)
    if name in CAP_ORDER:
        order = CAP_ORDER[name].split()
        assert all(child in order for child in children), (name, children)
        positions = [order.index(child) for child in children]
        assert positions == sorted(positions), (name, children)
        assert CAP_REQUIRED[name] <= set(children), (name, children)
    if name in CAP_VOCABULARY:
        assert element.text in CAP_VOCABULARY[name], (name, element.text)
    for child in element:
        assert_cap_structure(child)


def cap(caller, alert_id):
    response = caller.get(f"{ALERTS}/{alert_id}/cap")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/cap+xml"
    SafeET.fromstring(response.data)  # parses as untrusted input would be (no DTD, no entities)
    document = etree.fromstring(response.data, LOCKED_DOWN)
    assert_cap_structure(document)
    return document


def text(node, path):
    return node.findtext(path, namespaces=NS)


def test_a_published_scam_alert_is_a_valid_cap_1_2_alert(staff, client):
    alert = published(
        staff["admin"],  # beyond Đà Nẵng: an editor's reach is their department's province
        department_id=str(staff["editor_a"].principal.department_id),
        targets={"province_codes": [1], "ward_codes": [HAI_CHAU]},
        translations={
            "en": {"headline": "Fake police calls", "description": "Callers pretend to be police."}
        },
    )
    document = cap(client, alert["id"])
    assert document.tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"
    assert text(document, "cap:identifier") == f"{alert['id']}.1"
    assert text(document, "cap:sender") == "citizen.danang.example"
    assert CAP_TIME.match(text(document, "cap:sent"))
    assert text(document, "cap:status") == "Actual"
    assert text(document, "cap:msgType") == "Alert"
    assert text(document, "cap:scope") == "Public"
    assert document.find("cap:references", NS) is None

    infos = document.findall("cap:info", NS)
    assert [text(i, "cap:language") for i in infos] == ["vi-VN", "en"]
    vi, en = infos
    assert text(vi, "cap:category") == "Security"
    assert (text(vi, "cap:event"), text(en, "cap:event")) == ("Lừa đảo", "Scam")
    assert (text(vi, "cap:urgency"), text(vi, "cap:severity"), text(vi, "cap:certainty")) == (
        "Immediate",
        "Severe",
        "Observed",
    )
    assert CAP_TIME.match(text(vi, "cap:expires"))
    assert text(vi, "cap:senderName") == "Phòng DEPT-A"
    assert text(vi, "cap:headline") == alert["headline"] and text(en, "cap:headline") == "Fake police calls"
    assert text(vi, "cap:description") == alert["description"]
    assert text(vi, "cap:instruction") == alert["instruction"]
    assert text(vi, "cap:web") == alert["source_url"]
    areas = [
        (text(a, "cap:areaDesc"), text(a, "cap:geocode/cap:valueName"), text(a, "cap:geocode/cap:value"))
        for a in vi.findall("cap:area", NS)
    ]
    assert [(name, code) for _, name, code in areas] == [("VN-ADMIN", "01"), ("VN-ADMIN", "20242")]
    assert all(description for description, *_ in areas)
    assert [(text(p, "cap:valueName"), text(p, "cap:value")) for p in vi.findall("cap:parameter", NS)] == [
        ("indicator:phone", "+84912345678")
    ]


def test_every_cap_category_and_the_national_area(admin, client):
    expected = {
        "scam": "Security",
        "misinformation": "Other",
        "safety": "Safety",
        "health": "Health",
        "disaster": "Met",
        "other": "Other",
    }
    for category, cap_category in expected.items():
        alert = published(
            admin, category=category, targets={"national": True}, severity="minor", urgency="past"
        )
        info = cap(client, alert["id"]).find("cap:info", NS)
        assert text(info, "cap:category") == cap_category
        assert (text(info, "cap:area/cap:areaDesc"), text(info, "cap:area/cap:geocode/cap:value")) == (
            "Việt Nam",
            "VN",
        )
        assert text(info, "cap:severity") == "Minor" and text(info, "cap:urgency") == "Past"


def test_update_and_cancel_reference_every_earlier_message(staff, client):
    editor = staff["editor_a"]
    alert = published(editor)
    original = cap(client, alert["id"])
    editor.patch(f"{ALERTS}/{alert['id']}", json={"severity": "extreme"})
    update = cap(client, alert["id"])
    assert text(update, "cap:msgType") == "Update" and text(update, "cap:identifier") == f"{alert['id']}.2"
    first = f"citizen.danang.example,{alert['id']}.1,{text(original, 'cap:sent')}"
    assert text(update, "cap:references") == first
    assert text(update, "cap:info/cap:severity") == "Extreme"

    editor.post(f"{ALERTS}/{alert['id']}/cancel", json={"reason": "Đã xác minh"})
    cancel = cap(client, alert["id"])
    assert text(cancel, "cap:msgType") == "Cancel" and text(cancel, "cap:note") == "Đã xác minh"
    assert text(cancel, "cap:references").split(" ") == [
        first,
        f"citizen.danang.example,{alert['id']}.2,{text(update, 'cap:sent')}",
    ]


def test_a_draft_has_no_cap_document(staff):
    alert = draft(staff["editor_a"])
    assert_problem(staff["editor_a"].get(f"{ALERTS}/{alert['id']}/cap"), 404)


def test_the_atom_feed_lists_active_alerts_each_linking_its_cap_document(admin, client, db):
    severe = published(admin, targets={"province_codes": [DA_NANG]})
    minor = published(admin, severity="minor", headline="Tin nhắn trúng thưởng")
    expired = published(admin)
    from services.models import Alert

    db.get(Alert, expired["id"]).expires_at = utcnow() - timedelta(minutes=1)
    db.commit()

    response = client.get("/feeds/alerts.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = SafeET.fromstring(response.data)
    entries = feed.findall("atom:entry", NS)
    assert [e.findtext("atom:id", namespaces=NS) for e in entries] == [
        f"urn:uuid:{severe['id']}",
        f"urn:uuid:{minor['id']}",
    ]
    cap_url = f"https://citizen.danang.example/api/v1/alerts/{severe['id']}/cap"
    links = {
        (link.get("rel"), link.get("type")): link.get("href") for link in entries[0].findall("atom:link", NS)
    }
    assert links == {
        ("alternate", "application/cap+xml"): cap_url,
        ("related", "text/html"): severe["source_url"],
    }
    assert (
        client.get(cap_url.removeprefix("https://citizen.danang.example")).mimetype == "application/cap+xml"
    )
