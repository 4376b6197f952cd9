"""The feedback page's actions in a real browser: the issue's journey (an officer of department B answers
a feedback that department A transferred, with a photo, and the citizen's tracking shows both) and a
transfer picked from the searchable list, each form showing the citizen's push as the officer types."""

import re

import pytest

from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot, sign_in
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import PNG, submit

pytestmark = pytest.mark.usefixtures("road_form")


def test_an_officer_answers_a_transferred_feedback_with_a_photo(page, staff, citizen, department_b, tmp_path):
    item = submit(citizen)
    moved = staff["officer_a"].post(
        f"/api/v1/feedback/{item['id']}/transfer",
        json={"department_id": str(department_b.id), "reason": "Đường do Sở Xây dựng quản lý"},
    )
    assert moved.status_code == 200

    sign_in(page, staff["officer_b"].principal)
    feedback_link = page.get_by_role("link", name=re.compile(r"Phản ánh.*1 phản ánh mới chưa giao xử lý"))
    assert feedback_link.is_visible()  # the badge, with its words for screen readers
    page.get_by_role("link", name=item["tracking_code"]).click()
    assert page.get_by_role("heading", level=1).inner_text() == item["tracking_code"]
    assert "Đường do Sở Xây dựng quản lý" in page.locator("ol.timeline").inner_text()

    page.get_by_text("Trả lời người dân", exact=True).first.click()  # the form opens
    answer = "Đã vá ổ gà trước số 12 Bạch Đằng. Cảm ơn anh đã phản ánh."
    page.get_by_label("Nội dung trả lời người dân").fill(answer)
    photo = tmp_path / "sau-khi-va.png"
    photo.write_bytes(PNG)
    page.get_by_label(re.compile(r"^Ảnh hoặc tài liệu PDF")).set_input_files(photo)
    preview = page.locator("#action-reply [data-push]")
    preview.get_by_text(answer).wait_for()  # the push follows the text as it is typed
    assert f"Phản ánh {item['tracking_code']} đã có trả lời" in preview.inner_text()
    assert_accessible(page)
    assert_fits(page)
    form = page.locator("#action-reply")
    form.scroll_into_view_if_needed()
    box = form.bounding_box()
    screenshot(
        page,
        "answer",
        clip={"x": box["x"] - 8, "y": box["y"] - 8, "width": box["width"] + 16, "height": box["height"] + 16},
    )

    page.get_by_role("button", name="Trả lời người dân").click()
    page.wait_for_url(re.compile(rf"/console/feedback/{item['id']}$"))
    assert page.get_by_role("status").inner_text().endswith("Đã gửi câu trả lời cho người dân.")
    replies = page.get_by_role("region", name="Trả lời")
    assert answer in replies.inner_text()
    thumbnail = replies.get_by_role("img", name="Ảnh 1 của câu trả lời (cỡ đầy đủ)")
    assert thumbnail.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert "Đã trả lời" in page.locator("dl.facts").first.inner_text()
    assert_accessible(page)
    assert_fits(page)

    tracked = citizen.get(f"/api/v1/feedback/track?code={item['tracking_code']}").get_json()
    [reply] = tracked["replies"]
    assert (reply["body"], tracked["status"]) == (answer, "answered")
    [file] = reply["attachments"]
    shown = citizen.get(f"/api/v1/attachments/{file['id']}")
    assert (shown.status_code, shown.mimetype) == (200, "image/png")


def test_a_transfer_picks_the_department_from_a_searchable_list(page, staff, citizen, make_department):
    item = submit(citizen)
    make_department("SO-XD", name="Sở Xây dựng")
    make_department("SO-YT", name="Sở Y tế")
    sign_in(page, staff["officer_a"].principal, path=f"/console/feedback/{item['id']}")
    page.get_by_text("Chuyển xử lý", exact=True).first.click()
    departments = page.get_by_label("Đơn vị có thẩm quyền")
    page.get_by_label("Tìm đơn vị").fill("so xay")  # without diacritics
    assert departments.locator("option:not([hidden])").all_inner_texts() == ["Chọn đơn vị", "Sở Xây dựng"]
    departments.select_option(label="Sở Xây dựng")
    preview = page.locator("#action-transfer [data-push]")
    preview.get_by_text("Đơn vị xử lý mới: Sở Xây dựng.").wait_for()
    assert_accessible(page)
    assert_fits(page)

    page.get_by_label("Lý do chuyển").fill("Đường do Sở Xây dựng quản lý")
    page.get_by_role("button", name="Chuyển xử lý").click()
    page.wait_for_url(re.compile(r"/console/feedback$"))
    assert "Đã chuyển phản ánh" in page.get_by_role("status").inner_text()
    assert item["tracking_code"] not in page.locator("main").inner_text()
