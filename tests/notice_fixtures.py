"""Fixtures for the notice, feed and consultation tests: notice categories, writing notices
through the API and moving them through their life cycle.

Import into a test module: `from tests.notice_fixtures import *  # noqa: F403`.
"""

from datetime import timedelta

import pytest
from sqlalchemy import event

from services.core.db import utcnow
from services.models import Category

__all__ = [
    "BA_DINH",
    "DA_NANG",
    "HAI_CHAU",
    "HA_NOI",
    "NOTICES",
    "THANH_KHE",
    "categories",
    "every_page",
    "later",
    "move",
    "statements",
    "write",
]

NOTICES = "/api/v1/notices"
DA_NANG, HAI_CHAU, THANH_KHE = 48, 20242, 20209  # Đà Nẵng and two of its wards
HA_NOI, BA_DINH = 1, 4  # Hà Nội and one of its wards


def later(**delta) -> str:
    """An ISO time `delta` from now (e.g. later(days=14))."""
    return (utcnow() + timedelta(**delta)).isoformat()


def every_page(caller, url: str, limit: int = 2) -> list[dict]:
    """The items of a list, following its cursors `limit` at a time."""
    items, query = [], {"limit": limit}
    while True:
        response = caller.get(url, query_string=query)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        items += page["items"]
        if not page["next_cursor"]:
            return items
        query["cursor"] = page["next_cursor"]


@pytest.fixture
def categories(db):
    for code, name in (("land", "Đất đai"), ("social-welfare", "An sinh xã hội")):
        db.add(
            Category(
                code=code,
                kind="notice",
                name_vi=name,
                name_en=code,
                priority="normal",
                deadline_working_days=5,
                active=True,
            )
        )
    db.commit()


@pytest.fixture
def write(staff, categories):
    """write(caller=editor_a, **fields) -> the created draft (a policy for Hải Châu by default; an
    admin writes for editor_a's department unless told otherwise)."""

    def create(caller=None, **fields) -> dict:
        caller = caller or staff["editor_a"]
        if caller is staff["admin"]:
            fields.setdefault("department_id", str(staff["editor_a"].principal.department_id))
        data = {
            "kind": "policy",
            "category_code": "land",
            "title": "Dự thảo quy định bồi thường, hỗ trợ tái định cư",
            "summary": "Lấy ý kiến người dân về mức hỗ trợ khi Nhà nước thu hồi đất.",
            "body": "## Điều 1\n\nMức hỗ trợ **tăng 20%**.",
            "targets": {"ward_codes": [HAI_CHAU]},
            "consultation_closes_at": later(days=14),
            **fields,
        }
        response = caller.post(NOTICES, json=data)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create


@pytest.fixture
def move(staff):
    """move(notice, *stages, caller=editor_a, **extra) -> the notice after the last transition."""

    def transition(notice: dict, *stages: str, caller=None, **extra) -> dict:
        for stage in stages:
            response = (caller or staff["editor_a"]).post(
                f"{NOTICES}/{notice['id']}/transitions", json={"to": stage, **extra}
            )
            assert response.status_code == 200, response.get_json()
            notice = response.get_json()
        return notice

    return transition


@pytest.fixture
def statements(app):
    """SQL statements sent while the fixture is active (savepoint bookkeeping of the tests left out)."""
    sent = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            sent.append(statement)

    engine = app.extensions["database"].engine
    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)
