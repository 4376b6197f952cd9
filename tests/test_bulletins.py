"""Bulletins for the commune loudspeakers and the spoken audio of alerts and notices, with the real
espeak-ng and ffmpeg: what a commune hears on a morning, an urgent bulletin for a severe alert, staff's
corrections, audio players can seek in, and the CAP resource radio systems fetch."""

import hashlib
import uuid
from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from services.core import speech
from services.core.db import utcnow
from services.models import AuditEvent, Bulletin, EventRecord
from services.publishing import bulletins
from tests.conftest import Caller, assert_problem, assert_valid_cap
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import later

BULLETINS = "/api/v1/bulletins"
HAI_CHAU = 20242
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def alert(editor, severity="severe", **overrides) -> dict:
    body = {
        "category": "scam",
        "headline": "Giả danh công an gọi điện đòi chuyển tiền",
        "description": "Đối tượng gọi từ số 0912 345 678, đòi chuyển 5.000.000 đồng.",
        "instruction": "Không chuyển tiền. Báo ngay UBND phường.",
        "severity": severity,
        "urgency": "immediate",
        "certainty": "observed",
        "targets": {"ward_codes": [HAI_CHAU]},
        "expires_at": (utcnow() + timedelta(days=3)).isoformat(),
        **overrides,
    }
    created = editor.post("/api/v1/alerts", json=body).get_json()
    response = editor.post(f"/api/v1/alerts/{created['id']}/publish")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def radio(app, make_api_key):
    """The radio system's key."""
    key = make_api_key(scopes=("bulletins:read",))
    return Caller(app.test_client(), key.key, key)


def test_a_commune_hears_its_alerts_new_policies_and_closing_consultations_in_words(
    radio, staff, write, move
):
    editor = staff["editor_a"]
    alert(editor, severity="moderate")
    in_effect = move(write(title="Quy định mới về thu gom rác"), "consultation", "adopted", "in_effect")
    closing = move(write(title="Dự thảo phí đỗ xe", consultation_closes_at=later(days=3)), "consultation")

    bulletin = radio.get(f"{BULLETINS}?ward_code={HAI_CHAU}").get_json()
    assert [(i["type"], i["id"]) for i in bulletin["items"]] == [
        ("alert", bulletin["items"][0]["id"]),
        ("notice", in_effect["id"]),
        ("notice", closing["id"]),
    ]
    spoken = bulletin["text"]
    assert spoken.startswith("Kính thưa bà con Phường Hải Châu")
    assert "không chín một hai, ba bốn năm, sáu bảy tám" in spoken  # the phone, digit by digit in groups
    assert "năm triệu đồng" in spoken and "Ủy ban nhân dân phường" in spoken
    assert "0912" not in spoken and "UBND" not in spoken
    assert spoken.endswith("Xin cảm ơn bà con đã lắng nghe.")
    again = radio.get(f"{BULLETINS}?ward_code={HAI_CHAU}").get_json()
    assert again["id"] == bulletin["id"]  # made once a day


def test_a_busy_week_airs_the_newest_policies_and_the_soonest_closing_consultations(
    radio, write, move, monkeypatch
):
    monkeypatch.setattr(bulletins, "MOST_POLICIES", 2)
    monkeypatch.setattr(bulletins, "MOST_CONSULTATIONS", 1)
    adopted = [move(write(title=f"Quy định số {n}"), "consultation", "adopted") for n in range(3)]
    closing = [
        move(write(title=f"Dự thảo số {days}", consultation_closes_at=later(days=days)), "consultation")
        for days in (5, 2)
    ]

    items = radio.get(f"{BULLETINS}?ward_code={HAI_CHAU}").get_json()["items"]
    assert [i["id"] for i in items] == [adopted[2]["id"], adopted[1]["id"], closing[1]["id"]]


def test_bad_bulletin_requests_are_refused(radio, integrator, client):
    assert_problem(radio.get(f"{BULLETINS}?ward_code=99999"), 422, "unknown_area")
    too_far = (utcnow() + timedelta(days=9)).date().isoformat()
    assert_problem(radio.get(f"{BULLETINS}?ward_code={HAI_CHAU}&date={too_far}"), 422)
    assert_problem(integrator.get(f"{BULLETINS}?ward_code={HAI_CHAU}"), 403, "missing_scope")
    assert_problem(client.get(f"{BULLETINS}?ward_code={HAI_CHAU}"), 401)


def test_the_audio_decodes_players_can_seek_and_a_correction_makes_new_audio(radio, staff, db):
    alert(staff["editor_a"])
    bulletin = radio.get(f"{BULLETINS}?ward_code={HAI_CHAU}").get_json()
    url = f"{BULLETINS}/{bulletin['id']}/audio"

    ogg = radio.get(f"{url}?format=ogg")
    assert ogg.status_code == 200 and ogg.mimetype == "audio/ogg"
    seconds = speech.duration(ogg.data)
    assert 5 < seconds < 300, seconds  # a few sentences read aloud
    assert radio.get(url, headers={"If-None-Match": ogg.headers["ETag"]}).status_code == 304
    part = radio.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == ogg.data[:100]
    assert radio.get(f"{url}?format=mp3").mimetype == "audio/mpeg"

    officer = staff["officer_a"]
    path = f"{BULLETINS}/{bulletin['id']}/items/0"
    corrected = officer.patch(path, json={"text": "Cảnh báo lừa đảo qua điện thoại."}).get_json()
    assert corrected["items"][0] == {
        **bulletin["items"][0],
        "text": "Cảnh báo lừa đảo qua điện thoại.",
        "edited": True,
    }
    assert "Cảnh báo lừa đảo qua điện thoại." in corrected["text"]
    assert radio.get(f"{url}?format=ogg").headers["ETag"] != ogg.headers["ETag"]
    assert (
        db.scalar(select(AuditEvent.action).where(AuditEvent.entity_id == bulletin["id"]))
        == "bulletin.update"
    )
    regenerated = officer.post(f"{BULLETINS}/{bulletin['id']}/regenerate").get_json()
    assert regenerated["items"][0]["text"] == "Cảnh báo lừa đảo qua điện thoại."  # the correction stays
    assert_problem(radio.patch(path, json={"text": "x"}), 403)


def test_without_a_voice_the_text_is_served_and_the_audio_answers_503(make_app, radio, staff):
    alert(staff["editor_a"])
    bulletin = radio.get(f"{BULLETINS}?ward_code={HAI_CHAU}").get_json()
    broken = Caller(make_app(TTS_COMMAND="/nonexistent/voice").test_client(), radio.token)
    assert broken.get(f"{BULLETINS}/{bulletin['id']}").status_code == 200
    response = broken.get(f"{BULLETINS}/{bulletin['id']}/audio")
    assert_problem(response, 503, "speech_unavailable")
    assert int(response.headers["Retry-After"]) > 0


def test_a_severe_alert_makes_urgent_bulletins_and_its_cap_carries_the_audio(client, staff, db):
    published = alert(staff["editor_a"], severity="extreme")
    [urgent] = db.scalars(select(Bulletin).where(Bulletin.kind == "urgent")).all()
    assert (urgent.ward_code, urgent.alert_id) == (HAI_CHAU, uuid.UUID(published["id"]))
    assert (
        db.scalar(select(EventRecord.name).where(EventRecord.subject_id == str(urgent.id)))
        == "bulletin.ready"
    )

    cap = client.get(f"/api/v1/alerts/{published['id']}/cap")
    assert_valid_cap(cap.data)
    resource = etree.fromstring(cap.data).find(f"{CAP}info/{CAP}resource")
    audio = client.get(f"/api/v1/alerts/{published['id']}/audio?format=mp3").data
    assert resource.findtext(f"{CAP}mimeType") == "audio/mpeg"
    assert int(resource.findtext(f"{CAP}size")) == len(audio)
    assert resource.findtext(f"{CAP}digest") == hashlib.sha1(audio).hexdigest()
    assert resource.findtext(f"{CAP}uri").endswith(f"/alerts/{published['id']}/audio?format=mp3")


def test_a_notice_can_be_listened_to(client, write, move):
    notice = move(write(), "consultation")
    response = client.get(f"/api/v1/notices/{notice['id']}/audio")
    assert response.status_code == 200 and speech.duration(response.data) > 1


def test_an_alert_of_symbols_only_is_still_spoken(client, staff):
    published = alert(staff["editor_a"], headline="!!! ??? !!!", description="***", instruction="---")
    response = client.get(f"/api/v1/alerts/{published['id']}/audio")
    assert response.status_code == 200 and speech.duration(response.data) > 1
