"""The audit log: admins read who changed what, newest first, filtered by entity and actor."""

import pytest

from tests.conftest import Caller, assert_problem, staff_token
from tests.test_departments import forged

AUDIT = "/api/v1/audit"
NON_ADMIN_STAFF = ["editor_a", "officer_a", "viewer_a", "officer_b"]


@pytest.fixture
def second_admin(app, make_user):
    user = make_user("admin")
    return Caller(app.test_client(), staff_token(user), user)


@pytest.fixture
def history(admin, second_admin):
    """Five writes by two admins, oldest first: (action, entity_id, actor)."""
    made = []

    def write(caller, method, url, payload, action):
        response = caller.open(method, url, json=payload)
        assert response.status_code in (200, 201), response.get_json()
        made.append((action, response.get_json()["id"], str(caller.principal.id)))
        return response.get_json()

    health = write(
        admin, "POST", "/api/v1/departments", {"code": "SO-YT", "name": "Sở Y tế"}, "department.create"
    )
    write(
        second_admin,
        "POST",
        "/api/v1/departments",
        {"code": "SO-GD", "name": "Sở Giáo dục"},
        "department.create",
    )
    write(
        admin,
        "PATCH",
        f"/api/v1/departments/{health['id']}",
        {"name": "Sở Y tế Đà Nẵng"},
        "department.update",
    )
    write(
        second_admin,
        "POST",
        "/api/v1/categories",
        {"code": "scam", "kind": "alert", "name_vi": "Lừa đảo"},
        "category.create",
    )
    write(
        second_admin, "PATCH", f"/api/v1/departments/{health['id']}", {"active": False}, "department.update"
    )
    return made


def events(caller, **params):
    response = caller.get(AUDIT, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_admin_reads_every_write_newest_first(admin, history):
    items = events(admin, limit=100)["items"]

    assert [(e["action"], e["entity_id"], e["actor_id"]) for e in items] == list(reversed(history))
    assert [e["id"] for e in items] == sorted((e["id"] for e in items), reverse=True)


def test_event_carries_actor_before_after_ip_and_time(admin, history):
    update = events(admin, limit=100)["items"][2]  # the admin's rename of Sở Y tế

    assert update["action"] == "department.update"
    assert update["entity"] == "departments"
    assert update["actor_type"] == "user"
    assert update["actor_label"] == admin.principal.email
    assert update["before"]["name"] == "Sở Y tế"
    assert update["after"]["name"] == "Sở Y tế Đà Nẵng"
    assert update["ip"] == "127.0.0.1"
    assert update["at"].endswith("+00:00")


def test_filter_by_entity(admin, history):
    items = events(admin, entity="categories")["items"]

    assert [(e["action"], e["entity"]) for e in items] == [("category.create", "categories")]


def test_filter_by_entity_and_id(admin, history):
    health_id = history[0][1]

    items = events(admin, entity="departments", entity_id=health_id)["items"]

    assert [e["action"] for e in items] == ["department.update", "department.update", "department.create"]
    assert {e["entity_id"] for e in items} == {health_id}


def test_filter_by_actor(admin, second_admin, history):
    items = events(admin, actor=str(second_admin.principal.id))["items"]

    assert [e["action"] for e in items] == ["department.update", "category.create", "department.create"]
    assert {e["actor_label"] for e in items} == {second_admin.principal.email}


def test_filter_matching_nothing_is_an_empty_page(admin, history):
    assert events(admin, entity="feedback") == {"items": [], "next_cursor": None}


def test_pages_walk_the_log_without_gaps_or_repeats(admin, history):
    seen, cursor = [], None
    while True:
        page = events(admin, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 2
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [e["id"] for e in events(admin, limit=100)["items"]]
    assert len(seen) == len(set(seen)) == len(history)


def test_pagination_keeps_the_filter(admin, history):
    first = events(admin, entity="departments", limit=2)
    second = events(admin, entity="departments", limit=2, cursor=first["next_cursor"])

    assert [e["action"] for e in first["items"] + second["items"]] == [
        "department.update",
        "department.update",
        "department.create",
        "department.create",
    ]
    assert second["next_cursor"] is None


def test_a_department_cursor_is_not_an_audit_cursor(admin, make_department):
    for code in ("SO-A", "SO-B", "SO-C"):
        make_department(code)
    department_cursor = admin.get("/api/v1/departments", query_string={"limit": 1}).get_json()["next_cursor"]

    assert_problem(admin.get(AUDIT, query_string={"cursor": department_cursor}), 422, "invalid_cursor")


@pytest.mark.parametrize("values", [[True], [10**30], [1.5], ["7"], [None]])
def test_forged_cursor_is_invalid_not_a_server_error(admin, values):
    assert_problem(admin.get(AUDIT, query_string={"cursor": forged(values)}), 422, "invalid_cursor")


def test_reads_are_not_audited(admin, history):
    admin.get("/api/v1/departments")
    admin.get(AUDIT)

    assert len(events(admin, limit=100)["items"]) == len(history)


@pytest.mark.parametrize(
    ("who", "status"),
    [(role, 403) for role in NON_ADMIN_STAFF] + [("citizen", 403), ("integrator", 403), ("anonymous", 401)],
)
def test_only_admins_read_the_audit_log(staff, client, citizen, integrator, history, who, status):
    caller = {**staff, "anonymous": client, "citizen": citizen, "integrator": integrator}[who]

    assert_problem(caller.get(AUDIT), status)
