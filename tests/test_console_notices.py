"""The editors' notices and the consultation moderation in the console: a browser journey from a draft
with a Markdown body to the consultation report's CSV, and, with the flask test client, what the forms
refuse, keep and store, the stage buttons each stage allows, and who sees which notice."""

import csv
import io
import re
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from services.models import Notice, NoticeComment
from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot
from tests.browser import sign_in as sign_in_browser
from tests.feedback_fixtures import PDF
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import HAI_CHAU, NOTICES
from tests.test_console import csrf_token, sign_in

CLEAN = (
    "## Điều 1. Mức hỗ trợ\n\nMức hỗ trợ thuê nhà **tăng 20%** so với năm 2025.\n\n"
    "- Hộ gia đình: 3 triệu đồng/tháng\n- Cá nhân: 1,5 triệu đồng/tháng"
)
HOSTILE = (
    "## Điều 1\n\nMức hỗ trợ **tăng 20%**.\n\n<script>window.pwned = 1</script>\n\n[xem](javascript:alert(1))"
)


def tokens(browser, path) -> dict:
    """A form's CSRF token and a fresh one-time token (api/console/once.py), as the page gives them."""
    page = browser.get(path).get_data(as_text=True)
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page)[1],
        "once": re.search(r'name="once" value="([^"]+)"', page)[1],
    }


def signed_in(app, caller):
    browser = app.test_client()
    sign_in(browser, caller.principal.email)
    return browser


def notice_form(browser, **fields) -> dict:
    form = {
        **tokens(browser, "/console/notices/new"),
        "kind": "policy",
        "category_code": "land",
        "title": "Dự thảo quy định hỗ trợ tái định cư",
        "summary": "Lấy ý kiến người dân về mức hỗ trợ.",
        "body": "## Điều 1\n\nMức hỗ trợ **tăng 20%**.",
        "ward_codes": [str(HAI_CHAU)],
        "consultation_closes_at": "",
    }
    return {**form, **fields}


def notices_stored(db) -> int:
    return db.scalar(select(func.count()).select_from(Notice))


def test_a_refused_form_shows_each_error_beside_its_field_keeps_the_text_and_stores_nothing(
    app, db, staff, categories
):
    browser = signed_in(app, staff["editor_a"])
    typed = "## Điều 1\n\nMột đoạn văn dài đã gõ."
    response = browser.post(
        "/console/notices/new",
        data=notice_form(
            browser, title="", body=typed, ward_codes=[], consultation_closes_at="2020-01-01T08:00"
        ),
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="title" name="title" value=""' in text and 'aria-describedby="title-error"' in text
    assert re.search(r'id="title-error" class="error">.*Nhập từ 1 đến 200 ký tự', text)
    assert re.search(r'id="targets-error" class="error">.*chọn toàn tỉnh hoặc ít nhất một xã', text)
    assert re.search(r'id="consultation_closes_at-error" class="error">.*trong tương lai', text)
    assert "Một đoạn văn dài đã gõ." in text and 'value="2020-01-01T08:00"' in text
    assert "Chưa lưu" in text
    assert notices_stored(db) == 0


def test_the_preview_is_the_apis_sanitised_html(app, staff, categories):
    browser = signed_in(app, staff["editor_a"])
    token = csrf_token(browser, "/console/notices/new")
    html = browser.post("/console/notices/preview", data={"csrf_token": token, "body": HOSTILE}).get_data(
        True
    )
    assert "<h2>Điều 1</h2>" in html and "<strong>tăng 20%</strong>" in html
    # Typed tags come out as text, exactly as the apps get them (services/core/markup.py); nothing runs.
    assert "<script" not in html and "&lt;script&gt;" in html and 'href="javascript' not in html
    without_script = browser.post(
        "/console/notices/new", data=notice_form(browser, body=HOSTILE, action="preview")
    )
    assert without_script.status_code == 200 and "<h2>Điều 1</h2>" in without_script.get_data(True)


def test_only_the_moves_the_stage_allows_are_offered_and_another_is_refused(app, db, staff, write):
    draft = write()
    browser = signed_in(app, staff["editor_a"])
    page = browser.get(f"/console/notices/{draft['id']}").get_data(as_text=True)
    offered = re.findall(r'name="to" value="(\w+)"', page)
    assert offered == ["consultation"]
    refused = browser.post(
        f"/console/notices/{draft['id']}/stage",
        data={**tokens(browser, f"/console/notices/{draft['id']}"), "to": "in_effect"},
    )
    assert refused.status_code == 409
    assert db.get(Notice, draft["id"]).stage == "draft"

    moved = browser.post(
        f"/console/notices/{draft['id']}/stage",
        data={**tokens(browser, f"/console/notices/{draft['id']}"), "to": "consultation"},
    )
    assert moved.status_code == 302
    page = browser.get(f"/console/notices/{draft['id']}").get_data(as_text=True)
    assert re.findall(r'name="to" value="(\w+)"', page) == ["adopted", "archived"]


def test_an_officer_reads_but_has_no_buttons_and_another_department_gets_the_404_page(
    app, staff, citizen, write, move
):
    draft = move(write(), "consultation")
    sent = citizen.post(f"{NOTICES}/{draft['id']}/comments", json={"body": "Đồng ý với dự thảo"}).get_json()
    officer = signed_in(app, staff["officer_a"]).get(f"/console/notices/{draft['id']}")
    assert officer.status_code == 200
    assert "<strong>tăng 20%</strong>" in officer.get_data(True) and 'name="to"' not in officer.get_data(True)
    other = signed_in(app, staff["officer_b"])
    for url in (f"/console/notices/{draft['id']}", f"/console/consultation/{draft['id']}/report"):
        response = other.get(url)
        assert response.status_code == 404
        assert "Trang này không tồn tại" in response.get_data(as_text=True)
    assert draft["title"] not in other.get("/console/notices").get_data(as_text=True)
    assert sent["body"] not in other.get("/console/consultation").get_data(as_text=True)
    moderate = f"/console/consultation/{draft['id']}/comments/{sent['id']}/moderate"
    token = csrf_token(other, "/console/consultation")
    assert (
        other.post(
            moderate, data={"csrf_token": token, "once": str(uuid.uuid4()), "status": "published"}
        ).status_code
        == 404
    )

    viewer = signed_in(app, staff["viewer_a"]).get(f"/console/consultation?notice={draft['id']}")
    assert sent["body"] in viewer.get_data(True) and "/moderate" not in viewer.get_data(True)


def test_a_form_without_its_csrf_token_is_refused_and_stores_nothing(app, db, staff, categories):
    browser = signed_in(app, staff["editor_a"])
    form = notice_form(browser)
    del form["csrf_token"]
    response = browser.post("/console/notices/new", data=form)
    assert response.status_code == 400
    assert notices_stored(db) == 0


def test_an_edit_of_a_public_notice_is_listed_as_a_version_with_what_changed(app, staff, write, move):
    notice = move(write(), "consultation")
    browser = signed_in(app, staff["editor_a"])
    url = f"/console/notices/{notice['id']}"
    form = notice_form(browser, title="Dự thảo (sửa đổi)", consultation_closes_at="")
    form.update(tokens(browser, url))
    page = browser.get(url).get_data(as_text=True)
    form["consultation_closes_at"] = re.search(r'name="consultation_closes_at"\s+value="([^"]*)"', page)[1]
    form["body"] = notice["body"]
    assert browser.post(url, data=form).status_code == 302
    page = browser.get(url).get_data(as_text=True)
    assert "Đây là phiên bản 2." in page
    assert re.search(r"Phiên bản 1, được thay lúc .+?:\s+thay đổi: Tiêu đề, Tóm tắt", page)


def test_hiding_a_comment_without_a_reason_is_refused_beside_the_comment(
    app, db, staff, citizen, write, move
):
    notice = move(write(), "consultation")
    sent = citizen.post(f"{NOTICES}/{notice['id']}/comments", json={"body": "Quảng cáo bán đất"}).get_json()
    browser = signed_in(app, staff["officer_a"])
    url = f"/console/consultation/{notice['id']}/comments/{sent['id']}/moderate"
    form = {**tokens(browser, "/console/consultation"), "status": "hidden", "reason": ""}
    refused = browser.post(url, data=form)
    assert refused.status_code == 422
    assert re.search(rf'id="reason-{sent["id"]}-error" class="error">.*nêu lý do ẩn', refused.get_data(True))
    assert db.get(NoticeComment, sent["id"]).status == "pending"
    report = browser.get(f"/console/consultation/{notice['id']}/report").get_data(as_text=True)
    assert "(không nêu điều, mục)" in report and "Quảng cáo bán đất" in report


def test_an_editor_writes_a_draft_opens_it_for_comment_and_moderates_the_consultation(
    page, staff, citizen, categories, tmp_path
):
    page.set_default_timeout(5000)
    sign_in_browser(page, staff["editor_a"].principal, path="/console/notices")
    assert_accessible(page)
    page.get_by_role("button", name="Soạn văn bản mới").click()
    page.get_by_label("Loại", exact=True).select_option("policy")
    page.get_by_label("Tiêu đề", exact=True).fill("Dự thảo quy định hỗ trợ tái định cư")
    page.get_by_label("Tóm tắt").fill("Lấy ý kiến người dân về mức hỗ trợ khi thu hồi đất.")
    page.get_by_label("Nội dung (Markdown").fill(HOSTILE)
    preview = page.locator("#body-preview")
    preview.locator("h2", has_text="Điều 1").wait_for()  # the server's sanitised HTML, fetched by the script
    assert preview.locator("strong").inner_text() == "tăng 20%"
    assert preview.locator("script").count() == 0 and preview.locator("a[href^=javascript]").count() == 0
    assert page.evaluate("window.pwned") is None
    page.get_by_label("Tìm xã, phường").fill("hai chau")  # without diacritics
    page.get_by_label("Hải Châu").check()
    page.get_by_label("Hạn nhận góp ý").fill(f"{date.today() + timedelta(days=14)}T17:00")
    page.get_by_label("Nội dung (Markdown").fill(CLEAN)  # what the officers' guide shows
    preview.locator("li", has_text="Hộ gia đình").wait_for()
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "notice-form", full_page=True)
    page.get_by_role("button", name="Lưu dự thảo").click()
    assert page.get_by_role("heading", name="Dự thảo quy định hỗ trợ tái định cư").is_visible()
    assert "Đã lưu dự thảo" in page.get_by_role("status").inner_text()

    pdf = tmp_path / "du-thao.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("Đính kèm tài liệu PDF").set_input_files(str(pdf))
    page.get_by_role("button", name="Tải lên").click()
    assert page.get_by_role("link", name="Tài liệu 1 (PDF)").is_visible()
    assert_accessible(page)
    assert_fits(page)

    page.locator("summary", has_text="Lấy ý kiến").click()  # opens the confirmation
    push = page.locator("details[open] figure.push").inner_text()
    assert "Lấy ý kiến dự thảo: Dự thảo quy định hỗ trợ tái định cư" in push  # services/outbox/texts.py
    page.get_by_role("button", name="Xác nhận: Lấy ý kiến").click()
    assert "Đang lấy ý kiến" in page.locator("dl.facts").inner_text()
    notice_id = page.url.rsplit("/", 1)[1]

    spam, question = (
        citizen.post(f"{NOTICES}/{notice_id}/comments", json={"body": body, "section": "Điều 1"}).get_json()
        for body in ("Mua bán đất giá rẻ, gọi ngay", "Mức hỗ trợ thuê nhà là bao nhiêu?")
    )
    page.goto("/console/notices")
    assert "2 góp ý" in page.locator("ol.notices").inner_text()
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "notices", full_page=True)

    page.get_by_role("link", name="Lấy ý kiến", exact=True).click()
    spam_card, question_card = (
        page.locator(f"#comment-{spam['id']}"),
        page.locator(f"#comment-{question['id']}"),
    )
    assert page.locator("ol.comments article").first.get_attribute("id") == f"comment-{question['id']}"
    spam_card.locator("summary", has_text="Ẩn").click()
    spam_card.get_by_label("Lý do ẩn").fill("Quảng cáo")
    spam_card.get_by_role("button", name="Xác nhận ẩn góp ý").click()
    assert "Lý do ẩn: Quảng cáo" in page.locator(f"#comment-{spam['id']}").inner_text()

    question_card.locator("summary", has_text="Trả lời công khai").click()
    question_card.get_by_label("Trả lời (công khai").fill("Mức hỗ trợ là 3 triệu đồng mỗi tháng.")
    push = question_card.locator("figure.push")
    assert "Cơ quan soạn thảo đã trả lời góp ý của bạn" in push.inner_text()
    assert "Mức hỗ trợ là 3 triệu đồng mỗi tháng." in push.inner_text()
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "consultation", full_page=True)
    question_card.get_by_role("button", name="Đăng trả lời").click()
    assert "Mức hỗ trợ là 3 triệu đồng mỗi tháng." in page.locator(f"#comment-{question['id']}").inner_text()

    page.goto(f"/console/consultation/{notice_id}/report")
    assert_accessible(page)
    assert_fits(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải báo cáo").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert [(r["status"], r["comment"], r["reply"], r["hidden_reason"]) for r in rows] == [
        ("hidden", "Mua bán đất giá rẻ, gọi ngay", "", "Quảng cáo"),
        ("published", "Mức hỗ trợ thuê nhà là bao nhiêu?", "Mức hỗ trợ là 3 triệu đồng mỗi tháng.", ""),
    ]


def test_documents_up_to_10_mb_are_attached_and_a_file_that_is_no_pdf_is_refused_beside_the_field(
    app, db, staff, write
):
    draft = write()
    browser = signed_in(app, staff["editor_a"])
    url = f"/console/notices/{draft['id']}"

    def send(data: bytes, name: str):
        form = {**tokens(browser, url), "file": (io.BytesIO(data), name)}
        return browser.post(f"{url}/documents", data=form, content_type="multipart/form-data")

    large = PDF + b"%" + b"0" * (2 * 1024 * 1024) + b"\n"  # over the app's 1 MB limit for other bodies
    assert send(large, "du-thao.pdf").status_code == 302
    refused = send(b"not a document", "ghi-chu.txt")
    assert refused.status_code == 422
    assert re.search(r'id="file-error" class="error">.*Vui lòng gửi tài liệu PDF', refused.get_data(True))
    [document] = db.get(Notice, draft["id"]).attachments
    assert document.size == len(large)

    page = browser.get(url).get_data(as_text=True)
    remove = re.search(r'action="([^"]+/remove)"', page)[1]
    assert browser.post(remove, data=tokens(browser, url)).status_code == 302
    db.expire_all()
    assert db.get(Notice, draft["id"]).attachments == []


def test_an_admin_writes_for_the_department_picked_and_sees_every_departments_notices(
    app, db, staff, categories, department_a, write
):
    theirs = write()
    browser = signed_in(app, staff["admin"])
    assert theirs["title"] in browser.get("/console/notices").get_data(as_text=True)
    form = notice_form(
        browser, department_id=str(department_a.id), kind="announcement", title="Lịch tiếp dân"
    )
    created = browser.post("/console/notices/new", data=form)
    assert created.status_code == 302
    [notice] = db.scalars(select(Notice).where(Notice.title == "Lịch tiếp dân"))
    assert (notice.department_id, notice.kind, notice.stage) == (department_a.id, "announcement", "draft")
    page = browser.get(created.headers["Location"]).get_data(as_text=True)
    assert re.findall(r'name="to" value="(\w+)"', page) == ["published"]


def test_a_form_sent_twice_acts_once(app, db, staff, categories):
    browser = signed_in(app, staff["editor_a"])
    form = notice_form(browser)
    first = browser.post("/console/notices/new", data=form)
    assert first.status_code == 302
    again = browser.post("/console/notices/new", data=form, headers={"Referer": "/console/notices/new"})
    assert again.status_code == 302 and again.headers["Location"] == "/console/notices/new"
    assert notices_stored(db) == 1
    page = browser.get(again.headers["Location"]).get_data(as_text=True)
    assert "Biểu mẫu này đã được gửi" in page

    url = first.headers["Location"]
    upload = {**tokens(browser, url), "file": (io.BytesIO(PDF), "du-thao.pdf")}
    assert (
        browser.post(f"{url}/documents", data=upload, content_type="multipart/form-data").status_code == 302
    )
    upload["file"] = (io.BytesIO(PDF), "du-thao.pdf")
    browser.post(f"{url}/documents", data=upload, content_type="multipart/form-data")
    assert len(db.scalar(select(Notice)).attachments) == 1


def test_lists_answer_a_forged_cursor_with_their_first_page_and_say_so(app, staff, write):
    draft = write()
    browser = signed_in(app, staff["editor_a"])
    for url in ("/console/notices?cursor=forged", "/console/consultation?cursor=forged&notice=nonsense"):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert "Một số điều kiện lọc không hợp lệ" in response.get_data(as_text=True)
    assert draft["title"] in browser.get("/console/notices?cursor=forged").get_data(as_text=True)
