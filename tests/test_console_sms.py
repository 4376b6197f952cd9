"""SMS subscriptions in the console: a browser journey where a commune officer records a number with the
citizen's consent, finds it and stops it; with the flask test client, what the form refuses and keeps,
the filters, and who may use the page."""

import re
import uuid

from sqlalchemy import func, select

from services.models import AuditEvent, SmsSubscription
from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot
from tests.browser import sign_in as sign_in_browser
from tests.test_console import csrf_token, sign_in

PAGE = "/console/sms-subscriptions"
HAI_CHAU, THANH_KHE = 20242, 20209


def signed_in(app, caller):
    browser = app.test_client()
    sign_in(browser, caller.principal.email)
    return browser


def tokens(browser, path=PAGE) -> dict:
    page = browser.get(path).get_data(as_text=True)
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page)[1],
        "once": re.search(r'name="once" value="([^"]+)"', page)[1],
    }


def record(browser, **fields):
    form = {**tokens(browser), "phone": "0912 345 678", "ward_code": str(HAI_CHAU), "consent": "yes"}
    return browser.post(PAGE, data={**form, **fields})


def stored(db) -> int:
    return db.scalar(select(func.count()).select_from(SmsSubscription))


def test_an_officer_records_a_number_with_consent_finds_it_and_stops_it(page, staff, db):
    sign_in_browser(page, staff["officer_a"].principal, path="/console/alerts")
    page.get_by_role("link", name="Đăng ký nhận SMS").click()
    page.get_by_role("textbox", name="Số điện thoại").last.fill("0912 345 678")
    page.get_by_label("Phường Hải Châu").check()
    page.get_by_role("button", name="Đăng ký số").click()
    page.wait_for_load_state()
    assert "Người dân đã đồng ý" in page.get_by_text("Chỉ đánh dấu khi").locator("..").text_content()
    assert page.get_by_role("textbox", name="Số điện thoại").last.input_value() == "0912 345 678"
    page.get_by_label("Người dân đã đồng ý nhận cảnh báo qua SMS").check()
    page.get_by_role("button", name="Đăng ký số").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text="+84912345678 giờ nhận cảnh báo").is_visible()
    entry = page.locator(".subscriptions article").filter(has_text="+84912345678")
    assert "Phường Hải Châu" in entry.text_content() and "Đang nhận" in entry.text_content()
    assert_accessible(page)
    screenshot(page, "sms-subscriptions", full_page=True)
    assert_fits(page)

    page.once("dialog", lambda dialog: dialog.accept())
    entry.get_by_role("button", name="Dừng").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text="Đã dừng đăng ký").is_visible()
    assert "Đã dừng" in page.locator(".subscriptions article").first.text_content()
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("sms_subscription.%")))
    assert sorted(actions) == ["sms_subscription.create", "sms_subscription.stop"]


def test_a_refused_form_says_why_beside_each_field_keeps_what_was_typed_and_stores_nothing(app, staff, db):
    officer = signed_in(app, staff["officer_a"])
    refused = record(officer, phone="12345", consent="")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert re.search(r'id="phone-error" class="error">.*Số điện thoại không hợp lệ', text)
    assert re.search(r'id="consent-error" class="error">.*Chỉ đánh dấu khi người dân đã đồng ý', text)
    assert 'name="phone" type="tel" value="12345"' in text
    assert f'value="{HAI_CHAU}" checked' in text
    missing = record(officer, ward_code="")
    assert missing.status_code == 422 and 'id="ward_code-error"' in missing.get_data(as_text=True)
    assert stored(db) == 0


def test_the_list_filters_by_commune_number_and_status(app, staff, db):
    officer = signed_in(app, staff["officer_a"])
    assert record(officer).status_code == 302
    assert record(officer, phone="0987 654 321", ward_code=str(THANH_KHE)).status_code == 302
    by_ward = officer.get(f"{PAGE}?ward_code={THANH_KHE}").get_data(as_text=True)
    assert "+84987654321" in by_ward and "+84912345678" not in by_ward
    by_phone = officer.get(f"{PAGE}?phone=0912345678").get_data(as_text=True)
    assert "+84912345678" in by_phone and "+84987654321" not in by_phone
    stopped = officer.get(f"{PAGE}?status=stopped").get_data(as_text=True)
    assert "Không có đăng ký nào phù hợp." in stopped


def test_stopping_asks_first(app, staff, db):
    officer = signed_in(app, staff["officer_a"])
    record(officer)
    subscription = db.scalar(select(SmsSubscription))
    asked = officer.post(f"{PAGE}/{subscription.id}/stop", data=tokens(officer))
    assert "Dừng gửi cảnh báo của xã, phường đến số này?" in asked.get_data(as_text=True)
    db.refresh(subscription)
    assert subscription.status == "active"


def test_viewers_are_refused_the_page_and_see_no_link(app, staff, db):
    viewer = signed_in(app, staff["viewer_a"])
    assert viewer.get(PAGE).status_code == 403
    assert f'href="{PAGE}"' not in viewer.get("/console/feedback").get_data(as_text=True)
    form = {"csrf_token": csrf_token(viewer, "/console/feedback"), "once": str(uuid.uuid4())}
    refused = viewer.post(PAGE, data={**form, "phone": "0912345678", "ward_code": HAI_CHAU, "consent": "yes"})
    assert refused.status_code == 403 and stored(db) == 0
