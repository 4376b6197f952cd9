"""Every public write is rate limited, and an operator sets each limit with its RATE_LIMIT_ setting."""

import uuid

import pytest

from tests.conftest import Caller, assert_problem

ONCE = "1 per minute"


@pytest.fixture
def strict(make_app):
    """An app whose every limit allows one request a minute."""
    from api.limits import RATE_LIMITS

    return make_app(**{f"RATE_LIMIT_{name}": ONCE for name in RATE_LIMITS})


def test_a_setting_changes_a_limit(make_app):
    browser = make_app(RATE_LIMIT_SCAM_CHECK="2 per minute").test_client()
    answers = [browser.get("/api/v1/scam-check?value=0912345678").status_code for _ in range(3)]
    assert answers == [200, 200, 429]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/api/v1/devices/me", {"locale": "en"}),
        ("POST", f"/api/v1/devices/me/notifications/{uuid.uuid4()}/read", None),
        ("POST", f"/api/v1/feedback/{uuid.uuid4()}/rating", {"rating": 5}),
        ("POST", f"/api/v1/feedback/{uuid.uuid4()}/reopen", {"reason": "Chưa sửa xong"}),
    ],
)
def test_a_devices_own_writes_are_limited(strict, make_device, method, path, body):
    phone = Caller(strict.test_client(), make_device().token)
    first = phone.open(method, path, json=body)
    assert first.status_code != 429
    limited = phone.open(method, path, json=body)
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    other_phone = Caller(strict.test_client(), make_device().token)
    assert other_phone.open(method, path, json=body).status_code != 429  # counted per device


def test_a_limited_answer_tells_the_limit_and_what_remains_and_the_feed_s_cached_answer_none(make_app):
    """The feed answered from its cache never reached the limiter's check: no limit headers, and the
    limiter's after-request work leaves it alone (api/limits.py)."""
    browser = make_app(RATE_LIMIT_SCAM_CHECK="3 per minute", FEED_CACHE_SECONDS=5).test_client()
    answers = [browser.get("/api/v1/scam-check?value=0912345678") for _ in range(2)]
    assert [a.headers["X-RateLimit-Limit"] for a in answers] == ["3", "3"]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1"]
    assert int(answers[0].headers["X-RateLimit-Reset"]) > 0

    feed = "/api/v1/feed?province_code=48"
    first = browser.get(feed)
    assert first.status_code == 200
    cached = browser.get(feed, headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304
    assert not [name for name, _ in cached.headers if name.startswith("X-RateLimit")]
