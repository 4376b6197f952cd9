"""Where an item is aimed: the whole country, or provinces and wards known to the area data."""

import pytest
from marshmallow import ValidationError

from schemas.common import TargetsSchema
from services.core import areas
from services.core.errors import Forbidden, Invalid
from services.core.targets import Targets, place, require_reach, target_errors
from services.identity.principals import Principal
from services.models import Department, User

DA_NANG, HA_NOI, LAO_CAI = 48, 1, 15
HAI_CHAU = 20242  # a ward of Đà Nẵng


def load(data) -> Targets:
    return TargetsSchema().load(data)


def errors_of(data) -> dict:
    with pytest.raises(ValidationError) as caught:
        load(data)
    return caught.value.messages


def test_national():
    targets = load({"national": True})

    assert targets.national is True
    assert targets.as_dict() == {"national": True, "province_codes": [], "ward_codes": []}


def test_provinces_and_wards():
    targets = load({"province_codes": [LAO_CAI, HA_NOI], "ward_codes": [HAI_CHAU]})

    assert targets.national is False
    assert targets.province_codes == (HA_NOI, LAO_CAI)
    assert targets.ward_codes == (HAI_CHAU,)


def test_repeated_codes_count_once():
    assert load({"province_codes": [DA_NANG, DA_NANG, HA_NOI]}).province_codes == (HA_NOI, DA_NANG)


@pytest.mark.parametrize(
    "data",
    [
        {"province_codes": [DA_NANG]},
        {"ward_codes": [HAI_CHAU]},
        {"national": False, "province_codes": [HA_NOI]},
    ],
)
def test_a_single_list_is_enough(data):
    assert load(data).national is False


@pytest.mark.parametrize(
    "data",
    [
        {"national": True, "province_codes": [DA_NANG]},
        {"national": True, "ward_codes": [HAI_CHAU]},
        {"national": True, "province_codes": [DA_NANG], "ward_codes": [HAI_CHAU]},
    ],
)
def test_national_together_with_places_is_refused(data):
    assert "national" in errors_of(data)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"national": False},
        {"province_codes": [], "ward_codes": []},
        {"national": False, "province_codes": []},
    ],
)
def test_no_place_at_all_is_refused(data):
    assert errors_of(data) == {"_schema": ["Give national: true or at least one province or ward code."]}


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"province_codes": [DA_NANG, 2]}, "province_codes", "2"),  # code 2 (Hà Giang) was merged in 2025
        ({"province_codes": [99]}, "province_codes", "99"),
        ({"ward_codes": [HAI_CHAU, 99999]}, "ward_codes", "99999"),
        ({"province_codes": [DA_NANG], "ward_codes": [12345]}, "ward_codes", "12345"),
    ],
)
def test_unknown_codes_are_refused_naming_the_field_and_code(data, field, code):
    errors = errors_of(data)

    assert list(errors) == [field]
    assert code in errors[field][0]


def test_unknown_provinces_and_wards_are_reported_together():
    assert set(errors_of({"province_codes": [99], "ward_codes": [99999]})) == {"province_codes", "ward_codes"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"province_codes": [0]}, "province_codes"),
        ({"province_codes": ["Đà Nẵng"]}, "province_codes"),
        ({"ward_codes": [100000]}, "ward_codes"),
        ({"ward_codes": "20242"}, "ward_codes"),
        ({"national": "everywhere"}, "national"),
        ({"regions": ["central"]}, "regions"),
    ],
)
def test_badly_typed_targets_are_refused(data, field):
    assert field in errors_of(data)


def test_a_ward_implies_its_own_province():
    targets = load({"province_codes": [HA_NOI], "ward_codes": [HAI_CHAU]})

    assert targets.implied_province_codes == (HA_NOI, DA_NANG)


def test_implied_provinces_cover_wards_of_several_provinces():
    lao_cai_ward = areas.wards(LAO_CAI)[0].code

    targets = load({"ward_codes": [HAI_CHAU, lao_cai_ward]})

    assert targets.province_codes == ()
    assert targets.implied_province_codes == (LAO_CAI, DA_NANG)


def test_implied_provinces_of_national_targets_are_empty():
    assert load({"national": True}).implied_province_codes == ()


# ---------------------------------------------------------------- reach


def staff_of(province_code, role="editor"):
    department = Department(code="D", name="Phòng", province_code=province_code) if province_code else None
    return Principal(kind="staff", user=User(role=role, department=department))


def refusal(principal, targets):
    with pytest.raises(Forbidden) as refused:
        require_reach(principal, targets)
    return refused.value.code, refused.value.detail, refused.value.extra["errors"]


def test_an_editor_reaches_their_province_and_its_wards_only():
    editor = staff_of(48)
    require_reach(editor, Targets(province_codes=(48,), ward_codes=(20242,)))
    assert refusal(editor, Targets(province_codes=(48, 1), ward_codes=(20242, 4))) == (
        "target_out_of_reach",
        "Your department reaches province 48; national and other provinces' targets are for admins.",
        {"targets": ["Beyond your department's reach: province 1, ward 4."]},
    )
    assert refusal(editor, Targets(national=True))[2] == {
        "targets": ["Beyond your department's reach: the whole country."]
    }


def test_an_admin_reaches_everywhere_and_a_department_without_a_province_nowhere():
    require_reach(staff_of(None, role="admin"), Targets(national=True))
    assert refusal(staff_of(None), Targets(province_codes=(48,)))[1] == (
        "Your department reaches no province (ask an admin); "
        "national and other provinces' targets are for admins."
    )
    assert refusal(Principal(kind="api_key"), Targets(ward_codes=(20242,)))[2] == {
        "targets": ["Beyond your department's reach: ward 20242."]
    }


def test_the_rows_a_target_is_stored_as():
    assert Targets(national=True).places() == [{"scope": "national", "code": 0}]
    assert Targets(province_codes=(48,), ward_codes=(4,)).places() == [
        {"scope": "province", "code": 48},
        {"scope": "ward", "code": 4},
    ]


def test_national_beside_places_is_explained():
    assert target_errors(Targets(national=True, province_codes=(48,))) == {
        "national": ["Give either national or lists of places, not both."]
    }


def test_a_place_asked_about_is_checked_and_a_ward_alone_names_its_province():
    assert place(None, HAI_CHAU) == (DA_NANG, HAI_CHAU)
    assert place(DA_NANG, None) == (DA_NANG, None)
    assert place(None, None) == (None, None)
    for province_code, ward_code in [(HA_NOI, HAI_CHAU), (None, 99999), (2, None)]:
        with pytest.raises(Invalid) as refused:
            place(province_code, ward_code)
        assert refused.value.code == "unknown_area"
