"""Routing rules and deadlines: the most specific rule wins, the intake department takes the rest
(flagged for triage), and due dates count Vietnamese working time."""

from datetime import datetime

import pytest

from services.core.deadlines import LOCAL
from services.directory import routing
from services.feedback import workflow
from services.models import Category
from tests.conftest import assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import DA_NANG, HAI_CHAU, submit

RULES = "/api/v1/routing-rules"
OTHER_WARD = 20194  # another ward of Đà Nẵng


def add_rule(admin, department, expect=201, **place):
    response = admin.post(
        RULES, json={"category_code": "roads", "department_id": str(department.id), **place}
    )
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_the_most_specific_rule_wins(db, admin, feedback_category, department_a, make_department):
    everywhere, province, ward = (make_department(code) for code in ("ROADS-ALL", "ROADS-DN", "ROADS-HC"))
    add_rule(admin, everywhere)
    assert routing.route(db, feedback_category, DA_NANG, HAI_CHAU).department.code == "ROADS-ALL"
    add_rule(admin, province, province_code=DA_NANG)
    assert routing.route(db, feedback_category, DA_NANG, HAI_CHAU).department.code == "ROADS-DN"
    rule = add_rule(admin, ward, ward_code=HAI_CHAU)
    assert rule["province_code"] == DA_NANG  # a ward implies its province
    chosen = routing.route(db, feedback_category, DA_NANG, HAI_CHAU)
    assert (chosen.department.code, chosen.needs_triage) == ("ROADS-HC", False)
    assert routing.route(db, feedback_category, DA_NANG, OTHER_WARD).department.code == "ROADS-DN"
    assert routing.route(db, feedback_category, 1, None).department.code == "ROADS-ALL"


def test_with_no_rule_the_intake_department_takes_it_flagged_for_triage(citizen, road_form, department_a):
    created = submit(citizen)
    assert created["department"]["name"] == department_a.name
    assert created["department"]["focal_point"]["phone"] == "+84912345678"
    assert created["needs_triage"] is True


def test_a_rule_to_an_inactive_department_is_skipped(
    db, sql, admin, feedback_category, department_a, make_department
):
    add_rule(admin, make_department("OLD"), province_code=DA_NANG)
    sql("UPDATE departments SET active = false WHERE code = 'OLD'")
    chosen = routing.route(db, feedback_category, DA_NANG, None)
    assert (chosen.department.code, chosen.needs_triage) == ("DEPT-A", True)


@pytest.mark.parametrize("unserved", ["intake = false", "active = false"])
def test_a_province_without_an_active_intake_department_is_refused_not_orphaned(
    sql, citizen, road_form, unserved
):
    sql(f"UPDATE departments SET {unserved}")
    problem = assert_problem(submit_raw(citizen), 422, "province_not_served")
    assert problem["errors"] == {
        "province_code": ["Province 48 has no intake department to receive feedback."]
    }
    assert sql("SELECT count(*) FROM feedback").scalar() == 0


@pytest.mark.parametrize("code", ["nope", "land"])  # unknown; a notice category, not a feedback one
def test_a_rule_needs_an_active_feedback_category(admin, categories_of_both_kinds, department_b, code):
    response = admin.post(RULES, json={"category_code": code, "department_id": str(department_b.id)})
    assert assert_problem(response, 422, "unknown_category")["errors"] == {
        "category_code": [f"No active feedback category {code}."]
    }


@pytest.fixture
def categories_of_both_kinds(db, feedback_category):
    db.add(
        Category(
            code="land",
            kind="notice",
            name_vi="Đất đai",
            name_en="land",
            priority="normal",
            deadline_working_days=5,
            active=True,
        )
    )
    db.commit()


def submit_raw(citizen):
    return citizen.post(
        "/api/v1/feedback",
        json={"form": "road-damage", "answers": {"where": "x", "kind": "pothole"}, "province_code": DA_NANG},
    )


def test_admins_manage_rules_one_per_category_and_place(staff, feedback_category, department_b):
    admin = staff["admin"]
    rule = add_rule(admin, department_b, province_code=DA_NANG)
    assert rule["department"]["code"] == "DEPT-B"
    assert_problem(
        admin.post(
            RULES,
            json={"category_code": "roads", "department_id": str(department_b.id), "province_code": DA_NANG},
        ),
        409,
        "rule_exists",
    )
    assert_problem(
        staff["officer_a"].post(
            RULES, json={"category_code": "roads", "department_id": str(department_b.id)}
        ),
        403,
    )
    assert [r["id"] for r in staff["officer_a"].get(f"{RULES}?category=roads").get_json()["items"]] == [
        rule["id"]
    ]

    errors = assert_problem(
        admin.post(
            RULES,
            json={
                "category_code": "roads",
                "department_id": str(department_b.id),
                "province_code": 1,
                "ward_code": HAI_CHAU,
            },
        ),
        422,
    )["errors"]
    assert "ward_code" in errors
    assert_problem(
        admin.post(RULES, json={"category_code": "nope", "department_id": str(department_b.id)}), 422
    )

    assert admin.delete(f"{RULES}/{rule['id']}").status_code == 204
    assert rule["id"] not in [r["id"] for r in admin.get(RULES).get_json()["items"]]
    assert_problem(admin.delete(f"{RULES}/{rule['id']}"), 404)


def test_normal_feedback_is_due_at_close_of_the_fifth_working_day(feedback_category):
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=LOCAL)
    assert workflow.due_at(feedback_category, friday) == datetime(2026, 12, 11, 17, 30, tzinfo=LOCAL)
    # The week of 24 November (Vietnam Culture Day, a holiday from 2026) takes a day longer.
    before_culture_day = datetime(2026, 11, 20, 9, 0, tzinfo=LOCAL)
    assert workflow.due_at(feedback_category, before_culture_day) == datetime(
        2026, 11, 30, 17, 30, tzinfo=LOCAL
    )


def test_a_deadline_skips_tet(feedback_category):
    # Friday 13 February 2026, just before the Tết break: five working days end on 27 February.
    before_tet = datetime(2026, 2, 13, 9, 0, tzinfo=LOCAL)
    assert workflow.due_at(feedback_category, before_tet) == datetime(2026, 2, 27, 17, 30, tzinfo=LOCAL)


def test_urgent_feedback_is_due_in_four_working_hours_across_a_weekend(make_category):
    urgent = make_category("water-leak", priority="urgent", days=1)
    friday_afternoon = datetime(2026, 12, 4, 16, 0, tzinfo=LOCAL)
    # 1.5 hours on Friday, 2.5 on Monday morning.
    assert workflow.due_at(urgent, friday_afternoon) == datetime(2026, 12, 7, 10, 0, tzinfo=LOCAL)


def test_a_complex_category_uses_its_own_working_days(make_category):
    complex_ = make_category("land-dispute", priority="complex", days=15)
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=LOCAL)
    assert workflow.due_at(complex_, monday) == datetime(2026, 12, 28, 17, 30, tzinfo=LOCAL)


def test_the_submission_due_at_follows_the_category(citizen, road_form, department_a, feedback_category):
    created = submit(citizen)
    received = datetime.fromisoformat(created["received_at"])
    assert datetime.fromisoformat(created["due_at"]) == workflow.due_at(feedback_category, received)
    assert created["priority"] == "normal"


def test_rules_are_listed_by_province_and_category_a_page_at_a_time(
    admin, feedback_category, make_category, department_a, department_b
):
    make_category("water")
    rules = [
        add_rule(admin, department_a),
        add_rule(admin, department_b, province_code=DA_NANG),
        add_rule(admin, department_b, province_code=1),
        admin.post(RULES, json={"category_code": "water", "department_id": str(department_a.id)}).get_json(),
    ]

    def listed(**query):
        return [rule["id"] for rule in admin.get(RULES, query_string=query).get_json()["items"]]

    assert listed(province_code=DA_NANG) == [rules[1]["id"]]
    assert sorted(listed(category="roads")) == sorted(r["id"] for r in rules[:3])
    first = admin.get(RULES, query_string={"limit": 3}).get_json()
    rest = admin.get(RULES, query_string={"limit": 3, "cursor": first["next_cursor"]}).get_json()
    assert len(first["items"]) == 3 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert sorted(r["id"] for r in first["items"] + rest["items"]) == sorted(r["id"] for r in rules)
