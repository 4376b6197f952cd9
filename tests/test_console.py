"""The console's foundation without a browser: its cookie, the sign-in limit it shares with the API,
where it sends people back to, its language and how it writes dates and deadlines, and the inbox's
filters and counts in the service the API and the console share."""

import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from api.console import i18n
from services.core.deadlines import LOCAL
from services.feedback import intake
from services.identity.principals import Principal
from tests.conftest import PASSWORD, TEST_SECRET
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit

LOGIN = "/console/login"


def csrf_token(browser, path=LOGIN) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', browser.get(path).get_data(as_text=True))[1]


def sign_in(browser, email, password=PASSWORD, **extra):
    form = {"email": email, "password": password, "csrf_token": csrf_token(browser), **extra}
    return browser.post(LOGIN, data=form)


def test_the_session_cookie_is_http_only_same_site_and_secure_outside_development(make_app):
    for env, secure in (("development", False), ("production", True)):
        response = make_app(APP_ENV=env).test_client().get(LOGIN)
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def test_wrong_passwords_at_the_console_count_toward_the_apis_sign_in_limit(make_app, staff):
    app = make_app(RATE_LIMIT_SIGN_IN="3 per minute")
    browser = app.test_client()
    email = staff["officer_a"].principal.email
    for _ in range(3):
        refused = sign_in(browser, email, "wrong password")
        assert refused.status_code == 401
        assert "Sai email hoặc mật khẩu." in refused.get_data(as_text=True)
    locked = sign_in(browser, email)
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.get_data(as_text=True)
    api = app.test_client().post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert api.status_code == 429


def session_token(browser, user, issued_ago: timedelta, ttl=3600):
    """Put a staff token issued `issued_ago` into the browser's console session."""
    issued = datetime.now(UTC) - issued_ago
    claims = {"sub": str(user.id), "role": user.role, "ver": user.token_version}
    lifetime = {"iat": issued, "exp": issued + timedelta(seconds=ttl)}
    token = jwt.encode({**claims, **lifetime}, TEST_SECRET, "HS256")
    with browser.session_transaction("/console/") as cookie_session:
        cookie_session["token"] = token
    return token


def test_a_session_in_use_is_renewed_and_an_idle_one_ends_with_a_way_back(app, staff):
    officer = staff["officer_a"].principal
    browser = app.test_client()
    old = session_token(browser, officer, timedelta(minutes=40))
    assert browser.get("/console/feedback").status_code == 200
    with browser.session_transaction("/console/") as cookie_session:
        assert cookie_session["token"] != old  # renewed: another hour from now

    session_token(browser, officer, timedelta(minutes=61))
    expired = browser.get("/console/feedback?status=all")
    assert expired.status_code == 302
    assert expired.headers["Location"] == "/console/login?next=/console/feedback?status%3Dall"
    back = sign_in(browser, officer.email, next="/console/feedback?status=all")
    assert back.headers["Location"] == "/console/feedback?status=all"


@pytest.mark.parametrize("target", ["https://evil.example/console/", "//evil.example/x", "/api/v1/users"])
def test_signing_in_only_ever_returns_to_a_console_page(app, staff, target):
    response = sign_in(app.test_client(), staff["officer_a"].principal.email, next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/console/feedback"


def test_the_language_follows_the_browser_until_the_user_picks_one(app):
    browser = app.test_client()
    assert "Đăng nhập" in browser.get(LOGIN).get_data(as_text=True)
    english = browser.get(LOGIN, headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Sign in" in english
    token = csrf_token(browser)
    browser.post("/console/language", data={"lang": "vi", "next": LOGIN, "csrf_token": token})
    kept = browser.get(LOGIN, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="vi">' in kept


def test_filters_that_make_no_sense_are_left_out_and_said_so(app, staff, citizen, road_form):
    item = submit(citizen)
    browser = app.test_client()
    sign_in(browser, staff["officer_a"].principal.email)
    for query in ("q=%00", "status=lost", "ward_code=abc", "cursor=not-a-cursor%1F"):
        page = browser.get(f"/console/feedback?{query}")
        assert page.status_code == 200, query
        text = page.get_data(as_text=True)
        assert "Một số điều kiện lọc không hợp lệ" in text and item["tracking_code"] in text


def test_an_admin_picks_the_department(app, staff, citizen, road_form, department_a, department_b):
    item = submit(citizen)
    browser = app.test_client()
    sign_in(browser, staff["admin"].principal.email)
    text = browser.get(f"/console/feedback?department={department_a.id}").get_data(as_text=True)
    assert item["tracking_code"] in text and f'<option value="{department_b.id}"' in text
    other = browser.get(f"/console/feedback?department={department_b.id}").get_data(as_text=True)
    assert item["tracking_code"] not in other


@pytest.mark.parametrize(
    ("language", "expected"),
    [("vi", "14:05 thứ Ba, 24/11/2026"), ("en", "14:05 Tuesday, 24/11/2026")],
)
def test_dates_are_written_as_an_office_writes_them(app, language, expected):
    with app.test_request_context(LOGIN, headers={"Accept-Language": language}):
        assert i18n.when(datetime(2026, 11, 24, 7, 5, tzinfo=UTC)) == expected


def test_deadlines_are_told_in_working_days(app):
    thursday = datetime(2026, 11, 19, 10, 0, tzinfo=LOCAL)
    with app.test_request_context(LOGIN, headers={"Accept-Language": "vi"}):
        # Fri 20 and Mon 23 to go (Tue 24 is a holiday): the deadline is Monday's close of business.
        assert i18n.deadline("received", datetime(2026, 11, 23, 17, 30, tzinfo=LOCAL), thursday) == (
            False,
            "còn 2 ngày làm việc",
        )
        assert i18n.deadline("assigned", datetime(2026, 11, 17, 17, 30, tzinfo=LOCAL), thursday) == (
            True,
            "quá hạn 2 ngày",
        )
        assert i18n.deadline("answered", datetime(2026, 11, 17, 17, 30, tzinfo=LOCAL), thursday) == (
            False,
            "",
        )
    with app.test_request_context(LOGIN, headers={"Accept-Language": "en"}):
        assert i18n.deadline("received", datetime(2026, 11, 20, 17, 30, tzinfo=LOCAL), thursday) == (
            False,
            "1 working day left",
        )


def test_every_text_of_the_console_has_its_vietnamese_translation():
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2),
                "lazy_pgettext": ((1, "c"), 2), "pgettext": ((1, "c"), 2)}  # fmt: skip
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    texts = {
        (message[2] if isinstance(message[2], str) else message[2][0], message[4])
        for message in extract_from_dir(i18n.CATALOGUES.parent, method_map, keywords=keywords)
    }
    with (i18n.CATALOGUES / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    untranslated = {t for t in texts if not catalogue.get(*t) or not catalogue.get(*t).string}
    assert texts and not untranslated
    obsolete = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalogue if m.id} - texts
    assert not obsolete, "translations of texts the console no longer has"


def test_the_inbox_filters_by_category_commune_and_assignee_and_counts_per_status(
    db, sql, staff, citizen, department_a, make_category, road_form
):
    first, second = submit(citizen), submit(citizen, ward_code=20209)
    officer = staff["officer_a"]
    staff["editor_a"].post(
        f"/api/v1/feedback/{second['id']}/assign", json={"user_id": str(officer.principal.id)}
    )
    principal = Principal(kind="staff", user=officer.principal)

    def codes(**filters):
        return [f.tracking_code for f in intake.inbox(db, principal, department_a.id, **filters).items]

    assert codes(ward_code=20209) == [second["tracking_code"]]
    assert codes(assignee_id=officer.principal.id) == [second["tracking_code"]]
    assert sorted(codes(status=("received", "assigned"))) == sorted(
        [first["tracking_code"], second["tracking_code"]]
    )
    assert codes(category="roads") and codes(category="water") == []
    sql("UPDATE feedback SET due_at = now() - interval '1 day' WHERE id = :id", id=second["id"])
    counts = {"received": 1, "assigned": 1, "overdue": 1}
    assert intake.inbox_counts(db, principal, department_a.id) == counts
    assert intake.inbox_counts(db, principal, department_a.id, q="no such words") == {"overdue": 0}
