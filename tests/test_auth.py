"""Staff sign-in (POST /api/v1/auth/token) and how bearer tokens are read on every request."""

import jwt
import pytest

from services.security import issue_jwt
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
