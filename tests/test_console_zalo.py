"""The console's Zalo templates page (api/console/admin_zalo.py). In a real browser, an admin records the
ZNS template for "the feedback has an answer", its fields following the chosen message, and finds it
listed. With the Flask test client: the page without JavaScript, the service's refusals beside their
field, deleting after confirmation, the audit log, and who is refused."""

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.console.admin_zalo import MESSAGE_NAMES
from services.core.db import utcnow
from services.models import AuditEvent, ZaloMiniappSlot, ZaloTemplate
from services.outbox import texts
from services.outbox.channels.zalo import LOCAL
from services.zalo.allowance import Allowance
from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot, sign_in
from tests.test_console import sign_in as sign_in_client
from tests.test_console_access import ADMIN, post

PAGE = f"{ADMIN}/zalo-templates"
ANSWERED = {
    "channel": "zns",
    "message": "feedback.answered",
    "template_id": "312456",
    "param_name": ["ma_phan_anh", "noi_dung", ""],
    "param_field": ["code", "answer", "code"],
    "param_max_length": ["30", "400", ""],
    "active": "yes",
}


@pytest.fixture
def zalos_published_allowance(app, monkeypatch):
    """Zalo's published rules for the Mini App (the tests' app sends at any hour, to the fake Zalo)."""
    monkeypatch.setitem(app.extensions["database"].sessions.kw["info"], "zalo_miniapp", Allowance())


@pytest.fixture
def admin_console(app, staff):
    browser = app.test_client()
    sign_in_client(browser, staff["admin"].principal.email)
    return browser


def field_choices(html: str, row: int = 1) -> list[str]:
    select_ = re.search(rf'<select id="param-field-{row}".*?</select>', html, re.S)[0]
    return re.findall(r'<option value="([^"]+)"', select_)


def stored(db) -> list[tuple]:
    return [
        (t.channel, t.message, t.template_id, t.params, t.active)
        for t in db.scalars(select(ZaloTemplate).order_by(ZaloTemplate.message))
    ]


def test_an_admin_records_the_zns_template_for_the_answer_and_finds_it_listed(
    page, staff, zalos_published_allowance
):
    sign_in(page, staff["admin"].principal, path=ADMIN)
    page.get_by_role("link", name="Mẫu tin Zalo").click()
    page.get_by_label("Tin ZNS đến số điện thoại").check()
    page.get_by_label("Tin", exact=True).select_option(label="Phản ánh đã có trả lời")
    fields = page.get_by_label("Tham số 2: nhận trường")
    assert fields.locator("option").all_inner_texts() == [
        "Mã phản ánh", "Nội dung trả lời", "Tiêu đề tin", "Nội dung tin"
    ]  # fmt: skip
    page.get_by_label("Mã mẫu tin Zalo (template id)").fill("312456")
    page.get_by_label("Tham số 1: tên").fill("ma_phan_anh")
    page.get_by_label("Tham số 1: nhận trường").select_option(label="Mã phản ánh")
    page.get_by_label("Tham số 1: tối đa (ký tự)").fill("30")
    page.get_by_label("Tham số 2: tên").fill("noi_dung")
    fields.select_option(label="Nội dung trả lời")
    page.get_by_label("Tham số 2: tối đa (ký tự)").fill("400")
    assert_accessible(page)
    page.get_by_role("button", name="Lưu mẫu tin").click()

    assert (
        page.get_by_role("status").inner_text().endswith("Đã lưu mẫu tin: các tin tiếp theo sẽ dùng mẫu này.")
    )
    row = page.get_by_role("row").filter(has_text="Phản ánh đã có trả lời")
    assert "Tin ZNS đến số điện thoại" in row.inner_text() and "312456" in row.inner_text()
    assert "noi_dung ← Nội dung trả lời (tối đa 400 ký tự)" in row.inner_text()
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "zalo-templates", full_page=True)


def test_the_page_says_how_many_of_zalos_mini_app_notifications_today_has_given_out(
    admin_console, db, zalos_published_allowance
):
    today = utcnow().astimezone(LOCAL).date()
    for day in (today, today, today - timedelta(days=1)):  # yesterday's is not today's
        db.add(ZaloMiniappSlot(day=day, citizen_id=uuid.uuid4(), notification_id=uuid.uuid4()))
    db.commit()

    html = admin_console.get(PAGE).get_data(as_text=True)

    said = re.search(r'<p id="miniapp-today">(.*?)</p>', html, re.S)[1]
    assert said.startswith("Thông báo Mini App hôm nay: 2 trên 1000 thông báo mỗi ngày Zalo cho phép")
    assert "tin theo khu vực tối đa 500." in said
    assert "từ 06:00 đến 22:00" in said


def test_without_javascript_choose_offers_the_messages_fields_and_the_template_is_recorded_and_audited(
    admin_console, db, client
):
    html = admin_console.get(PAGE).get_data(as_text=True)
    assert field_choices(html) == ["code", "department", "due_time", "due_date", "title", "body"]
    chosen = post(admin_console, PAGE, {"message": "feedback.answered", "choose": "yes"}, page=PAGE)
    assert chosen.status_code == 200 and stored(db) == []
    assert field_choices(chosen.get_data(as_text=True)) == ["code", "answer", "title", "body"]

    assert post(admin_console, PAGE, ANSWERED, page=PAGE).status_code == 302
    params = [
        {"name": "ma_phan_anh", "field": "code", "max_length": 30},
        {"name": "noi_dung", "field": "answer", "max_length": 400},
    ]
    assert stored(db) == [("zns", "feedback.answered", "312456", params, True)]
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.entity == "zalo_templates")).all()
    assert actions == ["zalo_template.create"]
    audit_page = admin_console.get(f"{ADMIN}/audit?entity=zalo_templates").get_data(as_text=True)
    assert "zalo_template.create" in audit_page

    changing = admin_console.get(f"{PAGE}?channel=zns&message=feedback.answered").get_data(as_text=True)
    assert 'value="312456"' in changing and 'value="noi_dung"' in changing


def test_a_field_the_message_lacks_is_refused_beside_the_parameters_and_nothing_is_stored(admin_console, db):
    wrong = {**ANSWERED, "param_field": ["code", "department", "code"]}  # the answer has no department
    refused = post(admin_console, PAGE, wrong, page=PAGE)
    assert refused.status_code == 422 and stored(db) == []
    html = refused.get_data(as_text=True)
    assert re.search(r'id="params-error"[^>]*>.*trường dữ liệu mà tin này không có', html)
    assert 'value="312456"' in html and 'value="noi_dung"' in html  # as typed

    missing = post(
        admin_console, PAGE, {**ANSWERED, "template_id": "", "param_max_length": ["30", ""]}, page=PAGE
    )
    assert missing.status_code == 422 and stored(db) == []
    html = missing.get_data(as_text=True)
    assert re.search(r'id="template_id-error"', html) and re.search(r'id="params-error"', html)


def test_deleting_a_template_asks_first_then_stops_the_message_on_that_channel(admin_console, db):
    post(admin_console, PAGE, ANSWERED, page=PAGE)
    delete = f"{PAGE}/zns/feedback.answered/delete"
    asked = post(admin_console, delete, page=PAGE)
    assert asked.status_code == 200 and "Xóa mẫu tin?" in asked.get_data(as_text=True)
    assert len(stored(db)) == 1
    done = post(admin_console, delete, {"confirmed": "yes"}, page=PAGE)
    assert done.status_code == 302 and stored(db) == []
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "zalo_template.delete")) is not None


@pytest.mark.parametrize("role", ["officer_a", "editor_a"])
def test_staff_who_are_not_admins_are_refused_and_see_no_link(app, staff, db, role):
    browser = app.test_client()
    sign_in_client(browser, staff[role].principal.email)
    assert browser.get(PAGE).status_code == 403
    assert post(browser, PAGE, ANSWERED, page=PAGE).status_code == 403 and stored(db) == []
    menu = browser.get(ADMIN).get_data(as_text=True)
    assert "Mẫu tin Zalo" not in menu


def test_every_message_has_its_plain_name():
    assert set(MESSAGE_NAMES) == set(texts.TEXTS)
