"""/swagger.json is valid Swagger 2.0 that documents every operation, and the API keeps its word:
schemathesis calls every operation as each kind of caller and checks the answers against the document."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import OpenAPIV2SpecValidator, validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from api import create_app
from services.identity.api_keys import SCOPES
from tests.conftest import TEST_SECRET, staff_token

METHODS = ("get", "put", "post", "patch", "delete")
# Operations anyone may call without a token; every other one must declare `bearer` security.
PUBLIC = {
    "post /api/v1/auth/token",
    "post /api/v1/devices",
    "post /api/v1/devices/zalo",  # a Mini App user signs in with Zalo's token
    "get /api/v1/privacy/notices",
    "get /api/v1/alerts/{alert_id}/audio",  # the app's "listen" button
    "get /api/v1/notices/{notice_id}/audio",
    "post /webhooks/zalo",  # Zalo's calls, signed with the OA's secret key
    "get /api/v1/areas/provinces",
    "get /api/v1/areas/provinces/{code}",
    "get /api/v1/areas/provinces/{code}/wards",
    "get /api/v1/categories",
    "get /api/v1/categories/{code}",
    "get /api/v1/notices",
    "get /api/v1/notices/{notice_id}",
    "get /api/v1/notices/{notice_id}/versions",
    "get /api/v1/notices/{notice_id}/comments",
    "get /api/v1/attachments/{attachment_id}",  # a public notice's documents
    "get /api/v1/feed",
    "get /feeds/notices.atom",
    "get /api/v1/forms",
    "get /api/v1/forms/{slug}",
    "get /api/v1/feedback/public",
    "get /api/v1/alerts",
    "get /api/v1/alerts/{alert_id}",
    "get /api/v1/alerts/{alert_id}/cap",
    "get /api/v1/scam-check",
    "get /feeds/alerts.atom",
    "get /api/v1/claims/check",  # a device token, when sent, is told when a fact-check comes
    "get /api/v1/fact-checks/{fact_check_id}",
    "get /api/v1/fact-checks/{fact_check_id}/claim-review",
    "get /feeds/fact-checks.atom",
    "get /api/v1/reports/public/departments",
    # Open311 GeoReport v2: its api_key is a parameter (the spec's), not a bearer token
    "get /open311/v2/services.{format}",
    "get /open311/v2/services/{service_code}.{format}",
    "get /open311/v2/requests.{format}",
    "post /open311/v2/requests.{format}",
    "get /open311/v2/requests/{service_request_id}.{format}",
}
OPEN311_ERRORS = {"type": "array", "items": {"$ref": "#/definitions/Error"}}  # the spec's list


@pytest.fixture
def spec(client):
    response = client.get("/swagger.json")
    assert response.status_code == 200
    return response.get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method} {path}", item[method]


def resolve(spec, schema):
    return spec["definitions"][schema["$ref"].removeprefix("#/definitions/")] if "$ref" in schema else schema


def test_swagger_is_valid_swagger_2(spec):
    assert spec["swagger"] == "2.0"
    validate(spec, cls=OpenAPIV2SpecValidator)


def test_every_operation_documents_its_success_problems_and_security(spec):
    for name, op in operations(spec):
        responses = op["responses"]
        successes = [code for code in responses if code.startswith("2")]
        assert len(successes) == 1, name
        success = responses[successes[0]]
        if {"application/json", "application/ld+json"} & set(op["produces"]):  # JSON, JSON-LD
            body = success.get("schema", {})
            body = body.get("items", body) if body.get("type") == "array" else body  # Open311's lists
            assert successes[0] == "204" or resolve(spec, body)["properties"], name
        else:  # CAP and Atom XML are text, a document is a file: never described as JSON objects
            assert success["schema"] in ({"type": "string"}, {"type": "string", "format": "binary"}), name
        problem = OPEN311_ERRORS if " /open311/" in name else {"$ref": "#/definitions/Problem"}
        for code, response in responses.items():
            if int(code) >= 400:
                assert response["schema"] == problem, (name, code)
        assert "security" in op, name
        if name in PUBLIC:
            assert op["security"] in ([], [{}, {"bearer": []}]), name
        else:
            assert op["security"] == [{"bearer": []}], name
            assert {"401", "403"} <= responses.keys(), name


def test_every_body_is_documented(spec):
    """PATCH and PUT always carry a body (a POST may not, e.g. marking something read)."""
    for name, op in operations(spec):
        bodies = [p for p in op.get("parameters", []) if p["in"] == "body"]
        assert len(bodies) == 1 if name.startswith(("patch", "put")) else len(bodies) <= 1, name
        for parameter in bodies:
            assert resolve(spec, parameter["schema"])["properties"], name
            assert {"400", "413", "415", "422"} <= op["responses"].keys(), name


def test_bodies_that_are_not_json_have_their_own_media_types(spec):
    assert spec["paths"]["/api/v1/alerts/{alert_id}/cap"]["get"]["produces"] == [
        "application/cap+xml",
        "application/problem+json",  # Swagger 2.0 has one list for all responses
    ]
    assert spec["paths"]["/feeds/alerts.atom"]["get"]["responses"]["200"]["schema"] == {"type": "string"}
    assert "CapDocument" not in spec["definitions"] and "AtomFeed" not in spec["definitions"]


def test_a_bounded_dict_counts_its_entries(spec):
    translations = spec["definitions"]["AlertRequest"]["properties"]["translations"]
    assert (translations["type"], translations["maxProperties"]) == ("object", 3)
    assert "maxLength" not in translations


def test_docs_render_swagger_ui(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "swagger-ui" in response.get_data(as_text=True)


# ---------------------------------------------------------------- schemathesis

# The schema is needed when tests are collected, before the PostgreSQL `app` fixture exists, so it is read
# from an app on an empty in-memory SQLite database; every call then goes to the `app` fixture. (The
# fixture-based loader, schemathesis.pytest.from_fixture, does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi(
    "/swagger.json",
    create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": TEST_SECRET, "APP_ENV": "test"}),
    config=schemathesis.Config.from_dict({"generation": {"max-examples": 15, "no-shrink": True}}),
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,  # an operation that declares `bearer` refuses a request without a token
]


@pytest.fixture(params=["anonymous", "admin", "officer", "citizen", "integrator"])
def token(request, make_user, make_department, make_device, make_api_key, fast_password_hashing):
    """The bearer token of one kind of caller (the factories commit, so its rows outlive each request)."""
    if request.param == "admin":
        return staff_token(make_user("admin"))
    if request.param == "officer":
        return staff_token(make_user("officer", make_department()))
    if request.param == "citizen":
        return make_device().token
    if request.param == "integrator":
        return make_api_key(scopes=SCOPES).key
    return None


@schema.parametrize()
@settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_api_keeps_to_its_document(case, token, app):
    if case.headers:
        case.headers.pop("Authorization", None)  # schemathesis' own random token would only test 401s
    headers = {"Authorization": f"Bearer {token}"} if token else None
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
