"""The administrators' directory pages: departments and focal points, categories, routing rules and the
"who would receive this?" tester. In a real browser, an admin closes a province's focal-point gap and the
tester names the department a real submission then goes to; with the Flask test client, what a form
refuses and keeps, who may use the pages, refused and repeated forms, and the audit trail."""

import re
import uuid

import pytest

from tests.feedback_fixtures import *  # noqa: F403
from tests.test_console import csrf_token
from tests.test_console import sign_in as sign_in_client

DEPARTMENTS = "/console/admin/departments"


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
    assert page.status_code == 422
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


def test_search_finds_a_department_without_its_accents(admin_browser, make_department):
    make_department("SO-XD", name="Sở Xây dựng")
    make_department("SO-NV", name="Sở Nội vụ")
    page = admin_browser.get(f"{DEPARTMENTS}?q=xay dung").get_data(as_text=True)
    table = page.split('class="departments"')[1]
    assert "Sở Xây dựng" in table and "Sở Nội vụ" not in table


@pytest.mark.parametrize("path", ["/console/admin", DEPARTMENTS, f"{DEPARTMENTS}/new"])
def test_other_staff_are_refused_the_admin_pages_and_see_no_admin_nav(app, staff, path):
    browser = app.test_client()
    sign_in_client(browser, staff["editor_a"].principal.email)
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
