"""The officers' inbox in a real browser: signing in, the overdue feedback first and unmistakable, the
filters, what each role and department sees, refused forms, and sessions that end."""

import re

import pytest

from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot, sign_in
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit, upload

pytestmark = pytest.mark.usefixtures("road_form")


def inbox_codes(page) -> list[str]:
    return page.locator("ol.inbox .code").all_inner_texts()


@pytest.fixture
def two_feedback(citizen, sql):
    """A fresh road report and a flooding one three days past its deadline."""
    fresh = submit(citizen)
    late = submit(citizen, answers={"where": "Cầu Rồng", "kind": "flooding", "details": "Nước ngập sâu"})
    sql("UPDATE feedback SET due_at = now() - interval '3 days' WHERE id = :id", id=late["id"])
    return fresh, late


def test_an_officer_signs_in_and_finds_the_overdue_feedback_first(page, staff, two_feedback):
    fresh, late = two_feedback
    page.goto("/console/feedback")
    assert "/console/login" in page.url
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "login")

    sign_in(page, staff["officer_a"].principal)
    assert page.url.endswith("/console/feedback")
    assert inbox_codes(page) == [late["tracking_code"], fresh["tracking_code"]]
    overdue = page.locator("ol.inbox article").first
    assert "late" in overdue.get_attribute("class")
    assert re.search(r"⚠ quá hạn (\d+ ngày|từ hôm nay)", overdue.inner_text())
    assert "Ngập · Nước ngập sâu" in overdue.inner_text()  # the option's label, not its key (flooding)
    assert re.search(r"còn \d+ ngày làm việc", page.locator("ol.inbox article").nth(1).inner_text())
    counts = page.get_by_role("navigation", name="Số lượng theo trạng thái")
    assert "Mới tiếp nhận 2" in counts.inner_text() and "⚠ Quá hạn 1" in counts.inner_text()
    assert_accessible(page)
    assert_fits(page, screenshot_name="inbox-phone")
    screenshot(page, "inbox", full_page=True)

    page.get_by_label("Tìm kiếm").fill("cau rong")  # without diacritics
    page.get_by_role("button", name="Lọc").click()
    assert inbox_codes(page) == [late["tracking_code"]]
    page.get_by_label("Tìm kiếm").fill(fresh["tracking_code"].lower())
    page.get_by_role("button", name="Lọc").click()
    assert inbox_codes(page) == [fresh["tracking_code"]]

    page.get_by_label("Tìm kiếm").fill("")
    page.get_by_role("button", name="Lọc").click()
    page.get_by_role("link", name="Quá hạn 1").click()
    assert inbox_codes(page) == [late["tracking_code"]]
    assert page.get_by_label("Chỉ phản ánh quá hạn").is_checked()  # "more filters" opened to show it
    page.get_by_label("Chỉ phản ánh quá hạn").uncheck()  # the script submits the filters
    page.wait_for_url(re.compile(r"/console/feedback\?(?!.*overdue)"))
    assert len(inbox_codes(page)) == 2

    page.get_by_label("Trạng thái", exact=True).select_option("answered")  # the script submits the filters
    page.wait_for_url(re.compile(r"status=answered"))
    assert inbox_codes(page) == []
    assert page.get_by_text("Không có phản ánh nào khớp với điều kiện lọc.").is_visible()

    page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", name="Feedback inbox").is_visible()
    page.goto("/console/feedback")
    assert (
        "1 day overdue" in page.content()
        or "days overdue" in page.content()
        or "overdue since" in page.content()
    )


def test_each_role_and_department_sees_only_what_the_policy_allows(
    page, browser, live_server, staff, two_feedback
):
    codes = sorted(item["tracking_code"] for item in two_feedback)
    sign_in(page, staff["viewer_a"].principal)
    assert sorted(inbox_codes(page)) == codes
    assert page.locator("ol.inbox form").count() == 0  # a viewer has nothing to act with

    other = browser.new_context(base_url=live_server, locale="vi-VN").new_page()
    sign_in(
        other,
        staff["officer_b"].principal,
        path=f"/console/feedback?department={staff['officer_a'].principal.department_id}",
    )
    assert inbox_codes(other) == []
    assert "DEPT-B" in other.get_by_role("heading", level=1).inner_text()
    other.context.close()


def test_a_form_posted_without_its_csrf_token_is_refused(page, staff, two_feedback):
    sign_in(page, staff["officer_a"].principal)
    refused = page.request.post("/console/logout", form={})
    assert refused.status == 400
    assert "Biểu mẫu đã hết hạn" in refused.text()
    forged = page.request.post("/console/logout", form={"csrf_token": "forged"})
    assert forged.status == 400
    page.goto("/console/feedback")
    assert page.url.endswith("/console/feedback")  # still signed in

    page.get_by_role("button", name="Đăng xuất").click()
    assert "/console/login" in page.url
    page.goto("/console/feedback")
    assert "/console/login" in page.url


def test_a_deactivated_users_next_page_is_the_sign_in(page, staff, two_feedback):
    officer = staff["officer_a"].principal
    sign_in(page, officer)
    staff["admin"].patch(f"/api/v1/users/{officer.id}", json={"active": False})
    page.reload()
    assert "/console/login" in page.url
    sign_in(page, officer)
    assert page.get_by_role("alert").inner_text().endswith("Sai email hoặc mật khẩu.")


def test_after_the_session_ends_signing_in_returns_to_the_page(page, staff, two_feedback):
    officer = staff["officer_a"].principal
    sign_in(page, officer)
    page.goto("/console/feedback?status=all&q=cau")
    # An admin sets a new password: the officer's tokens, and so this session, end.
    staff["admin"].patch(f"/api/v1/users/{officer.id}", json={"password": "a new password 2026"})
    page.reload()
    assert "/console/login?next=" in page.url
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Mật khẩu").fill("a new password 2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/console/feedback\?status=all&q=cau$"))
    assert len(inbox_codes(page)) == 1


def test_the_feedback_page_shows_the_answers_place_photo_and_timeline(page, staff, citizen, sql):
    photo = upload(citizen)
    answers = {"where": "Cầu Rồng", "kind": "flooding", "details": "Nước ngập sâu", "photos": [photo["id"]]}
    item = submit(citizen, answers=answers, location={"lat": 16.06111, "lon": 108.22722})
    sign_in(page, staff["officer_a"].principal)
    page.get_by_role("link", name=item["tracking_code"]).click()
    assert page.get_by_role("heading", level=1).inner_text() == item["tracking_code"]
    main = page.locator("main").inner_text()
    assert "Ngập" in main and "Nước ngập sâu" in main  # the choice by its label
    assert "Phường Hải Châu, Thành phố Đà Nẵng" in main
    assert "16.06111, 108.22722" in main
    assert "openstreetmap.org/?mlat=16.06111" in page.get_by_role("link", name="Mở bản đồ").get_attribute(
        "href"
    )
    thumbnail = page.get_by_role("img", name="Ảnh 1 của người dân (cỡ đầy đủ)")
    thumbnail.scroll_into_view_if_needed()
    assert thumbnail.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert "Người dân gửi" in page.locator("ol.timeline").inner_text()
    assert re.search(r"còn \d+ ngày làm việc", main)
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "feedback", full_page=True)


def test_another_departments_feedback_is_a_not_found_page(page, staff, citizen):
    item = submit(citizen)
    sign_in(page, staff["officer_b"].principal)
    response = page.goto(f"/console/feedback/{item['id']}")
    assert response.status == 404
    assert page.get_by_role("alert").inner_text() == "Trang này không tồn tại hoặc bạn không có quyền xem."
    photo_url = f"/console/attachments/{item['id']}"  # no such attachment either way
    assert page.request.get(photo_url).status == 404
    assert_accessible(page)
