"""Security headers on every kind of answer, and a Swagger UI page that works under its strict policy."""

import pytest
from lxml import html

from api.security_headers import HSTS
from tests.conftest import assert_problem
from tests.feedback_fixtures import upload

EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        name: rest.strip() for name, _, rest in (part.strip().partition(" ") for part in policy.split(";"))
    }


def assert_protected(response) -> dict[str, str]:
    for name, expected in EVERYWHERE.items():
        assert response.headers[name] == expected, name
    policy = directives(response)
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in str(policy) and "'unsafe-eval'" not in str(policy)
    assert "Strict-Transport-Security" not in response.headers  # not in development or tests
    return policy


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/categories", 200),
        ("/swagger.json", 200),
        ("/healthz", 200),
        ("/api/v1/audit", 401),
        ("/nowhere", 404),
    ],
)
def test_json_answers_and_errors_load_nothing_and_cannot_be_framed(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert assert_protected(response)["default-src"] == "'none'"


def test_a_rate_limited_answer_is_protected_too(client):
    for _ in range(31):
        response = client.get("/api/v1/scam-check?value=0912345678")
    assert_problem(response, 429, "rate_limited")
    assert_protected(response)


def test_the_swagger_ui_page_runs_only_the_apps_own_script_files(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = assert_protected(page)
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"

    document = html.fromstring(page.data)
    scripts = document.xpath("//script")
    assert scripts and all(script.get("src") and not (script.text or "").strip() for script in scripts)
    assert not document.xpath("//style | //*[@style]") and not any(
        name.startswith("on") for element in document.iter() for name in element.attrib
    )
    for url in [s.get("src") for s in scripts] + document.xpath("//link[@rel='stylesheet']/@href"):
        assert url.startswith("/"), url  # same origin: what 'self' allows
        served = client.get(url)
        assert served.status_code == 200, url
        assert served.mimetype in ("text/javascript", "application/javascript", "text/css"), url

    start = client.get(document.xpath("//script/@src")[-1]).get_data(as_text=True)
    assert "SwaggerUIBundle(" in start
    spec_url = document.get_element_by_id("swagger-ui").get("data-spec-url")
    assert client.get(spec_url).get_json()["swagger"] == "2.0"


def test_an_uploaded_file_keeps_its_own_sandbox(citizen):
    photo = upload(citizen)
    served = citizen.get(photo["url"])
    assert assert_protected(served)["sandbox"] == ""
    assert served.headers["Content-Disposition"] == f'inline; filename="{photo["id"]}.jpg"'


def test_production_asks_browsers_for_https_only(make_app):
    production = make_app(
        APP_ENV="production", SECRET_KEY="a-real-secret-with-more-than-32-characters", LOG_FORMAT="text"
    )
    assert production.test_client().get("/healthz").headers["Strict-Transport-Security"] == HSTS


def test_cors_is_unchanged(make_app):
    browser = make_app(CORS_ORIGINS=["https://mini.zalo.me"]).test_client()
    answer = browser.get("/api/v1/categories", headers={"Origin": "https://mini.zalo.me"})
    assert answer.headers["Access-Control-Allow-Origin"] == "https://mini.zalo.me"
    stranger = browser.get("/api/v1/categories", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers
