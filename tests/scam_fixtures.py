"""Fixtures for the scam-check, scam-report and allow-list tests: citizens with devices of their own,
and helpers to report, check and allow-list through the API.

Import them into a test module: `from tests.scam_fixtures import *  # noqa: F403`.
"""

import pytest

from tests.conftest import Caller

__all__ = ["CHECK", "REPORTS", "TRUSTED", "check", "devices", "report", "trust"]

CHECK = "/api/v1/scam-check"
REPORTS = "/api/v1/scam-reports"
TRUSTED = "/api/v1/trusted-indicators"


@pytest.fixture
def devices(app, make_device):
    """Citizens in Đà Nẵng: make(n) gives n callers with devices of their own."""
    return lambda n, **place: [
        Caller(app.test_client(), (d := make_device(**place)).token, d) for _ in range(n)
    ]


def report(caller, **overrides) -> dict:
    body = {
        "type": "phone",
        "value": "0912 345 678",
        "description": "Gọi tự xưng công an, đòi chuyển tiền.",
        "channel": "call",
        "amount_lost_vnd": 5_000_000,
        **overrides,
    }
    response = caller.post(REPORTS, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def check(caller, value: str, **params) -> dict:
    response = caller.get(CHECK, query_string={"value": value, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def trust(admin, type_: str, value: str, note: str = "Tổng đài chính thức") -> dict:
    response = admin.post(TRUSTED, json={"type": type_, "value": value, "note": note})
    assert response.status_code == 201, response.get_json()
    return response.get_json()
