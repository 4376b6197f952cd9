"""Integrators' API keys: created by admins, shown once, stored hashed, scoped, revoked at once."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.auth import current_principal
from api.errors import problem_for
from services.core.db import utcnow
from services.core.errors import DomainError
from services.core.security import token_hash
from services.identity import policy
from services.models import ApiKey, AuditEvent
from tests.conftest import Caller, assert_problem

API_KEYS = "/api/v1/api-keys"
# Any authenticated call will do to tell a live key (403: not staff) from a dead one (401).
PROBE = "/api/v1/users"
PORTAL = {"name": "Cổng thông tin điện tử tỉnh", "scopes": ["notices:read", "alerts:read"]}


@pytest.fixture
def created(admin):
    response = admin.post(API_KEYS, json=PORTAL)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def portal(app, created):
    """A caller holding the freshly created key."""
    return Caller(app.test_client(), created["key"], created)


def listed(admin):
    response = admin.get(API_KEYS)
    assert response.status_code == 200
    return response


def test_admin_creates_a_key_shown_once(created):
    assert created["key"].startswith("cak_") and len(created["key"]) > 40
    assert created["prefix"] == created["key"][:10]
    assert created["name"] == PORTAL["name"]
    assert created["scopes"] == ["alerts:read", "notices:read"]
    assert created["department_id"] is None and created["last_used_at"] is None


def test_repeated_scopes_are_granted_once(admin):
    response = admin.post(API_KEYS, json={"name": "Đài phát thanh", "scopes": ["alerts:read", "alerts:read"]})
    assert response.get_json()["scopes"] == ["alerts:read"]


def test_key_for_a_department(admin, department_a):
    response = admin.post(API_KEYS, json={**PORTAL, "department_id": str(department_a.id)})
    assert response.get_json()["department_id"] == str(department_a.id)


def test_the_new_key_authenticates(portal):
    assert_problem(portal.get(PROBE), 403, "forbidden")


def test_list_never_shows_the_key(admin, created):
    response = listed(admin)

    (item,) = [item for item in response.get_json()["items"] if item["id"] == created["id"]]
    assert "key" not in item and "key_hash" not in item
    assert item["prefix"] == created["prefix"]
    assert created["key"] not in response.get_data(as_text=True)


def test_list_is_newest_first(admin, created):
    newer = admin.post(API_KEYS, json={"name": "Hệ thống quốc gia", "scopes": ["feedback:read"]}).get_json()
    ids = [item["id"] for item in listed(admin).get_json()["items"]]
    assert ids.index(newer["id"]) < ids.index(created["id"])


def test_key_is_stored_only_as_its_sha256_hash(created, sql):
    rows = sql("SELECT to_jsonb(k)::text FROM api_keys k").scalars().all()
    assert rows and not any(created["key"] in row for row in rows)
    assert (
        sql("SELECT count(*) FROM api_keys WHERE key_hash = :h", h=token_hash(created["key"])).scalar() == 1
    )


def test_revoked_key_gets_401_on_the_very_next_request(admin, portal):
    assert_problem(portal.get(PROBE), 403)

    assert admin.delete(f"{API_KEYS}/{portal.principal['id']}").status_code == 204

    response = portal.get(PROBE)
    assert_problem(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_stays_listed_as_revoked(admin, created, integrator):
    admin.delete(f"{API_KEYS}/{created['id']}")

    revoked = {item["id"]: item["revoked_at"] for item in listed(admin).get_json()["items"]}
    assert revoked[created["id"]] is not None
    assert revoked[str(integrator.principal.id)] is None


def test_revoking_twice_or_an_unknown_key_is_404(admin, created):
    admin.delete(f"{API_KEYS}/{created['id']}")
    assert_problem(admin.delete(f"{API_KEYS}/{created['id']}"), 404, "not_found")
    assert_problem(admin.delete(f"{API_KEYS}/00000000-0000-0000-0000-000000000000"), 404, "not_found")


def test_revoking_one_key_leaves_the_others(admin, portal, integrator):
    admin.delete(f"{API_KEYS}/{portal.principal['id']}")
    assert_problem(portal.get("/api/v1/notices"), 401, "invalid_token")
    assert integrator.get("/api/v1/notices").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PORTAL, "scopes": ["notices:read", "everything"]}, "scopes"),
        ({**PORTAL, "scopes": []}, "scopes"),
        ({"name": "Không quyền"}, "scopes"),
        ({**PORTAL, "name": ""}, "name"),
        ({**PORTAL, "department_id": "00000000-0000-0000-0000-000000000000"}, "department_id"),
        ({**PORTAL, "key": "cak_chosen-by-me"}, "key"),
    ],
    ids=["unknown-scope", "no-scopes", "scopes-missing", "empty-name", "unknown-department", "key-chosen"],
)
def test_bad_key_requests_name_the_field(admin, sql, body, field):
    assert field in assert_problem(admin.post(API_KEYS, json=body), 422)["errors"]
    assert sql("SELECT count(*) FROM api_keys").scalar() == 0


def test_create_and_revoke_are_audited_without_the_hash(admin, db, created):
    admin.delete(f"{API_KEYS}/{created['id']}")

    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_id == created["id"])).all()

    assert sorted(event.action for event in events) == ["api_key.create", "api_key.revoke"]
    logged = json.dumps([[event.before, event.after] for event in events])
    assert "key_hash" not in logged and token_hash(created["key"]) not in logged
    assert {event.actor_id for event in events} == {str(admin.principal.id)}


# ---------------------------------------------------------------- who may manage keys


@pytest.fixture
def callers(staff, citizen, integrator, client):
    return {**staff, "citizen": citizen, "integrator": integrator, "anonymous": client}


@pytest.mark.parametrize(
    "name", ["editor_a", "officer_a", "viewer_a", "officer_b", "citizen", "integrator", "anonymous"]
)
def test_only_admins_manage_keys(callers, name, integrator, sql):
    status, code = (401, "unauthorized") if name == "anonymous" else (403, "forbidden")
    caller = callers[name]

    assert_problem(caller.get(API_KEYS), status, code)
    assert_problem(caller.post(API_KEYS, json=PORTAL), status, code)
    assert_problem(caller.delete(f"{API_KEYS}/{integrator.principal.id}"), status, code)
    assert sql("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL").scalar() == 1


# ---------------------------------------------------------------- scopes and use


@pytest.fixture
def principal_for(app):
    """The Principal api.auth builds for a bearer token (None: no Authorization header)."""

    def build(token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with app.test_request_context(headers=headers):
            return current_principal()

    return build


def test_a_key_holding_the_scope_passes_the_scope_check(principal_for, integrator):
    principal = principal_for(integrator.token)
    assert principal.kind == policy.Caller.API_KEY and "notices:read" in principal.scopes
    policy.require(principal, "notices.read")


def test_a_key_without_the_scope_gets_403_missing_scope(principal_for, integrator_without_scope):
    principal = principal_for(integrator_without_scope.token)
    with pytest.raises(DomainError) as refused:
        policy.require(principal, "notices.read")
    assert_problem(problem_for(refused.value), 403, "missing_scope")


def test_staff_pass_scope_checks_without_scopes(principal_for, staff):
    policy.require(principal_for(staff["viewer_a"].token), "feedback.read")


@pytest.mark.parametrize(("name", "status"), [("citizen", 403), ("anonymous", 401)])
def test_devices_and_anonymous_fail_scope_checks(principal_for, citizen, name, status):
    principal = principal_for(citizen.token if name == "citizen" else None)
    with pytest.raises(DomainError) as refused:
        policy.require(principal, "feedback.read")
    assert refused.value.status == status


def test_using_a_key_records_when_it_was_last_used(admin, integrator, db):
    assert integrator.principal.last_used_at is None

    integrator.get(PROBE)

    last_used = db.scalar(select(ApiKey.last_used_at).where(ApiKey.id == integrator.principal.id))
    assert last_used is not None and utcnow() - last_used < timedelta(minutes=1)
    shown = {item["id"]: item["last_used_at"] for item in listed(admin).get_json()["items"]}
    assert shown[str(integrator.principal.id)] is not None


@pytest.mark.parametrize(
    ("ago", "refreshed"),
    [(timedelta(minutes=5), True), (timedelta(seconds=10), False)],
    ids=["used-5-minutes-ago", "used-10-seconds-ago"],
)
def test_last_used_is_refreshed_at_most_once_a_minute(integrator, db, ago, refreshed):
    earlier = utcnow() - ago
    db.get(ApiKey, integrator.principal.id).last_used_at = earlier

    integrator.get(PROBE)

    last_used = db.scalar(select(ApiKey.last_used_at).where(ApiKey.id == integrator.principal.id))
    assert (last_used != earlier) is refreshed
