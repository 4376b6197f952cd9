"""Administration of the feedback forms in the console: in a real browser, an admin builds a form with a
choice field in the editor, sees it in the phone preview and saves it, and a citizen's submission
through the API is checked against it; with the Flask test client, the editor's steps without
JavaScript, what a save refuses and keeps, who may use the pages, refused and repeated forms, the audit
log and the new version a used form gets."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot, sign_in
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import DA_NANG, HAI_CHAU, submit
from tests.test_console import csrf_token
from tests.test_console import sign_in as sign_in_client

FORMS = "/console/admin/forms"


def editor_form(**overrides) -> dict:
    """The editor's page as an admin fills it in: a title, the roads category, Đà Nẵng, and a choice."""
    return {
        "slug": "tree-fallen",
        "title_vi": "Cây đổ",
        "title_en": "Fallen tree",
        "category_code": "roads",
        "active": "on",
        "province": str(DA_NANG),
        "field": ["0", "1"],
        "f-0-name": "where",
        "f-0-label_vi": "Địa điểm",
        "f-0-type": "text",
        "f-0-required": "on",
        "f-0-max_length": "200",
        "f-1-name": "size",
        "f-1-label_vi": "Kích thước",
        "f-1-type": "choice",
        "f-1-option": ["0", "1"],
        "f-1-o-0-value": "small",
        "f-1-o-0-vi": "Cành nhỏ",
        "f-1-o-1-value": "large",
        "f-1-o-1-vi": "Cả cây",
        "op": "save",
        **overrides,
    }


@pytest.fixture
def console_admin(app, staff):
    browser = app.test_client()
    sign_in_client(browser, staff["admin"].principal.email)
    return browser


def post(browser, path, data):
    """Send the page's form with its CSRF token and its one-time token (api/console/once.py)."""
    return browser.post(
        path, data={"once": str(uuid.uuid4()), **data, "csrf_token": csrf_token(browser, FORMS)}
    )


def form_count(sql) -> int:
    return sql("SELECT count(*) FROM forms").scalar()


def test_the_editors_buttons_work_without_javascript_and_store_nothing(console_admin, feedback_category, sql):
    added = post(console_admin, f"{FORMS}/new", editor_form(op="add"))
    assert added.status_code == 200
    page = added.get_data(as_text=True)
    assert 'name="f-2-name" value="q1"' in page and 'id="f2-label_vi"' in page
    assert re.search(r'id="f2-label_vi"[^>]*autofocus', page)  # the new question is where the keyboard is

    moved = post(console_admin, f"{FORMS}/new", editor_form(op="up-1")).get_data(as_text=True)
    assert moved.index('value="size"') < moved.index('value="where"')
    assert re.search(r'id="f0-down"[^>]*autofocus', moved)
    assert 'value="Cành nhỏ"' in moved and 'value="Cây đổ"' in moved  # everything typed kept

    option = post(console_admin, f"{FORMS}/new", editor_form(op="add-option-1")).get_data(as_text=True)
    assert 'name="f-1-o-2-value" value=""' in option
    removed = post(console_admin, f"{FORMS}/new", editor_form(op="remove-0")).get_data(as_text=True)
    assert 'value="where"' not in removed and 'name="f-0-name" value="size"' in removed
    assert form_count(sql) == 0


def test_the_preview_shows_the_questions_as_a_phone_does_in_vietnamese(console_admin, feedback_category):
    console_admin.post(
        "/console/language", data={"lang": "en", "csrf_token": csrf_token(console_admin, FORMS)}
    )
    page = post(console_admin, f"{FORMS}/new", editor_form(op="preview")).get_data(as_text=True)
    preview = page[page.index('id="form-preview"') :]
    assert "Add a question" in page  # the editor in English…
    assert "Gửi phản ánh" in preview  # …the phone in Vietnamese
    assert re.search(r'type="radio" name="preview-1" value="large"> Cả cây', preview)
    assert 'id="preview-0" type="text"' in preview and "Địa điểm" in preview


def test_a_saved_form_is_listed_with_its_place_version_and_submissions(console_admin, feedback_category, sql):
    saved = post(console_admin, f"{FORMS}/new", editor_form())
    assert saved.status_code == 302 and saved.headers["Location"] == FORMS
    listed = console_admin.get(FORMS).get_data(as_text=True)
    assert "Biểu mẫu tree-fallen đã được lưu (phiên bản 1)." in listed
    row = re.search(
        r"<tr>\s*<td><a href=\"/console/admin/forms/tree-fallen\">Cây đổ</a>.*?</tr>", listed, re.S
    )[0]
    cells = [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
    ]
    assert cells[1:] == ["Danh mục roads", "Thành phố Đà Nẵng", "1", "✓ Có", "0"]
    spec = sql("SELECT fields FROM form_versions").scalar()
    assert spec[1] == {
        "name": "size",
        "label": {"vi": "Kích thước", "en": ""},
        "type": "choice",
        "required": False,
        "options": [
            {"value": "small", "label": {"vi": "Cành nhỏ", "en": ""}},
            {"value": "large", "label": {"vi": "Cả cây", "en": ""}},
        ],
    }
    assert spec[0]["max_length"] == 200


def test_bad_questions_are_named_beside_their_inputs_and_nothing_is_stored(
    console_admin, feedback_category, sql
):
    refused = post(
        console_admin,
        f"{FORMS}/new",
        editor_form(**{"f-1-name": "where", "f-0-label_vi": "", "f-1-option": [], "title_vi": "Cây đổ\x00"}),
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Chưa lưu:" in page
    assert re.search(r'id="title_vi-error">.*Có ký tự không phải văn bản\.', page)
    text_refused = post(
        console_admin,
        f"{FORMS}/new",
        editor_form(**{"f-1-name": "where", "f-0-label_vi": "", "f-1-option": []}),
    )
    page = text_refused.get_data(as_text=True)
    assert re.search(r'id="f0-label_vi-error">.*Bắt buộc nhập, tối đa 200 ký tự', page)
    assert 'value="Kích thước"' in page and 'value="Cây đổ"' in page  # kept as typed
    assert form_count(sql) == 0
    # The service's rules on the field list (answered once the schema's are met).
    duplicate = post(console_admin, f"{FORMS}/new", editor_form(**{"f-1-name": "where", "f-1-option": []}))
    page = duplicate.get_data(as_text=True)
    assert duplicate.status_code == 422
    assert re.search(r'id="f1-name-error">.*Mã này đã dùng cho câu hỏi khác\.', page)
    assert re.search(r'id="f1-options-error">.*Câu hỏi lựa chọn cần ít nhất một lựa chọn\.', page)
    assert form_count(sql) == 0


def test_places_outside_the_listed_province_are_kept_unless_unticked(
    console_admin, make_form, feedback_category, sql
):
    make_form(targets={"province_codes": [DA_NANG, 1], "ward_codes": [HAI_CHAU]})
    page = console_admin.get(f"{FORMS}/road-damage").get_data(as_text=True)
    assert re.search(r'name="province_codes" value="48" checked> Thành phố Đà Nẵng', page)
    assert re.search(
        rf'name="ward_codes" value="{HAI_CHAU}" checked> Phường Hải Châu, Thành phố Đà Nẵng', page
    )
    kept = editor_form(province="1", province_codes=[str(DA_NANG)], ward_codes=[str(HAI_CHAU)])
    del kept["slug"]
    assert post(console_admin, f"{FORMS}/road-damage", kept).status_code == 302
    targets = sql("SELECT targets FROM forms").scalar()
    assert (targets["province_codes"], targets["ward_codes"]) == ([1, DA_NANG], [HAI_CHAU])
    narrowed = {**kept, "province_codes": []}
    assert post(console_admin, f"{FORMS}/road-damage", narrowed).status_code == 302
    targets = sql("SELECT targets FROM forms").scalar()
    assert (targets["province_codes"], targets["ward_codes"]) == ([1], [HAI_CHAU])


def test_the_pages_are_for_admins_only(app, staff, feedback_category, sql):
    officer = app.test_client()
    sign_in_client(officer, staff["officer_a"].principal.email)
    assert "/console/admin" not in officer.get("/console/alerts").get_data(as_text=True)
    assert officer.get(FORMS).status_code == 403
    assert officer.get("/console/admin").status_code == 403
    assert post(officer, f"{FORMS}/new", editor_form()).status_code == 403
    assert post(officer, f"{FORMS}/new", editor_form(op="add")).status_code == 403
    assert form_count(sql) == 0
    admin = app.test_client()
    sign_in_client(admin, staff["admin"].principal.email)
    assert admin.get(f"{FORMS}/no-such-form").status_code == 404
    assert "Biểu mẫu phản ánh" in admin.get("/console/admin").get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(console_admin, feedback_category, sql):
    refused = console_admin.post(f"{FORMS}/new", data={**editor_form(), "once": str(uuid.uuid4())})
    assert refused.status_code == 400
    assert form_count(sql) == 0


def test_a_form_sent_twice_saves_once(console_admin, feedback_category, sql):
    data = editor_form(once=str(uuid.uuid4()))
    assert post(console_admin, f"{FORMS}/new", data).status_code == 302
    again = post(console_admin, f"{FORMS}/new", data)
    assert again.status_code == 302
    assert form_count(sql) == 1
    assert "chỉ được thực hiện một lần" in console_admin.get(FORMS).get_data(as_text=True)


def test_saving_a_used_form_makes_version_2_and_old_submissions_keep_version_1(
    console_admin, road_form, citizen, sql, staff
):
    first = submit(citizen)
    page = console_admin.get(f"{FORMS}/road-damage").get_data(as_text=True)
    assert "Lưu thành phiên bản mới (đã có 1 phản ánh theo phiên bản cũ)." in page
    assert "Lưu thành phiên bản mới</button>" in page

    draft = {
        "title_vi": "Phản ánh hư hỏng đường",
        "category_code": "roads",
        "active": "on",
        "province": str(DA_NANG),
        "field": ["0"],
        "f-0-name": "where",
        "f-0-label_vi": "Ở đâu?",
        "f-0-type": "text",
        "op": "save",
    }
    assert post(console_admin, f"{FORMS}/road-damage", draft).status_code == 302
    assert sql("SELECT version FROM forms").scalar() == 2
    versions = sql(
        "SELECT v.version FROM feedback f JOIN form_versions v ON v.id = f.form_version_id WHERE f.id = :id",
        id=first["id"],
    ).scalar()
    assert versions == 1
    listed = console_admin.get(FORMS).get_data(as_text=True)
    assert re.search(
        r"<td>2</td>\s*<td>.*Có</td>\s*<td>1 <small>\(0 theo phiên bản này\)</small></td>", listed
    )
    # The change is in the audit log, by the admin: the form's new version and what it asks.
    logged = sql(
        "SELECT action, before, after FROM audit_events"
        " WHERE entity IN ('forms', 'form_versions') AND actor_id = :id ORDER BY id DESC LIMIT 2",
        id=str(staff["admin"].principal.id),
    ).all()
    (asked, _, new_version), (changed, before, after) = logged
    assert (changed, before["version"], after["version"]) == ("form.update", 1, 2)
    assert (asked, new_version["version"]) == ("form_version.create", 2)
    assert [field["label"]["vi"] for field in new_version["fields"]] == ["Ở đâu?"]
    assert submit(citizen, expect=422, answers={"where": "Đường Bạch Đằng", "kind": "pothole"})


def test_an_admin_builds_a_form_with_a_choice_and_a_citizen_answers_it(
    page, live_server, staff, feedback_category, citizen, sql
):
    sign_in(page, staff["admin"].principal, path=FORMS)
    page.get_by_role("link", name="Biểu mẫu mới").click()
    assert_accessible(page)
    page.get_by_label("Tên ngắn trong địa chỉ").fill("tree-fallen")
    page.get_by_label("Tiêu đề (tiếng Việt)").fill("Cây đổ")
    page.get_by_label("Lĩnh vực").select_option("roads")
    page.get_by_label("Tỉnh, thành phố").select_option(str(DA_NANG))
    page.get_by_label("Câu hỏi (tiếng Việt)").fill("Địa điểm")
    page.get_by_label("Mã trong câu trả lời").fill("where")
    page.get_by_label("Bắt buộc trả lời").check()

    page.get_by_role("button", name="Thêm câu hỏi").click()
    second = page.locator("#f1")
    expect(page.locator("#f1-label_vi")).to_be_focused()
    page.locator("#f1-label_vi").fill("Kích thước")
    page.locator("#f1-name").fill("size")
    page.locator("#f1-type").select_option("choice")
    page.locator("#f1-add-option").click()
    page.locator("#f1-o0-value").fill("small")
    page.locator("#f1-o0-vi").fill("Cành nhỏ")
    page.locator("#f1-add-option").click()
    page.locator("#f1-o1-value").fill("large")
    page.locator("#f1-o1-vi").fill("Cả cây")
    second.get_by_role("button", name="Lên").focus()
    page.keyboard.press("Enter")  # by keyboard: the focus follows the question moved
    expect(page.locator("#f0-name")).to_have_value("size")
    expect(page.locator("#f0-down")).to_be_focused()
    # And by dragging its handle (both questions in sight): back below, numbered again.
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.locator("#f1 .handle").hover()
    page.mouse.down()
    target = page.locator("#f0").bounding_box()
    page.mouse.move(target["x"] + 20, target["y"] + 20, steps=5)
    page.mouse.up()
    expect(page.locator("#f0-name")).to_have_value("where")
    expect(page.locator("#f1-legend")).to_contain_text("Câu hỏi 2: Kích thước")
    page.set_viewport_size({"width": 1280, "height": 860})

    preview = page.locator("#form-preview")
    expect(preview).to_have_attribute("aria-busy", "false")  # the last change is shown
    expect(preview.get_by_role("radio", name="Cả cây")).to_be_visible()
    expect(preview.get_by_role("group", name="Kích thước")).to_be_visible()
    assert preview.locator(".phone").evaluate("phone => phone.getBoundingClientRect().width") == 360
    assert_accessible(page)
    assert_fits(page)
    page.locator("#form-fields").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('form-fields').scrollIntoView()")  # the preview stays in sight
    screenshot(page, "admin-form-editor")

    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Biểu mẫu tree-fallen đã được lưu (phiên bản 1).")
    expect(page.get_by_role("cell", name="Đà Nẵng")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "admin-forms")

    answers = {"size": "large", "where": "Đường Bạch Đằng"}
    body = {"form": "tree-fallen", "province_code": DA_NANG, "ward_code": HAI_CHAU}
    accepted = citizen.post("/api/v1/feedback", json={**body, "answers": answers})
    assert accepted.status_code == 201, accepted.get_json()
    refused = citizen.post("/api/v1/feedback", json={**body, "answers": {**answers, "size": "medium"}})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["answers"] == {"size": ["Not one of the options."]}
