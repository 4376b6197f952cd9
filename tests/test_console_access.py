"""The console's access administration: users, API keys, webhooks, deliveries and the audit log.

In a real browser, an admin makes an API key for a department and sees it once, the key reads the
department's inbox through the API, and the list never shows it again; an admin registers a webhook
to a local receiver and its test ping arrives signed as docs/webhooks.md says. With the Flask test
client: who is refused, forged and repeated forms, a deactivated user's session, secrets kept out of
URLs, cookies and caches, and every action on the audit page."""

import hashlib
import hmac
import json
import re
import uuid

import pytest
from sqlalchemy import select

from api import worker as outbox_worker
from services import outbox
from services.models import ApiKey, User, Webhook
from services.webhooks import registry, wiring
from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot, sign_in
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit
from tests.push_fixtures import SETTINGS
from tests.test_console import csrf_token
from tests.test_console import sign_in as sign_in_client
from tests.webhook_receiver import Receiver

ADMIN = "/console/admin"


@pytest.fixture
def webhooks_on(app, monkeypatch):
    """Plain http to 127.0.0.1, as the tests' receiver listens."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    wiring.install(app.config)
    return app


@pytest.fixture
def admin_console(app, staff):
    browser = app.test_client()
    sign_in_client(browser, staff["admin"].principal.email)
    return browser


def post(browser, path, data=None, once=None, page=ADMIN):
    """A form as its `page` sends it: the CSRF token and a one-time token (api/console/once.py)."""
    form = {"once": once or str(uuid.uuid4()), **(data or {}), "csrf_token": csrf_token(browser, ADMIN)}
    return browser.post(path, data=form, headers={"Referer": f"http://localhost{page}"})


def shown_secret(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return re.search(r'id="secret" class="code" value="([^"]+)"', response.get_data(as_text=True))[1]


def run_outbox_once(app, db):
    worker = outbox_worker.make(lambda: db, {wiring.CHANNEL: wiring.channel(app.config)}, SETTINGS)
    worker.run_once()


# ---------------------------------------------------------------- in a browser


def test_an_api_key_made_in_the_console_reads_the_departments_inbox_and_is_never_shown_again(
    page, staff, department_a, citizen, road_form, client
):
    submit(citizen)
    sign_in(page, staff["admin"].principal, path=f"{ADMIN}/api-keys")
    page.get_by_label("Tên (hệ thống nào dùng)").fill("Cổng thông tin Sở Xây dựng")
    page.get_by_label("Đọc phản ánh của cơ quan mình").check()
    page.get_by_label("Cơ quan", exact=True).select_option(label=department_a.name)
    assert_accessible(page)
    page.get_by_role("button", name="Tạo khóa").click()
    key = page.get_by_label("Khóa API").input_value()
    assert key and "Chỉ hiển thị lần này." in page.content()

    inbox = client.get(
        f"/api/v1/departments/{department_a.id}/feedback", headers={"Authorization": f"Bearer {key}"}
    )
    assert inbox.status_code == 200, inbox.get_json()
    assert len(inbox.get_json()["items"]) == 1

    page.goto(f"{ADMIN}/api-keys")
    listed = page.content()
    assert "Cổng thông tin Sở Xây dựng" in listed and key[:10] in listed and key not in listed
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "admin-api-keys", full_page=True)
    page.go_back()  # the page that showed it is not kept
    assert key not in page.content()


def test_a_webhook_made_in_the_console_gets_a_signed_test_ping(page, staff, webhooks_on, db):
    sign_in(page, staff["admin"].principal, path=f"{ADMIN}/webhooks")
    with Receiver() as receiver:
        page.get_by_label("Địa chỉ (URL) của hệ thống nhận").fill(receiver.url())
        page.get_by_label("Phản ánh mới").check()
        assert_accessible(page)
        page.get_by_role("button", name="Tạo webhook").click()
        secret = page.get_by_label("Khóa ký").input_value()
        assert secret.startswith("whsec_")
        page.get_by_role("link", name="Sang webhook và gửi thử").click()
        page.get_by_role("button", name="Gửi thử").click()
        run_outbox_once(webhooks_on, db)
        assert len(receiver.received) == 1
        ping = receiver.received[0]
        stamp = ping.headers["X-Webhook-Timestamp"]
        mac = hmac.new(secret.encode(), stamp.encode() + b"." + ping.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(f"sha256={mac}", ping.headers["X-Signature"])
        assert json.loads(ping.body)["event"] == "ping"
    page.reload()
    assert page.get_by_role("cell", name="Đã gửi").is_visible()
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "admin-webhooks", full_page=True)


def test_an_admin_adds_an_officer_and_finds_it_in_the_list_and_the_audit_log(page, staff, department_a):
    sign_in(page, staff["admin"].principal, path=f"{ADMIN}/users")
    page.get_by_role("link", name="Tài khoản mới").click()
    page.get_by_label("Email").fill("can.bo.moi@danang.gov.vn")
    page.get_by_label("Họ tên").fill("Phạm Thị Dung")
    page.get_by_label("Vai trò").select_option("officer")
    page.get_by_label("Cơ quan").select_option(label=department_a.name)
    assert_accessible(page)
    page.get_by_role("button", name="Tạo tài khoản").click()
    assert page.get_by_label("Mật khẩu").input_value()
    assert_accessible(page)
    page.get_by_role("link", name="Phạm Thị Dung").click()
    assert_accessible(page)
    assert_fits(page)

    page.goto(f"{ADMIN}/users")
    page.get_by_label("Vai trò").select_option("officer")
    page.get_by_role("button", name="Tìm").click()
    listed = page.locator("table").inner_text()
    assert "Phạm Thị Dung" in listed and staff["admin"].principal.email not in listed
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "admin-users", full_page=True)

    page.goto(f"{ADMIN}/audit")
    page.get_by_label("Thao tác (hoặc phần đầu)").fill("user.")
    page.get_by_role("button", name="Lọc").click()
    assert page.get_by_text("user.create").is_visible()
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "admin-audit", full_page=True)

    page.get_by_role("link", name="Quản trị", exact=True).click()
    assert_accessible(page)
    assert_fits(page)
    page.get_by_role("link", name="Kết quả gửi").click()
    assert page.get_by_role("heading", name="Đang chờ gửi").is_visible()
    assert_accessible(page)
    assert_fits(page)


# ---------------------------------------------------------------- with the Flask test client


@pytest.mark.parametrize("role", ["officer_a", "viewer_a", "editor_a"])
def test_staff_who_are_not_admins_are_refused_the_admin_pages_and_see_no_link(app, staff, role):
    browser = app.test_client()
    sign_in_client(browser, staff[role].principal.email)
    for path in ("users", "api-keys", "audit", "deliveries"):
        assert browser.get(f"{ADMIN}/{path}").status_code == 403, path
    refused = post(browser, f"{ADMIN}/api-keys", {"name": "x", "scopes": "feedback:read"})
    assert refused.status_code == 403
    menu = browser.get(ADMIN)
    inbox = browser.get("/console/feedback").get_data(as_text=True)
    if role == "editor_a":  # the API lets editors manage their department's webhooks
        assert menu.status_code == 200 and "Webhook" in menu.get_data(as_text=True)
        assert "Người dùng" not in menu.get_data(as_text=True)
        assert 'href="/console/admin"' in inbox
    else:
        assert menu.status_code == 403 and browser.get(f"{ADMIN}/webhooks").status_code == 403
        assert 'href="/console/admin"' not in inbox


def test_a_form_without_its_csrf_token_changes_nothing(admin_console, db):
    form = {"once": str(uuid.uuid4()), "name": "Forged", "scopes": "feedback:read"}
    refused = admin_console.post(f"{ADMIN}/api-keys", data=form)
    assert refused.status_code == 400
    assert db.scalar(select(ApiKey).where(ApiKey.name == "Forged")) is None


def test_a_form_sent_twice_makes_one_key(admin_console, db):
    once = str(uuid.uuid4())
    form = {"name": "Hệ thống một cửa", "scopes": ["feedback:read", "departments:read"]}
    first = post(admin_console, f"{ADMIN}/api-keys", form, once=once, page=f"{ADMIN}/api-keys")
    shown_secret(first)
    again = post(admin_console, f"{ADMIN}/api-keys", form, once=once, page=f"{ADMIN}/api-keys")
    assert again.status_code == 302 and again.headers["Location"] == f"{ADMIN}/api-keys"
    assert len(db.scalars(select(ApiKey).where(ApiKey.name == "Hệ thống một cửa")).all()) == 1
    listed = admin_console.get(again.headers["Location"]).get_data(as_text=True)
    assert "chỉ được thực hiện một lần" in listed


def test_a_key_without_scopes_is_refused_beside_the_field_and_the_form_keeps_what_was_typed(
    admin_console, db
):
    refused = post(admin_console, f"{ADMIN}/api-keys", {"name": "Cổng dữ liệu"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.search(r'id="scopes-error"', page) and 'value="Cổng dữ liệu"' in page
    assert db.scalar(select(ApiKey).where(ApiKey.name == "Cổng dữ liệu")) is None


def test_a_new_account_gets_a_password_shown_once_that_signs_in(app, admin_console, department_a, db):
    form = {"email": "Chuyen.Vien@danang.gov.vn", "full_name": "Trần Thị B", "role": "officer",
            "department_id": str(department_a.id)}  # fmt: skip
    created = post(admin_console, f"{ADMIN}/users/new", form)
    password = shown_secret(created)
    assert "Set-Cookie" not in created.headers or password not in created.headers["Set-Cookie"]
    user = db.scalar(select(User).where(User.email == "chuyen.vien@danang.gov.vn"))
    assert user.role == "officer" and user.department_id == department_a.id
    assert sign_in_client(app.test_client(), user.email, password).status_code == 302

    taken = post(admin_console, f"{ADMIN}/users/new", form)
    assert taken.status_code == 422
    assert re.search(r'id="email-error"', taken.get_data(as_text=True))
    no_department = post(
        admin_console, f"{ADMIN}/users/new", {**form, "email": "x@danang.gov.vn", "department_id": ""}
    )
    assert no_department.status_code == 422
    assert re.search(r'id="department_id-error"', no_department.get_data(as_text=True))


def test_a_deactivated_users_console_session_ends_after_a_confirmation(app, admin_console, staff, db):
    officer = staff["officer_a"].principal
    theirs = app.test_client()
    sign_in_client(theirs, officer.email)
    assert theirs.get("/console/feedback").status_code == 200

    asked = post(admin_console, f"{ADMIN}/users/{officer.id}/active")
    assert asked.status_code == 200 and "Ngừng hoạt động" in asked.get_data(as_text=True)
    assert theirs.get("/console/feedback").status_code == 200  # not yet

    done = post(admin_console, f"{ADMIN}/users/{officer.id}/active", {"confirmed": "yes"})
    assert done.status_code == 302
    ended = theirs.get("/console/feedback")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/console/login")
    assert sign_in_client(theirs, officer.email).status_code == 401


def test_a_reset_password_is_shown_once_in_the_answer_only(app, admin_console, staff):
    officer = staff["officer_a"].principal
    reset = post(admin_console, f"{ADMIN}/users/{officer.id}/password", {"confirmed": "yes"})
    password = shown_secret(reset)
    assert password not in reset.headers.get("Set-Cookie", "")
    with admin_console.session_transaction("/console/") as cookie_session:
        assert password not in json.dumps(dict(cookie_session), default=str)
    assert password not in admin_console.get(f"{ADMIN}/users/{officer.id}").get_data(as_text=True)
    assert sign_in_client(app.test_client(), officer.email).status_code == 401  # the old one
    assert sign_in_client(app.test_client(), officer.email, password).status_code == 302


def test_an_admin_cannot_lock_themselves_out(admin_console, staff):
    me = staff["admin"].principal
    refused = post(admin_console, f"{ADMIN}/users/{me.id}/active", {"confirmed": "yes"})
    assert refused.status_code == 409
    assert "Quản trị viên không thể" in refused.get_data(as_text=True)


def test_the_user_list_searches_and_filters(admin_console, staff, department_b):
    found = admin_console.get(
        f"{ADMIN}/users", query_string={"role": "officer", "department_id": department_b.id}
    )
    page = found.get_data(as_text=True)
    assert staff["officer_b"].principal.email in page and staff["officer_a"].principal.email not in page
    by_name = admin_console.get(
        f"{ADMIN}/users", query_string={"q": staff["editor_a"].principal.email[:8].upper()}
    )
    assert staff["editor_a"].principal.email in by_name.get_data(as_text=True)


def test_every_admin_action_appears_in_the_audit_log(admin_console, staff, webhooks_on, department_a, db):
    officer = staff["officer_a"].principal
    post(admin_console, f"{ADMIN}/users/new", {"email": "moi@danang.gov.vn", "role": "viewer",
                                                "department_id": str(department_a.id)})  # fmt: skip
    post(admin_console, f"{ADMIN}/users/{officer.id}", {"full_name": "Lê Văn C", "role": "editor",
                                                         "department_id": str(department_a.id)})  # fmt: skip
    post(admin_console, f"{ADMIN}/users/{officer.id}/password", {"confirmed": "yes"})
    post(admin_console, f"{ADMIN}/users/{officer.id}/active", {"confirmed": "yes"})
    post(admin_console, f"{ADMIN}/api-keys", {"name": "Khóa kiểm tra", "scopes": "alerts:read"})
    key = db.scalar(select(ApiKey).where(ApiKey.name == "Khóa kiểm tra"))
    post(admin_console, f"{ADMIN}/api-keys/{key.id}/revoke", {"confirmed": "yes"})
    with Receiver() as receiver:
        post(admin_console, f"{ADMIN}/webhooks", {"url": receiver.url(), "events": "alert.published"})
    hook = db.scalar(select(Webhook))
    post(admin_console, f"{ADMIN}/webhooks/{hook.id}/rotate", {"confirmed": "yes"})
    post(admin_console, f"{ADMIN}/webhooks/{hook.id}/test")
    registry.disable(hook, "Disabled after 20 failed attempts in a row; the last: HTTP 500")
    db.commit()
    shown = admin_console.get(f"{ADMIN}/webhooks/{hook.id}").get_data(as_text=True)
    assert "Disabled after 20 failed attempts in a row; the last: HTTP 500" in shown and "Bật lại" in shown
    assert "Gửi thử" not in shown
    post(admin_console, f"{ADMIN}/webhooks/{hook.id}/enable")
    assert "Gửi thử" in admin_console.get(f"{ADMIN}/webhooks/{hook.id}").get_data(as_text=True)

    log = admin_console.get(f"{ADMIN}/audit").get_data(as_text=True)
    for action in ("user.create", "user.update", "api_key.create", "api_key.revoke", "webhook.create",
                   "webhook.rotate_secret", "webhook.test", "webhook.update"):  # fmt: skip
        assert f">{action}<" in log, action
    assert log.count(">user.update<") == 3  # role, password, deactivation
    admin_email = staff["admin"].principal.email
    mine = admin_console.get(f"{ADMIN}/audit", query_string={"actor": admin_email, "action": "api_key."})
    assert re.findall(r'<strong class="code">([a-z_.]+)</strong>', mine.get_data(as_text=True)) == [
        "api_key.revoke",
        "api_key.create",
    ]
    on_key = admin_console.get(
        f"{ADMIN}/audit", query_string={"entity": "api_keys", "entity_id": str(key.id)}
    )
    assert on_key.get_data(as_text=True).count('<strong class="code">') == 2
    tomorrow = admin_console.get(f"{ADMIN}/audit", query_string={"date_from": "2999-01-01"})
    assert "Không có bản ghi nào khớp." in tomorrow.get_data(as_text=True)


def test_the_deliveries_page_shows_the_outbox_depth_that_metrics_export(admin_console, db, webhooks_on):
    outbox.enqueue(db, wiring.CHANNEL, str(uuid.uuid4()), {"event": "ping"})
    db.commit()
    page = admin_console.get(f"{ADMIN}/deliveries").get_data(as_text=True)
    depth = outbox.backlog(db)[wiring.CHANNEL].depth
    assert re.search(rf"<td>Webhook</td><td>{depth}</td>", page)


def test_the_admin_pages_read_in_english_too(admin_console, staff, webhooks_on, db):
    english = {"lang": "en", "csrf_token": csrf_token(admin_console, ADMIN)}
    admin_console.post("/console/language", data=english)
    with Receiver() as receiver:
        post(admin_console, f"{ADMIN}/webhooks", {"url": receiver.url(), "events": ["alert.published"]})
    hook = db.scalar(select(Webhook))
    officer = staff["officer_a"].principal
    pages = {
        ADMIN: "Administration",
        f"{ADMIN}/users": "Last sign-in",
        f"{ADMIN}/users/{officer.id}": "Reset the password",
        f"{ADMIN}/api-keys": "What the key may do",
        f"{ADMIN}/webhooks": "1 event",
        f"{ADMIN}/webhooks/{hook.id}": "Send a test ping",
        f"{ADMIN}/deliveries": "Waiting to be sent",
        f"{ADMIN}/audit": "webhook.create",
    }
    for path, text in pages.items():
        shown = admin_console.get(path)
        assert shown.status_code == 200 and text in shown.get_data(as_text=True), path
