"""Hostile text, calendar-edge dates and loosely typed values sent to every write operation in
/swagger.json: each gets a 422 naming the field, nothing stored changes, and every list still answers.

The bodies are built from each operation's documented request schema, so an operation added later is
covered without touching this file; hypothesis chooses the field and the hostile value.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import class_registry, fields
from sqlalchemy import text

from api import limits
from schemas.common import Instant, LegalDate
from services.models import Base
from tests.conftest import assert_problem
from tests.test_swagger import operations, resolve

# Forbidden anywhere in text: lone surrogates (half an emoji), NUL, other C0 controls, DEL, C1 controls.
UNSTORABLE = ["\udfff", "\ud83d", "\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"]
VIETNAMESE = "Đà Nẵng phản ánh ổ gà đường Bạch Đằng 😀"
EDGE_DATE_TIMES = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59+00:00",
    "1999-12-31T23:59:59+07:00",
]
EDGE_DATES = ["0001-01-01", "9999-12-31", "1900-01-01"]
HUGE = "Đ" * 100_000  # 200 KB of UTF-8: more than any text field takes, less than the body limit


@st.composite
def hostile_text(draw):
    """Ordinary Vietnamese text with a forbidden character somewhere in it."""
    prefix = draw(st.text(alphabet=VIETNAMESE, max_size=20))
    suffix = draw(st.text(alphabet=VIETNAMESE, max_size=20))
    return prefix + draw(st.sampled_from(UNSTORABLE)) + suffix


def _app_spec():
    from tests.test_swagger import schema

    return schema.raw_schema


SPEC = _app_spec()
WRITES = [
    (name, op)
    for name, op in operations(SPEC)
    if not name.startswith("get ") and any(p["in"] == "body" for p in op.get("parameters", []))
]


def request_schema(op) -> dict:
    return resolve(SPEC, next(p for p in op["parameters"] if p["in"] == "body")["schema"])


def example(schema: dict):
    """A value of the documented type for every property (optional ones too), valid or not in context."""
    schema = resolve(SPEC, schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {key: example(prop) for key, prop in schema.get("properties", {}).items()}
    if kind == "array":
        return [example(schema["items"])]
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    formats = {
        "date-time": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        "date": "2026-01-01",
        "uuid": str(uuid.uuid4()),
        "email": "someone@example.org",
        "uri": "https://example.org/a",
    }
    return formats.get(schema.get("format"), "x")


def leaves(schema: dict, path=()):
    """(path, property schema) of every scalar property, nested objects and first array items included."""
    schema = resolve(SPEC, schema)
    if schema.get("type") == "object":
        for key, prop in schema.get("properties", {}).items():
            yield from leaves(prop, (*path, key))
    elif schema.get("type") == "array":
        yield from leaves(schema["items"], (*path, 0))
    elif path:
        yield path, schema


def replaced(document, path, value):
    if not path:
        return value
    head, *rest = path
    copy = list(document) if isinstance(document, list) else dict(document)
    copy[head] = replaced(document[head], rest, value)
    return copy


def named(errors, path) -> bool:
    """Whether a problem's `errors` names the field at `path` (list indexes arrive as strings)."""
    for step in path:
        if not isinstance(errors, dict):
            return False
        errors = errors.get(str(step), errors.get(step))
        if errors is None:
            return False
    return True


# Path parameters that are not ids: an existing category and form, a Zalo template's channel and message.
EXAMPLE_PATH_VALUES = {
    "code": "roads",
    "slug": "road-damage",
    "channel": "zns",
    "message": "feedback.answered",
    "index": "0",
}


def url_of(name: str) -> str:
    path = name.split(" ", 1)[1]
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        parameter = path[start + 1 : end]
        value = EXAMPLE_PATH_VALUES.get(parameter) or uuid.uuid4()
        path = f"{path[:start]}{value}{path[end + 1 :]}"
    return path


DIGEST = (
    "SELECT md5(coalesce(string_agg(r, '' ORDER BY r), '')) FROM (SELECT md5(t::text) AS r FROM {} t) rows"
)


@pytest.fixture
def snapshot(db):
    """A digest of every table's rows, to show that a refused request stored and changed nothing."""

    def take() -> dict:
        db.commit()
        return {
            table.name: db.scalar(text(DIGEST.format(table.name))) for table in Base.metadata.sorted_tables
        }

    return take


@pytest.fixture
def callers(client, citizen, staff):
    return [staff["admin"], citizen, client]


def send(callers, name, document):
    """The operation called by the first caller it lets through (admin, then a citizen, then anyone)."""
    method = name.split(" ", 1)[0]
    for caller in callers:
        # Hundreds of refused requests in one test: limits are tested elsewhere.
        limits.reset(caller.client.application)
        response = caller.open(method, url_of(name), json=document)
        if response.status_code not in (401, 403):
            return response
    return response


def hostile_cases(op):
    """(path, value) pairs that must each be refused: every kind of bad value its type can receive."""
    for path, schema in leaves(request_schema(op)):
        kind, form = schema.get("type"), schema.get("format")
        if kind == "string" and form == "date-time":
            yield from ((path, value) for value in EDGE_DATE_TIMES)
        elif kind == "string" and form == "date":
            yield from ((path, value) for value in EDGE_DATES)
        elif kind == "string":
            yield path, "ok\udfff"
            yield path, "a\x00b"
            if "enum" not in schema and form is None:
                yield path, HUGE
        elif kind == "integer":
            yield from ((path, value) for value in (2.5, "48", True))
        elif kind == "number":
            yield from ((path, value) for value in ("1.5", True))
        elif kind == "boolean":
            yield from ((path, value) for value in ("true", 1))


@pytest.mark.parametrize("name", [name for name, _ in WRITES])
def test_every_bad_value_in_every_write_is_a_422_naming_it(name, callers, snapshot):
    op = dict(WRITES)[name]
    body = example(request_schema(op))
    before = snapshot()
    cases = list(hostile_cases(op))
    assert cases, f"{name} documents no field"
    for path, value in cases:
        response = send(callers, name, replaced(body, path, value))
        problem = assert_problem(response, 422)
        assert named(problem.get("errors", {}), path), (name, path, repr(value)[:40], problem)
    assert snapshot() == before


@pytest.mark.parametrize("name", [name for name, _ in WRITES])
@settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_hostile_text_anywhere_in_any_write_is_refused(name, data, callers, snapshot):
    op = dict(WRITES)[name]
    strings = [path for path, schema in leaves(request_schema(op)) if schema.get("type") == "string"]
    if not strings:
        return
    path = data.draw(st.sampled_from(strings))
    value = data.draw(hostile_text())
    before = snapshot()
    problem = assert_problem(send(callers, name, replaced(example(request_schema(op)), path, value)), 422)
    assert named(problem["errors"], path), problem
    assert snapshot() == before


def test_a_hostile_name_of_a_translation_is_refused_by_name(admin, snapshot):
    before = snapshot()
    response = admin.post(
        "/api/v1/notifications",
        json={
            "targets": {"province_codes": [48]},
            "title": "Thông báo",
            "body": "Nội dung",
            "translations": {"e\udfffn": {"title": "Notice", "body": "Text"}},
        },
    )
    problem = assert_problem(response, 422)
    assert problem["errors"] == {
        "translations": {
            "e\\udfffn": ["Contains a character that is not text (a control character or half of an emoji)."]
        }
    }
    assert snapshot() == before


def test_an_announcement_with_half_an_emoji_stores_nothing_and_the_lists_still_answer(admin, snapshot):
    """What the review saw: one such announcement committed with its audit entry, then 500s for everyone."""
    before = snapshot()
    response = admin.post(
        "/api/v1/notifications",
        json={
            "targets": {"province_codes": [48]},
            "title": "Mất nước 😀"[:-1] + "\ud83d",
            "body": "Nội dung",
        },
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {
        "title": ["Contains a character that is not text (a control character or half of an emoji)."]
    }
    assert snapshot() == before
    assert admin.get("/api/v1/notifications").status_code == 200
    assert admin.get("/api/v1/audit").status_code == 200


def test_every_list_answers_after_hostile_writes(callers, staff, citizen):
    for name, _op in WRITES:
        for value in ("ok\udfff", "a\x00b", HUGE):
            op = dict(WRITES)[name]
            for path, schema in leaves(request_schema(op)):
                if schema.get("type") == "string" and "format" not in schema and "enum" not in schema:
                    send(callers, name, replaced(example(request_schema(op)), path, value))
                    break
    lists = [
        name
        for name, op in operations(SPEC)
        if name.startswith("get ") and "{" not in name and "application/json" in op.get("produces", [])
    ]
    assert len(lists) > 15
    for name in lists:
        for caller in (staff["admin"], citizen):
            response = caller.get(name.split(" ", 1)[1])
            assert response.status_code < 500, (name, response.get_json())


@pytest.mark.parametrize("parameter", ["q", "cursor"])
def test_hostile_text_in_a_query_string_is_a_422_naming_it(admin, parameter):
    problem = assert_problem(admin.get("/api/v1/notices", query_string={parameter: "a\x00b"}), 422)
    assert list(problem["errors"]) == [parameter]


def test_every_text_a_client_sends_has_a_maximum_length():
    """Unbounded text is how 100 KB strings reach the database and the phones."""
    unbounded = [
        (name, path)
        for name, op in WRITES
        for path, schema in leaves(request_schema(op))
        # an anchored pattern with bounded repeats (codes, slugs, times) bounds the length too
        if schema.get("type") == "string" and not {"maxLength", "enum", "format", "pattern"} & schema.keys()
    ]
    assert unbounded == []


def loaded_fields(schema_class, path=()):
    """(path, field) of every field a schema loads, nested schemas included."""
    for name, field in schema_class._declared_fields.items():
        if field.dump_only:
            continue
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            yield from loaded_fields(type(inner.schema), (*path, name))
        else:
            yield (*path, name), field


def test_every_date_a_client_sends_is_bounded():
    """Every date-time a body or query loads is an Instant (UTC, after 2000, a bounded time ahead) and every
    calendar date a LegalDate, so no calendar-edge value reaches time-zone arithmetic or a CAP document."""
    loading = [
        schema_class
        for entry in class_registry._registry.values()  # every marshmallow schema the app defines
        for schema_class in entry
        if schema_class.__name__.endswith("QuerySchema")
        or schema_class.__name__.removesuffix("Schema") + "Request" in SPEC["definitions"]
    ]
    assert len(loading) > 20
    loose = [
        (schema_class.__name__, path)
        for schema_class in loading
        for path, field in loaded_fields(schema_class)
        if (isinstance(field, fields.DateTime) and not isinstance(field, Instant))
        or (isinstance(field, fields.Date) and not isinstance(field, LegalDate))
    ]
    assert loose == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9999-12-31T23:59:59-14:00", "Must be at most 1 year from now."),
        ("0001-01-01T00:00:00+14:00", "Must be after 2000-01-01."),
        ("1999-12-31T23:59:59+07:00", "Must be after 2000-01-01."),
    ],
)
def test_an_alert_expiring_at_the_end_of_the_calendar_is_refused(admin, value, message):
    response = admin.post(
        "/api/v1/alerts",
        json={
            "category": "scam",
            "headline": "Giả danh công an",
            "description": "Cảnh báo",
            "severity": "severe",
            "urgency": "immediate",
            "certainty": "observed",
            "targets": {"province_codes": [48]},
            "expires_at": value,
        },
    )
    assert assert_problem(response, 422)["errors"] == {"expires_at": [message]}


def test_a_scam_that_happened_tomorrow_is_refused(citizen):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = citizen.post(
        "/api/v1/scam-reports", json={"type": "phone", "value": "0912 345 678", "happened_at": tomorrow}
    )
    assert assert_problem(response, 422)["errors"] == {"happened_at": ["Cannot be in the future."]}


def test_a_consultation_may_close_within_two_years_not_three(staff):
    editor = staff["editor_a"]
    body = {"kind": "policy", "title": "Dự thảo", "summary": "Tóm tắt", "body": "Nội dung"}
    three_years = (datetime.now(UTC) + timedelta(days=3 * 365)).isoformat()
    response = editor.post("/api/v1/notices", json={**body, "consultation_closes_at": three_years})
    errors = assert_problem(response, 422)["errors"]
    assert errors["consultation_closes_at"] == ["Must be at most 2 years from now."]


@pytest.mark.parametrize(
    ("document", "errors"),
    [
        ({"score": 2.5}, {"score": ["Not a valid integer."]}),
        ({"score": "4"}, {"score": ["Not a valid integer."]}),
        ({"score": True}, {"score": ["Not a valid integer."]}),
    ],
)
def test_a_rating_is_a_whole_number_as_sent(citizen, document, errors):
    response = citizen.post(f"/api/v1/feedback/{uuid.uuid4()}/rating", json=document)
    assert assert_problem(response, 422)["errors"] == errors


def test_a_province_code_sent_as_text_is_refused(client):
    response = client.post("/api/v1/devices", json={"platform": "android", "province_code": "48"})
    assert assert_problem(response, 422)["errors"] == {"province_code": ["Not a valid integer."]}


def test_an_answer_that_utf8_cannot_carry_is_escaped_not_a_500(app):
    """The last line of defence for lists: a value that got in some other way is escaped, not fatal."""
    with app.app_context():
        response = app.json.response({"items": [{"title": "Đà Nẵng ok\udfff"}]})
    assert response.get_data() == b'{"items":[{"title":"\\u0110\\u00e0 N\\u1eb5ng ok\\udfff"}]}\n'
