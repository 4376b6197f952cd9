"""Staff users: admins manage everyone, other staff see their own department; the create-user CLI."""

import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.models import AuditEvent, User
from tests.conftest import PASSWORD, assert_problem

USERS = "/api/v1/users"
NEW_PASSWORD = "mật khẩu mới rất dài"
NON_ADMIN_STAFF = ["editor_a", "officer_a", "viewer_a", "officer_b"]


def user_url(user):
    return f"{USERS}/{user.id}"


def new_officer(department, **extra):
    return {
        "email": "nguyen.van.a@danang.gov.vn",
        "full_name": "Nguyễn Văn A",
        "password": NEW_PASSWORD,
        "role": "officer",
        "department_id": str(department.id),
        **extra,
    }


def emails(response):
    assert response.status_code == 200, response.get_json()
    return {user["email"] for user in response.get_json()["items"]}


def audit_events(db, action, user_id):
    return db.scalars(
        select(AuditEvent).where(AuditEvent.action == action, AuditEvent.entity_id == str(user_id))
    ).all()


# ---------------------------------------------------------------- admin CRUD


def test_admin_creates_an_officer_who_can_then_sign_in(admin, client, department_a):
    response = admin.post(USERS, json=new_officer(department_a))

    assert response.status_code == 201
    created = response.get_json()
    assert created["email"] == "nguyen.van.a@danang.gov.vn"
    assert created["full_name"] == "Nguyễn Văn A"
    assert created["role"] == "officer"
    assert created["department_id"] == str(department_a.id)
    assert created["active"] is True and created["last_login_at"] is None

    signed_in = client.post("/api/v1/auth/token", json={"email": created["email"], "password": NEW_PASSWORD})
    assert signed_in.status_code == 200
    fetched = admin.get(f"{USERS}/{created['id']}").get_json()
    assert fetched.pop("last_login_at") is not None
    assert fetched == {key: value for key, value in created.items() if key != "last_login_at"}


def test_admin_may_be_created_without_a_department(admin):
    response = admin.post(
        USERS, json={"email": "vp@danang.gov.vn", "password": NEW_PASSWORD, "role": "admin"}
    )
    assert response.status_code == 201
    assert response.get_json()["department_id"] is None


def test_email_is_stored_in_lower_case(admin, department_a):
    response = admin.post(USERS, json=new_officer(department_a, email="Tran.Thi.B@DaNang.gov.vn"))
    assert response.get_json()["email"] == "tran.thi.b@danang.gov.vn"


def test_admin_lists_every_department_and_filters(admin, staff, department_a, department_b):
    everyone = {caller.principal.email for caller in staff.values()}
    assert emails(admin.get(USERS)) == everyone

    assert emails(admin.get(USERS, query_string={"department_id": str(department_b.id)})) == {
        staff["officer_b"].principal.email
    }
    assert emails(admin.get(USERS, query_string={"role": "officer"})) == {
        staff["officer_a"].principal.email,
        staff["officer_b"].principal.email,
    }


def test_list_pages_through_every_user_once(admin, staff):
    seen, cursor = [], None
    while True:
        page = admin.get(
            USERS, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}
        ).get_json()
        assert len(page["items"]) <= 2
        seen += [user["email"] for user in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(caller.principal.email for caller in staff.values())


def test_admin_deactivates_a_user(admin, client, staff):
    officer = staff["officer_a"].principal

    response = admin.patch(user_url(officer), json={"active": False})

    assert response.status_code == 200 and response.get_json()["active"] is False
    signed_in = client.post("/api/v1/auth/token", json={"email": officer.email, "password": PASSWORD})
    assert_problem(signed_in, 401, "invalid_credentials")
    assert_problem(staff["officer_a"].get(USERS), 401, "invalid_token")


def test_admin_reactivates_a_user(admin, make_user, department_a):
    retired = make_user("viewer", department_a, active=False)
    assert admin.patch(user_url(retired), json={"active": True}).get_json()["active"] is True


def test_admin_changes_a_role_and_the_new_role_applies_from_the_next_sign_in(admin, client, staff):
    officer = staff["officer_a"]

    response = admin.patch(user_url(officer.principal), json={"role": "admin", "department_id": None})

    assert response.status_code == 200
    assert (response.get_json()["role"], response.get_json()["department_id"]) == ("admin", None)
    # The token from before the change ends (tests/test_auth.py); a new one carries admin rights.
    assert_problem(officer.get(USERS), 401, "invalid_token")
    token = client.post("/api/v1/auth/token", json={"email": officer.principal.email, "password": PASSWORD})
    new_user = {"email": "x@danang.gov.vn", "password": NEW_PASSWORD, "role": "admin"}
    created = client.post(
        USERS, json=new_user, headers={"Authorization": f"Bearer {token.get_json()['access_token']}"}
    )
    assert created.status_code == 201


def test_admin_moves_a_user_to_another_department(admin, staff, department_b):
    response = admin.patch(
        user_url(staff["officer_a"].principal), json={"department_id": str(department_b.id)}
    )
    assert response.get_json()["department_id"] == str(department_b.id)
    assert staff["officer_a"].principal.email in emails(staff["officer_b"].get(USERS))


def test_admin_changes_a_password(admin, client, staff):
    officer = staff["officer_a"].principal
    assert admin.patch(user_url(officer), json={"password": NEW_PASSWORD}).status_code == 200

    def sign_in(password):
        return client.post(
            "/api/v1/auth/token", json={"email": officer.email, "password": password}
        ).status_code

    assert (sign_in(PASSWORD), sign_in(NEW_PASSWORD)) == (401, 200)


def test_unknown_user_is_404(admin):
    missing = "/api/v1/users/00000000-0000-0000-0000-000000000000"
    assert_problem(admin.get(missing), 404, "not_found")
    assert_problem(admin.patch(missing, json={"active": False}), 404, "not_found")


# ---------------------------------------------------------------- rules


def test_duplicate_email_is_a_conflict(admin, staff, department_a):
    taken = staff["officer_b"].principal.email.upper()
    assert_problem(admin.post(USERS, json=new_officer(department_a, email=taken)), 409, "email_taken")


@pytest.mark.parametrize("role", ["editor", "officer", "viewer"])
def test_staff_other_than_admins_need_a_department(admin, role):
    response = admin.post(USERS, json={"email": "x@danang.gov.vn", "password": NEW_PASSWORD, "role": role})
    errors = assert_problem(response, 422, "validation_failed")["errors"]
    assert errors == {"department_id": [f"Role {role} needs a department."]}


def test_demoting_an_admin_without_department_needs_one(admin, make_user):
    other_admin = make_user("admin")
    response = admin.patch(user_url(other_admin), json={"role": "officer"})
    assert "department_id" in assert_problem(response, 422)["errors"]
    assert admin.get(user_url(other_admin)).get_json()["role"] == "admin"


def test_an_admin_belongs_to_no_department(admin, department_a, sql):
    response = admin.post(USERS, json=new_officer(department_a, role="admin"))

    problem = assert_problem(response, 422, "admin_in_department")
    assert problem["errors"] == {"department_id": ["An admin acts for every department and belongs to none."]}
    assert sql("SELECT count(*) FROM users WHERE email = 'nguyen.van.a@danang.gov.vn'").scalar_one() == 0


def test_the_database_refuses_an_admin_in_a_department_too(admin, db, sql, department_a):
    with pytest.raises(IntegrityError, match="ck_users_admin_has_no_department"), db.begin_nested():
        sql("UPDATE users SET department_id = :d WHERE id = :id", d=department_a.id, id=admin.principal.id)


def test_promoting_to_admin_leaves_the_department(admin, staff):
    officer = staff["officer_a"].principal

    assert_problem(admin.patch(user_url(officer), json={"role": "admin"}), 422, "admin_in_department")
    assert admin.get(user_url(officer)).get_json()["role"] == "officer"
    assert staff["officer_a"].get(USERS).status_code == 200  # a refused change ends no token

    promoted = admin.patch(user_url(officer), json={"role": "admin", "department_id": None}).get_json()
    assert (promoted["role"], promoted["department_id"]) == ("admin", None)
    moved = admin.patch(
        user_url(officer), json={"department_id": str(staff["officer_b"].principal.department_id)}
    )
    assert_problem(moved, 422, "admin_in_department")


def test_unknown_department_is_refused(admin, department_a):
    body = new_officer(department_a, department_id="00000000-0000-0000-0000-000000000000")
    assert "department_id" in assert_problem(admin.post(USERS, json=body), 422)["errors"]


@pytest.mark.parametrize(
    "change",
    [
        {"password": "short"},
        {"role": "superuser"},
        {"email": "not-an-email"},
        {"active": False},  # read-only on create
        {"is_admin": True},  # unknown field
    ],
    ids=["short-password", "unknown-role", "bad-email", "read-only-field", "unknown-field"],
)
def test_bad_user_fields_are_validation_problems(admin, department_a, change):
    response = admin.post(USERS, json=new_officer(department_a, **change))
    field = next(iter(change))
    assert field in assert_problem(response, 422, "validation_failed")["errors"]


@pytest.mark.parametrize("change", [{"active": False}, {"role": "officer"}, {"role": "viewer"}])
def test_admin_cannot_lock_themself_out(admin, change):
    assert_problem(admin.patch(user_url(admin.principal), json=change), 409, "self_lockout")
    me = admin.get(user_url(admin.principal)).get_json()
    assert (me["active"], me["role"]) == (True, "admin")


def test_admin_may_edit_their_own_name(admin):
    response = admin.patch(user_url(admin.principal), json={"full_name": "Lê Thị Quản Trị", "role": "admin"})
    assert response.get_json()["full_name"] == "Lê Thị Quản Trị"


# ---------------------------------------------------------------- who may do what


@pytest.mark.parametrize("name", NON_ADMIN_STAFF)
def test_other_staff_list_only_their_department(staff, name):
    caller = staff[name]
    colleagues = {
        other.principal.email
        for other in staff.values()
        if other.principal.department_id == caller.principal.department_id
    }
    assert emails(caller.get(USERS)) == colleagues


def test_a_department_filter_cannot_widen_the_list(staff, department_b):
    response = staff["officer_a"].get(USERS, query_string={"department_id": str(department_b.id)})
    assert emails(response) == set()


def test_staff_see_a_colleague_but_not_another_departments_user(staff):
    officer_a = staff["officer_a"]
    assert officer_a.get(user_url(staff["viewer_a"].principal)).status_code == 200
    assert_problem(officer_a.get(user_url(staff["officer_b"].principal)), 404, "not_found")


CALLERS = ["editor_a", "officer_a", "viewer_a", "officer_b", "citizen", "integrator", "anonymous"]


@pytest.fixture
def callers(staff, citizen, integrator, client):
    return {**staff, "citizen": citizen, "integrator": integrator, "anonymous": client}


def refusal(name):
    return (401, "unauthorized") if name == "anonymous" else (403, "forbidden")


@pytest.mark.parametrize("name", CALLERS)
def test_only_admins_create_users(callers, name, department_a):
    assert_problem(callers[name].post(USERS, json=new_officer(department_a)), *refusal(name))


def test_a_refused_role_is_named_once(staff, department_a):
    problem = assert_problem(staff["editor_a"].post(USERS, json=new_officer(department_a)), 403, "forbidden")
    assert problem["detail"] == "Requires role: admin."


@pytest.mark.parametrize("name", CALLERS)
def test_only_admins_change_users(callers, name, staff):
    target = staff["viewer_a"].principal
    assert_problem(callers[name].patch(user_url(target), json={"role": "editor"}), *refusal(name))
    assert staff["admin"].get(user_url(target)).get_json()["role"] == "viewer"


@pytest.mark.parametrize("name", ["citizen", "integrator", "anonymous"])
def test_only_staff_read_users(callers, name, staff):
    assert_problem(callers[name].get(USERS), *refusal(name))
    assert_problem(callers[name].get(user_url(staff["officer_a"].principal)), *refusal(name))


# ---------------------------------------------------------------- secrets and audit


def test_passwords_and_hashes_never_appear_in_responses(admin, db, department_a):
    created = admin.post(USERS, json=new_officer(department_a))
    user_id = created.get_json()["id"]
    responses = [
        created,
        admin.get(USERS),
        admin.get(f"{USERS}/{user_id}"),
        admin.patch(f"{USERS}/{user_id}", json={"password": "một mật khẩu khác nữa"}),
    ]
    password_hash = db.scalar(select(User.password_hash).where(User.email == "nguyen.van.a@danang.gov.vn"))
    for response in responses:
        text = response.get_data(as_text=True)
        assert response.status_code in (200, 201)
        for secret in ("password", NEW_PASSWORD, "một mật khẩu khác nữa", password_hash):
            assert secret not in text


def test_audit_log_records_create_and_update_without_the_hash(admin, db, department_a):
    user_id = admin.post(USERS, json=new_officer(department_a)).get_json()["id"]
    admin.patch(f"{USERS}/{user_id}", json={"role": "editor", "password": "một mật khẩu khác nữa"})

    (created,) = audit_events(db, "user.create", user_id)
    (updated,) = audit_events(db, "user.update", user_id)
    for event in (created, updated):
        assert (event.actor_type, event.actor_id, event.entity) == ("user", str(admin.principal.id), "users")
        assert "password" not in json.dumps([event.before, event.after])
        assert db.scalar(select(User.password_hash).where(User.id == event.after["id"])) not in json.dumps(
            [event.before, event.after]
        )
    assert created.before is None and created.after["email"] == "nguyen.van.a@danang.gov.vn"
    assert (updated.before["role"], updated.after["role"]) == ("officer", "editor")


def test_refused_changes_leave_no_audit_trace(admin, db):
    admin.patch(user_url(admin.principal), json={"active": False})
    assert audit_events(db, "user.update", admin.principal.id) == []


# ---------------------------------------------------------------- CLI


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["create-user", *args])


def test_cli_creates_a_user_in_a_department(cli, client, db, department_a):
    result = cli(
        "--email",
        "Cli.User@DaNang.gov.vn",
        "--password",
        NEW_PASSWORD,
        "--role",
        "editor",
        "--department",
        department_a.code,
    )

    assert result.exit_code == 0, result.output
    assert "cli.user@danang.gov.vn" in result.output
    user = db.scalar(select(User).where(User.email == "cli.user@danang.gov.vn"))
    assert (user.role, user.department_id, user.active) == ("editor", department_a.id, True)
    assert user.password_hash != NEW_PASSWORD
    signed_in = client.post("/api/v1/auth/token", json={"email": user.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 200


def test_cli_creates_an_admin_without_department(cli, db):
    result = cli("--email", "root@danang.gov.vn", "--password", NEW_PASSWORD, "--role", "admin")
    assert result.exit_code == 0, result.output
    assert db.scalar(select(User.role).where(User.email == "root@danang.gov.vn")) == "admin"


def test_cli_refuses_an_unknown_department(cli, db):
    result = cli(
        "--email",
        "x@danang.gov.vn",
        "--password",
        NEW_PASSWORD,
        "--role",
        "officer",
        "--department",
        "NO-SUCH-DEPT",
    )
    assert result.exit_code != 0
    assert "NO-SUCH-DEPT" in result.output
    assert db.scalar(select(User).where(User.email == "x@danang.gov.vn")) is None


def test_cli_refuses_a_duplicate_email(cli, db, staff):
    existing = staff["officer_a"].principal
    result = cli("--email", existing.email.upper(), "--password", NEW_PASSWORD, "--role", "admin")

    assert result.exit_code != 0
    assert "exists" in result.output
    assert db.scalar(select(User.role).where(User.email == existing.email)) == "officer"
