"""/openapi.json is valid OpenAPI 3.1, says the same as /swagger.json with each response's own media types,
and a client generated from it by a real generator (openapi-python-client) calls the public operations
and parses their answers: JSON into its models, CAP and Atom as text, a document as a file."""

import importlib
import io
import json
import subprocess
import sys

import httpx
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, JPEG, PDF, submit, upload
from tests.notice_fixtures import *  # noqa: F403
from tests.test_alerts import published

METHODS = ("get", "put", "post", "patch", "delete")
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
ERROR = {"$ref": "#/components/schemas/Error"}
TEXT, FILE = {"type": "string"}, {"type": "string", "format": "binary"}
PACKAGE = "citizen_api_client"
# openapi-python-client reads JSON, text/* and application/octet-stream bodies; this tells it what the
# other media types of the document are (its documented `content_type_overrides` setting).
GENERATOR_CONFIG = {
    "package_name_override": PACKAGE,
    "content_type_overrides": {
        "application/cap+xml": "text/plain",
        "application/atom+xml": "text/plain",
        **{
            kind: "application/octet-stream"
            for kind in (
                "image/jpeg",
                "image/png",
                "image/webp",
                "application/pdf",
                "audio/ogg",
                "audio/mpeg",
            )
        },
    },
    "post_hooks": [],
}


@pytest.fixture(scope="session")
def document(app):
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method} {path}", item[method]


def test_openapi_json_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)
    assert document["servers"] == [{"url": "https://citizen.danang.example"}]  # PUBLIC_BASE_URL
    assert document["components"]["securitySchemes"]["bearer"]["type"] == "http"
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_it_describes_what_swagger_json_describes(document, client):
    swagger = client.get("/swagger.json").get_json()
    swagger_operations = {name: op["operationId"] for name, op in operations(swagger)}
    assert {name: op["operationId"] for name, op in operations(document)} == swagger_operations
    assert document["components"]["schemas"].keys() == swagger["definitions"].keys()
    assert document["info"] == swagger["info"]
    text = json.dumps(document)
    assert "#/definitions/" not in text and "x-nullable" not in text


def test_each_response_has_its_own_media_types_and_only_errors_are_problems(document):
    paths = document["paths"]
    assert paths["/api/v1/alerts/{alert_id}/cap"]["get"]["responses"]["200"]["content"] == {
        "application/cap+xml": {"schema": TEXT}
    }
    for feed in ("/feeds/alerts.atom", "/feeds/notices.atom"):
        assert paths[feed]["get"]["responses"]["200"]["content"] == {"application/atom+xml": {"schema": TEXT}}
    assert paths["/api/v1/attachments/{attachment_id}"]["get"]["responses"]["200"]["content"] == {
        "image/jpeg": {"schema": FILE},
        "image/png": {"schema": FILE},
        "image/webp": {"schema": FILE},
        "application/pdf": {"schema": FILE},
    }
    assert paths["/api/v1/notices/{notice_id}/consultation-report"]["get"]["responses"]["200"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/ConsultationReport"}},
        "text/csv": {"schema": TEXT},
    }
    assert paths["/api/v1/areas/provinces"]["get"]["responses"]["200"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/ProvinceList"}}
    }
    for name, op in operations(document):
        for code, response in op["responses"].items():
            if int(code) >= 400 and " /open311/" in name:  # the spec's list, as JSON or XML
                assert response["content"] == {
                    "application/json": {"schema": {"type": "array", "items": ERROR}},
                    "application/xml": {"schema": TEXT},
                }
            elif int(code) >= 400:
                assert response["content"] == PROBLEM, (name, code)
            else:
                assert "application/problem+json" not in response.get("content", {}), (name, code)


def test_request_bodies_are_json_or_a_multipart_file(document):
    paths = document["paths"]
    patch = paths["/api/v1/alerts/{alert_id}"]["patch"]["requestBody"]
    assert patch == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AlertChangesRequest"}}},
    }
    upload_body = paths["/api/v1/attachments"]["post"]["requestBody"]
    assert upload_body == {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary", "description": "≤ 10 MB"}},
                    "required": ["file"],
                }
            }
        },
    }
    for name, op in operations(document):
        assert all(
            parameter["in"] in ("path", "query", "header") for parameter in op.get("parameters", [])
        ), name


def test_nullable_fields_and_bounded_objects_are_json_schema_2020_12(document):
    schemas = document["components"]["schemas"]
    assert schemas["Alert"]["properties"]["published_at"] == {
        "type": ["string", "null"],
        "format": "date-time",
    }
    translations = schemas["AlertRequest"]["properties"]["translations"]
    assert translations["type"] == "object" and translations["maxProperties"] == 3
    assert "maxLength" not in translations
    assert schemas["ProvinceList"]["properties"]["items"]["items"]["properties"]["code"]["examples"] == [48]


def ambiguous(paths) -> list[tuple[str, str]]:
    """Pairs of templated paths that match a same URL with neither more concrete than the other: no tool
    can tell which operation such a URL means (OpenAPI: concrete paths match first, that is all)."""
    found = []
    for i, first in enumerate(paths):
        for second in paths[i + 1 :]:
            a, b = first.split("/"), second.split("/")
            if len(a) != len(b):
                continue
            a_more_concrete = b_more_concrete = False
            for x, y in zip(a, b, strict=True):
                if x.startswith("{") and y.startswith("{"):
                    continue
                if x.startswith("{"):
                    b_more_concrete = True
                elif y.startswith("{"):
                    a_more_concrete = True
                elif x != y:
                    break
            else:
                if a_more_concrete == b_more_concrete:
                    found.append((first, second))
    return found


def test_no_two_paths_match_the_same_url(document):
    assert ambiguous(["/feedback/track/{code}", "/feedback/{feedback_id}/rating"])  # the old tracking path
    assert ambiguous(["/feedback/{a}", "/feedback/{b}"])
    assert not ambiguous(["/feedback/track", "/feedback/{feedback_id}"])
    assert ambiguous(list(document["paths"])) == []
    assert "/api/v1/feedback/track" in document["paths"]


# ---------------------------------------------------------------- a generated client


@pytest.fixture(scope="session")
def generated(document, tmp_path_factory):
    """The client openapi-python-client generates from /openapi.json, imported (generated once a run)."""
    folder = tmp_path_factory.mktemp("generated")
    (folder / "openapi.json").write_text(json.dumps(document))
    (folder / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
    command = [sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none"]
    command += ["--path", str(folder / "openapi.json"), "--config", str(folder / "config.json")]
    command += ["--output-path", str(folder / PACKAGE), "--fail-on-warning"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


@pytest.fixture
def connect(app, database, db, generated):
    """connect(token=None): a generated client that calls the app in-process (httpx's WSGI transport)."""

    def fresh_session(_request):  # what tests/conftest.py's rows_kept_between_requests does for Caller
        db.commit()
        database.session.commit()
        database.session.remove()

    def make(token=None):
        settings = {
            "base_url": "http://localhost",
            "raise_on_unexpected_status": True,
            "httpx_args": {
                "transport": httpx.WSGITransport(app=app),
                "event_hooks": {"request": [fresh_session]},
            },
        }
        if token:
            return generated.AuthenticatedClient(token=token, **settings)
        return generated.Client(**settings)

    return make


def call(generated, operation: str, client, **arguments):
    """The parsed answer of a generated operation ("tag.operation_id"), which must be a success."""
    response = importlib.import_module(f"{generated.__name__}.api.{operation}").sync_detailed(
        client=client, **arguments
    )
    assert 200 <= response.status_code < 300, (operation, response.status_code, response.content[:500])
    return response.parsed


def test_a_generated_client_reads_the_public_operations(
    connect, generated, staff, citizen, write, move, road_form
):
    editor, officer = staff["editor_a"], staff["officer_a"]
    alert = published(editor, headline="Giả danh công an gọi điện")
    document = upload(editor, PDF, "du-thao.pdf")
    notice = move(write(attachment_ids=[document["id"]]), "consultation")
    answered = submit(citizen)
    officer.post(f"{FEEDBACK}/{answered['id']}/replies", json={"body": "Đã vá ổ gà.", "public": True})
    anyone = connect()

    provinces = call(generated, "areas.get_provinces", anyone, q="da nang")
    assert [(p.code, p.name) for p in provinces.items] == [(48, "Thành phố Đà Nẵng")]
    wards = call(generated, "areas.get_wards", anyone, code=48, q="hai chau")
    assert 20242 in [ward.code for ward in wards.items]
    categories = call(generated, "categories.get_categories", anyone)
    assert {"land", "roads"} <= {category.code for category in categories.items}

    notices = call(generated, "notices.get_notices", anyone, ward_code=20242)
    assert [str(item.id) for item in notices.items] == [notice["id"]]
    pdf = call(generated, "attachments.get_attachment", anyone, attachment_id=document["id"])
    assert pdf.payload.read() == PDF

    feed = call(generated, "feed.get_feed", anyone, province_code=48, ward_code=20242)
    assert [item.headline for item in feed.alerts] == ["Giả danh công an gọi điện"]
    assert [str(item.id) for item in feed.open_consultations] == [notice["id"]]
    alerts = call(generated, "alerts.get_alerts", anyone, ward_code=20242)
    assert [str(item.id) for item in alerts.items] == [alert["id"]]
    assert alerts.items[0].severity.value == "severe"

    cap = call(generated, "alerts.get_cap", anyone, alert_id=alert["id"])
    assert cap.startswith("<?xml") and "<headline>Giả danh công an gọi điện</headline>" in cap
    alerts_atom = call(generated, "feeds.get_alerts_atom", anyone)
    assert f"/api/v1/alerts/{alert['id']}/cap" in alerts_atom and "http://www.w3.org/2005/Atom" in alerts_atom
    notices_atom = call(generated, "feeds.get_notices_atom", anyone, ward_code=20242)
    assert notice["title"] in notices_atom

    check = call(generated, "scam_check.get_scam_check", anyone, value="0912.345.678")
    assert (check.verdict.value, check.normalized) == ("reported", "+84912345678")
    assert [str(item.id) for item in check.alerts] == [alert["id"]]
    forms = call(generated, "forms.get_forms", anyone, province_code=48)
    assert [form.slug for form in forms.items] == ["road-damage"]
    board = call(generated, "feedback.get_feedback_public_board", anyone, province_code=48)
    assert [(item.tracking_code, item.replies[0].body) for item in board.items] == [
        (answered["tracking_code"], "Đã vá ổ gà.")
    ]


def test_a_generated_client_uploads_and_tracks_as_a_citizen(connect, generated, citizen, road_form):
    """The multipart body and the tracking code as a query parameter, as the citizen app would send them."""
    models, types = (importlib.import_module(f"{PACKAGE}.{module}") for module in ("models", "types"))
    phone = connect(citizen.token)
    photo = models.PostAttachmentsBody(file=types.File(payload=io.BytesIO(JPEG), file_name="o-ga.jpg"))
    uploaded = call(generated, "attachments.post_attachments", phone, body=photo)
    assert (uploaded.content_type, uploaded.size) == ("image/jpeg", len(JPEG))

    code = submit(citizen)["tracking_code"]
    tracked = call(generated, "feedback.get_feedback_track", phone, code=code.lower())
    assert (tracked.tracking_code, tracked.status.value) == (code, "received")
    track = importlib.import_module(f"{PACKAGE}.api.feedback.get_feedback_track")
    missing = track.sync(client=phone, code="PA-0000-XXXXXX")
    assert (missing.status, missing.code) == (404, "not_found")  # a problem, parsed as one
