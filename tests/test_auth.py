"""Staff sign-in (POST /api/v1/auth/token) and how bearer tokens are read on every request."""

import time

import jwt
import pytest

from services.core.security import issue_jwt
from tests.conftest import PASSWORD, TEST_SECRET, assert_problem

TOKEN_URL = "/api/v1/auth/token"
STAFF_ONLY_URL = "/api/v1/users"


def sign_in(client, email, password=PASSWORD):
    return client.post(TOKEN_URL, json={"email": email, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def officer(make_user, department_a):
    return make_user("officer", department_a, email="can.bo@danang.gov.vn")


def test_good_credentials_give_a_jwt_that_opens_staff_endpoints(app, client, officer):
    response = sign_in(client, officer.email)

    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == app.config["JWT_TTL"]
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(officer.id) and claims["role"] == "officer"
    assert claims["exp"] - claims["iat"] == body["expires_in"]

    listed = client.get(STAFF_ONLY_URL, headers=bearer(body["access_token"]))
    assert listed.status_code == 200
    assert officer.email in [user["email"] for user in listed.get_json()["items"]]


def test_email_is_matched_regardless_of_case(client, officer):
    assert sign_in(client, "CAN.BO@DaNang.gov.vn").status_code == 200


def test_sign_in_records_last_login(client, admin, officer):
    assert admin.get(f"/api/v1/users/{officer.id}").get_json()["last_login_at"] is None

    sign_in(client, officer.email)

    assert admin.get(f"/api/v1/users/{officer.id}").get_json()["last_login_at"] is not None


def test_wrong_password_is_refused(client, officer):
    assert_problem(sign_in(client, officer.email, "not the password"), 401, "invalid_credentials")


def test_unknown_email_is_refused_like_a_wrong_password(client, officer):
    unknown = assert_problem(sign_in(client, "nobody@danang.gov.vn"), 401, "invalid_credentials")
    wrong = assert_problem(sign_in(client, officer.email, "not the password"), 401, "invalid_credentials")
    assert unknown["detail"] == wrong["detail"]


def test_deactivated_user_cannot_sign_in_even_with_the_right_password(client, make_user, department_a):
    retired = make_user("officer", department_a, active=False)
    assert_problem(sign_in(client, retired.email), 401, "invalid_credentials")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"email": "not-an-email", "password": "x"},
        {"email": "a@example.org"},
        {"email": "a@example.org", "password": ""},
    ],
)
def test_malformed_sign_in_is_a_validation_problem(client, payload):
    assert_problem(client.post(TOKEN_URL, json=payload), 422, "validation_failed")


def test_password_is_never_echoed_in_a_validation_problem(client):
    response = client.post(TOKEN_URL, json={"email": "not-an-email", "password": "s3cret-value"})
    assert_problem(response, 422)
    assert "s3cret-value" not in response.get_data(as_text=True)


def test_deactivating_a_user_ends_its_token_at_once(client, admin, officer):
    token = sign_in(client, officer.email).get_json()["access_token"]
    assert client.get(STAFF_ONLY_URL, headers=bearer(token)).status_code == 200

    assert admin.patch(f"/api/v1/users/{officer.id}", json={"active": False}).status_code == 200

    assert_problem(client.get(STAFF_ONLY_URL, headers=bearer(token)), 401, "invalid_token")


def test_expired_jwt_is_refused(client, officer):
    expired = issue_jwt(TEST_SECRET, -60, sub=str(officer.id), role=officer.role)
    assert_problem(client.get(STAFF_ONLY_URL, headers=bearer(expired)), 401, "invalid_token")


def test_jwt_signed_with_another_secret_is_refused(client, officer):
    forged = issue_jwt("another-secret-key-with-at-least-32-chars", 3600, sub=str(officer.id), role="admin")
    assert_problem(client.get(STAFF_ONLY_URL, headers=bearer(forged)), 401, "invalid_token")


@pytest.mark.parametrize("sub", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_jwt_naming_no_user_is_refused(client, sub):
    token = issue_jwt(TEST_SECRET, 3600, sub=sub, role="admin")
    assert_problem(client.get(STAFF_ONLY_URL, headers=bearer(token)), 401, "invalid_token")


@pytest.mark.parametrize("header", ["Basic x", "Bearer", "Bearer   ", "Token abc"])
def test_malformed_authorization_header_is_401_not_anonymous(client, header):
    assert_problem(client.get(STAFF_ONLY_URL, headers={"Authorization": header}), 401, "invalid_token")


@pytest.mark.parametrize("token", ["garbage", "dev_not-a-device", "cak_not-a-key", "a.b.c"])
def test_unknown_bearer_token_is_401_with_a_challenge(client, token):
    response = client.get(STAFF_ONLY_URL, headers=bearer(token))
    assert_problem(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_on_a_staff_endpoint_is_challenged(client):
    response = client.get(STAFF_ONLY_URL)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# ---------------------------------------------------------------- lifetime (forged with the right key)


def forge(officer, **claims):
    """A token signed with the app's own key, as someone holding it (or a bug) could make."""
    now = int(time.time())
    payload = {"sub": str(officer.id), "role": officer.role, "iat": now, "exp": now + 3600, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, TEST_SECRET, algorithm="HS256")


def test_a_token_living_as_long_as_jwt_ttl_is_accepted(client, officer):
    assert client.get(STAFF_ONLY_URL, headers=bearer(forge(officer))).status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": 10**30},
        {"exp": int(time.time()) + 2 * 3600},
        {"iat": int(time.time()) - 3600 * 24 * 365, "exp": int(time.time()) + 60},
        {"iat": None},
        {"exp": None},
        {"iat": int(time.time()) + 3600, "exp": int(time.time()) + 2 * 3600},
        {"exp": "never"},
        {"iat": "yesterday"},
    ],
    ids=[
        "exp-10^30",
        "two-hours",
        "issued-a-year-ago",
        "no-iat",
        "no-exp",
        "issued-in-an-hour",
        "exp-not-a-number",
        "iat-not-a-number",
    ],
)
def test_a_token_outliving_jwt_ttl_or_without_its_times_is_refused(client, officer, claims):
    assert_problem(client.get(STAFF_ONLY_URL, headers=bearer(forge(officer, **claims))), 401, "invalid_token")


# ---------------------------------------------------------------- changes that end a user's tokens


def test_changing_a_password_ends_the_old_token_and_the_new_password_signs_in(client, admin, officer):
    old = sign_in(client, officer.email).get_json()["access_token"]

    assert (
        admin.patch(f"/api/v1/users/{officer.id}", json={"password": "a new long password"}).status_code
        == 200
    )
    # Usually within the same second as the change: the token version, not a time, tells them apart.
    new = sign_in(client, officer.email, "a new long password").get_json()["access_token"]

    assert_problem(client.get(STAFF_ONLY_URL, headers=bearer(old)), 401, "invalid_token")
    assert client.get(STAFF_ONLY_URL, headers=bearer(new)).status_code == 200


@pytest.mark.parametrize(
    "change",
    [{"role": "viewer"}, {"role": "admin", "department_id": None}, "department_b"],
    ids=["demoted-to-viewer", "promoted-to-admin", "moved-to-department-b"],
)
def test_a_new_role_or_department_ends_the_old_token(client, admin, officer, department_b, change):
    if change == "department_b":
        change = {"department_id": str(department_b.id)}
    old = sign_in(client, officer.email).get_json()["access_token"]

    assert admin.patch(f"/api/v1/users/{officer.id}", json=change).status_code == 200

    assert_problem(client.get(STAFF_ONLY_URL, headers=bearer(old)), 401, "invalid_token")
    new = sign_in(client, officer.email).get_json()["access_token"]
    assert client.get(STAFF_ONLY_URL, headers=bearer(new)).status_code == 200


def test_a_change_that_grants_nothing_keeps_the_token(client, admin, officer, department_a):
    token = sign_in(client, officer.email).get_json()["access_token"]
    same = {
        "full_name": "Cán bộ mới",
        "role": "officer",
        "department_id": str(department_a.id),
        "active": True,
    }

    assert admin.patch(f"/api/v1/users/{officer.id}", json=same).status_code == 200

    assert client.get(STAFF_ONLY_URL, headers=bearer(token)).status_code == 200


def test_a_deactivated_user_reactivated_needs_a_new_sign_in(client, admin, officer):
    old = sign_in(client, officer.email).get_json()["access_token"]
    admin.patch(f"/api/v1/users/{officer.id}", json={"active": False})
    assert_problem(sign_in(client, officer.email), 401, "invalid_credentials")

    assert admin.patch(f"/api/v1/users/{officer.id}", json={"active": True}).status_code == 200

    assert_problem(client.get(STAFF_ONLY_URL, headers=bearer(old)), 401, "invalid_token")
    new = sign_in(client, officer.email).get_json()["access_token"]
    assert client.get(STAFF_ONLY_URL, headers=bearer(new)).status_code == 200


def test_an_admin_changing_their_own_password_ends_their_own_token(admin):
    assert (
        admin.patch(
            f"/api/v1/users/{admin.principal.id}", json={"password": "a new long password"}
        ).status_code
        == 200
    )
    assert_problem(admin.get(STAFF_ONLY_URL), 401, "invalid_token")


def test_a_token_from_before_versions_works_until_the_first_change(client, admin, officer):
    """Tokens issued before migration 0008 carry no `ver` claim: they count as version 0."""
    unversioned = issue_jwt(TEST_SECRET, 3600, sub=str(officer.id), role=officer.role)
    assert client.get(STAFF_ONLY_URL, headers=bearer(unversioned)).status_code == 200

    admin.patch(f"/api/v1/users/{officer.id}", json={"password": "a new long password"})

    assert_problem(client.get(STAFF_ONLY_URL, headers=bearer(unversioned)), 401, "invalid_token")
