"""Issue 16's "Done when", in a real browser: an administrator sets up a province that has nothing yet
(Huế: no department, category, form or rule in the test database) only through the console —
departments with focal points (one its intake department), a category, a form, a routing rule checked
with the "who would receive this?" tester, an officer and an editor — then a citizen's submission goes
to the rule's department, the new officer answers it with the password the console showed once, and
the dashboard shows the submission, its answer and the focal-point coverage."""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser import *  # noqa: F403
from tests.browser import AXE, LAPTOP, assert_accessible, assert_fits, screenshot, sign_in
from tests.conftest import Caller

HUE = 46
VY_DA = 19777  # Phường Vỹ Dạ, a ward of Huế
INTAKE = {"code": "VP-UBND-HUE", "name": "Văn phòng UBND thành phố Huế", "focal": "Trần Thị Hoa",
          "phone": "0234 3822 001", "email": "tiepnhan@hue.gov.vn"}  # fmt: skip
ROADS = {"code": "SO-XD-HUE", "name": "Sở Xây dựng Huế", "focal": "Nguyễn Văn Bình",
         "phone": "0914 555 777", "email": "soxd@hue.gov.vn"}  # fmt: skip


@pytest.fixture
def first_admin(make_user):
    """The one account there is: no department anywhere (the `staff` fixture's are not made)."""
    return make_user("admin")


def add_department(page, department: dict, intake: bool = False):
    page.get_by_role("link", name="Thêm cơ quan").click()
    page.get_by_label("Mã (chữ in hoa").fill(department["code"])
    page.get_by_label("Tên", exact=True).fill(department["name"])
    page.get_by_label("Tỉnh, thành phố").select_option(str(HUE))
    if intake:
        page.get_by_label("Cơ quan tiếp nhận chung").check()
        assert_accessible(page)
        assert_fits(page)
    page.get_by_label("Họ tên").fill(department["focal"])
    page.get_by_label("Số điện thoại").fill(department["phone"])
    page.get_by_label("Địa chỉ email").fill(department["email"])
    page.get_by_role("button", name="Thêm cơ quan").click()
    expect(page.get_by_role("status")).to_contain_text(f"Đã thêm cơ quan {department['code']}.")


def add_account(page, email: str, name: str, role: str, department: str) -> str:
    """A new account made on the users page; the password it shows once."""
    page.get_by_role("link", name="Tài khoản mới").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Họ tên").fill(name)
    page.get_by_label("Vai trò").select_option(role)
    page.get_by_label("Cơ quan").select_option(label=department)
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã tạo tài khoản")
    return page.get_by_label("Mật khẩu").input_value()


def pick_ward(page, search: str, name: str):
    page.get_by_label("Tìm xã, phường").fill(search)  # without diacritics
    page.get_by_role("radio", name=name).check()


def figures(page, chart: str) -> list[list[str]]:
    """A dashboard chart's table as its cells' text."""
    return page.eval_on_selector_all(
        f"#{chart}-table tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )


def test_an_admin_sets_up_a_new_province_and_the_dashboard_shows_a_citizens_answered_feedback(
    page, browser, live_server, app, first_admin, make_device, sql
):
    assert sql("SELECT count(*) FROM departments WHERE province_code = :p", p=HUE).scalar() == 0
    sign_in(page, first_admin, path="/console/admin")

    # 1. Two departments with their focal points; the first receives what no rule claims.
    page.get_by_role("link", name="Cơ quan và đầu mối").click()
    add_department(page, INTAKE, intake=True)
    add_department(page, ROADS)
    hue = page.locator(".coverage tr", has_text="Huế")
    expect(hue).to_contain_text("2 / 2")
    expect(hue).to_contain_text("100 %")
    expect(page.locator(".missing-focal")).to_have_count(0)
    expect(page.locator(".departments")).to_contain_text("+84914555777")  # the phone, checked and stored
    screenshot(page, "new-province-departments", full_page=True)

    # 2. A category: 7 working days, normal priority.
    page.get_by_role("link", name="Quản trị", exact=True).click()
    page.get_by_role("main").get_by_role("link", name="Lĩnh vực", exact=True).click()
    page.get_by_role("link", name="Thêm lĩnh vực").click()
    page.get_by_label("Mã (chữ thường").fill("street-lights")
    page.get_by_label("Tên tiếng Việt").fill("Chiếu sáng công cộng")
    page.get_by_label("Mức ưu tiên mặc định").select_option("normal")
    page.get_by_label("Thời hạn xử lý (ngày làm việc)").fill("7")
    page.get_by_role("button", name="Thêm lĩnh vực").click()
    expect(page.get_by_role("status")).to_contain_text("Chiếu sáng công cộng")

    # 3. Its form, offered in Huế: a text question and a choice.
    page.get_by_role("link", name="Quản trị", exact=True).click()
    page.get_by_role("link", name="Biểu mẫu phản ánh").click()
    page.get_by_role("link", name="Biểu mẫu mới").click()
    page.get_by_label("Tên ngắn trong địa chỉ").fill("hue-street-lights")
    page.get_by_label("Tiêu đề (tiếng Việt)").fill("Đèn đường hỏng")
    page.get_by_label("Lĩnh vực").select_option("street-lights")
    page.get_by_label("Tỉnh, thành phố").select_option(str(HUE))
    page.get_by_label("Câu hỏi (tiếng Việt)").fill("Địa điểm")
    page.get_by_label("Mã trong câu trả lời").fill("where")
    page.get_by_label("Bắt buộc trả lời").check()
    page.get_by_role("button", name="Thêm câu hỏi").click()
    expect(page.locator("#f1-label_vi")).to_be_focused()
    page.locator("#f1-label_vi").fill("Tình trạng")
    page.locator("#f1-name").fill("state")
    page.locator("#f1-type").select_option("choice")
    page.locator("#f1-add-option").click()
    page.locator("#f1-o0-value").fill("off")
    page.locator("#f1-o0-vi").fill("Không sáng")
    page.locator("#f1-add-option").click()
    page.locator("#f1-o1-value").fill("flicker")
    page.locator("#f1-o1-vi").fill("Chập chờn")
    preview = page.locator("#form-preview")
    expect(preview).to_have_attribute("aria-busy", "false")
    expect(preview.get_by_role("radio", name="Chập chờn")).to_be_visible()
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        "Biểu mẫu hue-street-lights đã được lưu (phiên bản 1)."
    )
    expect(page.get_by_role("cell", name="Thành phố Huế")).to_be_visible()

    # 4. The category in Vỹ Dạ goes to the second department; the tester says so.
    page.get_by_role("link", name="Quản trị", exact=True).click()
    page.get_by_role("link", name="Phân luồng").click()
    expect(page.locator(".intakes")).to_contain_text(INTAKE["name"])  # Huế's fallback
    page.locator("#province-pick").select_option(str(HUE))
    page.get_by_role("button", name="Hiển thị").click()
    page.get_by_label("Lĩnh vực").select_option("street-lights")
    pick_ward(page, "vy da", "Phường Vỹ Dạ")
    page.get_by_label("Cơ quan", exact=True).select_option(label=ROADS["name"])
    page.get_by_role("button", name="Thêm quy tắc").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thêm quy tắc")
    expect(page.locator(".rules")).to_contain_text("Phường Vỹ Dạ, Thành phố Huế")
    page.get_by_role("link", name="Ai sẽ nhận phản ánh này?").click()
    page.get_by_label("Lĩnh vực").select_option("street-lights")
    pick_ward(page, "vy da", "Phường Vỹ Dạ")
    page.get_by_role("button", name="Ai sẽ nhận?").click()
    answer = page.locator(".answer")
    expect(answer.locator(".department strong")).to_have_text(ROADS["name"])
    expect(answer).to_contain_text("7 ngày làm việc")
    screenshot(page, "new-province-tester", full_page=True)

    # 5. An officer and an editor of that department; the officer's password is read off the page.
    page.get_by_role("link", name="Quản trị", exact=True).click()
    page.get_by_role("link", name="Người dùng").click()
    officer_email = "can.bo.xd@hue.gov.vn"
    password = add_account(page, officer_email, "Lê Thị Cúc", "officer", ROADS["name"])
    assert re.fullmatch(r"(\w{4}-){3}\w{4}", password)
    page.get_by_role("link", name="Quản trị", exact=True).click()
    page.get_by_role("link", name="Người dùng").click()
    add_account(page, "bien.tap.xd@hue.gov.vn", "Hồ Văn Đức", "editor", ROADS["name"])
    page.get_by_role("link", name="Quản trị", exact=True).click()
    page.get_by_role("link", name="Người dùng").click()
    listed = page.locator("table").inner_text()
    assert "Lê Thị Cúc" in listed and "Hồ Văn Đức" in listed

    # 6. A citizen in Vỹ Dạ sends the form through the API; it goes to the rule's department.
    device = make_device(province_code=HUE, ward_code=VY_DA)
    citizen = Caller(app.test_client(), device.token, device)
    sent = citizen.post(
        "/api/v1/feedback",
        json={
            "form": "hue-street-lights",
            "answers": {"where": "Đường Nguyễn Sinh Cung, trước số 40", "state": "off"},
            "province_code": HUE,
            "ward_code": VY_DA,
        },
    )
    assert sent.status_code == 201, sent.get_json()
    item = sent.get_json()
    assert item["department"]["name"] == ROADS["name"]

    # The officer signs in (another browser) with the password shown once and answers it.
    officer = browser.new_context(base_url=live_server, locale="vi-VN", viewport=LAPTOP)
    officer.add_init_script(path=str(AXE))
    try:
        desk = officer.new_page()
        sign_in(desk, SimpleNamespace(email=officer_email), password=password)
        desk.get_by_role("link", name=item["tracking_code"]).click()
        expect(desk.get_by_role("heading", level=1)).to_have_text(item["tracking_code"])
        desk.get_by_text("Trả lời người dân", exact=True).first.click()
        reply = "Đã thay bóng đèn trước số 40 Nguyễn Sinh Cung. Cảm ơn chị đã phản ánh."
        desk.get_by_label("Nội dung trả lời người dân").fill(reply)
        desk.get_by_role("button", name="Trả lời người dân").click()
        desk.wait_for_url(re.compile(rf"/console/feedback/{item['id']}$"))
        expect(desk.get_by_role("status")).to_contain_text("Đã gửi câu trả lời cho người dân.")
        screenshot(desk, "new-province-answered", full_page=True)
    finally:
        officer.close()
    tracked = citizen.get(f"/api/v1/feedback/track?code={item['tracking_code']}").get_json()
    assert tracked["status"] == "answered"
    assert [r["body"] for r in tracked["replies"]] == [reply]

    # 7. The dashboard, for the department: received 1, answered 1 on time; its focal point 100 %.
    page.get_by_role("link", name="Bảng số liệu").click()
    page.locator(".filters select[name=department]").select_option(label=ROADS["name"])
    page.get_by_role("button", name="Hiển thị").click()
    assert figures(page, "on-time") == [[f"1. {ROADS['name']}", "100\u00a0%", "1", "1"]]
    weeks = figures(page, "weeks")
    assert sum(int(w[1]) for w in weeks) == 1 and sum(int(w[2]) for w in weeks) == 1
    assert figures(page, "categories") == [["Chiếu sáng công cộng", "1", "1"]]
    assert figures(page, "communes") == [["Phường Vỹ Dạ", "1", "1"]]
    assert figures(page, "overdue") == []
    assert figures(page, "focal-points") == [["Tất cả cơ quan", "100\u00a0%", "1", "1"]]
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "new-province-dashboard", full_page=True)
