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
