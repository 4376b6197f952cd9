"""The editors' alert pages and the scam-report list: in a real browser, an editor publishes a scam alert
for two communes that reaches the fake FCM server and the communes' feed, then cancels it; with the
Flask test client, what a form refuses and keeps, what each role may do, and refused forms."""

import re
import threading
import uuid
from datetime import timedelta

import pytest
from firebase_admin import messaging
from playwright.sync_api import expect

from services.core.db import utcnow
from services.core.deadlines import LOCAL
from services.outbox.channels.fcm import FcmBackend
from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot, sign_in
from tests.push_fixtures import *  # noqa: F403
from tests.push_fixtures import PROJECT, StaticCredential, make_worker
from tests.scam_fixtures import *  # noqa: F403
from tests.scam_fixtures import report
from tests.test_console import csrf_token
from tests.test_console import sign_in as sign_in_client

HAI_CHAU, THANH_KHE, NGU_HANH_SON = 20242, 20209, 20285
ALERTS = "/console/alerts"


def form(**overrides) -> dict:
    """The alert form as an editor fills it in."""
    expires = (utcnow() + timedelta(days=3)).astimezone(LOCAL)
    return {
        "category": "scam",
        "headline": "Giả danh công an gọi điện đòi chuyển tiền",
        "description": "Đối tượng gọi từ số 0912 345 678, tự xưng công an phường.",
        "instruction": "Không chuyển tiền, không cung cấp mã OTP.",
        "severity": "severe",
        "urgency": "immediate",
        "certainty": "observed",
        "source_url": "",
        "expires_at": f"{expires:%Y-%m-%dT%H:%M}",
        "ward_codes": [str(HAI_CHAU), str(THANH_KHE)],
        "indicator_type": ["phone", "phone"],
        "indicator_value": ["0912 345 678", ""],
        "indicator_note": ["số gọi đến", ""],
        "action": "save",
        **overrides,
    }


@pytest.fixture
def editor(app, staff):
    browser = app.test_client()
    sign_in_client(browser, staff["editor_a"].principal.email)
    return browser


def post(browser, path, data):
    """Send a form as the page has it: with its CSRF token and its one-time token (api/console/once.py)."""
    form = {"once": str(uuid.uuid4()), **data, "csrf_token": csrf_token(browser, ALERTS)}
    return browser.post(path, data=form)


def alert_count(sql) -> int:
    return sql("SELECT count(*) FROM alerts").scalar()


def test_a_bad_phone_number_is_named_beside_its_row_and_nothing_is_stored(editor, sql):
    data = form(indicator_value=["12ab", ""], headline="")
    refused = post(editor, f"{ALERTS}/new", data)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    row = re.search(r'id="indicator-0-check"[^>]*>(.*?)</small>', page, re.S)[1]
    assert "Số điện thoại không hợp lệ." in row
    assert re.search(r'id="headline-error">.*Bắt buộc nhập, tối đa 120 ký tự\.', page)
    assert 'value="12ab"' in page and "Đối tượng gọi từ số 0912 345 678" in page  # kept as typed
    assert f'value="{HAI_CHAU}" checked' in page
    assert alert_count(sql) == 0


def test_text_that_cannot_be_stored_is_refused_beside_its_field(editor, sql):
    refused = post(editor, f"{ALERTS}/new", form(headline="Giả danh\x00 công an"))
    assert refused.status_code == 422
    assert re.search(r'id="headline-error">.*Có ký tự không phải văn bản\.', refused.get_data(as_text=True))
    assert alert_count(sql) == 0


def test_the_indicator_check_answers_with_the_apis_normalisation(editor):
    good = editor.get(f"{ALERTS}/indicator", query_string={"type": "phone", "value": "0912 345 678"})
    assert good.get_json() == {"normalized": "+84912345678"}
    bad = editor.get(f"{ALERTS}/indicator", query_string={"type": "phone", "value": "12ab"})
    assert bad.get_json() == {"error": "Số điện thoại không hợp lệ."}
    unknown = editor.get(f"{ALERTS}/indicator", query_string={"type": "fax", "value": "1"})
    assert unknown.get_json() == {"error": "Hãy chọn một trong các lựa chọn."}


def test_publishing_asks_first_without_javascript_then_publishes(editor, sql):
    saved = post(editor, f"{ALERTS}/new", form())
    assert saved.status_code == 302
    alert_id = sql("SELECT id FROM alerts").scalar()
    assert saved.headers["Location"] == f"{ALERTS}/{alert_id}"
    page = editor.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Giả danh công an gọi điện đòi chuyển tiền" in page and "Phát hành" in page

    asked = post(editor, f"{ALERTS}/{alert_id}/publish", {})
    assert asked.status_code == 200
    assert "Phát hành cảnh báo?" in asked.get_data(as_text=True)
    assert sql("SELECT status FROM alerts").scalar() == "draft"

    done = post(editor, f"{ALERTS}/{alert_id}/publish", {"confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"] == ALERTS
    assert sql("SELECT status FROM alerts").scalar() == "published"

    no_reason = post(editor, f"{ALERTS}/{alert_id}/cancel", {"reason": " ", "confirmed": "yes"})
    assert no_reason.status_code == 422
    assert re.search(r'id="reason-error">.*Bắt buộc nhập', no_reason.get_data(as_text=True))
    assert sql("SELECT status FROM alerts").scalar() == "published"


def test_an_update_of_a_published_alert_is_confirmed_then_pushed_again(editor, sql):
    post(editor, f"{ALERTS}/new", form())
    alert_id = sql("SELECT id FROM alerts").scalar()
    post(editor, f"{ALERTS}/{alert_id}/publish", {"confirmed": "yes"})
    changed = form(headline="Giả danh công an: số gọi đến đã đổi", indicator_value=["0912 345 679", ""])
    asked = post(editor, f"{ALERTS}/{alert_id}", changed)
    assert asked.status_code == 200
    assert "Cập nhật: Giả danh công an: số gọi đến đã đổi" in asked.get_data(as_text=True)  # the push text
    assert sql("SELECT headline FROM alerts").scalar() == "Giả danh công an gọi điện đòi chuyển tiền"

    sent = post(editor, f"{ALERTS}/{alert_id}", {**changed, "confirmed": "yes"})
    assert sent.status_code == 302
    assert sql("SELECT headline FROM alerts").scalar() == "Giả danh công an: số gọi đến đã đổi"
    assert sql("SELECT normalized FROM alert_indicators").scalar() == "+84912345679"
    listed = editor.get(ALERTS).get_data(as_text=True)
    assert "Đã cập nhật" in listed


def test_the_list_counts_deliveries_per_channel_and_says_which_failed(editor, sql):
    post(editor, f"{ALERTS}/new", form())
    alert_id = sql("SELECT id FROM alerts").scalar()
    post(editor, f"{ALERTS}/{alert_id}/publish", {"confirmed": "yes"})
    waiting = editor.get(ALERTS).get_data(as_text=True)
    assert re.search(r"Thông báo trên điện thoại:\s+đã gửi 0, 1 đang chờ", waiting)
    sql("UPDATE deliveries SET status = 'failed', completed_at = now()")
    listed = editor.get(ALERTS).get_data(as_text=True)
    assert re.search(r"Thông báo trên điện thoại:\s+đã gửi 0, <strong[^>]*>.*⚠</span> 1 lỗi", listed)


def test_another_departments_draft_is_the_404_page(app, staff, make_user, department_b, editor, sql):
    post(editor, f"{ALERTS}/new", form())
    alert_id = sql("SELECT id FROM alerts").scalar()
    other = app.test_client()
    sign_in_client(other, make_user("editor", department_b).email)
    assert other.get(f"{ALERTS}/{alert_id}").status_code == 404
    assert post(other, f"{ALERTS}/{alert_id}/publish", {"confirmed": "yes"}).status_code == 404
    assert "Giả danh công an" not in other.get(ALERTS).get_data(as_text=True)


def test_an_admin_may_aim_at_the_whole_country_and_pick_the_province_listed(app, staff):
    admin = app.test_client()
    sign_in_client(admin, staff["admin"].principal.email)
    page = admin.get(f"{ALERTS}/new?province=1").get_data(as_text=True)
    assert "Toàn quốc" in page and 'name="province_codes" value="48"' in page
    assert "Phường Hoàn Kiếm" in page and "Phường Hải Châu" not in page


def test_a_form_sent_twice_saves_one_draft_and_publishes_once(editor, sql):
    first = form(once=str(uuid.uuid4()))
    assert post(editor, f"{ALERTS}/new", first).status_code == 302
    again = post(editor, f"{ALERTS}/new", first)  # a double click, or back and send again
    assert again.status_code == 302
    assert alert_count(sql) == 1
    alert_id = sql("SELECT id FROM alerts").scalar()

    publish = {"confirmed": "yes", "once": str(uuid.uuid4())}
    page = f"{ALERTS}/{alert_id}"
    assert post(editor, f"{page}/publish", publish).status_code == 302
    repeated = editor.post(
        f"{page}/publish",
        data={**publish, "csrf_token": csrf_token(editor, ALERTS)},
        headers={"Referer": page},
    )
    assert repeated.status_code == 302 and repeated.headers["Location"] == page
    from_confirmation = editor.post(  # sent again from the confirmation page, the answer to a POST
        f"{page}/publish",
        data={**publish, "csrf_token": csrf_token(editor, ALERTS)},
        headers={"Referer": f"http://localhost{page}/publish"},
    )
    assert from_confirmation.headers["Location"] == page
    notice = editor.get(page).get_data(as_text=True)
    assert "Biểu mẫu này đã được gửi rồi; thao tác chỉ được thực hiện một lần." in notice
    assert sql("SELECT count(*) FROM notifications WHERE source_id = :id", id=str(alert_id)).scalar() == 1
    assert len(sql("SELECT cap_messages FROM alerts").scalar()) == 1


@pytest.mark.parametrize("role", ["officer_a", "viewer_a"])
def test_an_officer_or_viewer_sees_no_publish_button_and_a_post_is_refused(app, staff, sql, role):
    made = (
        staff["editor_a"]
        .post(
            "/api/v1/alerts",
            json={
                "category": "scam",
                "headline": "Tin nhắn trúng thưởng giả",
                "description": "Tin nhắn báo trúng thưởng, đòi phí nhận quà.",
                "severity": "moderate",
                "urgency": "expected",
                "certainty": "likely",
                "targets": {"ward_codes": [HAI_CHAU]},
                "expires_at": (utcnow() + timedelta(days=2)).isoformat(),
            },
        )
        .get_json()
    )
    browser = app.test_client()
    sign_in_client(browser, staff[role].principal.email)
    listed = browser.get(ALERTS).get_data(as_text=True)
    assert "Tin nhắn trúng thưởng giả" in listed and "Cảnh báo mới" not in listed
    page = browser.get(f"{ALERTS}/{made['id']}").get_data(as_text=True)
    assert "Phát hành" not in page and "<fieldset disabled" in page
    assert browser.get(f"{ALERTS}/new").status_code == 403
    refused = post(browser, f"{ALERTS}/{made['id']}/publish", {"confirmed": "yes"})
    assert refused.status_code == 403
    assert sql("SELECT status FROM alerts").scalar() == "draft"


def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_stored(editor, sql):
    refused = editor.post(f"{ALERTS}/new", data=form())
    assert refused.status_code == 400
    assert "Biểu mẫu đã hết hạn" in refused.get_data(as_text=True)
    assert alert_count(sql) == 0


def test_the_scam_report_list_ranks_values_and_prefills_an_alert(editor, devices, staff):
    for caller in devices(3):
        report(caller, value="0987 654 321")
    report(devices(1)[0], value="https://vcb-hoantien.top/dang-nhap", type="url")
    page = editor.get("/console/scam-reports").get_data(as_text=True)
    ranked = re.findall(r'<span class="code">([^<]+)</span>', page)
    assert ranked == ["+84987654321", "vcb-hoantien.top/dang-nhap"]
    link = re.search(r'href="(/console/alerts/new\?[^"]+)">Tạo cảnh báo', page)[1].replace("&amp;", "&")
    assert "category=scam" in link and "indicator_type=phone" in link
    prefilled = editor.get(link).get_data(as_text=True)
    assert 'value="+84987654321"' in prefilled
    assert re.search(r'<option value="scam" selected>', prefilled)

    viewer = editor.application.test_client()
    sign_in_client(viewer, staff["viewer_a"].principal.email)
    seen = viewer.get("/console/scam-reports").get_data(as_text=True)
    assert "+84987654321" in seen and "Tạo cảnh báo" not in seen


# ---------------------------------------------------------------- in a browser


def deliver_once(database, fake_fcm):
    """One run of the outbox worker, sending through firebase-admin to the fake FCM server, in a thread
    of its own: firebase-admin's clean-up calls asyncio.run(), which Playwright's loop in this thread
    refuses. (Every session is bound to the test's connection, and this thread waits for that one.)"""

    def run():
        backend = FcmBackend(StaticCredential(), PROJECT, endpoint=fake_fcm.url)
        try:
            make_worker(database, backend).run_once()
        finally:
            backend.close()
            database.session.remove()

    legacy_iid_url = messaging._MessagingService.IID_URL
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    messaging._MessagingService.IID_URL = legacy_iid_url


def test_an_editor_publishes_a_scam_alert_that_reaches_phones_and_the_feed_then_cancels_it(
    page, staff, make_device, app, database, fake_fcm
):
    staff["editor_a"].post(  # a draft of another alert, waiting in the list
        "/api/v1/alerts",
        json={
            "category": "misinformation",
            "headline": "Tin giả về việc thu hồi đất ở phường Hải Châu",
            "description": "Không có quyết định thu hồi đất nào; tin lan truyền trên mạng là sai sự thật.",
            "severity": "minor",
            "urgency": "expected",
            "certainty": "observed",
            "targets": {"ward_codes": [HAI_CHAU]},
            "expires_at": (utcnow() + timedelta(days=7)).isoformat(),
        },
    )
    sign_in(page, staff["editor_a"].principal, path=ALERTS)
    assert_accessible(page)
    page.get_by_role("link", name="Cảnh báo mới").click()

    page.get_by_label("Lĩnh vực").select_option("scam")
    page.get_by_label("Tiêu đề", exact=True).fill("Giả danh công an gọi điện đòi chuyển tiền")
    page.get_by_label("Nội dung cảnh báo").fill("Đối tượng gọi từ số 0912 345 678, tự xưng công an phường.")
    page.get_by_label("Người dân cần làm gì").fill("Không chuyển tiền, không cung cấp mã OTP.")
    page.get_by_label("Mức độ nghiêm trọng").select_option("severe")
    page.get_by_label("Mức độ khẩn cấp").select_option("immediate")
    page.get_by_label("Mức độ chắc chắn").select_option("observed")
    expires = (utcnow() + timedelta(days=3)).astimezone(LOCAL)
    page.get_by_label("Hết hạn lúc (giờ Việt Nam)").fill(f"{expires:%Y-%m-%dT%H:%M}")

    search = page.get_by_label("Tìm xã, phường")
    shown = page.locator("#ward-list li:visible")
    assert shown.count() == 94  # every commune of Đà Nẵng, until one types
    picked = []
    for typed, name in (("hai chau", "Phường Hải Châu"), ("thanh khe", "Phường Thanh Khê")):  # no accents
        search.fill(typed)
        # What matches, and what is already picked (it stays in sight).
        assert sorted(w.strip() for w in shown.all_inner_texts()) == sorted([*picked, name])
        page.get_by_role("checkbox", name=name).check()
        picked.append(name)
    search.fill("")

    value = page.locator("#indicator-0-value")
    said = page.locator("#indicator-0-check")
    value.fill("0912 34")  # checked as it is typed, through the API's normalisation
    expect(said).to_have_text("⚠ Số điện thoại không hợp lệ.")
    value.fill("0912 345 678")
    expect(said).to_have_text("✓ +84912345678")

    previews = page.locator("#alert-previews")  # they follow what is typed
    expect(previews.locator(".push")).to_contain_text("Giả danh công an gọi điện đòi chuyển tiền")
    expect(previews.locator(".push")).to_contain_text("Đối tượng gọi từ số 0912 345 678")
    assert "Nghiêm trọng" in previews.locator(".card").inner_text()
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "alert-form", full_page=True)

    page.get_by_role("button", name="Lưu dự thảo").click()
    assert re.search(r"/console/alerts/[0-9a-f-]{36}$", page.url)
    # The confirmation as a page (what a browser without JavaScript shows; the cancel below has the dialog).
    page.locator("form.action").evaluate("form => form.removeAttribute('data-confirm')")
    page.get_by_role("button", name="Phát hành").click()
    assert "Giả danh công an gọi điện đòi chuyển tiền" in page.locator(".push").inner_text()
    assert_accessible(page)
    assert_fits(page)
    page.get_by_role("button", name="Đồng ý phát hành").click()
    page.wait_for_url(re.compile(r"/console/alerts$"))
    assert "Đã phát hành" in page.locator("ol.alerts").inner_text()

    deliver_once(database, fake_fcm)
    # One send to both communes' topics (an alert in Vietnamese only: one text for every phone).
    assert [r.target for r in fake_fcm.sent_ok()] == [
        f"condition:('w-{THANH_KHE}' in topics || 'w-{HAI_CHAU}' in topics)"
    ]
    [message] = {r.message["notification"]["title"] for r in fake_fcm.sent_ok()}
    assert message == "Giả danh công an gọi điện đòi chuyển tiền"

    page.reload()
    assert "Thông báo trên điện thoại: đã gửi 1" in page.locator("ol.alerts").inner_text()
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "alerts", full_page=True)

    def feed(ward_code):
        device = make_device(ward_code=ward_code)
        bearer = {"Authorization": f"Bearer {device.token}"}
        response = app.test_client().get(f"/api/v1/feed?ward_code={ward_code}", headers=bearer)
        return [a["headline"] for a in response.get_json()["alerts"]]

    assert feed(HAI_CHAU) == ["Giả danh công an gọi điện đòi chuyển tiền"]
    assert feed(NGU_HANH_SON) == []

    page.get_by_role("link", name="Giả danh công an gọi điện đòi chuyển tiền").click()
    page.get_by_label("Lý do hủy (người dân sẽ thấy)").fill("Đã xác minh: số này của công an phường thật.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Hủy cảnh báo").click()
    page.wait_for_url(re.compile(r"/console/alerts$"))
    assert "Đã hủy" in page.locator("ol.alerts").inner_text()
    assert feed(HAI_CHAU) == []


def test_the_scam_report_page_in_a_browser(page, staff, devices):
    for caller in devices(3):
        report(caller, value="0987 654 321", amount_lost_vnd=12_000_000)
    report(devices(1)[0], value="https://vcb-hoantien.top/dang-nhap", type="url")
    sign_in(page, staff["editor_a"].principal, path="/console/scam-reports")
    assert page.locator("table tbody tr").count() == 2
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "scam-reports", full_page=True)
    page.get_by_role("link", name="Tạo cảnh báo").first.click()
    assert page.locator("#indicator-0-value").input_value() == "+84987654321"


def test_without_javascript_the_form_saves_and_publishing_asks_on_a_page_of_its_own(
    browser, live_server, staff, sql
):
    context = browser.new_context(base_url=live_server, locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, staff["editor_a"].principal, path=f"{ALERTS}/new")
    assert page.get_by_label("Tìm xã, phường").is_hidden()  # the list scrolls instead
    choices = {
        "Lĩnh vực": "scam",
        "Mức độ nghiêm trọng": "severe",
        "Mức độ khẩn cấp": "immediate",
        "Mức độ chắc chắn": "observed",
    }
    for label, value in choices.items():
        page.get_by_label(label).select_option(value)
    page.get_by_label("Tiêu đề", exact=True).fill("Giả danh công an gọi điện đòi chuyển tiền")
    page.get_by_label("Nội dung cảnh báo").fill("Đối tượng tự xưng công an phường.")
    expires = (utcnow() + timedelta(days=3)).astimezone(LOCAL)
    page.get_by_label("Hết hạn lúc (giờ Việt Nam)").fill(f"{expires:%Y-%m-%dT%H:%M}")
    page.get_by_role("checkbox", name="Phường Hải Châu").check()
    page.locator("#indicator-0-value").fill("0912 345 678")
    page.get_by_role("button", name="Xem trước").click()  # the previews, without saving
    assert "Giả danh công an" in page.locator("#alert-previews .push").inner_text()
    assert sql("SELECT count(*) FROM alerts").scalar() == 0
    page.get_by_role("button", name="Lưu dự thảo").click()
    page.get_by_role("button", name="Phát hành").click()
    assert page.get_by_role("heading", name="Phát hành cảnh báo?").is_visible()
    assert sql("SELECT status FROM alerts").scalar() == "draft"
    page.get_by_role("button", name="Đồng ý phát hành").click()
    assert page.url.endswith(ALERTS)
    assert sql("SELECT status FROM alerts").scalar() == "published"
    context.close()
