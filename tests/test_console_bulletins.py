"""The loudspeaker bulletins in the console: a browser journey where an officer opens the commune's
bulletin, hears it and corrects an item; with the flask test client, who may read, edit and regenerate,
what a refused correction keeps, and the page without a voice."""

import re
import uuid

from sqlalchemy import select

from services.models import AuditEvent, Bulletin
from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot
from tests.browser import sign_in as sign_in_browser
from tests.test_bulletins import HAI_CHAU, alert
from tests.test_console import csrf_token, sign_in

PAGE = "/console/bulletins"
CORRECTED = "Cảnh báo: kẻ gian giả danh công an gọi điện đòi chuyển tiền."


def signed_in(app, caller):
    browser = app.test_client()
    sign_in(browser, caller.principal.email)
    return browser


def tokens(page: str) -> dict:
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page)[1],
        "once": re.search(r'name="once" value="([^"]+)"', page)[1],
    }


def test_an_officer_hears_the_communes_bulletin_and_corrects_an_item(page, staff, db):
    alert(staff["editor_a"], severity="moderate")
    sign_in_browser(page, staff["officer_a"].principal, path=PAGE)
    page.get_by_role("link", name="Bản tin loa").click()
    page.get_by_label("Phường Hải Châu").check()
    page.get_by_role("button", name="Xem bản tin").click()
    bulletin = page.get_by_role("region", name=re.compile("Bản tin buổi sáng · Phường Hải Châu"))
    assert "Kính thưa bà con Phường Hải Châu" in bulletin.text_content()

    player = bulletin.locator("audio").first
    heard = page.request.get(player.get_attribute("src"))
    assert heard.status == 200 and heard.headers["content-type"] == "audio/ogg"
    assert len(heard.body()) > 1000
    page.evaluate("p => p.load()", player.element_handle())
    page.wait_for_function("p => p.readyState >= 1 && p.duration > 1", arg=player.element_handle())

    words = bulletin.get_by_label("Lời đọc")
    words.fill(CORRECTED)
    bulletin.get_by_role("button", name="Lưu lời đọc").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text="Mục này giờ được đọc").is_visible()
    assert page.get_by_label("Lời đọc").input_value() == CORRECTED
    assert "đã sửa lời" in page.get_by_role("heading", level=3).first.inner_text()
    assert CORRECTED in page.locator("details .spoken").first.text_content()
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "bulletin.update"))
    assert_accessible(page)
    screenshot(page, "bulletin", full_page=True)
    assert_fits(page)


def test_a_viewer_reads_but_cannot_edit_or_regenerate(app, staff, db):
    alert(staff["editor_a"])
    viewer = signed_in(app, staff["viewer_a"])
    shown = viewer.get(f"{PAGE}?ward_code={HAI_CHAU}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Kính thưa bà con Phường Hải Châu" in text and "<textarea" not in text
    assert "Tạo lại" not in text
    bulletin = db.scalar(select(Bulletin).where(Bulletin.kind == "morning"))
    form = {"csrf_token": csrf_token(viewer, PAGE), "once": str(uuid.uuid4()), "text": "x"}
    refused = viewer.post(f"{PAGE}/{bulletin.id}/items/0", data=form)
    assert refused.status_code == 403
    regenerate = viewer.post(f"{PAGE}/{bulletin.id}/regenerate", data={**form, "confirmed": "yes"})
    assert regenerate.status_code == 403
    db.refresh(bulletin)
    assert bulletin.items[0]["edited"] is False


def test_the_urgent_bulletins_of_the_day_are_shown_with_the_morning_one(app, staff):
    alert(staff["editor_a"], severity="extreme")
    text = signed_in(app, staff["viewer_a"]).get(f"{PAGE}?ward_code={HAI_CHAU}").get_data(as_text=True)
    assert "Bản tin khẩn cấp · Phường Hải Châu" in text and "Bản tin buổi sáng · Phường Hải Châu" in text


def test_an_empty_correction_is_refused_beside_its_item_and_changes_nothing(app, staff, db):
    alert(staff["editor_a"])
    officer = signed_in(app, staff["officer_a"])
    page = officer.get(f"{PAGE}?ward_code={HAI_CHAU}").get_data(as_text=True)
    bulletin = db.scalar(select(Bulletin).where(Bulletin.kind == "morning"))
    refused = officer.post(f"{PAGE}/{bulletin.id}/items/0", data={**tokens(page), "text": ""})
    assert refused.status_code == 422
    field = f"text-{bulletin.id}-0"
    assert re.search(rf'id="{field}-error" class="error">.*Bắt buộc nhập, tối đa 5000 ký tự', refused.text)
    assert f'aria-describedby="{field}-error"></textarea>' in refused.text
    db.refresh(bulletin)
    assert bulletin.items[0]["edited"] is False


def test_regenerating_asks_first_then_keeps_the_corrections(app, staff, db):
    alert(staff["editor_a"])
    officer = signed_in(app, staff["officer_a"])
    page = officer.get(f"{PAGE}?ward_code={HAI_CHAU}").get_data(as_text=True)
    bulletin = db.scalar(select(Bulletin).where(Bulletin.kind == "morning"))
    officer.post(f"{PAGE}/{bulletin.id}/items/0", data={**tokens(page), "text": CORRECTED})
    page = officer.get(f"{PAGE}?ward_code={HAI_CHAU}").get_data(as_text=True)
    asked = officer.post(f"{PAGE}/{bulletin.id}/regenerate", data=tokens(page))
    assert "Bạn chắc chắn chứ?" in asked.text
    done = officer.post(f"{PAGE}/{bulletin.id}/regenerate", data={**tokens(asked.text), "confirmed": "yes"})
    assert done.status_code == 302 and f"ward_code={HAI_CHAU}" in done.location
    db.refresh(bulletin)
    assert bulletin.items[0]["text"] == CORRECTED
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(bulletin.id))).all()
    assert sorted(actions) == ["bulletin.regenerate", "bulletin.update"]


def test_without_a_voice_the_page_shows_the_words_and_says_the_audio_is_not_available(make_app, staff):
    alert(staff["editor_a"])
    broken = make_app(TTS_COMMAND="/nonexistent/voice").test_client()
    sign_in(broken, staff["officer_a"].principal.email)
    shown = broken.get(f"{PAGE}?ward_code={HAI_CHAU}")
    assert shown.status_code == 200
    assert "Kính thưa bà con" in shown.text and "<audio" not in shown.text
    assert "Âm thanh hiện chưa có" in shown.text


def test_unknown_communes_and_far_days_are_refused_on_the_page(app, staff):
    viewer = signed_in(app, staff["viewer_a"])
    unknown = viewer.get(f"{PAGE}?ward_code=99999")
    assert unknown.status_code == 422 and "Chọn một xã, phường trong danh sách" in unknown.text
    far = viewer.get(f"{PAGE}?ward_code={HAI_CHAU}&date=2099-01-01")
    assert far.status_code == 422 and "tối đa 7 ngày" in far.text


def test_the_nav_shows_bulletins_to_staff_and_the_audio_needs_a_session(app, staff, db, client):
    alert(staff["editor_a"])
    viewer = signed_in(app, staff["viewer_a"])
    assert f'href="{PAGE}"' in viewer.get("/console/feedback").text
    viewer.get(f"{PAGE}?ward_code={HAI_CHAU}")
    bulletin = db.scalar(select(Bulletin).where(Bulletin.kind == "morning"))
    audio = viewer.get(f"{PAGE}/{bulletin.id}/audio.mp3")
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg"
    part = viewer.get(f"{PAGE}/{bulletin.id}/audio.mp3", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100
    assert client.get(f"{PAGE}/{bulletin.id}/audio.ogg").status_code in (302, 401)
