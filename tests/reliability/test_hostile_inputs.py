"""Hostile request bodies on the main write endpoints, from every caller who may write there: each one
gets a 4xx problem (never a 5xx), and the server answers normally afterwards. Hostile *text* in a free-text
field is not an error: it is stored and returned as sent (trimmed of surrounding whitespace).
"""

import json

import pytest

from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, submit

SQL = [
    "' OR '1'='1",
    "'; DROP TABLE feedback; --",
    "1; SELECT pg_sleep(10)",
    "\\' UNION SELECT * FROM users --",
]
HTML = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<!--", "&lt;&#x3C;"]
TEXT = [
    "🚨🔥👨‍👩‍👧‍👦🏳️‍🌈",
    "Đà Nẵng",
    "Đà Nẵng",  # the same, decomposed: base letters and combining marks (NFD)
    "a" + "\u0301" * 500,  # one letter under a pile of combining accents
    "\u202eevil\u202c",  # right-to-left override
    "\ufeff\u200b\u2028",
]
STRINGS = SQL + HTML + TEXT + ["\x00", "abc\x00def"]

RAW_BODIES = {
    "deeply nested arrays": "[" * 100_000 + "]" * 100_000,
    "deeply nested objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "10,000-element array": json.dumps(list(range(10_000))),
    "10,000 keys": json.dumps({f"k{i}": i for i in range(10_000)}),
    "truncated": '{"form": "road-damage", "answers": {',
    "a JSON string": json.dumps("'; DROP TABLE feedback; --"),
    "null": "null",
}
RAW_BYTES = {
    "invalid UTF-8": b'{"form": "\xff\xfe\xc3\x28"}',
    "NUL bytes": b'{"form": "road\x00damage"}',
    "lone surrogate": b'{"form": "\\ud800"}',
    "10 MB": b'{"form": "' + b"x" * (10 * 1024 * 1024) + b'"}',
}

# endpoint, caller, a valid body to spoil field by field
ENDPOINTS = [
    ("/api/v1/auth/token", "client", {"email": "a@example.org", "password": "x"}),
    ("/api/v1/devices", "client", {"platform": "android", "province_code": 48, "ward_code": 20242}),
    (FEEDBACK, "citizen", None),  # filled in by the test: it needs the form
    ("/api/v1/scam-reports", "citizen", {"channel": "phone", "indicator": "0912345678", "details": "x"}),
    ("/api/v1/notices", "editor_a", {"kind": "announcement", "title": "t", "summary": "s", "body": "b"}),
    ("/api/v1/alerts", "admin", {"title": "t", "body": "b", "severity": "severe"}),
    ("/api/v1/notifications", "admin", {"targets": {"national": True}, "title": "t", "body": "b"}),
]


@pytest.fixture
def callers(client, citizen, staff):
    return {"client": client, "citizen": citizen, **staff}


@pytest.fixture(autouse=True)
def no_rate_limits(monkeypatch, app):
    monkeypatch.setitem(app.extensions["rate_limits"], "enabled", False)


def valid_feedback():
    return {
        "form": "road-damage",
        "answers": {"where": "Đường Bạch Đằng", "kind": "pothole", "details": "Ổ gà"},
        "province_code": 48,
        "ward_code": 20242,
    }


def hostile_requests(valid: dict):
    """(what, body bytes) pairs: broken documents, then each field of `valid` spoiled in turn."""
    for what, raw in RAW_BODIES.items():
        yield what, raw.encode()
    yield from RAW_BYTES.items()
    for field in valid:
        for value in [*STRINGS, list(range(10_000)), {"$ne": None}, 10**100, -1, True]:
            yield f"{field}={value!r:.40}", json.dumps({**valid, field: value}).encode()


def assert_4xx(response, what):
    assert 400 <= response.status_code < 500, (what, response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json", what


@pytest.mark.parametrize("url,who,valid", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_hostile_bodies_get_4xx_and_the_server_stays_healthy(callers, road_form, url, who, valid):
    caller = callers[who]
    for what, data in hostile_requests(valid or valid_feedback()):
        if what.split("=")[0] in ("details", "body", "title", "summary") and "\x00" not in what:
            continue  # free text: any text is a valid value (see the round trip below)
        assert_4xx(caller.post(url, data=data, content_type="application/json"), what)
    assert caller.get("/healthz").status_code == 200
    assert caller.get("/readyz").status_code == 200


def test_hostile_text_is_stored_and_returned_verbatim(citizen, road_form):
    for text in SQL + HTML + TEXT:
        created = submit(citizen, answers={**valid_feedback()["answers"], "details": text})
        tracked = citizen.get(f"{FEEDBACK}/track?code={created['tracking_code']}").get_json()
        assert created["answers"]["details"] == tracked["answers"]["details"] == text.strip()
