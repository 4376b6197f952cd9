"""Categories of feedback, notices and alerts: public to read, admins write; deadlines default by priority."""

import pytest

from tests.conftest import assert_problem

CATEGORIES = "/api/v1/categories"
NON_ADMIN_STAFF = ["editor_a", "officer_a", "viewer_a", "officer_b"]


def new_category(**overrides):
    return {"code": "scam", "kind": "alert", "name_vi": "Lừa đảo", "name_en": "Scam", **overrides}


def count_categories(sql):
    return sql("SELECT count(*) FROM categories").scalar_one()


@pytest.fixture
def catalogue(admin):
    """A few categories of every kind, made through the API."""
    for code, kind, name in [
        ("road", "feedback", "Giao thông"),
        ("waste", "feedback", "Rác thải"),
        ("policy", "notice", "Chính sách"),
        ("flood", "alert", "Lũ lụt"),
    ]:
        response = admin.post(CATEGORIES, json={"code": code, "kind": kind, "name_vi": name})
        assert response.status_code == 201, response.get_json()


@pytest.fixture
def callers(staff, client, citizen, integrator):
    return {**staff, "anonymous": client, "citizen": citizen, "integrator": integrator}


# ---------------------------------------------------------------- reading (public)


def test_anyone_lists_active_categories_by_code(client, catalogue):
    response = client.get(CATEGORIES)

    assert response.status_code == 200
    assert [c["code"] for c in response.get_json()["items"]] == ["flood", "policy", "road", "waste"]
    assert response.get_json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("kind", "codes"),
    [("feedback", ["road", "waste"]), ("notice", ["policy"]), ("alert", ["flood"])],
)
def test_kind_filter(client, catalogue, kind, codes):
    items = client.get(CATEGORIES, query_string={"kind": kind}).get_json()["items"]

    assert [c["code"] for c in items] == codes


def test_unknown_kind_is_rejected(client):
    body = assert_problem(client.get(CATEGORIES, query_string={"kind": "gossip"}), 422, "validation_failed")
    assert "kind" in body["errors"]


def test_list_pages_through_with_a_cursor(client, catalogue):
    first = client.get(CATEGORIES, query_string={"limit": 3}).get_json()
    second = client.get(CATEGORIES, query_string={"limit": 3, "cursor": first["next_cursor"]}).get_json()

    assert [c["code"] for c in first["items"]] == ["flood", "policy", "road"]
    assert [c["code"] for c in second["items"]] == ["waste"]
    assert second["next_cursor"] is None


def test_anyone_reads_one_category(client, catalogue):
    response = client.get(f"{CATEGORIES}/road")

    assert response.status_code == 200
    body = response.get_json()
    assert {k: body[k] for k in ("code", "kind", "name_vi", "priority", "deadline_working_days")} == {
        "code": "road",
        "kind": "feedback",
        "name_vi": "Giao thông",
        "priority": "normal",
        "deadline_working_days": 5,
    }


def test_unknown_category_is_not_found(client):
    assert_problem(client.get(f"{CATEGORIES}/no-such-thing"), 404, "not_found")


def test_retired_category_leaves_the_list(admin, client, catalogue):
    assert admin.patch(f"{CATEGORIES}/waste", json={"active": False}).status_code == 200

    codes = [c["code"] for c in client.get(CATEGORIES, query_string={"kind": "feedback"}).get_json()["items"]]

    assert codes == ["road"]


# ---------------------------------------------------------------- writing (admin)


def test_admin_creates_a_category(admin, sql):
    response = admin.post(CATEGORIES, json=new_category())

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["code"] == "scam"
    assert body["kind"] == "alert"
    assert body["name_vi"] == "Lừa đảo"
    assert body["name_en"] == "Scam"
    assert sql("SELECT name_vi FROM categories WHERE code = 'scam'").scalar_one() == "Lừa đảo"


@pytest.mark.parametrize(("priority", "days"), [("urgent", 1), ("normal", 5), ("complex", 15)])
def test_deadline_defaults_by_priority(admin, priority, days):
    response = admin.post(CATEGORIES, json=new_category(priority=priority))

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["priority"] == priority
    assert response.get_json()["deadline_working_days"] == days


def test_priority_defaults_to_normal(admin):
    body = admin.post(CATEGORIES, json=new_category()).get_json()

    assert (body["priority"], body["deadline_working_days"]) == ("normal", 5)


def test_explicit_deadline_wins_over_the_default(admin):
    body = admin.post(CATEGORIES, json=new_category(priority="urgent", deadline_working_days=3)).get_json()

    assert (body["priority"], body["deadline_working_days"]) == ("urgent", 3)


def test_name_en_is_optional(admin):
    response = admin.post(CATEGORIES, json={"code": "road", "kind": "feedback", "name_vi": "Giao thông"})

    assert response.status_code == 201
    assert response.get_json()["name_en"] == ""


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"priority": "whenever"}, "priority"),
        ({"deadline_working_days": 0}, "deadline_working_days"),
        ({"deadline_working_days": 91}, "deadline_working_days"),
        ({"code": "Has Spaces"}, "code"),
        ({"name_vi": ""}, "name_vi"),
    ],
)
def test_bad_category_is_rejected_naming_the_field(admin, sql, overrides, field):
    before = count_categories(sql)

    body = assert_problem(admin.post(CATEGORIES, json=new_category(**overrides)), 422, "validation_failed")

    assert list(body["errors"]) == [field]
    assert count_categories(sql) == before


def test_duplicate_code_is_a_conflict(admin, sql):
    assert admin.post(CATEGORIES, json=new_category()).status_code == 201
    before = count_categories(sql)

    assert_problem(admin.post(CATEGORIES, json=new_category(kind="feedback")), 409, "category_code_taken")
    assert count_categories(sql) == before


def test_admin_patches_names_priority_and_deadline(admin, client, catalogue):
    response = admin.patch(
        f"{CATEGORIES}/road",
        json={
            "name_vi": "Giao thông đường bộ",
            "name_en": "Roads",
            "priority": "urgent",
            "deadline_working_days": 2,
        },
    )

    assert response.status_code == 200, response.get_json()
    stored = client.get(f"{CATEGORIES}/road").get_json()
    assert stored["name_vi"] == "Giao thông đường bộ"
    assert stored["name_en"] == "Roads"
    assert (stored["priority"], stored["deadline_working_days"]) == ("urgent", 2)


@pytest.mark.parametrize("field", ["code", "kind"])
def test_code_and_kind_cannot_be_patched(admin, client, catalogue, field):
    response = admin.patch(f"{CATEGORIES}/road", json={field: "alert"})

    assert field in assert_problem(response, 422, "validation_failed")["errors"]
    assert client.get(f"{CATEGORIES}/road").get_json()["kind"] == "feedback"


def test_patching_an_unknown_category_is_not_found(admin):
    assert_problem(admin.patch(f"{CATEGORIES}/no-such-thing", json={"name_vi": "X"}), 404, "not_found")


def test_writes_are_audited(admin, catalogue, sql):
    admin.patch(f"{CATEGORIES}/road", json={"priority": "complex"})

    events = sql(
        "SELECT e.action, e.before, e.after FROM audit_events e "
        "JOIN categories c ON e.entity_id = c.id::text "
        "WHERE e.entity = 'categories' AND c.code = 'road' ORDER BY e.id"
    ).all()
    assert [e.action for e in events] == ["category.create", "category.update"]
    assert events[1].before["priority"] == "normal"
    assert events[1].after["priority"] == "complex"


@pytest.mark.parametrize(
    ("who", "status"),
    [(role, 403) for role in NON_ADMIN_STAFF] + [("citizen", 403), ("integrator", 403), ("anonymous", 401)],
)
def test_only_admins_write_categories(callers, catalogue, client, sql, who, status):
    caller = callers[who]
    before = count_categories(sql)

    assert_problem(caller.post(CATEGORIES, json=new_category()), status)
    assert_problem(caller.patch(f"{CATEGORIES}/road", json={"name_vi": "Đổi tên"}), status)

    assert count_categories(sql) == before
    assert client.get(f"{CATEGORIES}/road").get_json()["name_vi"] == "Giao thông"
