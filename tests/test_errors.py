"""Every kind of bad input gets the right RFC 9457 problem, never a 500, and changes nothing stored.

Also the two settings that guard the edge: CORS for the mini app's origin, and refusing to start in
production with the development secret.
"""

import json
import uuid

import pytest

from api import create_app
from api.config import ConfigError
from tests.conftest import PUBLIC_BASE_URL, TEST_SECRET, assert_problem

DEPARTMENTS = "/api/v1/departments"
MINI_APP = "https://h5.zalo.me"


def count(sql, table):
    return sql(f"SELECT count(*) FROM {table}").scalar_one()


@pytest.fixture
def stored(sql):
    """The row counts of the tables a rejected write could touch, to compare before and after."""
    return lambda: {table: count(sql, table) for table in ("departments", "categories", "audit_events")}


# ---------------------------------------------------------------- the body


@pytest.mark.parametrize(
    "raw",
    [
        '{"code": "SO-YT", "name": ',
        "{'code': 'SO-YT'}",
        "",
        "{,}",
        '{"code": "SO-YT"} trailing',
        b'{"name": "\xff"}',
    ],
)
def test_malformed_json_is_400(admin, stored, raw):
    before = stored()

    response = admin.post(DEPARTMENTS, data=raw, content_type="application/json")

    assert_problem(response, 400, "malformed_json")
    assert stored() == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("code=SO-YT&name=Y+te", "application/x-www-form-urlencoded"),
        ('{"code": "SO-YT", "name": "Sở Y tế"}', "text/plain"),
        ('{"code": "SO-YT", "name": "Sở Y tế"}', None),
        ("<department/>", "application/xml"),
    ],
)
def test_a_body_that_is_not_json_is_415(admin, stored, data, content_type):
    before = stored()

    response = admin.post(DEPARTMENTS, data=data, content_type=content_type)

    assert_problem(response, 415, "unsupported_media_type")
    assert stored() == before


def test_json_with_a_charset_parameter_is_accepted(admin):
    body = json.dumps({"code": "SO-YT", "name": "Sở Y tế"}, ensure_ascii=False).encode()

    response = admin.post(DEPARTMENTS, data=body, content_type="application/json; charset=utf-8")

    assert response.status_code == 201, response.get_json()


def test_every_bad_field_is_listed_at_once(admin, stored):
    before = stored()

    response = admin.post(
        DEPARTMENTS,
        json={
            "code": 5,  # wrong type
            "province_code": "Đà Nẵng",  # wrong type
            "active": "maybe",  # wrong type
            "parent_id": "not-a-uuid",  # wrong format
            "focal_point": {
                "phone": 912345678,
                "email": "nobody",
            },  # nested: missing name, wrong type, bad email
            "colour": "blue",  # unknown
            # "name" missing
        },
    )

    body = assert_problem(response, 422, "validation_failed")
    assert set(body["errors"]) == {
        "code",
        "province_code",
        "active",
        "parent_id",
        "focal_point",
        "colour",
        "name",
    }
    assert set(body["errors"]["focal_point"]) == {"name", "phone", "email"}
    assert all(isinstance(messages, list | dict) and messages for messages in body["errors"].values())
    assert stored() == before


def test_unknown_fields_alone_are_refused(admin, department_a, stored):
    before = stored()

    response = admin.patch(
        f"{DEPARTMENTS}/{department_a.id}", json={"nickname": "A", "id": str(uuid.uuid4())}
    )

    assert set(assert_problem(response, 422, "validation_failed")["errors"]) == {"nickname", "id"}
    assert stored() == before


@pytest.mark.parametrize("field", ["id", "created_at"])
def test_read_only_fields_cannot_be_sent(admin, field):
    response = admin.post(
        DEPARTMENTS, json={"code": "SO-YT", "name": "Sở Y tế", field: "2025-07-01T00:00:00+07:00"}
    )

    assert field in assert_problem(response, 422, "validation_failed")["errors"]


@pytest.mark.parametrize(
    "document", ["null", "[]", '[{"code": "SO-YT", "name": "Sở Y tế"}]', '"SO-YT"', "42", "true"]
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_json_that_is_not_an_object_is_422(admin, department_a, stored, document, method):
    url = DEPARTMENTS if method == "POST" else f"{DEPARTMENTS}/{department_a.id}"
    before = stored()

    response = admin.open(method, url, data=document, content_type="application/json")

    assert_problem(response, 422, "validation_failed")
    assert stored() == before


def test_oversize_body_is_413(make_app, stored, admin):
    small = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    before = stored()

    oversize = {"code": "SO-YT", "name": "x" * 2048}
    response = small.post(DEPARTMENTS, json=oversize, headers={"Authorization": f"Bearer {admin.token}"})

    assert_problem(response, 413, "payload_too_large")
    assert stored() == before


def test_body_under_the_limit_is_read(make_app, admin):
    small = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    focal_point = {"name": "y" * 200, "phone": "0912345678", "email": "z" * 60 + "@danang.gov.vn"}
    department = {"code": "SO-YT", "name": "x" * 200, "focal_point": focal_point}
    payload = json.dumps(department).encode()
    assert 500 < len(payload) < 1024

    response = small.post(
        DEPARTMENTS,
        data=payload,
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin.token}"},
    )

    assert response.status_code == 201, response.get_json()


def test_default_limit_refuses_more_than_a_mebibyte(admin, stored):
    before = stored()

    response = admin.post(DEPARTMENTS, json={"code": "SO-YT", "name": "x" * (1024 * 1024 + 1)})

    assert_problem(response, 413, "payload_too_large")
    assert stored() == before


# ---------------------------------------------------------------- the URL and method


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("DELETE", DEPARTMENTS, {"GET", "POST"}),
        ("PUT", "/api/v1/areas/provinces", {"GET"}),
        ("POST", "/api/v1/areas/provinces/48", {"GET"}),
        ("DELETE", "/api/v1/categories/scam", {"GET", "PATCH"}),
        ("PATCH", "/api/v1/audit", {"GET"}),
    ],
)
def test_wrong_method_is_405_with_allow(admin, method, url, allowed):
    response = admin.open(method, url, json={})

    assert_problem(response, 405, "method_not_allowed")
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert method not in response.headers["Allow"]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/nothing-here", "/api/v2/departments", "/nothing", "/api/v1/areas/provinces/48/streets"],
)
def test_unknown_url_is_404(client, url):
    body = assert_problem(client.get(url), 404, "not_found")
    assert "You have requested this URI" not in json.dumps(body)


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_nonexistent_department_uuid_is_404(admin, method):
    response = admin.open(method, f"{DEPARTMENTS}/{uuid.uuid4()}", json={"name": "X"})

    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("segment", ["not-a-uuid", "123", "DEPT-A", "' OR 1=1 --"])
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_non_uuid_department_path_is_404(admin, department_a, stored, segment, method):
    before = stored()

    response = admin.open(method, f"{DEPARTMENTS}/{segment}", json={"name": "X"})

    assert_problem(response, 404, "not_found")
    assert stored() == before


@pytest.mark.parametrize("segment", ["abc", "-1", "4.8"])
def test_non_numeric_province_path_is_404(client, segment):
    assert_problem(client.get(f"/api/v1/areas/provinces/{segment}"), 404, "not_found")


# ---------------------------------------------------------------- query strings


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5", ""])
@pytest.mark.parametrize("url", [DEPARTMENTS, "/api/v1/categories", "/api/v1/audit"])
def test_limit_outside_1_to_100_is_422(admin, url, limit):
    body = assert_problem(admin.get(url, query_string={"limit": limit}), 422, "validation_failed")

    assert list(body["errors"]) == ["limit"]


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_are_accepted(admin, limit):
    assert admin.get(DEPARTMENTS, query_string={"limit": limit}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"province_code": "north"}, "province_code"),
        ({"active": "perhaps"}, "active"),
        ({"cursor": "x" * 501}, "cursor"),
    ],
)
def test_badly_typed_query_parameter_is_422(admin, params, field):
    body = assert_problem(admin.get(DEPARTMENTS, query_string=params), 422, "validation_failed")

    assert field in body["errors"]


# ---------------------------------------------------------------- text PostgreSQL cannot hold


NOT_TEXT = ["Contains a character that is not text (a control character or half of an emoji)."]


@pytest.mark.parametrize(
    ("method", "url", "payload", "errors"),
    [
        ("POST", DEPARTMENTS, {"code": "SO-YT", "name": "Sở\u0000Y tế"}, {"name": NOT_TEXT}),
        ("GET", f"{DEPARTMENTS}?q=y%00te", None, {"q": NOT_TEXT}),
        ("GET", "/api/v1/audit?entity=departments%00", None, {"entity": NOT_TEXT}),
    ],
)
def test_nul_character_is_a_422_naming_the_field(admin, stored, method, url, payload, errors):
    before = stored()

    response = admin.open(method, url, json=payload)

    assert assert_problem(response, 422, "validation_failed")["errors"] == errors
    assert stored() == before


def test_nul_character_in_a_path_is_bad_input_not_a_server_error(admin, stored):
    before = stored()

    assert_problem(admin.get("/api/v1/categories/sc%00am"), 422, "invalid_value")
    assert stored() == before


# ---------------------------------------------------------------- CORS


@pytest.fixture
def mini_app_cors(make_app):
    return make_app(CORS_ORIGINS=[MINI_APP]).test_client()


def preflight(client, origin, method="POST"):
    return client.options(
        "/api/v1/departments",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )


def test_preflight_from_the_mini_app_is_allowed(mini_app_cors):
    response = preflight(mini_app_cors, MINI_APP)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == MINI_APP
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://h5.zalo.me", "https://h5.zalo.me.evil.example"]
)
def test_preflight_from_another_origin_gets_no_allow_origin(mini_app_cors, origin):
    response = preflight(mini_app_cors, origin)

    assert "Access-Control-Allow-Origin" not in response.headers


def test_mini_app_can_read_responses_and_problems(mini_app_cors):
    ok = mini_app_cors.get("/api/v1/areas/provinces/48", headers={"Origin": MINI_APP})
    problem = mini_app_cors.get(DEPARTMENTS, headers={"Origin": MINI_APP})

    assert ok.headers["Access-Control-Allow-Origin"] == MINI_APP
    assert_problem(problem, 401)
    assert problem.headers["Access-Control-Allow-Origin"] == MINI_APP


def test_without_cors_origins_no_origin_is_allowed(app):
    assert "Access-Control-Allow-Origin" not in preflight(app.test_client(), MINI_APP).headers


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "settings",
    [
        {"SECRET_KEY": ""},
        {"SECRET_KEY": "short-but-not-the-default"},
        {"SECRET_KEY": TEST_SECRET, "CORS_ORIGINS": ["*"]},
    ],
)
def test_production_refuses_development_defaults(database_url, settings):
    with pytest.raises(ConfigError):
        create_app(
            {
                "DATABASE_URL": database_url,
                "APP_ENV": "production",
                "CORS_ORIGINS": [],
                "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
                **settings,
            }
        )


def test_production_starts_with_a_real_secret(make_app):
    app = make_app(APP_ENV="production", SECRET_KEY="s" * 40, CORS_ORIGINS=[MINI_APP])

    assert app.test_client().get("/api/v1/areas/provinces/48").status_code == 200


@pytest.mark.parametrize(("caller", "status"), [("anonymous", 401), ("officer_a", 403)])
def test_callers_who_may_not_write_are_refused_before_their_body_is_read(client, staff, caller, status):
    """An invalid body from someone who may not act at all is a 401/403, not a 422."""
    who = client if caller == "anonymous" else staff[caller]

    assert_problem(who.post(DEPARTMENTS, json={"code": "??", "nonsense": 1}), status)
