"""Citizen devices: anonymous registration, a device token shown once, and /devices/me."""

import pytest

from services.core.security import token_hash
from tests.conftest import Caller, assert_problem

DEVICES = "/api/v1/devices"
ME = "/api/v1/devices/me"
DA_NANG, HAI_CHAU, HOA_CUONG = 48, 20242, 20257  # Thành phố Đà Nẵng, Phường Hải Châu, Phường Hòa Cường
HA_NOI, BA_DINH = 1, 4  # Thành phố Hà Nội, Phường Ba Đình
NOT_A_PROVINCE = 3  # in range, but no province has this code
NOT_A_WARD = 99999
FCM_TOKEN = "fcm-registration-token-of-a-phone"


@pytest.fixture
def register(client):
    def register(**fields):
        return client.post(DEVICES, json={"platform": "zalo", "province_code": DA_NANG, **fields})

    return register


@pytest.fixture
def registered(app, register):
    """A freshly registered device, as a caller holding its token."""
    response = register(ward_code=HAI_CHAU)
    assert response.status_code == 201, response.get_json()
    return Caller(app.test_client(), response.get_json()["device_token"], response.get_json())


def test_anonymous_registration_returns_an_id_and_a_device_token(register):
    response = register(ward_code=HAI_CHAU, locale="en")

    assert response.status_code == 201
    device = response.get_json()
    assert device["id"]
    assert device["device_token"].startswith("dev_") and len(device["device_token"]) > 40
    assert (device["platform"], device["locale"], device["province_code"], device["ward_code"]) == (
        "zalo",
        "en",
        DA_NANG,
        HAI_CHAU,
    )
    assert device["has_push_token"] is False


def test_locale_defaults_to_vietnamese_and_ward_is_optional(register):
    device = register().get_json()
    assert (device["locale"], device["ward_code"]) == ("vi", None)


def test_every_registration_gets_its_own_token(register):
    first, second = register().get_json(), register().get_json()
    assert first["id"] != second["id"]
    assert first["device_token"] != second["device_token"]


def test_token_is_stored_only_as_its_sha256_hash(register, sql):
    device = register(push_token=FCM_TOKEN).get_json()
    token = device["device_token"]

    stored = sql("SELECT to_jsonb(d)::text AS row FROM devices d").scalars().all()

    assert stored and not any(token in row for row in stored)
    assert sql("SELECT count(*) FROM devices WHERE token_hash = :h", h=token_hash(token)).scalar() == 1


def test_the_token_opens_devices_me(registered):
    response = registered.get(ME)

    assert response.status_code == 200
    me = response.get_json()
    assert me["id"] == registered.principal["id"]
    assert (me["province_code"], me["ward_code"]) == (DA_NANG, HAI_CHAU)
    assert "device_token" not in me and "token_hash" not in me


def test_a_device_changes_its_language_and_ward(registered):
    response = registered.patch(ME, json={"locale": "en", "ward_code": HOA_CUONG})

    assert response.status_code == 200
    assert registered.get(ME).get_json() == response.get_json()
    assert (response.get_json()["locale"], response.get_json()["ward_code"]) == ("en", HOA_CUONG)


def test_a_device_only_ever_changes_itself(registered, citizen):
    registered.patch(ME, json={"locale": "en"})
    assert citizen.get(ME).get_json()["locale"] == "vi"


# ---------------------------------------------------------------- places


@pytest.mark.parametrize(
    ("place", "field"),
    [
        ({"province_code": NOT_A_PROVINCE}, "province_code"),
        ({"province_code": 100}, "province_code"),
        ({"ward_code": NOT_A_WARD}, "ward_code"),
        ({"ward_code": 0}, "ward_code"),
        ({"ward_code": BA_DINH}, "ward_code"),  # a real ward, but in Hà Nội
    ],
    ids=["unknown-province", "province-out-of-range", "unknown-ward", "ward-out-of-range", "ward-elsewhere"],
)
def test_registration_with_a_bad_place_names_the_field(register, sql, place, field):
    body = assert_problem(register(**place), 422)
    assert list(body["errors"]) == [field]
    assert sql("SELECT count(*) FROM devices").scalar() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"province_code": NOT_A_PROVINCE}, "province_code"),
        ({"ward_code": NOT_A_WARD}, "ward_code"),
        ({"ward_code": BA_DINH}, "ward_code"),
        ({"province_code": HA_NOI, "ward_code": HAI_CHAU}, "ward_code"),
        ({"province_code": None}, "province_code"),
    ],
    ids=["unknown-province", "unknown-ward", "ward-elsewhere", "ward-left-behind", "province-removed"],
)
def test_a_bad_move_names_the_field_and_changes_nothing(registered, change, field):
    body = assert_problem(registered.patch(ME, json=change), 422)
    assert field in body["errors"]
    me = registered.get(ME).get_json()
    assert (me["province_code"], me["ward_code"]) == (DA_NANG, HAI_CHAU)


def test_moving_province_forgets_the_old_ward(registered):
    moved = registered.patch(ME, json={"province_code": HA_NOI}).get_json()
    assert (moved["province_code"], moved["ward_code"]) == (HA_NOI, None)


def test_moving_province_with_a_ward_there_keeps_the_new_ward(registered):
    moved = registered.patch(ME, json={"province_code": HA_NOI, "ward_code": BA_DINH}).get_json()
    assert (moved["province_code"], moved["ward_code"]) == (HA_NOI, BA_DINH)


def test_staying_in_the_province_keeps_the_ward(registered):
    same = registered.patch(ME, json={"province_code": DA_NANG, "locale": "en"}).get_json()
    assert (same["province_code"], same["ward_code"]) == (DA_NANG, HAI_CHAU)


def test_a_device_can_drop_its_ward(registered):
    assert registered.patch(ME, json={"ward_code": None}).get_json()["ward_code"] is None


@pytest.mark.parametrize(
    "fields",
    [{"platform": "symbian"}, {"locale": "tiếng việt"}, {"platform": None}, {"token_hash": "x"}],
    ids=["unknown-platform", "bad-locale", "no-platform", "unknown-field"],
)
def test_bad_registration_fields_are_validation_problems(register, fields):
    assert next(iter(fields)) in assert_problem(register(**fields), 422, "validation_failed")["errors"]


# ---------------------------------------------------------------- push token


def test_push_token_is_write_only(register, app):
    registered = register(push_token=FCM_TOKEN)
    device = Caller(app.test_client(), registered.get_json()["device_token"])

    responses = [registered, device.get(ME), device.patch(ME, json={"locale": "en"})]

    for response in responses:
        assert response.get_json()["has_push_token"] is True
        assert "push_token" not in response.get_json()
        assert FCM_TOKEN not in response.get_data(as_text=True)


def test_push_token_can_be_set_and_cleared(registered):
    assert registered.patch(ME, json={"push_token": FCM_TOKEN}).get_json()["has_push_token"] is True
    assert registered.get(ME).get_json()["has_push_token"] is True
    assert registered.patch(ME, json={"push_token": None}).get_json()["has_push_token"] is False


# ---------------------------------------------------------------- forgetting a device


def test_a_forgotten_device_token_stops_working(registered, sql):
    assert registered.delete(ME).status_code == 204

    assert_problem(registered.get(ME), 401, "invalid_token")
    assert_problem(registered.delete(ME), 401, "invalid_token")
    assert sql("SELECT count(*) FROM devices WHERE id = :id", id=registered.principal["id"]).scalar() == 0


def test_forgetting_one_device_leaves_others(registered, citizen):
    registered.delete(ME)
    assert citizen.get(ME).status_code == 200


# ---------------------------------------------------------------- who may call /devices/me


@pytest.fixture
def callers(staff, integrator, client):
    return {**staff, "integrator": integrator, "anonymous": client}


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
@pytest.mark.parametrize("name", ["admin", "officer_a", "integrator", "anonymous"])
def test_devices_me_is_only_for_devices(callers, name, method):
    response = getattr(callers[name], method)(ME, json={"locale": "en"} if method == "patch" else None)
    if name == "anonymous":
        assert_problem(response, 401, "unauthorized")
    else:
        assert_problem(response, 403, "forbidden")
