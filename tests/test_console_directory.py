"""The administrators' directory pages: departments and focal points, categories, routing rules and the
"who would receive this?" tester. In a real browser, an admin closes a province's focal-point gap and the
tester names the department a real submission then goes to; with the Flask test client, what a form
refuses and keeps, who may use the pages, refused and repeated forms, and the audit trail."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot, sign_in
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit
from tests.test_console import csrf_token
from tests.test_console import sign_in as sign_in_client

DEPARTMENTS = "/console/admin/departments"
HAI_CHAU = 20242


@pytest.fixture
def admin_browser(app, staff):
    browser = app.test_client()
    sign_in_client(browser, staff["admin"].principal.email)
    return browser


def post(browser, path, data, once=None):
    """Send a form as the page has it: with its CSRF token and its one-time token (api/console/once.py)."""
    form = {"once": once or str(uuid.uuid4()), **data, "csrf_token": csrf_token(browser, "/console/admin")}
    return browser.post(path, data=form)


def department_form(**overrides) -> dict:
    return {
        "code": "SO-YT-DN",
        "name": "Sở Y tế Đà Nẵng",
        "province_code": "48",
        "focal_name": "",
        "focal_phone": "",
        "focal_email": "",
        **overrides,
    }


def audit_actions(sql, entity_id) -> list[str]:
    rows = sql("SELECT action FROM audit_events WHERE entity_id = :id ORDER BY id", id=str(entity_id))
    return [row.action for row in rows]


# ---------------------------------------------------------------- in a browser


def test_an_admin_closes_a_provinces_focal_point_gap(page, staff, admin, sql):
    sign_in(page, staff["admin"].principal, path="/console/admin")
    page.get_by_role("link", name="Cơ quan và đầu mối").click()
    page.get_by_role("link", name="Thêm cơ quan").click()
    page.get_by_label("Mã (chữ in hoa").fill("SO-YT-DN")
    page.get_by_label("Tên", exact=True).fill("Sở Y tế Đà Nẵng")
    page.get_by_label("Tỉnh, thành phố").select_option("48")
    page.get_by_role("button", name="Thêm cơ quan").click()

    expect(page.get_by_role("status")).to_contain_text("Đã thêm cơ quan SO-YT-DN.")
    missing = page.locator(".missing-focal")  # highlighted above the list
    expect(missing.get_by_role("heading")).to_have_text("⚠ 1 cơ quan chưa có đầu mối")
    da_nang = page.locator(".coverage tr", has_text="Đà Nẵng")
    expect(da_nang).to_contain_text("2 / 3")
    expect(da_nang).to_contain_text("67 %")
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "admin-departments", full_page=True)

    missing.get_by_role("link", name="Sở Y tế Đà Nẵng").click()
    page.get_by_label("Họ tên").fill("Lê Văn C")
    page.get_by_label("Số điện thoại").fill("0236 3822 111")
    page.get_by_role("button", name="Lưu thay đổi").click()
    expect(da_nang).to_contain_text("3 / 3")
    expect(da_nang).to_contain_text("100 %")
    expect(missing).to_have_count(0)
    # The coverage report says the same.
    report = admin.get("/api/v1/reports/coverage?province_code=48").get_json()
    assert report["focal_point_share"] == 1.0 and report["departments"] == 3


def test_the_tester_names_the_department_a_real_submission_goes_to(
    page, staff, citizen, road_form, department_b, sql
):
    sign_in(page, staff["admin"].principal, path="/console/admin")
    page.get_by_role("link", name="Phân luồng").click()
    page.get_by_label("Lĩnh vực").select_option("roads")
    page.get_by_label("Tìm xã, phường").fill("hai chau")  # without diacritics
    page.get_by_role("radio", name="Phường Hải Châu").check()
    page.get_by_label("Cơ quan", exact=True).select_option(label="Phòng DEPT-B")
    page.get_by_role("button", name="Thêm quy tắc").click()
    expect(page.locator(".rules")).to_contain_text("Phường Hải Châu")
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "admin-routing", full_page=True)

    page.get_by_role("link", name="Ai sẽ nhận phản ánh này?").click()
    page.get_by_label("Lĩnh vực").select_option("roads")
    page.get_by_label("Tìm xã, phường").fill("hai chau")
    page.get_by_role("radio", name="Phường Hải Châu").check()
    page.get_by_role("button", name="Ai sẽ nhận?").click()
    answer = page.locator(".answer .department strong")
    expect(answer).to_have_text("Phòng DEPT-B")
    assert_accessible(page)
    assert_fits(page)

    created = submit(citizen)  # at Hải Châu, through the API
    assert created["department"]["name"] == answer.inner_text()


# ---------------------------------------------------------------- with the Flask test client


def test_a_bad_phone_is_named_beside_its_field_and_nothing_is_stored(admin_browser, sql):
    data = department_form(focal_name="Nguyễn Văn A", focal_phone="12345", focal_email="a@example.org")
    refused = post(admin_browser, f"{DEPARTMENTS}/new", data)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.search(r'id="focal_phone-error">.*Số điện thoại Việt Nam không hợp lệ\.', page)
    assert 'value="12345"' in page and 'value="Sở Y tế Đà Nẵng"' in page  # kept as typed
    assert sql("SELECT count(*) FROM departments WHERE code = 'SO-YT-DN'").scalar() == 0


def test_a_foreign_number_and_a_taken_code_are_refused_beside_their_fields(admin_browser, department_a):
    page = post(
        admin_browser, f"{DEPARTMENTS}/new", department_form(focal_name="A", focal_phone="+33 6 12 34 56 78")
    )
    assert re.search(r'id="focal_phone-error"', page.get_data(as_text=True))
    page = post(admin_browser, f"{DEPARTMENTS}/new", department_form(code=department_a.code))
    assert page.status_code == 409
    assert re.search(r'id="code-error">.*', page.get_data(as_text=True))


def test_a_department_sent_twice_is_created_once_and_audited(admin_browser, sql):
    once = str(uuid.uuid4())
    first = post(admin_browser, f"{DEPARTMENTS}/new", department_form(), once=once)
    assert first.status_code == 302
    again = post(admin_browser, f"{DEPARTMENTS}/new", department_form(), once=once)
    assert again.status_code == 302
    assert "chỉ được thực hiện một lần" in admin_browser.get(again.location).get_data(as_text=True)
    rows = sql("SELECT id FROM departments WHERE code = 'SO-YT-DN'").all()
    assert len(rows) == 1
    assert audit_actions(sql, rows[0].id) == ["department.create"]


def test_a_focal_point_and_a_deactivation_are_saved_and_audited(admin_browser, make_department, sql):
    department = make_department("SO-TC", focal=False)
    listing = admin_browser.get(DEPARTMENTS).get_data(as_text=True)
    missing = listing.split('id="missing-heading"')[1].split("</section>")[0]
    assert "Phòng SO-TC" in missing
    data = department_form(code="", name="Phòng SO-TC", focal_name="Trần Thị B", focal_phone="0905 123 456")
    saved = post(admin_browser, f"{DEPARTMENTS}/{department.id}", data)
    assert saved.status_code == 302
    assert (
        sql("SELECT focal_phone FROM departments WHERE id = :id", id=department.id).scalar() == "+84905123456"
    )
    asked = post(admin_browser, f"{DEPARTMENTS}/{department.id}/active", {"active": "false"})
    assert asked.status_code == 200 and "Phòng SO-TC" in asked.get_data(as_text=True)  # the confirmation
    assert sql("SELECT active FROM departments WHERE id = :id", id=department.id).scalar() is True
    done = post(
        admin_browser, f"{DEPARTMENTS}/{department.id}/active", {"active": "false", "confirmed": "yes"}
    )
    assert done.status_code == 302
    assert sql("SELECT active FROM departments WHERE id = :id", id=department.id).scalar() is False
    assert audit_actions(sql, department.id) == ["department.update", "department.update"]


def test_the_intake_box_makes_the_provinces_intake_department_once_and_needs_a_province(
    admin_browser, department_a, sql
):
    alone = post(admin_browser, f"{DEPARTMENTS}/new", department_form(province_code="", intake="on"))
    assert alone.status_code == 422
    page = alone.get_data(as_text=True)
    assert re.search(r'id="intake-error">.*Cơ quan tiếp nhận chung phải thuộc một tỉnh', page)
    assert re.search(r'name="intake" checked', page)  # kept as ticked
    second = post(admin_browser, f"{DEPARTMENTS}/new", department_form(intake="on"))
    assert second.status_code == 409
    assert "DEPT-A đang là cơ quan tiếp nhận chung của tỉnh" in second.get_data(as_text=True)
    assert sql("SELECT count(*) FROM departments WHERE code = 'SO-YT-DN'").scalar() == 0

    hue = department_form(code="VP-HUE", name="Văn phòng UBND Huế", province_code="46", intake="on")
    assert post(admin_browser, f"{DEPARTMENTS}/new", hue).status_code == 302
    assert sql("SELECT intake FROM departments WHERE code = 'VP-HUE'").scalar() is True
    intakes = admin_browser.get("/console/admin/routing").get_data(as_text=True).split('class="intakes"')[1]
    assert "Văn phòng UBND Huế" in intakes
    department_id = sql("SELECT id FROM departments WHERE code = 'VP-HUE'").scalar()
    edit = admin_browser.get(f"{DEPARTMENTS}/{department_id}").get_data(as_text=True)
    assert re.search(r'name="intake" checked', edit)  # the edit form shows it, and unticking it unsets it
    assert post(admin_browser, f"{DEPARTMENTS}/{department_id}", {**hue, "intake": ""}).status_code == 302
    assert sql("SELECT intake FROM departments WHERE code = 'VP-HUE'").scalar() is False


def test_search_finds_a_department_without_its_accents(admin_browser, make_department):
    make_department("SO-XD", name="Sở Xây dựng")
    make_department("SO-NV", name="Sở Nội vụ")
    page = admin_browser.get(f"{DEPARTMENTS}?q=xay dung").get_data(as_text=True)
    table = page.split('class="departments"')[1]
    assert "Sở Xây dựng" in table and "Sở Nội vụ" not in table


@pytest.mark.parametrize("path", ["/console/admin", DEPARTMENTS, f"{DEPARTMENTS}/new"])
def test_other_staff_are_refused_the_admin_pages_and_see_no_admin_nav(app, staff, path):
    browser = app.test_client()
    sign_in_client(browser, staff["officer_a"].principal.email)
    assert browser.get(path).status_code == 403
    assert "/console/admin" not in browser.get("/console/feedback").get_data(as_text=True)


def test_the_admin_nav_and_menu_lead_to_the_pages(admin_browser):
    assert 'href="/console/admin"' in admin_browser.get("/console/feedback").get_data(as_text=True)
    assert f'href="{DEPARTMENTS}"' in admin_browser.get("/console/admin").get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(admin_browser, sql):
    data = {**department_form(), "once": str(uuid.uuid4())}
    assert admin_browser.post(f"{DEPARTMENTS}/new", data=data).status_code == 400
    assert sql("SELECT count(*) FROM departments WHERE code = 'SO-YT-DN'").scalar() == 0


# ---------------------------------------------------------------- categories

CATEGORIES = "/console/admin/categories"


def category_form(**overrides) -> dict:
    return {
        "code": "lighting",
        "kind": "feedback",
        "name_vi": "Chiếu sáng công cộng",
        "name_en": "Street lighting",
        "priority": "normal",
        "deadline_working_days": "",
        **overrides,
    }


def test_a_category_is_created_with_its_priority_default_edited_and_retired(admin_browser, sql):
    assert post(admin_browser, f"{CATEGORIES}/new", category_form()).status_code == 302
    row = sql("SELECT id, deadline_working_days, active FROM categories WHERE code = 'lighting'").one()
    assert row.deadline_working_days == 5 and row.active
    assert "Chiếu sáng công cộng" in admin_browser.get(CATEGORIES).get_data(as_text=True)
    edited = category_form(name_vi="Đèn đường", priority="complex", deadline_working_days="12")
    assert post(admin_browser, f"{CATEGORIES}/lighting", edited).status_code == 302
    retired = post(admin_browser, f"{CATEGORIES}/lighting/active", {"active": "false", "confirmed": "yes"})
    assert retired.status_code == 302
    row = sql(
        "SELECT name_vi, priority, deadline_working_days, active FROM categories WHERE id = :id", id=row.id
    )
    assert tuple(row.one()) == ("Đèn đường", "complex", 12, False)
    category_id = sql("SELECT id FROM categories WHERE code = 'lighting'").scalar()
    assert audit_actions(sql, category_id) == ["category.create", "category.update", "category.update"]


def test_a_category_out_of_range_is_refused_beside_its_field_and_kept(admin_browser, sql):
    refused = post(admin_browser, f"{CATEGORIES}/new", category_form(deadline_working_days="120", code="X"))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.search(r'id="deadline_working_days-error">.*Phải từ 1 đến 90\.', page)
    assert re.search(r'id="code-error">', page) and 'value="Chiếu sáng công cộng"' in page
    assert sql("SELECT count(*) FROM categories WHERE name_vi = 'Chiếu sáng công cộng'").scalar() == 0


def test_other_staff_cannot_manage_categories(app, staff):
    browser = app.test_client()
    sign_in_client(browser, staff["officer_a"].principal.email)
    assert browser.get(CATEGORIES).status_code == 403
    assert post(browser, f"{CATEGORIES}/new", category_form()).status_code == 403


# ---------------------------------------------------------------- routing rules

ROUTING = "/console/admin/routing"


def test_a_rule_is_added_handed_over_and_removed_each_audited(
    admin_browser, sql, feedback_category, department_a, department_b, make_department
):
    listing = admin_browser.get(f"{ROUTING}?province=48").get_data(as_text=True)
    intakes = listing.split('class="intakes"')[1]
    assert "Phòng DEPT-A" in intakes  # Đà Nẵng's fallback
    data = {
        "province": "48",
        "category_code": "roads",
        "place": str(HAI_CHAU),
        "department_id": department_b.id,
    }
    assert post(admin_browser, ROUTING, data).status_code == 302
    rule_id = sql("SELECT id FROM routing_rules WHERE ward_code = :w", w=HAI_CHAU).scalar()
    assert "Phường Hải Châu" in admin_browser.get(f"{ROUTING}?province=48").get_data(as_text=True)
    again = post(admin_browser, ROUTING, data)
    assert again.status_code == 409 and 'id="place-error"' in again.get_data(as_text=True)
    other = make_department("SO-GTVT")
    assert post(admin_browser, f"{ROUTING}/{rule_id}", {"department_id": other.id}).status_code == 302
    assert sql("SELECT department_id FROM routing_rules WHERE id = :id", id=rule_id).scalar() == other.id
    removed = post(admin_browser, f"{ROUTING}/{rule_id}/delete", {"confirmed": "yes"})
    assert removed.status_code == 302
    assert sql("SELECT count(*) FROM routing_rules").scalar() == 0
    assert audit_actions(sql, rule_id) == [
        "routing_rule.create",
        "routing_rule.update",
        "routing_rule.delete",
    ]


def test_a_rule_without_category_or_department_is_refused_beside_its_fields(
    admin_browser, sql, feedback_category
):
    refused = post(admin_browser, ROUTING, {"province": "48", "category_code": "", "place": "province"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="category_code-error"' in page
    assert 'id="department_id-error"' in page
    assert sql("SELECT count(*) FROM routing_rules").scalar() == 0


def test_the_tester_names_the_rules_department_or_the_intake_and_the_deadline(
    admin_browser, db, feedback_category, department_a, department_b
):
    post(admin_browser, ROUTING, {"province": "48", "category_code": "roads", "place": str(HAI_CHAU),
                                  "department_id": department_b.id})  # fmt: skip
    ruled = admin_browser.get(f"{ROUTING}/tester?province=48&category_code=roads&place={HAI_CHAU}")
    answer = ruled.get_data(as_text=True).split('id="answer-heading"')[1].split("</section>")[0]
    assert "Phòng DEPT-B" in answer and "5 ngày làm việc" in answer
    elsewhere = admin_browser.get(f"{ROUTING}/tester?province=48&category_code=roads&place=20209")
    answer = elsewhere.get_data(as_text=True).split('id="answer-heading"')[1].split("</section>")[0]
    assert "Phòng DEPT-A" in answer and "tiếp nhận chung" in answer
    unknown = admin_browser.get(f"{ROUTING}/tester?province=48&category_code=nothing&place=province")
    assert unknown.status_code == 422 and 'id="category_code-error"' in unknown.get_data(as_text=True)


@pytest.mark.parametrize("path", [ROUTING, f"{ROUTING}/tester", CATEGORIES])
def test_officers_are_refused_the_routing_pages(app, staff, path):
    browser = app.test_client()
    sign_in_client(browser, staff["officer_a"].principal.email)
    assert browser.get(path).status_code == 403


def test_officers_cannot_deactivate_a_department(app, staff, department_b, sql):
    browser = app.test_client()
    sign_in_client(browser, staff["officer_a"].principal.email)
    refused = post(
        browser, f"{DEPARTMENTS}/{department_b.id}/active", {"active": "false", "confirmed": "yes"}
    )
    assert refused.status_code == 403
    assert sql("SELECT active FROM departments WHERE id = :id", id=department_b.id).scalar() is True
