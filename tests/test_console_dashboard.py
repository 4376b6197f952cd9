"""The dashboard: in a real browser, after a few submissions, an answer, a consultation comment and a
scam report made through the API, every chart is drawn (under the strict CSP), the page passes axe and
fits a phone, and the figures of its tables are the reports API's for the same period; with the Flask
test client, a department's officer sees their own department only, bad dates are a form error, and the
CSV download is the API's CSV."""

import re
from datetime import timedelta

import pytest

from services.core.db import utcnow
from services.core.deadlines import LOCAL
from tests.browser import *  # noqa: F403
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit
from tests.notice_fixtures import *  # noqa: F403
from tests.scam_fixtures import *  # noqa: F403
from tests.scam_fixtures import report
from tests.test_console import sign_in as sign_in_client

DASHBOARD = "/console/dashboard"
CHARTS = (
    "on-time",
    "weeks",
    "overdue",
    "categories",
    "communes",
    "focal-points",
    "policies",
    "communicated",
    "consultation",
    "scams",
    "report-to-alert",
)


def period() -> str:
    """The last 30 days, today included."""
    today = utcnow().astimezone(LOCAL).date()
    return f"from={today - timedelta(days=29)}&to={today}"


@pytest.fixture
def activity(staff, citizen, road_form, write, move, sql):
    """Two feedback to department A (one answered, one overdue), a policy in consultation with a
    citizen's comment, and a scam report: all through the API."""
    answered = submit(citizen)
    late = submit(
        citizen, ward_code=20209, answers={"where": "Cầu Rồng", "kind": "flooding", "details": "Ngập"}
    )
    sql("UPDATE feedback SET due_at = now() - interval '3 days' WHERE id = :id", id=late["id"])
    reply = staff["officer_a"].post(
        f"/api/v1/feedback/{answered['id']}/replies", json={"body": "Đã vá ổ gà."}
    )
    assert reply.status_code == 201, reply.get_json()
    policy = move(write(), "consultation")
    comment = citizen.post(
        f"/api/v1/notices/{policy['id']}/comments", json={"body": "Đề nghị tăng mức hỗ trợ."}
    )
    assert comment.status_code == 201, comment.get_json()
    report(citizen)
    return answered, late


def api(caller, name: str, query: str) -> dict:
    response = caller.get(f"/api/v1/reports/{name}?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def number(text: str):
    """A table cell as the figure it shows: "87,5 %" → 0.875, "3" → 3, "—" → None."""
    text = text.strip().replace("\u00a0", " ")
    if text == "—":
        return None
    if text.endswith("%"):
        return round(float(text[:-1].strip().replace(".", "").replace(",", ".")) / 100, 4)
    value = float(text.replace(".", "").replace(",", "."))
    return int(value) if value.is_integer() else value


def table(page, chart: str) -> list[list]:
    """The rows of a chart's table: its label, then its figures."""
    rows = page.eval_on_selector_all(
        f"#{chart}-table tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    return [[row[0].strip(), *map(number, row[1:])] for row in rows]


def test_the_dashboard_draws_every_chart_with_the_report_apis_figures(page, staff, activity):
    query = period()
    sign_in(page, staff["admin"].principal, path=f"{DASHBOARD}?{query}")
    assert page.url.endswith(f"{DASHBOARD}?{query}")
    for chart in CHARTS:  # Chart.js drew into each canvas (under the CSP: the page fixture checks)
        assert page.evaluate(
            f"!!Chart.getChart(document.querySelector('[data-chart=\"{chart}-data\"] canvas'))"
        )

    admin = staff["admin"]
    feedback, coverage, alerts = (api(admin, name, query) for name in ("feedback", "coverage", "alerts"))
    ranked = [row for row in feedback["departments"] if row["rank"] is not None]
    assert table(page, "on-time") == [
        [f"{r['rank']}. {r['name']}", r["on_time_share"], r["answered_on_time"], r["answered"]]
        for r in ranked
    ]
    assert ranked[0]["key"] == "DEPT-A" and ranked[0]["on_time_share"] == 0.5
    assert feedback["on_time_target"] == 0.9
    assert [row[1:] for row in table(page, "weeks")] == [
        [w["received"], w["answered"]] for w in feedback["weeks"]
    ]
    assert table(page, "overdue") == [
        [r["name"], r["overdue"]] for r in feedback["departments"] if r["overdue"]
    ]
    assert sorted(row[1:] for row in table(page, "communes")) == sorted(
        [c["received"], c["answered"]] for c in feedback["communes"]
    )
    assert table(page, "focal-points")[0][1:] == [
        coverage["focal_point_share"],
        coverage["departments_with_focal_point"],
        coverage["departments"],
    ]
    assert [row[1:] for row in table(page, "communicated")] == [
        [s["communicated_share"], s["communicated"], s["policies"]] for s in coverage["steps_communicated"]
    ]
    [trail] = coverage["trails"]
    assert table(page, "consultation") == [[trail["title"], 1, 0, 0.0]]
    assert [row[1:] for row in table(page, "scams")] == [
        [w["scam_reports"], w["alerts"]] for w in alerts["weeks"]
    ]
    assert sum(w["scam_reports"] for w in alerts["weeks"]) == alerts["scam_reports"] == 1

    assert_accessible(page)
    screenshot(page, "dashboard")
    page.set_viewport_size(PHONE)
    page.locator("#on-time-title").scroll_into_view_if_needed()
    assert_fits(page, screenshot_name="dashboard-phone")


@pytest.fixture
def officer_b(app, staff):
    browser = app.test_client()
    sign_in_client(browser, staff["officer_b"].principal.email)
    return browser


def test_a_departments_officer_sees_their_own_department_only(officer_b, activity):
    page = officer_b.get(f"{DASHBOARD}?{period()}").get_data(as_text=True)
    assert 'name="department"' not in page and "Số liệu của đơn vị bạn." in page
    assert "Phòng DEPT-A" not in page  # its overdue feedback, its commune's, its categories'
    focal = re.search(r'id="focal-points-table".*?<tbody>(.*?)</tbody>', page, re.S)[1]
    assert re.findall(r"<td>([^<]*)</td>", focal) == ["100\u00a0%", "1", "1"]  # department B alone
    other = officer_b.get(f"{DASHBOARD}?department=DEPT-A")
    assert other.status_code == 403
    assert officer_b.get(f"{DASHBOARD}/feedback.csv?department=DEPT-A").status_code == 403


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-13-01", "from", "Ngày không hợp lệ."),
        ("from=2026-12-01&to=2026-11-01", "from", "Ngày đầu không được sau ngày cuối."),
        ("from=2020-01-01&to=2026-01-01", "to", "Mỗi báo cáo tối đa hai năm."),
        ("department=NOPE", "department", "Vui lòng chọn trong danh sách."),
    ],
)
def test_bad_filters_are_shown_beside_their_field(app, staff, query, field, message):
    browser = app.test_client()
    sign_in_client(browser, staff["admin"].principal.email)
    refused = browser.get(f"{DASHBOARD}?{query}")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert f'<small id="{field}-error" class="error">{message}</small>' in page
    assert "data-chart" not in page


def test_the_csv_download_is_the_report_apis_csv(app, staff, activity):
    browser = app.test_client()
    sign_in_client(browser, staff["admin"].principal.email)
    query = f"{period()}&department=DEPT-A"
    for name in ("feedback", "coverage", "alerts"):
        download = browser.get(f"{DASHBOARD}/{name}.csv?{query}")
        assert download.status_code == 200 and download.mimetype == "text/csv"
        assert "attachment" in download.headers["Content-Disposition"]
        assert download.data == staff["admin"].get(f"/api/v1/reports/{name}?{query}&format=csv").data
    assert browser.get(f"{DASHBOARD}/nothing.csv").status_code == 404
    assert 'href="/console/dashboard"' in browser.get("/console/feedback").get_data(as_text=True)
