"""CAP 1.2 documents and the Atom feed of active alerts, parsed back as untrusted XML (defusedxml).

Every CAP document a test receives is also checked against the OASIS CAP 1.2 schema and the rules of
the Google Public Alerts profile (the `standards_checked` fixture, tests/standards); these tests check
what the documents say.
"""

import re
from datetime import datetime, timedelta

import defusedxml.ElementTree as SafeET
import pytest

from services.core.db import utcnow
from services.models import Alert
from tests.conftest import assert_problem
from tests.test_alerts import ALERTS, DA_NANG, HAI_CHAU, draft, payload, published

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2", "atom": "http://www.w3.org/2005/Atom"}
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")  # offset, whole seconds, never Z


def cap(caller, alert_id, **request):
    response = caller.get(f"{ALERTS}/{alert_id}/cap", **request)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/cap+xml"
    return SafeET.fromstring(response.data)  # parsed as untrusted input is (no DTD, no entities)


def text(node, path):
    return node.findtext(path, namespaces=NS)


def infos(document) -> dict:
    """{language: info}"""
    return {text(info, "cap:language"): info for info in document.findall("cap:info", NS)}


def back_in_time(db, alert_id, **delta):
    """The alert as if all of it had happened `delta` earlier (e.g. days=3, minutes=1: now expired)."""
    delta = timedelta(**delta)
    stored = db.get(Alert, alert_id)
    stored.cap_messages = [
        {**message, "sent": (datetime.fromisoformat(message["sent"]) - delta).isoformat()}
        for message in stored.cap_messages
    ]
    for name in ("created_at", "published_at", "sent_at", "cancelled_at", "expires_at"):
        if getattr(stored, name):
            setattr(stored, name, getattr(stored, name) - delta)
    db.commit()


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


# ---------------------------------------------------------------- one info per language


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["en-US"], ["vi-VN", "en"]),
        (["EN"], ["vi-VN", "en"]),
        (["en-us", "zh-Hant-TW"], ["vi-VN", "en", "zh"]),
    ],
)
def test_translation_tags_become_their_language(staff, client, tags, expected):
    translations = {tag: {"headline": f"Headline {tag}", "event": f"Event {tag}"} for tag in tags}
    alert = published(staff["editor_a"], translations=translations)
    assert sorted(alert["translations"]) == sorted(expected[1:])
    assert list(infos(cap(client, alert["id"]))) == expected


@pytest.mark.parametrize("tag", ["vi", "vi-VN", "VI", "vi-Latn-VN"])
def test_a_translation_into_vietnamese_is_refused(staff, sql, tag):
    response = staff["editor_a"].post(ALERTS, json=payload(translations={tag: {"headline": "Trùng"}}))
    body = assert_problem(response, 422)
    assert body["errors"]["translations"] == {
        tag: {"key": ["Vietnamese is the alert itself, not a translation."]}
    }
    assert sql("SELECT count(*) FROM alerts").scalar() == 0


def test_two_translations_into_one_language_are_refused_on_create_and_update(staff, sql):
    editor = staff["editor_a"]
    twice = {"en": {"headline": "Fake police"}, "en-GB": {"headline": "Fake police officers"}}
    body = assert_problem(editor.post(ALERTS, json=payload(translations=twice)), 422)
    assert body["errors"]["translations"] == {"en-GB": {"key": ["A second translation into 'en'."]}}

    alert = published(editor, translations={"en": {"headline": "Fake police"}})
    body = assert_problem(editor.patch(f"{ALERTS}/{alert['id']}", json={"translations": twice}), 422)
    assert body["errors"]["translations"] == {"en-GB": {"key": ["A second translation into 'en'."]}}
    stored = sql("SELECT translations, cap_messages FROM alerts WHERE id = :id", id=alert["id"]).one()
    assert stored.translations == {"en": {"headline": "Fake police"}} and len(stored.cap_messages) == 1


@pytest.mark.parametrize("tag", ["en<script>", "e", "en_US", "english-language-tag-that-goes-on-and-on"])
def test_what_is_not_a_language_tag_is_refused(staff, tag):
    response = staff["editor_a"].post(ALERTS, json=payload(translations={tag: {"headline": "x"}}))
    assert tag in assert_problem(response, 422)["errors"]["translations"]


def test_each_language_has_its_own_event_name(staff, client):
    editor = staff["editor_a"]
    body = assert_problem(
        editor.post(ALERTS, json=payload(translations={"ko": {"headline": "경찰 사칭"}})), 422
    )
    assert body["errors"]["translations"] == {
        "ko": {"value": {"event": ["Name the kind of alert in this language."]}}
    }

    translations = {
        "ko": {"headline": "경찰 사칭 전화", "event": "사기"},
        "en": {"headline": "Fake police calls"},
        "fr": {"headline": "Faux appels de police", "event": "Escroquerie"},
    }
    blocks = infos(cap(client, published(editor, translations=translations)["id"]))
    assert {language: text(info, "cap:event") for language, info in blocks.items()} == {
        "vi-VN": "Lừa đảo",
        "en": "Scam",
        "fr": "Escroquerie",
        "ko": "사기",
    }


def test_a_headline_only_translation_is_described_and_linked_for_every_reader(staff, client):
    alert = published(
        staff["editor_a"], source_url=None, translations={"en": {"headline": "Fake police calls"}}
    )
    vi, en = infos(cap(client, alert["id"])).values()
    page = f"https://citizen.danang.example/api/v1/alerts/{alert['id']}"
    assert text(en, "cap:description") == text(vi, "cap:description") == payload()["description"]
    assert text(en, "cap:web") == text(vi, "cap:web") == page
    assert text(en, "cap:instruction") is None  # no Vietnamese stand-in where CAP needs none
    assert client.get(page.removeprefix("https://citizen.danang.example")).get_json()["id"] == alert["id"]


@pytest.mark.parametrize(
    ("targets", "sender_name"),
    [
        ({"ward_codes": [HAI_CHAU]}, "Thành phố Đà Nẵng"),
        ({"province_codes": [DA_NANG], "ward_codes": [HAI_CHAU]}, "Thành phố Đà Nẵng"),
        ({"province_codes": [1, DA_NANG]}, "citizen.danang.example"),
        ({"national": True}, "citizen.danang.example"),
    ],
)
def test_the_provinces_own_alerts_name_a_sender_too(admin, client, targets, sender_name):
    alert = published(admin, targets=targets)
    assert alert["department_id"] is None
    assert text(cap(client, alert["id"]), "cap:info/cap:senderName") == sender_name


def test_translations_stored_before_tags_were_normalised_give_one_block_per_language(staff, client, db):
    alert = published(staff["editor_a"])
    db.get(Alert, alert["id"]).translations = {
        "vi-VN": {"headline": "Bản sao tiếng Việt"},
        "en": {"headline": "Fake police calls"},
        "en-US": {"headline": "Fake police calls (US)"},
        "zh": {"headline": "假冒警察来电"},
    }
    db.commit()
    blocks = infos(cap(client, alert["id"]))
    assert list(blocks) == ["vi-VN", "en", "zh"]
    assert text(blocks["vi-VN"], "cap:headline") == payload()["headline"]  # the original wins
    assert text(blocks["zh"], "cap:event") == "Scam"  # stored without an event name of its own


# ---------------------------------------------------------------- cancel


def test_an_expired_alert_is_withdrawn_without_a_cancel_sent_after_its_expiry(staff, client, db):
    editor = staff["editor_a"]
    alert = published(editor)
    back_in_time(db, alert["id"], days=3, minutes=1)
    before = cap(client, alert["id"])

    response = editor.post(f"{ALERTS}/{alert['id']}/cancel", json={"reason": "Số này không phải lừa đảo."})
    assert response.status_code == 200
    withdrawn = response.get_json()
    assert (withdrawn["status"], withdrawn["msg_type"]) == ("cancelled", "Alert")
    after = cap(client, alert["id"])
    assert (text(after, "cap:identifier"), text(after, "cap:msgType")) == (f"{alert['id']}.1", "Alert")
    assert text(after, "cap:sent") == text(before, "cap:sent")


def test_cancelling_an_active_alert_sends_a_cancel_before_its_expiry(staff, client):
    editor = staff["editor_a"]
    alert = published(editor)
    editor.post(f"{ALERTS}/{alert['id']}/cancel", json={"reason": "Nhầm số"})
    cancel = cap(client, alert["id"])
    assert text(cancel, "cap:msgType") == "Cancel" and text(cancel, "cap:note") == "Nhầm số"
    assert text(cancel, "cap:sent") < text(cancel, "cap:info/cap:expires")  # both +07:00, whole seconds


# ---------------------------------------------------------------- HTTP caching


def test_a_cap_document_is_revalidated_by_etag_or_date_until_the_next_message(staff, client):
    editor = staff["editor_a"]
    alert = published(editor)
    url = f"{ALERTS}/{alert['id']}/cap"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    sent = text(SafeET.fromstring(first.data), "cap:sent")
    assert last_modified.endswith(" GMT") and sent.endswith("+07:00")

    unchanged = client.get(url, headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.data, unchanged.headers["ETag"]) == (304, b"", etag)
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200

    editor.patch(f"{ALERTS}/{alert['id']}", json={"severity": "extreme"})
    update = client.get(url, headers={"If-None-Match": etag})
    assert update.status_code == 200 and update.headers["ETag"] != etag
    assert text(SafeET.fromstring(update.data), "cap:msgType") == "Update"
