"""Provinces and wards after the July 2025 reform: 34 provinces, searchable without diacritics."""

import pytest

from tests.conftest import assert_problem

PROVINCES = "/api/v1/areas/provinces"
DA_NANG = 48


def names(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["name"] for item in response.get_json()["items"]]


def test_all_34_provinces_are_listed_by_code(client):
    items = client.get(PROVINCES).get_json()["items"]

    assert len(items) == 34
    assert [p["code"] for p in items] == sorted(p["code"] for p in items)
    by_code = {p["code"]: p["name"] for p in items}
    assert by_code[48] == "Thành phố Đà Nẵng"
    assert by_code[15] == "Lào Cai"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("da nang", ["Thành phố Đà Nẵng"]),
        ("Đà Nẵng", ["Thành phố Đà Nẵng"]),
        ("ĐÀ NẴNG", ["Thành phố Đà Nẵng"]),
        ("  da   nang ", ["Thành phố Đà Nẵng"]),
        ("lao cai", ["Lào Cai"]),
        ("Lào Cai", ["Lào Cai"]),
        ("ho chi minh", ["Thành phố Hồ Chí Minh"]),
    ],
)
def test_province_search_ignores_diacritics_case_and_spacing(client, q, expected):
    assert names(client.get(PROVINCES, query_string={"q": q})) == expected


def test_province_search_without_a_match_is_an_empty_list(client):
    assert names(client.get(PROVINCES, query_string={"q": "atlantis"})) == []


def test_empty_q_lists_every_province(client):
    assert len(names(client.get(PROVINCES, query_string={"q": ""}))) == 34


def test_overlong_q_is_rejected(client):
    body = assert_problem(client.get(PROVINCES, query_string={"q": "a" * 101}), 422, "validation_failed")
    assert "q" in body["errors"]


def test_one_province_by_code(client):
    response = client.get(f"{PROVINCES}/{DA_NANG}")

    assert response.status_code == 200
    assert response.get_json() == {
        "code": 48,
        "name": "Thành phố Đà Nẵng",
        "division_type": "thành phố trung ương",
        "codename": "da_nang",
    }


@pytest.mark.parametrize("code", [2, 99, 0, 100000])
def test_unknown_province_is_not_found(client, code):
    assert_problem(client.get(f"{PROVINCES}/{code}"), 404, "not_found")
    assert_problem(client.get(f"{PROVINCES}/{code}/wards"), 404, "not_found")


def test_wards_of_da_nang_include_hai_chau(client):
    items = client.get(f"{PROVINCES}/{DA_NANG}/wards").get_json()["items"]

    hai_chau = next(w for w in items if w["code"] == 20242)
    assert hai_chau["name"] == "Phường Hải Châu"
    assert hai_chau["province_code"] == DA_NANG
    assert len(items) > 50
    assert {w["province_code"] for w in items} == {DA_NANG}


@pytest.mark.parametrize("q", ["hai chau", "Hải Châu", "HAI CHAU"])
def test_ward_search_ignores_diacritics(client, q):
    assert names(client.get(f"{PROVINCES}/{DA_NANG}/wards", query_string={"q": q})) == ["Phường Hải Châu"]


def test_ward_search_stays_inside_the_province(client):
    # Hà Nội has no Hải Châu ward; Đà Nẵng's must not leak into another province's list.
    assert "Phường Hải Châu" not in names(client.get(f"{PROVINCES}/1/wards", query_string={"q": "hai chau"}))
