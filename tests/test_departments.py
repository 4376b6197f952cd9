"""Departments and their focal points: admins write, every staff role reads, nobody else does."""

import base64
import json
import uuid

import pytest

from tests.conftest import PASSWORD, assert_problem

DEPARTMENTS = "/api/v1/departments"
STAFF_ROLES = ["admin", "editor_a", "officer_a", "viewer_a", "officer_b"]
NON_ADMIN_STAFF = ["editor_a", "officer_a", "viewer_a", "officer_b"]


def new_department(**overrides):
    return {
        "code": "STTTT-DN",
        "name": "Sở Khoa học và Công nghệ Đà Nẵng",
        "province_code": 48,
        "focal_point": {"name": "Nguyễn Văn An", "phone": "0912 345 678", "email": "an@danang.gov.vn"},
        **overrides,
    }


def count_departments(sql):
    return sql("SELECT count(*) FROM departments").scalar_one()


@pytest.fixture
def callers(staff, client, citizen, integrator, integrator_without_scope):
    return {
        **staff,
        "anonymous": client,
        "citizen": citizen,
        "integrator": integrator,
        "integrator_without_scope": integrator_without_scope,
    }


# ---------------------------------------------------------------- create and change


def test_admin_creates_a_department_with_its_focal_point(admin, sql):
    response = admin.post(DEPARTMENTS, json=new_department())

    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["code"] == "STTTT-DN"
    assert created["province_code"] == 48
    assert created["active"] is True
    assert created["intake"] is False
    assert created["parent_id"] is None
    assert created["focal_point"] == {
        "name": "Nguyễn Văn An",
        "phone": "+84912345678",
        "email": "an@danang.gov.vn",
    }
    stored = sql("SELECT focal_phone, name_search FROM departments WHERE id = :id", id=created["id"]).one()
    assert stored.focal_phone == "+84912345678"
    assert stored.name_search == "so khoa hoc va cong nghe da nang"


@pytest.mark.parametrize("phone", ["0912 345 678", "0912.345.678", "+84 912 345 678", "(+84) 912-345-678"])
def test_focal_phone_is_stored_in_e164_however_it_is_written(admin, phone):
    response = admin.post(DEPARTMENTS, json=new_department(focal_point={"name": "An", "phone": phone}))

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["focal_point"]["phone"] == "+84912345678"


def test_created_department_can_be_read_back(admin):
    created = admin.post(DEPARTMENTS, json=new_department()).get_json()

    response = admin.get(f"{DEPARTMENTS}/{created['id']}")

    assert response.status_code == 200
    assert response.get_json() == created


def test_central_department_without_province_or_focal_point(admin):
    response = admin.post(DEPARTMENTS, json={"code": "BO-TTTT", "name": "Bộ Thông tin và Truyền thông"})

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["province_code"] is None
    assert response.get_json()["focal_point"] is None


def test_admin_patches_name_and_focal_phone(admin, make_department, sql):
    department = make_department("SO-YT")

    response = admin.patch(
        f"{DEPARTMENTS}/{department.id}",
        json={"name": "Sở Y tế Đà Nẵng", "focal_point": {"name": "Trần Thị Bình", "phone": "0236 3822 123"}},
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "Sở Y tế Đà Nẵng"
    assert response.get_json()["focal_point"] == {
        "name": "Trần Thị Bình",
        "phone": "+842363822123",
        "email": None,
    }
    stored = sql("SELECT name_search, focal_phone FROM departments WHERE id = :id", id=department.id).one()
    assert stored.name_search == "so y te da nang"
    assert stored.focal_phone == "+842363822123"


def test_patch_leaves_fields_it_does_not_name(admin, make_department):
    department = make_department("SO-YT", name="Sở Y tế")

    response = admin.patch(f"{DEPARTMENTS}/{department.id}", json={"active": False})

    assert response.status_code == 200
    body = response.get_json()
    assert body["active"] is False
    assert body["name"] == "Sở Y tế"
    assert body["focal_point"]["phone"] == "+84912345678"


def test_focal_point_null_removes_it(admin, make_department):
    department = make_department("SO-YT")

    response = admin.patch(f"{DEPARTMENTS}/{department.id}", json={"focal_point": None})

    assert response.status_code == 200
    assert response.get_json()["focal_point"] is None


@pytest.mark.parametrize(
    "phone", ["12345", "0912", "0912 345 6789", "0123 456 789", "not a phone", "+1 202 555 0100", ""]
)
def test_invalid_focal_phone_is_rejected_naming_the_field(admin, sql, phone):
    before = count_departments(sql)

    response = admin.post(DEPARTMENTS, json=new_department(focal_point={"name": "An", "phone": phone}))

    body = assert_problem(response, 422, "validation_failed")
    assert "phone" in body["errors"]["focal_point"]
    assert count_departments(sql) == before


def test_invalid_focal_phone_on_patch_changes_nothing(admin, make_department, sql):
    department = make_department("SO-YT")

    response = admin.patch(
        f"{DEPARTMENTS}/{department.id}", json={"focal_point": {"name": "An", "phone": "12"}}
    )

    body = assert_problem(response, 422, "validation_failed")
    assert "phone" in body["errors"]["focal_point"]
    stored = sql("SELECT focal_name, focal_phone FROM departments WHERE id = :id", id=department.id).one()
    assert tuple(stored) == ("Cán bộ đầu mối", "+84912345678")


def test_invalid_focal_email_is_rejected(admin):
    response = admin.post(
        DEPARTMENTS, json=new_department(focal_point={"name": "An", "email": "an-at-danang"})
    )

    body = assert_problem(response, 422, "validation_failed")
    assert "email" in body["errors"]["focal_point"]


def test_unknown_province_code_is_rejected(admin):
    body = assert_problem(
        admin.post(DEPARTMENTS, json=new_department(province_code=99)), 422, "validation_failed"
    )
    assert "province_code" in body["errors"]


@pytest.mark.parametrize("code", ["x", "lower-case", "HAS SPACE", "A" * 33])
def test_badly_formed_code_is_rejected(admin, code):
    body = assert_problem(admin.post(DEPARTMENTS, json=new_department(code=code)), 422, "validation_failed")
    assert "code" in body["errors"]


# ---------------------------------------------------------------- who may read and write


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_reads_departments(staff, department_a, role):
    caller = staff[role]

    listed = caller.get(DEPARTMENTS)
    one = caller.get(f"{DEPARTMENTS}/{department_a.id}")

    assert listed.status_code == 200
    assert {"DEPT-A", "DEPT-B"} <= {d["code"] for d in listed.get_json()["items"]}
    assert one.status_code == 200
    assert one.get_json()["code"] == "DEPT-A"


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("citizen", 403), ("integrator_without_scope", 403)],
)
def test_only_staff_and_keys_with_the_scope_read_departments(callers, department_a, who, status):
    caller = callers[who]

    assert_problem(caller.get(DEPARTMENTS), status)
    assert_problem(caller.get(f"{DEPARTMENTS}/{department_a.id}"), status)


@pytest.mark.parametrize(
    ("who", "status"),
    [(role, 403) for role in NON_ADMIN_STAFF] + [("citizen", 403), ("integrator", 403), ("anonymous", 401)],
)
def test_only_admins_write_departments(callers, department_a, sql, who, status):
    caller = callers[who]
    before = count_departments(sql)

    assert_problem(caller.post(DEPARTMENTS, json=new_department()), status)
    assert_problem(caller.patch(f"{DEPARTMENTS}/{department_a.id}", json={"name": "Đổi tên"}), status)

    assert count_departments(sql) == before
    assert (
        sql("SELECT name FROM departments WHERE id = :id", id=department_a.id).scalar_one() == "Phòng DEPT-A"
    )


def test_unknown_department_is_not_found(admin):
    missing = uuid.uuid4()

    assert_problem(admin.get(f"{DEPARTMENTS}/{missing}"), 404, "not_found")
    assert_problem(admin.patch(f"{DEPARTMENTS}/{missing}", json={"name": "X"}), 404, "not_found")


# ---------------------------------------------------------------- rules


def test_duplicate_code_is_a_conflict(admin, make_department, sql):
    make_department("SO-YT")
    before = count_departments(sql)

    assert_problem(admin.post(DEPARTMENTS, json=new_department(code="SO-YT")), 409, "department_code_taken")
    assert count_departments(sql) == before


def test_renaming_to_a_taken_code_is_a_conflict(admin, make_department):
    make_department("SO-YT")
    other = make_department("SO-GD")

    assert_problem(
        admin.patch(f"{DEPARTMENTS}/{other.id}", json={"code": "SO-YT"}), 409, "department_code_taken"
    )


def test_keeping_its_own_code_is_not_a_conflict(admin, make_department):
    department = make_department("SO-YT")

    assert admin.patch(f"{DEPARTMENTS}/{department.id}", json={"code": "SO-YT"}).status_code == 200


def test_second_intake_in_a_province_is_a_conflict(admin, department_a, sql):
    assert department_a.intake and department_a.province_code == 48
    before = count_departments(sql)

    response = admin.post(DEPARTMENTS, json=new_department(intake=True))

    body = assert_problem(response, 409, "intake_taken")
    assert "DEPT-A" in body["detail"]
    assert count_departments(sql) == before


def test_making_another_department_intake_is_a_conflict(admin, department_a, department_b):
    assert_problem(
        admin.patch(f"{DEPARTMENTS}/{department_b.id}", json={"intake": True}), 409, "intake_taken"
    )


def test_moving_an_intake_department_into_a_province_with_one_is_a_conflict(
    admin, department_a, make_department
):
    hanoi_intake = make_department("UBND-HN", province_code=1, intake=True)

    response = admin.patch(f"{DEPARTMENTS}/{hanoi_intake.id}", json={"province_code": 48})

    assert_problem(response, 409, "intake_taken")


def test_intake_in_another_province_is_allowed(admin, department_a):
    response = admin.post(DEPARTMENTS, json=new_department(code="UBND-HN", province_code=1, intake=True))

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["intake"] is True


def test_intake_can_be_handed_over(admin, department_a, department_b):
    assert admin.patch(f"{DEPARTMENTS}/{department_a.id}", json={"intake": False}).status_code == 200

    response = admin.patch(f"{DEPARTMENTS}/{department_b.id}", json={"intake": True})

    assert response.status_code == 200
    assert response.get_json()["intake"] is True


def test_intake_without_province_is_invalid(admin):
    response = admin.post(DEPARTMENTS, json=new_department(province_code=None, intake=True))

    body = assert_problem(response, 422, "validation_failed")
    assert "intake" in body["errors"]


def test_intake_department_cannot_lose_its_province(admin, department_a):
    response = admin.patch(f"{DEPARTMENTS}/{department_a.id}", json={"province_code": None})

    body = assert_problem(response, 422, "validation_failed")
    assert "intake" in body["errors"]


def test_parent_must_exist(admin, sql):
    before = count_departments(sql)

    response = admin.post(DEPARTMENTS, json=new_department(parent_id=str(uuid.uuid4())))

    body = assert_problem(response, 422, "validation_failed")
    assert "parent_id" in body["errors"]
    assert count_departments(sql) == before


def test_sub_department_names_its_parent(admin, make_department):
    parent = make_department("UBND-DN")

    response = admin.post(DEPARTMENTS, json=new_department(parent_id=str(parent.id)))

    assert response.status_code == 201
    assert response.get_json()["parent_id"] == str(parent.id)


def test_department_cannot_be_its_own_parent(admin, make_department):
    department = make_department("UBND-DN")

    response = admin.patch(f"{DEPARTMENTS}/{department.id}", json={"parent_id": str(department.id)})

    assert "parent_id" in assert_problem(response, 422, "validation_failed")["errors"]


def test_department_cannot_sit_under_its_own_descendant(admin, make_department, sql):
    top = make_department("UBND-DN")
    middle = make_department("SO-YT", parent_id=top.id)
    bottom = make_department("BV-DN", parent_id=middle.id)

    response = admin.patch(f"{DEPARTMENTS}/{top.id}", json={"parent_id": str(bottom.id)})

    assert "parent_id" in assert_problem(response, 422, "validation_failed")["errors"]
    assert sql("SELECT parent_id FROM departments WHERE id = :id", id=top.id).scalar_one() is None


def test_parent_can_be_removed(admin, make_department):
    parent = make_department("UBND-DN")
    child = make_department("SO-YT", parent_id=parent.id)

    response = admin.patch(f"{DEPARTMENTS}/{child.id}", json={"parent_id": None})

    assert response.status_code == 200
    assert response.get_json()["parent_id"] is None


def sign_in(client, user):
    return client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})


def test_deactivating_a_department_ends_its_staffs_tokens_until_it_is_back(
    admin, client, staff, department_a
):
    officer_a, officer_b = staff["officer_a"], staff["officer_b"]
    stolen = sign_in(client, officer_a.principal).get_json()["access_token"]
    as_thief = {"Authorization": f"Bearer {stolen}"}

    assert admin.patch(f"{DEPARTMENTS}/{department_a.id}", json={"active": False}).status_code == 200

    assert_problem(officer_a.get(DEPARTMENTS), 401, "invalid_token")
    assert_problem(client.get(DEPARTMENTS, headers=as_thief), 401, "invalid_token")
    assert_problem(sign_in(client, officer_a.principal), 401, "invalid_credentials")
    assert officer_b.get(DEPARTMENTS).status_code == 200  # another department's staff keep theirs

    assert admin.patch(f"{DEPARTMENTS}/{department_a.id}", json={"active": True}).status_code == 200

    assert_problem(client.get(DEPARTMENTS, headers=as_thief), 401, "invalid_token")
    fresh = sign_in(client, officer_a.principal).get_json()["access_token"]
    assert client.get(DEPARTMENTS, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_other_changes_to_a_department_keep_its_staffs_tokens(admin, staff, department_a):
    assert (
        admin.patch(
            f"{DEPARTMENTS}/{department_a.id}", json={"name": "Phòng mới", "active": True}
        ).status_code
        == 200
    )
    assert staff["officer_a"].get(DEPARTMENTS).status_code == 200


# ---------------------------------------------------------------- listing


def test_limit_2_walks_every_department_once_in_code_order(admin, make_department, sql):
    for code in ("SO-A", "SO-B", "SO-C", "SO-D", "SO-E"):
        make_department(code)
    expected = list(sql("SELECT code FROM departments ORDER BY code").scalars())

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = admin.get(DEPARTMENTS, query_string=params).get_json()
        assert len(page["items"]) <= 2
        seen += [d["code"] for d in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == expected
    assert len(seen) == len(set(seen)) >= 5
    assert pages == -(-len(expected) // 2)


def test_last_page_has_no_cursor(admin):
    page = admin.get(DEPARTMENTS, query_string={"limit": 100}).get_json()

    assert page["next_cursor"] is None


def forged(values) -> str:
    """A cursor in the list's own encoding (base64 of a JSON array) that the list never gave out."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "é",
        forged("not a list"),
        forged(["SO-A", "SO-B"]),  # too many values
        forged([None]),
        forged([1]),  # a number where the code is text
        forged(["SO\u0000A"]),  # text PostgreSQL cannot hold
    ],
)
def test_bad_cursor_is_invalid(admin, cursor):
    response = admin.get(DEPARTMENTS, query_string={"cursor": cursor})

    body = assert_problem(response, 422, "invalid_cursor")
    assert "cursor" in body["errors"]


@pytest.mark.parametrize("q", ["y te", "Y TẾ", "Y tế"])
def test_search_by_name_without_diacritics(admin, make_department, q):
    make_department("SO-YT", name="Sở Y tế")
    make_department("SO-GD", name="Sở Giáo dục và Đào tạo")

    items = admin.get(DEPARTMENTS, query_string={"q": q}).get_json()["items"]

    assert [d["code"] for d in items] == ["SO-YT"]


def test_search_treats_percent_literally(admin, make_department):
    make_department("SO-YT", name="Sở Y tế")

    assert admin.get(DEPARTMENTS, query_string={"q": "%"}).get_json()["items"] == []


def test_filter_by_province_and_active(admin, make_department):
    make_department("UBND-HN", province_code=1)
    make_department("OLD-HN", province_code=1).active = False

    hanoi = admin.get(DEPARTMENTS, query_string={"province_code": 1}).get_json()["items"]
    active_hanoi = admin.get(DEPARTMENTS, query_string={"province_code": 1, "active": "true"}).get_json()[
        "items"
    ]

    assert [d["code"] for d in hanoi] == ["OLD-HN", "UBND-HN"]
    assert [d["code"] for d in active_hanoi] == ["UBND-HN"]


# ---------------------------------------------------------------- audit


def audit_events(sql, entity_id):
    return sql(
        "SELECT action, actor_type, actor_id, before, after, ip FROM audit_events "
        "WHERE entity = 'departments' AND entity_id = :id ORDER BY id",
        id=str(entity_id),
    ).all()


def test_create_is_audited_with_the_new_state(admin, sql):
    created = admin.post(DEPARTMENTS, json=new_department()).get_json()

    [event] = audit_events(sql, created["id"])

    assert event.action == "department.create"
    assert (event.actor_type, event.actor_id) == ("user", str(admin.principal.id))
    assert event.before is None
    assert event.after["code"] == "STTTT-DN"
    assert event.after["focal_phone"] == "+84912345678"
    assert event.ip == "127.0.0.1"


def test_update_is_audited_with_before_and_after(admin, make_department, sql):
    department = make_department("SO-YT", name="Sở Y tế")

    admin.patch(f"{DEPARTMENTS}/{department.id}", json={"name": "Sở Y tế Đà Nẵng"})

    [event] = audit_events(sql, department.id)
    assert event.action == "department.update"
    assert event.before["name"] == "Sở Y tế"
    assert event.after["name"] == "Sở Y tế Đà Nẵng"


def test_rejected_write_is_not_audited(admin, make_department, sql):
    department = make_department("SO-YT")

    admin.patch(f"{DEPARTMENTS}/{department.id}", json={"parent_id": str(department.id)})

    assert audit_events(sql, department.id) == []
